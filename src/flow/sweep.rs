//! [`SweepClock`]: when a table looks for what timed out, at most once per
//! second of packet time (the flow table for idle flows, the DNS tracker
//! for unanswered queries).
//!
//! One type, so that a reader spreading frames over several analysis
//! threads can keep the same clocks and tell each thread the moments its
//! tables would have swept had they seen every frame (`app::sharded`).

use crate::capture::Timestamp;

/// Sweeps happen at a packet whose time is at least this far past the last sweep.
pub const EVERY_NS: i64 = 1_000_000_000;

/// Packet time in nanoseconds since the epoch, saturating.
#[inline]
pub fn ns(t: Timestamp) -> i64 {
    t.secs.saturating_mul(1_000_000_000).saturating_add(i64::from(t.nanos))
}

#[derive(Debug, Clone, Copy)]
pub struct SweepClock {
    last: i64,
    /// A time whose whole seconds are below this is before the next sweep
    /// is due (see [`due_at`](Self::due_at)).
    calm_secs: i64,
}

impl Default for SweepClock {
    fn default() -> Self {
        SweepClock { last: i64::MIN, calm_secs: i64::MIN }
    }
}

impl SweepClock {
    /// Whether a sweep is due at `now` (nanoseconds); if so it counts as done.
    /// Time going backwards never makes one due.
    #[inline]
    pub fn due(&mut self, now: i64) -> bool {
        if now.saturating_sub(self.last) < EVERY_NS {
            return false;
        }
        self.last = now;
        // The next sweep is due at `last + EVERY_NS`: a time of S whole
        // seconds is below (S + 1) seconds, so below that whenever S + 1 is
        // at most its whole seconds.
        self.calm_secs = self.last.saturating_add(EVERY_NS).div_euclid(1_000_000_000);
        true
    }

    /// [`due`](Self::due) at a packet's time, told in one compare for the
    /// packets of a second before the next sweep (most of them), without
    /// converting the time to nanoseconds (about 20 instructions a frame
    /// for a router that asks of every frame).
    #[inline]
    pub fn due_at(&mut self, t: Timestamp) -> bool {
        if t.secs < self.calm_secs && t.nanos < 1_000_000_000 {
            return false;
        }
        self.due(ns(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_second_of_packet_time() {
        let mut c = SweepClock::default();
        let due: Vec<bool> =
            [5, 5, 900_000_000, 1_000_000_004, 1_000_000_005, 3, 2_000_000_005].into_iter().map(|t| c.due(t)).collect();
        assert_eq!(due, [true, false, false, false, true, false, true]);
    }

    /// `due_at` says what `due` says of the same time, on times around
    /// and across the seconds, backwards and forwards.
    #[test]
    fn due_at_agrees_with_due() {
        let (mut a, mut b) = (SweepClock::default(), SweepClock::default());
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut t: i64 = 1_700_000_000_000_000_000;
        for i in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Mostly small steps forward, now and then back or a jump.
            let step = match x % 16 {
                0 => -(((x >> 8) % 3_000_000_000) as i64),
                1 => ((x >> 8) % 5_000_000_000) as i64,
                _ => ((x >> 8) % 20_000_000) as i64,
            };
            t += step;
            let ts = Timestamp { secs: t.div_euclid(1_000_000_000), nanos: t.rem_euclid(1_000_000_000) as u32 };
            assert_eq!(a.due_at(ts), b.due(t), "step {i} at {t}");
        }
        // A fraction out of range is left to `due`.
        let mut c = SweepClock::default();
        assert!(c.due_at(Timestamp { secs: 10, nanos: 0 }));
        assert!(c.due_at(Timestamp { secs: 9, nanos: 2_500_000_000 }));
    }
}
