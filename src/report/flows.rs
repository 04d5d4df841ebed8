//! The `flows` report: one row per flow.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::record::flow::FlowRecord;

/// Bytes for people: 1.2 MB. Only the table uses it; machine formats are raw.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[u]) }
}

fn endpoint(addr: &str, port: u16, proto: &str) -> String {
    let a = if addr.contains(':') { format!("[{addr}]") } else { addr.to_string() };
    match proto {
        "tcp" | "udp" => format!("{a}:{port}"),
        _ => a,
    }
}

/// The human table. `styled` turns on the box-drawing preset (a terminal).
pub fn table(rows: &[FlowRecord], styled: bool) -> String {
    let mut t = Table::new();
    t.load_preset(if styled { presets::UTF8_FULL_CONDENSED } else { presets::ASCII_MARKDOWN });
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(["id", "proto", "originator", "responder", "service", "start", "duration", "pkts →/←", "bytes →/←"]);
    for r in rows {
        t.add_row(vec![
            Cell::new(r.id).set_alignment(CellAlignment::Right),
            Cell::new(r.proto),
            Cell::new(endpoint(&r.orig_addr, r.orig_port, r.proto)),
            Cell::new(endpoint(&r.resp_addr, r.resp_port, r.proto)),
            Cell::new(r.service.unwrap_or("")),
            Cell::new(r.start.rfc3339()),
            Cell::new(format!("{:.3}s", r.duration)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{}/{}", r.orig_pkts, r.resp_pkts)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{} / {}", human_bytes(r.orig_frame_bytes), human_bytes(r.resp_frame_bytes)))
                .set_alignment(CellAlignment::Right),
        ]);
    }
    let mut s = t.to_string();
    s.push('\n');
    s
}

pub fn json(r: &FlowRecord) -> Vec<u8> {
    serde_json::to_vec(r).unwrap_or_default()
}

pub const CSV_HEADER: [&str; 21] = [
    "id",
    "proto",
    "orig_addr",
    "orig_port",
    "resp_addr",
    "resp_port",
    "service",
    "start",
    "duration",
    "first_frame",
    "last_frame",
    "orig_pkts",
    "resp_pkts",
    "orig_frame_bytes",
    "resp_frame_bytes",
    "orig_ip_bytes",
    "resp_ip_bytes",
    "orig_payload_bytes",
    "resp_payload_bytes",
    "flipped",
    "ended",
];

pub fn csv_row(r: &FlowRecord) -> Vec<String> {
    vec![
        r.id.to_string(),
        r.proto.to_string(),
        r.orig_addr.clone(),
        r.orig_port.to_string(),
        r.resp_addr.clone(),
        r.resp_port.to_string(),
        r.service.unwrap_or("").to_string(),
        r.start.rfc3339(),
        format!("{:.9}", r.duration),
        r.first_frame.to_string(),
        r.last_frame.to_string(),
        r.orig_pkts.to_string(),
        r.resp_pkts.to_string(),
        r.orig_frame_bytes.to_string(),
        r.resp_frame_bytes.to_string(),
        r.orig_ip_bytes.to_string(),
        r.resp_ip_bytes.to_string(),
        r.orig_payload_bytes.to_string(),
        r.resp_payload_bytes.to_string(),
        r.flipped.to_string(),
        r.ended.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_rounds() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1234), "1.2 kB");
        assert_eq!(human_bytes(63_000), "63.0 kB");
    }
}
