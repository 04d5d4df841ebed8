//! Tree sections below the network layer: the link header of each link type
//! (Ethernet II / 802.3, Linux cooked v1/v2, BSD loopback, NFLOG), the tags
//! and encapsulations stepped over (802.1Q/802.1ad, VN-Tag, MPLS with a
//! pseudowire control word, PPPoE, LLC/SNAP), and ARP.
//!
//! The walk mirrors `dissect::link` rule for rule, so it ends where the
//! dissector found the network layer; it is iterative (no recursion on
//! stacked encapsulations, however many a crafted frame carries).

use super::{Ctx, bits, hex, mac, names};
use crate::capture::LinkType;
use crate::dissect::bytes::{array, be16, be32, le16, le32, u8_at};
use crate::dissect::link::ethertype as et;
use crate::dissect::packet::Packet;

/// What follows the link layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Next {
    /// IP at `offset`; `expect` is the version the lower layer promises
    /// (`None`: the first nibble decides).
    Ip { offset: usize, expect: Option<u8> },
    /// A protocol named by an ethertype that is not IP.
    Ether { ethertype: u16, offset: usize },
    /// Bytes no layer here decodes.
    Data { offset: usize },
    /// Nothing more to show (a header was cut short or a limit reached).
    #[default]
    Stop,
}

/// One step of the encapsulation walk: go on with an ethertype at an offset, or stop.
type Step = Result<(u16, usize), Next>;

/// Writes the link-layer sections of `p` and says where the rest begins.
pub(super) fn write(c: &mut Ctx<'_>, p: &Packet<'_>) -> Next {
    let d = p.data;
    match p.link {
        LinkType::ETHERNET => match eth_header(c, d, 0) {
            Some(t) => walk(c, d, t, 14),
            None => Next::Stop,
        },
        LinkType::RAW | LinkType::RAW_12 | LinkType::RAW_14 => Next::Ip { offset: 0, expect: None },
        LinkType::IPV4 => Next::Ip { offset: 0, expect: Some(4) },
        LinkType::IPV6 => Next::Ip { offset: 0, expect: Some(6) },
        LinkType::NULL => null(c, d, false),
        LinkType::LOOP => null(c, d, true),
        LinkType::LINUX_SLL => sll(c, d),
        LinkType::LINUX_SLL2 => sll2(c, d),
        LinkType::NFLOG => nflog(c, d),
        _ => Next::Data { offset: 0 },
    }
}

/// An Ethernet II or IEEE 802.3 header at `off`; returns its type/length field.
fn eth_header(c: &mut Ctx<'_>, d: &[u8], off: usize) -> Option<u16> {
    let (dst, src, t) = (array::<6>(d, off), array::<6>(d, off + 6), be16(d, off + 12));
    c.proto("eth");
    match (dst, src, t) {
        (_, _, Some(t)) if t <= 1500 => c.line(0, "IEEE 802.3 Ethernet"),
        (Some(dst), Some(src), _) => ln!(c, 0, "Ethernet II, Src: {}, Dst: {}", mac(src), mac(dst)),
        _ => c.line(0, "Ethernet II"),
    }
    let dst = need!(c, "Ethernet", dst);
    mac_field(c, "Destination", dst);
    let src = need!(c, "Ethernet", src);
    mac_field(c, "Source", src);
    let t = need!(c, "Ethernet", t);
    if t <= 1500 {
        ln!(c, 1, "Length: {t}");
    } else {
        type_line(c, 1, t);
    }
    Some(t)
}

fn mac_field(c: &mut Ctx<'_>, name: &str, m: [u8; 6]) {
    ln!(c, 1, "{name}: {}", mac(m));
    let v = u64::from(m[0]) << 16 | u64::from(m[1]) << 8 | u64::from(m[2]);
    let lg = if m[0] & 2 != 0 {
        "Locally administered address (this is NOT the factory default)"
    } else {
        "Globally unique address (factory default)"
    };
    ln!(c, 2, "{} = LG bit: {lg}", bits(v, 24, 0x02_0000));
    let ig = if m[0] & 1 != 0 { "Group address (multicast/broadcast)" } else { "Individual address (unicast)" };
    ln!(c, 2, "{} = IG bit: {ig}", bits(v, 24, 0x01_0000));
}

