//! Link types and the encapsulations below the network layer.
//!
//! This is the ONE place that decides what a link type means: it turns the
//! start of a frame into a `LinkHeader` plus "the network layer is protocol X
//! at offset Y". Everything above works from that answer. It knows nothing of
//! IP, flows or output.
//!
//! Link-type numbers and header layouts follow tcpdump.org's LINKTYPE list;
//! where Wireshark decides heuristically (MPLS payload, NULL byte order,
//! NFLOG TLV byte order) we follow its rule and say so.

use super::bytes::{array, be16, be32, le16, le32, u8_at};
use super::packet::{Layer, LinkHeader, Mac, Packet, Problem, VlanTag};
use crate::capture::LinkType;

pub mod ethertype {
    pub const IPV4: u16 = 0x0800;
    pub const ARP: u16 = 0x0806;
    pub const VLAN: u16 = 0x8100;
    pub const IPV6: u16 = 0x86dd;
    pub const MPLS: u16 = 0x8847;
    pub const MPLS_MC: u16 = 0x8848;
    pub const PPPOE_DISC: u16 = 0x8863;
    pub const PPPOE_SESS: u16 = 0x8864;
    pub const QINQ: u16 = 0x88a8;
    pub const VNTAG: u16 = 0x8926;
    pub const QINQ_OLD1: u16 = 0x9100;
    pub const QINQ_OLD2: u16 = 0x9200;
}

/// Where the network layer begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    /// An ethertype-identified protocol at `offset`.
    Ether { ethertype: u16, offset: usize },
    /// IP, version decided by its first nibble (raw IP link types, MPLS).
    Ip { offset: usize, expect: Option<u8> },
    /// Nothing above the link layer that we decode.
    None,
}

/// Decodes the link header of `p.data` for `p.link` and every tag and
/// encapsulation up to the network layer.
///
/// The one place that decides what a link type carries. Inlined (the
/// dispatch is a few compares; the other link types' decoders stay out of
/// line) so that an Ethernet frame costs no call.
#[inline(always)]
pub fn decode(p: &mut Packet<'_>) -> Net {
    let d = p.data;
    match p.link {
        LinkType::ETHERNET => ethernet(p, d),
        // libpcap writes DLT_RAW as 12 on some BSDs and 14 on OpenBSD; all mean raw IP.
        LinkType::RAW | LinkType::RAW_12 | LinkType::RAW_14 => Net::Ip { offset: 0, expect: None },
        LinkType::IPV4 => Net::Ip { offset: 0, expect: Some(4) },
        LinkType::IPV6 => Net::Ip { offset: 0, expect: Some(6) },
        LinkType::NULL => loopback(p, d, false),
        LinkType::LOOP => loopback(p, d, true),
        LinkType::LINUX_SLL => sll(p, d),
        LinkType::LINUX_SLL2 => sll2(p, d),
        LinkType::NFLOG => nflog(p, d),
        other => {
            p.fail(Layer::Link, 0, Problem::UnknownLinkType { link: other.0 });
            Net::None
        }
    }
}

fn short(p: &mut Packet<'_>, layer: Layer, offset: usize, need: usize) -> Net {
    // A header cut off by the snaplen is truncation; one cut off on the wire
    // (orig_len too small as well) is a malformed frame.
    if (p.orig_len as usize) > p.data.len() {
        p.truncated = true;
    } else {
        let have = p.data.len().saturating_sub(offset) as u32;
        p.fail(layer, offset, Problem::TooShort { need: need as u32, have });
    }
    Net::None
}

