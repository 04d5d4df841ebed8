//! The flow table: packets grouped into bidirectional conversations.
//!
//! A flow is keyed by protocol, the outer VLAN ids and the two endpoints
//! (address, port), order-independent. ICMP echo request and reply share a
//! flow keyed by the echo identifier; other ICMP messages are keyed by type
//! and code, as Zeek keys them.
//!
//! The originator follows Zeek's rule: the sender of the first SYN, else the
//! sender of the first packet; a SYN-ACK seen first makes its receiver the
//! originator (the flow is "flipped"). A SYN that is not an answer, arriving
//! on a TCP flow that has closed (FIN both ways, or RST), starts a new flow,
//! as tshark starts a new `tcp.stream`.
//!
//! Memory follows the active flows: idle flows are finished after the
//! protocol's inactivity timeout (Zeek's defaults: 5 min TCP, 1 min UDP and
//! ICMP) measured in packet time, and `max_flows` caps the table by
//! finishing the least recently seen flows first; evictions are counted.
//! Finished flows are handed to the caller as they end.

use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hashbrown::HashTable;

use crate::capture::Timestamp;
use crate::dissect::quick::Tuple;
use crate::dissect::{Packet, Transport, tcp_flags};
use crate::flow::sweep::{SweepClock, ns};
use crate::flow::tcp::{Analysis, Dir, Segment, TcpConn};
use crate::flow::zeek::{PacketFacts, ZeekConn};

/// Zeek's default inactivity timeouts (base/init-bare.zeek).
pub const TCP_IDLE_NS: i64 = 300 * 1_000_000_000;
pub const UDP_IDLE_NS: i64 = 60 * 1_000_000_000;
pub const ICMP_IDLE_NS: i64 = 60 * 1_000_000_000;

/// The map key of a flow: protocol, outer VLAN ids and the two endpoints,
/// in a canonical order so that both directions give the same key.
///
/// Kept as three 128-bit words rather than `IpAddr`s: the flow map hashes
/// and compares one per packet, and `IpAddr`'s derived `Hash` and `Ord` go
/// field by field through its enum (eleven hasher calls, and a compare
/// function call to order the endpoints). Every field goes in whole, so
/// distinct flows never share a key or a hash input: a collision is left to
/// the seeded hash (see `FastMap`), never built into the key.
#[derive(Debug, Clone, Copy, Eq)]
pub struct FlowKey {
    /// The lower endpoint's address, then the higher one's.
    lo: u128,
    hi: u128,
    /// Protocol, the two address families, both VLAN ids and both ports.
    rest: u128,
}

/// Compared in 64-bit words, as a key just built is stored. The derived
/// comparison (and a plain chain of word compares, which LLVM merges) loads
/// 128 bits at a time, and a load that spans two pending 64-bit stores waits
/// for both to reach the cache: store forwarding fails, about 15 cycles per
/// lookup (perf: half the samples of the reader's owner lookup). Each
/// word's difference is rotated by its own amount before they are or-ed, so
/// that they are not combined into 128-bit operations; a rotation is zero
/// only when its word is, so the result is equality all the same.
impl PartialEq for FlowKey {
    #[inline]
    fn eq(&self, o: &FlowKey) -> bool {
        let words = |k: &FlowKey| {
            [k.lo as u64, (k.lo >> 64) as u64, k.hi as u64, (k.hi >> 64) as u64, k.rest as u64, (k.rest >> 64) as u64]
        };
        let (a, b) = (words(self), words(o));
        let d = (a[0] ^ b[0])
            | (a[1] ^ b[1]).rotate_left(11)
            | (a[2] ^ b[2]).rotate_left(22)
            | (a[3] ^ b[3]).rotate_left(33)
            | (a[4] ^ b[4]).rotate_left(44)
            | (a[5] ^ b[5]).rotate_left(55);
        d == 0
    }
}

