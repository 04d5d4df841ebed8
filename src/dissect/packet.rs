//! The layered view of one frame that the dissector produces.
//!
//! Every layer is a small `Copy` summary of its header fields plus borrowed
//! slices of the captured bytes: building a `Packet` allocates nothing, so the
//! flow tracker can dissect millions of frames without touching the heap.
//! Output code never sees this type directly; reports work on owned records.

use std::fmt;
use std::net::IpAddr;

use crate::capture::{LinkType, Timestamp};

/// A 48-bit MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Mac(pub [u8; 6]);

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(f, "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5])
    }
}

/// The link-layer header, as decided by the frame's link type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinkHeader {
    /// Link type without a header of its own (raw IP, IPv4, IPv6).
    #[default]
    None,
    /// Ethernet II or IEEE 802.3; `ethertype` is the type/length field of the
    /// outer header (a value ≤ 1500 is a length: an 802.3 frame with LLC).
    Ethernet { dst: Mac, src: Mac, ethertype: u16 },
    /// Linux cooked capture v1 (LINKTYPE 113) or v2 (276).
    Sll { version: u8, pkttype: u16, hatype: u16, addr: [u8; 8], addr_len: u8, protocol: u16, ifindex: u32 },
    /// BSD loopback (NULL: host byte order; LOOP: network byte order).
    Null { family: u32 },
    /// Linux netfilter log (LINKTYPE 239).
    Nflog { family: u8, resource_id: u16 },
}

/// One 802.1Q / 802.1ad tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VlanTag {
    /// The tag protocol identifier that introduced this tag (0x8100, 0x88a8, 0x9100...).
    pub tpid: u16,
    pub pcp: u8,
    pub dei: bool,
    pub id: u16,
}

/// Stacked VLAN tags, outermost first. Eight tags are far more than any real
/// network stacks; deeper stacks stop decoding with a reason instead of
/// allocating.
#[derive(Debug, Clone, Copy, Default)]
pub struct Vlans {
    tags: [VlanTag; Vlans::MAX],
    len: u8,
}

impl Vlans {
    pub const MAX: usize = 8;

    pub fn push(&mut self, tag: VlanTag) -> bool {
        if usize::from(self.len) == Self::MAX {
            return false;
        }
        self.tags[usize::from(self.len)] = tag;
        self.len += 1;
        true
    }

    pub fn as_slice(&self) -> &[VlanTag] {
        &self.tags[..usize::from(self.len)]
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The VLAN ids, outermost first (flow keys use these).
    pub fn ids(&self) -> impl Iterator<Item = u16> + '_ {
        self.as_slice().iter().map(|t| t.id)
    }
}

/// Encapsulations between the link header and the network layer that are
/// decoded and stepped over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Encaps {
    pub mpls_labels: u8,
    pub pppoe_session: Option<u16>,
    pub vntag: bool,
    pub llc_snap: bool,
}

/// ARP (RFC 826) for Ethernet/IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arp {
    pub hw_type: u16,
    pub proto_type: u16,
    pub opcode: u16,
    pub sender_mac: Mac,
    pub sender_ip: std::net::Ipv4Addr,
    pub target_mac: Mac,
    pub target_ip: std::net::Ipv4Addr,
}

/// What the IP layer says about fragmentation of this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fragment {
    /// Not a fragment.
    #[default]
    None,
    /// A fragment held for reassembly (the datagram is not complete yet).
    Held,
    /// This fragment completed a datagram of `fragments` fragments and
    /// `len` bytes; the layers above are decoded from the reassembled bytes.
    Completed { fragments: u16, len: u32 },
    /// A fragment that reassembly gave up on (overlap, too large, too many).
    Dropped,
}

/// The (outermost) IP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ip {
    pub version: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// Upper-layer protocol after any IPv6 extension headers.
    pub proto: u8,
    /// IPv4 header length / IPv6 40 + extension headers.
    pub header_len: u16,
    /// IPv4 total length; IPv6 40 + payload length (0 means "not given": TSO, jumbogram).
    pub total_len: u32,
    /// IPv4 identification; IPv6 fragment header identification (0 without one).
    pub id: u32,
    /// TTL / hop limit.
    pub ttl: u8,
    /// Type of service / traffic class byte (DSCP + ECN).
    pub tos: u8,
    pub flow_label: u32,
    pub df: bool,
    pub mf: bool,
    /// Fragment offset in bytes.
    pub frag_offset: u32,
    /// IPv6: a fragment header is present (atomic fragments included).
    pub has_frag_header: bool,
    pub checksum: u16,
    /// IPv4 header checksum verified when the whole header was captured.
    pub checksum_ok: Option<bool>,
    pub options_len: u16,
    /// IPv6 extension header chain (next-header values, in order); up to 8.
    pub ext_headers: [u8; 8],
    pub ext_count: u8,
    pub fragment: Fragment,
}

