//! The merge of `flows` on several threads (see `sharded`): on the calling
//! thread, the reports of the parts of the analysis in (one channel each;
//! "thread" below is a part), the flows out to the sink in the order one
//! thread would give them, with the ids one thread would give.
//!
//! Owns: the ids (the order in which flows started, across parts), the
//! flows that ended before their ids were known, and the flows open at the
//! end of the capture until their turn. Must not know frames or flow
//! tables: it sees only the parts' reports.

use std::collections::VecDeque;
use std::io;
use std::sync::mpsc::{Receiver, TryRecvError};

use super::flow_out::{Ahead, FlowOut};
use super::sharded::Report;
use crate::flow::FastMap;
use crate::flow::table::TableStats;
use crate::record::flow::FlowRecord;

/// Gives flows their ids in order of their first frames, across threads.
struct Ids {
    /// Per thread: first frames not yet given an id, and the last frame seen.
    started: Vec<VecDeque<u64>>,
    upto: Vec<u64>,
    next: u64,
    /// Ids of flows that have not ended yet, by first frame.
    open: FastMap<u64, u64>,
    /// Flows that ended before their id was known, by first frame.
    waiting: FastMap<u64, FlowRecord>,
}

impl Ids {
    fn new(n: usize) -> Ids {
        Ids {
            started: vec![VecDeque::new(); n],
            upto: vec![0; n],
            next: 1,
            open: FastMap::default(),
            waiting: FastMap::default(),
        }
    }

    fn report(
        &mut self,
        thread: usize,
        upto: u64,
        started: Vec<u64>,
        ended: Vec<FlowRecord>,
        sink: &mut dyn FlowOut,
    ) -> io::Result<()> {
        self.upto[thread] = upto;
        self.started[thread].extend(started);
        // The earliest start any thread reported gets the next id, once
        // every other thread is past it: a thread with starts of its own
        // waiting is past them, and reports its starts in frame order.
        while let Some((t, first)) =
            self.started.iter().enumerate().filter_map(|(t, q)| q.front().map(|&f| (t, f))).min_by_key(|&(_, f)| f)
        {
            let settled = (0..self.upto.len()).all(|o| o == t || !self.started[o].is_empty() || self.upto[o] >= first);
            if !settled {
                break;
            }
            self.started[t].pop_front();
            let id = self.next;
            self.next += 1;
            match self.waiting.remove(&first) {
                Some(mut r) => {
                    r.id = id;
                    sink.push(r)?;
                }
                None => {
                    self.open.insert(first, id);
                }
            }
        }
        for r in ended {
            self.ended(r, sink)?;
        }
        Ok(())
    }

    /// A flow that ended: to the sink with its id, or held until its id is known.
    fn ended(&mut self, mut r: FlowRecord, sink: &mut dyn FlowOut) -> io::Result<()> {
        match self.open.remove(&r.first_frame) {
            Some(id) => {
                r.id = id;
                sink.push(r)
            }
            None => {
                self.waiting.insert(r.first_frame, r);
                Ok(())
            }
        }
    }
}

/// A flow still open at the end of the capture, waiting for its turn:
/// its record, or its row rendered ahead (see [`FlowOut::ahead`]).
enum Pending {
    Record(Box<FlowRecord>),
    Row { first_frame: u64, row: Vec<u8> },
}

impl Pending {
    fn first_frame(&self) -> u64 {
        match self {
            Pending::Record(r) => r.first_frame,
            Pending::Row { first_frame, .. } => *first_frame,
        }
    }
}

/// The flows open at the end, per thread, as their reports come in.
struct OpenFlows {
    queued: Vec<VecDeque<Pending>>,
    totals: Vec<Option<TableStats>>,
    ahead: Option<Ahead>,
}

/// Rows rendered ahead per thread, at most, while other threads are still
/// at work (about 1.4 KB each in JSON): beyond that, a thread's open flows
/// wait in its channel, as records, and it waits for the merge.
const AHEAD_ROWS: usize = 16_384;

impl OpenFlows {
    /// Whether more of thread `t`'s open flows may be taken before their turn.
    fn wants(&self, t: usize) -> bool {
        self.ahead.is_some() && self.queued[t].len() < AHEAD_ROWS
    }