fn type_line(c: &mut Ctx<'_>, depth: usize, t: u16) {
    c.proto("ethertype");
    ln!(c, depth, "Type: {} (0x{t:04x})", names::ethertype(t));
}

/// Tags and encapsulations from an ethertype at `off` up to the network
/// layer (`dissect::link::after_ethertype`).
fn walk(c: &mut Ctx<'_>, d: &[u8], mut t: u16, mut off: usize) -> Next {
    let (mut tags, mut labels) = (0, 0);
    loop {
        let step = match t {
            0..=1500 => llc(c, d, off),
            et::VLAN | et::QINQ | et::QINQ_OLD1 | et::QINQ_OLD2 => {
                if tags == crate::dissect::packet::Vlans::MAX {
                    ln!(c, 0, "[More than {tags} stacked VLAN tags: not decoded further]");
                    return Next::Stop;
                }
                tags += 1;
                vlan(c, d, t, off)
            }
            et::VNTAG => vntag(c, d, off),
            et::MPLS | et::MPLS_MC => mpls(c, d, off, &mut labels),
            et::PPPOE_SESS => return pppoe(c, d, off),
            et::IPV4 => {
                return Next::Ip { offset: off, expect: Some(4) };
            }
            et::IPV6 => {
                return Next::Ip { offset: off, expect: Some(6) };
            }
            _ => {
                return Next::Ether { ethertype: t, offset: off };
            }
        };
        match step {
            Ok((nt, noff)) => (t, off) = (nt, noff),
            Err(next) => return next,
        }
    }
}

fn vlan(c: &mut Ctx<'_>, d: &[u8], tpid: u16, off: usize) -> Step {
    let ad = tpid == et::QINQ;
    c.proto(if ad { "ieee8021ad" } else { "vlan" });
    let Some(tci) = be16(d, off) else {
        c.line(0, if ad { "IEEE 802.1ad" } else { "802.1Q Virtual LAN" });
        c.cut("802.1Q");
        return Err(Next::Stop);
    };
    let w = u64::from(tci);
    let (pcp, dei, id) = ((tci >> 13) as u8, (tci >> 12) & 1, tci & 0x0fff);
    if ad {
        ln!(c, 0, "IEEE 802.1ad, ID: {id}");
    } else {
        ln!(c, 0, "802.1Q Virtual LAN, PRI: {pcp}, DEI: {dei}, ID: {id}");
    }
    ln!(c, 1, "{} = Priority: {} ({pcp})", bits(w, 16, 0xe000), names::vlan_pcp(pcp));
    ln!(c, 1, "{} = DEI: {}", bits(w, 16, 0x1000), if dei == 1 { "Eligible" } else { "Ineligible" });
    ln!(c, 1, "{} = ID: {id}", bits(w, 16, 0x0fff));
    let Some(next) = be16(d, off + 2) else {
        c.cut("802.1Q");
        return Err(Next::Stop);
    };
    if next <= 1500 {
        ln!(c, 1, "Length: {next}");
    } else {
        type_line(c, 1, next);
    }
    Ok((next, off + 4))
}

