//! One direction's unacknowledged segments, oldest first, and what an ACK
//! from the other side does to them: Wireshark 4.0's walk over
//! `tcp_unacked_t` in `tcp_analyze_sequence_number` (packet-tcp.c). An ACK
//! equal to a segment's end gives the ACK RTT of the oldest such segment
//! (Wireshark walks newest first and keeps overwriting, so it ends on the
//! oldest) and frees it; a segment the ACK lands inside is trimmed to start
//! at the ACK; a segment that ends at or before the ACK is freed.
//!
//! Why a type of its own: walking the whole list on every ACK cost 16 % of
//! the instructions of `wirelens flows` (bench/results/profile-history.md). Most of
//! the time the list is in sequence order, and then an ACK can only change
//! its front: every segment from the first one that starts at or after the
//! ACK is kept as it is. The list remembers whether it is in that order
//! ([`UnackedList`] says exactly what that means under 32-bit wrapping
//! arithmetic) and stops there; out of order (a retransmission pushed behind
//! newer data) it walks everything, as before, and checks the order again on
//! the way. Either way, an ACK that repeats the previous one (the duplicate
//! ACKs of a loss recovery, while the list is out of order) only needs the
//! segments pushed since: the previous walk left every other segment as
//! that ACK keeps it. The verdicts are the same in every case: the property
//! test below compares the list with the plain walk.

use std::collections::VecDeque;