/// The derived hash, written out because `PartialEq` is: the same fields
/// in the same order, so keys equal by words hash alike.
impl std::hash::Hash for FlowKey {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.lo.hash(h);
        self.hi.hash(h);
        self.rest.hash(h);
    }
}

impl FlowKey {
    #[inline]
    pub fn new(proto: u8, vlan: [u16; 2], src: Endpoint, dst: Endpoint) -> FlowKey {
        Self::oriented(proto, vlan, src, dst).0
    }

    /// The key, and whether `src` is its lower endpoint: a packet's side
    /// in its flow is this bit against the originator's, no comparison of
    /// addresses (see [`Flow::side_of`]).
    #[inline]
    pub fn oriented(proto: u8, vlan: [u16; 2], src: Endpoint, dst: Endpoint) -> (FlowKey, bool) {
        let (a, b) = (key_part(&src), key_part(&dst));
        // Any total order works, as long as it is the same both ways.
        // The tuples' order, with the addresses alone deciding unless equal
        // (as they nearly always are not): one 128-bit compare.
        let a_first = if a.0 != b.0 { a.0 < b.0 } else { (a.1, a.2) <= (b.1, b.2) };
        let ((lo, lo_v6, lo_port), (hi, hi_v6, hi_port)) = if a_first { (a, b) } else { (b, a) };
        let rest = u128::from(proto)
            | u128::from(lo_v6) << 8
            | u128::from(hi_v6) << 9
            | u128::from(vlan[0]) << 16
            | u128::from(vlan[1]) << 32
            | u128::from(lo_port) << 48
            | u128::from(hi_port) << 64;
        (FlowKey { lo, hi, rest }, a_first)
    }

    /// The protocol, as `oriented` was given it.
    #[inline]
    pub fn proto(&self) -> u8 {
        self.rest as u8
    }

    /// The VLAN ids.
    pub fn vlan(&self) -> [u16; 2] {
        [(self.rest >> 16) as u16, (self.rest >> 32) as u16]
    }

    /// The lower endpoint, as `oriented` was given it.
    pub fn lo(&self) -> Endpoint {
        endpoint(self.lo, self.rest >> 8 & 1 == 1, (self.rest >> 48) as u16)
    }

    /// The higher endpoint.
    pub fn hi(&self) -> Endpoint {
        endpoint(self.hi, self.rest >> 9 & 1 == 1, (self.rest >> 64) as u16)
    }

    /// Both endpoints are the same (address, family and port): a packet
    /// from one to the other cannot tell its side by them.
    fn same_ends(&self) -> bool {
        self.lo == self.hi
            && self.rest >> 8 & 1 == self.rest >> 9 & 1
            && self.rest >> 48 & 0xffff == self.rest >> 64 & 0xffff
    }

    /// A cheap spread of the key over `bits` bits (at most 64), for small
    /// direct-mapped caches in front of a map: the words folded together
    /// and multiplied by a constant of the golden ratio (Fibonacci
    /// hashing). Not a hash to key a map with: it is unseeded.
    #[inline]
    pub fn spread(&self, bits: u32) -> usize {
        let x = self.lo ^ self.hi.rotate_left(17) ^ self.rest.rotate_left(41);
        let x = (x as u64) ^ ((x >> 64) as u64);
        (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits.clamp(1, 64))) as usize
    }
}

/// An endpoint as numbers: the address, its family apart (so that an IPv4
/// address and the IPv6 address with the same low bits stay distinct), the port.
fn key_part(e: &Endpoint) -> (u128, bool, u16) {
    match e.0 {
        IpAddr::V4(v4) => (u128::from(v4.to_bits()), false, e.1),
        IpAddr::V6(v6) => (v6.to_bits(), true, e.1),
    }
}

/// `key_part` backwards.
fn endpoint(addr: u128, v6: bool, port: u16) -> Endpoint {
    let ip = if v6 { IpAddr::V6(Ipv6Addr::from_bits(addr)) } else { IpAddr::V4(Ipv4Addr::from_bits(addr as u32)) };
    (ip, port)
}

