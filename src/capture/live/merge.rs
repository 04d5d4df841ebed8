//! Which interface to read next, and which frame to hand out, when a
//! capture runs on several interfaces at once (`-i eth0 -i eth1`).
//!
//! Each interface delivers its own frames in time order, but the kernel
//! queues of two interfaces fill independently, so reading one and then the
//! other would hand frames out of order. dumpcap merges its interfaces by
//! arrival (one capture thread per interface feeding a queue), which can
//! reorder frames of different interfaces; mergecap orders files by
//! timestamp afterwards. Here the frames are handed out by timestamp as far
//! as the queues allow, from one thread (privileges are given up before the
//! first packet, and `crate::process` refuses to drop capabilities with more
//! than one thread):
//!
//! - At most one frame per interface is read ahead (*pending*).
//! - The earliest pending frame is handed out once every interface without a
//!   pending frame is known to have nothing earlier: its queue was found
//!   empty at a moment (*covered*) no earlier than that frame's time. A frame
//!   that enters a queue later was stamped later (the kernel stamps frames as
//!   it queues them), so it cannot belong before the one handed out.
//! - Otherwise such an interface is read once more (without waiting); if it
//!   is still empty it is covered up to now, and the frame goes out. So a
//!   quiet interface never holds the others' frames back: it costs one read
//!   that finds nothing, and only when a frame is newer than its last check.
//! - When nothing is pending and every queue is empty, the caller waits on
//!   all descriptors with one poll(2).
//!
//! What can still come out of order: a frame stamped just before a queue was
//! found empty but queued just after (a window of microseconds in the
//! kernel's receive path), and frames whose time stamps do not come from the
//! host clock (`-j adapter`), which `covered` (host time) cannot bound.
//!
//! This module only decides; `source.rs` reads the handles.

use crate::capture::Timestamp;

/// What is known of one interface between two frames.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct SlotState {
    /// Time of the frame read from this interface and not yet handed out.
    pub pending: Option<Timestamp>,
    /// With nothing pending: the interface's queue was found empty, and
    /// every frame of it stamped up to this time has been read. `None`: not
    /// known, the interface must be read.
    pub covered: Option<Timestamp>,
}

/// The next thing to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// Read one frame from this interface, without waiting.
    Read(usize),
    /// Hand out this interface's pending frame.
    Hand(usize),
    /// Nothing is pending and every queue is empty: wait for one.
    Wait,
}

/// The earliest pending frame: its time and interface (the lowest index
/// among equal times, so the order is the same on every run).
pub(super) fn earliest(slots: &[SlotState]) -> Option<(Timestamp, usize)> {
    slots.iter().enumerate().filter_map(|(i, s)| s.pending.map(|t| (t, i))).min()
}

pub(super) fn decide(slots: &[SlotState]) -> Action {
    if let Some(i) = slots.iter().position(|s| s.pending.is_none() && s.covered.is_none()) {
        return Action::Read(i);
    }
    let Some((t, i)) = earliest(slots) else {
        return Action::Wait;
    };
    match slots.iter().position(|s| s.pending.is_none() && s.covered.is_some_and(|c| c < t)) {
        Some(j) => Action::Read(j),
        None => Action::Hand(i),
    }
}

