//! The summary of one connection: counts per direction, the handshake, the
//! close, RTT statistics and where data was lost.
//!
//! Loss location: a gap in one direction ("previous segment not captured")
//! that a later segment fills was lost between the sender and the capture
//! point, and sent again ("network"); a gap the receiver acknowledges
//! without the capture ever showing the bytes reached the receiver, so the
//! capture dropped them ("capture"); a gap filled by a segment tshark calls
//! out-of-order was "reordered". Gaps are tracked in raw sequence space,
//! at most [`MAX_GAPS`] per direction (more are counted as untracked).

use super::analyze::Engine;
use super::evidence::{Analysis, Kind};
use super::{Dir, Scaling, Segment};
use crate::dissect::tcp_flags::{ACK, FIN, RST, SYN};

/// Open gaps tracked per direction.
pub const MAX_GAPS: usize = 64;

/// A frame and its capture time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameTime {
    pub frame: u64,
    pub ts_ns: i64,
}

/// RTT samples (ACK RTTs of segments that were not retransmitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RttStats {
    pub samples: u64,
    pub min_ns: i64,
    pub max_ns: i64,
    pub sum_ns: i128,
}

impl RttStats {
    fn add(&mut self, ns: i64) {
        if self.samples == 0 || ns < self.min_ns {
            self.min_ns = ns;
        }
        if self.samples == 0 || ns > self.max_ns {
            self.max_ns = ns;
        }
        self.samples += 1;
        self.sum_ns += i128::from(ns);
    }

    pub fn avg_ns(&self) -> Option<i64> {
        (self.samples > 0).then(|| (self.sum_ns / i128::from(self.samples)) as i64)
    }
}

/// Where the bytes of one direction were lost (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LossLocation {
    /// Gap bytes later sent again: lost before the capture point.
    pub network_bytes: u64,
    pub network_gaps: u64,
    /// Gap bytes acknowledged by the receiver but never captured.
    pub capture_bytes: u64,
    pub capture_gaps: u64,
    /// Gap bytes that arrived later, out of order.
    pub reordered_bytes: u64,
    pub reordered_gaps: u64,
    /// Gaps neither filled nor acknowledged (yet).
    pub open_bytes: u64,
    pub open_gaps: u64,
    /// Gaps beyond the tracking limit.
    pub untracked_gaps: u64,
}

/// Counts for one direction (segments travelling that way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DirSummary {
    pub packets: u64,
    pub payload_bytes: u64,
    pub first: Option<FrameTime>,
    pub last: Option<FrameTime>,
    /// Every retransmission, fast and spurious ones included.
    pub retransmissions: u64,
    pub fast_retransmissions: u64,
    pub spurious_retransmissions: u64,
    pub out_of_order: u64,
    pub lost_segments: u64,
    pub missing_bytes: u64,
    /// ACKs sent this way for data of the other direction never captured.
    pub acked_unseen: u64,
    pub dup_acks: u64,
    pub zero_windows: u64,
    pub zero_window_probes: u64,
    pub zero_window_probe_acks: u64,
    pub keep_alives: u64,
    pub keep_alive_acks: u64,
    pub window_full: u64,
    pub window_updates: u64,
    /// RTT of this direction's data: from a segment to the ACK covering it.
    pub rtt: RttStats,
    pub scaling: Scaling,
    pub sack_segments: u64,
    pub dsacks: u64,
    pub timestamps: bool,
    pub loss: LossLocation,
    /// Unacknowledged segments forgotten to bound memory.
    pub unacked_dropped: u64,
}

