//! A quick look at a frame's flow tuple (protocol, outer VLAN ids, the two
//! addresses and ports), read straight from the bytes without dissecting.
//!
//! Owns: deciding, for the common case only (Ethernet, up to two VLAN tags,
//! IPv4 without fragmentation or IPv6 without extension headers, then TCP
//! or UDP), which endpoints a frame's flow has, before the frame is handed
//! to a thread that dissects it. A reader thread uses it to spread frames
//! over several analysis threads by flow at a few instructions a frame.
//!
//! The contract is one-sided: when it answers, the full dissector gives the
//! same protocol, VLAN ids and endpoints for the frame (tested on the whole
//! corpus); on any doubt (another link type or encapsulation, a fragment, a
//! header shorter than its minimum, an IPv4 total length of 0, a version
//! nibble that disagrees with the ethertype) it answers `None`, and the
//! caller must dissect the frame to know. Must not know: flows, threads.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::bytes::{array, be16};
use super::ip::proto;
use super::link::ethertype;
use crate::capture::LinkType;

/// What a frame's flow is keyed on (see `flow::table::FlowKey`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuple {
    pub proto: u8,
    /// The first two VLAN ids, outermost first; 0 where there is no tag.
    pub vlan: [u16; 2],
    pub src: (IpAddr, u16),
    pub dst: (IpAddr, u16),
}

impl Tuple {
    /// How `o` stands to `self`: the same tuple (`Some(false)`), its
    /// mirror, the other direction (`Some(true)`), or neither (`None`).
    /// A tuple whose two ends are equal is its own mirror: `Some(false)`.
    #[inline]
    pub fn mirrored(&self, o: &Tuple) -> Option<bool> {
        if self.proto != o.proto || self.vlan != o.vlan {
            None
        } else if self.src == o.src && self.dst == o.dst {
            Some(false)
        } else if self.src == o.dst && self.dst == o.src {
            Some(true)
        } else {
            None
        }
    }
}

/// The flow tuple of an Ethernet frame carrying TCP or UDP, when it can be
/// read without dissecting; `None` means "dissect it to know".
#[inline]
pub fn flow_tuple(link: LinkType, d: &[u8]) -> Option<Tuple> {
    if link != LinkType::ETHERNET {
        return None;
    }
    let mut et = be16(d, 12)?;
    let mut off = 14;
    let mut vlan = [0u16; 2];
    let mut tags = 0;
    // The tag protocol identifiers `link::after_ethertype` steps over.
    while matches!(et, ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_OLD1 | ethertype::QINQ_OLD2) {
        if tags == vlan.len() {
            return None;
        }
        vlan[tags] = be16(d, off)? & 0x0fff;
        et = be16(d, off + 2)?;
        tags += 1;
        off += 4;
    }
    let h = d.get(off..)?;
    let (proto, src, dst, l4) = match et {
        ethertype::IPV4 => v4(h)?,
        ethertype::IPV6 => v6(h)?,
        _ => return None,
    };
    let ports = match proto {
        // As `transport::tcp`: 20 bytes and a data offset of at least 5
        // make a TCP header, even if its options were cut.
        proto::TCP if l4.len() >= 20 && l4[12] >> 4 >= 5 => (be16(l4, 0)?, be16(l4, 2)?),
        proto::UDP if l4.len() >= 8 => (be16(l4, 0)?, be16(l4, 2)?),
        _ => return None,
    };
    Some(Tuple { proto, vlan, src: (src, ports.0), dst: (dst, ports.1) })
}

/// The endpoints of the commonest frames, read as raw words: Ethernet
/// without a VLAN tag, then IPv4 with a 20-byte header and no
/// fragmentation, or IPv6 without extension headers, then TCP or UDP.
/// Two frames whose signatures are [`same_flow`] have tuples that are the
/// same or mirrored (`Tuple::mirrored` is `Some`), which tells a router
/// "the flow of the frame before" in a few instructions, where
/// [`flow_tuple`] builds two `IpAddr`s and compares them (86 % of the
/// benchmark capture's frames are of the flow of the frame before).
///
/// The contract: whenever `signature` answers, so does [`flow_tuple`], with
/// no VLAN ids (every test of `flow_tuple` is made here, on these two
/// layouts); and two signatures are `same_flow` exactly when the two
/// tuples are the same or mirrored (tested on every pair of consecutive
/// frames of the corpus). `None` says nothing: ask `flow_tuple`.
///
/// [`same_flow`]: Signature::same_flow
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// The two addresses as raw words in the frame's byte order (an IPv4
    /// address in the low 32 bits of the first).
    src: [u64; 2],
    dst: [u64; 2],
    /// The two ports as one word, likewise.
    ports: u32,
    /// The transport protocol, and 0x100 for IPv6: an IPv4 flow is never
    /// the same as an IPv6 one.
    kind: u16,
}