/// Cisco VN-Tag (as Wireshark's packet-vntag.c).
fn vntag(c: &mut Ctx<'_>, d: &[u8], off: usize) -> Step {
    c.proto("vntag");
    c.line(0, "VN-Tag");
    let (Some(tag), Some(next)) = (be32(d, off), be16(d, off + 4)) else {
        c.cut("VN-Tag");
        return Err(Next::Stop);
    };
    let w = u64::from(tag);
    let b = |m: u64| bits(w, 32, m);
    let dir = if tag & 0x8000_0000 != 0 { "From Bridge" } else { "To Bridge" };
    ln!(c, 1, "{} = Direction: {dir}", b(0x8000_0000));
    let ptr = if tag & 0x4000_0000 != 0 { "vif_list_id" } else { "vif_id" };
    ln!(c, 1, "{} = Pointer: {ptr}", b(0x4000_0000));
    ln!(c, 1, "{} = Destination: {}", b(0x3fff_0000), (tag >> 16) & 0x3fff);
    ln!(c, 1, "{} = Looped: {}", b(0x8000), if tag & 0x8000 != 0 { "Yes" } else { "No" });
    ln!(c, 1, "{} = Reserved: {}", b(0x4000), (tag >> 14) & 1);
    ln!(c, 1, "{} = Version: {}", b(0x3000), (tag >> 12) & 3);
    ln!(c, 1, "{} = Source: {}", b(0x0fff), tag & 0x0fff);
    type_line(c, 1, next);
    Ok((next, off + 6))
}

/// The MPLS label stack (RFC 3032), then what the dissector guesses follows:
/// IP by its first nibble, or a pseudowire control word and an Ethernet frame.
/// `labels` counts across every stack of the frame, as the dissector's limit does.
fn mpls(c: &mut Ctx<'_>, d: &[u8], mut off: usize, labels: &mut usize) -> Step {
    loop {
        c.proto("mpls");
        let Some(e) = be32(d, off) else {
            c.line(0, "MultiProtocol Label Switching Header");
            c.cut("MPLS");
            return Err(Next::Stop);
        };
        let (label, exp, s, ttl) = (e >> 12, (e >> 9) & 7, (e >> 8) & 1, e & 0xff);
        let named = names::mpls_label(label);
        let title_label = named.map_or(label.to_string(), |n| format!("{n} ({label})"));
        ln!(c, 0, "MultiProtocol Label Switching Header, Label: {title_label}, Exp: {exp}, S: {s}, TTL: {ttl}");
        let w = u64::from(e);
        let field = named.map_or(format!("{label} (0x{label:05x})"), |n| format!("{n} ({label})"));
        ln!(c, 1, "{} = MPLS Label: {field}", bits(w, 32, 0xffff_f000));
        ln!(c, 1, "{} = MPLS Experimental Bits: {exp}", bits(w, 32, 0xe00));
        ln!(c, 1, "{} = MPLS Bottom Of Label Stack: {s}", bits(w, 32, 0x100));
        ln!(c, 1, "{} = MPLS TTL: {ttl}", bits(w, 32, 0xff));
        off += 4;
        *labels += 1;
        if s == 1 {
            break;
        }
        if *labels > 16 {
            c.line(0, "[More than 16 MPLS labels: not decoded further]");
            return Err(Next::Stop);
        }
    }
    match u8_at(d, off).map(|b| b >> 4) {
        Some(4 | 6) => Err(Next::Ip { offset: off, expect: None }),
        Some(0) => {
            // RFC 4385 control word, then an Ethernet frame without FCS.
            c.proto("pwethcw");
            c.line(0, "PW Ethernet Control Word");
            if let Some(seq) = be16(d, off + 2) {
                ln!(c, 1, "Sequence Number: {seq}");
            }
            let inner = off + 4;
            if be16(d, inner + 12).is_none() {
                c.cut("MPLS");
            }
            match eth_header(c, d, inner) {
                Some(t) => Ok((t, inner + 14)),
                None => Err(Next::Stop),
            }
        }
        Some(_) => Err(Next::Data { offset: off }),
        None => {
            c.cut("MPLS");
            Err(Next::Stop)
        }
    }
}

