//! What `expert -i`, `dns -i` and `summary -i` show while the capture runs
//! (`flows` and `conv` are in `live_flows.rs`; `packets` simply writes its
//! lines as packets arrive).
//!
//! - Redraw (a terminal): the report so far under the live status lines,
//!   with the most recent events at the bottom. Nothing else is written
//!   while the screen is up; the full report follows at the end.
//! - Events (not a terminal, or `--live events`): a line per event as it
//!   happens. `expert` writes its analysis events (it always does, file or
//!   live); `dns` writes a transaction when it is answered, or when its
//!   timeout passes without an answer (a late answer then gets a line of
//!   its own), in any format but JSON; `summary` writes the three kinds
//!   (flows that end, analysis events, DNS transactions) as text lines.

use std::collections::HashSet;
use std::io;

use super::live::{Recent, Screen, Tick, table_rows, write_out};
use crate::config::{Format, Input, LiveView};
use crate::flow::table::{EndReason, FlowTable};
use crate::record::dnstx::DnsTxRecord;
use crate::record::expert::ExpertEvent;
use crate::record::flow::FlowRecord;
use crate::report;

/// `expert -i` on a terminal: counts so far and the latest events.
pub(super) struct LiveExpert {
    styled: bool,
    screen: Screen,
    recent: Recent<ExpertEvent>,
}

impl LiveExpert {
    /// `None` unless the view is a redraw (event lines need no help).
    pub(super) fn new(input: &Input, styled: bool) -> Option<LiveExpert> {
        (input.view == LiveView::Redraw).then(|| LiveExpert {
            styled,
            screen: Screen::new("expert", &input.name()),
            recent: Recent::default(),
        })
    }

    pub(super) fn packet(&mut self, wire_len: u32) {
        self.screen.packet(wire_len);
    }

    pub(super) fn event(&mut self, e: &ExpertEvent) {
        self.recent.push(e.clone());
    }

    pub(super) fn tick(&mut self, tick: &Tick, events: &[ExpertEvent], flows: usize) -> io::Result<()> {
        let counts = report::expert::counts(events);
        let mut body = report::expert::summary_table(&counts, self.styled);
        body.push_str("\nLatest events:\n");
        for e in self.recent.iter() {
            body.push_str(&report::expert::line(e));
            body.push('\n');
        }
        self.screen.draw(tick, format!("{} TCP analysis events, {flows} active flows", events.len()), &body)
    }

    pub(super) fn finish(&mut self) -> io::Result<()> {
        self.screen.leave()
    }
}

/// `dns -i`: transactions as they are answered or time out.
pub(super) struct LiveDns {
    view: LiveView,
    format: Format,
    styled: bool,
    /// `--stats`: the machine formats are then the final statistics only.
    stats: bool,
    screen: Screen,
    recent: Recent<DnsTxRecord>,
    /// What the redraw's totals count: every transaction as it was shown
    /// (answered transactions are handed out only after a minute).
    shown: Vec<DnsTxRecord>,
    written: u64,
}

impl LiveDns {
    pub(super) fn new(input: &Input, format: Format, styled: bool, stats: bool) -> Option<LiveDns> {
        (input.view != LiveView::Off).then(|| LiveDns {
            view: input.view,
            format,
            styled,
            stats,
            screen: Screen::new("dns", &input.name()),
            recent: Recent::default(),
            shown: Vec::new(),
            written: 0,
        })
    }

    /// Whether lines are written as events happen in this format.
    fn streams(&self) -> bool {
        self.view == LiveView::Events && (self.format == Format::Table || !self.stats)
    }

    pub(super) fn start(&mut self) -> io::Result<()> {
        if self.streams() && self.format == Format::Csv {
            write_out(&report::csv_line(report::dns::CSV_HEADER))?;
        }
        Ok(())
    }

    pub(super) fn packet(&mut self, wire_len: u32) {
        self.screen.packet(wire_len);
    }

    /// A live event: a transaction answered, or unanswered at its timeout.
    pub(super) fn event(&mut self, r: &DnsTxRecord) -> io::Result<()> {
        if self.view == LiveView::Redraw {
            self.shown.push(r.clone());
            self.recent.push(r.clone());
            return Ok(());
        }
        if !self.streams() {
            return Ok(());
        }
        self.written += 1;
        let mut line = match self.format {
            Format::Table => report::dns::event_line(r).into_bytes(),
            Format::Csv => return write_out(&report::csv_line(report::Row::csv_row(r))),
            _ => serde_json::to_vec(r).map_err(io::Error::other)?,
        };
        line.push(b'\n');
        write_out(&line)
    }

