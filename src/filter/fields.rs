//! The field table: every name the language knows, its type, and where its
//! value comes from. Names, types and value units follow Wireshark's display
//! filter reference (https://www.wireshark.org/docs/dfref/) so that a filter
//! written for `tshark -Y` means the same thing here.

use std::fmt;

/// The type of a field, which decides how a literal is read and which
/// operators apply (as Wireshark's `ftenum`, reduced to what we use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// A protocol: only tested for presence (`tcp`). `frame` also takes
    /// `contains` on the captured bytes.
    Protocol,
    /// A flag. Written bare (`tcp.flags.syn`) it means "present and set".
    Bool,
    U8,
    U16,
    U32,
    U64,
    /// A real number (for fields added by the caller, such as RTTs).
    Float,
    Ipv4,
    Ipv6,
    Mac,
    /// A character string (`dns.qry.name`).
    Str,
    /// A byte sequence (`tcp.payload`).
    Bytes,
}

impl FieldType {
    /// The largest value of an unsigned integer type.
    pub(crate) fn max(self) -> Option<u64> {
        match self {
            FieldType::U8 => Some(u64::from(u8::MAX)),
            FieldType::U16 => Some(u64::from(u16::MAX)),
            FieldType::U32 => Some(u64::from(u32::MAX)),
            FieldType::U64 => Some(u64::MAX),
            _ => None,
        }
    }

    pub(crate) fn is_uint(self) -> bool {
        self.max().is_some()
    }

    /// Whether `<`, `>`, ranges... make sense.
    pub(crate) fn is_ordered(self) -> bool {
        !matches!(self, FieldType::Protocol | FieldType::Bool)
    }

    /// Width in bits of an unsigned integer type.
    pub(crate) fn bits(self) -> u32 {
        match self {
            FieldType::U8 => 8,
            FieldType::U16 => 16,
            FieldType::U32 => 32,
            _ => 64,
        }
    }

