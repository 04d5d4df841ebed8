//! The overview's own sections: flows with problems, anomaly counts, DNS.

use std::fmt::Write;

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::record::dnstx::DnsStatsRecord;
use crate::record::overview::{Anomalies, ProblemFlow};

pub fn problems(rows: &[ProblemFlow], styled: bool) -> String {
    if rows.is_empty() {
        return "No flow shows a problem.\n".into();
    }
    let mut t = Table::new();
    t.load_preset(if styled { presets::UTF8_FULL_CONDENSED } else { presets::ASCII_MARKDOWN });
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(["id", "proto", "originator → responder", "service", "state", "problems"]);
    for p in rows {
        let f = &p.flow;
        t.add_row(vec![
            Cell::new(f.id).set_alignment(CellAlignment::Right),
            Cell::new(f.proto),
            Cell::new(format!("{}:{} → {}:{}", f.orig_addr, f.orig_port, f.resp_addr, f.resp_port)),
            Cell::new(f.service.unwrap_or("")),
            Cell::new(f.state.unwrap_or("")),
            Cell::new(p.problems.join("; ")),
        ]);
    }
    format!("{t}\n")
}

pub fn anomalies(a: &Anomalies) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "TCP connections: {} ({} refused, {} unanswered, {} reset)",
        a.tcp_connections, a.refused, a.unanswered, a.reset
    );
    let _ = writeln!(
        s,
        "Retransmissions: {}   lost segments: {}   duplicate ACKs: {}   zero windows: {}   out of order: {}   ACKed unseen: {}",
        a.retransmissions, a.lost_segments, a.dup_acks, a.zero_windows, a.out_of_order, a.acked_unseen
    );
    let states: Vec<String> = a.states.iter().map(|(k, v)| format!("{k} {v}")).collect();
    if !states.is_empty() {
        let _ = writeln!(s, "Connection states (Zeek): {}", states.join(", "));
    }
    s
}

pub fn dns(d: &DnsStatsRecord) -> String {
    if d.transactions == 0 {
        return "No DNS.\n".into();
    }
    let mut s = String::new();
    let list = |m: &mut dyn Iterator<Item = String>| m.collect::<Vec<_>>().join(", ");
    let _ = writeln!(
        s,
        "DNS transactions: {} ({})",
        d.transactions,
        list(&mut d.by_status.iter().map(|(k, v)| format!("{k} {v}")))
    );
    let _ = writeln!(s, "Answers: {}", list(&mut d.by_rcode.iter().map(|(k, v)| format!("{k} {v}"))));
    let f = |v: Option<f64>| v.map(|x| format!("{x:.3} ms")).unwrap_or_else(|| "-".into());
    let _ = writeln!(s, "Response time: p50 {}, p90 {}, max {}", f(d.rtt_p50_ms), f(d.rtt_p90_ms), f(d.rtt_max_ms));
    if !d.top_names.is_empty() {
        let _ = writeln!(s, "Most asked: {}", list(&mut d.top_names.iter().map(|(n, c)| format!("{n} ({c})"))));
    }
    for r in d.failed.iter().take(5) {
        let _ = writeln!(
            s,
            "  failed: frame {} {} {} {} → {}",
            r.query_frame.or(r.response_frame).unwrap_or(0),
            r.name.as_deref().unwrap_or("?"),
            r.qtype.as_deref().unwrap_or("?"),
            r.server,
            r.rcode.unwrap_or(r.status)
        );
    }
    s
}
