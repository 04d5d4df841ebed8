//! The `dns` report: one row per transaction, or statistics with `--stats`.

use std::fmt::Write;

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::record::dnstx::{DnsStatsRecord, DnsTxRecord};

fn table_of(rows: &[DnsTxRecord], styled: bool) -> Table {
    let mut t = Table::new();
    t.load_preset(if styled { presets::UTF8_FULL_CONDENSED } else { presets::ASCII_MARKDOWN });
    t.set_content_arrangement(ContentArrangement::Disabled);
    t.set_header([
        "time", "frames", "client", "server", "proto", "id", "name", "type", "rcode", "answers", "rtt ms", "status",
    ]);
    for r in rows {
        let frames = match (r.query_frame, r.response_frame) {
            (Some(q), Some(a)) => format!("{q}→{a}"),
            (Some(q), None) => format!("{q}→"),
            (None, Some(a)) => format!("→{a}"),
            _ => String::new(),
        };
        let mut answers = r.answers_short();
        if answers.chars().count() > 60 {
            answers = answers.chars().take(57).collect::<String>() + "...";
        }
        let mut status = r.status.to_string();
        if r.retries > 0 {
            let _ = write!(status, " ({} retries)", r.retries);
        }
        if r.retried_over_tcp_frame.is_some() {
            status.push_str(", retried over TCP");
        }
        if r.duplicate_responses > 0 {
            let _ = write!(status, ", {} duplicate answers", r.duplicate_responses);
        }
        t.add_row(vec![
            Cell::new(r.ts.rfc3339()),
            Cell::new(frames),
            Cell::new(&r.client),
            Cell::new(&r.server),
            Cell::new(if r.protocol == "dns" {
                r.transport.to_string()
            } else {
                format!("{}/{}", r.protocol, r.transport)
            }),
            Cell::new(format!("0x{:04x}", r.id)),
            Cell::new(r.name.as_deref().unwrap_or("")),
            Cell::new(r.qtype.as_deref().unwrap_or("")),
            Cell::new(r.rcode.unwrap_or("")),
            Cell::new(answers),
            Cell::new(r.rtt_ms.map(|v| format!("{v:.3}")).unwrap_or_default()).set_alignment(CellAlignment::Right),
            Cell::new(status),
        ]);
    }
    t
}

pub fn table(rows: &[DnsTxRecord], styled: bool) -> String {
    format!("{}\n{} transactions\n", table_of(rows, styled), rows.len())
}

/// One line per transaction, for a live capture's event stream.
pub fn event_line(r: &DnsTxRecord) -> String {
    let ep = |a: &str, p: u16| if a.contains(':') { format!("[{a}]:{p}") } else { format!("{a}:{p}") };
    let mut s = format!(
        "dns {} → {} {} 0x{:04x} {} {}",
        ep(&r.client, r.client_port),
        ep(&r.server, r.server_port),
        if r.protocol == "dns" { r.transport.to_string() } else { format!("{}/{}", r.protocol, r.transport) },
        r.id,
        r.name.as_deref().unwrap_or("?"),
        r.qtype.as_deref().unwrap_or("?"),
    );
    let _ = write!(s, ": {}", r.status);
    if let Some(rc) = r.rcode {
        let _ = write!(s, " {rc}");
    }
    let answers = r.answers_short();
    if !answers.is_empty() {
        let _ = write!(s, " {answers}");
    }
    if let Some(ms) = r.rtt_ms {
        let _ = write!(s, " ({ms:.3} ms)");
    }
    if r.retries > 0 {
        let _ = write!(s, ", {} retries", r.retries);
    }
    s
}

