//! The frame around a live view: the status lines at the top of every
//! redrawn screen, and the terminal control that redraws in place.
//!
//! Owns the wording of the live status (elapsed time, packets and bytes
//! with their rates, the kernel's drop counters) and the ANSI sequences.
//! Knows nothing of capture handles: the caller fills in [`LiveStatus`].

use std::fmt::Write;

use super::flows::human_bytes;

/// What the status lines show, as numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveStatus {
    /// The command being shown (`flows`, `dns`, ...).
    pub command: &'static str,
    pub interface: String,
    pub elapsed_secs: u64,
    pub packets: u64,
    /// Bytes on the wire (original lengths).
    pub bytes: u64,
    pub packets_per_sec: f64,
    pub bytes_per_sec: f64,
    /// libpcap's counters: passed the kernel filter, dropped for lack of
    /// buffer space, dropped by the interface.
    pub received: u64,
    pub dropped_kernel: u64,
    pub dropped_interface: u64,
    /// One more line the command adds (its own totals).
    pub totals: String,
}

/// Switch to the terminal's alternate screen (as top does), so the final
/// report lands on the normal screen with nothing of the live view left.
pub const ENTER: &str = "\x1b[?1049h\x1b[H\x1b[2J";
/// Back to the normal screen.
pub const LEAVE: &str = "\x1b[?1049l";

fn clock(secs: u64) -> String {
    format!("{}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The status lines.
pub fn status(s: &LiveStatus) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "wirelens {} on {}  {}  {} packets ({:.0}/s)  {} ({}/s)",
        s.command,
        s.interface,
        clock(s.elapsed_secs),
        thousands(s.packets),
        s.packets_per_sec,
        human_bytes(s.bytes),
        human_bytes(s.bytes_per_sec.max(0.0) as u64),
    );
    let drops = s.dropped_kernel + s.dropped_interface;
    let _ = writeln!(
        o,
        "kernel: {} received by filter, {} dropped by kernel, {} dropped by interface{}",
        thousands(s.received),
        thousands(s.dropped_kernel),
        thousands(s.dropped_interface),
        if drops > 0 { "  (packets are being lost: try -B for a bigger buffer, or a -f filter)" } else { "" }
    );
    if !s.totals.is_empty() {
        let _ = writeln!(o, "{}", s.totals);
    }
    o.push_str("Ctrl-C stops and prints the full report.\n");
    o
}

/// One redraw: home, every line cleared to its end, then the rest of the
/// screen cleared, so nothing flickers and no old line survives. Lines past
/// `max_lines` are cut (a screen that scrolls would not redraw in place).
pub fn screen(status_lines: &str, body: &str, max_lines: usize) -> String {
    let mut o = String::from("\x1b[H");
    for (i, line) in status_lines.lines().chain(std::iter::once("")).chain(body.lines()).enumerate() {
        if i >= max_lines.max(1) {
            break;
        }
        if i > 0 {
            o.push('\n');
        }
        o.push_str(line);
        o.push_str("\x1b[K");
    }
    o.push_str("\x1b[J");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_says_rates_and_drops() {
        let s = LiveStatus {
            command: "flows",
            interface: "eth0".into(),
            elapsed_secs: 3725,
            packets: 1_234_567,
            bytes: 2_500_000,
            packets_per_sec: 99.6,
            bytes_per_sec: 1500.0,
            received: 1_234_600,
            dropped_kernel: 33,
            dropped_interface: 0,
            totals: "12 active flows, 3 ended".into(),
        };
        let t = status(&s);
        assert!(
            t.starts_with("wirelens flows on eth0  1:02:05  1,234,567 packets (100/s)  2.5 MB (1.5 kB/s)\n"),
            "{t}"
        );
        assert!(t.contains("1,234,600 received by filter, 33 dropped by kernel, 0 dropped by interface  (packets"));
        assert!(t.contains("12 active flows, 3 ended\n"));
    }

    #[test]
    fn screen_clears_each_line_and_cuts_to_the_height() {
        let s = screen("a\nb\n", "c\nd\ne\n", 4);
        assert_eq!(s, "\x1b[Ha\x1b[K\nb\x1b[K\n\x1b[K\nc\x1b[K\x1b[J");
    }
}
