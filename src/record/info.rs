//! tshark's Protocol and Info columns, worded as tshark 4.0 words them
//! (packet-tcp.c, packet-udp.c, packet-icmp.c, packet-icmpv6.c,
//! packet-arp.c, packet-ip.c), so that a person used to tshark reads
//! wirelens lines without translation.

use std::io::Write;
use std::net::IpAddr;

use crate::dissect::tree::names;
use crate::dissect::{AppKind, Fragment, Packet, Transport, dns, ip::proto, link::ethertype, tcp_flags};
use crate::flow::tcp::{Analysis, Kind};
use crate::{services, text};

/// The highest protocol decoded, as tshark's Protocol column names it.
pub fn protocol(p: &Packet<'_>, has_dns: bool) -> &'static str {
    if has_dns {
        return match p.app {
            AppKind::Mdns => "MDNS",
            AppKind::Llmnr => "LLMNR",
            _ => "DNS",
        };
    }
    match p.transport {
        Transport::Tcp(_) => return "TCP",
        Transport::Udp(_) => return "UDP",
        Transport::Icmp(i) => return if i.v6 { "ICMPv6" } else { "ICMP" },
        _ => {}
    }
    if let Some(ip) = &p.ip {
        if matches!(ip.fragment, Fragment::Held | Fragment::Dropped) {
            return if ip.version == 4 { "IPv4" } else { "IPv6" };
        }
        return match (ip.version, ip.proto) {
            (_, 2) => "IGMP",
            (_, 47) => "GRE",
            (_, 50) => "ESP",
            (_, 132) => "SCTP",
            (4, _) => "IPv4",
            _ => "IPv6",
        };
    }
    if p.arp.is_some() || p.ethertype == ethertype::ARP {
        return "ARP";
    }
    match p.ethertype {
        0x88cc => "LLDP",
        0x888e => "EAPOL",
        0x8863 => "PPPoED",
        0x9000 => "LOOP",
        ethertype::IPV4 => "IPv4",
        ethertype::IPV6 => "IPv6",
        _ => match p.link_header {
            crate::dissect::LinkHeader::Ethernet { ethertype: 0..=1500, .. } => "LLC",
            crate::dissect::LinkHeader::Ethernet { .. } => "Ethernet",
            crate::dissect::LinkHeader::Sll { .. } => "SLL",
            crate::dissect::LinkHeader::Nflog { .. } => "NFLOG",
            _ => "Frame",
        },
    }
}

const FLAG_NAMES: [(u16, &str); 9] = [
    (tcp_flags::FIN, "FIN"),
    (tcp_flags::SYN, "SYN"),
    (tcp_flags::RST, "RST"),
    (tcp_flags::PSH, "PSH"),
    (tcp_flags::ACK, "ACK"),
    (tcp_flags::URG, "URG"),
    (tcp_flags::ECE, "ECE"),
    (tcp_flags::CWR, "CWR"),
    (tcp_flags::AE, "AE"),
];

/// TCP flag names, lowest bit first (tshark's `tcp_flags_to_str` order).
pub fn tcp_flag_names(flags: u16, sep: &str) -> String {
    let mut s = Vec::new();
    write_tcp_flag_names(&mut s, flags, sep);
    String::from_utf8(s).unwrap_or_default()
}

/// [`tcp_flag_names`], appended to `out`.
pub fn write_tcp_flag_names(out: &mut Vec<u8>, flags: u16, sep: &str) {
    let start = out.len();
    for (bit, name) in FLAG_NAMES {
        if flags & bit != 0 {
            if out.len() != start {
                out.extend_from_slice(sep.as_bytes());
            }
            out.extend_from_slice(name.as_bytes());
        }
    }
    if out.len() == start {
        out.extend_from_slice(b"<None>");
    }
}

fn proto_name(p: u8) -> &'static str {
    match p {
        proto::ICMP => "ICMP",
        2 => "IGMP",
        proto::TCP => "TCP",
        proto::UDP => "UDP",
        47 => "GRE",
        50 => "ESP",
        proto::ICMPV6 => "ICMPv6",
        132 => "SCTP",
        _ => "Unknown",
    }
}

