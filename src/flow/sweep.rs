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
}

impl Default for SweepClock {
    fn default() -> Self {
        SweepClock { last: i64::MIN }
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
        true
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
}