/// TCP options, parsed by hand (RFC 9293 §3.1 and the per-option RFCs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpOptions {
    pub mss: Option<u16>,
    /// Window scale shift count as sent (may exceed 14; RFC 7323 §2.3 says use 14).
    pub wscale: Option<u8>,
    pub sack_permitted: bool,
    pub sack: [(u32, u32); 4],
    pub sack_count: u8,
    pub timestamp: Option<(u32, u32)>,
    /// TCP Fast Open cookie (RFC 7413): length of the cookie (0 = request).
    pub tfo_cookie_len: Option<u8>,
    pub mptcp: bool,
    pub nops: u8,
    /// Kinds we stepped over by their length.
    pub unknown: u8,
    /// The option list was cut short or had a bad length (parsing stopped).
    pub malformed: bool,
}

/// TCP flag bits of the 12-bit flags field (RFC 9293, RFC 3168, RFC 3540 AE/NS).
pub mod tcp_flags {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    pub const AE: u16 = 0x100;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tcp {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub header_len: u8,
    pub flags: u16,
    pub window: u16,
    pub checksum: u16,
    /// Verified only when the whole segment was captured.
    pub checksum_ok: Option<bool>,
    pub urgent: u16,
    pub options: TcpOptions,
    /// Payload length on the wire (from the IP lengths, not the capture).
    pub payload_len: u32,
}

impl Tcp {
    pub fn has(&self, flag: u16) -> bool {
        self.flags & flag != 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Udp {
    pub sport: u16,
    pub dport: u16,
    pub length: u16,
    pub checksum: u16,
    pub checksum_ok: Option<bool>,
}

/// The header quoted inside an ICMP error (RFC 792, RFC 4443 §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quoted {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icmp {
    pub v6: bool,
    pub icmp_type: u8,
    pub code: u8,
    pub checksum: u16,
    pub checksum_ok: Option<bool>,
    /// Echo request/reply identifier and sequence.
    pub echo: Option<(u16, u16)>,
    pub quoted: Option<Quoted>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    #[default]
    None,
    Tcp(Tcp),
    Udp(Udp),
    Icmp(Icmp),
    /// An IP protocol we do not decode (GRE, ESP, SCTP, IGMP...).
    Other(u8),
}

/// The layer at which decoding stopped, for error reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Link,
    Vlan,
    Mpls,
    Pppoe,
    Arp,
    Ipv4,
    Ipv6,
    Tcp,
    Udp,
    Icmp,
    Dns,
}

impl Layer {
    pub fn name(self) -> &'static str {
        match self {
            Layer::Link => "link",
            Layer::Vlan => "802.1Q",
            Layer::Mpls => "MPLS",
            Layer::Pppoe => "PPPoE",
            Layer::Arp => "ARP",
            Layer::Ipv4 => "IPv4",
            Layer::Ipv6 => "IPv6",
            Layer::Tcp => "TCP",
            Layer::Udp => "UDP",
            Layer::Icmp => "ICMP",
            Layer::Dns => "DNS",
        }
    }
}