impl Signature {
    /// The same endpoints, in either direction.
    #[inline]
    pub fn same_flow(&self, o: &Signature) -> bool {
        // Differences or-ed together, one test for each direction (the
        // compares of two `u128`s each went through vector registers).
        let kind = u64::from(self.kind ^ o.kind);
        let (s, d) = (self.src, self.dst);
        let same = (s[0] ^ o.src[0]) | (s[1] ^ o.src[1]) | (d[0] ^ o.dst[0]) | (d[1] ^ o.dst[1]);
        let mirror = (s[0] ^ o.dst[0]) | (s[1] ^ o.dst[1]) | (d[0] ^ o.src[0]) | (d[1] ^ o.src[1]);
        kind == 0
            && ((same | u64::from(self.ports ^ o.ports)) == 0
                || (mirror | u64::from(self.ports ^ o.ports.rotate_left(16))) == 0)
    }
}

/// The [`Signature`] of a frame of the commonest layouts; `None` for any
/// other (or a doubtful one).
#[inline]
pub fn signature(link: LinkType, d: &[u8]) -> Option<Signature> {
    // Ethernet (14) + IPv4 without options (20) + UDP (8): the shortest.
    let h: &[u8; 42] = d.first_chunk()?;
    if link != LinkType::ETHERNET {
        return None;
    }
    match u16::from_be_bytes([h[12], h[13]]) {
        ethertype::IPV4 => v4_signature(d),
        ethertype::IPV6 => v6_signature(d),
        _ => None,
    }
}

/// `signature` of Ethernet and IPv4: the tests of `v4` on a 20-byte header.
#[inline(always)]
fn v4_signature(d: &[u8]) -> Option<Signature> {
    let h: &[u8; 42] = d.first_chunk()?;
    let total = usize::from(u16::from_be_bytes([h[16], h[17]]));
    // A total length below the header's, or a fragment, is the
    // dissector's; the transport bytes are those within both the total
    // length and the capture.
    if h[14] != 0x45 || total < 20 || u16::from_be_bytes([h[20], h[21]]) & 0x3fff != 0 {
        return None;
    }
    let proto = h[23];
    transport_ok(d, proto, 34, (14 + total).min(d.len()))?;
    let addr = |at: usize| [u64::from(u32::from_ne_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]])), 0];
    Some(Signature {
        src: addr(26),
        dst: addr(30),
        ports: u32::from_ne_bytes([h[34], h[35], h[36], h[37]]),
        kind: u16::from(proto),
    })
}

/// `signature` of Ethernet and IPv6: the tests of `v6`.
#[inline(always)]
fn v6_signature(d: &[u8]) -> Option<Signature> {
    // Ethernet (14) + IPv6 (40) + the ports (4).
    let h: &[u8; 58] = d.first_chunk()?;
    let next = h[20];
    let payload = usize::from(u16::from_be_bytes([h[18], h[19]]));
    if h[14] >> 4 != 6 || payload == 0 {
        return None;
    }
    transport_ok(d, next, 54, (54 + payload).min(d.len()))?;
    let word = |at: usize| u64::from_ne_bytes(h[at..at + 8].try_into().unwrap_or_default());
    let addr = |at: usize| [word(at), word(at + 8)];
    Some(Signature {
        src: addr(22),
        dst: addr(38),
        ports: u32::from_ne_bytes([h[54], h[55], h[56], h[57]]),
        kind: 0x100 | u16::from(next),
    })
}

