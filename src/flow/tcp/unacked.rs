//! One direction's unacknowledged segments, oldest first, and what an ACK
//! from the other side does to them: Wireshark 4.0's walk over
//! `tcp_unacked_t` in `tcp_analyze_sequence_number` (packet-tcp.c). An ACK
//! equal to a segment's end gives the ACK RTT of the oldest such segment
//! (Wireshark walks newest first and keeps overwriting, so it ends on the
//! oldest) and frees it; a segment the ACK lands inside is trimmed to start
//! at the ACK; a segment that ends at or before the ACK is freed.
//!
//! Why a type of its own: walking the whole list on every ACK cost 16 % of
//! the instructions of `wirelens flows` (bench/results/profile-history.md).
//! Most segments come in sequence order, and on a list in that order an
//! ACK can only change the front: every segment from the first one that
//! starts at or after the ACK is kept as it is. So the list is two: the
//! segments that keep sequence order (`ordered`, which an ACK walks only
//! from its front), and the few that would break it, retransmissions of
//! older data mostly (`late`, walked whole). When both lists hold a
//! segment the ACK matches, the older one (the smaller frame number) gives
//! the RTT, as in the one list of Wireshark. (Before, one list remembered
//! whether it was in order, and a retransmission made every ACK walk all of
//! it until it was acknowledged: 835 instructions a walk, 67 a packet of the
//! benchmark.) The property test below compares the two lists with the
//! plain walk over one.

use super::analyze::{gt, le};
use super::evidence::Acks;
use super::ring::Ring;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Unacked {
    /// Segments are pushed in capture order: the frame numbers increase.
    pub(super) frame: u64,
    pub(super) ts: i64,
    pub(super) seq: u32,
    pub(super) nextseq: u32,
    /// This range was sent more than once: an ACK for it gives no RTT.
    pub(super) retransmitted: bool,
}

/// The widest span the in-order list may cover: below half the sequence
/// space, where `GT_SEQ`/`LT_SEQ` still agree with a straight line.
const MAX_SPAN: u32 = i32::MAX as u32;

/// The segments, in two lists (see the module docs).
///
/// `ordered` is in order, which means, with offsets taken from its first
/// segment's `seq` (`off(x) = x - front.seq`, wrapping): the segments'
/// `off(seq)` never decrease from front to back, each segment has
/// `off(seq) < off(nextseq)`, and every `off(nextseq) <= off(hi) <=
/// MAX_SPAN`. All of it then lies on one stretch of less than half the
/// sequence space, where the wrapping comparisons order it like integers.
/// `late` holds the segments that could not join it, oldest first.
#[derive(Debug, Clone, Default)]
pub(super) struct UnackedList {
    ordered: Ring<Unacked>,
    /// An upper bound of `ordered`'s segment ends.
    hi: u32,
    late: Vec<Unacked>,
}

/// Signed distance from `ack` to `x`, as Wireshark's comparisons see it.
fn dist(x: u32, ack: u32) -> i32 {
    x.wrapping_sub(ack) as i32
}

/// What one ACK does to one segment: the body of Wireshark's walk.
/// Returns whether the segment stays.
fn ack_one(u: &mut Unacked, ack: u32, now: i64, acks: &mut Option<Acks>) -> bool {
    if ack == u.nextseq {
        if acks.is_none() {
            let rtt_ns = (!u.retransmitted).then_some(now.wrapping_sub(u.ts));
            *acks = Some(Acks { frame: u.frame, rtt_ns });
        }
        return false;
    }
    if gt(ack, u.seq) && le(ack, u.nextseq) {
        u.seq = ack; // partly acknowledged
        return true;
    }
    gt(u.nextseq, ack)
}

impl UnackedList {
    pub(super) fn len(&self) -> usize {
        self.ordered.len() + self.late.len()
    }

    /// Whether the oldest segment is a late one.
    fn oldest_is_late(&self) -> bool {
        match (self.ordered.front(), self.late.first()) {
            (Some(o), Some(l)) => l.frame < o.frame,
            (o, l) => o.is_none() && l.is_some(),
        }
    }

    /// The oldest segment.
    pub(super) fn front(&self) -> Option<&Unacked> {
        if self.oldest_is_late() { self.late.first() } else { self.ordered.front() }
    }

    /// The segments that may start before `end` (`LT_SEQ`), in no
    /// particular order, for marking retransmitted ranges (the oldest of
    /// several is the one with the smallest frame): every segment for which
    /// `lt(seq, end)` holds, and maybe others. Callers change
    /// `retransmitted` only: the order rests on `seq` and `nextseq`.
    ///
    /// The in-order segments are skipped when none of them starts before
    /// `end`: a retransmission of data older than every segment kept (a
    /// bulk transfer keeps more in flight than
    /// [`MAX_UNACKED`](super::analyze::MAX_UNACKED), 256) walked all 256 of
    /// them for nothing, 25 instructions a frame of the benchmark's capture.
    pub(super) fn starting_before(&mut self, end: u32) -> impl Iterator<Item = &mut Unacked> {
        let ordered = if self.ordered_from(end) { None } else { Some(self.ordered.iter_mut()) };
        ordered.into_iter().flatten().chain(self.late.iter_mut())
    }

