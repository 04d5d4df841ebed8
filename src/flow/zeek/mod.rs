//! Zeek's view of one connection: `conn_state`, `history`, packet and IP
//! byte counts and `missed_bytes`, as Zeek's conn.log reports them.
//!
//! A pure state machine: the flow table finds the connection and calls
//! [`ZeekConn::packet`] once per packet, with [`PacketFacts`] saying which
//! side sent it (`is_orig`: the side whose packet created the entry). Time
//! comes only from the packets.
//!
//! Sources followed (zeek/zeek): the TCP state machine and history in
//! src/packet_analysis/protocol/tcp/{TCP.cc,TCPSessionAdapter.cc} and
//! src/analyzer/protocol/tcp/{TCP_Endpoint.cc,TCP_Reassembler.cc} (see
//! `tcp.rs`, `reassembly.rs`); history bookkeeping in src/session/Session.h
//! (`CheckHistory`, `ScaledHistoryEntry`) and src/Conn.cc (`FlipRoles` adds
//! '^'); UDP in src/packet_analysis/protocol/udp/{UDP.cc,UDPSessionAdapter.cc};
//! ICMP in src/packet_analysis/protocol/icmp/ICMP.cc; packet and byte counts
//! in src/analyzer/protocol/conn-size/ConnSize.cc; the `conn_state` rules in
//! scripts/base/protocols/conn/main.zeek.
//!
//! Not modelled: application analyzers (Zeek's DNS analyzer can flip a
//! connection, others add 'X' or skip data), and Zeek's timers beyond what
//! [`ZeekConn::expired`] approximates.

mod ports;
mod reassembly;
mod tcp;
#[cfg(test)]
mod tests;

pub use ports::ServerPorts;
pub use tcp::EndpointState;

use crate::dissect::{DecodeError, Fragment, Packet, Problem, Transport};
use tcp::TcpSession;

/// The transport Zeek keys and analyses the connection by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Proto {
    Tcp,
    Udp,
    Icmp,
    /// Any other IP protocol (Zeek's "unknown_transport").
    Other,
}

/// What the state machine needs from one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketFacts {
    /// Sent by the side that created the flow-table entry (not Zeek's
    /// originator after a flip: the state machine tracks that).
    pub is_orig: bool,
    pub ts_ns: i64,
    pub proto: Proto,
    /// `dissect::tcp_flags` bits; 0 for non-TCP.
    pub tcp_flags: u16,
    pub seq: u32,
    pub ack: u32,
    pub window: u16,
    /// Transport payload length on the wire (from the IP lengths).
    pub payload_len: u32,
    /// The transport checksum was verified and is wrong (leave false when
    /// checksums are ignored, Zeek's `-C`).
    pub checksum_bad: bool,
    /// The IP total length (Zeek's `num_bytes_ip` counts these).
    pub ip_len: u32,
    /// Source and destination port; for ICMP the type and its counterpart
    /// type, as Zeek keys ICMP (see [`icmp_counterpart`]). Used only by the
    /// first packet, for Zeek's port-based direction flip.
    pub sport: u16,
    pub dport: u16,
    /// The snaplen cut the payload: Zeek does not reassemble it.
    pub payload_truncated: bool,
    /// The TCP header (with options) was not all there: Zeek creates the
    /// connection but does not analyse or count the packet.
    pub header_truncated: bool,
}

