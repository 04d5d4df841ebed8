//! What `flows -i` and `conv -i` show while the capture runs.
//!
//! - Redraw (a terminal): for `flows`, the busiest active flows; for
//!   `conv`, the conversations of every flow so far (ended and active).
//! - Events (not a terminal, or `--live events`): one line per flow when it
//!   ends. The flow table ends flows only by inactivity (minutes for TCP),
//!   so a TCP connection is also written once it has closed (FIN both ways
//!   or RST) and stayed quiet for [`CLOSE_QUIET_NS`]; each flow is written
//!   once. For `flows` in NDJSON or CSV the stream is the whole output
//!   (every flow exactly once, the ones still open at the end last); the
//!   table format ends with the usual report. `conv` streams text lines
//!   only: its machine formats are the final aggregate.
//!
//! Both views follow ticks (about once a second of wall time, see
//! `live.rs`), so a quiet interface still redraws and still writes the
//! connections that closed before it went quiet.

use std::collections::HashSet;
use std::io;

use super::live::{Screen, Tick, table_rows, write_out};
use crate::config::{Format, Input, LiveView};
use crate::flow::table::{EndReason, FlowTable};
use crate::record::conv::GroupBy;
use crate::record::flow::FlowRecord;
use crate::report;

/// Quiet time after a TCP close before the live view writes the connection
/// (the last ACK of the close, or a late retransmission, still belongs to it).
pub(super) const CLOSE_QUIET_NS: i64 = 2_000_000_000;

/// What the redraw shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Body {
    Flows,
    Conv(GroupBy),
}

pub(super) struct LiveFlows {
    view: LiveView,
    format: Format,
    styled: bool,
    top: Option<usize>,
    body: Body,
    screen: Screen,
    /// Closed connections already written but still in the table: the
    /// table's own end of them must not write them again. Only flows
    /// between their close and their end are here, so the set stays small.
    written: HashSet<u64>,
    ended: u64,
    /// `conv` on a terminal: the flows that ended, for the conversations.
    ended_rows: Vec<FlowRecord>,
}

/// TCP connections that closed (FIN both ways, or RST) and stayed quiet
/// for [`CLOSE_QUIET_NS`], not written before; they are added to `written`.
pub(super) fn newly_closed(table: &FlowTable, tick: &Tick, written: &mut HashSet<u64>) -> Vec<FlowRecord> {
    let closed: Vec<FlowRecord> = table
        .flows()
        .filter(|f| f.proto() == 6 && f.is_closed() && tick.now.nanos_since(f.last) >= CLOSE_QUIET_NS)
        .filter(|f| !written.contains(&f.id))
        .map(|f| FlowRecord::from_flow(f, EndReason::Closed))
        .collect();
    written.extend(closed.iter().map(|r| r.id));
    closed
}

impl LiveFlows {
    /// `None` unless the input is live and its view is on.
    pub(super) fn new(
        input: &Input,
        format: Format,
        styled: bool,
        top: Option<usize>,
        body: Body,
    ) -> Option<LiveFlows> {
        let command = match body {
            Body::Flows => "flows",
            Body::Conv(_) => "conv",
        };
        (input.view != LiveView::Off).then(|| LiveFlows {
            view: input.view,
            format,
            styled,
            top,
            body,
            screen: Screen::new(command, &input.name()),
            written: HashSet::new(),
            ended: 0,
            ended_rows: Vec::new(),
        })
    }

    /// Machine-format event lines (flows only; conv's are its final rows).
    fn streams_machine(&self) -> bool {
        self.body == Body::Flows && matches!(self.format, Format::Ndjson | Format::Csv)
    }

    /// Before the first packet: the CSV header of the event stream.
    pub(super) fn start(&mut self) -> io::Result<()> {
        if self.view == LiveView::Events && self.streams_machine() && self.format == Format::Csv {
            write_out(&report::csv_line(report::flows::CSV_HEADER))?;
        }
        Ok(())
    }

    pub(super) fn packet(&mut self, wire_len: u32) {
        self.screen.packet(wire_len);
    }

    /// A flow the table has ended (by inactivity, eviction, or the end of
    /// the capture).
    pub(super) fn ended(&mut self, r: &FlowRecord) -> io::Result<()> {
        self.ended += 1;
        if self.view == LiveView::Redraw && matches!(self.body, Body::Conv(_)) {
            self.ended_rows.push(r.clone());
        }
        if self.written.remove(&r.id) || self.view != LiveView::Events {
            return Ok(());
        }
        self.write(r)
    }

    fn write(&mut self, r: &FlowRecord) -> io::Result<()> {
        let mut line = match self.format {
            Format::Ndjson if self.streams_machine() => {
                let mut b = Vec::new();
                report::json::flow(&mut b, r);
                b
            }
            Format::Csv if self.streams_machine() => {
                return write_out(&report::csv_line(report::flows::csv_row(r)));
            }
            Format::Table => report::flows::event_line(r).into_bytes(),
            _ => return Ok(()),
        };
        line.push(b'\n');
        write_out(&line)
    }

    /// About once a second: redraw, or write the connections that have closed.
    pub(super) fn tick(&mut self, tick: &Tick, table: &FlowTable) -> io::Result<()> {
        match self.view {
            LiveView::Events => {
                for r in &newly_closed(table, tick, &mut self.written) {
                    self.write(r)?;
                }
                Ok(())
            }
            LiveView::Redraw => self.redraw(tick, table),
            LiveView::Off => Ok(()),
        }
    }

    fn redraw(&mut self, tick: &Tick, table: &FlowTable) -> io::Result<()> {
        let top = self.top.unwrap_or_else(|| table_rows(0));
        let mut active: Vec<FlowRecord> =
            table.flows().map(|f| FlowRecord::from_flow(f, EndReason::EndOfCapture)).collect();
        let totals = format!("{} active flows, {} ended", table.active(), self.ended);
        let body = match self.body {
            Body::Flows => {
                active.sort_by_key(|r| std::cmp::Reverse(r.orig_frame_bytes + r.resp_frame_bytes));
                active.truncate(top);
                active.sort_by_key(|r| r.id);
                format!("Busiest active flows:\n{}", report::flows::table(&active, self.styled))
            }
            Body::Conv(by) => {
                active.extend_from_slice(&self.ended_rows);
                let mut rows = crate::record::conv::group(&active, by);
                rows.truncate(top);
                format!("Conversations so far (busiest first):\n{}", report::conv::table(&rows, self.styled))
            }
        };
        self.screen.draw(tick, totals, &body)
    }

    /// The event stream is the whole output (`flows` in NDJSON or CSV).
    pub(super) fn is_whole_output(&self) -> bool {
        self.view == LiveView::Events && self.streams_machine()
    }

    /// At the end, before the report (every flow has been through
    /// [`ended`](Self::ended)). Returns true when the event stream already
    /// is the whole output (`flows` in NDJSON or CSV).
    pub(super) fn finish(&mut self) -> io::Result<bool> {
        match self.view {
            LiveView::Events if self.streams_machine() => Ok(true),
            LiveView::Redraw => {
                // The final report goes to the normal screen.
                self.screen.leave()?;
                Ok(false)
            }
            LiveView::Events => {
                // A blank line between the event lines and the report.
                if self.format == Format::Table && self.ended > 0 {
                    write_out(b"\n")?;
                }
                Ok(false)
            }
            LiveView::Off => Ok(false),
        }
    }
}