/// PPPoE session stage (RFC 2516 §5) and the PPP protocol field.
fn pppoe(c: &mut Ctx<'_>, d: &[u8], off: usize) -> Next {
    c.proto("pppoes");
    c.line(0, "PPP-over-Ethernet Session");
    let vt = need!(c, "PPPoE", u8_at(d, off));
    ln!(c, 1, "{} = Version: {}", bits(u64::from(vt), 8, 0xf0), vt >> 4);
    ln!(c, 1, "{} = Type: {}", bits(u64::from(vt), 8, 0x0f), vt & 0x0f);
    let code = need!(c, "PPPoE", u8_at(d, off + 1));
    let code_name = if code == 0 { "Session Data" } else { "Unknown" };
    ln!(c, 1, "Code: {code_name} (0x{code:02x})");
    ln!(c, 1, "Session ID: 0x{:04x}", need!(c, "PPPoE", be16(d, off + 2)));
    ln!(c, 1, "Payload Length: {}", need!(c, "PPPoE", be16(d, off + 4)));
    let proto = need!(c, "PPPoE", be16(d, off + 6));
    c.proto("ppp");
    c.line(0, "Point-to-Point Protocol");
    ln!(c, 1, "Protocol: {} (0x{proto:04x})", names::ppp_proto(proto));
    match proto {
        0x0021 => Next::Ip { offset: off + 8, expect: Some(4) },
        0x0057 => Next::Ip { offset: off + 8, expect: Some(6) },
        _ => Next::Data { offset: off + 8 },
    }
}

/// IEEE 802.2 LLC; SNAP (RFC 1042) carries an ethertype to go on with.
fn llc(c: &mut Ctx<'_>, d: &[u8], off: usize) -> Step {
    c.proto("llc");
    c.line(0, "Logical-Link Control");
    let Some([dsap, ssap, ctrl]) = array::<3>(d, off) else {
        c.cut("LLC");
        return Err(Next::Stop);
    };
    ln!(c, 1, "DSAP: {} (0x{dsap:02x})", names::llc_sap(dsap));
    ln!(c, 2, "{} = SAP: {}", bits(u64::from(dsap), 8, 0xfe), names::llc_sap(dsap));
    let ig = if dsap & 1 != 0 { "Group" } else { "Individual" };
    ln!(c, 2, "{} = IG Bit: {ig}", bits(u64::from(dsap), 8, 0x01));
    ln!(c, 1, "SSAP: {} (0x{ssap:02x})", names::llc_sap(ssap));
    ln!(c, 2, "{} = SAP: {}", bits(u64::from(ssap), 8, 0xfe), names::llc_sap(ssap));
    let cr = if ssap & 1 != 0 { "Response" } else { "Command" };
    ln!(c, 2, "{} = CR Bit: {cr}", bits(u64::from(ssap), 8, 0x01));
    if ctrl == 0x03 {
        c.line(1, "Control field: U, func=UI (0x03)");
        c.line(2, "000. 00.. = Command: Unnumbered Information (0x00)");
        c.line(2, ".... ..11 = Frame type: Unnumbered frame (0x3)");
    } else {
        ln!(c, 1, "Control field: 0x{ctrl:02x}");
    }
    if [dsap, ssap, ctrl] != [0xaa, 0xaa, 0x03] {
        return Err(Next::Data { offset: off + 3 });
    }
    let (Some(oui), Some(t)) = (array::<3>(d, off + 3), be16(d, off + 6)) else {
        c.cut("LLC");
        return Err(Next::Stop);
    };
    let org = match oui {
        [0, 0, 0] => "Encapsulated Ethernet",
        [0, 0, 0x0c] => "Cisco Systems, Inc",
        [0, 0, 0xf8] => "Cisco 802.1H",
        [0, 0x80, 0xc2] => "IEEE 802.1 Bridged Networks",
        _ => "Unknown",
    };
    ln!(c, 1, "Organization Code: {:02x}:{:02x}:{:02x} ({org})", oui[0], oui[1], oui[2]);
    if oui == [0, 0, 0] {
        ln!(c, 1, "Type: {} (0x{t:04x})", names::ethertype(t));
    } else {
        let pid = match (oui, t) {
            ([0, 0, 0x0c], 0x2000) => "CDP",
            ([0, 0, 0x0c], 0x2003) => "VTP",
            ([0, 0, 0x0c], 0x2004) => "DTP",
            ([0, 0, 0x0c], 0x010b) => "PVSTP+",
            ([0, 0, 0x0c], 0x0111) => "UDLD",
            _ => "Unknown",
        };
        ln!(c, 1, "PID: {pid} (0x{t:04x})");
    }
    Ok((t, off + 8))
}