const ARROW: &[u8] = " \u{2192} ".as_bytes();

/// A port as tshark prints it ([`services::label`]), appended to `out`.
fn port(out: &mut Vec<u8>, port: u16, resolve: bool) {
    match services::name(port).filter(|_| resolve) {
        Some(n) => {
            out.extend_from_slice(n.as_bytes());
            out.push(b'(');
            text::u64(out, u64::from(port));
            out.push(b')');
        }
        None => text::u64(out, u64::from(port)),
    }
}

/// The Info column, as a string (for the owned record).
pub fn info(p: &Packet<'_>, dns: &[dns::Message], rel: Option<&Analysis>, resolve: bool) -> String {
    let mut s = Vec::new();
    write_info(&mut s, p, dns, rel, resolve);
    // Everything written is ASCII or comes from `&str`s, so this never
    // falls back; the fallback only keeps a bug from becoming a panic.
    String::from_utf8(s).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The Info column, appended to `out` (UTF-8). The `packets` line calls
/// this once per packet with a reused buffer, so the common cases (TCP,
/// UDP) write their numbers through [`text`] rather than `write!`; rare
/// ones (errors, DNS) may still format.
pub fn write_info(out: &mut Vec<u8>, p: &Packet<'_>, dns: &[dns::Message], rel: Option<&Analysis>, resolve: bool) {
    let start = out.len();
    if !dns.is_empty() {
        for (i, m) in dns.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b" , ");
            }
            out.extend_from_slice(m.info_for_capture(p.truncated).as_bytes());
        }
    } else {
        match &p.transport {
            Transport::Tcp(t) => {
                // The option bytes are in the frame unless the segment was reassembled from fragments.
                let reassembled = p.ip.is_some_and(|ip| matches!(ip.fragment, Fragment::Completed { .. }));
                let start = p.transport_offset as usize + 20;
                let raw = if reassembled {
                    None
                } else {
                    p.data.get(start..start + usize::from(t.header_len).saturating_sub(20))
                };
                tcp(out, t, raw, rel, resolve)
            }
            Transport::Udp(u) => {
                port(out, u.sport, resolve);
                out.extend_from_slice(ARROW);
                port(out, u.dport, resolve);
                out.extend_from_slice(b" Len=");
                text::u64(out, u64::from(u.length.saturating_sub(8)));
            }
            Transport::Icmp(i) => icmp(out, p, i),
            _ => other(out, p),
        }
    }
    if let Some(e) = &p.error {
        if out.len() != start {
            out.push(b' ');
        }
        let _ = write!(out, "[Malformed: {}]", e);
    } else if p.truncated && out.len() == start {
        // tshark marks a frame cut inside the headers it decodes; a cut in
        // a payload nobody reads goes unmarked in its Info column.
        out.extend_from_slice(b"[Packet size limited during capture]");
    }
}

/// tshark's analysis tags before the ports. tshark prepends them one by
/// one (`col_prepend_fence_fstr` in packet-tcp.c), so they read in the
/// reverse of its checking order; a fast or spurious retransmission shows
/// only its own tag.
fn analysis_tags(out: &mut Vec<u8>, a: &Analysis) {
    const ORDER: [Kind; 13] = [
        Kind::ReusedPorts,
        Kind::OutOfOrder,
        Kind::ZeroWindowProbeAck,
        Kind::ZeroWindow,
        Kind::ZeroWindowProbe,
        Kind::DupAck,
        Kind::KeepAliveAck,
        Kind::KeepAlive,
        Kind::WindowFull,
        Kind::WindowUpdate,
        Kind::AckedUnseen,
        Kind::LostSegment,
        Kind::Retransmission,
    ];
    if a.kinds.is_empty() {
        return;
    }
    for k in ORDER {
        if !a.has(k) {
            continue;
        }
        out.push(b'[');
        match k {
            Kind::DupAck => match a.dup_ack {
                Some(d) => {
                    out.extend_from_slice(b"TCP Dup ACK ");
                    text::u64(out, d.of_frame);
                    out.push(b'#');
                    text::u64(out, u64::from(d.num));
                }
                None => out.extend_from_slice(k.info_tag().as_bytes()),
            },
            Kind::Retransmission if a.has(Kind::FastRetransmission) => {
                out.extend_from_slice(Kind::FastRetransmission.info_tag().as_bytes())
            }
            Kind::Retransmission if a.has(Kind::SpuriousRetransmission) => {
                out.extend_from_slice(Kind::SpuriousRetransmission.info_tag().as_bytes())
            }
            _ => out.extend_from_slice(k.info_tag().as_bytes()),
        }
        out.extend_from_slice(b"] ");
    }
}

