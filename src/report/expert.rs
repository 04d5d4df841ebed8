//! The `expert` report: analysis events, then counts per kind and severity
//! (like `tshark -z expert`).

use std::collections::BTreeMap;
use std::fmt::Write;

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use serde::Serialize;

use crate::record::expert::ExpertEvent;

/// Count of events of one kind.
#[derive(Debug, Clone, Serialize)]
pub struct KindCount {
    pub kind: &'static str,
    pub severity: &'static str,
    pub events: u64,
    pub flows: u64,
}

/// Counts per kind, most severe first, then most frequent.
pub fn counts(events: &[ExpertEvent]) -> Vec<KindCount> {
    let mut by: BTreeMap<&'static str, (&'static str, u64, std::collections::BTreeSet<u64>)> = BTreeMap::new();
    for e in events {
        let c = by.entry(e.kind).or_insert((e.severity, 0, Default::default()));
        c.1 += 1;
        c.2.insert(e.flow);
    }
    let rank = |s: &str| match s {
        "warning" => 0,
        "note" => 1,
        _ => 2,
    };
    let mut v: Vec<KindCount> = by
        .into_iter()
        .map(|(kind, (severity, events, flows))| KindCount { kind, severity, events, flows: flows.len() as u64 })
        .collect();
    v.sort_by(|a, b| rank(a.severity).cmp(&rank(b.severity)).then(b.events.cmp(&a.events)));
    v
}

/// One line per event.
pub fn line(e: &ExpertEvent) -> String {
    format!("{:>7}  flow {:<5} {:<8} {:<24} {}", e.frame, e.flow, e.severity, e.kind, e.evidence)
}

pub fn summary_table(counts: &[KindCount], styled: bool) -> String {
    let mut t = Table::new();
    t.load_preset(if styled { presets::UTF8_FULL_CONDENSED } else { presets::ASCII_MARKDOWN });
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(["severity", "kind", "events", "flows"]);
    for c in counts {
        t.add_row(vec![
            Cell::new(c.severity),
            Cell::new(c.kind),
            Cell::new(c.events).set_alignment(CellAlignment::Right),
            Cell::new(c.flows).set_alignment(CellAlignment::Right),
        ]);
    }
    let mut s = String::new();
    let total: u64 = counts.iter().map(|c| c.events).sum();
    let _ = writeln!(s, "{t}");
    let _ = writeln!(s, "{total} events");
    s
}

pub const CSV_HEADER: [&str; 6] = ["frame", "ts", "flow", "kind", "severity", "evidence"];

pub fn csv_row(e: &ExpertEvent) -> Vec<String> {
    vec![
        e.frame.to_string(),
        e.ts.rfc3339(),
        e.flow.to_string(),
        e.kind.to_string(),
        e.severity.to_string(),
        e.evidence.clone(),
    ]
}
