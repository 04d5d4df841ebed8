//! The `packets` report: one line per packet (tshark's default columns),
//! JSON objects, or CSV rows.
//!
//! The line is the hot path (the default format, one per packet, millions
//! per file), so it is rendered differently from the rest: from a borrowed
//! [`PacketLine`] view (built in `record::line`), appended to a byte buffer
//! the caller clears and reuses, with numbers, addresses and times written
//! by `crate::text` and integer arithmetic rather than `core::fmt`. A line
//! costs no allocation. JSON, CSV and the `-V` tree render the owned
//! [`PacketRecord`].

use std::fmt::Write as _;
use std::io::Write as _;

use super::TimeFormat;
use crate::record::line::{Address, PacketLine};
use crate::record::{PacketRecord, Time};
use crate::text;

/// What the time column shows, and from which packets it counts.
#[derive(Debug, Clone, Copy)]
pub struct TimeColumn {
    pub format: TimeFormat,
    /// The first packet's time (relative times count from it).
    pub first: Time,
    /// The previous displayed packet's time (delta times count from it).
    pub prev: Option<Time>,
    /// 6 for microsecond captures and 9 for nanosecond ones, as tshark
    /// adapts its precision to the file.
    pub digits: usize,
}

/// Formats the time column. `first` is the first packet's time, `prev` the
/// previous displayed packet's. `digits` is 6 for microsecond captures and 9
/// for nanosecond ones, as tshark adapts its precision to the file.
pub fn time_column(t: Time, format: TimeFormat, first: Time, prev: Option<Time>, digits: usize) -> String {
    let mut out = Vec::new();
    write_time(&mut out, t, &TimeColumn { format, first, prev, digits }, 0);
    String::from_utf8(out).unwrap_or_default()
}

/// [`time_column`], right-aligned in `width` columns, appended to `out`.
pub fn write_time(out: &mut Vec<u8>, t: Time, col: &TimeColumn, width: usize) {
    let digits = col.digits;
    let chrono_fmt = |date: bool| match (date, digits >= 9) {
        (false, false) => "%H:%M:%S%.6f",
        (false, true) => "%H:%M:%S%.9f",
        (true, false) => "%Y-%m-%d %H:%M:%S%.6f",
        (true, true) => "%Y-%m-%d %H:%M:%S%.9f",
    };
    let at = out.len();
    match col.format {
        TimeFormat::Relative => seconds(out, t, col.first, digits, width),
        // The first displayed packet is 0 from itself.
        TimeFormat::Delta => seconds(out, t, col.prev.unwrap_or(t), digits, width),
        TimeFormat::Epoch => {
            text::i64(out, t.secs);
            out.push(b'.');
            if digits >= 9 {
                text::u64_zeros(out, u64::from(t.nanos), 9);
            } else {
                text::u64_zeros(out, u64::from(t.nanos / 1000), 6);
            }
        }
        TimeFormat::Absolute => match chrono::DateTime::from_timestamp(t.secs, t.nanos) {
            Some(d) => {
                let _ = write!(out, "{}", d.with_timezone(&chrono::Local).format(chrono_fmt(false)));
            }
            None => text::i64(out, t.secs),
        },
        TimeFormat::Utc => match chrono::DateTime::from_timestamp(t.secs, t.nanos) {
            Some(d) => {
                let _ = write!(out, "{}", d.format(chrono_fmt(true)));
            }
            None => text::i64(out, t.secs),
        },
    }
    right_align(out, at, width);
}

/// Moves the text from `at` to the end right, behind spaces, if it is
/// narrower than `width` (`{:>width$}`; the text is ASCII).
fn right_align(out: &mut Vec<u8>, at: usize, width: usize) {
    let len = out.len() - at;
    if len < width {
        let pad = width - len;
        out.resize(out.len() + pad, b' ');
        out.copy_within(at..at + len, at + pad);
        out[at..at + pad].fill(b' ');
    }
}

