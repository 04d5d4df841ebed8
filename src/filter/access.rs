//! Where each built-in field's occurrences come from in a dissected packet.
//!
//! One function per value domain (see `matcher`) hands occurrences, one by
//! one, to a predicate and stops at the first that satisfies it; nothing is
//! collected. Which header a field occurs in follows Wireshark's protocol
//! tree: the IP header and ports quoted inside an ICMP error are a second
//! occurrence of `ip.src`, `ip.addr`, `ip.proto`, `tcp.port`... and make
//! `ip`/`tcp`/`udp` present, as they are in Wireshark.

use std::net::IpAddr;

use super::eval::EvalContext;
use super::fields::Builtin;
use super::value::mac_bits;
use crate::dissect::dns::RData;
use crate::dissect::link::ethertype;
use crate::dissect::{AppKind, Fragment, Ip, LinkHeader, Packet, Quoted, Transport, tcp_flags};

/// What a visit found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// The field does not occur in the packet.
    Absent,
    /// It occurs, and no occurrence satisfied the predicate.
    NoMatch,
    /// Some occurrence satisfied the predicate.
    Match,
}

fn seen(present: bool) -> Seen {
    if present { Seen::NoMatch } else { Seen::Absent }
}

fn ip_version<'p>(p: &'p Packet<'_>, version: u8) -> Option<&'p Ip> {
    p.ip.as_ref().filter(|ip| ip.version == version)
}

/// The header quoted in an ICMP/ICMPv6 error, if it is of `version`.
fn quoted(p: &Packet<'_>, version: u8) -> Option<Quoted> {
    let q = p.icmp()?.quoted?;
    let is = if q.src.is_ipv4() { 4 } else { 6 };
    (is == version).then_some(q)
}

/// Quoted source and destination ports of `proto` (TCP 6, UDP 17).
fn quoted_ports(p: &Packet<'_>, proto: u8) -> Option<(u16, u16)> {
    let q = p.icmp()?.quoted?;
    if q.proto != proto {
        return None;
    }
    Some((q.sport?, q.dport?))
}

/// The IP protocol says `proto` but its header could not be decoded (too
/// short): Wireshark still shows the protocol, malformed. Fragments waiting
/// for reassembly are not decoded above IP, in Wireshark either.
fn undecoded(p: &Packet<'_>, proto: u8) -> bool {
    p.transport == Transport::None
        && p.ip
            .is_some_and(|ip| ip.proto == proto && matches!(ip.fragment, Fragment::None | Fragment::Completed { .. }))
}

fn app_present(p: &Packet<'_>, kind: AppKind) -> bool {
    p.app == kind && !p.dns.is_empty()
}

/// Whether a built-in protocol is present.
pub(crate) fn protocol(b: Builtin, p: &Packet<'_>) -> bool {
    use Builtin as B;
    match b {
        B::Frame => true,
        B::Eth => matches!(p.link_header, LinkHeader::Ethernet { .. }),
        B::Vlan => !p.vlans.is_empty(),
        B::Arp => p.ethertype == ethertype::ARP,
        B::Ip => p.ethertype == ethertype::IPV4 || ip_version(p, 4).is_some() || quoted(p, 4).is_some(),
        B::Ipv6 => p.ethertype == ethertype::IPV6 || ip_version(p, 6).is_some() || quoted(p, 6).is_some(),
        B::Tcp => p.tcp().is_some() || undecoded(p, 6) || quoted_ports(p, 6).is_some(),
        B::Udp => p.udp().is_some() || undecoded(p, 17) || quoted_ports(p, 17).is_some(),
        B::Icmp => p.icmp().is_some_and(|i| !i.v6) || (undecoded(p, 1) && ip_version(p, 4).is_some()),
        B::Icmpv6 => p.icmp().is_some_and(|i| i.v6) || (undecoded(p, 58) && ip_version(p, 6).is_some()),
        B::Dns => app_present(p, AppKind::Dns),
        B::Mdns => app_present(p, AppKind::Mdns),
        B::Llmnr => app_present(p, AppKind::Llmnr),
        _ => false,
    }
}