/// Which side sent a packet, relative to the flow's originator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Orig,
    Resp,
}

impl Side {
    pub fn index(self) -> usize {
        match self {
            Side::Orig => 0,
            Side::Resp => 1,
        }
    }
}

/// Per-direction counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirStats {
    pub packets: u64,
    /// Frame lengths on the wire, as `tshark -z conv` counts bytes.
    pub frame_bytes: u64,
    /// IP total lengths, as Zeek's *_ip_bytes.
    pub ip_bytes: u64,
    /// Transport payload bytes on the wire.
    pub payload_bytes: u64,
}

/// Per-flow TCP facts the table itself needs (open/closed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpFlags {
    pub syn: [bool; 2],
    pub fin: [bool; 2],
    pub rst: [bool; 2],
}

#[derive(Debug, Clone)]
pub struct Flow {
    /// Sequential id in order of first packet, from 1.
    pub id: u64,
    /// The flow's key, which holds the protocol, the VLAN ids and both
    /// endpoints (`orig` and `resp` say which is which): the table finds
    /// flows by it, and the flow keeps no second copy of any of them.
    pub key: FlowKey,
    /// The originator is the key's lower endpoint.
    orig_is_lo: bool,
    /// Both endpoints are the same (see `FlowKey::same_ends`), known
    /// once: asked of the key, every packet of the responder's paid for it.
    same_ends: bool,
    pub flipped: bool,
    pub first_frame: u64,
    pub last_frame: u64,
    pub start: Timestamp,
    pub last: Timestamp,
    /// `last` in nanoseconds (`sweep::ns`), for the idle test every packet
    /// makes: kept as `last` moves, from the packet's time the table has
    /// already converted.
    last_ns: i64,
    /// Which of the table's idle limits is the flow's (by its protocol;
    /// see [`FlowTable::idle_limits`]), set when it starts: asked every
    /// packet, worked out from the rule and the protocol it cost about 12
    /// instructions. (A byte: the flow's size stays where it was.)
    idle_class: u8,
    pub dirs: [DirStats; 2],
    pub tcp: TcpFlags,
    /// ICMP type and code of the flow's first message.
    pub icmp: Option<(u8, u8)>,
    /// The side that sent the flow's first packet: the TCP analysis's
    /// forward direction and Zeek's "orig" before any flip.
    pub first_side: Side,
    /// TCP analysis (tshark's rules), for TCP flows.
    pub tcp_conn: Option<TcpConn>,
    /// Zeek's conn_state and history.
    pub zeek: Option<Box<ZeekConn>>,
    /// Names that earlier DNS answers gave the two addresses (orig, resp),
    /// as Zeek and rustnet put names on connections.
    pub names: [Option<std::sync::Arc<str>>; 2],
}

impl Flow {
    /// The IP protocol number.
    #[inline]
    pub fn proto(&self) -> u8 {
        self.key.proto()
    }

    /// The two outer VLAN ids (0 where there is no tag).
    pub fn vlan(&self) -> [u16; 2] {
        self.key.vlan()
    }

    /// The originator's address and port (ICMP: see `endpoints`).
    pub fn orig(&self) -> Endpoint {
        if self.orig_is_lo { self.key.lo() } else { self.key.hi() }
    }

    /// The responder's.
    pub fn resp(&self) -> Endpoint {
        if self.orig_is_lo { self.key.hi() } else { self.key.lo() }
    }

    /// The side of a packet of this flow whose source is the key's lower
    /// endpoint when `src_is_lo` (from [`FlowKey::oriented`]). A packet
    /// between two equal endpoints is the originator's.
    #[inline]
    fn side_of(&self, src_is_lo: bool) -> Side {
        if src_is_lo == self.orig_is_lo || self.same_ends { Side::Orig } else { Side::Resp }
    }