/// Seconds from `earlier` to `t` with `digits` decimals, exactly as
/// `format!("{:>width$.digits$}", t.since(earlier))` prints them.
///
/// Why integers: formatting an `f64` was a tenth of the `packets` command.
/// The difference in nanoseconds is exact; the `f64` is within about
/// 1.3e-10 s of it while the difference is under 2^20 s (12 days). Its
/// rounding to 9 decimals (where the exact value sits on the grid), or to 6
/// (where the exact value is at least 1 ns from a tie unless it ends in
/// exactly 500 ns), is then the integer rounding. Everything else (ties,
/// negative or huge differences, other precisions) takes the `f64` path,
/// so the digits never change.
fn seconds(out: &mut Vec<u8>, t: Time, earlier: Time, digits: usize, width: usize) {
    const LIMIT: i64 = 1 << 20;
    let whole = t.secs.checked_sub(earlier.secs).filter(|s| (0..LIMIT).contains(s));
    let ns = whole.map(|s| s * 1_000_000_000 + i64::from(t.nanos) - i64::from(earlier.nanos));
    let scaled = match (ns, digits) {
        (Some(ns), 9) if ns >= 0 => Some(ns as u64),
        (Some(ns), 6) if ns >= 0 && ns % 1000 != 500 => Some((ns as u64 + 500) / 1000),
        _ => None,
    };
    let Some(v) = scaled else {
        let at = out.len();
        let _ = write!(out, "{:.*}", digits, t.since(earlier));
        right_align(out, at, width);
        return;
    };
    let unit = if digits == 9 { 1_000_000_000 } else { 1_000_000 };
    let (secs, frac) = (v / unit, v % unit);
    // The width is known before writing, so the padding goes first.
    text::pad(out, width.saturating_sub(text::decimal_len(secs) + 1 + digits));
    text::u64(out, secs);
    out.push(b'.');
    text::u64_zeros(out, frac, digits);
}

/// One tshark-style summary line, with its newline, appended to `out`:
/// `     1   0.000000 10.0.0.1 → 10.0.0.2 TCP 74 info`.
pub fn write_line(out: &mut Vec<u8>, l: &PacketLine<'_>, time: &TimeColumn) {
    text::u64_right(out, l.frame, 6);
    out.push(b' ');
    write_time(out, l.ts, time, 10);
    out.push(b' ');
    match (&l.src, &l.dst) {
        (Some(a), Some(b)) => {
            address(out, a);
            out.extend_from_slice(ARROW);
            address(out, b);
            out.push(b' ');
        }
        (Some(a), None) => {
            address(out, a);
            out.extend_from_slice(ARROW);
        }
        _ => {}
    }
    out.extend_from_slice(l.proto.as_bytes());
    out.push(b' ');
    text::u64(out, u64::from(l.len));
    out.push(b' ');
    out.extend_from_slice(l.info);
    out.push(b'\n');
}

const ARROW: &[u8] = " \u{2192} ".as_bytes();

fn address(out: &mut Vec<u8>, a: &Address) {
    match a {
        Address::Ip(ip) => text::ip(out, ip),
        Address::Mac(m) => text::mac(out, m),
        Address::Broadcast => out.extend_from_slice(b"Broadcast"),
    }
}

/// The `-V` details of a record, indented four spaces per level.
pub fn tree(r: &PacketRecord) -> String {
    let mut s = String::new();
    for (depth, text) in &r.tree {
        for _ in 0..*depth {
            s.push_str("    ");
        }
        s.push_str(text);
        s.push('\n');
    }
    s
}

/// One JSON object (no trailing newline).
pub fn json(r: &PacketRecord) -> Vec<u8> {
    serde_json::to_vec(r).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}").into_bytes())
}

pub const CSV_HEADER: [&str; 20] = [
    "frame",
    "ts",
    "len",
    "caplen",
    "link",
    "vlan",
    "src",
    "dst",
    "proto",
    "sport",
    "dport",
    "ip_proto",
    "ip_id",
    "tcp_flags",
    "tcp_seq",
    "tcp_ack",
    "tcp_win",
    "tcp_len",
    "truncated",
    "info",
];