/// Occurrences of a scalar field: integers, flags (0/1), IPv4 addresses,
/// MAC addresses (48 bits).
pub(crate) fn scalars(b: Builtin, cx: &EvalContext<'_>, mut each: impl FnMut(u64) -> bool) -> Seen {
    let mut present = false;
    macro_rules! emit {
        ($v:expr) => {{
            present = true;
            if each($v) {
                return Seen::Match;
            }
        }};
    }
    let p = cx.packet;
    let v4 = |a: IpAddr| match a {
        IpAddr::V4(a) => Some(u64::from(u32::from(a))),
        IpAddr::V6(_) => None,
    };
    use Builtin as B;
    match b {
        B::FrameNumber => emit!(p.number),
        B::FrameLen => emit!(u64::from(p.orig_len)),
        B::FrameCapLen => emit!(u64::from(p.caplen())),
        B::FrameInterfaceId => emit!(u64::from(p.interface)),

        B::EthSrc | B::EthDst | B::EthAddr | B::EthType => {
            if let LinkHeader::Ethernet { dst, src, ethertype } = p.link_header {
                match b {
                    B::EthSrc => emit!(mac_bits(src)),
                    B::EthDst => emit!(mac_bits(dst)),
                    B::EthAddr => {
                        for m in [src, dst] {
                            emit!(mac_bits(m));
                        }
                    }
                    // Up to 1500 the field is an 802.3 length (Wireshark's eth.len), not a type.
                    _ if ethertype >= 0x0600 => emit!(u64::from(ethertype)),
                    _ => {}
                }
            }
        }
        B::VlanId => {
            for t in p.vlans.as_slice() {
                emit!(u64::from(t.id));
            }
        }
        B::VlanPriority => {
            for t in p.vlans.as_slice() {
                emit!(u64::from(t.pcp));
            }
        }
        B::ArpOpcode | B::ArpSrcHwMac | B::ArpSrcProtoIpv4 | B::ArpDstHwMac | B::ArpDstProtoIpv4 => {
            if let Some(a) = &p.arp {
                emit!(match b {
                    B::ArpOpcode => u64::from(a.opcode),
                    B::ArpSrcHwMac => mac_bits(a.sender_mac),
                    B::ArpSrcProtoIpv4 => u64::from(u32::from(a.sender_ip)),
                    B::ArpDstHwMac => mac_bits(a.target_mac),
                    _ => u64::from(u32::from(a.target_ip)),
                });
            }
        }

        B::IpSrc | B::IpDst | B::IpAddr => {
            let outer = ip_version(p, 4).map(|ip| (ip.src, ip.dst));
            let inner = quoted(p, 4).map(|q| (q.src, q.dst));
            for (src, dst) in outer.into_iter().chain(inner) {
                let which = match b {
                    B::IpSrc => [Some(src), None],
                    B::IpDst => [None, Some(dst)],
                    _ => [Some(src), Some(dst)],
                };
                for a in which.into_iter().flatten().filter_map(v4) {
                    emit!(a);
                }
            }
        }
        B::IpProto => {
            let outer = ip_version(p, 4).map(|ip| ip.proto);
            let inner = quoted(p, 4).map(|q| q.proto);
            for proto in outer.into_iter().chain(inner) {
                emit!(u64::from(proto));
            }
        }
        B::IpId
        | B::IpTtl
        | B::IpLen
        | B::IpHdrLen
        | B::IpDsfield
        | B::IpDscp
        | B::IpEcn
        | B::IpFlagsDf
        | B::IpFlagsMf
        | B::IpFragOffset => {
            if let Some(ip) = ip_version(p, 4) {
                emit!(match b {
                    B::IpId => u64::from(ip.id),
                    B::IpTtl => u64::from(ip.ttl),
                    B::IpLen => u64::from(ip.total_len),
                    B::IpHdrLen => u64::from(ip.header_len),
                    B::IpDsfield => u64::from(ip.tos),
                    B::IpDscp => u64::from(ip.tos >> 2),
                    B::IpEcn => u64::from(ip.tos & 3),
                    B::IpFlagsDf => u64::from(ip.df),
                    B::IpFlagsMf => u64::from(ip.mf),
                    // In bytes, as Wireshark shows it (packet-ip.c multiplies by 8).
                    _ => u64::from(ip.frag_offset),
                });
            }
        }
        B::Ipv6Nxt => {
            // The fixed header's Next Header: the first extension header if
            // there is one (Wireshark's ipv6.nxt), not the upper layer.
            let outer = ip_version(p, 6).map(|ip| if ip.ext_count > 0 { ip.ext_headers[0] } else { ip.proto });
            let inner = quoted(p, 6).map(|q| q.proto);
            for nxt in outer.into_iter().chain(inner) {
                emit!(u64::from(nxt));
            }
        }
        B::Ipv6Hlim | B::Ipv6Flow | B::Ipv6Tclass => {
            if let Some(ip) = ip_version(p, 6) {
                emit!(match b {
                    B::Ipv6Hlim => u64::from(ip.ttl),
                    B::Ipv6Flow => u64::from(ip.flow_label),
                    _ => u64::from(ip.tos),
                });
            }
        }

        B::TcpSrcPort | B::TcpDstPort | B::TcpPort | B::UdpSrcPort | B::UdpDstPort | B::UdpPort => {
            let (outer, inner) = if matches!(b, B::TcpSrcPort | B::TcpDstPort | B::TcpPort) {
                (p.tcp().map(|t| (t.sport, t.dport)), quoted_ports(p, 6))
            } else {
                (p.udp().map(|u| (u.sport, u.dport)), quoted_ports(p, 17))
            };
            for (s, d) in outer.into_iter().chain(inner) {
                let which = match b {
                    B::TcpSrcPort | B::UdpSrcPort => [Some(s), None],
                    B::TcpDstPort | B::UdpDstPort => [None, Some(d)],
                    _ => [Some(s), Some(d)],
                };
                for port in which.into_iter().flatten() {
                    emit!(u64::from(port));
                }
            }
        }
        B::TcpSeqRaw
        | B::TcpAckRaw
        | B::TcpLen
        | B::TcpHdrLen
        | B::TcpWindowSizeValue
        | B::TcpUrgentPointer
        | B::TcpFlags
        | B::TcpFlag(_)
        | B::TcpMss
        | B::TcpWscaleShift
        | B::TcpTsval
        | B::TcpTsecr => {
            if let Some(t) = p.tcp() {
                let o = &t.options;
                let v = match b {
                    B::TcpSeqRaw => Some(u64::from(t.seq)),
                    // packet-tcp.c adds the acknowledgment number when ACK is
                    // set, or when it is not but the field is non-zero.
                    B::TcpAckRaw => (t.has(tcp_flags::ACK) || t.ack != 0).then_some(u64::from(t.ack)),
                    B::TcpLen => Some(u64::from(t.payload_len)),
                    B::TcpHdrLen => Some(u64::from(t.header_len)),
                    B::TcpWindowSizeValue => Some(u64::from(t.window)),
                    B::TcpUrgentPointer => Some(u64::from(t.urgent)),
                    B::TcpFlags => Some(u64::from(t.flags)),
                    B::TcpFlag(bit) => Some(u64::from(t.has(bit))),
                    B::TcpMss => o.mss.map(u64::from),
                    B::TcpWscaleShift => o.wscale.map(u64::from),
                    B::TcpTsval => o.timestamp.map(|(v, _)| u64::from(v)),
                    _ => o.timestamp.map(|(_, e)| u64::from(e)),
                };
                if let Some(v) = v {
                    emit!(v);
                }
            }
        }
        B::UdpLength => {
            if let Some(u) = p.udp() {
                emit!(u64::from(u.length));
            }
        }

        B::IcmpType
        | B::IcmpCode
        | B::IcmpIdent
        | B::IcmpSeq
        | B::Icmpv6Type
        | B::Icmpv6Code
        | B::Icmpv6EchoId
        | B::Icmpv6EchoSeq => {
            let want_v6 = matches!(b, B::Icmpv6Type | B::Icmpv6Code | B::Icmpv6EchoId | B::Icmpv6EchoSeq);
            if let Some(i) = p.icmp().filter(|i| i.v6 == want_v6) {
                let v = match b {
                    B::IcmpType | B::Icmpv6Type => Some(u64::from(i.icmp_type)),
                    B::IcmpCode | B::Icmpv6Code => Some(u64::from(i.code)),
                    B::IcmpIdent | B::Icmpv6EchoId => i.echo.map(|(id, _)| u64::from(id)),
                    _ => i.echo.map(|(_, seq)| u64::from(seq)),
                };
                if let Some(v) = v {
                    emit!(v);
                }
            }
        }

        B::DnsId
        | B::DnsResponse
        | B::DnsOpcode
        | B::DnsRcode
        | B::DnsAuthoritative
        | B::DnsTruncated
        | B::DnsRecDesired
        | B::DnsRecAvail
        | B::DnsQueryCount
        | B::DnsAnswerCount => {
            for m in cx.dns() {
                emit!(match b {
                    B::DnsId => u64::from(m.id),
                    B::DnsResponse => u64::from(m.response),
                    B::DnsOpcode => u64::from(m.opcode),
                    // dns.flags.rcode is the header's 4 bits; the EDNS
                    // extension is a field of the OPT record in Wireshark.
                    B::DnsRcode => u64::from(m.header_rcode()),
                    B::DnsAuthoritative => u64::from(m.authoritative),
                    B::DnsTruncated => u64::from(m.truncated),
                    B::DnsRecDesired => u64::from(m.recursion_desired),
                    B::DnsRecAvail => u64::from(m.recursion_available),
                    B::DnsQueryCount => u64::from(m.question_count),
                    _ => u64::from(m.answer_count),
                });
            }
        }
        B::DnsQryType => {
            for q in cx.dns().iter().flat_map(|m| &m.questions) {
                emit!(u64::from(q.qtype));
            }
        }
        // Record fields occur once per record of any section: Wireshark adds
        // them for answers, authorities and additionals alike.
        B::DnsRespType | B::DnsRespTtl | B::DnsA => {
            for r in cx.dns().iter().flat_map(|m| m.records()) {
                let v = match (b, &r.data) {
                    (B::DnsRespType, _) => Some(u64::from(r.rtype)),
                    // The OPT pseudo-record has no TTL (its bits are EDNS fields).
                    (B::DnsRespTtl, RData::Opt(_)) => None,
                    (B::DnsRespTtl, _) => Some(u64::from(r.ttl)),
                    (B::DnsA, RData::A(a)) => Some(u64::from(u32::from(*a))),
                    _ => None,
                };
                if let Some(v) = v {
                    emit!(v);
                }
            }
        }
        _ => {}
    }
    seen(present)
}

