//! The `flows` report: one row per flow.

use std::io::Write as _;

use super::grid;
use crate::record::flow::FlowRecord;
use crate::text;

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

/// The column titles: the server name only when some flow has one.
fn header(named: bool) -> Vec<&'static str> {
    let mut header = vec!["id", "proto", "originator", "responder", "service"];
    if named {
        header.push("server name");
    }
    header.extend([
        "start",
        "duration",
        "pkts →/←",
        "bytes →/←",
        "state",
        "history",
        "retrans",
        "lost",
        "dupack",
        "zerowin",
        "irtt ms",
    ]);
    header
}

/// The human table. `styled` turns on the box-drawing preset (a terminal).
pub fn table(rows: &[FlowRecord], styled: bool) -> String {
    let mut s = grid(rows).render(if styled { grid::Style::Boxes } else { grid::Style::Markdown });
    s.push('\n');
    s
}

/// The table's cells (see `grid` for who writes them out).
fn grid(rows: &[FlowRecord]) -> grid::Grid {
    let named = rows.iter().any(|r| r.server_name.is_some());
    let header = header(named);
    let right: Vec<bool> = header
        .iter()
        .map(|h| {
            !matches!(
                *h,
                "proto" | "originator" | "responder" | "service" | "server name" | "start" | "state" | "history"
            )
        })
        .collect();
    let mut g = grid::Grid::new(header, right);
    for r in rows {
        let tcp = r.handshake.is_some();
        let count = |g: &mut grid::Grid, n: u64| {
            g.cell(|t| {
                if tcp {
                    text::u64(t, n)
                }
            })
        };
        g.cell(|t| text::u64(t, r.id));
        g.str(r.proto);
        g.cell(|t| push_endpoint(t, &r.orig_addr, r.orig_port, r.proto));
        g.cell(|t| push_endpoint(t, &r.resp_addr, r.resp_port, r.proto));
        g.str(r.service.unwrap_or(""));
        if named {
            g.str(r.server_name.as_deref().unwrap_or(""));
        }
        g.cell(|t| r.start.push_rfc3339(t));
        g.display(format_args!("{:.3}s", r.duration));
        g.cell(|t| {
            text::u64(t, r.orig_pkts);
            t.push(b'/');
            text::u64(t, r.resp_pkts);
        });
        g.display(format_args!("{} / {}", human_bytes(r.orig_frame_bytes), human_bytes(r.resp_frame_bytes)));
        g.str(r.state.unwrap_or(""));
        g.str(r.history.as_deref().unwrap_or(""));
        count(&mut g, r.retransmissions);
        count(&mut g, r.lost_segments);
        count(&mut g, r.dup_acks);
        count(&mut g, r.zero_windows);
        g.cell(|t| {
            if let Some(v) = r.initial_rtt_ms {
                let _ = write!(t, "{v:.3}");
            }
        });
    }
    g
}

/// An endpoint as the table and the event lines show it: `[v6]:port`,
/// `v4:port`, the address alone without ports.
fn push_endpoint(t: &mut Vec<u8>, addr: &str, port: u16, proto: &str) {
    if addr.contains(':') {
        t.push(b'[');
        t.extend_from_slice(addr.as_bytes());
        t.push(b']');
    } else {
        t.extend_from_slice(addr.as_bytes());
    }
    if let "tcp" | "udp" = proto {
        t.push(b':');
        text::u64(t, u64::from(port));
    }
}

fn endpoint(addr: &str, port: u16, proto: &str) -> String {
    let mut t = Vec::with_capacity(addr.len() + 8);
    push_endpoint(&mut t, addr, port, proto);
    String::from_utf8(t).unwrap_or_default()
}

/// One line for a flow that has ended, written while a live capture runs
/// (`flows -i` not on a terminal): the table's main columns in words.
pub fn event_line(r: &FlowRecord) -> String {
    let mut s = format!(
        "flow {} {} {} → {}",
        r.id,
        r.proto,
        endpoint(&r.orig_addr, r.orig_port, r.proto),
        endpoint(&r.resp_addr, r.resp_port, r.proto)
    );
    if let Some(svc) = r.service {
        s.push_str(&format!(" ({svc})"));
    }
    s.push_str(&format!(
        " ended: {}; {:.3}s, {}/{} pkts, {} / {}",
        r.ended,
        r.duration,
        r.orig_pkts,
        r.resp_pkts,
        human_bytes(r.orig_frame_bytes),
        human_bytes(r.resp_frame_bytes)
    ));
    if let Some(state) = r.state {
        s.push_str(&format!(", {state}"));
    }
    if let Some(h) = r.history.as_deref().filter(|h| !h.is_empty()) {
        s.push_str(&format!(" {h}"));
    }
    if r.retransmissions > 0 {
        s.push_str(&format!(", {} retransmissions", r.retransmissions));
    }
    if let Some(ms) = r.initial_rtt_ms {
        s.push_str(&format!(", irtt {ms:.3} ms"));
    }
    s
}