fn sll_protocol_line(c: &mut Ctx<'_>, p: u16) {
    if p > 1500 {
        c.proto("ethertype");
    }
    ln!(c, 1, "Protocol: {} (0x{p:04x})", names::sll_protocol(p));
}

fn sll_address(c: &mut Ctx<'_>, addr: [u8; 8], len: usize) {
    let n = len.min(8);
    if n == 6 {
        ln!(c, 1, "Source: {}", mac([addr[0], addr[1], addr[2], addr[3], addr[4], addr[5]]));
    } else if n > 0 {
        ln!(c, 1, "Source: {}", hex(&addr[..n]));
    }
    if n < 8 {
        ln!(c, 1, "Unused: {}", hex(&addr[n..]));
    }
}

/// Linux cooked capture v1: 16 bytes (libpcap's sll.h).
fn sll(c: &mut Ctx<'_>, d: &[u8]) -> Next {
    c.proto("sll");
    c.line(0, "Linux cooked capture v1");
    let pkttype = need!(c, "SLL", be16(d, 0));
    ln!(c, 1, "Packet type: {} ({pkttype})", names::sll_pkttype(pkttype));
    let hatype = need!(c, "SLL", be16(d, 2));
    ln!(c, 1, "Link-layer address type: {} ({hatype})", names::arphrd(hatype));
    let halen = need!(c, "SLL", be16(d, 4));
    ln!(c, 1, "Link-layer address length: {halen}");
    sll_address(c, need!(c, "SLL", array::<8>(d, 6)), usize::from(halen));
    let protocol = need!(c, "SLL", be16(d, 14));
    sll_protocol_line(c, protocol);
    sll_payload(c, d, hatype, protocol, 16)
}

/// Linux cooked capture v2: 20 bytes with the interface index.
fn sll2(c: &mut Ctx<'_>, d: &[u8]) -> Next {
    c.proto("sll");
    c.line(0, "Linux cooked capture v2");
    let protocol = need!(c, "SLL", be16(d, 0));
    sll_protocol_line(c, protocol);
    ln!(c, 1, "Reserved: {}", need!(c, "SLL", be16(d, 2)));
    ln!(c, 1, "Interface index: {}", need!(c, "SLL", be32(d, 4)));
    let hatype = need!(c, "SLL", be16(d, 8));
    ln!(c, 1, "Link-layer address type: {} ({hatype})", names::arphrd(hatype));
    let pkttype = need!(c, "SLL", u8_at(d, 10));
    ln!(c, 1, "Packet type: {} ({pkttype})", names::sll_pkttype(u16::from(pkttype)));
    let halen = need!(c, "SLL", u8_at(d, 11));
    ln!(c, 1, "Link-layer address length: {halen}");
    sll_address(c, need!(c, "SLL", array::<8>(d, 12)), usize::from(halen));
    sll_payload(c, d, hatype, protocol, 20)
}

fn sll_payload(c: &mut Ctx<'_>, d: &[u8], hatype: u16, protocol: u16, off: usize) -> Next {
    if hatype == 824 {
        c.line(1, "[Netlink message: not decoded]");
        return Next::Data { offset: off };
    }
    match protocol {
        0x0004 => walk(c, d, 0, off),
        0x0001 | 0x0003 | 0x0005..=0x05ff => Next::Data { offset: off },
        t => walk(c, d, t, off),
    }
}

