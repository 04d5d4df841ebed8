//! The `dns` report: one row per transaction, or statistics with `--stats`.

use std::fmt::Write;

use super::grid;
use crate::record::dnstx::{DnsStatsRecord, DnsTxRecord};

const HEADER: [&str; 12] =
    ["time", "frames", "client", "server", "proto", "id", "name", "type", "rcode", "answers", "rtt ms", "status"];
/// The column of the round-trip time, the one aligned to the right.
const RTT: usize = 10;

/// A transaction's cells, in `HEADER`'s order.
fn cells(r: &DnsTxRecord) -> [String; 12] {
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
    let mut ts = Vec::with_capacity(30);
    r.ts.push_rfc3339(&mut ts);
    [
        String::from_utf8(ts).unwrap_or_default(),
        frames,
        r.client.clone(),
        r.server.clone(),
        if r.protocol == "dns" { r.transport.to_string() } else { format!("{}/{}", r.protocol, r.transport) },
        format!("0x{:04x}", r.id),
        r.name.clone().unwrap_or_default(),
        r.qtype.clone().unwrap_or_default(),
        r.rcode.unwrap_or("").to_string(),
        answers,
        r.rtt_ms.map(|v| format!("{v:.3}")).unwrap_or_default(),
        status,
    ]
}

/// The transactions' cells (see `grid` for who writes them out).
fn grid(rows: &[DnsTxRecord]) -> grid::Grid {
    let mut g = grid::Grid::new(HEADER.to_vec(), (0..HEADER.len()).map(|i| i == RTT).collect());
    for r in rows {
        for c in cells(r) {
            g.str(&c);
        }
    }
    g
}

fn table_text(rows: &[DnsTxRecord], styled: bool) -> String {
    grid(rows).render(if styled { grid::Style::Boxes } else { grid::Style::Markdown })
}

pub fn table(rows: &[DnsTxRecord], styled: bool) -> String {
    format!("{}\n{} transactions\n", table_text(rows, styled), rows.len())
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
    format!("{}\n", table_text(rows, styled))
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
    let _ = writeln!(o, "\nSlowest:\n{}", table_text(&s.slowest, styled));
    if s.failed.is_empty() {
        let _ = writeln!(o, "\nNo failed transactions.");
    } else {
        let _ = writeln!(o, "\nFailed (unanswered, malformed, or an error rcode):\n{}", table_text(&s.failed, styled));
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

#[cfg(test)]
mod grid_tests {
    use super::*;
    use crate::capture::{FileReader, PacketSource};
    use crate::dissect::Dissector;
    use crate::flow::dns::{DEFAULT_TIMEOUT_NS, DnsTracker};

    /// Every corpus capture's transactions: the grid writes what
    /// comfy-table writes (or leaves the table to it), in both styles,
    /// and with the rows of the `--stats` report too.
    #[test]
    fn the_grid_writes_what_comfy_table_writes_on_the_corpus() {
        let Some(paths) = crate::testutil::captures() else { return };
        let (mut tables, mut rows_seen) = (0, 0);
        for path in paths {
            let Ok(mut r) = FileReader::open(&path.to_string_lossy()) else { continue };
            let (mut d, mut t) = (Dissector::new(), DnsTracker::new(DEFAULT_TIMEOUT_NS));
            let mut txs = Vec::new();
            while let Ok(Some(f)) = r.next_frame() {
                let p = d.dissect(&f);
                let dns = crate::record::parse_dns(&p);
                t.packet(&p, &dns, |tx| txs.push(tx));
            }
            t.finish_all(|tx| txs.push(tx));
            let rows: Vec<DnsTxRecord> = txs.iter().map(DnsTxRecord::from_tx).collect();
            if rows.is_empty() {
                continue;
            }
            let g = grid(&rows);
            for style in [grid::Style::Markdown, grid::Style::Boxes] {
                assert_eq!(g.render(style), g.comfy(style), "{} {style:?}", path.display());
            }
            tables += 1;
            rows_seen += rows.len();
        }
        assert!(tables > 10 && rows_seen > 300, "{tables} tables, {rows_seen} rows");
    }
}