/// What an interface whose queue was just found empty is covered up to:
/// now, and at least the earliest pending frame, so that the next decision
/// hands that frame out instead of reading again (a host clock behind the
/// packets' time stamps must not make the capture spin).
pub(super) fn covered_when_empty(slots: &[SlotState], now: Timestamp) -> Timestamp {
    earliest(slots).map_or(now, |(t, _)| t.max(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(ms: i64) -> Timestamp {
        Timestamp::new(ms / 1000, (ms % 1000) as u32 * 1_000_000)
    }

    /// A simulated capture: each interface's frames (by time stamp, in ms),
    /// each visible in its queue from its own time on; the clock advances
    /// 1 ms per read. Returns the frames handed out, as (ms, interface),
    /// and the reads that found nothing.
    fn run(queues: &[&[i64]], start_ms: i64) -> (Vec<(i64, usize)>, usize) {
        let mut next = vec![0usize; queues.len()];
        let mut slots = vec![SlotState::default(); queues.len()];
        let mut clock = start_ms;
        let (mut out, mut empty_reads) = (Vec::new(), 0);
        let total: usize = queues.iter().map(|q| q.len()).sum();
        while out.len() < total {
            match decide(&slots) {
                Action::Read(i) => {
                    clock += 1;
                    match queues[i].get(next[i]) {
                        Some(&t) if t <= clock => {
                            next[i] += 1;
                            slots[i] = SlotState { pending: Some(ts(t)), covered: None };
                        }
                        _ => {
                            empty_reads += 1;
                            slots[i].covered = Some(covered_when_empty(&slots, ts(clock)));
                        }
                    }
                }
                Action::Hand(i) => {
                    let t = slots[i].pending.take().expect("a pending frame");
                    out.push(((t.secs * 1000) + i64::from(t.nanos / 1_000_000), i));
                }
                Action::Wait => {
                    // What poll(2) does: time passes to the next frame; the
                    // queues that became readable must be read.
                    let soonest = (0..queues.len()).filter_map(|i| queues[i].get(next[i])).min().expect("frames left");
                    clock = clock.max(*soonest);
                    for (i, s) in slots.iter_mut().enumerate() {
                        s.covered = match queues[i].get(next[i]) {
                            Some(&t) if t <= clock => None,
                            _ => Some(ts(clock)),
                        };
                    }
                }
            }
        }
        (out, empty_reads)
    }

    #[test]
    fn frames_queued_on_both_interfaces_come_out_in_time_order() {
        // Both queues already full (the capture starts late): strict order.
        let (out, _) = run(&[&[1, 4, 5, 9, 12], &[2, 3, 6, 7, 8, 20]], 100);
        let times: Vec<i64> = out.iter().map(|o| o.0).collect();
        assert_eq!(times, vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 20]);
        assert_eq!(out.iter().filter(|o| o.1 == 1).count(), 6);
    }

    #[test]
    fn frames_arriving_while_capturing_come_out_in_time_order() {
        let a: Vec<i64> = (0..200).map(|k| 10 + k * 7).collect();
        let b: Vec<i64> = (0..150).map(|k| 13 + k * 11).collect();
        let (out, _) = run(&[&a, &b], 0);
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "{out:?}");
        assert_eq!(out.len(), 350);
    }

    #[test]
    fn a_quiet_interface_does_not_hold_the_others_back() {
        // Interface 1 never has a frame: every frame of interface 0 still
        // goes out as soon as it is read, without a wait.
        let a: Vec<i64> = (0..50).collect();
        let mut slots = vec![SlotState::default(); 2];
        slots[1].covered = Some(ts(0));
        slots[0].pending = Some(ts(3));
        // Older than the last look at the quiet one: read it once more ...
        assert_eq!(decide(&slots), Action::Read(1));
        slots[1].covered = Some(covered_when_empty(&slots, ts(5)));
        // ... and then the frame goes.
        assert_eq!(decide(&slots), Action::Hand(0));
        let (out, _) = run(&[&a, &[]], 100);
        assert_eq!(out.len(), 50);
    }

    #[test]
    fn a_backlog_needs_no_read_of_the_quiet_interface_per_frame() {
        // 100 frames queued before the quiet interface was last found empty:
        // they go out with one empty read of it, not one per frame.
        let a: Vec<i64> = (0..100).collect();
        let (out, empty_reads) = run(&[&a, &[]], 1000);
        assert_eq!(out.len(), 100);
        assert!(empty_reads <= 3, "{empty_reads} empty reads");
    }

    #[test]
    fn a_clock_behind_the_time_stamps_cannot_make_it_spin() {
        // The frame is stamped after "now" (adapter time stamps): one
        // empty read of the other interface, then the frame goes out.
        let mut slots = vec![SlotState { pending: Some(ts(5000)), covered: None }, SlotState::default()];
        assert_eq!(decide(&slots), Action::Read(1));
        slots[1].covered = Some(covered_when_empty(&slots, ts(10)));
        assert_eq!(decide(&slots), Action::Hand(0));
    }

    #[test]
    fn ties_go_to_the_first_interface_and_nothing_pending_waits() {
        let t = Some(ts(7));
        let slots = [SlotState { pending: t, covered: None }, SlotState { pending: t, covered: None }];
        assert_eq!(decide(&slots), Action::Hand(0));
        let idle = [SlotState { pending: None, covered: Some(ts(1)) }; 3];
        assert_eq!(decide(&idle), Action::Wait);
        assert_eq!(decide(&[]), Action::Wait);
    }
}