    pub fn is_closed(&self) -> bool {
        self.tcp.rst.iter().any(|&r| r) || self.tcp.fin.iter().all(|&f| f)
    }
}

/// Inactivity rule: Zeek's per-protocol defaults, one timeout for all, or
/// never (tshark's streams have no timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Idle {
    #[default]
    ZeekDefaults,
    After(i64),
    Never,
}

/// A flow's class of idle limit: TCP, UDP, anything else (Zeek's
/// defaults differ by protocol: [`TCP_IDLE_NS`] and the others).
fn idle_class(proto: u8) -> u8 {
    match proto {
        6 => 0,
        17 => 1,
        _ => 2,
    }
}

/// How long a flow of each [`idle_class`] may be quiet under `idle`
/// (`i64::MAX`: forever).
fn idle_limits(idle: Idle) -> [i64; 3] {
    match idle {
        Idle::ZeekDefaults => [TCP_IDLE_NS, UDP_IDLE_NS, ICMP_IDLE_NS],
        Idle::After(ns) => [ns; 3],
        Idle::Never => [i64::MAX; 3],
    }
}

/// Why a flow ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// Still active when the capture ended.
    EndOfCapture,
    /// No packet for longer than the inactivity timeout.
    Idle,
    /// A new SYN reused the 5-tuple after the connection closed.
    Reused,
    /// Evicted to respect `max_flows`.
    Evicted,
    /// A TCP connection closed (FIN both ways, or RST) and then quiet: how a
    /// live view reports it while it waits in the table for its idle timeout.
    /// The table itself never ends a flow for this reason.
    Closed,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TableStats {
    pub flows: u64,
    pub evicted: u64,
    pub expired: u64,
    /// Packets that belong to no flow (not IP, or IP without ports we key on).
    pub unflowed_packets: u64,
    pub peak_active: u64,
}

impl TableStats {
    /// Adds another table's totals (tables holding parts of the flows).
    /// The peaks add up to an upper bound: they need not coincide.
    pub fn add(&mut self, o: &TableStats) {
        self.flows += o.flows;
        self.evicted += o.evicted;
        self.expired += o.expired;
        self.unflowed_packets += o.unflowed_packets;
        self.peak_active += o.peak_active;
    }
}

/// What `FlowTable::packet` tells the caller about a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub slot: usize,
    /// The flow's id.
    pub id: u64,
    pub side: Side,
    /// The packet opened this flow.
    pub new: bool,
    /// The segment was analysed (TCP flows): [`FlowTable::analysis`] has it.
    pub analysed: bool,
}

/// The analysis view of a TCP segment; `ts_ns` is the packet's time.
fn segment<'a>(p: &'a Packet<'_>, ts_ns: i64) -> Option<Segment<'a>> {
    let t = p.tcp()?;
    Some(Segment {
        frame: p.number,
        ts_ns,
        seq: t.seq,
        ack: t.ack,
        flags: t.flags,
        window: t.window,
        payload_len: t.payload_len,
        sack: &t.options.sack[..usize::from(t.options.sack_count)],
        wscale: t.options.wscale,
        has_timestamps: t.options.timestamp.is_some(),
    })
}