impl PacketFacts {
    /// Facts for a dissected packet, or `None` when Zeek would not hand it
    /// to any connection: no IP, a fragment still being reassembled, a
    /// transport header shorter than Zeek's minimum (TCP 20, UDP 8, ICMP 8),
    /// an IP length beyond the frame's wire length, or a bad IPv4 header
    /// checksum (unless `ignore_checksums`, `-C`).
    ///
    /// `ts_ns` is the packet's time in nanoseconds (`sweep::ns`), which the
    /// caller has already worked out.
    ///
    /// Inlined into the flow table's per-packet path: the facts are built
    /// where they are used instead of being returned through memory.
    #[inline(always)]
    pub fn from_packet(p: &Packet<'_>, is_orig: bool, ignore_checksums: bool, ts_ns: i64) -> Option<PacketFacts> {
        let ip = p.ip.as_ref()?;
        if !ignore_checksums && ip.checksum_ok == Some(false) {
            return None; // bad_IP_checksum: dropped before the connection lookup
        }
        if matches!(p.error, Some(DecodeError { problem: Problem::IpLengthExceedsFrame { .. }, .. })) {
            // IPAnalyzer: a frame shorter on the wire than its IP length is
            // dropped ("truncated_IP_len"); a snaplen cut is not.
            return None;
        }
        let (ip_len, transport_captured) = match ip.fragment {
            Fragment::Held | Fragment::Dropped => return None,
            Fragment::Completed { len, .. } => (u32::from(ip.header_len).saturating_add(len), len),
            Fragment::None => (ip.total_len, (p.data.len() as u32).saturating_sub(p.transport_offset)),
        };
        let ip_payload = ip_len.saturating_sub(u32::from(ip.header_len));
        let bad = |ok: Option<bool>| !ignore_checksums && ok == Some(false);
        let mut f = PacketFacts {
            is_orig,
            ts_ns,
            proto: Proto::Other,
            tcp_flags: 0,
            seq: 0,
            ack: 0,
            window: 0,
            payload_len: 0,
            checksum_bad: false,
            ip_len,
            sport: 0,
            dport: 0,
            payload_truncated: false,
            header_truncated: false,
        };
        match &p.transport {
            Transport::Tcp(t) => {
                let hlen = u32::from(t.header_len);
                f.proto = Proto::Tcp;
                f.tcp_flags = t.flags;
                f.seq = t.seq;
                f.ack = t.ack;
                f.window = t.window;
                f.payload_len = t.payload_len;
                f.checksum_bad = bad(t.checksum_ok);
                f.sport = t.sport;
                f.dport = t.dport;
                f.header_truncated = transport_captured < hlen || ip_payload < hlen;
                f.payload_truncated = (p.payload.len() as u32) < t.payload_len;
            }
            Transport::Udp(u) => {
                f.proto = Proto::Udp;
                f.payload_len = ip_payload.saturating_sub(8);
                f.checksum_bad = bad(u.checksum_ok);
                f.sport = u.sport;
                f.dport = u.dport;
                f.payload_truncated = (p.payload.len() as u32) < f.payload_len;
            }
            Transport::Icmp(i) => {
                if transport_captured < 8 || ip_payload < 8 {
                    return None; // CheckHeaderTrunc(ICMP_MINLEN)
                }
                f.proto = Proto::Icmp;
                f.payload_len = ip_payload - 8;
                f.checksum_bad = bad(i.checksum_ok);
                f.sport = u16::from(i.icmp_type);
                f.dport = u16::from(icmp_counterpart(i.v6, i.icmp_type, i.code).0);
                f.payload_truncated = transport_captured < ip_payload;
            }
            Transport::Other(_) => f.payload_len = ip_payload,
            Transport::None => return None,
        }
        Some(f)
    }
}

/// Zeek's `ICMP4_counterpart` / `ICMP6_counterpart`: the type of the reply
/// (or request) that belongs to the same connection, and whether the message
/// is one-way (then the "counterpart" is the code, and Zeek does not
/// normalise the key's direction).
pub fn icmp_counterpart(v6: bool, icmp_type: u8, code: u8) -> (u8, bool) {
    let other = if v6 {
        match icmp_type {
            128 => 129,
            129 => 128,
            130 => 131,
            131 => 130,
            133 => 134,
            134 => 133,
            135 => 136,
            136 => 135,
            139 => 140,
            140 => 139,
            144 => 145,
            145 => 144,
            _ => return (code, true),
        }
    } else {
        match icmp_type {
            8 => 0,
            0 => 8,
            13 => 14,
            14 => 13,
            15 => 16,
            16 => 15,
            10 => 9,
            9 => 10,
            17 => 18,
            18 => 17,
            _ => return (code, true),
        }
    };
    (other, false)
}

/// The connection's history string and `hist_seen` bits (src/session/Session.h).
#[derive(Debug, Clone, Default)]
pub(super) struct Hist {
    text: String,
    seen: u32,
    /// Zeek's originator is the table's side 1.
    flipped: bool,
}

impl Hist {
    fn add(&mut self, c: char) {
        self.text.push(c);
    }

    /// Upper case for the originator, lower case for the responder.
    pub fn add_for(&mut self, is_orig: bool, upper: char) {
        self.add(if is_orig { upper } else { upper.to_ascii_lowercase() });
    }

    /// `CheckHistory`: adds the letter the first time `mask` is seen;
    /// returns whether it had been seen before.
    #[inline]
    fn check(&mut self, mask: u32, code: char) -> bool {
        if self.seen & mask == 0 {
            self.seen |= mask;
            self.add(code);
            false
        } else {
            true
        }
    }

