//! The part of Zeek's TCP stream reassembly that decides content gaps: which
//! sequence ranges an endpoint sent, which were "delivered" in order, and
//! what an acknowledgement above the delivered data says is missing.
//!
//! Follows `src/Reassem.cc` (`Reassembler::NewBlock`, `DataBlockList::Insert`
//! and `Trim`) and `src/analyzer/protocol/tcp/TCP_Reassembler.cc`
//! (`DataSent`, `AckReceived`, `Undelivered`, `BlockInserted`, `DataPending`).
//! Zeek keeps the bytes; only the ranges matter for gaps, so a block here is
//! `seq -> upper` (relative sequence numbers, the first data byte is 1, as in
//! Zeek). The reporting side (history 'G', `missed_bytes`) needs both
//! endpoints' states and lives in `tcp.rs`; this file returns what it found.

use std::collections::BTreeMap;

/// `tcp_max_initial_window` and `tcp_max_above_hole_without_any_acks`
/// (init-bare.zeek defaults): data beyond this without any ACK is presumed
/// to be a one-sided capture and is no longer buffered.
const MAX_INITIAL_WINDOW: u64 = 16_384;
const MAX_ABOVE_HOLE_WITHOUT_ACKS: u64 = 16_384;
/// `tcp_excessive_data_without_further_acks` (10 MB).
const EXCESSIVE_DATA_WITHOUT_ACKS: u64 = 10 * 1024 * 1024;

/// Content gaps found by one operation: Zeek calls `TCP_Reassembler::Gap`
/// once per hole, so `count` is the number of calls (each may add a scaled
/// 'G' to the history) and `bytes` their total length.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Gaps {
    pub count: u32,
    pub bytes: u64,
}

/// What the reassembler needs to know about its endpoint at call time.
#[derive(Debug, Clone, Copy)]
pub(super) struct EndpointView {
    /// `TCPSessionAdapter::IsPartial()`: the connection began without a SYN.
    pub partial: bool,
    /// `TCP_Endpoint::NoDataAcked()`.
    pub no_data_acked: bool,
    /// `TCP_Endpoint::Size()`.
    pub size: u64,
}

#[derive(Debug, Clone)]
pub(super) struct Reassembler {
    /// Disjoint received ranges not yet trimmed by an ACK: `seq -> upper`.
    blocks: BTreeMap<u64, u64>,
    /// Everything below this was delivered (or declared missing).
    last_reassem_seq: u64,
    /// Everything below this was acknowledged and dropped.
    trim_seq: u64,
    /// Zeek stops buffering a direction after too much unacknowledged data.
    skip_deliveries: bool,
    /// `CheckEOF` reports the end of this direction once.
    pub did_eof: bool,
}

impl Default for Reassembler {
    fn default() -> Self {
        // TCP_Reassembler is a Reassembler(1, ...): relative numbering puts
        // the first data byte at 1 (the SYN takes 0).
        Reassembler {
            blocks: BTreeMap::new(),
            last_reassem_seq: 1,
            trim_seq: 1,
            skip_deliveries: false,
            did_eof: false,
        }
    }
}

/// An ACK at or past the FIN acknowledges data up to the FIN's octet only.
#[inline]
fn clamp_to_fin(seq: u64, fin_seq: Option<u64>) -> u64 {
    match fin_seq {
        Some(fin) if seq >= fin => fin.wrapping_sub(1),
        _ => seq,
    }
}

impl Reassembler {
    /// `DataSeq()`: how far the stream was delivered.
    pub fn data_seq(&self) -> u64 {
        self.last_reassem_seq
    }

    /// `HasUndeliveredData()`: Zeek's `HasBlocks()`, i.e. anything buffered.
    pub fn has_blocks(&self) -> bool {
        !self.blocks.is_empty()
    }

    pub fn skipping(&self) -> bool {
        self.skip_deliveries
    }

    fn data_size(&self) -> u64 {
        self.blocks.iter().fold(0u64, |acc, (s, u)| acc.saturating_add(u - s))
    }

    /// `NumUndeliveredBytes()`.
    fn undelivered_bytes(&self) -> u64 {
        self.blocks.values().next_back().map_or(0, |&upper| upper.saturating_sub(self.last_reassem_seq))
    }