/// As `flow_tuple`: a transport header from `start` to `end` (the bytes
/// within the IP length and the capture) that gives ports: 20 bytes and a
/// data offset of at least 5 for TCP, 8 for UDP, nothing for another.
#[inline(always)]
fn transport_ok(d: &[u8], proto: u8, start: usize, end: usize) -> Option<()> {
    let len = end.saturating_sub(start);
    let ok = match proto {
        proto::TCP => len >= 20 && d.get(start + 12).is_some_and(|b| b >> 4 >= 5),
        proto::UDP => len >= 8,
        _ => false,
    };
    ok.then_some(())
}

/// An IPv4 header as `ip::v4` reads it, in the cases where its answer is
/// certain; the captured transport bytes (clipped to the total length).
#[inline]
fn v4(h: &[u8]) -> Option<(u8, IpAddr, IpAddr, &[u8])> {
    let first = *h.first()?;
    let hlen = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || hlen < 20 || h.len() < hlen {
        return None;
    }
    let total = usize::from(be16(h, 2)?);
    // Fragments are reassembled first, and a total length of 0 takes the
    // frame's: leave both to the dissector.
    if total < hlen || be16(h, 6)? & 0x3fff != 0 {
        return None;
    }
    let src = Ipv4Addr::from(array::<4>(h, 12)?);
    let dst = Ipv4Addr::from(array::<4>(h, 16)?);
    Some((h[9], IpAddr::V4(src), IpAddr::V4(dst), &h[hlen..total.min(h.len())]))
}

