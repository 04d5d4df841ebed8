//! Zeek's TCP endpoint state machine, per connection.
//!
//! A port of `TCPSessionAdapter::Process` and the `Update*State` functions
//! (src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc), the sequence
//! bookkeeping of `TCP_Endpoint` (src/analyzer/protocol/tcp/TCP_Endpoint.{h,cc})
//! and the close logic (`ConnectionClosed`, `EndpointEOF`, `IsReuse`). Weirds
//! and script events are left out: only what changes the endpoint states, the
//! history string, the gap count and the connection's lifetime is kept.
//!
//! Endpoints are indexed by the table's side (0 = the side whose packet
//! created the connection); `Hist::orig_side` says which side Zeek currently
//! calls the originator, so a flip never moves state around.

mod lifetime;
mod steady;

use super::reassembly::{EndpointView, Gaps, Reassembler};
use super::{Hist, PacketFacts, Scaled};
use crate::dissect::tcp_flags as tf;

/// `TOO_LARGE_SEQ_DELTA`: sequence jumps beyond this in SYNs and RSTs are
/// not trusted.
const TOO_LARGE_SEQ_DELTA: i32 = 1_048_576;

// Zeek's default timer values (init-bare.zeek), in nanoseconds.
const SEC: i64 = 1_000_000_000;
const TCP_CLOSE_DELAY: i64 = 5 * SEC;
const TCP_ATTEMPT_DELAY: i64 = 5 * SEC;
/// `TCPAnalyzer::MakeSessionAdapter` arms `udp_inactivity_timeout` until the
/// handshake completes.
const UDP_INACTIVITY_TIMEOUT: i64 = 60 * SEC;

/// `analyzer::tcp::EndpointState`, in Zeek's numbering (the `state` field
/// of a connection's `endpoint` record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndpointState {
    /// No packet seen from this side.
    #[default]
    Inactive = 0,
    /// SYN seen, no ACK.
    SynSent = 1,
    /// SYN-ACK seen without an initial SYN.
    SynAckSent = 2,
    /// Data seen without a SYN.
    Partial = 3,
    Established = 4,
    /// FIN seen.
    Closed = 5,
    /// RST seen.
    Reset = 6,
}

/// `TCP_Endpoint::HistoryMasks`; the responder's are shifted by 16 bits.
mod mask {
    pub const SYN: u32 = 0x1;
    pub const FIN: u32 = 0x2;
    pub const RST: u32 = 0x4;
    pub const FIN_RST: u32 = 0x8;
    pub const DATA: u32 = 0x10;
    pub const ACK: u32 = 0x20;
    pub const MULTI_FLAG: u32 = 0x40;
}

/// `first_packet_seen` bits, by Zeek role.
const ORIG: u8 = 1;
const RESP: u8 = 2;

#[derive(Debug, Clone, Copy)]
struct Flags(u16);

impl Flags {
    fn syn(self) -> bool {
        self.0 & tf::SYN != 0
    }
    fn fin(self) -> bool {
        self.0 & tf::FIN != 0
    }
    fn rst(self) -> bool {
        self.0 & tf::RST != 0
    }
    fn ack(self) -> bool {
        self.0 & tf::ACK != 0
    }
}