    /// A thread's report after its last progress: open flows (rendered
    /// now, if the output can take rows ahead) or its totals. `false` for
    /// anything else (a thread that broke off).
    fn take(&mut self, t: usize, report: Report) -> bool {
        match report {
            Report::Open(v) => {
                let q = &mut self.queued[t];
                for mut r in v {
                    q.push_back(match self.ahead {
                        Some(a) => {
                            let mut row = Vec::with_capacity(2048);
                            a.render(&mut r, &mut row);
                            Pending::Row { first_frame: r.first_frame, row }
                        }
                        None => Pending::Record(Box::new(r)),
                    });
                }
                true
            }
            Report::Done(s) => {
                self.totals[t] = Some(s);
                true
            }
            Report::Progress { .. } => false,
        }
    }
}

/// Takes the threads' reports until every thread is done; the tables'
/// totals summed (`None` if a thread ended without its own).
///
/// Every report a thread has sent is taken as soon as it is there; when
/// none is, the merge waits for the thread furthest behind. (Taken in
/// turn, one from each thread, a thread ahead waited in its channel for
/// the one behind.) The flows open at the end are merged by first frame
/// (their id order), so they go to the sink in order. A thread done with
/// its frames while another is still at work (the end of a capture is
/// rarely shared evenly: 15-25 ms in the benchmark) sends its open flows
/// at once, and their rows are rendered here meanwhile, without their ids;
/// the other thread's are rendered as they come, while it ends the rest.
/// Rendered after everything, they kept this thread busy alone for 20 ms
/// at the end.
pub(super) fn merge(reports: &[Receiver<Report>], sink: &mut dyn FlowOut) -> io::Result<Option<TableStats>> {
    let n = reports.len();
    let mut ids = Ids::new(n);
    let mut open =
        OpenFlows { queued: (0..n).map(|_| VecDeque::new()).collect(), totals: vec![None; n], ahead: sink.ahead() };
    // A report in its place: progress until the last, then open flows.
    let mut take = |t: usize, r: Report, ids: &mut Ids, open: &mut OpenFlows| -> io::Result<bool> {
        match r {
            Report::Progress { upto, started, ended } if ids.upto[t] != u64::MAX => {
                ids.report(t, upto, started, ended, sink)?;
                Ok(true)
            }
            r if ids.upto[t] == u64::MAX => Ok(open.take(t, r)),
            _ => Ok(false),
        }
    };
    while ids.upto.iter().any(|&u| u != u64::MAX) {
        let mut took = false;
        for (t, rx) in reports.iter().enumerate() {
            // A thread done with its frames sends its open flows: taken
            // ahead only to be rendered, and only so many.
            while open.totals[t].is_none() && (ids.upto[t] != u64::MAX || open.wants(t)) {
                match rx.try_recv() {
                    Ok(r) => {
                        if !take(t, r, &mut ids, &mut open)? {
                            return Ok(None);
                        }
                        took = true;
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => return Ok(None),
                }
            }
        }
        let behind = (0..n).filter(|&t| ids.upto[t] != u64::MAX).min_by_key(|&t| ids.upto[t]);
        if let (false, Some(t)) = (took, behind) {
            let Ok(r) = reports[t].recv() else { return Ok(None) };
            if !take(t, r, &mut ids, &mut open)? {
                return Ok(None);
            }
        }
    }
    if !ids.waiting.is_empty() || ids.started.iter().any(|q| !q.is_empty()) {
        return Err(io::Error::other("flows were left without an id"));
    }
    loop {
        for (t, rx) in reports.iter().enumerate() {
            while open.queued[t].is_empty() && open.totals[t].is_none() {
                let taken = rx.recv().is_ok_and(|r| open.take(t, r));
                if !taken {
                    return Ok(None);
                }
            }
        }
        let Some(t) = (0..n).filter(|&t| !open.queued[t].is_empty()).min_by_key(|&t| open.queued[t][0].first_frame())
        else {
            break;
        };
        // Every id is known by now: the threads have all reported their last progress.
        match open.queued[t].pop_front() {
            Some(Pending::Record(r)) => ids.ended(*r, sink)?,
            Some(Pending::Row { first_frame, row }) => {
                let Some(id) = ids.open.remove(&first_frame) else {
                    return Err(io::Error::other("a flow open at the end was left without an id"));
                };
                sink.push_ahead(id, &row)?;
            }
            None => {}
        }
    }
    if !ids.open.is_empty() || !ids.waiting.is_empty() {
        return Err(io::Error::other("flows were left without an id or an end"));
    }
    let mut total = TableStats::default();
    for s in open.totals.iter().flatten() {
        total.add(s);
    }
    Ok(Some(total))
}