/// BSD loopback: the address family in host (NULL) or network (LOOP) order.
fn null(c: &mut Ctx<'_>, d: &[u8], network_order: bool) -> Next {
    c.proto("null");
    c.line(0, if network_order { "OpenBSD loopback" } else { "Null/Loopback" });
    let raw = need!(c, "Null/Loopback", if network_order { be32(d, 0) } else { le32(d, 0) });
    let family = if !network_order && raw & 0xffff == 0 { raw.swap_bytes() } else { raw };
    match family {
        2 | 10 | 24 | 28 | 30 => ln!(c, 1, "Family: {} ({family})", names::bsd_af(family)),
        _ => {}
    }
    match family {
        2 => Next::Ip { offset: 4, expect: Some(4) },
        10 | 24 | 28 | 30 => Next::Ip { offset: 4, expect: Some(6) },
        // Some writers put an ethertype in the second half instead of an
        // address family (Wireshark's packet-null.c accepts it; so does the dissector).
        _ => match be16(d, 2) {
            Some(t @ (et::IPV4 | et::IPV6 | et::ARP)) => {
                type_line(c, 1, t);
                walk(c, d, t, 4)
            }
            _ => {
                ln!(c, 1, "Family: {} ({family})", names::bsd_af(family));
                Next::Data { offset: 4 }
            }
        },
    }
}

/// Linux NFLOG: header, then TLVs in the logging host's byte order (guessed
/// as the dissector does) until the payload TLV.
fn nflog(c: &mut Ctx<'_>, d: &[u8]) -> Next {
    c.proto("nflog");
    c.line(0, "Linux Netfilter NFLOG");
    let family = need!(c, "NFLOG", u8_at(d, 0));
    let fam = match family {
        0 => "Unspecified",
        2 => "IPv4",
        3 => "ARP",
        7 => "Bridge",
        10 => "IPv6",
        _ => "Unknown",
    };
    ln!(c, 1, "Family: {fam} ({family})");
    ln!(c, 1, "Version: {}", need!(c, "NFLOG", u8_at(d, 1)));
    ln!(c, 1, "Resource id: {}", need!(c, "NFLOG", be16(d, 2)));
    let little = match (le16(d, 4), be16(d, 4)) {
        (Some(le), Some(be)) => le >= 4 && (be < 4 || le <= be),
        _ => true,
    };
    let rd = |at: usize| if little { le16(d, at) } else { be16(d, at) };
    let mut off = 4usize;
    while let (Some(len), Some(ty)) = (rd(off), rd(off + 2)) {
        let t = ty & 0x7fff;
        let name = names::nflog_tlv(t);
        ln!(c, 1, "TLV Type: {name} ({t}), Length: {len}");
        ln!(c, 2, "Length: {len}");
        ln!(c, 2, "{} = Type: {name} ({t})", bits(u64::from(ty), 16, 0x7fff));
        let len = usize::from(len);
        if len < 4 {
            c.line(2, "[Bogus TLV length: less than its 4-byte header]");
            break;
        }
        if t == 9 {
            let expect = match family {
                2 => Some(4),
                10 => Some(6),
                _ => None,
            };
            return Next::Ip { offset: off + 4, expect };
        }
        let v = d.get(off + 4..(off + len).min(d.len())).unwrap_or(&[]);
        nflog_value(c, t, v);
        off += (len + 3) & !3;
    }
    if off < d.len() {
        c.cut("NFLOG");
    }
    Next::Stop
}

