//! `flows` over a capture file on several threads, the flows split between
//! them, with the same output as on one thread, byte for byte.
//!
//! Flows are independent of each other, so the analysis is cut into parts
//! ([`Shard`]), one more than the threads: each part keeps its own
//! dissector, flow table and DNS names and owns the flows the router gave
//! it ([`Router`]: a new flow to the least loaded part). The reading and
//! the parts run as tasks on the threads (`capture::pool`): the reading
//! routes each frame by a quick look at its tuple (`dissect::quick`) to the
//! part that owns its flow; a frame it cannot place without dissecting
//! (another link type, a fragment, ICMP, ARP...) is dissected by the router
//! for its owner and goes to every part, each dissects it, and only its
//! owner counts it (the first part, for a frame of no flow). So do DNS
//! frames: every part learns every name, in frame order, because a flow
//! takes the names earlier answers gave its addresses when it starts,
//! whichever part saw the answer. A frame of another part's flow is shown
//! to a part when it would move that part's sweep clock (idle timeouts are
//! swept at the same packets as on one thread, so a flow ends for the same
//! reason).
//!
//! Flow ids are the order in which flows started. A part cannot know how
//! many flows the others started before a frame, so ids are given by the
//! merge (`merge.rs`), on the calling thread: each part reports, batch by
//! batch, the frames that started its flows and the last frame it has
//! seen; a start gets the next id once no other part can still report an
//! earlier one. Ended flows then go to the caller's sink as on one thread
//! (which puts them in id order).
//!
//! Not used for live captures (one thread keeps up with an interface, and a
//! live view redraws one table), with a BPF or display filter, or with
//! `--max-flows` (the cap is on all flows together, and which flows it
//! finishes first depends on all of them).

use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use anyhow::{Context, Result, anyhow};

use super::flow_out::FlowOut;
use super::{Collected, name_new_flow};
use crate::capture::pool::{self, Consume, PoolEnd};
use crate::capture::routed::{Deal, Item, ReadEnd, Route};
use crate::capture::{FileReader, Frame};
use crate::config::{Input, Source as InputSource};
use crate::dissect::{Dissector, ports, quick};
use crate::flow::FastMap;
use crate::flow::dns::{DEFAULT_TIMEOUT_NS, DnsTracker};
use crate::flow::sweep::SweepClock;
use crate::flow::table::{EndReason, Flow, FlowKey, FlowTable, Idle, TableStats, key_of};
use crate::record::{self, flow::FlowRecord};

/// Open flows per report at the end: small, so that the merge renders
/// them while the thread ends the next ones.
const REPORT_EVERY: usize = 256;
/// Frames between two looks of the router at the flows the parts have
/// ended.
const DRAIN_EVERY: u32 = 4096;
/// The router's count of each part's frames loses 1/2^LOAD_DECAY of itself
/// every [`DRAIN_EVERY`] frames (about the last 30,000 frames count). By
/// frames since the start, every new flow at the end of the benchmark
/// capture (45,000 frames of short connections and DNS, after its bulk
/// transfers) went to the part whose transfers had had the fewest, and
/// that part's last two batches ran 29 ms on one core while the other had
/// nothing. Counted lately, they spread: the end of the run (the last frame
/// dealt to the last row out) 57 -> 49 ms (medians of 5), and faster in 22
/// of 40 and 16 of 30 paired runs (medians -10, -15 ms), the instructions
/// the same (callgrind, 2,025 a frame either way).
const LOAD_DECAY: u32 = 3;
/// Rounds a part's progress reports may be ahead of the merge. With 4
/// (when the merge took them in turn, one from each thread of analysis), a
/// thread busy with a burst of its own flows held the other up within
/// 16,384 frames, and each waited for the other in turn (lab.pcap: 591 ->
/// 554 ms with 64; 256 gained nothing more). A report is a few vectors,
/// most of them empty. The pool keeps the parts within `BATCHES` rounds of
/// each other, and the merge takes every report there is before it waits
/// for one: a part's report never waits for another part's.
const REPORTS_AHEAD: usize = 64;