    /// The type with an article, for error messages ("a number").
    pub(crate) fn a(self) -> &'static str {
        match self {
            FieldType::Protocol => "a protocol",
            FieldType::Bool => "a boolean",
            FieldType::U8 | FieldType::U16 | FieldType::U32 | FieldType::U64 => "a number",
            FieldType::Float => "a number",
            FieldType::Ipv4 => "an IPv4 address",
            FieldType::Ipv6 => "an IPv6 address",
            FieldType::Mac => "an Ethernet address",
            FieldType::Str => "a string",
            FieldType::Bytes => "a byte sequence",
        }
    }

    /// A short name for error messages and the field reference.
    pub fn describe(self) -> &'static str {
        match self {
            FieldType::Protocol => "protocol",
            FieldType::Bool => "boolean",
            FieldType::U8 => "unsigned integer, 8 bits",
            FieldType::U16 => "unsigned integer, 16 bits",
            FieldType::U32 => "unsigned integer, 32 bits",
            FieldType::U64 => "unsigned integer, 64 bits",
            FieldType::Float => "floating point",
            FieldType::Ipv4 => "IPv4 address",
            FieldType::Ipv6 => "IPv6 address",
            FieldType::Mac => "Ethernet address",
            FieldType::Str => "character string",
            FieldType::Bytes => "byte sequence",
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The built-in fields. Compiled filters refer to these, never to names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Builtin {
    // Protocols.
    Frame,
    Eth,
    Vlan,
    Arp,
    Ip,
    Ipv6,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Dns,
    Mdns,
    Llmnr,
    // frame.*
    FrameNumber,
    FrameLen,
    FrameCapLen,
    FrameInterfaceId,
    // eth.* / vlan.* / arp.*
    EthSrc,
    EthDst,
    EthAddr,
    EthType,
    VlanId,
    VlanPriority,
    ArpOpcode,
    ArpSrcHwMac,
    ArpSrcProtoIpv4,
    ArpDstHwMac,
    ArpDstProtoIpv4,
    // ip.*
    IpSrc,
    IpDst,
    IpAddr,
    IpProto,
    IpId,
    IpTtl,
    IpLen,
    IpHdrLen,
    IpDsfield,
    IpDscp,
    IpEcn,
    IpFlagsDf,
    IpFlagsMf,
    IpFragOffset,
    // ipv6.*
    Ipv6Src,
    Ipv6Dst,
    Ipv6Addr,
    Ipv6Nxt,
    Ipv6Hlim,
    Ipv6Flow,
    Ipv6Tclass,
    // tcp.*
    TcpSrcPort,
    TcpDstPort,
    TcpPort,
    TcpSeqRaw,
    TcpAckRaw,
    TcpLen,
    TcpHdrLen,
    TcpWindowSizeValue,
    TcpUrgentPointer,
    TcpFlags,
    TcpFlag(u16),
    TcpMss,
    TcpWscaleShift,
    TcpTsval,
    TcpTsecr,
    TcpPayload,
    // udp.*
    UdpSrcPort,
    UdpDstPort,
    UdpPort,
    UdpLength,
    UdpPayload,
    // icmp.* / icmpv6.*
    IcmpType,
    IcmpCode,
    IcmpIdent,
    IcmpSeq,
    Icmpv6Type,
    Icmpv6Code,
    Icmpv6EchoId,
    Icmpv6EchoSeq,
    // dns.* (from the parsed DNS messages)
    DnsId,
    DnsResponse,
    DnsOpcode,
    DnsRcode,
    DnsAuthoritative,
    DnsTruncated,
    DnsRecDesired,
    DnsRecAvail,
    DnsQueryCount,
    DnsAnswerCount,
    DnsQryName,
    DnsQryType,
    DnsRespName,
    DnsRespType,
    DnsRespTtl,
    DnsA,
    DnsAaaa,
    DnsCname,
}

/// One entry of the field reference.
#[derive(Debug, Clone, Copy)]
pub struct FieldInfo {
    /// The Wireshark name, e.g. `tcp.port`.
    pub name: &'static str,
    pub ty: FieldType,
    /// The field can occur more than once in a frame (`ip.addr`, `vlan.id`...).
    pub multi: bool,
    /// What it holds; one line.
    pub description: &'static str,
    pub(crate) id: Builtin,
}

impl FieldInfo {
    /// The value comes from the packet's parsed DNS messages.
    pub fn needs_dns(&self) -> bool {
        use Builtin::*;
        matches!(
            self.id,
            DnsId
                | DnsResponse
                | DnsOpcode
                | DnsRcode
                | DnsAuthoritative
                | DnsTruncated
                | DnsRecDesired
                | DnsRecAvail
                | DnsQueryCount
                | DnsAnswerCount
                | DnsQryName
                | DnsQryType
                | DnsRespName
                | DnsRespType
                | DnsRespTtl
                | DnsA
                | DnsAaaa
                | DnsCname
        )
    }
}

const fn f(name: &'static str, id: Builtin, ty: FieldType, multi: bool, description: &'static str) -> FieldInfo {
    FieldInfo { name, ty, multi, description, id }
}

use crate::dissect::tcp_flags as tf;
use Builtin as B;
use FieldType as T;

/// Every built-in protocol and field, in reference order.
pub(crate) static BUILTINS: &[FieldInfo] = &[
    f("frame", B::Frame, T::Protocol, false, "Every frame; `frame contains \"...\"` searches the captured bytes"),
    f("eth", B::Eth, T::Protocol, false, "Ethernet II / IEEE 802.3 header"),
    f("vlan", B::Vlan, T::Protocol, false, "At least one 802.1Q / 802.1ad tag"),
    f("arp", B::Arp, T::Protocol, false, "ARP (ethertype 0x0806)"),
    f("ip", B::Ip, T::Protocol, true, "IPv4 (as in Wireshark, `ip` never means IPv6)"),
    f("ipv6", B::Ipv6, T::Protocol, true, "IPv6"),
    f("tcp", B::Tcp, T::Protocol, true, "TCP"),
    f("udp", B::Udp, T::Protocol, true, "UDP"),
    f("icmp", B::Icmp, T::Protocol, false, "ICMP for IPv4"),
    f("icmpv6", B::Icmpv6, T::Protocol, false, "ICMPv6"),
    f("dns", B::Dns, T::Protocol, false, "A complete DNS message on port 53 (UDP or TCP)"),
    f("mdns", B::Mdns, T::Protocol, false, "Multicast DNS (UDP port 5353)"),
    f("llmnr", B::Llmnr, T::Protocol, false, "LLMNR (UDP port 5355)"),
    f("frame.number", B::FrameNumber, T::U64, false, "Frame number, from 1"),
    f("frame.len", B::FrameLen, T::U32, false, "Frame length on the wire"),
    f("frame.cap_len", B::FrameCapLen, T::U32, false, "Bytes captured"),
    f("frame.interface_id", B::FrameInterfaceId, T::U32, false, "Capture interface index"),
    f("eth.src", B::EthSrc, T::Mac, false, "Source MAC address"),
    f("eth.dst", B::EthDst, T::Mac, false, "Destination MAC address"),
    f("eth.addr", B::EthAddr, T::Mac, true, "Source or destination MAC address"),
    f("eth.type", B::EthType, T::U16, false, "Outer ethertype (absent on 802.3 length frames)"),
    f("vlan.id", B::VlanId, T::U16, true, "VLAN identifier of each tag"),
    f("vlan.priority", B::VlanPriority, T::U8, true, "Priority code point of each tag"),
    f("arp.opcode", B::ArpOpcode, T::U16, false, "ARP opcode (1 request, 2 reply)"),
    f("arp.src.hw_mac", B::ArpSrcHwMac, T::Mac, false, "Sender MAC address"),
    f("arp.src.proto_ipv4", B::ArpSrcProtoIpv4, T::Ipv4, false, "Sender IPv4 address"),
    f("arp.dst.hw_mac", B::ArpDstHwMac, T::Mac, false, "Target MAC address"),
    f("arp.dst.proto_ipv4", B::ArpDstProtoIpv4, T::Ipv4, false, "Target IPv4 address"),
    f("ip.src", B::IpSrc, T::Ipv4, true, "Source address"),
    f("ip.dst", B::IpDst, T::Ipv4, true, "Destination address"),
    f("ip.addr", B::IpAddr, T::Ipv4, true, "Source or destination address"),
    f("ip.proto", B::IpProto, T::U8, true, "Protocol number (6 TCP, 17 UDP, 1 ICMP...)"),
    f("ip.id", B::IpId, T::U16, false, "Identification"),
    f("ip.ttl", B::IpTtl, T::U8, false, "Time to live"),
    f("ip.len", B::IpLen, T::U16, false, "Total length"),
    f("ip.hdr_len", B::IpHdrLen, T::U8, false, "Header length in bytes"),
    f("ip.dsfield", B::IpDsfield, T::U8, false, "Differentiated services byte (DSCP and ECN)"),
    f("ip.dsfield.dscp", B::IpDscp, T::U8, false, "DSCP (upper 6 bits of the DS byte)"),
    f("ip.dsfield.ecn", B::IpEcn, T::U8, false, "ECN (lower 2 bits of the DS byte)"),
    f("ip.flags.df", B::IpFlagsDf, T::Bool, false, "Don't Fragment"),
    f("ip.flags.mf", B::IpFlagsMf, T::Bool, false, "More Fragments"),
    f("ip.frag_offset", B::IpFragOffset, T::U16, false, "Fragment offset in bytes (as Wireshark shows it)"),
    f("ipv6.src", B::Ipv6Src, T::Ipv6, true, "Source address"),
    f("ipv6.dst", B::Ipv6Dst, T::Ipv6, true, "Destination address"),
    f("ipv6.addr", B::Ipv6Addr, T::Ipv6, true, "Source or destination address"),
    f("ipv6.nxt", B::Ipv6Nxt, T::U8, true, "Next header of the fixed header (first extension header, if any)"),
    f("ipv6.hlim", B::Ipv6Hlim, T::U8, false, "Hop limit"),
    f("ipv6.flow", B::Ipv6Flow, T::U32, false, "Flow label"),
    f("ipv6.tclass", B::Ipv6Tclass, T::U8, false, "Traffic class"),
    f("tcp.srcport", B::TcpSrcPort, T::U16, true, "Source port"),
    f("tcp.dstport", B::TcpDstPort, T::U16, true, "Destination port"),
    f("tcp.port", B::TcpPort, T::U16, true, "Source or destination port"),
    f("tcp.seq_raw", B::TcpSeqRaw, T::U32, false, "Sequence number as sent"),
    f(
        "tcp.ack_raw",
        B::TcpAckRaw,
        T::U32,
        false,
        "Acknowledgment number as sent (when ACK is set or the field is non-zero)",
    ),
    f("tcp.len", B::TcpLen, T::U32, false, "Segment payload length"),
    f("tcp.hdr_len", B::TcpHdrLen, T::U8, false, "Header length in bytes"),
    f("tcp.window_size_value", B::TcpWindowSizeValue, T::U16, false, "Window field as sent (not scaled)"),
    f("tcp.urgent_pointer", B::TcpUrgentPointer, T::U16, false, "Urgent pointer"),
    f("tcp.flags", B::TcpFlags, T::U16, false, "Flag bits (FIN 0x001 ... AE 0x100)"),
    f("tcp.flags.fin", B::TcpFlag(tf::FIN), T::Bool, false, "FIN"),
    f("tcp.flags.syn", B::TcpFlag(tf::SYN), T::Bool, false, "SYN"),
    f("tcp.flags.reset", B::TcpFlag(tf::RST), T::Bool, false, "RST (alias tcp.flags.rst)"),
    f("tcp.flags.push", B::TcpFlag(tf::PSH), T::Bool, false, "PSH (alias tcp.flags.psh)"),
    f("tcp.flags.ack", B::TcpFlag(tf::ACK), T::Bool, false, "ACK"),
    f("tcp.flags.urg", B::TcpFlag(tf::URG), T::Bool, false, "URG"),
    f("tcp.flags.ece", B::TcpFlag(tf::ECE), T::Bool, false, "ECN-Echo"),
    f("tcp.flags.cwr", B::TcpFlag(tf::CWR), T::Bool, false, "Congestion Window Reduced"),
    f("tcp.flags.ae", B::TcpFlag(tf::AE), T::Bool, false, "Accurate ECN (formerly NS; alias tcp.flags.ns)"),
    f("tcp.options.mss_val", B::TcpMss, T::U16, false, "MSS option value"),
    f("tcp.options.wscale.shift", B::TcpWscaleShift, T::U8, false, "Window scale option shift count"),
    f("tcp.options.timestamp.tsval", B::TcpTsval, T::U32, false, "Timestamp option TSval"),
    f("tcp.options.timestamp.tsecr", B::TcpTsecr, T::U32, false, "Timestamp option TSecr"),
    f("tcp.payload", B::TcpPayload, T::Bytes, false, "Captured segment payload (absent when empty)"),
    f("udp.srcport", B::UdpSrcPort, T::U16, true, "Source port"),
    f("udp.dstport", B::UdpDstPort, T::U16, true, "Destination port"),
    f("udp.port", B::UdpPort, T::U16, true, "Source or destination port"),
    f("udp.length", B::UdpLength, T::U16, false, "Length field (header + payload)"),
    f("udp.payload", B::UdpPayload, T::Bytes, false, "Captured datagram payload (absent when empty)"),
    f("icmp.type", B::IcmpType, T::U8, false, "ICMP type"),
    f("icmp.code", B::IcmpCode, T::U8, false, "ICMP code"),
    f("icmp.ident", B::IcmpIdent, T::U16, false, "Echo / timestamp identifier"),
    f("icmp.seq", B::IcmpSeq, T::U16, false, "Echo / timestamp sequence number"),
    f("icmpv6.type", B::Icmpv6Type, T::U8, false, "ICMPv6 type"),
    f("icmpv6.code", B::Icmpv6Code, T::U8, false, "ICMPv6 code"),
    f("icmpv6.echo.identifier", B::Icmpv6EchoId, T::U16, false, "Echo identifier"),
    f("icmpv6.echo.sequence_number", B::Icmpv6EchoSeq, T::U16, false, "Echo sequence number"),
    f("dns.id", B::DnsId, T::U16, true, "Transaction ID"),
    f("dns.flags.response", B::DnsResponse, T::Bool, true, "QR bit: the message is a response"),
    f("dns.flags.opcode", B::DnsOpcode, T::U8, true, "Opcode (0 standard query)"),
    f("dns.flags.rcode", B::DnsRcode, T::U16, true, "Response code, the header's 4 bits (3 NXDOMAIN)"),
    f("dns.flags.authoritative", B::DnsAuthoritative, T::Bool, true, "AA bit"),
    f("dns.flags.truncated", B::DnsTruncated, T::Bool, true, "TC bit"),
    f("dns.flags.recdesired", B::DnsRecDesired, T::Bool, true, "RD bit"),
    f("dns.flags.recavail", B::DnsRecAvail, T::Bool, true, "RA bit"),
    f("dns.count.queries", B::DnsQueryCount, T::U16, true, "Question count (QDCOUNT)"),
    f("dns.count.answers", B::DnsAnswerCount, T::U16, true, "Answer count (ANCOUNT)"),
    f("dns.qry.name", B::DnsQryName, T::Str, true, "Question name as Wireshark shows it (no trailing dot; <Root>)"),
    f("dns.qry.type", B::DnsQryType, T::U16, true, "Question type (1 A, 28 AAAA...)"),
    f("dns.resp.name", B::DnsRespName, T::Str, true, "Owner name of a record (any section)"),
    f("dns.resp.type", B::DnsRespType, T::U16, true, "Type of a record (any section)"),
    f("dns.resp.ttl", B::DnsRespTtl, T::U32, true, "TTL of a record (not OPT)"),
    f("dns.a", B::DnsA, T::Ipv4, true, "Address of an A record"),
    f("dns.aaaa", B::DnsAaaa, T::Ipv6, true, "Address of an AAAA record"),
    f("dns.cname", B::DnsCname, T::Str, true, "Target of a CNAME record"),
];

/// Other spellings accepted for a built-in field: older Wireshark names and
/// the short flag names people type.
pub(crate) static ALIASES: &[(&str, &str)] =
    &[("tcp.flags.rst", "tcp.flags.reset"), ("tcp.flags.psh", "tcp.flags.push"), ("tcp.flags.ns", "tcp.flags.ae")];

/// The built-in field reference (for `--help`-style listings and the docs).
pub fn builtin_fields() -> &'static [FieldInfo] {
    BUILTINS
}