/// One CSV row matching `CSV_HEADER`; numbers raw, absent values empty.
pub fn csv_row(r: &PacketRecord) -> Vec<String> {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let vlan: Vec<String> = r.vlan.iter().map(|v| v.to_string()).collect();
    let mut info = r.info.clone();
    if !r.errors.is_empty() && !info.contains("Malformed") {
        let _ = write!(info, " [{}]", r.errors.join("; "));
    }
    vec![
        r.frame.to_string(),
        r.ts.rfc3339(),
        r.len.to_string(),
        r.caplen.to_string(),
        r.link.to_string(),
        vlan.join(" "),
        opt(r.src.clone()),
        opt(r.dst.clone()),
        r.proto.clone(),
        opt(r.sport.map(|p| p.to_string())),
        opt(r.dport.map(|p| p.to_string())),
        opt(r.ip.as_ref().map(|i| i.proto.to_string())),
        opt(r.ip.as_ref().map(|i| i.id.to_string())),
        opt(r.tcp.as_ref().map(|t| t.flags.clone())),
        opt(r.tcp.as_ref().map(|t| t.seq.to_string())),
        opt(r.tcp.as_ref().map(|t| t.ack.to_string())),
        opt(r.tcp.as_ref().map(|t| t.win.to_string())),
        opt(r.tcp.as_ref().map(|t| t.len.to_string())),
        r.truncated.to_string(),
        info,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_formats() {
        let first = Time { secs: 100, nanos: 0 };
        let t = Time { secs: 101, nanos: 500_000_000 };
        assert_eq!(time_column(t, TimeFormat::Relative, first, None, 6), "1.500000");
        assert_eq!(time_column(t, TimeFormat::Delta, first, Some(Time { secs: 101, nanos: 0 }), 6), "0.500000");
        assert_eq!(time_column(t, TimeFormat::Epoch, first, None, 6), "101.500000");
        assert_eq!(time_column(t, TimeFormat::Epoch, first, None, 9), "101.500000000");
        assert_eq!(time_column(t, TimeFormat::Utc, first, None, 6), "1970-01-01 00:01:41.500000");
    }

    use crate::text::xorshift::Rng;

    /// The integer time columns print what `f64` formatting printed
    /// before, digit for digit, ties and odd timestamps included.
    #[test]
    fn seconds_match_f64_formatting() {
        let mut r = Rng(0x2545_f491_4f6c_dd1d);
        for i in 0..400_000u64 {
            // Magnitudes below 2^62 on both sides, so `since` cannot overflow.
            let magnitude = (r.next() >> 2 >> (r.next() % 64)) as i64;
            let base = if r.next() & 1 == 0 { magnitude } else { -magnitude };
            let earlier = Time { secs: base, nanos: (r.next() % 1_000_000_000) as u32 };
            // Differences at every scale, around the 2^20 s limit, and negative.
            let delta = match i % 6 {
                0 => 0,
                1 => (r.next() % 10) as i64,
                2 => (r.next() % 100_000) as i64,
                3 => (1 << 20) - 2 + (r.next() % 4) as i64,
                4 => -((r.next() % 3) as i64),
                _ => (r.next() >> 2 >> (r.next() % 64)) as i64,
            };
            let nanos = match i % 5 {
                // Microsecond captures, and values that end in exactly 500 ns (ties at 6 digits).
                0 => (r.next() % 1_000_000) as u32 * 1000,
                1 => (r.next() % 1_000_000) as u32 * 1000 + 500,
                2 => 999_999_999,
                // Not normalised (invalid timestamps in a file).
                3 => r.next() as u32,
                _ => (r.next() % 1_000_000_000) as u32,
            };
            let t = Time { secs: earlier.secs.wrapping_add(delta), nanos };
            for digits in [6, 9] {
                let want = format!("{:.*}", digits, t.since(earlier));
                let mut out = Vec::new();
                seconds(&mut out, t, earlier, digits, 0);
                assert_eq!(String::from_utf8(out).unwrap(), want, "{t:?} - {earlier:?}, {digits} digits");
                let mut out = Vec::new();
                seconds(&mut out, t, earlier, digits, 10);
                assert_eq!(String::from_utf8(out).unwrap(), format!("{want:>10}"));
            }
            // Epoch seconds as they were formatted before.
            let col = |digits| TimeColumn { format: TimeFormat::Epoch, first: earlier, prev: None, digits };
            let mut out = Vec::new();
            write_time(&mut out, t, &col(9), 10);
            assert_eq!(String::from_utf8(out).unwrap(), format!("{:>10}", format!("{}.{:09}", t.secs, t.nanos)));
            let mut out = Vec::new();
            write_time(&mut out, t, &col(6), 0);
            assert_eq!(String::from_utf8(out).unwrap(), format!("{}.{:06}", t.secs, t.nanos / 1000));
        }
    }

    #[test]
    fn line_layout() {
        let info = b"http(80) \xe2\x86\x92 443 [ACK] Seq=1".to_vec();
        let mut l = PacketLine {
            frame: 7,
            ts: Time { secs: 101, nanos: 5_000 },
            len: 66,
            src: Some(Address::Ip("fd00::2".parse().unwrap())),
            dst: Some(Address::Ip("10.0.0.1".parse().unwrap())),
            proto: "TCP",
            info: &info,
        };
        let col =
            TimeColumn { format: TimeFormat::Relative, first: Time { secs: 100, nanos: 0 }, prev: None, digits: 6 };
        let render = |l: &PacketLine<'_>| {
            let mut out = Vec::new();
            write_line(&mut out, l, &col);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            render(&l),
            "     7   1.000005 fd00::2 \u{2192} 10.0.0.1 TCP 66 http(80) \u{2192} 443 [ACK] Seq=1\n"
        );
        l.src = Some(Address::Mac([0xaa, 0, 0, 0, 0, 1]));
        l.dst = None;
        l.frame = 1_234_567;
        assert_eq!(
            render(&l),
            "1234567   1.000005 aa:00:00:00:00:01 \u{2192} TCP 66 http(80) \u{2192} 443 [ACK] Seq=1\n"
        );
        l.src = None;
        assert_eq!(render(&l), "1234567   1.000005 TCP 66 http(80) \u{2192} 443 [ACK] Seq=1\n");
    }
}