/// How many analysis threads `flows` should use for `input`: `None` for one
/// (the caller's own loop).
pub(super) fn threads_for(input: &Input, threads: usize, max_flows: usize) -> Option<usize> {
    let plain = matches!(input.source, InputSource::File(_)) && input.bpf.is_none() && input.display_filter.is_none();
    (plain && max_flows == 0 && threads > 1).then_some(threads)
}

/// Decides, as the frames are dealt, which part owns each frame's flow: a
/// new flow goes to the part that has been given the fewest frames lately
/// (a fixed spread of keys would leave a part with most of a capture that
/// has a few big transfers), and stays there until that part says it has
/// ended.
struct Router {
    /// Flows with frames on the way: the part that has each, and the last
    /// frame sent to it.
    owners: FastMap<FlowKey, (usize, u64)>,
    /// Frames each part has been given lately: every [`DRAIN_EVERY`]
    /// frames, each count loses an eighth ([`LOAD_DECAY`]).
    load: Vec<u64>,
    /// Frames the quick look cannot place are dissected here for their key
    /// (every fragment comes here, so reassembly sees them all, in order).
    dissector: Dissector,
    /// Flows the threads have ended: each key, with its last frame.
    ended: Receiver<Vec<(FlowKey, u64)>>,
    since_drain: u32,
    /// The clock of every thread's flow table, which moves with packets of
    /// flows (and never with `Idle::Never`): a frame of one thread's flow is
    /// shown to the others only when it moves the clock, as
    /// [`Item::Elsewhere`] tagged [`FLOW_FRAME`]. (The threads' DNS trackers
    /// only learn names, from the DNS frames every thread gets: no clock.)
    idle: Idle,
    flow_clock: SweepClock,
    /// The flows of recent frames, each with its thread and its last
    /// frame, not yet written to `owners`: a direct-mapped cache by
    /// [`FlowKey::spread`]. Most frames are of the same flow as the one
    /// before (86 % in the benchmark's capture), and nearly all of the rest
    /// of one of the few flows running at the time (the bulk transfers);
    /// a hit saves a lookup, a miss writes the entry it replaces back. With
    /// one entry (the frame before) the misses cost the reader 56
    /// instructions a frame.
    recent: Box<[Option<(FlowKey, usize, u64)>; RECENT]>,
    /// The tuple of the frame before, as the quick look read it, with its
    /// flow's thread and entry in `recent`: most frames are of the same flow
    /// as the one before, in either direction (86 % in the benchmark's
    /// capture, 31 % the other way), and the tuple (or its mirror) being
    /// the same says so without making the key and looking it up (17
    /// instructions a frame fewer on the reader thread, callgrind). Cleared
    /// whenever `recent` may change other than through it.
    last: Option<Last>,
}

/// The flow of the frame before, as the router saw it.
#[derive(Clone, Copy)]
struct Last {
    /// Its tuple, as the quick look read it.
    tuple: quick::Tuple,
    /// Its raw signature, when it has one: a frame with a signature of the
    /// same flow needs neither the tuple nor the compares of `IpAddr`s
    /// (the quick look and the compares cost the reader about 90
    /// instructions a frame, the signature 20).
    sig: Option<quick::Signature>,
    /// The part that has it, and its entry in `recent`.
    owner: usize,
    entry: usize,
    /// It goes to every part: DNS.
    dns: bool,
}

/// Entries of the router's cache of recent flows (a power of two).
const RECENT: usize = 64;

/// The tag of an [`Item::Elsewhere`] that is a packet of a flow.
const FLOW_FRAME: u8 = 1;