/// Why decoding stopped at a layer. Kept as data (no strings) so that a
/// malformed packet costs no allocation; `Display` gives the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Fewer bytes on the wire than the header needs (a malformed packet,
    /// not a snaplen cut: those are `truncated`).
    TooShort {
        need: u32,
        have: u32,
    },
    BadVersion {
        found: u8,
        expected: u8,
    },
    Ipv4HeaderLen {
        ihl_bytes: u8,
    },
    Ipv4TotalLen {
        total: u16,
        header: u16,
    },
    TcpHeaderLen {
        bytes: u8,
    },
    UdpLength {
        length: u16,
    },
    ExtHeaderOverrun {
        next_header: u8,
    },
    TooManyTags,
    UnknownLinkType {
        link: u32,
    },
    UnknownFamily {
        family: u32,
    },
    IpLengthExceedsFrame {
        ip_len: u32,
        available: u32,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Problem::TooShort { need, have } => write!(f, "header needs {need} bytes but only {have} were on the wire"),
            Problem::BadVersion { found, expected } => {
                write!(f, "IP version {found} where version {expected} was expected")
            }
            Problem::Ipv4HeaderLen { ihl_bytes } => {
                write!(f, "IPv4 header length {ihl_bytes} is shorter than the minimum 20 bytes")
            }
            Problem::Ipv4TotalLen { total, header } => {
                write!(f, "IPv4 total length {total} is shorter than its {header}-byte header")
            }
            Problem::TcpHeaderLen { bytes } => {
                write!(f, "TCP header length {bytes} is shorter than the minimum 20 bytes")
            }
            Problem::UdpLength { length } => {
                write!(f, "UDP length {length} is shorter than the 8-byte header")
            }
            Problem::ExtHeaderOverrun { next_header } => {
                write!(f, "IPv6 extension header {next_header} runs past the end of the packet")
            }
            Problem::TooManyTags => write!(f, "more than {} stacked VLAN tags", Vlans::MAX),
            Problem::UnknownLinkType { link } => write!(f, "link type {link} is not decoded"),
            Problem::UnknownFamily { family } => {
                write!(f, "loopback address family {family} is not IPv4 or IPv6")
            }
            Problem::IpLengthExceedsFrame { ip_len, available } => {
                write!(f, "IP length {ip_len} is larger than the {available} bytes the frame carries")
            }
        }
    }
}

/// A decoding problem: where and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    pub layer: Layer,
    /// Byte offset in the frame where the failing header starts.
    pub offset: u32,
    pub problem: Problem,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (frame offset {})", self.layer.name(), self.problem, self.offset)
    }
}

/// An application protocol recognised above the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppKind {
    #[default]
    None,
    Dns,
    Mdns,
    Llmnr,
}

/// The layered view of one frame.
#[derive(Debug, Clone)]
pub struct Packet<'a> {
    pub number: u64,
    pub ts: Timestamp,
    pub link: LinkType,
    pub interface: u32,
    pub orig_len: u32,
    /// The captured bytes of the frame.
    pub data: &'a [u8],
    pub link_header: LinkHeader,
    pub vlans: Vlans,
    pub encaps: Encaps,
    /// The ethertype (or equivalent) of the network layer; 0 when unknown.
    pub ethertype: u16,
    /// Frame offset where the network layer starts.
    pub net_offset: u32,
    pub arp: Option<Arp>,
    pub ip: Option<Ip>,
    pub transport: Transport,
    /// Frame offset of the transport header (meaningless after reassembly).
    pub transport_offset: u32,
    /// Captured transport payload (from reassembled bytes when `ip.fragment`
    /// is `Completed`).
    pub payload: &'a [u8],
    pub app: AppKind,
    /// Complete DNS messages carried by this frame (a TCP segment may carry
    /// several, or complete one begun in earlier segments).
    pub dns: Vec<&'a [u8]>,
    /// The frame was cut by the snaplen before the end of some layer.
    pub truncated: bool,
    pub error: Option<DecodeError>,
}

impl<'a> Packet<'a> {
    pub fn new(number: u64, ts: Timestamp, link: LinkType, interface: u32, orig_len: u32, data: &'a [u8]) -> Self {
        Packet {
            number,
            ts,
            link,
            interface,
            orig_len,
            data,
            link_header: LinkHeader::None,
            vlans: Vlans::default(),
            encaps: Encaps::default(),
            ethertype: 0,
            net_offset: 0,
            arp: None,
            ip: None,
            transport: Transport::None,
            transport_offset: 0,
            payload: &[],
            app: AppKind::None,
            dns: Vec::new(),
            truncated: false,
            error: None,
        }
    }

    pub fn tcp(&self) -> Option<&Tcp> {
        match &self.transport {
            Transport::Tcp(t) => Some(t),
            _ => None,
        }
    }

    pub fn udp(&self) -> Option<&Udp> {
        match &self.transport {
            Transport::Udp(u) => Some(u),
            _ => None,
        }
    }

    pub fn icmp(&self) -> Option<&Icmp> {
        match &self.transport {
            Transport::Icmp(i) => Some(i),
            _ => None,
        }
    }

    pub fn ports(&self) -> Option<(u16, u16)> {
        match &self.transport {
            Transport::Tcp(t) => Some((t.sport, t.dport)),
            Transport::Udp(u) => Some((u.sport, u.dport)),
            _ => None,
        }
    }

    pub fn caplen(&self) -> u32 {
        self.data.len() as u32
    }

    pub(crate) fn fail(&mut self, layer: Layer, offset: usize, problem: Problem) {
        if self.error.is_none() {
            self.error = Some(DecodeError { layer, offset: offset as u32, problem });
        }
    }
}