    /// Whether every in-order segment starts at or after `x`: the front
    /// does, and `hi` is no further from `x` than half the sequence space,
    /// so every start lies between the two (`dist` is a plain subtraction
    /// there). True when there are none.
    #[inline(always)]
    fn ordered_from(&self, x: u32) -> bool {
        self.ordered.front().is_none_or(|u| {
            let d = dist(u.seq, x);
            d >= 0 && dist(self.hi, x) >= d
        })
    }

    /// Drops the oldest segment (the list is full). What remains of
    /// `ordered` keeps its order: offsets from the new front only shrink.
    pub(super) fn pop_front(&mut self) {
        if self.oldest_is_late() {
            self.late.remove(0);
        } else {
            self.ordered.pop_front();
        }
    }

    /// Called for every segment with data. Always inlined: with a plain
    /// hint, unrelated changes put it out of line (a call, the segment
    /// through memory, the registers saved: 15 instructions a segment).
    #[inline(always)]
    pub(super) fn push_back(&mut self, u: Unacked) {
        let in_order = match self.ordered.front() {
            None => {
                let span = u.nextseq.wrapping_sub(u.seq);
                self.hi = u.nextseq;
                span > 0 && span <= MAX_SPAN
            }
            Some(front) => {
                let base = front.seq;
                let last = self.ordered.back().map_or(base, |b| b.seq).wrapping_sub(base);
                let (off_seq, off_next) = (u.seq.wrapping_sub(base), u.nextseq.wrapping_sub(base));
                let fits = off_seq >= last && off_next > off_seq && off_next <= MAX_SPAN;
                if fits && off_next > self.hi.wrapping_sub(base) {
                    self.hi = u.nextseq;
                }
                fits
            }
        };
        if in_order {
            self.ordered.push_back(u);
        } else {
            self.late.push(u);
        }
    }

    /// Applies an ACK number (sent at `now` by the other side); returns the
    /// segment it acknowledges exactly, with its RTT unless retransmitted.
    ///
    /// Inlined for its common cases, which need no walk: no late segment,
    /// and an empty `ordered` (the data flows the other way) or a front
    /// segment that the walk would stop at. Always, and the walks never:
    /// with plain hints, unrelated changes in the summary made LLVM inline
    /// the walk here and call this instead (26 instructions a packet more).
    #[inline(always)]
    pub(super) fn ack(&mut self, ack: u32, now: i64) -> Option<Acks> {
        let acks = if self.ordered_from(ack) { None } else { self.walk_ordered(ack, now) };
        if self.late.is_empty() {
            return acks;
        }
        self.walk_late(ack, now, acks)
    }

    /// The ACK on `ordered`, from the front up to the first segment that
    /// starts at or after the ACK (with `hi` no further from the ACK than
    /// half the sequence space): it and every segment after it lie ahead of
    /// the ACK and are kept unchanged (`dist` is a plain subtraction there).
    #[inline(never)]
    fn walk_ordered(&mut self, ack: u32, now: i64) -> Option<Acks> {
        let mut acks = None;
        let dh = dist(self.hi, ack);
        // Mostly the ACK frees whole segments from the front (ten at a time
        // in the benchmark, a hundred after a loss is repaired): popped as
        // they go. The first it keeps, if any, is left to the walk below,
        // which applies the ACK to it again (a trimmed segment is trimmed
        // to the same place).
        while let Some(front) = self.ordered.front() {
            let ds = dist(front.seq, ack);
            if ds >= 0 && dh >= ds {
                return acks;
            }
            if ack_one(&mut { *front }, ack, now, &mut acks) {
                break;
            }
            self.ordered.pop_front();
        }
        let n = self.ordered.len();
        let (mut kept, mut end) = (0, 0);
        while end < n {
            let mut u = self.ordered.get(end);
            let ds = dist(u.seq, ack);
            if ds >= 0 && dh >= ds {
                break;
            }
            if ack_one(&mut u, ack, now, &mut acks) {
                self.ordered.set(kept, u);
                kept += 1;
            }
            end += 1;
        }
        self.ordered.remove_run(kept, end);
        // In order stays in order: segments the ACK trims now start at it,
        // and a segment the ACK leaves alone starts at or after it, so it
        // cannot come before a trimmed one.
        acks
    }