    /// `TCP_Endpoint::CheckHistory`: the responder's bits sit 16 higher.
    #[inline]
    pub fn check_for(&mut self, is_orig: bool, mask: u32, upper: char) -> bool {
        if is_orig { self.check(mask, upper) } else { self.check(mask << 16, upper.to_ascii_lowercase()) }
    }

    /// `Connection::FlipRoles`. The `seen` bits stay where they are, as in Zeek.
    pub fn flip(&mut self) {
        self.flipped = !self.flipped;
        self.add('^');
    }

    pub fn orig_side(&self) -> usize {
        usize::from(self.flipped)
    }

    /// The history as it would read had the connection been flipped when
    /// created: '^' first, every earlier letter from the other role (case
    /// swapped, and the originator/responder halves of `seen` exchanged).
    pub fn flip_as_if_created_flipped(&mut self) {
        self.flipped = !self.flipped;
        let swapped: String = self
            .text
            .chars()
            .map(|c| if c.is_ascii_uppercase() { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() })
            .collect();
        self.text = format!("^{swapped}");
        self.seen = self.seen.rotate_left(16);
    }
}

/// `ScaledHistoryEntry` with base 10: true on the 1st, 10th, 100th... event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Scaled {
    count: u32,
    threshold: u32,
}

impl Default for Scaled {
    fn default() -> Self {
        Scaled { count: 0, threshold: 1 }
    }
}

impl Scaled {
    pub fn hit(&mut self) -> bool {
        self.count = self.count.wrapping_add(1);
        if self.count != self.threshold {
            return false;
        }
        match self.threshold.checked_mul(10) {
            Some(t) => self.threshold = t,
            None => self.count = 0, // wrap-around: keep the threshold
        }
        true
    }
}

// Inactivity timeouts (init-bare.zeek defaults), nanoseconds.
const UDP_INACTIVITY_TIMEOUT: i64 = 60_000_000_000;
const ICMP_INACTIVITY_TIMEOUT: i64 = 60_000_000_000;
const UNKNOWN_IP_INACTIVITY_TIMEOUT: i64 = 60_000_000_000;

/// Zeek's TCP session of a connection, or, until a second packet comes,
/// the one packet it has processed.
///
/// A connection that has seen one packet keeps that packet and what the
/// connection's row reads of the session after it, not the 368-byte
/// session: a SYN flood's (or a port scan's) connections never see a
/// second one. The second packet, or a question only the session can
/// answer, replays the first into a fresh session. The session's state
/// after its first packet depends on nothing but the packet, its side and
/// the originator's side (`Hist::orig_side`; the history's letters are
/// the connection's own, written when the packet came).
#[derive(Debug, Clone)]
enum Tcp {
    Lone(LoneTcp),
    Full(Box<TcpSession>),
}

#[derive(Debug, Clone)]
struct LoneTcp {
    /// The session's creation: the connection's first packet.
    t0: i64,
    /// The packet the session has had (its side is `is_orig`'s); none
    /// when the session was only created (the first packet's header was
    /// cut).
    first: Option<PacketFacts>,
    /// What conn.log reads of the session, by side: endpoint states and
    /// sizes, and missed bytes.
    states: [EndpointState; 2],
    sizes: [u64; 2],
    missed: u64,
}

impl LoneTcp {
    /// What to keep of session `t`, created at `t0`, after `first`.
    fn of(t0: i64, first: Option<PacketFacts>, t: &TcpSession) -> Self {
        LoneTcp {
            t0,
            first,
            states: [t.ep[0].state, t.ep[1].state],
            sizes: [t.size(0), t.size(1)],
            missed: t.missed_bytes,
        }
    }
}

/// One connection as Zeek sees it. Sides are the table's: side 0 sent the
/// packet that created the entry.
#[derive(Debug, Clone)]
pub struct ZeekConn {
    proto: Proto,
    server_ports: ServerPorts,
    hist: Hist,
    started: bool,
    /// `ConnSize_Analyzer`: packets and IP bytes by side.
    pkts: [u64; 2],
    ip_bytes: [u64; 2],
    tcp: Option<Tcp>,
    /// UDP/ICMP endpoint activity (`UDP_ACTIVE`), by Zeek role at the
    /// time of the packet (0 = originator): `UDPSessionAdapter` keeps its
    /// request/reply lengths through a later flip.
    active: [bool; 2],
    /// UDP bad-checksum history scaling, by side.
    udp_chk: [Scaled; 2],
    last_time: i64,
}

