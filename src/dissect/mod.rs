//! Bytes to a layered view: Ethernet/VLAN/MPLS/PPPoE, ARP, IPv4/IPv6 with
//! fragment reassembly, TCP/UDP/ICMP/ICMPv6, and DNS over UDP and TCP.
//!
//! Owns: link-type decisions (in `link`, the one place), header views that
//! check lengths before every read, reassembly of IP fragments and of DNS
//! messages over TCP, and the count of every frame that could not be fully
//! decoded, by reason. Must not know: flows, sessions, output formats.
//! Never panics: every input, however malformed, gives a `Packet` whose
//! `error` says where and why decoding stopped.

pub mod bytes;
pub mod defrag;
pub mod dns;
pub mod ip;
pub mod link;
pub mod packet;
pub mod quick;
pub mod tcpdns;
pub mod transport;
pub mod tree;

use std::collections::BTreeMap;

pub use packet::*;

use crate::capture::Frame;
use defrag::{Defragmenter, Offer};
use link::{Net, ethertype};
use tcpdns::TcpDns;

/// Well-known ports of the application protocols we decode.
pub mod ports {
    pub const DNS: u16 = 53;
    pub const MDNS: u16 = 5353;
    pub const LLMNR: u16 = 5355;
}

/// What the dissector saw overall; every frame that was not fully decoded
/// is counted under a reason.
#[derive(Debug, Default, Clone)]
pub struct DissectStats {
    pub frames: u64,
    pub truncated: u64,
    /// Frames whose decoding stopped on an error, by "layer: problem kind".
    pub errors: BTreeMap<String, u64>,
    pub defrag: defrag::DefragStats,
    pub tcp_dns_evicted: u64,
}

/// The stateful dissector: one per capture (fragment and DNS-over-TCP
/// reassembly carry state from frame to frame).
#[derive(Debug, Default)]
pub struct Dissector {
    defrag: Defragmenter,
    tcp_dns: TcpDns,
    stats: DissectStats,
}

impl Dissector {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes one frame as far as its bytes allow.
    pub fn dissect<'a>(&'a mut self, f: &Frame<'a>) -> Packet<'a> {
        let mut p = Packet::new(f.number, f.ts, f.link, f.interface, f.orig_len, f.data);
        self.decode(&mut p);
        p
    }

    /// Decodes one frame and hands the view to `k` where it was built: the
    /// 408-byte `Packet` is not moved out (a copy of every frame's view that
    /// the per-packet paths of `flows` and `conv` avoid).
    #[inline]
    pub fn dissect_with<'a, R>(&'a mut self, f: &Frame<'a>, k: impl FnOnce(&Packet<'a>) -> R) -> R {
        let mut p = Packet::new(f.number, f.ts, f.link, f.interface, f.orig_len, f.data);
        self.decode(&mut p);
        k(&p)
    }

    /// Fills `p`, made by `Packet::new` from a frame, from its bytes.
    fn decode<'a>(&'a mut self, p: &mut Packet<'a>) {
        let Dissector { defrag, tcp_dns, stats } = self;
        let net = link::decode(p);
        // The version the lower layer promises: an ethertype or a link type
        // says which IP it carries; raw IP and MPLS leave it to the first nibble.
        let (ethertype, offset, expect) = match net {
            Net::Ether { ethertype: t @ ethertype::IPV4, offset } => (t, offset, Some(4)),
            Net::Ether { ethertype: t @ ethertype::IPV6, offset } => (t, offset, Some(6)),
            Net::Ether { ethertype, offset } => (ethertype, offset, None),
            Net::Ip { offset, expect } => {
                let version = expect.or_else(|| p.data.get(offset).map(|b| b >> 4));
                let t = if version == Some(6) { ethertype::IPV6 } else { ethertype::IPV4 };
                (t, offset, expect)
            }
            Net::None => (0, 0, None),
        };
        if net != Net::None {
            p.ethertype = ethertype;
            p.net_offset = offset as u32;
            match ethertype {
                ethertype::IPV4 | ethertype::IPV6 => ip_and_above(p, offset, expect, defrag, tcp_dns),
                ethertype::ARP => arp(p, offset),
                _ => {}
            }
        }
        stats.frames += 1;
        if p.truncated {
            stats.truncated += 1;
        }
        if let Some(e) = &p.error {
            *stats.errors.entry(format!("{}: {}", e.layer.name(), problem_kind(&e.problem))).or_default() += 1;
        }
    }

    /// Statistics so far; call `finish` at the end to count unfinished reassembly.
    pub fn stats(&self) -> &DissectStats {
        &self.stats
    }

    pub fn finish(&mut self) -> DissectStats {
        self.stats.defrag = self.defrag.finish();
        self.stats.tcp_dns_evicted = self.tcp_dns.evicted;
        self.stats.clone()
    }
}