/// Inlined into [`decode`], itself inlined into the dissector: nearly every
/// frame of a capture is Ethernet carrying IP directly, and it then needs
/// neither a call nor the walk over tags and encapsulations (34
/// instructions a frame, callgrind).
#[inline(always)]
fn ethernet(p: &mut Packet<'_>, d: &[u8]) -> Net {
    let (Some(dst), Some(src), Some(ethertype)) = (array::<6>(d, 0), array::<6>(d, 6), be16(d, 12)) else {
        return short(p, Layer::Link, 0, 14);
    };
    p.link_header = LinkHeader::Ethernet { dst: Mac(dst), src: Mac(src), ethertype };
    if let ethertype::IPV4 | ethertype::IPV6 = ethertype {
        return Net::Ether { ethertype, offset: 14 };
    }
    after_ethertype(p, d, ethertype, 14)
}

/// Walks VLAN tags, VN-Tag, MPLS, PPPoE and LLC/SNAP from an ethertype at
/// `offset` until a network protocol is reached.
fn after_ethertype(p: &mut Packet<'_>, d: &[u8], mut ethertype: u16, mut offset: usize) -> Net {
    use ethertype::*;
    loop {
        match ethertype {
            // IEEE 802.3 length field: LLC follows (IEEE 802.2). Only SNAP
            // (AA AA 03, RFC 1042) carries an ethertype we can continue with.
            0..=1500 => {
                let Some(llc) = array::<3>(d, offset) else {
                    return short(p, Layer::Link, offset, 3);
                };
                if llc != [0xaa, 0xaa, 0x03] {
                    p.ethertype = 0;
                    return Net::None;
                }
                let Some(t) = be16(d, offset + 6) else {
                    return short(p, Layer::Link, offset, 8);
                };
                p.encaps.llc_snap = true;
                ethertype = t;
                offset += 8;
            }
            VLAN | QINQ | QINQ_OLD1 | QINQ_OLD2 => {
                let (Some(tci), Some(next)) = (be16(d, offset), be16(d, offset + 2)) else {
                    return short(p, Layer::Vlan, offset, 4);
                };
                let tag = VlanTag { tpid: ethertype, pcp: (tci >> 13) as u8, dei: tci & 0x1000 != 0, id: tci & 0x0fff };
                if !p.vlans.push(tag) {
                    p.fail(Layer::Vlan, offset, Problem::TooManyTags);
                    return Net::None;
                }
                ethertype = next;
                offset += 4;
            }
            // Cisco VN-Tag: 4 bytes of tag, then the real ethertype (as Wireshark's packet-vntag.c).
            VNTAG => {
                let Some(next) = be16(d, offset + 4) else {
                    return short(p, Layer::Link, offset, 6);
                };
                p.encaps.vntag = true;
                ethertype = next;
                offset += 6;
            }
            MPLS | MPLS_MC => return mpls(p, d, offset),
            PPPOE_SESS => {
                // RFC 2516 §5: ver/type, code, session id, length; then the PPP protocol.
                let (Some(session), Some(proto)) = (be16(d, offset + 2), be16(d, offset + 6)) else {
                    return short(p, Layer::Pppoe, offset, 8);
                };
                p.encaps.pppoe_session = Some(session);
                p.ethertype = ethertype;
                return match proto {
                    0x0021 => Net::Ether { ethertype: IPV4, offset: offset + 8 },
                    0x0057 => Net::Ether { ethertype: IPV6, offset: offset + 8 },
                    _ => Net::None,
                };
            }
            _ => return Net::Ether { ethertype, offset },
        }
    }
}

