//! The `conv` report: conversations by responder port or by host pair.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use super::flows::human_bytes;
use crate::record::conv::ConvRecord;

pub fn table(rows: &[ConvRecord], styled: bool) -> String {
    let mut t = Table::new();
    t.load_preset(if styled { presets::UTF8_FULL_CONDENSED } else { presets::ASCII_MARKDOWN });
    t.set_content_arrangement(ContentArrangement::Disabled);
    let by_hosts = rows.first().is_some_and(|r| r.hosts.is_some());
    let what = if by_hosts { "hosts" } else { "port" };
    t.set_header([
        "proto",
        what,
        "server name",
        "flows",
        "clients",
        "failed",
        "unanswered",
        "pkts →/←",
        "bytes →/←",
        "retrans %",
        "irtt p50/p95 ms",
    ]);
    for r in rows {
        let key = match (&r.hosts, r.port) {
            (Some([a, b]), _) => format!("{a} ↔ {b}"),
            (None, Some(t)) if r.proto.starts_with("icmp") => format!("type {t}"),
            (None, Some(p)) => match r.service {
                Some(s) => format!("{p} ({s})"),
                None => p.to_string(),
            },
            _ => String::new(),
        };
        let right = |s: String| Cell::new(s).set_alignment(CellAlignment::Right);
        t.add_row(vec![
            Cell::new(r.proto),
            Cell::new(key),
            Cell::new(r.server_names.join(", ")),
            right(r.flows.to_string()),
            right(r.clients.to_string()),
            right(r.failed_handshakes.to_string()),
            right(r.unanswered.to_string()),
            right(format!("{}/{}", r.orig_pkts, r.resp_pkts)),
            right(format!("{} / {}", human_bytes(r.orig_frame_bytes), human_bytes(r.resp_frame_bytes))),
            right(if r.proto == "tcp" { format!("{:.2}", r.retransmission_rate_pct) } else { String::new() }),
            right(match (r.initial_rtt_p50_ms, r.initial_rtt_p95_ms) {
                (Some(a), Some(b)) => format!("{a:.3} / {b:.3}"),
                _ => String::new(),
            }),
        ]);
    }
    let mut s = t.to_string();
    s.push('\n');
    s
}

pub const CSV_HEADER: [&str; 20] = [
    "proto",
    "port",
    "service",
    "host_a",
    "host_b",
    "flows",
    "clients",
    "unanswered",
    "orig_pkts",
    "resp_pkts",
    "orig_frame_bytes",
    "resp_frame_bytes",
    "orig_payload_bytes",
    "resp_payload_bytes",
    "failed_handshakes",
    "retransmissions",
    "retransmission_rate_pct",
    "initial_rtt_p50_ms",
    "initial_rtt_p95_ms",
    "server_name",
];

impl super::Row for ConvRecord {
    fn csv_header() -> &'static [&'static str] {
        &CSV_HEADER
    }

    fn csv_row(&self) -> Vec<String> {
        csv_row(self)
    }
}

pub fn csv_row(r: &ConvRecord) -> Vec<String> {
    let (a, b) = match &r.hosts {
        Some([a, b]) => (a.clone(), b.clone()),
        None => (String::new(), String::new()),
    };
    vec![
        r.proto.to_string(),
        r.port.map(|p| p.to_string()).unwrap_or_default(),
        r.service.unwrap_or("").to_string(),
        a,
        b,
        r.flows.to_string(),
        r.clients.to_string(),
        r.unanswered.to_string(),
        r.orig_pkts.to_string(),
        r.resp_pkts.to_string(),
        r.orig_frame_bytes.to_string(),
        r.resp_frame_bytes.to_string(),
        r.orig_payload_bytes.to_string(),
        r.resp_payload_bytes.to_string(),
        r.failed_handshakes.to_string(),
        r.retransmissions.to_string(),
        r.retransmission_rate_pct.to_string(),
        r.initial_rtt_p50_ms.map(|v| v.to_string()).unwrap_or_default(),
        r.initial_rtt_p95_ms.map(|v| v.to_string()).unwrap_or_default(),
        r.server_name.clone().unwrap_or_default(),
    ]
}