fn problem_kind(p: &Problem) -> &'static str {
    match p {
        Problem::TooShort { .. } => "header shorter than its minimum",
        Problem::BadVersion { .. } => "wrong IP version",
        Problem::Ipv4HeaderLen { .. } => "bogus IPv4 header length",
        Problem::Ipv4TotalLen { .. } => "bogus IPv4 total length",
        Problem::TcpHeaderLen { .. } => "bogus TCP header length",
        Problem::UdpLength { .. } => "bogus UDP length",
        Problem::ExtHeaderOverrun { .. } => "IPv6 extension header overrun",
        Problem::TooManyTags => "too many tags",
        Problem::UnknownLinkType { .. } => "link type not decoded",
        Problem::UnknownFamily { .. } => "unknown loopback address family",
        Problem::IpLengthExceedsFrame { .. } => "IP length exceeds frame",
    }
}

fn ip_and_above<'a>(
    p: &mut Packet<'a>,
    offset: usize,
    expect: Option<u8>,
    defrag: &'a mut Defragmenter,
    tcp_dns: &'a mut TcpDns,
) {
    let data = p.data;
    let Some(mut ipp) = ip::decode(p, data, offset, expect) else {
        return;
    };
    // `ip::decode` has set `p.ip`.
    let Some(ip) = p.ip.as_mut() else { return };
    if ip.fragment == Fragment::Held {
        let key = defrag::Key { src: ip.src, dst: ip.dst, id: ip.id, proto: ip.proto };
        match defrag.offer(key, ip.frag_offset, ip.mf, ipp.payload, ipp.wire_len, p.ts) {
            Offer::Held => {
                p.payload = ipp.payload;
                return;
            }
            Offer::Dropped => {
                ip.fragment = Fragment::Dropped;
                p.payload = ipp.payload;
                return;
            }
            Offer::Complete { payload, fragments } => {
                ip.fragment = Fragment::Completed { fragments, len: payload.len() as u32 };
                ipp.payload = payload;
                ipp.wire_len = payload.len() as u32;
            }
        }
    }
    p.transport_offset = ipp.offset as u32;
    let payload = transport::decode(p, &ipp);
    p.payload = payload;
    match &p.transport {
        Transport::Udp(u) => {
            p.app = app_for_ports(u.sport, u.dport);
            if p.app != AppKind::None && !payload.is_empty() {
                p.dns.push(payload);
            }
        }
        Transport::Tcp(t) if t.sport == ports::DNS || t.dport == ports::DNS => {
            p.app = AppKind::Dns;
            let Some(ip) = &p.ip else { return };
            let key = tcpdns::Key { src: ip.src, dst: ip.dst, sport: t.sport, dport: t.dport };
            let complete = payload.len() as u32 == t.payload_len;
            let fin_rst = t.has(tcp_flags::FIN) || t.has(tcp_flags::RST);
            let seq = t.seq.wrapping_add(u32::from(t.has(tcp_flags::SYN)));
            p.dns = tcp_dns.segment(key, seq, t.has(tcp_flags::SYN), fin_rst, payload, complete);
        }
        _ => {}
    }
}

fn app_for_ports(sport: u16, dport: u16) -> AppKind {
    let is = |port| sport == port || dport == port;
    if is(ports::DNS) {
        AppKind::Dns
    } else if is(ports::MDNS) {
        AppKind::Mdns
    } else if is(ports::LLMNR) {
        AppKind::Llmnr
    } else {
        AppKind::None
    }
}

/// ARP over Ethernet/IPv4 (RFC 826); other hardware/protocol pairs keep only
/// the ethertype.
fn arp(p: &mut Packet<'_>, offset: usize) {
    use bytes::{array, be16};
    let d = p.data;
    let Some(h) = d.get(offset..) else { return };
    let (Some(hw), Some(pt), Some(op)) = (be16(h, 0), be16(h, 2), be16(h, 6)) else {
        if (p.orig_len as usize) > d.len() {
            p.truncated = true;
        } else {
            p.fail(Layer::Arp, offset, Problem::TooShort { need: 8, have: h.len() as u32 });
        }
        return;
    };
    if h.get(4..6) != Some(&[6, 4][..]) {
        return;
    }
    match (array::<6>(h, 8), array::<4>(h, 14), array::<6>(h, 18), array::<4>(h, 24)) {
        (Some(sm), Some(si), Some(tm), Some(ti)) => {
            p.arp = Some(Arp {
                hw_type: hw,
                proto_type: pt,
                opcode: op,
                sender_mac: Mac(sm),
                sender_ip: si.into(),
                target_mac: Mac(tm),
                target_ip: ti.into(),
            });
        }
        _ => {
            if (p.orig_len as usize) > d.len() {
                p.truncated = true;
            } else {
                p.fail(Layer::Arp, offset, Problem::TooShort { need: 28, have: h.len() as u32 });
            }
        }
    }
}
