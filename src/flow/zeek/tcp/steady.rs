//! The short path of Zeek's TCP machine (see [`TcpSession::process`]):
//! a packet of an established connection that neither side has begun to
//! close, with what `process_all` would do for it and nothing else.

use super::{EndpointState, Hist, ORIG, RESP, TOO_LARGE_SEQ_DELTA, TcpSession, mask, seq_delta};
use crate::dissect::tcp_flags as tf;
use crate::flow::zeek::PacketFacts;

impl TcpSession {
    /// A packet of an established connection that neither side has begun
    /// to close: an ACK without SYN, FIN or RST, its window open, both
    /// sides' first packets seen. For it, `process_all` starts nothing,
    /// flips nothing, changes no state and closes nothing (every EOF check
    /// needs a FIN or a closed or reset endpoint); what is left is the
    /// history's D or A, the sequence bookkeeping, the retransmission
    /// check and the reassemblers, here in the same order. Most packets of
    /// a transfer are such (a test compares the two paths on plausible
    /// connections). Returns false, having changed nothing, for any other
    /// packet.
    #[inline(always)]
    pub(super) fn steady(&mut self, h: &mut Hist, f: &PacketFacts, s: usize) -> bool {
        use EndpointState::Established;
        let p = 1 - s;
        if f.tcp_flags & (tf::SYN | tf::FIN | tf::RST | tf::ACK) != tf::ACK
            || f.window == 0
            || self.first_packet_seen != ORIG | RESP
            || self.ep[s].state != Established
            || self.ep[p].state != Established
            || self.ep[s].fin_cnt != 0
            || self.ep[p].fin_cnt != 0
        {
            return false;
        }
        let is_orig = s == h.orig_side();
        let len = f.payload_len;
        let data = len > 0 && !f.payload_truncated;
        let e = &self.ep[s];
        let (rel_seq, seq_underflow) = if data { e.relative_seq(f.seq, e.last_seq, e.seq_wraps) } else { (0, false) };
        if len > 0 {
            h.check_for(is_orig, mask::DATA, 'D');
        } else {
            h.check_for(is_orig, mask::ACK, 'A');
        }
        if !self.ep[0].did_close || !self.ep[1].did_close {
            self.last_time = f.ts_ns;
        }
        let mut rel_ack = 0;
        let q = &self.ep[p];
        let (r, ack_underflow) = q.relative_seq(f.ack, q.ack_seq, q.ack_wraps);
        if !ack_underflow {
            rel_ack = r;
            let d = seq_delta(f.ack, q.ack_seq);
            if !(f.ack == 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0 {
                self.ep[p].update_ack_seq(f.ack);
            }
        }
        let e = &mut self.ep[s];
        let last = f.seq.wrapping_add(len);
        if seq_delta(last, e.last_seq) > 0 {
            e.update_last_seq(last);
        } else if len > 0 && e.rxmt.hit() {
            h.add_for(is_orig, 'T');
        }
        e.active = true;
        if self.ep[p].reasm.ack_moves(rel_ack, None) {
            let view = self.view(p);
            let gaps = self.ep[p].reasm.ack_received(rel_ack, None, view);
            self.report_gaps(h, p, gaps);
        }
        if data && !seq_underflow {
            let view = self.view(s);
            let gaps = self.ep[s].reasm.data_sent(rel_seq, u64::from(len), view);
            self.report_gaps(h, s, gaps);
        }
        true
    }

    /// Whether [`TcpSession::steady`] takes the packet (it processes it too).
    #[cfg(test)]
    pub(in crate::flow::zeek) fn steady_for_test(&mut self, h: &mut Hist, f: &PacketFacts, s: usize) -> bool {
        self.steady(h, f, s)
    }
}