    /// `TCP_Reassembler::DataSent` (via `TCP_Endpoint::DataSent`, which
    /// passes `replaying = true`, so the ACK-based front trim never applies).
    pub fn data_sent(&mut self, seq: u64, len: u64, ep: EndpointView) -> Gaps {
        let mut gaps = Gaps::default();
        if self.skip_deliveries {
            return gaps;
        }
        self.new_block(seq, len, ep, &mut gaps);
        if ep.no_data_acked && self.undelivered_bytes() > MAX_ABOVE_HOLE_WITHOUT_ACKS {
            // "above_hole_data_without_any_acks"
            self.blocks.clear();
            self.skip_deliveries = true;
        }
        if self.data_size() > EXCESSIVE_DATA_WITHOUT_ACKS {
            // "excessive_data_without_further_acks"
            self.blocks.clear();
            self.skip_deliveries = true;
        }
        gaps
    }

    /// Whether an ACK up to `seq` moves anything here ([`Self::ack_received`]
    /// does nothing otherwise). Most ACKs of a connection whose data was all
    /// seen do not: the caller asks first and makes the endpoint's view
    /// (its size from the sequence numbers, 25 instructions) only when
    /// they do.
    #[inline]
    pub fn ack_moves(&self, seq: u64, fin_seq: Option<u64>) -> bool {
        clamp_to_fin(seq, fin_seq) > self.trim_seq
    }

    /// `TCP_Reassembler::AckReceived`: the peer acknowledged up to `seq`
    /// (relative); a FIN's octet is not data (`fin_seq` from the endpoint).
    pub fn ack_received(&mut self, seq: u64, fin_seq: Option<u64>, ep: EndpointView) -> Gaps {
        let mut gaps = Gaps::default();
        let seq = clamp_to_fin(seq, fin_seq);
        if seq <= self.trim_seq {
            return gaps;
        }
        self.trim_to_seq(seq, ep, &mut gaps);
        gaps
    }

    /// `Reassembler::NewBlock`.
    fn new_block(&mut self, mut seq: u64, len: u64, ep: EndpointView, gaps: &mut Gaps) {
        if len == 0 {
            return;
        }
        let upper = seq.saturating_add(len);
        if upper <= self.trim_seq {
            return; // old data
        }
        if seq < self.trim_seq {
            seq = self.trim_seq;
        }
        if let Some(start) = self.insert(seq, upper) {
            self.block_inserted(start, ep, gaps);
        }
    }

    /// `DataBlockList::Insert`: adds the parts of `[seq, upper)` not already
    /// held. Returns the start of the block Zeek hands to `BlockInserted`:
    /// the first new piece (Insert's `rval` after its recursion), or, when
    /// nothing was new, the held block the data begins inside.
    fn insert(&mut self, seq: u64, upper: u64) -> Option<u64> {
        let mut containing: Option<u64> = None;
        let mut cursor = seq;
        if let Some((&s, &u)) = self.blocks.range(..=seq).next_back() {
            if u > seq {
                containing = Some(s);
                cursor = u;
            }
        }
        let overlapping: Vec<(u64, u64)> = self.blocks.range(seq..upper).map(|(&s, &u)| (s, u)).collect();
        let mut first_new: Option<u64> = None;
        for (s, u) in overlapping {
            if s > cursor {
                self.blocks.insert(cursor, s);
                first_new.get_or_insert(cursor);
            }
            cursor = cursor.max(u);
        }
        if cursor < upper {
            self.blocks.insert(cursor, upper);
            first_new.get_or_insert(cursor);
        }
        first_new.or(containing)
    }

    /// `TCP_Reassembler::BlockInserted`: deliver in-order data from the
    /// block at `start`, then drop delivered data Zeek stops holding.
    fn block_inserted(&mut self, start: u64, ep: EndpointView, gaps: &mut Gaps) {
        let Some(&upper) = self.blocks.get(&start) else { return };
        if start > self.last_reassem_seq || upper <= self.last_reassem_seq {
            return;
        }
        let keys: Vec<(u64, u64)> = self.blocks.range(start..).map(|(&s, &u)| (s, u)).collect();
        for (s, u) in keys {
            if s > self.last_reassem_seq {
                break;
            }
            if s == self.last_reassem_seq {
                self.last_reassem_seq = u;
            }
        }
        // Both endpoints always have a reassembler here (Zeek enables
        // reassembly for every connection: dpd_reassemble_first_packets), so
        // only the "much data, no ACK" rule trims.
        if ep.no_data_acked && ep.size > MAX_INITIAL_WINDOW {
            let last = self.last_reassem_seq;
            self.trim_to_seq(last, ep, gaps);
        }
    }