/// An IPv6 header followed directly by TCP or UDP, with a payload length.
#[inline]
fn v6(h: &[u8]) -> Option<(u8, IpAddr, IpAddr, &[u8])> {
    if h.len() < 40 || h[0] >> 4 != 6 {
        return None;
    }
    let next = h[6];
    let payload = usize::from(be16(h, 4)?);
    // Extension headers, jumbograms and BIG TCP: the dissector's.
    if !(next == proto::TCP || next == proto::UDP) || payload == 0 {
        return None;
    }
    let src = Ipv6Addr::from(array::<16>(h, 8)?);
    let dst = Ipv6Addr::from(array::<16>(h, 24)?);
    Some((next, IpAddr::V6(src), IpAddr::V6(dst), &h[40..(40 + payload).min(h.len())]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{FileReader, PacketSource};
    use crate::dissect::Dissector;
    use crate::flow::table::endpoints;

    #[test]
    fn mirrored_tells_the_same_tuple_from_its_mirror() {
        let a: IpAddr = Ipv4Addr::new(10, 0, 0, 1).into();
        let b: IpAddr = Ipv4Addr::new(10, 0, 0, 2).into();
        let t = Tuple { proto: 6, vlan: [5, 0], src: (a, 40000), dst: (b, 80) };
        let mirror = Tuple { src: t.dst, dst: t.src, ..t };
        assert_eq!((t.mirrored(&t), t.mirrored(&mirror), mirror.mirrored(&t)), (Some(false), Some(true), Some(true)));
        let same_ends = Tuple { dst: t.src, ..t };
        assert_eq!(same_ends.mirrored(&same_ends), Some(false));
        for other in [
            Tuple { proto: 17, ..t },
            Tuple { vlan: [6, 0], ..t },
            Tuple { src: (a, 40001), ..t },
            Tuple { dst: (a, 80), ..t },
            Tuple { src: (b, 40000), dst: (a, 81), ..t },
            Tuple { dst: (IpAddr::V6(Ipv6Addr::from_bits(0x0a00_0002)), 80), ..t },
        ] {
            assert!(t.mirrored(&other).is_none() && other.mirrored(&t).is_none(), "{other:?}");
        }
    }

    /// Every frame of every corpus capture: where the quick look answers,
    /// the dissector agrees.
    #[test]
    fn agrees_with_the_dissector_on_the_corpus() {
        let Some(paths) = crate::testutil::captures() else { return };
        let (mut answered, mut frames) = (0u64, 0u64);
        for path in paths {
            let Ok(mut r) = FileReader::open(&path.to_string_lossy()) else { continue };
            let mut d = Dissector::new();
            while let Ok(Some(f)) = r.next_frame() {
                frames += 1;
                let quick = flow_tuple(f.link, f.data);
                let p = d.dissect(&f);
                let Some(q) = quick else { continue };
                answered += 1;
                let mut vlan = [0u16; 2];
                for (v, id) in vlan.iter_mut().zip(p.vlans.ids()) {
                    *v = id;
                }
                assert_eq!(Some((q.proto, q.src, q.dst)), endpoints(&p), "{} frame {}", path.display(), f.number);
                assert_eq!(q.vlan, vlan, "{} frame {}", path.display(), f.number);
            }
        }
        eprintln!("quick tuple: answered {answered} of {frames} frames");
        assert!(answered > frames / 2, "answered {answered} of {frames} frames");
    }

    /// Every frame of every corpus capture: where the signature answers,
    /// the quick look does too, with no VLAN ids and IPv4 addresses; and
    /// of two consecutive frames with signatures, `same_flow` says what
    /// `mirrored` says of their tuples.
    #[test]
    fn signature_agrees_with_the_quick_look_on_the_corpus() {
        let Some(paths) = crate::testutil::captures() else { return };
        let (mut signed, mut same, mut pairs) = (0u64, 0u64, 0u64);
        for path in paths {
            let Ok(mut r) = FileReader::open(&path.to_string_lossy()) else { continue };
            let mut last: Option<(Signature, Tuple)> = None;
            while let Ok(Some(f)) = r.next_frame() {
                let Some(s) = signature(f.link, f.data) else { continue };
                signed += 1;
                let t = flow_tuple(f.link, f.data);
                let t = t.unwrap_or_else(|| panic!("{} frame {}: signed, no tuple", path.display(), f.number));
                assert_eq!(t.vlan, [0, 0]);
                if let Some((ls, lt)) = last {
                    pairs += 1;
                    let (a, b) = (s.same_flow(&ls), lt.mirrored(&t).is_some());
                    assert_eq!(a, b, "{} frame {}", path.display(), f.number);
                    assert_eq!(a, ls.same_flow(&s));
                    same += u64::from(a);
                }
                last = Some((s, t));
            }
        }
        eprintln!("signature: {signed} frames, {same} of {pairs} pairs the same flow");
        assert!(same > 1000 && same < pairs, "{same} of {pairs}");
    }

    #[test]
    fn signature_leaves_other_layouts_to_the_quick_look() {
        let ok = eth(0x0800, &ipv4_tcp(0x4000, 40));
        let s = signature(LinkType::ETHERNET, &ok).expect("a plain segment");
        // The mirror: addresses and ports swapped.
        let mut back = ok.clone();
        back[26..30].copy_from_slice(&ok[30..34]);
        back[30..34].copy_from_slice(&ok[26..30]);
        back[34..36].copy_from_slice(&ok[36..38]);
        back[36..38].copy_from_slice(&ok[34..36]);
        let m = signature(LinkType::ETHERNET, &back).expect("its mirror");
        assert!(s.same_flow(&m) && m.same_flow(&s) && s.same_flow(&s));
        // Only one end swapped, or another port: another flow.
        let mut half = ok.clone();
        half[34..36].copy_from_slice(&ok[36..38]);
        assert!(!s.same_flow(&signature(LinkType::ETHERNET, &half).unwrap()));
        let mut udp = ok.clone();
        udp[23] = 17;
        assert!(!s.same_flow(&signature(LinkType::ETHERNET, &udp).unwrap()));
        // A fragment, a total length of 0, IP options, a VLAN tag, another
        // link type, a cut TCP header, a data offset below 5.
        assert_eq!(signature(LinkType::ETHERNET, &eth(0x0800, &ipv4_tcp(0x2000, 40))), None);
        assert_eq!(signature(LinkType::ETHERNET, &eth(0x0800, &ipv4_tcp(0, 0))), None);
        let mut opts = ok.clone();
        opts[14] = 0x46;
        assert_eq!(signature(LinkType::ETHERNET, &opts), None);
        let tagged = eth(0x8100, &[&[0x00, 0x07, 0x08, 0x00][..], &ipv4_tcp(0, 40)].concat());
        assert_eq!(signature(LinkType::ETHERNET, &tagged), None);
        assert!(flow_tuple(LinkType::ETHERNET, &tagged).is_some());
        assert_eq!(signature(LinkType::RAW, &ok), None);
        assert_eq!(signature(LinkType::ETHERNET, &ok[..53]), None);
        assert_eq!(signature(LinkType::ETHERNET, &eth(0x0800, &ipv4_tcp(0, 39))), None);
        let mut short_offset = ok.clone();
        short_offset[46] = 0x40;
        assert_eq!(signature(LinkType::ETHERNET, &short_offset), None);

        // IPv6: its mirror, and never the same flow as IPv4.
        let mut v6 = vec![0x60, 0, 0, 0, 0, 20, 6, 64];
        v6.extend((1..=32).collect::<Vec<u8>>());
        v6.extend_from_slice(&ok[34..54]);
        let six = eth(0x86dd, &v6);
        let s6 = signature(LinkType::ETHERNET, &six).expect("IPv6 and TCP");
        let t6 = flow_tuple(LinkType::ETHERNET, &six).expect("its tuple");
        assert!(t6.src.0.is_ipv6());
        let mut back6 = six.clone();
        back6[22..38].copy_from_slice(&six[38..54]);
        back6[38..54].copy_from_slice(&six[22..38]);
        back6[54..56].copy_from_slice(&six[56..58]);
        back6[56..58].copy_from_slice(&six[54..56]);
        assert!(s6.same_flow(&signature(LinkType::ETHERNET, &back6).unwrap()));
        assert!(!s6.same_flow(&s) && !s.same_flow(&s6));
        // A payload length of 0, an extension header, a cut TCP header.
        let mut jumbo = six.clone();
        jumbo[18..20].copy_from_slice(&[0, 0]);
        assert_eq!(signature(LinkType::ETHERNET, &jumbo), None);
        let mut ext = six.clone();
        ext[20] = 0;
        assert_eq!(signature(LinkType::ETHERNET, &ext), None);
        assert_eq!(signature(LinkType::ETHERNET, &six[..73]), None);
        assert!(signature(LinkType::ETHERNET, &six[..74]).is_some());
    }

    fn eth(ethertype: u16, rest: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 12];
        b.extend_from_slice(&ethertype.to_be_bytes());
        b.extend_from_slice(rest);
        b
    }

    fn ipv4_tcp(frag: u16, total: u16) -> Vec<u8> {
        let mut b = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
        b[2..4].copy_from_slice(&total.to_be_bytes());
        b[6..8].copy_from_slice(&frag.to_be_bytes());
        b.extend_from_slice(&[0x30, 0x39, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
        b
    }

    #[test]
    fn leaves_doubtful_frames_to_the_dissector() {
        let ok = eth(0x0800, &ipv4_tcp(0x4000, 40));
        let t = flow_tuple(LinkType::ETHERNET, &ok).expect("a plain segment");
        assert_eq!((t.proto, t.src.1, t.dst.1), (6, 12345, 80));
        // A fragment, a total length of 0, another link type, a cut header.
        assert_eq!(flow_tuple(LinkType::ETHERNET, &eth(0x0800, &ipv4_tcp(0x2000, 40))), None);
        assert_eq!(flow_tuple(LinkType::ETHERNET, &eth(0x0800, &ipv4_tcp(0, 0))), None);
        assert_eq!(flow_tuple(LinkType::RAW, &ipv4_tcp(0, 40)), None);
        assert_eq!(flow_tuple(LinkType::ETHERNET, &ok[..40]), None);
        // Three VLAN tags: more than the flow key keeps.
        let tags = [0x00, 0x07, 0x81, 0x00, 0x00, 0x07, 0x81, 0x00, 0x00, 0x07, 0x08, 0x00];
        let tagged = [&tags[..], &ipv4_tcp(0, 40)].concat();
        assert_eq!(flow_tuple(LinkType::ETHERNET, &eth(0x8100, &tagged)), None);
        let two = eth(0x8100, &[&[0x00, 0x07, 0x81, 0x00, 0x00, 0x09, 0x08, 0x00][..], &ipv4_tcp(0, 40)].concat());
        assert_eq!(flow_tuple(LinkType::ETHERNET, &two).map(|t| t.vlan), Some([7, 9]));
    }
}