/// A field the caller adds, such as flow analysis results
/// (`tcp.analysis.retransmission`). The filter accepts its name at compile
/// time and asks `EvalContext::extra` for its value, by `id`, per packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraField {
    pub name: &'static str,
    pub ty: FieldType,
    /// The caller's own number for the field, handed back to `ExtraFields::value`.
    pub id: u32,
    pub description: &'static str,
}

/// Where a compiled field reference reads its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldId {
    Builtin(Builtin),
    Extra(u32),
}

/// A field name resolved at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldRef {
    pub id: FieldId,
    pub ty: FieldType,
    pub name: &'static str,
    pub dns: bool,
}

/// Resolves a name: built-ins, then aliases, then the caller's extras.
pub(crate) fn lookup(name: &str, extras: &[ExtraField]) -> Option<FieldRef> {
    let canonical = ALIASES.iter().find(|(a, _)| *a == name).map_or(name, |(_, c)| *c);
    if let Some(b) = BUILTINS.iter().find(|b| b.name == canonical) {
        return Some(FieldRef { id: FieldId::Builtin(b.id), ty: b.ty, name: b.name, dns: b.needs_dns() });
    }
    extras.iter().find(|e| e.name == name).map(|e| FieldRef {
        id: FieldId::Extra(e.id),
        ty: e.ty,
        name: e.name,
        dns: false,
    })
}