use super::analyze::{gt, le};
use super::evidence::Acks;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Unacked {
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

/// The list, with what it knows about its order.
///
/// In order (`disordered` false) means, with offsets taken from the first
/// segment's `seq` (`off(x) = x - front.seq`, wrapping): the segments'
/// `off(seq)` never decrease from front to back, each segment has
/// `off(seq) < off(nextseq)`, and every `off(nextseq) <= off(hi) <=
/// MAX_SPAN`. All of it then lies on one stretch of less than half the
/// sequence space, where the wrapping comparisons order it like integers.
#[derive(Debug, Clone, Default)]
pub(super) struct UnackedList {
    items: VecDeque<Unacked>,
    disordered: bool,
    /// An upper bound of the segments' ends while in order.
    hi: u32,
    /// The last ACK applied (when `acked`), and how many segments (the
    /// newest) were pushed since: the others would be kept unchanged by the
    /// same ACK again. Small fields: two of these live in every connection.
    acked: bool,
    last_ack: u32,
    fresh: u32,
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

/// Checks the in-order rule over segments given front to back.
struct OrderCheck {
    base: Option<u32>,
    last: u32,
    hi: u32,
    ok: bool,
}

impl OrderCheck {
    fn new() -> Self {
        OrderCheck { base: None, last: 0, hi: 0, ok: true }
    }

    fn next(&mut self, u: &Unacked) {
        let base = *self.base.get_or_insert(u.seq);
        let (off_seq, off_next) = (u.seq.wrapping_sub(base), u.nextseq.wrapping_sub(base));
        self.ok &= off_seq >= self.last && off_next > off_seq && off_next <= MAX_SPAN;
        self.last = off_seq;
        self.hi = self.hi.max(off_next);
    }
}

impl UnackedList {
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    pub(super) fn front(&self) -> Option<&Unacked> {
        self.items.front()
    }

    /// The segments, oldest first, for marking retransmitted ranges. Callers
    /// change `retransmitted` only: the order rests on `seq` and `nextseq`.
    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Unacked> {
        self.items.iter_mut()
    }

    /// Drops the oldest segment (the list is full). What remains keeps its
    /// order: offsets from the new front only shrink.
    pub(super) fn pop_front(&mut self) {
        self.items.pop_front();
        self.fresh = self.fresh.min(self.items.len() as u32);
        if self.items.is_empty() {
            self.disordered = false;
        }
    }

    /// Called for every segment with data. `#[inline]`: without the hint,
    /// moving the merge of `flows` into a module of its own (nothing to do
    /// with this) put it out of line, 50 instructions a segment more.
    #[inline]
    pub(super) fn push_back(&mut self, u: Unacked) {
        match self.items.front() {
            None => {
                let span = u.nextseq.wrapping_sub(u.seq);
                self.disordered = !(span > 0 && span <= MAX_SPAN);
                self.hi = u.nextseq;
            }
            Some(front) if !self.disordered => {
                let base = front.seq;
                let last = self.items.back().map_or(base, |b| b.seq).wrapping_sub(base);
                let (off_seq, off_next) = (u.seq.wrapping_sub(base), u.nextseq.wrapping_sub(base));
                if off_seq >= last && off_next > off_seq && off_next <= MAX_SPAN {
                    if off_next > self.hi.wrapping_sub(base) {
                        self.hi = u.nextseq;
                    }
                } else {
                    self.disordered = true;
                }
            }
            Some(_) => {}
        }
        self.items.push_back(u);
        self.fresh = self.fresh.saturating_add(1);
    }

    /// Applies an ACK number (sent at `now` by the other side); returns the
    /// segment it acknowledges exactly, with its RTT unless retransmitted.
    ///
    /// Inlined for its common cases, which need no walk: an empty list (the
    /// data flows the other way) and, in order, a front segment that the
    /// walk would stop at. Always, and the walk never: with plain hints,
    /// unrelated changes in the summary made LLVM inline the walk here and
    /// call this instead (26 instructions a packet more).
    #[inline(always)]
    pub(super) fn ack(&mut self, ack: u32, now: i64) -> Option<Acks> {
        let at_rest = match self.items.front() {
            None => true,
            Some(u) => {
                let ds = dist(u.seq, ack);
                !self.disordered && ds >= 0 && dist(self.hi, ack) >= ds
            }
        };
        if at_rest {
            (self.acked, self.last_ack, self.fresh) = (true, ack, 0);
            return None;
        }
        self.walk(ack, now)
    }

    #[inline(never)]
    fn walk(&mut self, ack: u32, now: i64) -> Option<Acks> {
        let mut acks = None;
        let n = self.items.len();
        let ordered = !self.disordered;
        // Out of order, a repeated ACK walks only the segments pushed since
        // the last one (in order, the walk below stops at once anyway).
        let from = if !ordered && self.acked && self.last_ack == ack { n - (self.fresh as usize).min(n) } else { 0 };
        (self.acked, self.last_ack, self.fresh) = (true, ack, 0);
        let dh = dist(self.hi, ack);
        let mut check = OrderCheck::new();
        let (mut kept, mut end) = (from, from);
        while end < n {
            let mut u = self.items[end];
            if ordered {
                // In order, a segment that starts at or after the ACK, with
                // `hi` no further from the ACK than half the sequence space,
                // and every segment after it lie ahead of the ACK: all kept
                // unchanged (`dist` is then a plain subtraction for them).
                let ds = dist(u.seq, ack);
                if ds >= 0 && dh >= ds {
                    break;
                }
            }
            if ack_one(&mut u, ack, now, &mut acks) {
                if !ordered {
                    check.next(&u);
                }
                self.items[kept] = u;
                kept += 1;
            }
            end += 1;
        }
        if kept == 0 {
            // Acknowledged from the front: cheaper than a `drain`.
            for _ in 0..end {
                self.items.pop_front();
            }
        } else if kept < end {
            self.items.drain(kept..end);
        }
        // In order stays in order: segments the ACK trims now start at it,
        // and a segment the ACK leaves alone starts at or after it, so it
        // cannot come before a trimmed one. Out of order, the walk saw every
        // survivor (unless it began at `from`) and says whether they are.
        if self.items.is_empty() {
            self.disordered = false;
        } else if !ordered && from == 0 && check.ok {
            self.disordered = false;
            self.hi = check.hi.wrapping_add(check.base.unwrap_or(0));
        }
        acks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
                prop_assert!(fast.items.iter().eq(slow.iter()));
            }
        }
    }

    #[test]
    fn in_order_ack_stops_at_the_first_unacknowledged_segment() {
        let mut l = UnackedList::default();
        for i in 0..10u32 {
            l.push_back(seg(u64::from(i) + 1, u32::MAX - 3000 + i * 1000, 1000));
        }
        assert!(!l.disordered);
        let a = l.ack((u32::MAX - 3000).wrapping_add(3500), 99);
        assert_eq!(a, None);
        assert_eq!(l.len(), 7);
        assert_eq!(l.front().map(|u| u.seq), Some((u32::MAX - 3000).wrapping_add(3500)));
        let a = l.ack((u32::MAX - 3000).wrapping_add(5000), 100);
        assert_eq!(a.map(|a| a.frame), Some(5));
        assert_eq!(l.len(), 5);
        assert!(!l.disordered);
    }

    #[test]
    fn a_retransmission_disorders_until_acknowledged() {
        let mut l = UnackedList::default();
        l.push_back(seg(1, 1000, 100));
        l.push_back(seg(2, 1100, 100));
        l.push_back(seg(3, 1000, 100));
        assert!(l.disordered);
        l.ack(1100, 4);
        assert!(!l.disordered);
        assert_eq!(l.len(), 1);
    }
}