/// MPLS label stack (RFC 3032): 4-byte entries until the bottom-of-stack bit.
/// What follows has no type field; like Wireshark's default we look at the
/// first nibble: 4 is IPv4, 6 is IPv6, 0 is a pseudowire control word before
/// an Ethernet frame (RFC 4385).
fn mpls(p: &mut Packet<'_>, d: &[u8], mut offset: usize) -> Net {
    loop {
        let Some(entry) = be32(d, offset) else {
            return short(p, Layer::Mpls, offset, 4);
        };
        p.encaps.mpls_labels = p.encaps.mpls_labels.saturating_add(1);
        offset += 4;
        if entry & 0x100 != 0 {
            break;
        }
        if p.encaps.mpls_labels > 16 {
            p.fail(Layer::Mpls, offset, Problem::TooManyTags);
            return Net::None;
        }
    }
    match u8_at(d, offset).map(|b| b >> 4) {
        Some(4) | Some(6) => Net::Ip { offset, expect: None },
        Some(0) => {
            // Control word (4 bytes) then an Ethernet frame without FCS.
            let inner = offset + 4;
            match be16(d, inner + 12) {
                Some(t) => after_ethertype(p, d, t, inner + 14),
                None => short(p, Layer::Mpls, inner, 14),
            }
        }
        Some(_) => Net::None,
        None => short(p, Layer::Mpls, offset, 1),
    }
}

/// BSD loopback: a 4-byte address family. NULL stores it in the writer's host
/// byte order, so like Wireshark we take a value with the low 16 bits zero as
/// byte-swapped. LOOP (OpenBSD) is always network order.
fn loopback(p: &mut Packet<'_>, d: &[u8], network_order: bool) -> Net {
    let Some(raw) = (if network_order { be32(d, 0) } else { le32(d, 0) }) else {
        return short(p, Layer::Link, 0, 4);
    };
    let family = if !network_order && raw & 0xffff == 0 { raw.swap_bytes() } else { raw };
    p.link_header = LinkHeader::Null { family };
    match family {
        // AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD),
        // 30 (macOS) or 10 (Linux).
        2 => Net::Ether { ethertype: ethertype::IPV4, offset: 4 },
        10 | 24 | 28 | 30 => Net::Ether { ethertype: ethertype::IPV6, offset: 4 },
        // Some writers put an ethertype in the second half instead of an
        // address family; Wireshark's packet-null.c accepts that too.
        _ => match be16(d, 2) {
            Some(t @ (ethertype::IPV4 | ethertype::IPV6 | ethertype::ARP)) => Net::Ether { ethertype: t, offset: 4 },
            _ => {
                p.fail(Layer::Link, 0, Problem::UnknownFamily { family });
                Net::None
            }
        },
    }
}

/// Linux cooked capture v1: 16 bytes; the protocol field is an ethertype
/// except for a few ARPHRD-specific values (see libpcap's sll.h).
fn sll(p: &mut Packet<'_>, d: &[u8]) -> Net {
    let (Some(pkttype), Some(hatype), Some(halen), Some(addr), Some(protocol)) =
        (be16(d, 0), be16(d, 2), be16(d, 4), array::<8>(d, 6), be16(d, 14))
    else {
        return short(p, Layer::Link, 0, 16);
    };
    p.link_header =
        LinkHeader::Sll { version: 1, pkttype, hatype, addr, addr_len: halen.min(8) as u8, protocol, ifindex: 0 };
    sll_payload(p, d, hatype, protocol, 16)
}

/// Linux cooked capture v2: 20 bytes with the interface index.
fn sll2(p: &mut Packet<'_>, d: &[u8]) -> Net {
    let (Some(protocol), Some(ifindex), Some(hatype), Some(pkttype), Some(halen), Some(addr)) =
        (be16(d, 0), be32(d, 4), be16(d, 8), u8_at(d, 10), u8_at(d, 11), array::<8>(d, 12))
    else {
        return short(p, Layer::Link, 0, 20);
    };
    p.link_header = LinkHeader::Sll {
        version: 2,
        pkttype: u16::from(pkttype),
        hatype,
        addr,
        addr_len: halen.min(8),
        protocol,
        ifindex,
    };
    sll_payload(p, d, hatype, protocol, 20)
}