pub struct FlowTable {
    /// The live slots, found by the key their slot holds. A map from keys
    /// to slots kept a second copy of every key: 56 bytes a bucket instead
    /// of 8, and when tombstones made it grow, old and new buckets together
    /// were 25 MB of a SYN flood's 84 MB peak with `--max-flows 100000`.
    map: HashTable<usize>,
    /// Seeded per table, as `FastMap`'s (see there why it must be).
    hasher: foldhash::fast::RandomState,
    slots: Vec<Option<Flow>>,
    free: Vec<usize>,
    next_id: u64,
    max_flows: usize,
    idle: Idle,
    /// Zeek's `-C`: do not drop packets with bad checksums.
    ignore_checksums: bool,
    sweeps: SweepClock,
    /// The idle limit of each [`idle_class`], by `idle`.
    idle_limits: [i64; 3],
    /// The slot of the last packet's flow: most packets are of the same flow
    /// as the one before (86 % in the benchmark's capture), and this saves
    /// them the key, the hash and the probe. Valid while `last_tuple` is.
    last: usize,
    /// The tuple of a packet of the flow in `last`, and whether its source
    /// is the key's lower end; `None` once that slot is freed. A packet
    /// with the same tuple, or its mirror, is of that flow, on the same side
    /// or the other; a packet with any other tuple has another key, so the
    /// flow in `last` is never its own.
    last_tuple: Option<(Tuple, bool)>,
    /// The TCP analysis of the last packet, when [`Placement::analysed`].
    /// Kept here, not in the `Placement`: returned with it, its 216 bytes
    /// were copied once per packet that most callers (`flows`) never read.
    analysis: Analysis,
    pub stats: TableStats,
}

/// An address and port (ICMP: echo id, or type and code).
pub type Endpoint = (IpAddr, u16);

/// The endpoints and protocol a packet is keyed on, or `None` when it
/// belongs to no flow (non-IP, or a fragment still held for reassembly).
/// Inlined: its result goes through memory otherwise, once per packet.
#[inline(always)]
pub fn endpoints(p: &Packet<'_>) -> Option<(u8, Endpoint, Endpoint)> {
    let ip = p.ip.as_ref()?;
    if matches!(ip.fragment, crate::dissect::Fragment::Held | crate::dissect::Fragment::Dropped) {
        return None;
    }
    let (sport, dport) = match &p.transport {
        Transport::Tcp(t) => (t.sport, t.dport),
        Transport::Udp(u) => (u.sport, u.dport),
        // Zeek's ICMP "ports": the type, and the type of the message that
        // answers it (echo request/reply, NS/NA...), so both directions share
        // a flow; one-way messages (errors) pair the type with the code.
        Transport::Icmp(i) => {
            let (other, _one_way) = crate::flow::zeek::icmp_counterpart(i.v6, i.icmp_type, i.code);
            (u16::from(i.icmp_type), u16::from(other))
        }
        Transport::Other(_) => (0, 0),
        Transport::None => return None,
    };
    Some((ip.proto, (ip.src, sport), (ip.dst, dport)))
}

/// The two outer VLAN ids a flow is keyed on (0 where there is no tag).
#[inline]
fn vlan_ids(p: &Packet<'_>) -> [u16; 2] {
    let mut vlan = [0u16; 2];
    for (v, id) in vlan.iter_mut().zip(p.vlans.ids()) {
        *v = id;
    }
    vlan
}

/// The key of the flow a packet belongs to, or `None` (see [`endpoints`]).
pub fn key_of(p: &Packet<'_>) -> Option<FlowKey> {
    let (proto, src, dst) = endpoints(p)?;
    Some(FlowKey::new(proto, vlan_ids(p), src, dst))
}

impl FlowTable {
    /// `max_flows` of 0 means unlimited.
    pub fn new(max_flows: usize) -> Self {
        FlowTable {
            map: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
            slots: Vec::new(),
            free: Vec::new(),
            next_id: 1,
            max_flows,
            idle: Idle::ZeekDefaults,
            ignore_checksums: false,
            sweeps: SweepClock::default(),
            idle_limits: idle_limits(Idle::ZeekDefaults),
            last: 0,
            last_tuple: None,
            analysis: Analysis::default(),
            stats: TableStats::default(),
        }
    }

    /// Zeek's `-C`: count packets with bad checksums instead of dropping
    /// them from its state machine (captures on a host with checksum
    /// offload have nothing but bad checksums).
    pub fn ignore_checksums(mut self, yes: bool) -> Self {
        self.ignore_checksums = yes;
        self
    }

