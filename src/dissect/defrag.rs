//! IP fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5), bounded in memory
//! and in time.
//!
//! Fragments are keyed like Wireshark's reassembly tables: source,
//! destination, identification and (IPv4) protocol. A datagram completes
//! when its last fragment (MF clear) has been seen and every byte before it
//! is covered; the frame that completes it carries the reassembled payload,
//! as tshark attributes a reassembled datagram to its last fragment.
//!
//! Limits: at most `MAX_PENDING` unfinished datagrams (the oldest is dropped
//! first), each at most 65535 bytes (IPv4's maximum; IPv6 jumbograms cannot be
//! fragmented, RFC 2675 §5), and an unfinished datagram expires after
//! `TIMEOUT_SECS` of packet time (RFC 791 suggests 15 s; Linux uses 30 s).
//! Every dropped fragment is counted by reason.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::capture::Timestamp;

pub const MAX_PENDING: usize = 1024;
pub const MAX_DATAGRAM: usize = 65535;
pub const TIMEOUT_SECS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub id: u32,
    pub proto: u8,
}

#[derive(Debug)]
struct Datagram {
    buf: Vec<u8>,
    /// Covered byte ranges, kept sorted and merged.
    have: Vec<(u32, u32)>,
    total: Option<u32>,
    fragments: u16,
    first_seen: Timestamp,
}

/// Counters of what reassembly did; nothing vanishes silently.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DefragStats {
    pub fragments: u64,
    pub completed: u64,
    /// Fragments of datagrams that expired unfinished.
    pub expired: u64,
    /// Fragments of datagrams evicted because too many were pending.
    pub evicted: u64,
    /// Fragments that would make a datagram larger than 65535 bytes.
    pub oversized: u64,
    /// Fragments cut by the snaplen: their datagram cannot be rebuilt.
    pub truncated: u64,
    /// Fragments still pending at the end.
    pub unfinished: u64,
}

#[derive(Debug, Default)]
pub struct Defragmenter {
    pending: HashMap<Key, Datagram>,
    out: Vec<u8>,
    last_sweep: i64,
    pub stats: DefragStats,
}

/// The outcome of offering one fragment.
#[derive(Debug, PartialEq, Eq)]
pub enum Offer<'a> {
    Held,
    Dropped,
    Complete { payload: &'a [u8], fragments: u16 },
}

impl Defragmenter {
    /// Offers a fragment: `offset` in bytes, `data` its captured payload,
    /// `wire_len` its payload length on the wire.
    pub fn offer(&mut self, key: Key, offset: u32, more: bool, data: &[u8], wire_len: u32, ts: Timestamp) -> Offer<'_> {
        self.stats.fragments += 1;
        self.sweep(ts);
        if (data.len() as u32) < wire_len {
            // The snaplen cut this fragment: the datagram has a hole for good.
            self.stats.truncated += 1;
            if let Some(d) = self.pending.remove(&key) {
                self.stats.truncated += u64::from(d.fragments);
            }
            return Offer::Dropped;
        }
        let end = offset as usize + data.len();
        if end > MAX_DATAGRAM {
            self.stats.oversized += 1;
            return Offer::Dropped;
        }
        if !self.pending.contains_key(&key) && self.pending.len() >= MAX_PENDING {
            self.evict_oldest();
        }
        let d = self.pending.entry(key).or_insert_with(|| Datagram {
            buf: Vec::new(),
            have: Vec::new(),
            total: None,
            fragments: 0,
            first_seen: ts,
        });
        if d.buf.len() < end {
            d.buf.resize(end, 0);
        }
        // Overlaps: bytes already received win, as in Wireshark's
        // reassemble.c (fragments are copied in order and only the part past
        // what is already there is taken). RFC 5722 makes overlapping IPv6
        // fragments illegal; receivers drop them, Wireshark flags them.
        let mut pos = offset;
        for &(s, e) in d.have.iter().chain(std::iter::once(&(u32::MAX, u32::MAX))) {
            if pos >= end as u32 {
                break;
            }
            if s > pos {
                let gap_end = s.min(end as u32);
                let (from, to) = ((pos - offset) as usize, (gap_end - offset) as usize);
                d.buf[pos as usize..gap_end as usize].copy_from_slice(&data[from..to]);
            }
            pos = pos.max(e);
        }
        insert_range(&mut d.have, offset, end as u32);
        d.fragments = d.fragments.saturating_add(1);
        if !more {
            d.total = Some(end as u32);
        }
        let complete = matches!((d.total, d.have.first()), (Some(t), Some(&(0, e))) if e >= t);
        if !complete {
            return Offer::Held;
        }
        let Some(mut d) = self.pending.remove(&key) else {
            return Offer::Held;
        };
        self.stats.completed += 1;
        let total = d.total.unwrap_or(0) as usize;
        d.buf.truncate(total);
        std::mem::swap(&mut self.out, &mut d.buf);
        Offer::Complete { payload: &self.out, fragments: d.fragments }
    }

    fn sweep(&mut self, now: Timestamp) {
        if now.secs - self.last_sweep < 1 {
            return;
        }
        self.last_sweep = now.secs;
        let before = self.stats.expired;
        let mut expired = 0u64;
        self.pending.retain(|_, d| {
            let keep = now.secs - d.first_seen.secs <= TIMEOUT_SECS;
            if !keep {
                expired += u64::from(d.fragments);
            }
            keep
        });
        self.stats.expired = before + expired;
    }

    fn evict_oldest(&mut self) {
        if let Some(k) = self.pending.iter().min_by_key(|(_, d)| d.first_seen).map(|(k, _)| *k) {
            if let Some(d) = self.pending.remove(&k) {
                self.stats.evicted += u64::from(d.fragments);
            }
        }
    }

    /// Counts what is still pending (call at the end of the capture).
    pub fn finish(&mut self) -> DefragStats {
        self.stats.unfinished = self.pending.values().map(|d| u64::from(d.fragments)).sum();
        self.stats
    }
}