fn tcp(out: &mut Vec<u8>, t: &crate::dissect::Tcp, raw_options: Option<&[u8]>, rel: Option<&Analysis>, resolve: bool) {
    if let Some(a) = rel {
        analysis_tags(out, a);
    }
    port(out, t.sport, resolve);
    out.extend_from_slice(ARROW);
    port(out, t.dport, resolve);
    out.extend_from_slice(b" [");
    // The usual combinations without the loop over every flag.
    let common: &[u8] = match t.flags {
        0x010 => b"ACK",
        0x018 => b"PSH, ACK",
        0x011 => b"FIN, ACK",
        0x019 => b"FIN, PSH, ACK",
        0x002 => b"SYN",
        0x012 => b"SYN, ACK",
        0x004 => b"RST",
        0x014 => b"RST, ACK",
        _ => b"",
    };
    if common.is_empty() {
        write_tcp_flag_names(out, t.flags, ", ");
    } else {
        out.extend_from_slice(common);
    }
    out.extend_from_slice(b"] Seq=");
    text::u64(out, u64::from(rel.map_or(t.seq, |r| r.rel_seq)));
    if t.has(tcp_flags::ACK) {
        out.extend_from_slice(b" Ack=");
        text::u64(out, u64::from(rel.and_then(|r| r.rel_ack).unwrap_or(t.ack)));
    }
    out.extend_from_slice(b" Win=");
    text::u64(out, rel.map_or(u64::from(t.window), |r| u64::from(r.scaled_window)));
    if t.has(tcp_flags::URG) {
        out.extend_from_slice(b" Urg=");
        text::u64(out, u64::from(t.urgent));
    }
    out.extend_from_slice(b" Len=");
    text::u64(out, u64::from(t.payload_len));
    let base = rel.map(|r| t.ack.wrapping_sub(r.rel_ack.unwrap_or(t.ack)));
    // tshark appends each option as it meets it, so the wire order is kept
    // when the option bytes are at hand; otherwise a fixed order.
    match raw_options {
        Some(raw) => {
            let mut seen = OptionKinds::default();
            let mut o = raw;
            // The option kinds in wire order, each once (RFC 9293 §3.2 layout).
            while let Some(&kind) = o.first() {
                match kind {
                    0 => break,
                    1 => o = &o[1..],
                    _ => {
                        let len = o.get(1).map_or(0, |&l| usize::from(l));
                        if seen.first(kind) {
                            tcp_option(out, t, kind, base);
                        }
                        if len < 2 || len > o.len() {
                            break;
                        }
                        o = &o[len..];
                    }
                }
            }
        }
        None => {
            for kind in [2, 4, 5, 8, 3] {
                tcp_option(out, t, kind, base);
            }
        }
    }
}

/// Option kinds met so far: a bit per kind, so the walk needs no list.
#[derive(Default)]
struct OptionKinds([u64; 4]);

impl OptionKinds {
    /// Marks `kind` as met; true the first time.
    fn first(&mut self, kind: u8) -> bool {
        let (word, bit) = (usize::from(kind >> 6), 1u64 << (kind & 63));
        let new = self.0[word] & bit == 0;
        self.0[word] |= bit;
        new
    }
}

