//! tshark's Protocol and Info columns, worded as tshark 4.0 words them
//! (packet-tcp.c, packet-udp.c, packet-icmp.c, packet-icmpv6.c,
//! packet-arp.c, packet-ip.c), so that a person used to tshark reads
//! wirelens lines without translation.

use std::fmt::Write;
use std::net::IpAddr;

use crate::dissect::tree::names;
use crate::dissect::{AppKind, Fragment, Packet, Transport, dns, ip::proto, link::ethertype, tcp_flags};
use crate::flow::tcp::{Analysis, Kind};
use crate::services;

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

/// TCP flag names, lowest bit first (tshark's `tcp_flags_to_str` order).
pub fn tcp_flag_names(flags: u16, sep: &str) -> String {
    const NAMES: [(u16, &str); 9] = [
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
    let mut s = String::new();
    for (bit, name) in NAMES {
        if flags & bit != 0 {
            if !s.is_empty() {
                s.push_str(sep);
            }
            s.push_str(name);
        }
    }
    if s.is_empty() { "<None>".to_string() } else { s }
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

/// The Info column.
pub fn info(p: &Packet<'_>, dns: &[dns::Message], rel: Option<&Analysis>, resolve: bool) -> String {
    let mut s = String::new();
    if !dns.is_empty() {
        let parts: Vec<String> = dns.iter().map(|m| m.info_for_capture(p.truncated)).collect();
        s = parts.join(" , ");
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
                tcp(&mut s, t, raw, rel, resolve)
            }
            Transport::Udp(u) => {
                let _ = write!(
                    s,
                    "{} → {} Len={}",
                    services::label(u.sport, resolve),
                    services::label(u.dport, resolve),
                    u.length.saturating_sub(8)
                );
            }
            Transport::Icmp(i) => icmp(&mut s, p, i),
            _ => other(&mut s, p),
        }
    }
    if let Some(e) = &p.error {
        if !s.is_empty() {
            s.push(' ');
        }
        let _ = write!(s, "[Malformed: {}]", e);
    } else if p.truncated && s.is_empty() {
        // tshark marks a frame cut inside the headers it decodes; a cut in
        // a payload nobody reads goes unmarked in its Info column.
        s.push_str("[Packet size limited during capture]");
    }
    s
}

/// tshark's analysis tags before the ports. tshark prepends them one by
/// one (`col_prepend_fence_fstr` in packet-tcp.c), so they read in the
/// reverse of its checking order; a fast or spurious retransmission shows
/// only its own tag.
fn analysis_tags(s: &mut String, a: &Analysis) {
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
    for k in ORDER {
        if !a.has(k) {
            continue;
        }
        let tag = match k {
            Kind::DupAck => match a.dup_ack {
                Some(d) => format!("TCP Dup ACK {}#{}", d.of_frame, d.num),
                None => k.info_tag().to_string(),
            },
            Kind::Retransmission if a.has(Kind::FastRetransmission) => Kind::FastRetransmission.info_tag().into(),
            Kind::Retransmission if a.has(Kind::SpuriousRetransmission) => {
                Kind::SpuriousRetransmission.info_tag().into()
            }
            _ => k.info_tag().to_string(),
        };
        let _ = write!(s, "[{tag}] ");
    }
}

fn tcp(s: &mut String, t: &crate::dissect::Tcp, raw_options: Option<&[u8]>, rel: Option<&Analysis>, resolve: bool) {
    if let Some(a) = rel {
        analysis_tags(s, a);
    }
    let _ = write!(
        s,
        "{} → {} [{}]",
        services::label(t.sport, resolve),
        services::label(t.dport, resolve),
        tcp_flag_names(t.flags, ", ")
    );
    let seq = rel.map_or(t.seq, |r| r.rel_seq);
    let _ = write!(s, " Seq={seq}");
    if t.has(tcp_flags::ACK) {
        let ack = rel.and_then(|r| r.rel_ack).unwrap_or(t.ack);
        let _ = write!(s, " Ack={ack}");
    }
    let win = rel.map_or(u64::from(t.window), |r| u64::from(r.scaled_window));
    let _ = write!(s, " Win={win}");
    if t.has(tcp_flags::URG) {
        let _ = write!(s, " Urg={}", t.urgent);
    }
    let _ = write!(s, " Len={}", t.payload_len);
    let o = &t.options;
    let base = rel.map(|r| t.ack.wrapping_sub(r.rel_ack.unwrap_or(t.ack)));
    // tshark appends each option as it meets it, so the wire order is kept
    // when the option bytes are at hand; otherwise a fixed order.
    let order: Vec<u8> = match raw_options {
        Some(raw) => option_kinds(raw),
        None => vec![2, 4, 5, 8, 3],
    };
    for kind in order {
        match kind {
            2 => {
                if let Some(mss) = o.mss {
                    let _ = write!(s, " MSS={mss}");
                }
            }
            4 if o.sack_permitted => s.push_str(" SACK_PERM"),
            5 => {
                for &(l, r) in &o.sack[..usize::from(o.sack_count)] {
                    let (l, r) = match base {
                        Some(b) => (l.wrapping_sub(b), r.wrapping_sub(b)),
                        None => (l, r),
                    };
                    let _ = write!(s, " SLE={l} SRE={r}");
                }
            }
            8 => {
                if let Some((val, ecr)) = o.timestamp {
                    let _ = write!(s, " TSval={val} TSecr={ecr}");
                }
            }
            // TCP Fast Open (RFC 7413): a cookie request or a cookie.
            34 | 254 => match o.tfo_cookie_len {
                Some(0) => s.push_str(" TFO=R"),
                Some(_) => s.push_str(" TFO=C"),
                None => {}
            },
            3 => {
                if let Some(ws) = o.wscale {
                    let _ = write!(s, " WS={}", 1u64 << ws.min(14));
                }
            }
            _ => {}
        }
    }
}