impl Router {
    fn route(&mut self, f: &Frame<'_>) -> Deal {
        self.since_drain += 1;
        if self.since_drain >= DRAIN_EVERY {
            self.since_drain = 0;
            for l in &mut self.load {
                *l -= *l >> LOAD_DECAY;
            }
            self.forget_ended();
        }
        // The flow of the frame before, told by its raw signature.
        let sig = quick::signature(f.link, f.data);
        if let (Some(s), Some(last)) = (&sig, &self.last) {
            if last.sig.is_some_and(|l| l.same_flow(s)) {
                let route = self.again(last.owner, last.entry, last.dns, f.number);
                return self.deal(route, true, f);
            }
        }
        let (route, flow) = match quick::flow_tuple(f.link, f.data) {
            Some(t) => {
                let of_last = match &mut self.last {
                    Some(last) if last.tuple.mirrored(&t).is_some() => {
                        // A run of the flow whose frames so far had no
                        // signature (IP options, say) takes this one's.
                        last.sig = last.sig.or(sig);
                        Some((last.owner, last.entry, last.dns))
                    }
                    _ => None,
                };
                let route = match of_last {
                    Some((owner, entry, dns)) => self.again(owner, entry, dns, f.number),
                    None => {
                        let key = FlowKey::new(t.proto, t.vlan, t.src, t.dst);
                        let owner = self.owner(key, f.number);
                        // DNS (and mDNS, LLMNR) goes to every part: each learns the names.
                        let dns = is_dns(t.src.1) || is_dns(t.dst.1);
                        let entry = key.spread(RECENT.trailing_zeros());
                        self.last = Some(Last { tuple: t, sig, owner, entry, dns });
                        route_to(owner, dns)
                    }
                };
                (route, true)
            }
            None => {
                self.last = None;
                let key = key_of(&self.dissector.dissect(f));
                (Route::All(key.map(|k| self.owner(k, f.number))), key.is_some())
            }
        };
        self.deal(route, flow, f)
    }

    /// The route of another frame of the last flow (`owner`, its entry in
    /// `recent`, DNS or not): the entry keeps this frame's number, and the
    /// part is charged for it.
    #[inline(always)]
    fn again(&mut self, owner: usize, entry: usize, dns: bool, number: u64) -> Route {
        if let Some((_, _, sent)) = &mut self.recent[entry] {
            *sent = number;
        }
        self.charge(owner);
        route_to(owner, dns)
    }

    /// The deal of a frame routed so: shown to the other parts as well
    /// when it is a flow's frame that moves their clocks.
    #[inline(always)]
    fn deal(&mut self, route: Route, flow: bool, f: &Frame<'_>) -> Deal {
        let due = flow && !matches!(self.idle, Idle::Never) && self.flow_clock.due_at(f.ts);
        Deal { route, others: due.then_some(FLOW_FRAME) }
    }

    fn owner(&mut self, key: FlowKey, number: u64) -> usize {
        let i = key.spread(RECENT.trailing_zeros());
        let t = match &mut self.recent[i] {
            Some((k, t, sent)) if *k == key => {
                *sent = number;
                *t
            }
            _ => self.owner_missed(i, key, number),
        };
        self.charge(t);
        t
    }

    /// One more frame for part `t`.
    #[inline]
    fn charge(&mut self, t: usize) {
        if let Some(l) = self.load.get_mut(t) {
            *l += 1;
        }
    }

    /// `owner` for a flow not in the cache: its entry `i` goes back to
    /// `owners`, the flow takes its place.
    #[inline(never)]
    fn owner_missed(&mut self, i: usize, key: FlowKey, number: u64) -> usize {
        if let Some((old, _, sent)) = self.recent[i].take() {
            if let Some(e) = self.owners.get_mut(&old) {
                e.1 = sent;
            }
        }
        let load = &self.load;
        let e = self.owners.entry(key).or_insert_with(|| {
            let least = (0..load.len()).min_by_key(|&t| load[t]).unwrap_or(0);
            (least, 0)
        });
        e.1 = number;
        let t = e.0;
        self.recent[i] = Some((key, t, number));
        t
    }

    /// Writes every cached flow's last frame to `owners`, and empties the cache.
    fn write_back(&mut self) {
        for entry in self.recent.iter_mut() {
            if let Some((key, _, sent)) = entry.take() {
                if let Some(e) = self.owners.get_mut(&key) {
                    e.1 = sent;
                }
            }
        }
    }

    /// A flow a thread has ended is forgotten unless frames of its key went
    /// to that thread after its last one (they started a new flow there).
    fn forget_ended(&mut self) {
        self.last = None;
        self.write_back();
        while let Ok(ended) = self.ended.try_recv() {
            for (key, last) in ended {
                if self.owners.get(&key).is_some_and(|&(_, sent)| sent <= last) {
                    self.owners.remove(&key);
                }
            }
        }
    }
}

/// A flow's frames go to its part; DNS goes to every part (each learns
/// the names), its owner told.
#[inline(always)]
fn route_to(owner: usize, dns: bool) -> Route {
    if dns { Route::All(Some(owner)) } else { Route::To(owner) }
}