/// How the three-way handshake went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HandshakeOutcome {
    /// SYN, SYN-ACK and the final ACK were seen.
    Complete,
    /// SYN seen and answered, final ACK not seen (yet).
    Incomplete,
    /// The SYN was answered by a RST.
    Refused,
    /// The SYN got no answer at all.
    Unanswered,
    /// Both sides sent a SYN without ACK (RFC 9293 §3.5).
    SimultaneousOpen,
    /// No SYN captured: the capture started mid-stream.
    #[default]
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Handshake {
    /// The side that sent the first SYN.
    pub client: Option<Dir>,
    pub syn: Option<FrameTime>,
    pub syn_ack: Option<FrameTime>,
    /// The ACK that gave the initial RTT.
    pub ack: Option<FrameTime>,
    /// SYNs (and SYN-ACKs) sent again.
    pub syn_retries: u32,
    pub syn_ack_retries: u32,
    /// The RST that refused the connection.
    pub refused_by: Option<FrameTime>,
    /// tshark's `tcp.analysis.initial_rtt`: that ACK minus the most recent SYN.
    pub initial_rtt_ns: Option<i64>,
    /// SYN to SYN-ACK: the capture point to the server and back.
    pub syn_to_syn_ack_ns: Option<i64>,
    /// SYN-ACK to ACK: the capture point to the client and back.
    pub syn_ack_to_ack_ns: Option<i64>,
    pub outcome: HandshakeOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CloseState {
    #[default]
    Open,
    /// One side sent FIN.
    HalfClosed { by: Dir },
    /// Both sides sent FIN; `first` sent it first.
    Closed { first: Dir },
    /// A RST ended it; `by` sent the first RST.
    Reset { by: Dir },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Close {
    /// First FIN and first RST of each direction (index: `Dir::index`).
    pub fin: [Option<FrameTime>; 2],
    pub rst: [Option<FrameTime>; 2],
    pub state: CloseState,
}

impl Close {
    pub fn fin(&self, d: Dir) -> Option<FrameTime> {
        self.fin[d.index()]
    }

    pub fn rst(&self, d: Dir) -> Option<FrameTime> {
        self.rst[d.index()]
    }

    /// The side that sent the first FIN.
    pub fn first_fin(&self) -> Option<Dir> {
        match (self.fin[0], self.fin[1]) {
            (Some(a), Some(b)) => Some(if b.frame < a.frame { Dir::Rev } else { Dir::Fwd }),
            (Some(_), None) => Some(Dir::Fwd),
            (None, Some(_)) => Some(Dir::Rev),
            (None, None) => None,
        }
    }

    pub fn still_open(&self) -> bool {
        matches!(self.state, CloseState::Open | CloseState::HalfClosed { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConnSummary {
    /// Index: `Dir::index` (`Fwd` first).
    pub dirs: [DirSummary; 2],
    pub handshake: Handshake,
    pub close: Close,
    pub first: Option<FrameTime>,
    pub last: Option<FrameTime>,
    /// The connection reused the ports of an earlier one.
    pub reused_ports: bool,
}

impl ConnSummary {
    pub fn dir(&self, d: Dir) -> &DirSummary {
        &self.dirs[d.index()]
    }

    pub fn duration_ns(&self) -> i64 {
        match (self.first, self.last) {
            (Some(a), Some(b)) => b.ts_ns.wrapping_sub(a.ts_ns),
            _ => 0,
        }
    }
}

/// A range of sequence space not captured: `[start, end)`, raw.
#[derive(Debug, Clone, Copy)]
struct Gap {
    start: u32,
    end: u32,
}

/// Builds the summary as segments go by.
#[derive(Debug, Clone, Default)]
pub(super) struct Tracker {
    s: ConnSummary,
    gaps: [Vec<Gap>; 2],
    pure_syn_from: [bool; 2],
    last_syn: Option<FrameTime>,
    last_syn_ack: Option<FrameTime>,
}

fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

fn le(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) <= 0
}

impl Tracker {
    /// Counts a segment. Most segments have no verdict, no SYN, FIN or RST
    /// and no SACK blocks, and come while no gap is open: for them, only
    /// the counts and times move (and the RTT, and the handshake's last
    /// ACK); the rest is out of line.
    #[inline(always)]
    pub(super) fn record(&mut self, dir: Dir, seg: &Segment<'_>, a: &Analysis, engine: &Engine) {
        let plain = seg.flags & (SYN | FIN | RST) == 0
            && a.kinds.is_empty()
            && seg.sack.is_empty()
            && self.s.handshake.ack.is_some()
            && self.leaves_gaps(dir, seg);
        if !plain {
            return self.record_all(dir, seg, a, engine);
        }
        self.tally(dir, seg, a);
    }

    /// What every segment moves: the counts and times, and the RTT its ACK
    /// gives (an ACK RTT belongs to the direction whose data it acknowledges).
    #[inline(always)]
    fn tally(&mut self, dir: Dir, seg: &Segment<'_>, a: &Analysis) -> FrameTime {
        let at = FrameTime { frame: seg.frame, ts_ns: seg.ts_ns };
        self.s.first.get_or_insert(at);
        self.s.last = Some(at);
        let d = &mut self.s.dirs[dir.index()];
        d.packets += 1;
        d.payload_bytes += u64::from(seg.payload_len);
        d.first.get_or_insert(at);
        d.last = Some(at);
        d.timestamps |= seg.has_timestamps;
        if let Some(rtt) = a.acks.and_then(|x| x.rtt_ns) {
            self.s.dirs[dir.other().index()].rtt.add(rtt);
        }
        at
    }

    /// Whether [`Tracker::loss`] would leave the gaps as they are, for a
    /// segment without a lost-segment verdict: its data overlaps none of
    /// its direction's gaps, and its ACK (if any) reaches none of the other
    /// direction's. (After a loss, gaps stay open for a round trip or more:
    /// nearly every segment of the benchmark's transfers that is not plain
    /// otherwise comes while one is.)
    #[inline(always)]
    fn leaves_gaps(&self, dir: Dir, seg: &Segment<'_>) -> bool {
        let (start, end) = (seg.seq, seg.seq.wrapping_add(seg.payload_len));
        let mine = &self.gaps[dir.index()];
        let theirs = &self.gaps[dir.other().index()];
        (seg.payload_len == 0 || !mine.iter().any(|g| lt(start, g.end) && lt(g.start, end)))
            && (!seg.has(ACK) || !theirs.iter().any(|g| lt(g.start, seg.ack)))
    }

    /// [`Tracker::record`] for any segment.
    #[inline(never)]
    pub(super) fn record_all(&mut self, dir: Dir, seg: &Segment<'_>, a: &Analysis, engine: &Engine) {
        let at = self.tally(dir, seg, a);
        self.s.reused_ports |= a.has(Kind::ReusedPorts);
        self.count(dir, seg, a);
        self.handshake(dir, seg, at, engine);
        self.close(dir, seg, at);
        self.loss(dir, seg, a);
    }

    /// The verdicts' counters, missing bytes and SACK blocks.
    fn count(&mut self, dir: Dir, seg: &Segment<'_>, a: &Analysis) {
        let d = &mut self.s.dirs[dir.index()];
        // Most segments have no verdict: skip the counters then.
        if !a.kinds.is_empty() {
            let counters: [(Kind, &mut u64); 14] = [
                (Kind::Retransmission, &mut d.retransmissions),
                (Kind::FastRetransmission, &mut d.fast_retransmissions),
                (Kind::SpuriousRetransmission, &mut d.spurious_retransmissions),
                (Kind::OutOfOrder, &mut d.out_of_order),
                (Kind::LostSegment, &mut d.lost_segments),
                (Kind::AckedUnseen, &mut d.acked_unseen),
                (Kind::DupAck, &mut d.dup_acks),
                (Kind::ZeroWindow, &mut d.zero_windows),
                (Kind::ZeroWindowProbe, &mut d.zero_window_probes),
                (Kind::ZeroWindowProbeAck, &mut d.zero_window_probe_acks),
                (Kind::KeepAlive, &mut d.keep_alives),
                (Kind::KeepAliveAck, &mut d.keep_alive_acks),
                (Kind::WindowFull, &mut d.window_full),
                (Kind::WindowUpdate, &mut d.window_updates),
            ];
            for (k, n) in counters {
                if a.has(k) {
                    *n += 1;
                }
            }
        }
        if let Some(l) = a.lost {
            d.missing_bytes += u64::from(l.missing_bytes);
        }
        if let Some((&(_, r0), rest)) = seg.sack.split_first() {
            d.sack_segments += 1;
            // D-SACK (RFC 2883 §4), Wireshark's test: the first block lies
            // below the ACK, or inside the second block.
            let inside_second = rest.first().is_some_and(|&(l1, r1)| lt(l1, r0) && le(r0, r1));
            if le(r0, seg.ack) || inside_second {
                d.dsacks += 1;
            }
        }
    }

    fn handshake(&mut self, dir: Dir, seg: &Segment<'_>, at: FrameTime, engine: &Engine) {
        let h = &mut self.s.handshake;
        if seg.is_pure_syn() {
            self.pure_syn_from[dir.index()] = true;
            if h.syn.is_none() {
                h.syn = Some(at);
                h.client = Some(dir);
            } else if h.client == Some(dir) {
                h.syn_retries += 1;
            }
            self.last_syn = Some(at);
        } else if seg.flags & (SYN | ACK) == SYN | ACK {
            if h.syn_ack.is_none() {
                h.syn_ack = Some(at);
            } else {
                h.syn_ack_retries += 1;
            }
            self.last_syn_ack = Some(at);
        }
        if seg.has(RST) && h.client == Some(dir.other()) && h.syn_ack.is_none() && h.refused_by.is_none() {
            h.refused_by = Some(at);
        }
        if h.ack.is_none() {
            if let Some((frame, ts_ns)) = engine.first_rtt_ack.filter(|&(f, _)| f == seg.frame) {
                h.ack = Some(FrameTime { frame, ts_ns });
                h.initial_rtt_ns = engine.initial_rtt_ns();
                if let (Some(syn), Some(sa)) = (self.last_syn, self.last_syn_ack) {
                    if sa.frame > syn.frame {
                        h.syn_to_syn_ack_ns = Some(sa.ts_ns.wrapping_sub(syn.ts_ns));
                        h.syn_ack_to_ack_ns = Some(ts_ns.wrapping_sub(sa.ts_ns));
                    }
                }
            }
        }
    }

    fn close(&mut self, dir: Dir, seg: &Segment<'_>, at: FrameTime) {
        let c = &mut self.s.close;
        if seg.has(FIN) && c.fin[dir.index()].is_none() {
            c.fin[dir.index()] = Some(at);
        }
        if seg.has(RST) && c.rst[dir.index()].is_none() {
            c.rst[dir.index()] = Some(at);
        }
    }

    /// Opens gaps on lost segments, closes them when a later segment fills
    /// them (network loss, or reordering) or the other side acknowledges
    /// past them (capture loss).
    fn loss(&mut self, dir: Dir, seg: &Segment<'_>, a: &Analysis) {
        let mine = dir.index();
        let len = seg.payload_len;
        let (start, end) = (seg.seq, seg.seq.wrapping_add(len));
        // Only a segment that overlaps a gap changes the list; the others
        // (most of them: the data after a loss) leave it as it is, so it is
        // rebuilt (an allocation) only for those.
        if len > 0 && self.gaps[mine].iter().any(|g| lt(start, g.end) && lt(g.start, end)) {
            let reordered = a.has(Kind::OutOfOrder);
            let loss = &mut self.s.dirs[mine].loss;
            let mut kept = Vec::with_capacity(self.gaps[mine].len() + 1);
            for g in self.gaps[mine].drain(..) {
                if !(lt(start, g.end) && lt(g.start, end)) {
                    kept.push(g);
                    continue;
                }
                let lo = if lt(g.start, start) { start } else { g.start };
                let hi = if lt(end, g.end) { end } else { g.end };
                let filled = u64::from(hi.wrapping_sub(lo));
                if lt(g.start, lo) {
                    kept.push(Gap { start: g.start, end: lo });
                }
                if lt(hi, g.end) {
                    kept.push(Gap { start: hi, end: g.end });
                }
                let closed = lo == g.start && hi == g.end;
                if reordered {
                    loss.reordered_bytes += filled;
                    loss.reordered_gaps += u64::from(closed);
                } else {
                    loss.network_bytes += filled;
                    loss.network_gaps += u64::from(closed);
                }
            }
            kept.truncate(MAX_GAPS);
            self.gaps[mine] = kept;
        }
        if let Some(l) = a.lost {
            if self.gaps[mine].len() < MAX_GAPS {
                self.gaps[mine].push(Gap { start: seg.seq.wrapping_sub(l.missing_bytes), end: seg.seq });
            } else {
                self.s.dirs[mine].loss.untracked_gaps += 1;
            }
        }
        let theirs = dir.other().index();
        if seg.has(ACK) && !self.gaps[theirs].is_empty() {
            let ack = seg.ack;
            let loss = &mut self.s.dirs[theirs].loss;
            self.gaps[theirs].retain_mut(|g| {
                if !lt(g.start, ack) {
                    return true;
                }
                if le(g.end, ack) {
                    loss.capture_bytes += u64::from(g.end.wrapping_sub(g.start));
                    loss.capture_gaps += 1;
                    return false;
                }
                loss.capture_bytes += u64::from(ack.wrapping_sub(g.start));
                g.start = ack;
                true
            });
        }
    }

    pub(super) fn summary(&self, engine: &Engine) -> ConnSummary {
        let mut s = self.s.clone();
        for d in [Dir::Fwd, Dir::Rev] {
            let ds = &mut s.dirs[d.index()];
            ds.scaling = engine.scaling(d);
            ds.unacked_dropped = engine.half(d).unacked_dropped;
            ds.loss.open_gaps = self.gaps[d.index()].len() as u64;
            ds.loss.open_bytes = self.gaps[d.index()].iter().map(|g| u64::from(g.end.wrapping_sub(g.start))).sum();
        }
        let h = &mut s.handshake;
        h.outcome = if self.pure_syn_from[0] && self.pure_syn_from[1] {
            HandshakeOutcome::SimultaneousOpen
        } else if h.syn.is_none() {
            HandshakeOutcome::Missing
        } else if h.refused_by.is_some() {
            HandshakeOutcome::Refused
        } else if h.ack.is_some() {
            HandshakeOutcome::Complete
        } else if h.syn_ack.is_some() || h.client.is_some_and(|c| s.dirs[c.other().index()].packets > 0) {
            HandshakeOutcome::Incomplete
        } else {
            HandshakeOutcome::Unanswered
        };
        let c = &mut s.close;
        let first_rst = match (c.rst[0], c.rst[1]) {
            (Some(a), Some(b)) => Some(if b.frame < a.frame { Dir::Rev } else { Dir::Fwd }),
            (Some(_), None) => Some(Dir::Fwd),
            (None, Some(_)) => Some(Dir::Rev),
            (None, None) => None,
        };
        c.state = match (first_rst, c.first_fin(), c.fin[0].is_some() && c.fin[1].is_some()) {
            (Some(by), _, _) => CloseState::Reset { by },
            (None, Some(first), true) => CloseState::Closed { first },
            (None, Some(by), false) => CloseState::HalfClosed { by },
            (None, None, _) => CloseState::Open,
        };
        s
    }
}