    pub fn with_idle(mut self, idle: Idle) -> Self {
        self.idle = idle;
        self.idle_limits = idle_limits(idle);
        self
    }

    fn is_idle(&self, f: &Flow, now: i64) -> bool {
        now.saturating_sub(f.last_ns) > self.idle_limits[usize::from(f.idle_class)]
    }

    pub fn get(&self, slot: usize) -> Option<&Flow> {
        self.slots.get(slot)?.as_ref()
    }

    pub fn get_mut(&mut self, slot: usize) -> Option<&mut Flow> {
        self.slots.get_mut(slot)?.as_mut()
    }

    pub fn active(&self) -> usize {
        self.map.len()
    }

    /// The active flows, in no particular order.
    pub fn flows(&self) -> impl Iterator<Item = &Flow> {
        self.slots.iter().filter_map(Option::as_ref)
    }

    /// Places a packet in its flow, creating or replacing flows as needed.
    /// Flows that end on the way are passed to `ended` before the packet is
    /// counted (so a reused 5-tuple's old flow ends first).
    pub fn packet(&mut self, p: &Packet<'_>, mut ended: impl FnMut(Flow, EndReason)) -> Option<Placement> {
        let Some((proto, src, dst)) = endpoints(p) else {
            self.stats.unflowed_packets += 1;
            return None;
        };
        let now = ns(p.ts);
        self.sweep(p.ts, &mut ended);
        let tuple = Tuple { proto, vlan: vlan_ids(p), src, dst };
        // The key is made only for a packet not of the last packet's flow.
        let of_last = match &self.last_tuple {
            Some((last, lo)) => last.mirrored(&tuple).map(|mirrored| *lo != mirrored),
            None => None,
        };
        let (hint, src_is_lo, made) = match of_last {
            Some(src_is_lo) => (Some(self.last), src_is_lo, None),
            None => {
                let (key, src_is_lo) = FlowKey::oriented(proto, tuple.vlan, src, dst);
                (self.find(&key), src_is_lo, Some(key))
            }
        };
        let key = || made.unwrap_or_else(|| FlowKey::oriented(proto, tuple.vlan, src, dst).0);
        let tcp = p.tcp();
        let seg = segment(p, now);
        let syn_only = tcp.is_some_and(|t| t.has(tcp_flags::SYN) && !t.has(tcp_flags::ACK));
        let mut new = false;
        let mut reuses_ports = false;
        let slot = match hint {
            Some(slot) => {
                let f = self.slots[slot].as_ref().expect("mapped slot is live");
                let idle = self.is_idle(f, now);
                // A SYN on a closed connection, or (tshark's rule) a SYN whose
                // sequence number differs from that side's initial one.
                let reused = syn_only && {
                    let dir = if f.side_of(src_is_lo) == f.first_side { Dir::Fwd } else { Dir::Rev };
                    f.is_closed() || matches!((&f.tcp_conn, &seg), (Some(c), Some(s)) if c.is_new_connection(dir, s))
                };
                if idle || reused {
                    let old = self.remove(slot);
                    if idle {
                        self.stats.expired += 1;
                    }
                    ended(old, if idle { EndReason::Idle } else { EndReason::Reused });
                    new = true;
                    reuses_ports = reused && !idle;
                    self.insert(key(), src_is_lo, p, &mut ended)
                } else {
                    slot
                }
            }
            None => {
                new = true;
                self.insert(key(), src_is_lo, p, &mut ended)
            }
        };
        self.last = slot;
        if made.is_some() || self.last_tuple.is_none() {
            self.last_tuple = Some((tuple, src_is_lo));
        }
        let f = self.slots[slot].as_mut().expect("slot just placed");
        let side = f.side_of(src_is_lo);
        let i = side.index();
        // `last` is the later of the two; its nanoseconds follow it.
        if p.ts >= f.last {
            f.last = p.ts;
            f.last_ns = now;
        }
        f.last_frame = p.number;
        let d = &mut f.dirs[i];
        d.packets += 1;
        d.frame_bytes += u64::from(p.orig_len);
        if let Some(ip) = &p.ip {
            d.ip_bytes += u64::from(ip.total_len);
        }
        d.payload_bytes += match &p.transport {
            Transport::Tcp(t) => u64::from(t.payload_len),
            Transport::Udp(u) => u64::from(u.length.saturating_sub(8)),
            _ => 0,
        };
        if let Some(t) = tcp {
            f.tcp.syn[i] |= t.has(tcp_flags::SYN);
            f.tcp.fin[i] |= t.has(tcp_flags::FIN);
            f.tcp.rst[i] |= t.has(tcp_flags::RST);
        }
        let forward = side == f.first_side;
        let placed = Placement { slot, id: f.id, side, new, analysed: seg.is_some() };
        // By reference: moved out of its `Option`, the segment was copied
        // field by field into another place on the stack (25 instructions).
        if let Some(s) = &seg {
            let conn =
                f.tcp_conn.get_or_insert_with(|| if reuses_ports { TcpConn::reusing_ports() } else { TcpConn::new() });
            let dir = if forward { Dir::Fwd } else { Dir::Rev };
            self.analysis = Analysis::default();
            conn.segment_into(dir, s, &mut self.analysis);
        }
        if let Some(facts) = PacketFacts::from_packet(p, forward, self.ignore_checksums, now) {
            f.zeek.get_or_insert_with(|| Box::new(ZeekConn::new(facts.proto))).packet(&facts);
        }
        Some(placed)
    }