pub const CSV_HEADER: [&str; 45] = [
    "id",
    "proto",
    "orig_addr",
    "orig_port",
    "resp_addr",
    "resp_port",
    "service",
    "server_name",
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
    "state",
    "history",
    "missed_bytes",
    "handshake",
    "close",
    "initial_rtt_ms",
    "rtt_min_ms",
    "rtt_avg_ms",
    "rtt_max_ms",
    "retransmissions",
    "fast_retransmissions",
    "spurious_retransmissions",
    "out_of_order",
    "lost_segments",
    "acked_unseen",
    "dup_acks",
    "zero_windows",
    "zero_window_probes",
    "keep_alives",
    "window_full",
    "window_updates",
    "loss_location",
    "syn_retries",
];

impl super::Row for FlowRecord {
    fn csv_header() -> &'static [&'static str] {
        &CSV_HEADER
    }

    fn csv_row(&self) -> Vec<String> {
        csv_row(self)
    }
}

pub fn csv_row(r: &FlowRecord) -> Vec<String> {
    let f = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    vec![
        r.id.to_string(),
        r.proto.to_string(),
        r.orig_addr.clone(),
        r.orig_port.to_string(),
        r.resp_addr.clone(),
        r.resp_port.to_string(),
        r.service.unwrap_or("").to_string(),
        r.server_name.clone().unwrap_or_default(),
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
        r.state.unwrap_or("").to_string(),
        r.history.clone().unwrap_or_default(),
        r.missed_bytes.to_string(),
        r.handshake.unwrap_or("").to_string(),
        r.close.unwrap_or_default().to_string(),
        f(r.initial_rtt_ms),
        f(r.rtt_min_ms),
        f(r.rtt_avg_ms),
        f(r.rtt_max_ms),
        r.retransmissions.to_string(),
        r.fast_retransmissions.to_string(),
        r.spurious_retransmissions.to_string(),
        r.out_of_order.to_string(),
        r.lost_segments.to_string(),
        r.acked_unseen.to_string(),
        r.dup_acks.to_string(),
        r.zero_windows.to_string(),
        r.zero_window_probes.to_string(),
        r.keep_alives.to_string(),
        r.window_full.to_string(),
        r.window_updates.to_string(),
        r.loss_location.unwrap_or("").to_string(),
        r.syn_retries.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::capture::{FileReader, PacketSource};
    use crate::dissect::Dissector;
    use crate::flow::table::FlowTable;
    use crate::record::Time;

    /// The flow records of a capture, as `flows` makes them (without names).
    fn records(path: &std::path::Path) -> Vec<FlowRecord> {
        let Ok(mut r) = FileReader::open(&path.to_string_lossy()) else { return Vec::new() };
        let (mut d, mut t, mut out) = (Dissector::new(), FlowTable::new(0), Vec::new());
        while let Ok(Some(f)) = r.next_frame() {
            let p = d.dissect(&f);
            t.packet(&p, |fl, why| out.push(FlowRecord::from_flow(&fl, why)));
        }
        t.finish(|fl, why| out.push(FlowRecord::from_flow(&fl, why)));
        out
    }

    /// The grid writes what comfy-table writes from the same cells, in
    /// both presets (or leaves the table to it: `plain` says which).
    fn same(rows: &[FlowRecord], plain: bool, what: &str) {
        let g = grid(rows);
        for style in [grid::Style::Markdown, grid::Style::Boxes] {
            assert_eq!(g.render(style), g.comfy(style), "{what}, {style:?}");
        }
        assert_eq!(g.is_plain(), plain, "{what}: written by the grid");
    }

    #[test]
    fn the_grid_writes_what_comfy_table_writes_on_the_corpus() {
        let Some(paths) = crate::testutil::captures() else { return };
        let mut tables = 0;
        for path in paths {
            let mut rows = records(&path);
            if rows.is_empty() {
                continue;
            }
            same(&rows, true, &path.display().to_string());
            // A server name on some flows: the extra column.
            for (i, r) in rows.iter_mut().enumerate().filter(|(i, _)| i % 3 == 0) {
                r.server_name = Some(format!("host-{i}.example.org"));
            }
            same(&rows, true, &format!("{} with names", path.display()));
            tables += 1;
        }
        assert!(tables > 50, "only {tables} captures had flows");
    }

    #[test]
    fn tables_the_grid_leaves_to_comfy_table_are_comfy_tables() {
        let base = FlowRecord {
            id: u64::MAX,
            proto: "tcp",
            orig_addr: "fd00:200:1::2".into(),
            orig_port: 65535,
            resp_addr: "10.0.0.1".into(),
            service: Some("http"),
            start: Time { secs: -62_135_596_801, nanos: 7 },
            duration: 1e300,
            history: Some("ShADadFf".into()),
            handshake: Some("complete"),
            initial_rtt_ms: Some(-0.0),
            ..FlowRecord::default()
        };
        same(&[], true, "no rows");
        same(std::slice::from_ref(&base), true, "one awkward row");
        let icmp = FlowRecord { proto: "icmp", server_name: Some(String::new()), ..base.clone() };
        same(&[base.clone(), icmp], true, "icmp, an empty name");
        for name in ["naïve", "中文.example", "tab\there", "line\nbreak", "bell\u{7}", "del\u{7f}"] {
            let named = FlowRecord { server_name: Some(name.into()), ..base.clone() };
            same(&[base.clone(), named], false, name);
        }
    }

    #[test]
    fn human_bytes_rounds() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1234), "1.2 kB");
        assert_eq!(human_bytes(63_000), "63.0 kB");
    }
}