    pub(super) fn tick(&mut self, tick: &Tick) -> io::Result<()> {
        if self.view != LiveView::Redraw {
            return Ok(());
        }
        let s = crate::record::dnstx::stats(&self.shown, 5);
        let mut body = report::dns::totals_text(&s);
        let latest: Vec<DnsTxRecord> = self.recent.iter().cloned().collect();
        body.push_str("\nLatest transactions:\n");
        body.push_str(&report::dns::rows_table(&latest, self.styled));
        let totals = format!("{} DNS transactions answered or timed out", self.shown.len());
        self.screen.draw(tick, totals, &body)
    }

    /// At the end. Returns true when the stream already is the whole output
    /// (NDJSON or CSV transactions).
    pub(super) fn finish(&mut self) -> io::Result<bool> {
        self.screen.leave()?;
        if self.streams() && self.format != Format::Table {
            return Ok(true);
        }
        if self.streams() && self.written > 0 {
            write_out(b"\n")?;
        }
        Ok(false)
    }
}

/// `summary -i` (and `info -i`): the overview so far, or the event lines
/// of all three kinds.
pub(super) struct LiveSummary {
    view: LiveView,
    format: Format,
    styled: bool,
    /// `summary` rather than `info` (which shows only the status lines).
    overview: bool,
    screen: Screen,
    recent: Recent<String>,
    written: u64,
    /// Closed connections already shown, still in the table.
    closed: HashSet<u64>,
    /// DNS transactions as shown (answered ones are handed out only after a minute).
    dns_shown: Vec<DnsTxRecord>,
}

impl LiveSummary {
    pub(super) fn new(input: &Input, format: Format, styled: bool, overview: bool) -> Option<LiveSummary> {
        (input.view != LiveView::Off).then(|| LiveSummary {
            view: input.view,
            format,
            styled,
            overview,
            screen: Screen::new(if overview { "summary" } else { "info" }, &input.name()),
            recent: Recent::default(),
            written: 0,
            closed: HashSet::new(),
            dns_shown: Vec::new(),
        })
    }

    pub(super) fn packet(&mut self, wire_len: u32) {
        self.screen.packet(wire_len);
    }

    fn line(&mut self, line: String) -> io::Result<()> {
        match self.view {
            LiveView::Redraw => {
                self.recent.push(line);
                Ok(())
            }
            LiveView::Events if self.format == Format::Table && self.overview => {
                self.written += 1;
                write_out(format!("{line}\n").as_bytes())
            }
            _ => Ok(()),
        }
    }

    /// A flow the table ended (unless shown when it closed).
    pub(super) fn flow(&mut self, r: &FlowRecord) -> io::Result<()> {
        if self.closed.remove(&r.id) {
            return Ok(());
        }
        self.line(report::flows::event_line(r))
    }

    pub(super) fn analysis(&mut self, e: &ExpertEvent) -> io::Result<()> {
        self.line(report::expert::line(e))
    }

    pub(super) fn dns(&mut self, r: &DnsTxRecord) -> io::Result<()> {
        if self.view == LiveView::Redraw {
            self.dns_shown.push(r.clone());
        }
        self.line(report::dns::event_line(r))
    }

    /// Redraws from the flows that ended, the active ones and the DNS
    /// transactions shown so far.
    pub(super) fn tick(&mut self, tick: &Tick, table: Option<&FlowTable>, flows: &[FlowRecord]) -> io::Result<()> {
        if let Some(t) = table {
            for r in super::live_flows::newly_closed(t, tick, &mut self.closed) {
                self.line(report::flows::event_line(&r))?;
            }
        }
        if self.view != LiveView::Redraw {
            return Ok(());
        }
        let active: Vec<FlowRecord> = table
            .map(|t| t.flows().map(|f| FlowRecord::from_flow(f, EndReason::EndOfCapture)).collect())
            .unwrap_or_default();
        let totals =
            format!("{} flows ended, {} active, {} DNS transactions", flows.len(), active.len(), self.dns_shown.len());
        if !self.overview {
            return self.screen.draw(tick, totals, "");
        }
        let mut all = active;
        all.extend_from_slice(flows);
        let problems = crate::record::overview::problem_flows(&all, 5);
        let conv = {
            let mut c = crate::record::conv::group(&all, crate::record::conv::GroupBy::Port);
            c.truncate(table_rows(16).min(8));
            c
        };
        let mut body = String::from("Flows with problems (worst first):\n");
        body.push_str(&report::overview::problems(&problems, self.styled));
        body.push_str("\nDNS activity:\n");
        body.push_str(&report::overview::dns(&crate::record::dnstx::stats(&self.dns_shown, 5)));
        body.push_str("\nLatest events:\n");
        for l in self.recent.iter() {
            body.push_str(l);
            body.push('\n');
        }
        body.push_str("\nConversations by service (busiest first):\n");
        body.push_str(&report::conv::table(&conv, self.styled));
        self.screen.draw(tick, totals, &body)
    }

    pub(super) fn finish(&mut self) -> io::Result<()> {
        self.screen.leave()?;
        if self.written > 0 {
            write_out(b"\n")?;
        }
        Ok(())
    }
}