    /// The ACK on every late segment; `acks` is what `ordered` gave, and
    /// the older of the two exact matches wins.
    #[inline(never)]
    fn walk_late(&mut self, ack: u32, now: i64, acks: Option<Acks>) -> Option<Acks> {
        let mut late_acks = None;
        self.late.retain_mut(|u| ack_one(u, ack, now, &mut late_acks));
        match (acks, late_acks) {
            (Some(o), Some(l)) => Some(if l.frame < o.frame { l } else { o }),
            (o, l) => o.or(l),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    impl UnackedList {
        /// Both lists merged, in the order the segments were pushed.
        fn in_push_order(&self) -> Vec<Unacked> {
            let mut all: Vec<Unacked> = self.ordered.iter().chain(&self.late).copied().collect();
            all.sort_by_key(|u| u.frame);
            all
        }
    }

    /// The plain walk over the whole list, as it was before.
    fn reference(list: &mut VecDeque<Unacked>, ack: u32, now: i64) -> Option<Acks> {
        let mut acks = None;
        list.retain_mut(|u| ack_one(u, ack, now, &mut acks));
        acks
    }

    fn seg(frame: u64, seq: u32, len: u32) -> Unacked {
        Unacked { frame, ts: frame as i64, seq, nextseq: seq.wrapping_add(len), retransmitted: frame % 5 == 0 }
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// A segment at `step` bytes from the previous one's start (negative:
        /// a retransmission), of `len` bytes.
        Push { step: i64, len: u32 },
        /// An ACK at `at` bytes from the newest segment's start.
        Ack { at: i64 },
        /// The previous ACK again (a duplicate ACK).
        Again,
    }

    fn op() -> impl Strategy<Value = Op> {
        let step = prop_oneof![
            8 => 0i64..3000,
            2 => -6000i64..0,
            1 => prop_oneof![Just(i64::from(i32::MAX)), Just(1i64 << 31), Just(-(1i64 << 31)), any::<u32>().prop_map(i64::from)],
        ];
        let len = prop_oneof![8 => 1u32..1500, 1 => Just(0u32), 1 => prop_oneof![Just(1u32 << 31), Just(MAX_SPAN), any::<u32>()]];
        let at = prop_oneof![
            8 => -8000i64..4000,
            1 => prop_oneof![Just(1i64 << 31), Just(-(1i64 << 31)), Just(i64::from(i32::MAX)), any::<u32>().prop_map(i64::from)],
        ];
        prop_oneof![
            3 => (step, len).prop_map(|(step, len)| Op::Push { step, len }),
            2 => at.prop_map(|at| Op::Ack { at }),
            1 => Just(Op::Again),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn same_as_the_whole_walk(start in any::<u32>(), ops in prop::collection::vec(op(), 1..120)) {
            let mut fast = UnackedList::default();
            let mut slow = VecDeque::new();
            let mut seq = start;
            let mut last_ack = start;
            for (i, op) in ops.into_iter().enumerate() {
                let frame = i as u64 + 1;
                match op {
                    Op::Push { step, len } => {
                        seq = seq.wrapping_add(step as u32);
                        let u = seg(frame, seq, len);
                        fast.push_back(u);
                        slow.push_back(u);
                    }
                    Op::Ack { at } => {
                        last_ack = seq.wrapping_add(at as u32);
                        prop_assert_eq!(fast.ack(last_ack, frame as i64), reference(&mut slow, last_ack, frame as i64));
                    }
                    Op::Again => {
                        prop_assert_eq!(fast.ack(last_ack, frame as i64), reference(&mut slow, last_ack, frame as i64));
                    }
                }
                prop_assert!(fast.in_push_order().iter().eq(slow.iter()));
                // Every segment that starts before an end (around the
                // newest segment, and far from it) is among those yielded.
                for end in [seq, seq.wrapping_add(1), seq.wrapping_sub(3000), seq.wrapping_add(1 << 31), start] {
                    let mut got: Vec<Unacked> = fast.starting_before(end).map(|u| *u).collect();
                    got.sort_by_key(|u| u.frame);
                    let want: Vec<Unacked> = slow.iter().filter(|u| gt(end, u.seq)).copied().collect();
                    prop_assert!(want.iter().all(|w| got.contains(w)), "end {} want {:?} got {:?}", end, want, got);
                }
            }
        }
    }

    #[test]
    fn in_order_ack_stops_at_the_first_unacknowledged_segment() {
        let mut l = UnackedList::default();
        for i in 0..10u32 {
            l.push_back(seg(u64::from(i) + 1, u32::MAX - 3000 + i * 1000, 1000));
        }
        assert!(l.late.is_empty());
        let a = l.ack((u32::MAX - 3000).wrapping_add(3500), 99);
        assert_eq!(a, None);
        assert_eq!(l.len(), 7);
        assert_eq!(l.front().map(|u| u.seq), Some((u32::MAX - 3000).wrapping_add(3500)));
        let a = l.ack((u32::MAX - 3000).wrapping_add(5000), 100);
        assert_eq!(a.map(|a| a.frame), Some(5));
        assert_eq!(l.len(), 5);
        assert!(l.late.is_empty());
    }

    #[test]
    fn a_retransmission_disorders_until_acknowledged() {
        let mut l = UnackedList::default();
        l.push_back(seg(1, 1000, 100));
        l.push_back(seg(2, 1100, 100));
        l.push_back(seg(3, 1000, 100));
        assert!(!l.late.is_empty());
        l.ack(1100, 4);
        assert!(l.late.is_empty());
        assert_eq!(l.len(), 1);
    }
}