    #[allow(clippy::too_many_arguments)]
    fn insert(
        &mut self,
        key: FlowKey,
        src_is_lo: bool,
        p: &Packet<'_>,
        ended: &mut impl FnMut(Flow, EndReason),
    ) -> usize {
        if self.max_flows > 0 && self.map.len() >= self.max_flows {
            self.evict(ended);
        }
        // Zeek: a SYN-ACK seen first means its receiver opened the connection.
        let flipped = p.tcp().is_some_and(|t| t.has(tcp_flags::SYN) && t.has(tcp_flags::ACK));
        let flow = Flow {
            id: self.next_id,
            key,
            orig_is_lo: src_is_lo != flipped,
            same_ends: key.same_ends(),
            flipped,
            first_frame: p.number,
            last_frame: p.number,
            start: p.ts,
            last: p.ts,
            last_ns: ns(p.ts),
            idle_class: idle_class(key.proto()),
            dirs: [DirStats::default(); 2],
            tcp: TcpFlags::default(),
            icmp: p.icmp().map(|i| (i.icmp_type, i.code)),
            first_side: if flipped { Side::Resp } else { Side::Orig },
            tcp_conn: None,
            zeek: None,
            names: [None, None],
        };
        self.next_id += 1;
        self.stats.flows += 1;
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s] = Some(flow);
                s
            }
            None => {
                if self.max_flows > 0 && self.slots.len() == self.slots.capacity() {
                    self.grow_to_cap();
                }
                self.slots.push(Some(flow));
                self.slots.len() - 1
            }
        };
        let (slots, hasher) = (&self.slots, &self.hasher);
        self.map.insert_unique(hasher.hash_one(key), slot, |&s| slot_hash(hasher, slots, s));
        self.stats.peak_active = self.stats.peak_active.max(self.map.len() as u64);
        slot
    }

    /// The slot of a live flow with this key. Out of line: only packets
    /// not of the last packet's flow get here (14 % in the benchmark), and
    /// inlined it made the per-packet path longer for all (10 instructions
    /// a packet, after an unrelated change moved LLVM's choice).
    #[inline(never)]
    fn find(&self, key: &FlowKey) -> Option<usize> {
        let slots = &self.slots;
        self.map.find(self.hasher.hash_one(key), |&s| matches!(slots.get(s), Some(Some(f)) if f.key == *key)).copied()
    }

    /// Room for more slots, but never more than `max_flows`: growing by
    /// doubling past the cap would leave a third of the last block unused
    /// (100,000 flows: 131,072 slots of 272 bytes). Out of line: inlined,
    /// it changed how much of the per-packet path LLVM inlined.
    #[cold]
    #[inline(never)]
    fn grow_to_cap(&mut self) {
        let want = (self.slots.capacity() * 2).min(self.max_flows).max(self.slots.len() + 1);
        self.slots.reserve_exact(want - self.slots.len());
    }

    fn remove(&mut self, slot: usize) -> Flow {
        if slot == self.last {
            self.last_tuple = None;
        }
        let flow = self.slots[slot].take().expect("removing a live slot");
        if let Ok(e) = self.map.find_entry(self.hasher.hash_one(flow.key), |&s| s == slot) {
            e.remove();
        }
        self.free.push(slot);
        flow
    }

    /// Finishes the least recently seen tenth of the table at once, so that
    /// a flood of new flows costs O(log n) per flow, not a scan each.
    fn evict(&mut self, ended: &mut impl FnMut(Flow, EndReason)) {
        let mut by_age: Vec<(i64, usize)> =
            self.slots.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|f| (f.last_ns, i))).collect();
        let n = (by_age.len() / 10).max(1);
        by_age.select_nth_unstable(n - 1);
        for &(_, slot) in &by_age[..n] {
            let f = self.remove(slot);
            self.stats.evicted += 1;
            ended(f, EndReason::Evicted);
        }
    }

    /// Finishes idle flows, at most once per second of packet time.
    fn sweep(&mut self, ts: Timestamp, ended: &mut impl FnMut(Flow, EndReason)) {
        if matches!(self.idle, Idle::Never) || !self.sweeps.due_at(ts) {
            return;
        }
        let now = ns(ts);
        let idle: Vec<usize> = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let f = s.as_ref()?;
                self.is_idle(f, now).then_some(i)
            })
            .collect();
        for slot in idle {
            let f = self.remove(slot);
            self.stats.expired += 1;
            ended(f, EndReason::Idle);
        }
    }

    /// Time passes without a packet for this table: a packet of a flow kept
    /// elsewhere (another thread's table) arrived at `ts`. Sweeps idle flows
    /// exactly as that packet would have here, so that a table holding part
    /// of the flows ends each of them as one table holding all would.
    pub fn tick(&mut self, ts: Timestamp, mut ended: impl FnMut(Flow, EndReason)) {
        self.sweep(ts, &mut ended);
    }

    /// The TCP analysis of the packet `pl` placed, if it was analysed and
    /// is the last packet the table has seen.
    pub fn analysis(&self, pl: &Placement) -> Option<&Analysis> {
        pl.analysed.then_some(&self.analysis)
    }

    /// Finishes every remaining flow (end of capture), in order of id.
    pub fn finish(&mut self, mut ended: impl FnMut(Flow, EndReason)) {
        // Sorted by (id, slot) pairs, then taken one at a time: each flow is
        // handed on and freed before the next, so the end of a capture with
        // many open flows needs no second copy of them.
        let mut order: Vec<(u64, usize)> =
            self.slots.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|f| (f.id, i))).collect();
        order.sort_unstable();
        self.map.clear();
        self.free.clear();
        for (_, slot) in order {
            if let Some(f) = self.slots[slot].take() {
                ended(f, EndReason::EndOfCapture);
            }
        }
        self.slots.clear();
        self.last_tuple = None;
    }
}

/// The hash of the key in a live slot, for the map's growth (every slot
/// the map holds is live).
fn slot_hash(hasher: &foldhash::fast::RandomState, slots: &[Option<Flow>], slot: usize) -> u64 {
    match slots.get(slot) {
        Some(Some(f)) => hasher.hash_one(f.key),
        _ => 0,
    }
}

#[cfg(test)]
mod tests;