fn nflog_value(c: &mut Ctx<'_>, t: u16, v: &[u8]) {
    let be64 = |at: usize| Some(u64::from(be32(v, at)?) << 32 | u64::from(be32(v, at + 4)?));
    match t {
        1 => {
            if let Some(hw) = be16(v, 0) {
                ln!(c, 2, "HW protocol: {} (0x{hw:04x})", names::ethertype(hw));
            }
            if let Some(h) = u8_at(v, 2) {
                ln!(c, 2, "Netfilter hook: {} ({h})", names::nf_hook(h));
            }
        }
        2 | 4..=7 | 11..=14 => {
            let label = match t {
                2 => "Mark",
                4 => "IFINDEX_INDEV",
                5 => "IFINDEX_OUTDEV",
                6 => "IFINDEX_PHYSINDEV",
                7 => "IFINDEX_PHYSOUTDEV",
                11 => "UID",
                12 => "Sequence",
                13 => "Global sequence",
                _ => "GID",
            };
            if let Some(x) = be32(v, 0) {
                ln!(c, 2, "{label}: {x}");
            }
        }
        3 => {
            if let (Some(s), Some(us)) = (be64(0), be64(8)) {
                ln!(c, 2, "Timestamp: {s}.{us:06} seconds");
            }
        }
        8 => {
            if let Some(n) = be16(v, 0) {
                ln!(c, 2, "HW address length: {n}");
                let a = v.get(4..4 + usize::from(n).min(8)).unwrap_or(&[]);
                match <[u8; 6]>::try_from(a) {
                    Ok(m) => ln!(c, 2, "HW address: {}", mac(m)),
                    Err(_) => ln!(c, 2, "HW address: {}", hex(a)),
                }
            }
        }
        10 => {
            let s = v.split(|&b| b == 0).next().unwrap_or(&[]);
            ln!(c, 2, "Prefix: {}", String::from_utf8_lossy(s));
        }
        15 => {
            if let Some(x) = be16(v, 0) {
                ln!(c, 2, "HW type: {} ({x})", names::arphrd(x));
            }
        }
        17 => {
            if let Some(x) = be16(v, 0) {
                ln!(c, 2, "HW header length: {x}");
            }
        }
        _ => ln!(c, 2, "Value: {}", super::hex_or_none(v)),
    }
}

/// ARP (RFC 826) for any hardware/protocol sizes.
pub(super) fn arp(c: &mut Ctx<'_>, h: &[u8]) {
    c.proto("arp");
    let (hs, ps) = (h.get(4).map_or(0, |&b| usize::from(b)), h.get(5).map_or(0, |&b| usize::from(b)));
    let op = be16(h, 6);
    let field = |i: usize| {
        let at = 8 + [0, hs, hs + ps, 2 * hs + ps][i];
        h.get(at..at + if i % 2 == 0 { hs } else { ps })
    };
    let kind = match (op, field(1), field(3)) {
        (Some(1), Some([0, 0, 0, 0]), _) => "ARP Probe".to_string(),
        (Some(o @ (1 | 2)), Some(s), Some(t)) if s == t => {
            format!("{}/gratuitous ARP", names::arp_op(o))
        }
        (Some(o), ..) => names::arp_op(o).to_string(),
        (None, ..) => String::new(),
    };
    if kind.is_empty() {
        c.line(0, "Address Resolution Protocol");
    } else {
        ln!(c, 0, "Address Resolution Protocol ({kind})");
    }
    let hw = need!(c, "ARP", be16(h, 0));
    ln!(c, 1, "Hardware type: {} ({hw})", names::arp_hw(hw));
    let pt = need!(c, "ARP", be16(h, 2));
    ln!(c, 1, "Protocol type: {} (0x{pt:04x})", names::ethertype(pt));
    ln!(c, 1, "Hardware size: {}", need!(c, "ARP", h.get(4)));
    ln!(c, 1, "Protocol size: {}", need!(c, "ARP", h.get(5)));
    let op = need!(c, "ARP", op);
    ln!(c, 1, "Opcode: {} ({op})", names::arp_op(op));
    let labels = if hs == 6 && ps == 4 {
        ["Sender MAC address", "Sender IP address", "Target MAC address", "Target IP address"]
    } else {
        ["Sender hardware address", "Sender protocol address", "Target hardware address", "Target protocol address"]
    };
    for (i, label) in labels.into_iter().enumerate() {
        let a = need!(c, "ARP", field(i));
        let shown = match (i % 2, a.len()) {
            (0, 6) => mac([a[0], a[1], a[2], a[3], a[4], a[5]]),
            (1, 4) if pt == 0x0800 => super::ipv4_at(a, 0).map_or_else(|| hex(a), |x| x.to_string()),
            (1, 16) if pt == 0x86dd => super::ipv6_at(a, 0).map_or_else(|| hex(a), |x| x.to_string()),
            _ => a.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"),
        };
        ln!(c, 1, "{label}: {shown}");
    }
}