fn sll_payload(p: &mut Packet<'_>, d: &[u8], hatype: u16, protocol: u16, offset: usize) -> Net {
    // ARPHRD_NETLINK (824) carries netlink messages, not ethertypes.
    if hatype == 824 {
        return Net::None;
    }
    match protocol {
        // LINUX_SLL_P_802_2: an LLC frame follows; treat like an 802.3 length.
        0x0004 => after_ethertype(p, d, 0, offset),
        0x0001 | 0x0003 | 0x0005..=0x05ff => Net::None,
        t => after_ethertype(p, d, t, offset),
    }
}

/// NFLOG (LINKTYPE 239): family, version, resource id, then TLVs whose length
/// and type are in the logging host's byte order (Wireshark's packet-nflog.c
/// guesses it; so do we, from the first TLV's length). TLV type 9 is the
/// packet payload (NFULA_PAYLOAD).
fn nflog(p: &mut Packet<'_>, d: &[u8]) -> Net {
    let (Some(family), Some(resource_id)) = (u8_at(d, 0), be16(d, 2)) else {
        return short(p, Layer::Link, 0, 4);
    };
    p.link_header = LinkHeader::Nflog { family, resource_id };
    let little = match (le16(d, 4), be16(d, 4)) {
        (Some(le), Some(be)) => le >= 4 && (be < 4 || le <= be),
        _ => true,
    };
    let mut off = 4usize;
    while let (Some(len), Some(ty)) =
        (if little { le16(d, off) } else { be16(d, off) }, if little { le16(d, off + 2) } else { be16(d, off + 2) })
    {
        let len = usize::from(len);
        if len < 4 {
            break;
        }
        if ty & 0x7fff == 9 {
            let expect = match family {
                2 => Some(4),
                10 => Some(6),
                _ => None,
            };
            return Net::Ip { offset: off + 4, expect };
        }
        // TLVs are padded to 4 bytes (NFA_ALIGN).
        off += (len + 3) & !3;
    }
    if (p.orig_len as usize) > d.len() {
        p.truncated = true;
    }
    Net::None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Timestamp;

    fn run(link: LinkType, d: &[u8]) -> (Net, Packet<'_>) {
        let mut p = Packet::new(1, Timestamp::default(), link, 0, d.len() as u32, d);
        let n = decode(&mut p);
        (n, p)
    }

    #[test]
    fn qinq_stack_is_walked() {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x20, 0xc8, 0x08, 0x00, 0x45]);
        let (n, p) = run(LinkType::ETHERNET, &f);
        assert_eq!(n, Net::Ether { ethertype: 0x0800, offset: 22 });
        assert_eq!(p.vlans.ids().collect::<Vec<_>>(), vec![100, 200]);
        assert_eq!(p.vlans.as_slice()[1].pcp, 1);
    }

    #[test]
    fn null_family_in_either_byte_order() {
        assert_eq!(run(LinkType::NULL, &[2, 0, 0, 0, 0x45]).0, Net::Ether { ethertype: 0x0800, offset: 4 });
        assert_eq!(run(LinkType::NULL, &[0, 0, 0, 30, 0x60]).0, Net::Ether { ethertype: 0x86dd, offset: 4 });
        assert_eq!(run(LinkType::LOOP, &[0, 0, 0, 2, 0x45]).0, Net::Ether { ethertype: 0x0800, offset: 4 });
        let (n, p) = run(LinkType::NULL, &[7, 0, 0, 0]);
        assert_eq!(n, Net::None);
        assert!(p.error.is_some());
    }

    #[test]
    fn short_ethernet_is_malformed_not_truncated() {
        let (n, p) = run(LinkType::ETHERNET, &[1, 2, 3]);
        assert_eq!(n, Net::None);
        assert!(!p.truncated);
        assert_eq!(p.error.unwrap().problem, Problem::TooShort { need: 14, have: 3 });
    }

    #[test]
    fn unknown_link_type_is_reported() {
        let (n, p) = run(LinkType(147), &[1, 2, 3]);
        assert_eq!(n, Net::None);
        assert_eq!(p.error.unwrap().problem, Problem::UnknownLinkType { link: 147 });
    }
}
