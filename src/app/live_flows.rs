//! What `flows -i` shows while the capture runs.
//!
//! - On a terminal (table format): the busiest active flows, redrawn in
//!   place (ANSI clear and home) about once a second of packet time.
//! - Otherwise, and for NDJSON and CSV: one line per flow when it ends. The
//!   flow table ends flows only by inactivity (minutes for TCP), so a TCP
//!   connection is also written once it has closed (FIN both ways or RST)
//!   and seen no packet for [`CLOSE_QUIET_NS`]; each flow is written once.
//!   NDJSON and CSV then end with the flows still open, so the stream holds
//!   every flow exactly once; the table format ends with the usual report.
//!
//! Both run on packet time: a quiet interface changes nothing to show, and
//! nothing here reads the clock.

use std::collections::HashSet;
use std::io::{self, Write};

use crate::capture::Timestamp;
use crate::config::{FlowsConfig, Format, LiveView};
use crate::flow::table::{EndReason, FlowTable};
use crate::record::flow::FlowRecord;
use crate::report;

/// Quiet time after a TCP close before the live view writes the connection
/// (the last ACK of the close, or a late retransmission, still belongs to it).
pub(super) const CLOSE_QUIET_NS: i64 = 2_000_000_000;

/// Packet time between two redraws or two scans for closed connections.
const TICK_NS: i64 = 1_000_000_000;

/// Rows in the redrawn view when --top does not say.
const DEFAULT_TOP: usize = 20;

pub(super) struct LiveFlows {
    view: LiveView,
    format: Format,
    styled: bool,
    top: usize,
    interface: String,
    next_tick: Option<Timestamp>,
    emitted: HashSet<u64>,
    ended: u64,
    packets: u64,
}

fn ns(t: Timestamp) -> i64 {
    t.secs.saturating_mul(1_000_000_000).saturating_add(i64::from(t.nanos))
}

fn write_out(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

impl LiveFlows {
    /// `None` unless the input is live and the view is on.
    pub(super) fn new(c: &FlowsConfig) -> Option<LiveFlows> {
        (c.live_view != LiveView::Off).then(|| LiveFlows {
            view: c.live_view,
            format: c.format,
            styled: c.styled,
            top: c.top.unwrap_or(DEFAULT_TOP),
            interface: c.input.name().to_string(),
            next_tick: None,
            emitted: HashSet::new(),
            ended: 0,
            packets: 0,
        })
    }

    /// Before the first packet: the CSV header of the event stream.
    pub(super) fn start(&mut self) -> io::Result<()> {
        if self.view == LiveView::Events && self.format == Format::Csv {
            write_out(&report::csv_line(report::flows::CSV_HEADER))?;
        }
        Ok(())
    }

    /// A flow the table has ended.
    pub(super) fn ended(&mut self, r: &FlowRecord) -> io::Result<()> {
        self.ended += 1;
        if self.view == LiveView::Events {
            self.emit(r)?;
        }
        Ok(())
    }

    fn emit(&mut self, r: &FlowRecord) -> io::Result<()> {
        if !self.emitted.insert(r.id) {
            return Ok(());
        }
        let mut line = match self.format {
            Format::Ndjson => serde_json::to_vec(r).map_err(io::Error::other)?,
            Format::Csv => return write_out(&report::csv_line(report::flows::csv_row(r))),
            _ => report::flows::event_line(r).into_bytes(),
        };
        line.push(b'\n');
        write_out(&line)
    }

    /// After each packet: once a second of packet time, redraw or write
    /// the connections that have closed.
    pub(super) fn packet(&mut self, ts: Timestamp, table: &FlowTable) -> io::Result<()> {
        self.packets += 1;
        let next = *self.next_tick.get_or_insert(ts);
        if ts < next {
            return Ok(());
        }
        self.next_tick = Some(Timestamp::new(ts.secs.saturating_add(TICK_NS / 1_000_000_000), ts.nanos));
        match self.view {
            LiveView::Events => {
                let now = ns(ts);
                let closed: Vec<FlowRecord> = table
                    .flows()
                    .filter(|f| f.proto == 6 && f.is_closed() && now.saturating_sub(ns(f.last)) >= CLOSE_QUIET_NS)
                    .filter(|f| !self.emitted.contains(&f.id))
                    .map(|f| FlowRecord::from_flow(f, EndReason::Closed))
                    .collect();
                for r in &closed {
                    self.emit(r)?;
                }
                Ok(())
            }
            LiveView::Redraw => self.redraw(table),
            LiveView::Off => Ok(()),
        }
    }

    fn redraw(&self, table: &FlowTable) -> io::Result<()> {
        let mut rows: Vec<FlowRecord> =
            table.flows().map(|f| FlowRecord::from_flow(f, EndReason::EndOfCapture)).collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.orig_frame_bytes + r.resp_frame_bytes));
        rows.truncate(self.top);
        rows.sort_by_key(|r| r.id);
        let mut screen = String::from("\x1b[H\x1b[2J");
        screen.push_str(&format!(
            "wirelens flows on {}: {} active, {} ended, {} packets (busiest {} shown; Ctrl-C for the report)\n",
            self.interface,
            table.active(),
            self.ended,
            self.packets,
            rows.len()
        ));
        screen.push_str(&report::flows::table(&rows, self.styled));
        write_out(screen.as_bytes())
    }

    /// At the end, before the report. Returns true when the event stream
    /// already is the whole output (NDJSON, CSV): the flows not written yet
    /// are written now and there is no separate report.
    pub(super) fn finish(&mut self, rows: &[FlowRecord]) -> io::Result<bool> {
        match (self.view, self.format) {
            (LiveView::Events, Format::Ndjson | Format::Csv) => {
                for r in rows {
                    self.emit(r)?;
                }
                Ok(true)
            }
            (LiveView::Redraw, _) => {
                // The final table replaces the live one.
                write_out(b"\x1b[H\x1b[2J")?;
                Ok(false)
            }
            (LiveView::Events, _) => {
                // A blank line between the event lines and the report.
                if !self.emitted.is_empty() {
                    write_out(b"\n")?;
                }
                Ok(false)
            }
            (LiveView::Off, _) => Ok(false),
        }
    }
}