/// `seq_delta`: signed distance in the 32-bit sequence space.
fn seq_delta(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

fn full_seq(seq: u32, wraps: u32) -> u64 {
    (u64::from(wraps) << 32) | u64::from(seq)
}

/// One side of the connection (`TCP_Endpoint`).
#[derive(Debug, Clone, Default)]
pub(super) struct Endpoint {
    pub state: EndpointState,
    pub prev_state: EndpointState,
    /// Signed in Zeek to detect wrapping below the first sequence number.
    start_seq: i64,
    last_seq: u32,
    ack_seq: u32,
    seq_wraps: u32,
    ack_wraps: u32,
    fin_seq: u64,
    fin_cnt: u32,
    rst_cnt: u32,
    did_close: bool,
    /// `HasDoneSomething()`: a packet from this side was processed.
    active: bool,
    hist_last_syn: u64,
    hist_last_fin: u64,
    hist_last_rst: u64,
    pub chk: Scaled,
    rxmt: Scaled,
    win0: Scaled,
    gap: Scaled,
    reasm: Reassembler,
}

impl Endpoint {
    fn set_state(&mut self, s: EndpointState) {
        if s != self.state {
            self.prev_state = self.state;
            self.state = s;
        }
    }

    fn init_seqs(&mut self, start: u32, last: u32) {
        self.start_seq = i64::from(start);
        self.ack_seq = start;
        self.last_seq = last;
    }

    fn start_seq(&self) -> u32 {
        self.start_seq as u32
    }

    fn update_last_seq(&mut self, seq: u32) {
        if seq < self.last_seq {
            self.seq_wraps = self.seq_wraps.wrapping_add(1);
        }
        self.last_seq = seq;
    }

    fn update_ack_seq(&mut self, seq: u32) {
        if seq < self.ack_seq {
            self.ack_wraps = self.ack_wraps.wrapping_add(1);
        }
        self.ack_seq = seq;
    }

    /// `ToRelativeSeqSpace` (wrapping like Zeek's unsigned arithmetic).
    fn to_relative(&self, seq: u32, wraps: u32) -> u64 {
        full_seq(seq, wraps).wrapping_sub(self.start_seq as u64)
    }

    fn no_data_acked(&self) -> bool {
        let ack = full_seq(self.ack_seq, self.ack_wraps);
        let start = self.start_seq as u64;
        ack == start || ack == start.wrapping_add(1)
    }

    /// `TCP_Endpoint::Size()`: bytes sent, from the sequence numbers.
    fn size(&self, peer_state: EndpointState) -> u64 {
        if self.prev_state == EndpointState::SynSent
            && self.state == EndpointState::Reset
            && peer_state == EndpointState::Inactive
            && !self.no_data_acked()
        {
            return 0; // a half-open connection discovered and aborted
        }
        let last = full_seq(self.last_seq, self.seq_wraps);
        let ack = full_seq(self.ack_seq, self.ack_wraps);
        let mut size = last.max(ack).wrapping_sub(self.start_seq as u64);
        size = size.saturating_sub(1); // the SYN octet
        if self.fin_cnt > 0 && size != 0 {
            size -= 1; // the FIN octet
        }
        size
    }

    /// `get_relative_seq`: `cur` relative to this endpoint's start, and
    /// whether it lies before the start ("underflow").
    #[inline]
    fn relative_seq(&self, cur: u32, last: u32, mut wraps: u32) -> (u64, bool) {
        let delta = seq_delta(cur, last);
        if delta < 0 {
            if wraps > 0 && cur > last {
                wraps -= 1;
            }
        } else if delta > 0 && cur < last {
            wraps = wraps.wrapping_add(1);
        }
        if wraps == 0 {
            let d = seq_delta(cur, self.start_seq());
            return (i64::from(d) as u64, d < 0);
        }
        (self.to_relative(cur, wraps), false)
    }
}

/// `is_clean` in TCP_Reassembler.cc: gaps count only on established or
/// cleanly closing connections.
fn is_clean(e: &Endpoint) -> bool {
    e.state == EndpointState::Established
        || (e.state == EndpointState::Closed && e.prev_state == EndpointState::Established)
}

/// The TCP part of a connection (`TCPSessionAdapter` plus its endpoints).
#[derive(Debug, Clone)]
pub(super) struct TcpSession {
    pub ep: [Endpoint; 2],
    is_partial: bool,
    first_packet_seen: u8,
    close_deferred: bool,
    deferred_gen_event: bool,
    is_active: bool,
    pub missed_bytes: u64,
    /// The connection's `LastTime()` (stops moving once both sides closed).
    pub last_time: i64,
    /// When Zeek's delete timer removes the connection (close complete).
    delete_at: Option<i64>,
    /// `AttemptTimer`: set by the originator's first SYN.
    attempt_at: Option<i64>,
    inactivity_timeout: i64,
}

impl Default for TcpSession {
    fn default() -> Self {
        TcpSession {
            ep: Default::default(),
            is_partial: false,
            first_packet_seen: 0,
            close_deferred: false,
            deferred_gen_event: false,
            is_active: true,
            missed_bytes: 0,
            last_time: 0,
            delete_at: None,
            attempt_at: None,
            inactivity_timeout: UDP_INACTIVITY_TIMEOUT,
        }
    }
}

impl TcpSession {
    /// A session created at `t` (the connection's start and `LastTime`).
    pub fn new(t: i64) -> Self {
        TcpSession { last_time: t, ..Default::default() }
    }

    fn view(&self, s: usize) -> EndpointView {
        let e = &self.ep[s];
        EndpointView { partial: self.is_partial, no_data_acked: e.no_data_acked(), size: e.size(self.ep[1 - s].state) }
    }

    /// `Size()` of the endpoint on side `s`.
    pub fn size(&self, s: usize) -> u64 {
        self.ep[s].size(self.ep[1 - s].state)
    }

    /// One packet from side `s` whose checksum was accepted.
    #[inline(always)]
    pub fn process(&mut self, h: &mut Hist, f: &PacketFacts, s: usize) {
        if !self.steady(h, f, s) {
            self.process_all(h, f, s);
        }
    }

    /// [`TcpSession::process`] for any packet. Never inlined: it is the
    /// slow path, and inlined into `ZeekConn::packet` it made that function
    /// save and restore more registers on every packet.
    #[inline(never)]
    pub(super) fn process_all(&mut self, h: &mut Hist, f: &PacketFacts, s: usize) {
        let p = 1 - s;
        let flags = Flags(f.tcp_flags);
        let t = f.ts_ns;
        if self.only_syn_ack_seen(h)
            && !flags.syn()
            && !flags.fin()
            && !flags.rst()
            && (flags.ack() || f.payload_len > 0)
        {
            self.flip_after_syn_ack(h);
        }
        let is_orig = s == h.orig_side();
        let len = f.payload_len;
        self.set_partial_status(flags, is_orig);

        // get_segment_len: SYN and FIN take an octet; a RST's data is not
        // part of the stream.
        let seg_len = if flags.rst() { 0 } else { len }.wrapping_add(u32::from(flags.syn()) + u32::from(flags.fin()));
        let seq_one_past = f.seq.wrapping_add(seg_len);
        self.init_endpoint(s, flags, f.seq, seq_one_past, t);

        // The relative sequence number serves SYN, FIN and RST (history, the
        // FIN's place) and data the reassembler gets; most segments are
        // neither (pure ACKs, payloads cut by the snaplen).
        let e = &self.ep[s];
        let needs_rel = flags.syn() || flags.fin() || flags.rst() || (len > 0 && !f.payload_truncated);
        let (rel_seq, seq_underflow) =
            if needs_rel { e.relative_seq(f.seq, e.last_seq, e.seq_wraps) } else { (0, false) };
        update_history(h, &mut self.ep[s], is_orig, flags, rel_seq, len);

        // update_window: only the zero-window history matters here.
        if f.window == 0
            && !flags.rst()
            && self.ep[p].state != EndpointState::Closed
            && self.ep[s].state != EndpointState::Reset
            && self.ep[s].win0.hit()
        {
            h.add_for(is_orig, 'W');
        }

        if !self.ep[0].did_close || !self.ep[1].did_close {
            self.last_time = t;
        }
        if flags.syn() && self.ep[s].state == EndpointState::Inactive && is_orig && self.attempt_at.is_none() {
            // UpdateInactiveState arms the attempt timer on the orig's SYN.
            self.attempt_at = Some(t.saturating_add(TCP_ATTEMPT_DELAY));
        }
        if flags.fin() {
            self.ep[s].fin_cnt = self.ep[s].fin_cnt.saturating_add(1);
            self.ep[s].fin_seq = rel_seq.wrapping_add(u64::from(seg_len));
        }
        if flags.rst() {
            self.ep[s].rst_cnt = self.ep[s].rst_cnt.saturating_add(1);
        }

        let mut rel_ack = 0;
        if flags.ack() {
            if self.ep[p].state == EndpointState::Inactive {
                rel_ack = 1;
                // init_peer: number the peer as though its SYN was seen.
                let a = f.ack.wrapping_sub(1);
                self.ep[p].init_seqs(a, a);
            } else {
                let q = &self.ep[p];
                let (r, ack_underflow) = q.relative_seq(f.ack, q.ack_seq, q.ack_wraps);
                if !ack_underflow {
                    rel_ack = r;
                    if !flags.rst() {
                        // update_ack_seq; RST acks are not trusted.
                        let d = seq_delta(f.ack, self.ep[p].ack_seq);
                        if !(f.ack == 0 && d > TOO_LARGE_SEQ_DELTA) && d > 0 {
                            self.ep[p].update_ack_seq(f.ack);
                        }
                    }
                }
            }
        }

        let delta_last = self.update_last_seq(h, s, seq_one_past, flags, len);
        self.ep[s].active = true;

        let (do_close, gen_event) = self.update_state_machine(h, s, f, delta_last, is_orig, flags);

        if flags.ack() {
            // After the state machine, so that gaps revealed by a FIN or RST
            // see the closing states and are not flagged.
            let fin = (self.ep[p].fin_cnt > 0).then_some(self.ep[p].fin_seq);
            if self.ep[p].reasm.ack_moves(rel_ack, fin) {
                let view = self.view(p);
                let gaps = self.ep[p].reasm.ack_received(rel_ack, fin, view);
                self.report_gaps(h, p, gaps);
            }
            self.check_eof(h, p);
        }

        // CheckPIA_FirstPacket, with the role the packet arrived with.
        self.first_packet_seen |= if is_orig { ORIG } else { RESP };

        let rel_data_seq = if flags.syn() { rel_seq.wrapping_add(1) } else { rel_seq };
        if len > 0 && !flags.rst() && !seq_underflow && !f.payload_truncated {
            // TCP_Endpoint::DataSent: a payload cut by the snaplen never
            // reaches the reassembler (weird "truncated_tcp_payload").
            let view = self.view(s);
            let gaps = self.ep[s].reasm.data_sent(rel_data_seq, u64::from(len), view);
            self.report_gaps(h, s, gaps);
        }
        self.check_eof(h, s);
        if do_close {
            self.connection_closed(h, s, gen_event);
        }
    }

    /// Packet with a bad checksum: `TCP_Endpoint::ChecksumError`, nothing else.
    pub fn checksum_error(&mut self, h: &mut Hist, s: usize) {
        let is_orig = s == h.orig_side();
        if self.ep[s].chk.hit() {
            h.add_for(is_orig, 'C');
        }
    }

    fn set_partial_status(&mut self, flags: Flags, is_orig: bool) {
        if is_orig {
            if self.first_packet_seen & ORIG == 0 {
                self.is_partial = !flags.syn() || flags.ack();
            }
        } else if self.first_packet_seen & RESP == 0 && !self.is_partial {
            self.is_partial = !flags.syn();
        }
    }

    /// `init_endpoint`: first sequence numbers, and restarts on a new SYN.
    fn init_endpoint(&mut self, s: usize, flags: Flags, first: u32, last: u32, _t: i64) {
        let e = &mut self.ep[s];
        match e.state {
            EndpointState::Inactive => {
                if flags.syn() {
                    e.init_seqs(first, last);
                } else {
                    // Partial connection: number as though a SYN was seen,
                    // and do not mark the first packet as a retransmission.
                    e.init_seqs(first.wrapping_sub(1), first);
                }
            }
            EndpointState::SynSent | EndpointState::SynAckSent => {
                if flags.syn() && first != e.start_seq() {
                    e.init_seqs(first, last); // SYN_seq_jump
                }
            }
            EndpointState::Established | EndpointState::Partial => {
                if flags.syn() {
                    e.init_seqs(first, last);
                }
            }
            EndpointState::Reset => {
                if flags.syn() && e.prev_state == EndpointState::Inactive {
                    // The earlier RST may have been spoofed: start over.
                    e.init_seqs(first, last);
                }
            }
            EndpointState::Closed => {}
        }
    }

    /// `update_last_seq`; also where Zeek detects retransmissions ('T').
    /// Marked `#[inline]`, as `update_state_machine`: `process` is their one
    /// caller, once per packet, and the call cost more than this body.
    #[inline]
    fn update_last_seq(&mut self, h: &mut Hist, s: usize, last: u32, flags: Flags, len: u32) -> i32 {
        let is_orig = s == h.orig_side();
        let e = &mut self.ep[s];
        let delta = seq_delta(last, e.last_seq);
        if (flags.syn() || flags.rst()) && !(-TOO_LARGE_SEQ_DELTA..=TOO_LARGE_SEQ_DELTA).contains(&delta) {
            // outlandish SYN/RST sequence numbers are not trusted
        } else if flags.fin() && e.last_seq == e.start_seq().wrapping_add(1) {
            e.update_last_seq(last); // >2 GB connections seen only by SYN and FIN
        } else if e.state == EndpointState::Reset {
            // nothing after a RST is trusted
        } else if delta > 0 {
            e.update_last_seq(last);
        } else if len > 0 && e.rxmt.hit() {
            h.add_for(is_orig, 'T');
        }
        delta
    }

    // Always: its one caller is `process`, once per segment, and as a plain
    // hint LLVM kept the call (22 instructions a packet, callgrind).
    #[inline(always)]
    fn update_state_machine(
        &mut self,
        h: &mut Hist,
        s: usize,
        f: &PacketFacts,
        delta_last: i32,
        is_orig: bool,
        flags: Flags,
    ) -> (bool, bool) {
        match self.ep[s].state {
            EndpointState::Inactive => self.update_inactive(h, s, f, is_orig, flags),
            EndpointState::SynSent | EndpointState::SynAckSent => self.update_syn_sent(s, flags),
            EndpointState::Established | EndpointState::Partial => self.update_established(s, flags),
            EndpointState::Closed => self.update_closed(s, delta_last, flags),
            EndpointState::Reset => (false, false),
        }
    }

    /// `UpdateInactiveState`.
    fn update_inactive(
        &mut self,
        h: &mut Hist,
        s: usize,
        f: &PacketFacts,
        is_orig: bool,
        flags: Flags,
    ) -> (bool, bool) {
        use EndpointState::*;
        let p = 1 - s;
        let (mut do_close, mut gen_event) = (false, false);
        if flags.syn() {
            if is_orig {
                self.ep[s].set_state(if flags.ack() { SynAckSent } else { SynSent });
            } else {
                if !flags.ack() && self.ep[p].state == SynAckSent && f.seq == self.ep[s].start_seq() {
                    // SYN/SYN-ACK reversal (see IsReuse): flip the
                    // endpoints and establish the connection.
                    self.is_partial = false;
                    self.flip_roles(h);
                    self.ep[p].set_state(Established);
                    self.first_packet_seen |= ORIG; // SetFirstPacketSeen(true)
                }
                if self.ep[p].state == SynSent {
                    self.ep[p].set_state(Established);
                }
                self.ep[s].set_state(Established);
            }
        }
        if flags.fin() {
            self.ep[s].set_state(Closed);
            do_close = true;
            gen_event = true;
        }
        if flags.rst() {
            self.ep[s].set_state(Reset);
            let is_reject = if is_orig {
                // A SYN-ACK seen but no SYN: a reverse scan, rejected.
                self.ep[p].state == Established
            } else {
                matches!(self.ep[p].state, SynSent | SynAckSent)
            };
            do_close = true;
            gen_event = !is_reject;
        }
        if self.ep[s].state == Inactive {
            let orig = h.orig_side();
            if !is_orig && f.payload_len == 0 && self.ep[orig].state == SynSent {
                // Some TCPs ack an initial SYN before their SYN-ACK: that
                // ACK does not make a partial connection.
            } else if flags.ack() && self.ep[p].state == Established {
                // A SYN-ACK then a pure ACK: the initial SYN was missed.
                self.ep[s].set_state(Established);
                self.is_partial = false;
                self.first_packet_seen |= if is_orig { ORIG } else { RESP };
            } else {
                self.ep[s].set_state(Partial);
            }
        }
        (do_close, gen_event)
    }

    /// `UpdateSYN_SentState`.
    fn update_syn_sent(&mut self, s: usize, flags: Flags) -> (bool, bool) {
        let (mut do_close, mut gen_event) = (false, false);
        if flags.fin() {
            self.ep[s].set_state(EndpointState::Closed);
            do_close = true;
            gen_event = true;
        }
        if flags.rst() {
            self.ep[s].set_state(EndpointState::Reset);
            self.is_active = false; // ConnectionReset
            do_close = true;
        }
        (do_close, gen_event)
    }

    /// `UpdateEstablishedState`.
    fn update_established(&mut self, s: usize, flags: Flags) -> (bool, bool) {
        use EndpointState::*;
        let p = 1 - s;
        let (mut do_close, mut gen_event) = (false, false);
        if flags.syn() && self.ep[s].state == Partial && self.ep[p].state == Inactive && !flags.ack() {
            self.ep[s].set_state(SynSent); // SYN_after_partial
        }
        if flags.fin() && !flags.rst() {
            self.ep[s].set_state(Closed);
            if self.ep[p].state == Reset && self.ep[p].prev_state == Closed {
                // The peer's FIN then RST was a normal termination.
                self.ep[p].set_state(Closed);
            }
            do_close = true;
            gen_event = true;
        }
        if flags.rst() {
            self.ep[s].set_state(Reset);
            do_close = true;
            if self.ep[p].state != Reset || self.ep[p].prev_state != Established {
                self.is_active = false; // ConnectionReset
            }
        }
        (do_close, gen_event)
    }

    /// `UpdateClosedState`: a RST after our FIN counts unless the peer
    /// closed too.
    fn update_closed(&mut self, s: usize, _delta_last: i32, flags: Flags) -> (bool, bool) {
        let mut do_close = false;
        if flags.rst() && self.ep[1 - s].state != EndpointState::Closed {
            self.ep[s].set_state(EndpointState::Reset);
            if !self.ep[s].did_close {
                do_close = true;
            }
        }
        (do_close, false)
    }

    /// Only SYN-ACKs from Zeek's originator so far (the connection began
    /// with a SYN-ACK that the port heuristic did not flip).
    fn only_syn_ack_seen(&self, h: &Hist) -> bool {
        let o = h.orig_side();
        self.ep[o].state == EndpointState::SynAckSent && self.ep[1 - o].state == EndpointState::Inactive
    }

    /// Zeek PR #2191: a connection that began with a SYN-ACK is flipped when
    /// an ACK or data segment follows (a stealth scan gets a RST or nothing).
    /// Zeek's baselines show the result as if the flip had happened when the
    /// connection was created: core.tcp.flip-without-syn logs "^hADadFf"
    /// (the SYN-ACK recorded as the responder's 'h' after the '^'), and
    /// core.tcp.truncated-header reports the new originator from that next
    /// packet on. So the history so far is re-recorded with the roles
    /// swapped, and the SYN-ACK's sender takes the state a responder's
    /// SYN-ACK gives (`UpdateInactiveState`: established, not partial).
    fn flip_after_syn_ack(&mut self, h: &mut Hist) {
        let sender = h.orig_side();
        h.flip_as_if_created_flipped();
        let e = &mut self.ep[sender];
        e.state = EndpointState::Established;
        e.prev_state = EndpointState::Inactive;
        self.is_partial = false;
        self.first_packet_seen = RESP;
        self.attempt_at = None;
    }

    /// `Connection::FlipRoles` + `TCPSessionAdapter::FlipRoles`.
    pub fn flip_roles(&mut self, h: &mut Hist) {
        h.flip();
        let fps = self.first_packet_seen;
        self.first_packet_seen = (if fps & ORIG != 0 { RESP } else { 0 }) | (if fps & RESP != 0 { ORIG } else { 0 });
        self.is_partial = false;
    }

    /// `TCP_Reassembler::Gap` for each hole found: a scaled 'G' and the
    /// `content_gap` event behind `missed_bytes`, both only when both
    /// sides are established or cleanly closing (report_gaps_for_partial=F).
    fn report_gaps(&mut self, h: &mut Hist, s: usize, gaps: Gaps) {
        if gaps.count == 0 || !(is_clean(&self.ep[0]) && is_clean(&self.ep[1])) {
            return;
        }
        let is_orig = s == h.orig_side();
        for _ in 0..gaps.count {
            if self.ep[s].gap.hit() {
                h.add_for(is_orig, 'G');
            }
        }
        self.missed_bytes = self.missed_bytes.saturating_add(gaps.bytes);
    }

    /// `TCP_Reassembler::DataPending` for side `s`.
    fn data_pending(&self, s: usize) -> bool {
        let e = &self.ep[s];
        if e.reasm.skipping() {
            return false;
        }
        let delivered = (e.start_seq as u64).wrapping_add(e.reasm.data_seq());
        let last = full_seq(e.last_seq, e.seq_wraps);
        if last < delivered {
            return false;
        }
        if delivered != last.wrapping_sub(1) && delivered != last {
            return true;
        }
        e.state != EndpointState::Reset && self.ep[1 - s].reasm.has_blocks()
    }

    /// `TCP_Reassembler::CheckEOF` and `TCPSessionAdapter::EndpointEOF`.
    fn check_eof(&mut self, h: &mut Hist, s: usize) {
        let e = &self.ep[s];
        if e.reasm.did_eof
            || !(e.fin_cnt > 0 || matches!(e.state, EndpointState::Closed | EndpointState::Reset))
            || self.data_pending(s)
        {
            return;
        }
        self.ep[s].reasm.did_eof = true;
        if self.close_deferred {
            let gen_event = self.deferred_gen_event;
            self.connection_closed(h, s, gen_event);
            self.close_deferred = false;
        }
    }

    /// `TCPSessionAdapter::ConnectionClosed`.
    fn connection_closed(&mut self, _h: &mut Hist, s: usize, gen_event: bool) {
        let p = 1 - s;
        if self.data_pending(s) {
            self.close_deferred = true;
            if !self.deferred_gen_event {
                self.deferred_gen_event = gen_event;
            }
            return;
        }
        self.close_deferred = false;
        if self.ep[s].did_close {
            return;
        }
        self.ep[s].did_close = true;
        let close_complete = self.ep[s].state == EndpointState::Reset
            || self.ep[p].did_close
            || self.ep[p].state == EndpointState::Inactive;
        if close_complete {
            if (self.ep[s].prev_state != EndpointState::Inactive || self.ep[p].state != EndpointState::Inactive)
                && (gen_event || self.deferred_gen_event)
            {
                self.is_active = false; // ConnectionFinished
            }
            self.deferred_gen_event = false;
            // CancelTimers, then the delete timer at LastTime + tcp_close_delay.
            self.attempt_at = None;
            self.delete_at = Some(self.last_time.saturating_add(TCP_CLOSE_DELAY));
        }
    }
}

/// `update_history`: S/H/F/R once per sequence number, D and A once,
/// I for FIN+RST, Q for other multi-flag packets.
fn update_history(h: &mut Hist, e: &mut Endpoint, is_orig: bool, flags: Flags, rel_seq: u64, len: u32) {
    let bits = u32::from(flags.syn()) + u32::from(flags.fin()) + u32::from(flags.rst());
    if bits > 1 {
        if flags.fin() && flags.rst() {
            h.check_for(is_orig, mask::FIN_RST, 'I');
        } else {
            h.check_for(is_orig, mask::MULTI_FLAG, 'Q');
        }
    } else if bits == 1 {
        if flags.syn() {
            let code = if flags.ack() { 'H' } else { 'S' };
            if h.check_for(is_orig, mask::SYN, code) && rel_seq != e.hist_last_syn {
                h.add_for(is_orig, code);
            }
            e.hist_last_syn = rel_seq;
        }
        if flags.fin() {
            // A FIN's sequence number is after the packet's data.
            let fin = rel_seq.wrapping_add(u64::from(len));
            if h.check_for(is_orig, mask::FIN, 'F') && fin != e.hist_last_fin {
                h.add_for(is_orig, 'F');
            }
            e.hist_last_fin = fin;
        }
        if flags.rst() {
            if h.check_for(is_orig, mask::RST, 'R') && rel_seq != e.hist_last_rst {
                h.add_for(is_orig, 'R');
            }
            e.hist_last_rst = rel_seq;
        }
    } else if len > 0 {
        h.check_for(is_orig, mask::DATA, 'D');
    } else if flags.ack() {
        h.check_for(is_orig, mask::ACK, 'A');
    }
}
