//! The `info` report: capinfos' facts and the protocol hierarchy.

use std::fmt::Write;

use crate::stats::{CaptureSummary, ProtoNode};

fn human_bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut v = n;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 { format!("{n:.0} bytes") } else { format!("{v:.1} {}", UNITS[u]) }
}

/// capinfos-style text followed by the protocol hierarchy.
pub fn text(s: &CaptureSummary) -> String {
    let mut o = String::new();
    let kv = |o: &mut String, k: &str, v: String| {
        let _ = writeln!(o, "{:<24}{v}", format!("{k}:"));
    };
    kv(&mut o, "File name", s.file.clone());
    kv(&mut o, "File type", s.format.clone());
    if let Some(sz) = s.file_size {
        kv(&mut o, "File size", format!("{sz} bytes"));
    }
    let encaps: Vec<String> = s.encapsulations.iter().map(|(k, v)| format!("{k} ({v} packets)")).collect();
    kv(&mut o, "File encapsulation", if encaps.is_empty() { "none".into() } else { encaps.join(", ") });
    kv(&mut o, "Number of interfaces", s.interfaces.len().to_string());
    for i in &s.interfaces {
        let name = i.name.as_deref().map(|n| format!(" {n}")).unwrap_or_default();
        let _ = writeln!(
            o,
            "    #{}{name}: {} ({}), snaplen {}, timestamps in {}",
            i.id, i.link, i.link_type, i.snaplen, i.ts_resolution
        );
    }
    kv(&mut o, "Number of packets", s.packets.to_string());
    kv(&mut o, "Data size", format!("{} bytes on the wire, {} captured", s.data_bytes, s.captured_bytes));
    kv(&mut o, "Truncated packets", format!("{} (cut by the snaplen)", s.truncated_packets));
    if let (Some(f), Some(l)) = (s.first, s.last) {
        kv(&mut o, "First packet time", f.rfc3339());
        kv(&mut o, "Last packet time", l.rfc3339());
        kv(&mut o, "Capture duration", format!("{:.6} seconds", s.duration_secs));
    }
    if s.duration_secs > 0.0 {
        kv(&mut o, "Data byte rate", format!("{}/s", human_bytes(s.bytes_per_sec)));
        kv(&mut o, "Data bit rate", format!("{:.0} bits/s", s.bits_per_sec));
        kv(&mut o, "Average packet rate", format!("{:.1} packets/s", s.packets_per_sec));
    }
    if s.packets > 0 {
        kv(&mut o, "Average packet size", format!("{:.2} bytes", s.avg_packet_size));
    }
    if s.fragments > 0 {
        kv(
            &mut o,
            "IP fragments",
            format!(
                "{} ({} datagrams reassembled, {} fragments not reassembled)",
                s.fragments, s.datagrams_reassembled, s.fragments_unreassembled
            ),
        );
    }
    if s.skipped_blocks > 0 {
        kv(&mut o, "Skipped pcapng blocks", s.skipped_blocks.to_string());
    }
    if !s.undecoded.is_empty() {
        let _ = writeln!(o, "Not fully decoded:");
        for (reason, n) in &s.undecoded {
            let _ = writeln!(o, "    {n:>8}  {reason}");
        }
    }
    for w in &s.warnings {
        let _ = writeln!(o, "Warning: {w}");
    }
    if let Some(e) = &s.error {
        let _ = writeln!(o, "Error: {e}");
    }
    let _ = writeln!(o, "\nProtocol hierarchy (frames, bytes):");
    for c in &s.hierarchy.children {
        hierarchy(&mut o, c, 1);
    }
    o
}

fn hierarchy(o: &mut String, n: &ProtoNode, depth: usize) {
    let name = format!("{}{}", "  ".repeat(depth), n.protocol);
    let _ = writeln!(o, "{name:<40} frames:{} bytes:{}", n.frames, n.bytes);
    for c in &n.children {
        hierarchy(o, c, depth + 1);
    }
}

pub fn json(s: &CaptureSummary) -> Vec<u8> {
    serde_json::to_vec_pretty(s).unwrap_or_default()
}

/// CSV of the protocol hierarchy: path, frames, bytes.
pub fn csv_rows(s: &CaptureSummary) -> Vec<[String; 3]> {
    let mut rows = Vec::new();
    fn walk(rows: &mut Vec<[String; 3]>, n: &ProtoNode, prefix: &str) {
        let path = if prefix.is_empty() { n.protocol.to_string() } else { format!("{prefix}:{}", n.protocol) };
        rows.push([path.clone(), n.frames.to_string(), n.bytes.to_string()]);
        for c in &n.children {
            walk(rows, c, &path);
        }
    }
    for c in &s.hierarchy.children {
        walk(&mut rows, c, "");
    }
    rows
}