/// The option kinds in wire order, each once (RFC 9293 §3.2 layout).
fn option_kinds(mut o: &[u8]) -> Vec<u8> {
    let mut kinds = Vec::new();
    while let Some(&kind) = o.first() {
        match kind {
            0 => break,
            1 => o = &o[1..],
            _ => {
                let len = o.get(1).map_or(0, |&l| usize::from(l));
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
                if len < 2 || len > o.len() {
                    break;
                }
                o = &o[len..];
            }
        }
    }
    kinds
}

fn icmp(s: &mut String, p: &Packet<'_>, i: &crate::dissect::Icmp) {
    let ttl = p.ip.map(|ip| ip.ttl).unwrap_or(0);
    // Type and code wording are the ones the -V tree uses (tshark's value strings).
    let (name, detail) = if i.v6 {
        (names::icmpv6_type(i.icmp_type), names::icmpv6_code(i.icmp_type, i.code))
    } else {
        (names::icmp_type(i.icmp_type), names::icmp_code(i.icmp_type, i.code))
    };
    s.push_str(name);
    if !i.v6 {
        if let Some((id, seq)) = i.echo {
            let _ = write!(s, "  id=0x{id:04x}, seq={seq}/{}, ttl={ttl}", seq.swap_bytes());
        } else if let Some(d) = detail {
            let _ = write!(s, " ({d})");
        }
    } else if let Some((id, seq)) = i.echo {
        let _ = write!(s, " id=0x{id:04x}, seq={seq}, hop limit={ttl}");
    } else if !matches!(i.icmp_type, 135 | 136) {
        if let Some(d) = detail {
            let _ = write!(s, " ({d})");
        }
    } else {
        // RFC 4861 §4.3/4.4: the target address follows the 4-byte
        // flags/reserved word; options (type, length in 8-byte units) follow it.
        if let Some(t) = p.payload.get(..16) {
            let mut a = [0u8; 16];
            a.copy_from_slice(t);
            let target = std::net::Ipv6Addr::from(a);
            if i.icmp_type == 135 {
                let _ = write!(s, " for {target}");
                // tshark adds the Source Link-Layer Address option (type 1).
                if let (Some(1), Some(mac)) = (p.payload.get(16), p.payload.get(18..24)) {
                    let mut m = [0u8; 6];
                    m.copy_from_slice(mac);
                    let _ = write!(s, " from {}", crate::dissect::Mac(m));
                }
            } else {
                let _ = write!(s, " {target}");
                let flags = p.data.get(p.transport_offset as usize + 4).copied().unwrap_or(0);
                let set: Vec<&str> = [(0x80, "rtr"), (0x40, "sol"), (0x20, "ovr")]
                    .iter()
                    .filter(|(bit, _)| flags & bit != 0)
                    .map(|(_, n)| *n)
                    .collect();
                if !set.is_empty() {
                    let _ = write!(s, " ({})", set.join(", "));
                }
                // The Target Link-Layer Address option (type 2).
                if let (Some(2), Some(mac)) = (p.payload.get(16), p.payload.get(18..24)) {
                    let mut m = [0u8; 6];
                    m.copy_from_slice(mac);
                    let _ = write!(s, " is at {}", crate::dissect::Mac(m));
                }
            }
        }
    }
    if let Some(q) = &i.quoted {
        let _ = write!(s, " [{} → {}", q.src, q.dst);
        if let (Some(sp), Some(dp)) = (q.sport, q.dport) {
            let _ = write!(s, " {} {sp} → {dp}", proto_name(q.proto));
        }
        s.push(']');
    }
}

fn other(s: &mut String, p: &Packet<'_>) {
    if let Some(ip) = &p.ip {
        match ip.fragment {
            Fragment::Held | Fragment::Dropped if ip.version == 4 => {
                let _ = write!(
                    s,
                    "Fragmented IP protocol (proto={} {}, off={}, ID={:04x})",
                    proto_name(ip.proto),
                    ip.proto,
                    ip.frag_offset,
                    ip.id
                );
            }
            Fragment::Held | Fragment::Dropped => {
                let _ = write!(
                    s,
                    "IPv6 fragment (off={} more={} ident=0x{:08x} nxt={})",
                    ip.frag_offset,
                    if ip.mf { "y" } else { "n" },
                    ip.id,
                    ip.proto
                );
            }
            _ => {
                if let Transport::Other(pr) = p.transport {
                    let _ = write!(s, "{} (protocol {pr})", proto_name(pr));
                }
            }
        }
        return;
    }
    if let Some(a) = &p.arp {
        match a.opcode {
            1 if a.sender_ip == a.target_ip => {
                let _ = write!(s, "Gratuitous ARP for {} (Request)", a.sender_ip);
            }
            1 => {
                let _ = write!(s, "Who has {}? Tell {}", a.target_ip, a.sender_ip);
            }
            2 => {
                let _ = write!(s, "{} is at {}", a.sender_ip, a.sender_mac);
            }
            op => {
                let _ = write!(s, "ARP opcode {op}");
            }
        }
        return;
    }
    if p.ethertype != 0
        && p.error.is_none()
        && !p.truncated
        && matches!(p.link_header, crate::dissect::LinkHeader::Ethernet { .. })
    {
        let _ = write!(s, "Ethernet II, type 0x{:04x}", p.ethertype);
    }
}

/// The address family word of an IP address (for tables).
pub fn family(a: &IpAddr) -> &'static str {
    if a.is_ipv4() { "IPv4" } else { "IPv6" }
}