/// The closest known name to a misspelt one, if any is close enough.
/// Names of the same protocol are preferred, and a name that is a prefix of
/// a known one (`udp.len` → `udp.length`) counts as close.
pub(crate) fn suggest(name: &str, extras: &[ExtraField]) -> Option<&'static str> {
    // Wireshark's own hint for the most common mistake.
    if matches!(name, "ipv4" | "ip4") {
        return Some("ip");
    }
    let proto = |n: &str| n.split('.').next().unwrap_or("").to_owned();
    let wanted = proto(name);
    let all =
        BUILTINS.iter().map(|b| b.name).chain(ALIASES.iter().map(|(a, _)| *a)).chain(extras.iter().map(|e| e.name));
    let mut best: Option<(usize, bool, &'static str)> = None;
    for cand in all {
        let same = proto(cand) == wanted;
        let mut d = distance(name, cand);
        if same && name.contains('.') && cand.starts_with(name) {
            d = d.min(1);
        }
        let limit = if name.len() <= 4 { 1 } else { 2 };
        if d > limit {
            continue;
        }
        let better = match best {
            None => true,
            Some((bd, bsame, _)) => (d, !same) < (bd, !bsame),
        };
        if better {
            best = Some((d, same, cand));
        }
    }
    best.map(|(_, _, n)| n)
}

/// Levenshtein distance over bytes (names are ASCII).
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_resolve() {
        for (i, b) in BUILTINS.iter().enumerate() {
            assert!(BUILTINS[..i].iter().all(|o| o.name != b.name), "duplicate {}", b.name);
            assert_eq!(lookup(b.name, &[]).unwrap().name, b.name);
        }
        for (a, c) in ALIASES {
            assert_eq!(lookup(a, &[]).unwrap().name, *c);
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("tcp.prot", &[]), Some("tcp.port"));
        assert_eq!(suggest("udp.len", &[]), Some("udp.length"));
        assert_eq!(suggest("ip.sorc", &[]), Some("ip.src"));
        assert_eq!(suggest("ipv4", &[]), Some("ip"));
        assert_eq!(suggest("tcp.flags.synn", &[]), Some("tcp.flags.syn"));
        assert_eq!(suggest("completely.unknown", &[]), None);
        let extra = [ExtraField { name: "tcp.analysis.retransmission", ty: FieldType::Bool, id: 0, description: "" }];
        assert_eq!(suggest("tcp.analysis.retransmision", &extra), Some("tcp.analysis.retransmission"));
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }
}