fn insert_range(have: &mut Vec<(u32, u32)>, start: u32, end: u32) {
    have.push((start, end));
    have.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(have.len());
    for &(s, e) in have.iter() {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    *have = merged;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn key() -> Key {
        Key { src: IpAddr::V4(Ipv4Addr::LOCALHOST), dst: IpAddr::V4(Ipv4Addr::LOCALHOST), id: 1, proto: 17 }
    }

    fn ts(s: i64) -> Timestamp {
        Timestamp { secs: s, nanos: 0 }
    }

    #[test]
    fn out_of_order_fragments_complete() {
        let mut f = Defragmenter::default();
        assert_eq!(f.offer(key(), 8, false, &[2; 4], 4, ts(0)), Offer::Held);
        match f.offer(key(), 0, true, &[1; 8], 8, ts(0)) {
            Offer::Complete { payload, fragments } => {
                assert_eq!(payload, &[1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
                assert_eq!(fragments, 2);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(f.finish().unfinished, 0);
    }

    #[test]
    fn first_received_bytes_win_overlaps() {
        let mut f = Defragmenter::default();
        assert_eq!(f.offer(key(), 0, true, &[1; 4], 4, ts(0)), Offer::Held);
        assert_eq!(f.offer(key(), 8, false, &[3; 4], 4, ts(0)), Offer::Held);
        match f.offer(key(), 0, true, &[2; 12], 12, ts(0)) {
            Offer::Complete { payload, .. } => assert_eq!(payload, &[1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn expiry_and_limits_are_counted() {
        let mut f = Defragmenter::default();
        assert_eq!(f.offer(key(), 0, true, &[1; 8], 8, ts(0)), Offer::Held);
        let mut k2 = key();
        k2.id = 2;
        assert_eq!(f.offer(k2, 0, true, &[1; 8], 8, ts(100)), Offer::Held);
        assert_eq!(f.stats.expired, 1);
        assert_eq!(f.offer(k2, 65530, false, &[1; 8], 8, ts(100)), Offer::Dropped);
        assert_eq!(f.stats.oversized, 1);
        assert_eq!(f.offer(k2, 8, false, &[1; 4], 8, ts(100)), Offer::Dropped);
        assert_eq!(f.stats.truncated, 2);
        for id in 0..(MAX_PENDING as u32 + 5) {
            let mut k = key();
            k.id = 1000 + id;
            f.offer(k, 0, true, &[0; 8], 8, ts(100));
        }
        assert_eq!(f.stats.evicted, 5);
    }
}