/// Occurrences of an IPv6 address field.
pub(crate) fn wides(b: Builtin, cx: &EvalContext<'_>, mut each: impl FnMut(u128) -> bool) -> Seen {
    let mut present = false;
    macro_rules! emit {
        ($v:expr) => {{
            present = true;
            if each($v) {
                return Seen::Match;
            }
        }};
    }
    let p = cx.packet;
    use Builtin as B;
    match b {
        B::Ipv6Src | B::Ipv6Dst | B::Ipv6Addr => {
            let outer = ip_version(p, 6).map(|ip| (ip.src, ip.dst));
            let inner = quoted(p, 6).map(|q| (q.src, q.dst));
            for (src, dst) in outer.into_iter().chain(inner) {
                let which = match b {
                    B::Ipv6Src => [Some(src), None],
                    B::Ipv6Dst => [None, Some(dst)],
                    _ => [Some(src), Some(dst)],
                };
                for a in which.into_iter().flatten() {
                    if let IpAddr::V6(a) = a {
                        emit!(u128::from(a));
                    }
                }
            }
        }
        B::DnsAaaa => {
            for r in cx.dns().iter().flat_map(|m| m.records()) {
                if let RData::Aaaa(a) = r.data {
                    emit!(u128::from(a));
                }
            }
        }
        _ => {}
    }
    seen(present)
}

/// Occurrences of a string or byte field (and `frame`, as its bytes).
pub(crate) fn slices(b: Builtin, cx: &EvalContext<'_>, mut each: impl FnMut(&[u8]) -> bool) -> Seen {
    let mut present = false;
    macro_rules! emit {
        ($v:expr) => {{
            present = true;
            if each($v) {
                return Seen::Match;
            }
        }};
    }
    let p = cx.packet;
    use Builtin as B;
    match b {
        B::Frame => emit!(p.data),
        B::TcpPayload if p.tcp().is_some() && !p.payload.is_empty() => emit!(p.payload),
        B::UdpPayload if p.udp().is_some() && !p.payload.is_empty() => emit!(p.payload),
        B::DnsQryName => {
            for q in cx.dns().iter().flat_map(|m| &m.questions) {
                emit!(q.name.as_bytes());
            }
        }
        B::DnsRespName | B::DnsCname => {
            for r in cx.dns().iter().flat_map(|m| m.records()) {
                match (&r.data, b) {
                    (_, B::DnsRespName) => emit!(r.name.as_bytes()),
                    (RData::Cname(n), _) => emit!(n.as_bytes()),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    seen(present)
}