    /// `DataBlockList::Trim` (through `Reassembler::TrimToSeq`).
    fn trim_to_seq(&mut self, seq: u64, ep: EndpointView, gaps: &mut Gaps) {
        if seq > self.last_reassem_seq {
            self.undelivered(seq, ep, gaps);
        }
        while let Some((&s, &u)) = self.blocks.iter().next() {
            if u > seq {
                break;
            }
            self.blocks.remove(&s);
        }
        if let Some((&s, _)) = self.blocks.iter().next() {
            if s == self.last_reassem_seq {
                self.block_inserted(s, ep, gaps);
            }
        }
        self.trim_seq = seq;
    }

    /// `TCP_Reassembler::Undelivered`: data below `up_to_seq` will never
    /// come; deliver what is held and report each hole as a gap.
    fn undelivered(&mut self, up_to_seq: u64, ep: EndpointView, gaps: &mut Gaps) {
        if up_to_seq <= 2 && ep.partial {
            // Zeek: the faked-up initial sequence of a partial connection
            // (or a keep-alive) is not a gap; last_reassem_seq stays.
            return;
        }
        if up_to_seq <= self.last_reassem_seq {
            return; // Zeek calls this an internal error; never reached via Trim.
        }
        // detect_filtered_trace is F by default: no SYN/FIN/RST-filter guess.
        if !self.skip_deliveries {
            loop {
                let next = self.blocks.iter().map(|(&s, _)| s).find(|&s| s >= self.last_reassem_seq);
                let Some(s) = next else { break };
                if s >= up_to_seq {
                    break;
                }
                let gap_len = s - self.last_reassem_seq;
                gaps.count = gaps.count.saturating_add(1);
                gaps.bytes = gaps.bytes.saturating_add(gap_len);
                self.last_reassem_seq += gap_len;
                self.block_inserted(s, ep, gaps);
                if self.last_reassem_seq == s {
                    break; // nothing delivered: avoid looping on a degenerate block
                }
            }
            if up_to_seq > self.last_reassem_seq {
                gaps.count = gaps.count.saturating_add(1);
                gaps.bytes = gaps.bytes.saturating_add(up_to_seq - self.last_reassem_seq);
            }
        }
        if up_to_seq > self.last_reassem_seq {
            self.last_reassem_seq = up_to_seq;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EP: EndpointView = EndpointView { partial: false, no_data_acked: false, size: 0 };

    #[test]
    fn in_order_data_then_ack_has_no_gap() {
        let mut r = Reassembler::default();
        assert_eq!(r.data_sent(1, 100, EP), Gaps::default());
        assert_eq!(r.data_seq(), 101);
        assert_eq!(r.ack_received(101, None, EP), Gaps::default());
        assert!(!r.has_blocks());
    }

    #[test]
    fn ack_above_received_data_is_a_gap() {
        let mut r = Reassembler::default();
        r.data_sent(1, 100, EP);
        r.data_sent(201, 50, EP);
        assert_eq!(r.data_seq(), 101);
        let g = r.ack_received(251, None, EP);
        assert_eq!(g, Gaps { count: 1, bytes: 100 });
        assert_eq!(r.data_seq(), 251);
    }

    #[test]
    fn ack_of_unseen_data_is_a_gap() {
        let mut r = Reassembler::default();
        assert_eq!(r.ack_received(1001, None, EP), Gaps { count: 1, bytes: 1000 });
        // The FIN's octet is not missing data.
        let mut r = Reassembler::default();
        r.data_sent(1, 10, EP);
        assert_eq!(r.ack_received(12, Some(12), EP), Gaps::default());
    }

    #[test]
    fn overlapping_retransmission_fills_only_the_hole() {
        let mut r = Reassembler::default();
        r.data_sent(1, 10, EP);
        r.data_sent(21, 10, EP);
        r.data_sent(5, 20, EP);
        assert_eq!(r.data_seq(), 31);
        assert_eq!(r.data_size(), 30);
        assert_eq!(r.ack_received(31, None, EP), Gaps::default());
    }

    #[test]
    fn partial_connection_first_ack_is_not_a_gap() {
        let ep = EndpointView { partial: true, ..EP };
        let mut r = Reassembler::default();
        assert_eq!(r.ack_received(2, None, ep), Gaps::default());
    }
}