impl ZeekConn {
    /// A connection analysed as a plain `zeek -r` run would (base scripts'
    /// `likely_server_ports`).
    pub fn new(proto: Proto) -> Self {
        Self::with_server_ports(proto, ServerPorts::ZEEK_BASE)
    }

    /// With the `likely_server_ports` of another Zeek configuration.
    pub fn with_server_ports(proto: Proto, server_ports: ServerPorts) -> Self {
        ZeekConn {
            proto,
            server_ports,
            hist: Hist::default(),
            started: false,
            pkts: [0; 2],
            ip_bytes: [0; 2],
            tcp: None,
            active: [false; 2],
            udp_chk: [Scaled::default(); 2],
            last_time: 0,
        }
    }

    pub fn proto(&self) -> Proto {
        self.proto
    }

    /// Feeds one packet of this connection.
    pub fn packet(&mut self, f: &PacketFacts) {
        let side = usize::from(!f.is_orig);
        if !self.started {
            self.start(f);
        }
        match self.proto {
            Proto::Tcp => self.tcp_packet(f, side),
            Proto::Udp => self.udp_packet(f, side),
            Proto::Icmp => {
                // ICMP.cc: a bad checksum skips the packet, without history.
                if f.checksum_bad {
                    return;
                }
                self.last_time = f.ts_ns;
                self.active[usize::from(side != self.orig_side())] = true;
                // ConnSize only sees packets whose payload was captured whole.
                if !f.payload_truncated {
                    self.count(f, side);
                }
            }
            Proto::Other => {
                self.last_time = f.ts_ns;
                self.count(f, side);
            }
        }
    }

    /// `IPBasedAnalyzer::NewConn`: the first packet's sender is the
    /// originator unless `WantConnection` flips by `likely_server_ports`.
    fn start(&mut self, f: &PacketFacts) {
        self.started = true;
        self.last_time = f.ts_ns;
        let server = |port| self.server_ports.contains(self.proto, port);
        let (sport, dport) = (f.sport, f.dport);
        let flip = match self.proto {
            Proto::Tcp => {
                let syn = f.tcp_flags & crate::dissect::tcp_flags::SYN != 0;
                let ack = f.tcp_flags & crate::dissect::tcp_flags::ACK != 0;
                // A partial start (no SYN, or a SYN-ACK): guess the responder
                // by port. Both plausible: flip only a non-SYN towards a
                // higher port.
                (!syn || ack) && server(sport) && (!server(dport) || (!syn && sport < dport))
            }
            Proto::Udp => server(sport) && !server(dport),
            Proto::Icmp | Proto::Other => false,
        };
        if !f.is_orig {
            // Zeek's originator is this packet's sender, the table's side 1.
            self.hist.flipped = true;
        }
        if flip {
            self.hist.flip();
        }
        if self.proto == Proto::Tcp {
            self.tcp = Some(Tcp::Lone(LoneTcp::of(f.ts_ns, None, &TcpSession::new(f.ts_ns))));
        }
    }

    fn count(&mut self, f: &PacketFacts, side: usize) {
        self.pkts[side] = self.pkts[side].saturating_add(1);
        self.ip_bytes[side] = self.ip_bytes[side].saturating_add(u64::from(f.ip_len));
    }

    /// TCPAnalyzer::DeliverPacket: header check, checksum, state machine,
    /// then ConnSize (counted for the sender's role after any flip).
    ///
    /// A lone session is made full for the packet, and the session's first
    /// packet then kept instead of the session (see `Tcp`). Every packet
    /// goes through the one call of `process` below, the replay too (see
    /// `replayed`): with a second caller LLVM put it out of line, 50
    /// instructions a packet more.
    fn tcp_packet(&mut self, f: &PacketFacts, side: usize) {
        if f.header_truncated {
            return;
        }
        let first = if matches!(self.tcp, Some(Tcp::Lone(_))) { self.unlone() } else { None };
        let Some(Tcp::Full(tcp)) = &mut self.tcp else { return };
        if f.checksum_bad {
            tcp.checksum_error(&mut self.hist, side);
        } else {
            tcp.process(&mut self.hist, f, side);
            self.last_time = tcp.last_time;
            self.count(f, side);
        }
        if let Some(t0) = first {
            self.relone(t0, f);
        }
    }