/// The totals of `--stats` without its tables (a live screen's head).
pub fn totals_text(s: &DnsStatsRecord) -> String {
    let mut o = String::new();
    let join = |m: &mut dyn Iterator<Item = String>| m.collect::<Vec<_>>().join(", ");
    let _ = writeln!(o, "Transactions: {}", s.transactions);
    let _ = writeln!(o, "By status: {}", join(&mut s.by_status.iter().map(|(k, v)| format!("{k} {v}"))));
    let _ = writeln!(o, "By rcode: {}", join(&mut s.by_rcode.iter().map(|(k, v)| format!("{k} {v}"))));
    let f = |v: Option<f64>| v.map(|x| format!("{x:.3} ms")).unwrap_or_else(|| "-".into());
    let _ = writeln!(
        o,
        "Response time: p50 {}, p90 {}, p99 {}, max {}",
        f(s.rtt_p50_ms),
        f(s.rtt_p90_ms),
        f(s.rtt_p99_ms),
        f(s.rtt_max_ms)
    );
    let _ = writeln!(o, "Top names: {}", join(&mut s.top_names.iter().map(|(n, c)| format!("{n} ({c})"))));
    o
}

/// Transactions as a table without the count line under it.
pub fn rows_table(rows: &[DnsTxRecord], styled: bool) -> String {
    format!("{}\n", table_of(rows, styled))
}

pub fn stats_text(s: &DnsStatsRecord, styled: bool) -> String {
    let mut o = String::new();
    let join = |m: &mut dyn Iterator<Item = String>| m.collect::<Vec<_>>().join(", ");
    let _ = writeln!(o, "Transactions: {}", s.transactions);
    let _ = writeln!(o, "By status: {}", join(&mut s.by_status.iter().map(|(k, v)| format!("{k} {v}"))));
    let _ = writeln!(o, "By rcode: {}", join(&mut s.by_rcode.iter().map(|(k, v)| format!("{k} {v}"))));
    let _ = writeln!(o, "By type: {}", join(&mut s.by_type.iter().map(|(k, v)| format!("{k} {v}"))));
    let f = |v: Option<f64>| v.map(|x| format!("{x:.3} ms")).unwrap_or_else(|| "-".into());
    let _ = writeln!(
        o,
        "Response time: p50 {}, p90 {}, p99 {}, max {}",
        f(s.rtt_p50_ms),
        f(s.rtt_p90_ms),
        f(s.rtt_p99_ms),
        f(s.rtt_max_ms)
    );
    let _ = writeln!(o, "Top names: {}", join(&mut s.top_names.iter().map(|(n, c)| format!("{n} ({c})"))));
    let _ = writeln!(o, "Top clients: {}", join(&mut s.top_clients.iter().map(|(n, c)| format!("{n} ({c})"))));
    let _ = writeln!(o, "\nSlowest:\n{}", table_of(&s.slowest, styled));
    if s.failed.is_empty() {
        let _ = writeln!(o, "\nNo failed transactions.");
    } else {
        let _ = writeln!(o, "\nFailed (unanswered, malformed, or an error rcode):\n{}", table_of(&s.failed, styled));
    }
    o
}

pub const CSV_HEADER: [&str; 20] = [
    "query_frame",
    "response_frame",
    "ts",
    "client",
    "client_port",
    "server",
    "server_port",
    "transport",
    "protocol",
    "id",
    "name",
    "type",
    "rcode",
    "answers",
    "rtt_ms",
    "status",
    "retries",
    "duplicate_responses",
    "truncated",
    "addresses",
];

impl super::Row for DnsTxRecord {
    fn csv_header() -> &'static [&'static str] {
        &CSV_HEADER
    }

    fn csv_row(&self) -> Vec<String> {
        let o = |v: Option<String>| v.unwrap_or_default();
        vec![
            o(self.query_frame.map(|v| v.to_string())),
            o(self.response_frame.map(|v| v.to_string())),
            self.ts.rfc3339(),
            self.client.clone(),
            self.client_port.to_string(),
            self.server.clone(),
            self.server_port.to_string(),
            self.transport.to_string(),
            self.protocol.to_string(),
            self.id.to_string(),
            o(self.name.clone()),
            o(self.qtype.clone()),
            o(self.rcode.map(str::to_string)),
            self.answers_short(),
            o(self.rtt_ms.map(|v| v.to_string())),
            self.status.to_string(),
            self.retries.to_string(),
            self.duplicate_responses.to_string(),
            self.truncated.to_string(),
            self.addresses.join(" "),
        ]
    }
}
