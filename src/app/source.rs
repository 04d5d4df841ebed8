//! The input of a run, file or live, from opening to the end.
//!
//! A live capture is opened in a fixed order: work out what privileges to
//! give up (before anything, so a bad `--user` fails first), install the
//! stop handlers, open the interface and the `-w` file (both need the
//! privileges; the file may be given to the user, see `process`), then give
//! root and every capability up, before the first packet is read. libpcap's
//! warnings and the "listening on" lines (one per interface) follow, on
//! stderr. At the end the statistics go to stderr in tcpdump's words, after
//! the command's report; with several interfaces, dumpcap's line per
//! interface follows them.

use std::io::Write;

use anyhow::{Context, Result};

use crate::capture::live::LiveStats;
use crate::capture::{CaptureError, FileReader, Frame, LiveSource, Next, PacketSource, ReadAhead};
use crate::config::{Input, Source as InputSource};
use crate::process;

/// An open input. A file is read on a thread of its own (`ReadAhead`), a
/// batch ahead of the analysis; its time resolution is noted at open.
pub(super) enum Source {
    File {
        ahead: ReadAhead,
        nanos: bool,
    },
    Live(LiveSource),
    /// A file already read to its end elsewhere (by `sharded`'s reader).
    Done,
}

impl PacketSource for Source {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        match self {
            Source::File { ahead, .. } => ahead.next_frame(),
            Source::Live(l) => l.next_frame(),
            Source::Done => Ok(None),
        }
    }

    // Inlined into the callers' per-packet loops: out of line it costs
    // `flows --threads 1` 23 instructions a packet (callgrind), and LLVM's
    // choice flips with unrelated changes to the loop's callers.
    #[inline]
    fn next(&mut self) -> Result<Next<'_>, CaptureError> {
        match self {
            Source::File { ahead, .. } => ahead.next(),
            Source::Live(l) => l.next(),
            Source::Done => Ok(Next::End),
        }
    }

    fn live_stats(&mut self) -> Option<LiveStats> {
        match self {
            Source::File { .. } | Source::Done => None,
            Source::Live(l) => l.live_stats(),
        }
    }
}

impl Source {
    /// Digits of the time column: 9 for nanosecond timestamps, else 6.
    /// For pcapng the finest interface decides, as the first packets may not say.
    pub(super) fn time_digits(&self) -> usize {
        let nanos = match self {
            Source::File { nanos, .. } => *nanos,
            Source::Live(l) => l.ts_units_per_sec() > 1_000_000,
            Source::Done => false,
        };
        if nanos { 9 } else { 6 }
    }

    /// The file's reader, with its statistics, once reading has stopped
    /// (it is stopped here if it has not ended); `None` for a live capture.
    pub(super) fn file_reader(&mut self) -> Option<&FileReader> {
        match self {
            Source::File { ahead, .. } => ahead.stop(),
            Source::Live(_) | Source::Done => None,
        }
    }

    pub(super) fn is_live(&self) -> bool {
        matches!(self, Source::Live(_))
    }
}

pub(super) fn open(input: &Input) -> Result<Source> {
    let live = match &input.source {
        InputSource::File(path) => {
            let reader = FileReader::open(path)?;
            let nanos = reader.interfaces().iter().any(|i| i.ts_units_per_sec > 1_000_000);
            let ahead = ReadAhead::spawn(reader).with_context(|| format!("{path}: cannot start the reader thread"))?;
            return Ok(Source::File { ahead, nanos });
        }
        InputSource::Live(live) => live,
    };
    let privileges = process::resolve(&live.run_as)?;
    let save = live.save.clone().map(|mut s| {
        s.owner = privileges.file_owner();
        s
    });
    process::install_stop_handlers().context("cannot install the SIGINT/SIGTERM handlers")?;
    let source = LiveSource::open(&live.options, save, &process::STOP)?;
    process::give_up(&privileges)?;
    for w in source.warnings() {
        // tcpdump's warning(): "tcpdump: WARNING: ...".
        to_stderr(&format!("wirelens: WARNING: {w}\n"));
    }
    // tcpdump's line, on stderr, for each interface: the capture is open
    // from here on (the tests wait for it before sending traffic).
    for itf in source.interfaces() {
        let (dlt, desc) = crate::capture::live::link_names(itf.dlt);
        to_stderr(&format!(
            "wirelens: listening on {}, link-type {dlt} ({desc}), snapshot length {} bytes\n",
            itf.name, itf.snaplen
        ));
    }
    Ok(Source::Live(source))
}