/// DNS, mDNS or LLMNR. mDNS (5353) and LLMNR (5355) differ only in bit 1:
/// two compares instead of three (the router asks twice a frame).
#[inline]
fn is_dns(port: u16) -> bool {
    const _: () = assert!(ports::MDNS | 2 == ports::LLMNR);
    port == ports::DNS || port | 2 == ports::LLMNR
}

/// What an analysis thread reports, on a channel of its own, in this
/// order: progress at the end of every round of frames the reader deals
/// (so the reports of all threads cover the same frames), the last
/// progress (`upto` = `u64::MAX`), the flows still open at the end in
/// chunks, and its totals.
pub(super) enum Report {
    Progress {
        /// Every frame up to this one has been handled.
        upto: u64,
        /// The first frames of the flows started since the last report, in order.
        started: Vec<u64>,
        ended: Vec<FlowRecord>,
    },
    /// Flows open at the end of the capture, in order of their first frames.
    Open(Vec<FlowRecord>),
    Done(TableStats),
}

/// Runs the flow analysis of a capture file on `threads` threads; hands
/// every flow to `sink` as it ends, with its id, as `collect_flows` does.
pub(super) fn collect_flows(input: &Input, threads: usize, idle: Idle, sink: &mut dyn FlowOut) -> Result<Collected> {
    // One part more than the threads: the parts are uneven (a few long
    // transfers, split when they start), and a part runs on one thread at
    // a time; with a part more, a thread whose parts are done takes
    // another's. On the benchmark capture, 3 parts on 2 threads.
    let n = threads + 1;
    let InputSource::File(path) = &input.source else {
        return Err(anyhow!("a live capture is analysed on one thread"));
    };
    // Mapped when it can be: the reader deals frames by place, not by copy.
    let reader = FileReader::open_mapped(path)?;
    let (ended_tx, ended) = channel::<Vec<(FlowKey, u64)>>();
    let mut router = Router {
        owners: FastMap::default(),
        load: vec![0; n],
        dissector: Dissector::new(),
        ended,
        since_drain: 0,
        idle,
        flow_clock: SweepClock::default(),
        recent: Box::new([None; RECENT]),
        last: None,
    };
    let mut reports = Vec::with_capacity(n);
    let mut txs = Vec::with_capacity(n);
    for _ in 0..n {
        let (tx, rx) = sync_channel::<Report>(REPORTS_AHEAD);
        reports.push(rx);
        txs.push(tx);
    }
    let count = input.count;
    let pool = std::thread::Builder::new()
        .name("wl-flows".into())
        .spawn(move || {
            let shards: Vec<Shard<'_>> = txs
                .into_iter()
                .enumerate()
                .map(|(me, tx)| Shard {
                    me,
                    dissector: Dissector::new(),
                    table: FlowTable::new(0).with_idle(idle),
                    names: DnsTracker::new(DEFAULT_TIMEOUT_NS).names_only(),
                    started: Vec::new(),
                    out: Ended::default(),
                    tx,
                    ended_keys: &ended_tx,
                })
                .collect();
            match pool::run(reader, shards, threads, count, move |f| router.route(f)) {
                PoolEnd::Done(shards, end) => {
                    // Each part's end on a thread of its own: the merge takes
                    // their open flows in id order, from all at once.
                    let finished = std::thread::scope(|s| {
                        let hs: Vec<_> = shards.into_iter().map(|sh| s.spawn(move || sh.finish())).collect();
                        // Every one joined here, a failed one too (`all` on
                        // the joins would stop at it, and the scope panic on
                        // the rest).
                        let joined: Vec<bool> = hs.into_iter().map(|h| h.join().is_ok()).collect();
                        joined.into_iter().all(|ok| ok)
                    });
                    finished.then_some(end)
                }
                PoolEnd::Stopped => Some(ReadEnd { error: None }),
                PoolEnd::Failed => None,
            }
        })
        .with_context(|| format!("{path}: cannot start the analysis threads"))?;
    let merged = super::merge::merge(&reports, sink);
    // On a failed sink (a closed pipe) the parts see their reports refused
    // and stop the pool: everything winds down before the join.
    drop(reports);
    let end = pool.join().ok().flatten();
    let stats = merged?;
    let Some(end) = end else {
        return Err(anyhow!("{path}: an analysis thread failed"));
    };
    let stats = stats.ok_or_else(|| anyhow!("{path}: an analysis thread ended without its totals"))?;
    Ok(Collected { stats, fault: end.error, source: super::source::Source::Done })
}

