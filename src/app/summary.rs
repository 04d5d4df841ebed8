//! What `info` and `summary` say about the input: capinfos' facts, from the
//! file reader or from the live capture's interfaces (every one of them, in
//! the `-i` order, as capinfos lists a pcapng's).

use crate::capture::CaptureError;
use crate::config::Input;
use crate::stats::{CaptureSummary, InterfaceSummary, StatsBuilder};

use super::source::Source;

/// capinfos' facts from the reader, the per-packet statistics and the
/// dissector's counters.
pub(super) fn capture_summary(
    input: &Input,
    reader: &mut Source,
    sb: &mut StatsBuilder,
    ds: &crate::dissect::DissectStats,
    fault: Option<&CaptureError>,
) -> CaptureSummary {
    let name = input.name();
    let duration = match (sb.first, sb.last) {
        (Some(f), Some(l)) => l.since(f).max(0.0),
        _ => 0.0,
    };
    let per_sec = |v: f64| if duration > 0.0 { v / duration } else { 0.0 };
    let live = match reader {
        Source::Live(l) => Some(l.interfaces()),
        Source::File { .. } | Source::Done => None,
    };
    let (format, file_size, interfaces, skipped_blocks, warnings) = match (reader.file_reader(), live) {
        (Some(r), _) => (
            r.format().describe(),
            if name == "-" { None } else { std::fs::metadata(&*name).ok().map(|m| m.len()) },
            r.interfaces()
                .iter()
                .enumerate()
                .map(|(i, itf)| interface(i, itf.link, itf.snaplen, itf.ts_units_per_sec, itf.name.clone()))
                .collect(),
            r.stats().skipped_blocks,
            r.stats().warnings.clone(),
        ),
        // Every interface of a live capture, in the -i order (a frame's
        // interface id), as capinfos lists a pcapng's.
        (None, live) => (
            "live capture (libpcap)".to_string(),
            None,
            live.unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, itf)| interface(i, itf.link, itf.snaplen, itf.ts_units_per_sec, Some(itf.name)))
                .collect(),
            0,
            Vec::new(),
        ),
    };
    CaptureSummary {
        file: name.to_string(),
        format,
        file_size,
        interfaces,
        encapsulations: sb.encapsulations.clone(),
        packets: sb.packets,
        data_bytes: sb.data_bytes,
        captured_bytes: sb.captured_bytes,
        truncated_packets: sb.truncated_packets,
        first: sb.first,
        last: sb.last,
        duration_secs: duration,
        bytes_per_sec: per_sec(sb.data_bytes as f64),
        bits_per_sec: per_sec(sb.data_bytes as f64 * 8.0),
        avg_packet_size: if sb.packets > 0 { sb.data_bytes as f64 / sb.packets as f64 } else { 0.0 },
        packets_per_sec: per_sec(sb.packets as f64),
        undecoded: CaptureSummary::undecoded_from(ds),
        fragments: ds.defrag.fragments,
        datagrams_reassembled: ds.defrag.completed,
        fragments_unreassembled: ds.defrag.expired
            + ds.defrag.evicted
            + ds.defrag.oversized
            + ds.defrag.truncated
            + ds.defrag.unfinished,
        skipped_blocks,
        warnings,
        hierarchy: std::mem::take(&mut sb.root),
        error: fault.map(|e| e.to_string()),
    }
}

/// Interface `i` of a file or of a live capture, as the summary lists it.
fn interface(
    i: usize,
    link: crate::capture::LinkType,
    snaplen: u32,
    ts_units_per_sec: u64,
    name: Option<String>,
) -> InterfaceSummary {
    InterfaceSummary {
        id: i as u32,
        link: link.name().to_string(),
        link_type: link.0,
        snaplen,
        ts_resolution: ts_resolution(ts_units_per_sec),
        name,
    }
}

fn ts_resolution(units: u64) -> String {
    match units {
        1 => "seconds".into(),
        1_000 => "milliseconds".into(),
        1_000_000 => "microseconds".into(),
        1_000_000_000 => "nanoseconds".into(),
        u => format!("1/{u} s"),
    }
}