/// Writes to stderr, ignoring failure: `eprint!` panics when stderr is a
/// closed pipe (`2>&1 | head`), and a lost status line is no reason to
/// lose the run.
fn to_stderr(s: &str) {
    let _ = std::io::stderr().write_all(s.as_bytes());
}

/// tcpdump's end-of-capture lines ("1 packet captured", "2 packets ..."),
/// of every interface together. With several interfaces each then gets
/// dumpcap's line (`report_packet_drops` in dumpcap.c: packets captured on
/// it and dropped, then the kernel's drops and the interface's, and the
/// share captured); tcpdump's four lines stay first and unchanged, so what
/// reads them still finds them.
pub(super) fn stats_lines(total: &LiveStats, per: &[(String, LiveStats)]) -> String {
    let line = |n: u64, what: &str| format!("{n} packet{} {what}\n", if n == 1 { "" } else { "s" });
    let mut out = [
        line(total.captured, "captured"),
        line(total.received, "received by filter"),
        line(total.dropped_kernel, "dropped by kernel"),
        line(total.dropped_interface, "dropped by interface"),
    ]
    .concat();
    if per.len() > 1 {
        for (name, s) in per {
            let dropped = s.dropped_kernel + s.dropped_interface;
            let share = if s.captured > 0 { 100.0 * s.captured as f64 / (s.captured + dropped) as f64 } else { 0.0 };
            out.push_str(&format!(
                "Packets received/dropped on interface '{name}': {}/{dropped} (pcap:{}/ps_ifdrop:{}) ({share:.1}%)\n",
                s.captured, s.dropped_kernel, s.dropped_interface
            ));
        }
    }
    out
}

/// Ends the run after its report: a live capture's statistics on stderr
/// (and its `-w` file completed), then the input's fault, if any.
/// Returns the exit code: 2 after a fault, else 0.
pub(super) fn finish(source: &mut Source, fault: Option<CaptureError>) -> Result<u8> {
    if let Source::Live(l) = source {
        let (stats, saved) = match l.finish() {
            Ok(s) => (s, Ok(())),
            Err(e) => (l.stats(), Err(e)),
        };
        let names = l.interfaces().into_iter().map(|i| i.name);
        let per: Vec<(String, LiveStats)> = names.zip(l.interface_stats()).collect();
        to_stderr(&stats_lines(&stats, &per));
        saved?;
    }
    Ok(match fault {
        Some(e) => {
            eprintln!("wirelens: {e}");
            super::EXIT_BAD_INPUT
        }
        None => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcpdump_wording_and_plurals() {
        let s = LiveStats { captured: 1, received: 2, dropped_kernel: 0, dropped_interface: 0 };
        let four = "1 packet captured\n2 packets received by filter\n0 packets dropped by kernel\n0 packets dropped by interface\n";
        assert_eq!(stats_lines(&s, &[]), four);
        // One interface: tcpdump's lines alone.
        assert_eq!(stats_lines(&s, &[("eth0".into(), s)]), four);
    }

    #[test]
    fn several_interfaces_add_dumpcaps_line_each_after_the_totals() {
        let a = LiveStats { captured: 30, received: 31, dropped_kernel: 1, dropped_interface: 0 };
        let b = LiveStats { captured: 0, received: 0, dropped_kernel: 0, dropped_interface: 0 };
        let total = LiveStats { captured: 30, received: 31, dropped_kernel: 1, dropped_interface: 0 };
        let text = stats_lines(&total, &[("v0".into(), a), ("w0".into(), b)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..4],
            [
                "30 packets captured",
                "31 packets received by filter",
                "1 packet dropped by kernel",
                "0 packets dropped by interface"
            ]
        );
        assert_eq!(lines[4], "Packets received/dropped on interface 'v0': 30/1 (pcap:1/ps_ifdrop:0) (96.8%)");
        assert_eq!(lines[5], "Packets received/dropped on interface 'w0': 0/0 (pcap:0/ps_ifdrop:0) (0.0%)");
        // Nothing after the four ends the way tcpdump's lines do.
        for l in &lines[4..] {
            for end in ["captured", "received by filter", "dropped by kernel", "dropped by interface"] {
                assert!(!l.ends_with(end), "{l}");
            }
        }
    }
}