    /// Makes a lone session full: a fresh one for the session's first
    /// packet (then its creation time, to keep that packet afterwards),
    /// else with the first packet replayed.
    #[cold]
    #[inline(never)]
    fn unlone(&mut self) -> Option<i64> {
        let Some(Tcp::Lone(lone)) = &self.tcp else { return None };
        let first = lone.first.is_none().then_some(lone.t0);
        self.make_full();
        first
    }

    /// The session's first packet kept instead of the session.
    #[cold]
    #[inline(never)]
    fn relone(&mut self, t0: i64, f: &PacketFacts) {
        if let Some(Tcp::Full(t)) = &self.tcp {
            self.tcp = Some(Tcp::Lone(LoneTcp::of(t0, Some(*f), t)));
        }
    }

    /// The session of `lone`, its first packet replayed through `packet`
    /// on a connection of its own: the state machine does not read the
    /// history but for the originator's side, which no first packet
    /// changes, and a flip makes the session full first (`make_full`).
    fn replayed(&self, lone: &LoneTcp) -> Box<TcpSession> {
        let mut scratch = ZeekConn::with_server_ports(Proto::Tcp, self.server_ports);
        scratch.started = true;
        scratch.hist.flipped = self.hist.flipped;
        scratch.tcp = Some(Tcp::Full(Box::new(TcpSession::new(lone.t0))));
        if let Some(f) = lone.first {
            scratch.packet(&f);
        }
        match scratch.tcp {
            Some(Tcp::Full(t)) => t,
            _ => Box::new(TcpSession::new(lone.t0)),
        }
    }

    /// The TCP session made full (its first packet replayed) if it was lone.
    fn make_full(&mut self) {
        if let Some(Tcp::Lone(lone)) = &self.tcp {
            self.tcp = Some(Tcp::Full(self.replayed(lone)));
        }
    }

    /// `f` on the TCP session, full or replayed for the question.
    fn with_session<R>(&self, f: impl FnOnce(&TcpSession) -> R) -> Option<R> {
        match &self.tcp {
            Some(Tcp::Full(t)) => Some(f(t)),
            Some(Tcp::Lone(lone)) => Some(f(&self.replayed(lone))),
            None => None,
        }
    }

    /// UDPAnalyzer::DeliverPacket.
    fn udp_packet(&mut self, f: &PacketFacts, side: usize) {
        let is_orig = side == self.hist.orig_side();
        if f.checksum_bad {
            if self.udp_chk[side].hit() {
                self.hist.add_for(is_orig, 'C');
            }
            return;
        }
        self.last_time = f.ts_ns;
        // UDP's hist_seen bits are fixed: 0x1 originator, 0x2 responder.
        if is_orig {
            self.hist.check(0x1, 'D');
        } else {
            self.hist.check(0x2, 'd');
        }
        self.active[usize::from(!is_orig)] = true;
        self.count(f, side);
    }

    fn orig_side(&self) -> usize {
        self.hist.orig_side()
    }

    /// `Connection::FlipRoles` requested by an application analyzer: Zeek's
    /// DNS analyzer does it when a connection's first DNS message is a
    /// response sent by the originator and the responder address is not
    /// multicast (DNS.cc `ParseMessage`); NTP and others have their own
    /// rules. Adds '^'; packet counts follow the endpoints.
    pub fn flip_roles(&mut self) {
        self.make_full();
        match &mut self.tcp {
            Some(Tcp::Full(t)) => t.flip_roles(&mut self.hist),
            _ => self.hist.flip(),
        }
    }

    /// Zeek's `history` ("" where conn.log prints "-").
    pub fn history(&self) -> String {
        self.hist.text.clone()
    }

    /// Zeek's `orig` and `resp` were swapped relative to the table's sides.
    pub fn flipped(&self) -> bool {
        self.hist.flipped
    }

    pub fn orig_pkts(&self) -> u64 {
        self.pkts[self.orig_side()]
    }

    pub fn resp_pkts(&self) -> u64 {
        self.pkts[1 - self.orig_side()]
    }

    pub fn orig_ip_bytes(&self) -> u64 {
        self.ip_bytes[self.orig_side()]
    }

    pub fn resp_ip_bytes(&self) -> u64 {
        self.ip_bytes[1 - self.orig_side()]
    }

    /// Bytes in content gaps (`content_gap` events), TCP only.
    pub fn missed_bytes(&self) -> u64 {
        match &self.tcp {
            Some(Tcp::Full(t)) => t.missed_bytes,
            Some(Tcp::Lone(lone)) => lone.missed,
            None => 0,
        }
    }

