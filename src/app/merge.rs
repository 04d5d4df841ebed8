//! The merge of `flows` on several threads (see `sharded`): on the calling
//! thread, the analysis threads' reports in, the flows out to the sink in
//! the order one thread would give them, with the ids one thread would give.
//!
//! Owns: the ids (the order in which flows started, across threads), the
//! flows that ended before their ids were known, and the flows open at the
//! end of the capture until their turn. Must not know frames or flow
//! tables: it sees only the threads' reports.

use std::collections::VecDeque;
use std::io;
use std::sync::mpsc::{Receiver, TryRecvError};

use super::flow_out::FlowOut;
use super::sharded::{Report, Rows};
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

/// Flows still open at the end of the capture, waiting for their turn:
/// a record, or rows its thread rendered ahead (see [`FlowOut::ahead`]),
/// from `next` on.
enum Pending {
    Record(Box<FlowRecord>),
    Rows { rows: Rows, next: usize },
}

impl Pending {
    fn first_frame(&self) -> u64 {
        match self {
            Pending::Record(r) => r.first_frame,
            Pending::Rows { rows, next } => rows.row(*next).0,
        }
    }
}

/// The flows open at the end, per thread, as their reports come in.
struct OpenFlows {
    queued: Vec<VecDeque<Pending>>,
    /// Flows in `queued`, per thread.
    count: Vec<usize>,
    totals: Vec<Option<TableStats>>,
    /// The output takes rows rendered ahead.
    ahead: bool,
}

/// Rows taken ahead per thread, at most, while other threads are still at
/// work (about 1.4 KB each in JSON): beyond that, a thread's open flows
/// wait in its channel and it waits for the merge.
const AHEAD_ROWS: usize = 16_384;

impl OpenFlows {
    /// Whether more of thread `t`'s open flows may be taken before their turn.
    fn wants(&self, t: usize) -> bool {
        self.ahead && self.count[t] < AHEAD_ROWS
    }

    /// A thread's report after its last progress: open flows (as records,
    /// or as rows the thread rendered) or its totals. `false` for anything
    /// else (a thread that broke off).
    fn take(&mut self, t: usize, report: Report) -> bool {
        match report {
            Report::Open(v) => {
                self.count[t] += v.len();
                self.queued[t].extend(v.into_iter().map(|r| Pending::Record(Box::new(r))));
                true
            }
            Report::Rows(rows) => {
                if !rows.is_empty() {
                    self.count[t] += rows.len();
                    self.queued[t].push_back(Pending::Rows { rows, next: 0 });
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
/// at once, rendered without their ids when the output allows; they are
/// taken ahead, so that the merge only puts the ids in and writes them
/// when their turn comes. (Rendered here after everything, they kept this
/// thread busy alone for 20 ms at the end; rendered here as they came, the
/// thread with most of the open flows had the merge's help, the others'
/// rows none.)
pub(super) fn merge(reports: &[Receiver<Report>], sink: &mut dyn FlowOut) -> io::Result<Option<TableStats>> {
    let n = reports.len();
    let mut ids = Ids::new(n);
    let mut open = OpenFlows {
        queued: (0..n).map(|_| VecDeque::new()).collect(),
        count: vec![0; n],
        totals: vec![None; n],
        ahead: sink.ahead().is_some(),
    };
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
        open.count[t] -= 1;
        match open.queued[t].front_mut() {
            Some(Pending::Rows { rows, next }) => {
                let (first_frame, row) = rows.row(*next);
                let Some(id) = ids.open.remove(&first_frame) else {
                    return Err(io::Error::other("a flow open at the end was left without an id"));
                };
                sink.push_ahead(id, row)?;
                *next += 1;
                if *next == rows.len() {
                    open.queued[t].pop_front();
                }
            }
            Some(Pending::Record(_)) => {
                if let Some(Pending::Record(r)) = open.queued[t].pop_front() {
                    ids.ended(*r, sink)?;
                }
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