/// Flows an analysis thread has ended since its last report: their
/// records, and their keys for the router.
#[derive(Default)]
struct Ended {
    records: Vec<FlowRecord>,
    keys: Vec<(FlowKey, u64)>,
}

impl Ended {
    fn push(&mut self, fl: &Flow, why: EndReason) {
        self.keys.push((fl.key, fl.last_frame));
        self.records.push(FlowRecord::from_flow(fl, why));
    }
}

/// One part of the analysis: the frames the router deals it, the flows it
/// owns. Its batches are consumed on the pool's workers
/// (`capture::pool`), one at a time and in order; its end ([`Shard::finish`])
/// runs on a thread of its own, since its reports may wait for the
/// merge to take the other parts' first.
struct Shard<'r> {
    me: usize,
    dissector: Dissector,
    table: FlowTable,
    names: DnsTracker,
    started: Vec<u64>,
    out: Ended,
    tx: SyncSender<Report>,
    ended_keys: &'r Sender<Vec<(FlowKey, u64)>>,
}

impl Consume for Shard<'_> {
    #[inline(always)]
    fn item(&mut self, item: Item<'_>) -> bool {
        let Shard { me, dissector, table, names, started, out, tx, ended_keys } = self;
        match item {
            // A frame of another thread's flow, at a moment this thread's
            // flow table sweeps (the router keeps the same clock).
            Item::Elsewhere { ts, tag, .. } => {
                if tag == FLOW_FRAME {
                    table.tick(ts, |fl, why| out.push(&fl, why));
                }
            }
            Item::Frame { frame, shared, owner } => {
                dissector.dissect_with(
                    &frame,
                    #[inline(always)]
                    |p| {
                        // The names come from answers: queries are not parsed,
                        // and nothing is asked of a frame without a DNS message
                        // (an empty vector made and dropped: 20 instructions).
                        if !p.dns.is_empty() {
                            names.packet(p, &record::parse_dns_responses(p), |_| {});
                        }
                        // A frame every thread has: its owner counts it; the first
                        // thread counts a frame of no flow.
                        if !shared || owner == Some(*me) || (owner.is_none() && *me == 0) {
                            let placed = table.packet(p, |fl, why| out.push(&fl, why));
                            if placed.as_ref().is_some_and(|pl| pl.new) {
                                started.push(p.number);
                            }
                            name_new_flow(table, placed.as_ref(), names);
                        } else if owner.is_some() {
                            table.tick(p.ts, |fl, why| out.push(&fl, why));
                        }
                    },
                );
            }
            Item::Through(upto) => {
                if !out.keys.is_empty() {
                    let _ = ended_keys.send(std::mem::take(&mut out.keys));
                }
                let r = Report::Progress {
                    upto,
                    started: std::mem::take(started),
                    ended: std::mem::take(&mut out.records),
                };
                return tx.send(r).is_ok();
            }
        }
        true
    }
}

impl Shard<'_> {
    /// After the last frame: the last progress, the flows still open, the totals.
    fn finish(self) {
        let Shard { mut table, started, mut out, tx, .. } = self;
        let last = Report::Progress { upto: u64::MAX, started, ended: std::mem::take(&mut out.records) };
        if tx.send(last).is_err() {
            return;
        }
        // The open flows, in chunks: the merge takes them in id order from
        // every thread at once, so that none waits in memory for another's.
        let mut gone = false;
        table.finish(|fl, why| {
            out.records.push(FlowRecord::from_flow(&fl, why));
            if out.records.len() >= REPORT_EVERY && !gone {
                gone = tx.send(Report::Open(std::mem::take(&mut out.records))).is_err();
            }
        });
        if !gone && (out.records.is_empty() || tx.send(Report::Open(out.records)).is_ok()) {
            let _ = tx.send(Report::Done(table.stats));
        }
    }
}