    /// TCP endpoint states of Zeek's originator and responder.
    pub fn tcp_states(&self) -> Option<(EndpointState, EndpointState)> {
        let o = self.orig_side();
        match &self.tcp {
            Some(Tcp::Full(t)) => Some((t.ep[o].state, t.ep[1 - o].state)),
            Some(Tcp::Lone(lone)) => Some((lone.states[o], lone.states[1 - o])),
            None => None,
        }
    }

    /// Zeek's `orig$size` / `resp$size` for TCP (payload bytes from the
    /// sequence numbers), used by the REJ rule.
    pub fn tcp_sizes(&self) -> Option<(u64, u64)> {
        let o = self.orig_side();
        match &self.tcp {
            Some(Tcp::Full(t)) => Some((t.size(o), t.size(1 - o))),
            Some(Tcp::Lone(lone)) => Some((lone.sizes[o], lone.sizes[1 - o])),
            None => None,
        }
    }

    /// `conn_state` by the rules of base/protocols/conn/main.zeek.
    pub fn conn_state(&self) -> &'static str {
        match self.proto {
            Proto::Tcp => match (self.tcp_states(), self.tcp_sizes()) {
                (Some((os, rs)), Some(sizes)) => tcp_conn_state(os, rs, sizes, &self.hist.text),
                _ => "OTH",
            },
            Proto::Udp => match (self.active[0], self.active[1]) {
                (true, true) => "SF",
                (true, false) => "S0",
                (false, true) => "SHR",
                (false, false) => "OTH",
            },
            Proto::Icmp | Proto::Other => "OTH",
        }
    }

    /// Whether a packet with these facts opens a new connection on the
    /// same 5-tuple (Zeek's `IsReuse`: a SYN with a new sequence number, or
    /// any SYN once a side has closed). Non-TCP connections are never reused.
    pub fn is_reuse(&self, f: &PacketFacts) -> bool {
        !f.header_truncated && self.with_session(|t| t.is_reuse(f, self.orig_side())).unwrap_or(false)
    }

    /// Whether Zeek would have removed the connection by `now_ns` (its
    /// close, attempt, expire and inactivity timers); the table should then
    /// report it and start a new one for the next packet.
    pub fn expired(&self, now_ns: i64) -> bool {
        if let Some(expired) = self.with_session(|t| t.expired(now_ns, self.orig_side())) {
            return expired;
        }
        match self.proto {
            Proto::Tcp => false,
            Proto::Udp => self.last_time.saturating_add(UDP_INACTIVITY_TIMEOUT) <= now_ns,
            Proto::Icmp => self.last_time.saturating_add(ICMP_INACTIVITY_TIMEOUT) <= now_ns,
            Proto::Other => self.last_time.saturating_add(UNKNOWN_IP_INACTIVITY_TIMEOUT) <= now_ns,
        }
    }
}

/// The TCP branch of `conn_state` in base/protocols/conn/main.zeek.
fn tcp_conn_state(os: EndpointState, rs: EndpointState, sizes: (u64, u64), history: &str) -> &'static str {
    use EndpointState::*;
    let o_inactive = matches!(os, Inactive | Partial);
    let r_inactive = matches!(rs, Inactive | Partial);
    if rs == Reset {
        if matches!(os, SynSent | SynAckSent) || (os == Reset && sizes == (0, 0)) {
            "REJ"
        } else if o_inactive {
            "RSTRH"
        } else {
            "RSTR"
        }
    } else if os == Reset {
        if r_inactive { if syn_then_rst(history) { "RSTOS0" } else { "OTH" } } else { "RSTO" }
    } else if rs == Closed && os == Closed {
        "SF"
    } else if os == Closed {
        if r_inactive { "SH" } else { "S2" }
    } else if rs == Closed {
        if o_inactive { "SHR" } else { "S3" }
    } else if os == SynSent && rs == Inactive {
        "S0"
    } else if os == Established && rs == Established {
        "S1"
    } else {
        "OTH"
    }
}

/// `/\^?S[^HAFGIQ]*R.*/ == history`: an originator SYN, then a RST before
/// any handshake, ACK, FIN, gap or odd flags from the originator.
fn syn_then_rst(history: &str) -> bool {
    let h = history.strip_prefix('^').unwrap_or(history);
    let Some(rest) = h.strip_prefix('S') else { return false };
    for c in rest.chars() {
        match c {
            'R' => return true,
            'H' | 'A' | 'F' | 'G' | 'I' | 'Q' => return false,
            _ => {}
        }
    }
    false
}
