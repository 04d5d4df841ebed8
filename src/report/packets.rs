//! The `packets` report: one line per packet (tshark's default columns),
//! JSON objects, or CSV rows.

use std::fmt::Write;

use super::TimeFormat;
use crate::record::{PacketRecord, Time};

/// Formats the time column. `first` is the first packet's time, `prev` the
/// previous displayed packet's. `digits` is 6 for microsecond captures and 9
/// for nanosecond ones, as tshark adapts its precision to the file.
pub fn time_column(t: Time, fmt: TimeFormat, first: Time, prev: Option<Time>, digits: usize) -> String {
    let frac = |nanos: u32| if digits >= 9 { format!("{nanos:09}") } else { format!("{:06}", nanos / 1000) };
    let chrono_fmt = if digits >= 9 { "%.9f" } else { "%.6f" };
    match fmt {
        TimeFormat::Relative => format!("{:.*}", digits, t.since(first)),
        TimeFormat::Delta => format!("{:.*}", digits, prev.map_or(0.0, |p| t.since(p))),
        TimeFormat::Epoch => format!("{}.{}", t.secs, frac(t.nanos)),
        TimeFormat::Absolute => match chrono::DateTime::from_timestamp(t.secs, t.nanos) {
            Some(d) => d.with_timezone(&chrono::Local).format(&format!("%H:%M:%S{chrono_fmt}")).to_string(),
            None => t.secs.to_string(),
        },
        TimeFormat::Utc => match chrono::DateTime::from_timestamp(t.secs, t.nanos) {
            Some(d) => d.format(&format!("%Y-%m-%d %H:%M:%S{chrono_fmt}")).to_string(),
            None => t.secs.to_string(),
        },
    }
}

/// One tshark-style summary line: `  1 0.000000 10.0.0.1 → 10.0.0.2 TCP 74 info`.
pub fn line(r: &PacketRecord, time: &str) -> String {
    let mut s = String::with_capacity(128);
    let _ = write!(s, "{:>6} {:>10} ", r.frame, time);
    match (&r.src, &r.dst) {
        (Some(a), Some(b)) => {
            let _ = write!(s, "{a} → {b} ");
        }
        (Some(a), None) => {
            let _ = write!(s, "{a} → ");
        }
        _ => {}
    }
    let _ = write!(s, "{} {} {}", r.proto, r.len, r.info);
    s
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
}