/// One option's words in the Info column (nothing for kinds tshark does not show there).
fn tcp_option(out: &mut Vec<u8>, t: &crate::dissect::Tcp, kind: u8, base: Option<u32>) {
    let o = &t.options;
    match kind {
        2 => {
            if let Some(mss) = o.mss {
                out.extend_from_slice(b" MSS=");
                text::u64(out, u64::from(mss));
            }
        }
        4 if o.sack_permitted => out.extend_from_slice(b" SACK_PERM"),
        5 => {
            for &(l, r) in o.sack.iter().take(usize::from(o.sack_count)) {
                let (l, r) = match base {
                    Some(b) => (l.wrapping_sub(b), r.wrapping_sub(b)),
                    None => (l, r),
                };
                out.extend_from_slice(b" SLE=");
                text::u64(out, u64::from(l));
                out.extend_from_slice(b" SRE=");
                text::u64(out, u64::from(r));
            }
        }
        8 => {
            if let Some((val, ecr)) = o.timestamp {
                out.extend_from_slice(b" TSval=");
                text::u64(out, u64::from(val));
                out.extend_from_slice(b" TSecr=");
                text::u64(out, u64::from(ecr));
            }
        }
        // TCP Fast Open (RFC 7413): a cookie request or a cookie.
        34 | 254 => match o.tfo_cookie_len {
            Some(0) => out.extend_from_slice(b" TFO=R"),
            Some(_) => out.extend_from_slice(b" TFO=C"),
            None => {}
        },
        3 => {
            if let Some(ws) = o.wscale {
                out.extend_from_slice(b" WS=");
                text::u64(out, 1u64 << ws.min(14));
            }
        }
        _ => {}
    }
}

fn icmp(out: &mut Vec<u8>, p: &Packet<'_>, i: &crate::dissect::Icmp) {
    let ttl = p.ip.map(|ip| ip.ttl).unwrap_or(0);
    // Type and code wording are the ones the -V tree uses (tshark's value strings).
    let (name, detail) = if i.v6 {
        (names::icmpv6_type(i.icmp_type), names::icmpv6_code(i.icmp_type, i.code))
    } else {
        (names::icmp_type(i.icmp_type), names::icmp_code(i.icmp_type, i.code))
    };
    out.extend_from_slice(name.as_bytes());
    let detail = |out: &mut Vec<u8>| {
        if let Some(d) = detail {
            out.extend_from_slice(b" (");
            out.extend_from_slice(d.as_bytes());
            out.push(b')');
        }
    };
    if !i.v6 {
        if let Some((id, seq)) = i.echo {
            out.extend_from_slice(b"  id=0x");
            text::hex(out, u64::from(id), 4);
            out.extend_from_slice(b", seq=");
            text::u64(out, u64::from(seq));
            out.push(b'/');
            text::u64(out, u64::from(seq.swap_bytes()));
            out.extend_from_slice(b", ttl=");
            text::u64(out, u64::from(ttl));
        } else {
            detail(out);
        }
    } else if let Some((id, seq)) = i.echo {
        out.extend_from_slice(b" id=0x");
        text::hex(out, u64::from(id), 4);
        out.extend_from_slice(b", seq=");
        text::u64(out, u64::from(seq));
        out.extend_from_slice(b", hop limit=");
        text::u64(out, u64::from(ttl));
    } else if !matches!(i.icmp_type, 135 | 136) {
        detail(out);
    } else {
        // RFC 4861 §4.3/4.4: the target address follows the 4-byte
        // flags/reserved word; options (type, length in 8-byte units) follow it.
        if let Some(t) = p.payload.get(..16) {
            let mut a = [0u8; 16];
            a.copy_from_slice(t);
            let target = std::net::Ipv6Addr::from(a);
            if i.icmp_type == 135 {
                out.extend_from_slice(b" for ");
                text::ipv6(out, &target);
                // tshark adds the Source Link-Layer Address option (type 1).
                if let (Some(1), Some(mac)) = (p.payload.get(16), p.payload.get(18..24)) {
                    let mut m = [0u8; 6];
                    m.copy_from_slice(mac);
                    out.extend_from_slice(b" from ");
                    text::mac(out, &m);
                }
            } else {
                out.push(b' ');
                text::ipv6(out, &target);
                let flags = p.data.get(p.transport_offset as usize + 4).copied().unwrap_or(0);
                let mut first = true;
                for (bit, n) in [(0x80, "rtr"), (0x40, "sol"), (0x20, "ovr")] {
                    if flags & bit != 0 {
                        out.extend_from_slice(if first { b" (" } else { b", " });
                        out.extend_from_slice(n.as_bytes());
                        first = false;
                    }
                }
                if !first {
                    out.push(b')');
                }
                // The Target Link-Layer Address option (type 2).
                if let (Some(2), Some(mac)) = (p.payload.get(16), p.payload.get(18..24)) {
                    let mut m = [0u8; 6];
                    m.copy_from_slice(mac);
                    out.extend_from_slice(b" is at ");
                    text::mac(out, &m);
                }
            }
        }
    }
    if let Some(q) = &i.quoted {
        out.extend_from_slice(b" [");
        text::ip(out, &q.src);
        out.extend_from_slice(ARROW);
        text::ip(out, &q.dst);
        if let (Some(sp), Some(dp)) = (q.sport, q.dport) {
            out.push(b' ');
            out.extend_from_slice(proto_name(q.proto).as_bytes());
            out.push(b' ');
            text::u64(out, u64::from(sp));
            out.extend_from_slice(ARROW);
            text::u64(out, u64::from(dp));
        }
        out.push(b']');
    }
}

