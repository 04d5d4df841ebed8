//! DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8): each message is
//! preceded by a 2-byte length; a segment may carry several messages, and a
//! message may span segments.
//!
//! This is the little stream reassembly the dissector needs to find DNS
//! messages, attributed like tshark's (TCP reassembly on) to the segment that
//! completes them. It follows in-order bytes per direction; a segment that
//! only repeats bytes already seen (a retransmission) yields nothing, and a
//! gap (a lost segment) restarts framing at the next segment. Memory is
//! bounded: `MAX_STREAMS` directions, each buffering at most one message.

use std::collections::HashMap;
use std::net::IpAddr;

pub const MAX_STREAMS: usize = 4096;
const MAX_BUFFER: usize = 2 + 65535;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
}

#[derive(Debug, Default)]
struct Stream {
    next_seq: u32,
    buf: Vec<u8>,
}

#[derive(Debug, Default)]
pub struct TcpDns {
    streams: HashMap<Key, Stream>,
    /// Complete messages found in the current segment, back to back.
    out: Vec<u8>,
    ranges: Vec<(usize, usize)>,
    /// Streams dropped because the table was full.
    pub evicted: u64,
}

impl TcpDns {
    /// Feeds one segment's payload (`complete` = the whole payload was
    /// captured). Returns the DNS messages it completes, without prefixes.
    pub fn segment(
        &mut self,
        key: Key,
        seq: u32,
        syn: bool,
        fin_or_rst: bool,
        payload: &[u8],
        complete: bool,
    ) -> Vec<&[u8]> {
        self.out.clear();
        self.ranges.clear();
        if syn {
            self.streams.remove(&key);
        }
        if payload.is_empty() || !complete {
            if !complete {
                // Bytes missing from the capture: framing is lost until a new start.
                self.streams.remove(&key);
            }
            if fin_or_rst {
                self.streams.remove(&key);
            }
            return Vec::new();
        }
        if !self.streams.contains_key(&key) && self.streams.len() >= MAX_STREAMS {
            // Drop an arbitrary stream: DNS over TCP is rare, and a stream
            // losing its partial message only loses that message.
            if let Some(k) = self.streams.keys().next().copied() {
                self.streams.remove(&k);
                self.evicted += 1;
            }
        }
        let s = self.streams.entry(key).or_insert_with(|| Stream { next_seq: seq, buf: Vec::new() });
        let ahead = seq.wrapping_sub(s.next_seq) as i32;
        let data = if ahead == 0 {
            payload
        } else if ahead < 0 {
            // Retransmitted bytes (RFC 9293 sequence comparison): keep only what is new.
            let old = ahead.unsigned_abs() as usize;
            if old >= payload.len() {
                return Vec::new();
            }
            &payload[old..]
        } else {
            // A gap: the missing bytes never reach us; restart framing here.
            s.buf.clear();
            payload
        };
        s.next_seq = s.next_seq.wrapping_add(ahead.max(0) as u32).wrapping_add(data.len() as u32);
        s.buf.extend_from_slice(data);
        let mut pos = 0usize;
        while s.buf.len() - pos >= 2 {
            let len = usize::from(u16::from_be_bytes([s.buf[pos], s.buf[pos + 1]]));
            if s.buf.len() - pos - 2 < len {
                break;
            }
            let start = self.out.len();
            self.out.extend_from_slice(&s.buf[pos + 2..pos + 2 + len]);
            self.ranges.push((start, self.out.len()));
            pos += 2 + len;
        }
        s.buf.drain(..pos);
        if s.buf.len() > MAX_BUFFER || fin_or_rst {
            self.streams.remove(&key);
        }
        let out = &self.out;
        self.ranges.iter().map(|&(a, b)| &out[a..b]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn key() -> Key {
        let a = IpAddr::V4(Ipv4Addr::LOCALHOST);
        Key { src: a, dst: a, sport: 1000, dport: 53 }
    }

    #[test]
    fn several_messages_and_spanning() {
        let mut t = TcpDns::default();
        let seg1 = [0, 2, 0xaa, 0xbb, 0, 3, 1];
        let got: Vec<Vec<u8>> = t.segment(key(), 100, false, false, &seg1, true).iter().map(|m| m.to_vec()).collect();
        assert_eq!(got, vec![vec![0xaa, 0xbb]]);
        // Retransmission of the first bytes yields nothing.
        assert!(t.segment(key(), 100, false, false, &seg1[..4], true).is_empty());
        let got = t.segment(key(), 107, false, false, &[2, 3], true);
        assert_eq!(got, vec![&[1u8, 2, 3][..]]);
    }

    #[test]
    fn gap_restarts_framing() {
        let mut t = TcpDns::default();
        assert!(t.segment(key(), 0, false, false, &[0, 5, 1], true).is_empty());
        let got = t.segment(key(), 50, false, false, &[0, 1, 9], true);
        assert_eq!(got, vec![&[9u8][..]]);
    }
}