fn other(out: &mut Vec<u8>, p: &Packet<'_>) {
    if let Some(ip) = &p.ip {
        match ip.fragment {
            Fragment::Held | Fragment::Dropped if ip.version == 4 => {
                let _ = write!(
                    out,
                    "Fragmented IP protocol (proto={} {}, off={}, ID={:04x})",
                    proto_name(ip.proto),
                    ip.proto,
                    ip.frag_offset,
                    ip.id
                );
            }
            Fragment::Held | Fragment::Dropped => {
                let _ = write!(
                    out,
                    "IPv6 fragment (off={} more={} ident=0x{:08x} nxt={})",
                    ip.frag_offset,
                    if ip.mf { "y" } else { "n" },
                    ip.id,
                    ip.proto
                );
            }
            _ => {
                if let Transport::Other(pr) = p.transport {
                    let _ = write!(out, "{} (protocol {pr})", proto_name(pr));
                }
            }
        }
        return;
    }
    if let Some(a) = &p.arp {
        match a.opcode {
            1 if a.sender_ip == a.target_ip => {
                out.extend_from_slice(b"Gratuitous ARP for ");
                text::ipv4(out, &a.sender_ip);
                out.extend_from_slice(b" (Request)");
            }
            1 => {
                out.extend_from_slice(b"Who has ");
                text::ipv4(out, &a.target_ip);
                out.extend_from_slice(b"? Tell ");
                text::ipv4(out, &a.sender_ip);
            }
            2 => {
                text::ipv4(out, &a.sender_ip);
                out.extend_from_slice(b" is at ");
                text::mac(out, &a.sender_mac.0);
            }
            op => {
                out.extend_from_slice(b"ARP opcode ");
                text::u64(out, u64::from(op));
            }
        }
        return;
    }
    if p.ethertype != 0
        && p.error.is_none()
        && !p.truncated
        && matches!(p.link_header, crate::dissect::LinkHeader::Ethernet { .. })
    {
        out.extend_from_slice(b"Ethernet II, type 0x");
        text::hex(out, u64::from(p.ethertype), 4);
    }
}

/// The address family word of an IP address (for tables).
pub fn family(a: &IpAddr) -> &'static str {
    if a.is_ipv4() { "IPv4" } else { "IPv6" }
}
