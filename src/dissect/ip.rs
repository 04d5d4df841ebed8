//! IPv4 (RFC 791) and IPv6 (RFC 8200) headers, zero-copy.
//!
//! Length rules follow Wireshark's packet-ip.c / packet-ipv6.c so that the
//! conformance check agrees frame by frame:
//! - an IPv4 total length of 0 is taken as "TSO/GSO left it unset" and the
//!   frame length is used instead; a total length below the header length is
//!   a bogus length that stops decoding;
//! - an IPv6 payload length of 0 is a jumbogram when a Hop-by-Hop Jumbo
//!   Payload option (RFC 2675) is present, else (Linux BIG TCP) the frame
//!   length is used;
//! - Ethernet padding after the datagram is never payload.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::bytes::{array, be16, be32, fold, fold_words, ones_sum, ones_sum20, u8_at};
use super::packet::{Fragment, Ip, Layer, Packet, Problem};

/// IP protocol numbers used by the dissector.
pub mod proto {
    pub const HOPOPT: u8 = 0;
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const AH: u8 = 51;
    pub const ICMPV6: u8 = 58;
    pub const NONE: u8 = 59;
    pub const DSTOPTS: u8 = 60;
    pub const MOBILITY: u8 = 135;
    pub const HIP: u8 = 139;
    pub const SHIM6: u8 = 140;
}

/// What the IP layer hands to the layers above, beside the header itself,
/// which it writes in place (`p.ip`): building an [`Ip`] and copying it there
/// read back in wide words what had just been written field by field, and
/// the loads stalled on store forwarding (perf: a third of the dissector's
/// samples were on that copy). The addresses are there too, and only there:
/// copied here as well, they were written and read back on every packet.
#[derive(Debug, Clone, Copy)]
pub struct IpPayload<'a> {
    pub version: u8,
    /// The upper-layer protocol, after any IPv6 extension headers.
    pub proto: u8,
    /// Captured payload bytes, clipped to the datagram's length.
    pub payload: &'a [u8],
    /// Payload length on the wire according to the IP header.
    pub wire_len: u32,
    /// Offset of the payload in the frame.
    pub offset: usize,
}

fn cut(p: &mut Packet<'_>, layer: Layer, offset: usize, need: usize, have: usize) {
    if (p.orig_len as usize) > p.data.len() {
        p.truncated = true;
    } else {
        p.fail(layer, offset, Problem::TooShort { need: need as u32, have: have as u32 });
    }
}

/// Bytes of the frame on the wire after `offset` (the snaplen does not shrink this).
fn wire_after(p: &Packet<'_>, offset: usize) -> usize {
    (p.orig_len as usize).max(p.data.len()).saturating_sub(offset)
}

/// Decodes an IP header at `offset` of `d` (the frame or, for ICMP errors, a
/// quote inside it) into `p.ip`, which it sets exactly when it returns the
/// payload. `expect` is the version the link type promises.
#[inline(always)]
pub fn decode<'a>(p: &mut Packet<'a>, d: &'a [u8], offset: usize, expect: Option<u8>) -> Option<IpPayload<'a>> {
    let Some(first) = u8_at(d, offset) else {
        cut(p, Layer::Ipv4, offset, 1, 0);
        return None;
    };
    let version = first >> 4;
    if let Some(e) = expect.filter(|&e| e != version) {
        let layer = if e == 4 { Layer::Ipv4 } else { Layer::Ipv6 };
        p.fail(layer, offset, Problem::BadVersion { found: version, expected: e });
        return None;
    }
    match version {
        4 => v4(p, d, offset),
        6 => v6(p, d, offset),
        v => {
            p.fail(Layer::Ipv4, offset, Problem::BadVersion { found: v, expected: 4 });
            None
        }
    }
}

#[inline(always)]
fn v4<'a>(p: &mut Packet<'a>, d: &'a [u8], off: usize) -> Option<IpPayload<'a>> {
    let h = &d[off..];
    let hlen = usize::from(h[0] & 0x0f) * 4;
    if hlen < 20 {
        p.fail(Layer::Ipv4, off, Problem::Ipv4HeaderLen { ihl_bytes: hlen as u8 });
        return None;
    }
    if h.len() < hlen {
        cut(p, Layer::Ipv4, off, hlen, h.len());
        return None;
    }
    let tos = h[1];
    let total = be16(h, 2)?;
    let id = be16(h, 4)?;
    let flags_frag = be16(h, 6)?;
    let ttl = h[8];
    let proto = h[9];
    let checksum = be16(h, 10)?;
    let src = Ipv4Addr::from(array::<4>(h, 12)?);
    let dst = Ipv4Addr::from(array::<4>(h, 16)?);
    let wire = wire_after(p, off);
    let total_len = if total == 0 {
        // Wireshark: "reported as 0, presumed to be because of TCP segmentation offload".
        wire as u32
    } else {
        if usize::from(total) < hlen {
            p.fail(Layer::Ipv4, off, Problem::Ipv4TotalLen { total, header: hlen as u16 });
            return None;
        }
        u32::from(total)
    };
    let frag_offset = u32::from(flags_frag & 0x1fff) * 8;
    let mf = flags_frag & 0x2000 != 0;
    p.ip = Some(Ip {
        version: 4,
        src: IpAddr::V4(src),
        dst: IpAddr::V4(dst),
        proto,
        header_len: hlen as u16,
        total_len,
        id: u32::from(id),
        ttl,
        tos,
        flow_label: 0,
        df: flags_frag & 0x4000 != 0,
        mf,
        frag_offset,
        has_frag_header: false,
        checksum,
        checksum_ok: Some(
            fold(match h.first_chunk::<20>() {
                Some(h20) if hlen == 20 => ones_sum20(h20),
                _ => ones_sum(0, &h[..hlen]),
            }) == 0,
        ),
        options_len: (hlen - 20) as u16,
        ext_headers: [0; 8],
        ext_count: 0,
        fragment: if mf || frag_offset != 0 { Fragment::Held } else { Fragment::None },
    });
    let end = (total_len as usize).min(h.len());
    // Wireshark shortens a datagram that claims more than the frame carried
    // to the frame's length, so the layers above count what was on the wire.
    let wire_len = total_len.min(wire as u32).saturating_sub(hlen as u32);
    if total_len as usize > wire {
        // The header claims more than the frame carried on the wire; Wireshark
        // flags it and decodes what is there.
        p.fail(Layer::Ipv4, off, Problem::IpLengthExceedsFrame { ip_len: total_len, available: wire as u32 });
    } else if (total_len as usize) > h.len() {
        p.truncated = true;
    }
    Some(IpPayload { version: 4, proto, payload: &h[hlen..end.max(hlen)], wire_len, offset: off + hlen })
}

#[inline(always)]
fn v6<'a>(p: &mut Packet<'a>, d: &'a [u8], off: usize) -> Option<IpPayload<'a>> {
    let h = &d[off..];
    if h.len() < 40 {
        cut(p, Layer::Ipv6, off, 40, h.len());
        return None;
    }
    let vtf = be32(h, 0)?;
    let payload_len = be16(h, 4)?;
    let mut next = h[6];
    let hop = h[7];
    let src = Ipv6Addr::from(array::<16>(h, 8)?);
    let dst = Ipv6Addr::from(array::<16>(h, 24)?);
    let wire = wire_after(p, off);
    let ip = p.ip.insert(Ip {
        version: 6,
        src: IpAddr::V6(src),
        dst: IpAddr::V6(dst),
        proto: next,
        header_len: 40,
        total_len: 40 + u32::from(payload_len),
        id: 0,
        ttl: hop,
        tos: (vtf >> 20) as u8,
        flow_label: vtf & 0xfffff,
        df: false,
        mf: false,
        frag_offset: 0,
        has_frag_header: false,
        checksum: 0,
        checksum_ok: None,
        options_len: 0,
        ext_headers: [0; 8],
        ext_count: 0,
        fragment: Fragment::None,
    });
    let mut pos = 40usize;
    let mut jumbo: Option<u32> = None;
    // Where the chain could not be read to the end: cut by the snaplen
    // (true) or overrunning the frame (false).
    let mut stopped: Option<bool> = None;
    // Walk the extension header chain (RFC 8200 §4). Each generic header is
    // (next, hdr ext len in 8-octet units not counting the first 8); AH counts
    // 4-octet units (RFC 4302 §2.2); the fragment header is always 8 bytes.
    loop {
        let generic = matches!(
            next,
            proto::HOPOPT | proto::ROUTING | proto::DSTOPTS | proto::MOBILITY | proto::HIP | proto::SHIM6
        );
        if !(generic || next == proto::FRAGMENT || next == proto::AH) {
            break;
        }
        if usize::from(ip.ext_count) == ip.ext_headers.len() {
            break;
        }
        let (Some(nh), Some(len_byte)) = (u8_at(h, pos), u8_at(h, pos + 1)) else {
            stopped = Some(wire > pos);
            break;
        };
        let len = match next {
            proto::FRAGMENT => 8,
            proto::AH => (usize::from(len_byte) + 2) * 4,
            _ => (usize::from(len_byte) + 1) * 8,
        };
        if h.len() < pos + len {
            stopped = Some(wire >= pos + len);
            break;
        }
        if next == proto::HOPOPT && payload_len == 0 {
            jumbo = jumbo_option(&h[pos + 2..pos + len]);
        }
        if next == proto::FRAGMENT {
            // Within the chain, which is all in `h` (checked above).
            let fo = be16(h, pos + 2).unwrap_or(0);
            ip.has_frag_header = true;
            ip.frag_offset = u32::from(fo >> 3) * 8;
            ip.mf = fo & 1 != 0;
            ip.id = be32(h, pos + 4).unwrap_or(0);
            // An atomic fragment (offset 0, M=0; RFC 6946) is a whole datagram.
            if ip.mf || ip.frag_offset != 0 {
                ip.fragment = Fragment::Held;
            }
        }
        ip.ext_headers[usize::from(ip.ext_count)] = next;
        ip.ext_count += 1;
        next = nh;
        pos += len;
    }
    ip.proto = next;
    ip.header_len = pos as u16;
    let found = IpPayload { version: 6, proto: next, payload: &[], wire_len: 0, offset: off + pos };
    if let Some(cut_by_snaplen) = stopped {
        // The layer is kept (its addresses are valid) with nothing above it.
        if cut_by_snaplen {
            p.truncated = true;
        } else {
            p.fail(Layer::Ipv6, off + pos, Problem::ExtHeaderOverrun { next_header: next });
        }
        return Some(found);
    }
    if payload_len == 0 {
        // Jumbogram (RFC 2675) or Linux BIG TCP / GSO: the frame tells the length.
        ip.total_len = match jumbo {
            Some(j) => 40u32.saturating_add(j),
            None => wire as u32,
        };
    }
    let total_len = ip.total_len;
    if (total_len as usize) < pos {
        p.ip = None;
        p.fail(Layer::Ipv6, off, Problem::ExtHeaderOverrun { next_header: next });
        return None;
    }
    if total_len as usize > wire {
        p.fail(Layer::Ipv6, off, Problem::IpLengthExceedsFrame { ip_len: total_len, available: wire as u32 });
    } else if total_len as usize > h.len() {
        p.truncated = true;
    }
    let end = (total_len as usize).min(h.len()).max(pos);
    let wire_len = total_len.min(wire as u32).saturating_sub(pos as u32);
    Some(IpPayload { payload: &h[pos..end], wire_len, ..found })
}

/// The Jumbo Payload option (type 0xC2) in Hop-by-Hop options.
fn jumbo_option(mut opts: &[u8]) -> Option<u32> {
    while let Some(&t) = opts.first() {
        if t == 0 {
            opts = &opts[1..];
            continue;
        }
        let len = usize::from(*opts.get(1)?);
        if t == 0xc2 && len == 4 {
            return be32(opts, 2);
        }
        opts = opts.get(2 + len..)?;
    }
    None
}

/// The pseudo-header sum for TCP/UDP/ICMPv6 checksums (RFC 9293 §3.1, RFC 8200 §8.1).
pub fn pseudo_header_sum(src: IpAddr, dst: IpAddr, proto: u8, len: u32) -> u32 {
    // The addresses as 32-bit words (two or eight), folded once.
    let words = |a: u128| (a >> 96) as u64 + ((a >> 64) as u32) as u64 + ((a >> 32) as u32) as u64 + (a as u32) as u64;
    let mut sum = match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => fold_words(u64::from(s.to_bits()) + u64::from(d.to_bits())),
        (IpAddr::V6(s), IpAddr::V6(d)) => fold_words(words(s.to_bits()) + words(d.to_bits())),
        _ => 0,
    };
    sum += u32::from(proto);
    sum += len >> 16;
    sum += len & 0xffff;
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{LinkType, Timestamp};

    fn pkt(d: &[u8]) -> Packet<'_> {
        Packet::new(1, Timestamp::default(), LinkType::RAW, 0, d.len() as u32, d)
    }

    /// The pseudo-header's addresses summed as words give the checksum the
    /// byte-wise sum gives, for either version.
    #[test]
    fn pseudo_header_sum_is_the_bytewise_sum() {
        let mut rng = crate::text::xorshift::Rng(0x0005_eed0_fa11_ce11);
        let mut addrs: Vec<(IpAddr, IpAddr)> = vec![
            (IpAddr::from([0u8; 4]), IpAddr::from([0u8; 4])),
            (IpAddr::from([0xffu8; 4]), IpAddr::from([0xffu8; 4])),
            (IpAddr::from([0xffu8; 16]), IpAddr::from([0xffu8; 16])),
        ];
        for _ in 0..20_000 {
            let (a, b) = (u128::from(rng.next()) << 64 | u128::from(rng.next()), rng.next());
            addrs.push((IpAddr::from((a as u32).to_be_bytes()), IpAddr::from((b as u32).to_be_bytes())));
            addrs.push((IpAddr::from(a.to_be_bytes()), IpAddr::from((u128::from(b) << 64 | a >> 64).to_be_bytes())));
        }
        for (s, d) in addrs {
            let bytes = |a: IpAddr| match a {
                IpAddr::V4(a) => a.octets().to_vec(),
                IpAddr::V6(a) => a.octets().to_vec(),
            };
            for (proto, len) in [(6u8, 20u32), (17, 0x1_0008), (58, 1480)] {
                let old = ones_sum(ones_sum(0, &bytes(s)), &bytes(d)) + u32::from(proto) + (len >> 16) + (len & 0xffff);
                assert_eq!(fold(pseudo_header_sum(s, d, proto, len)), fold(old), "{s} {d}");
            }
        }
    }

    const V4: [u8; 20] = [0x45, 0, 0, 20, 0x1c, 0x46, 0x40, 0, 0x40, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];

    fn with_checksum(mut h: Vec<u8>) -> Vec<u8> {
        let c = fold(ones_sum(0, &h[..20]));
        h[10..12].copy_from_slice(&c.to_be_bytes());
        h
    }

    #[test]
    fn ipv4_fields_and_checksum() {
        let d = with_checksum(V4.to_vec());
        let mut p = pkt(&d);
        let r = decode(&mut p, &d, 0, Some(4)).unwrap();
        let ip = p.ip.expect("decode sets the header");
        assert_eq!(ip.id, 0x1c46);
        assert!(ip.df);
        assert_eq!(ip.checksum_ok, Some(true));
        assert_eq!(r.payload.len(), 0);
        assert!(p.error.is_none());
    }

    #[test]
    fn ipv4_total_length_shorter_than_header() {
        let mut h = V4.to_vec();
        h[0] = 0x46;
        h.extend_from_slice(&[0; 4]);
        let mut p = pkt(&h);
        assert!(decode(&mut p, &h, 0, None).is_none());
        assert!(p.ip.is_none(), "no header without a payload");
        assert_eq!(
            p.error.unwrap().to_string(),
            "IPv4: IPv4 total length 20 is shorter than its 24-byte header (frame offset 0)"
        );
    }

    #[test]
    fn ipv4_total_length_zero_is_tso() {
        let mut h = V4.to_vec();
        h[3] = 0;
        h.extend_from_slice(&[9; 30]);
        let mut p = pkt(&h);
        let r = decode(&mut p, &h, 0, None).unwrap();
        assert_eq!(r.wire_len, 30);
        assert!(p.error.is_none());
    }

    #[test]
    fn ipv6_fragment_header() {
        let mut h = vec![0x60, 0, 0, 0, 0, 16, 44, 64];
        h.extend_from_slice(&[0; 32]);
        h.extend_from_slice(&[17, 0, 0x00, 0x09, 0, 0, 0, 7]); // offset 1 (8 bytes), M=1, id 7
        h.extend_from_slice(&[0; 8]);
        let mut p = pkt(&h);
        let r = decode(&mut p, &h, 0, None).unwrap();
        let ip = p.ip.expect("decode sets the header");
        assert_eq!((r.proto, ip.proto, ip.frag_offset, ip.mf, ip.id), (17, 17, 8, true, 7));
        assert_eq!(ip.fragment, Fragment::Held);
        assert_eq!(r.payload.len(), 8);
    }

    #[test]
    fn wrong_version_for_link_type() {
        let d = [0x60u8; 40];
        let mut p = pkt(&d);
        assert!(decode(&mut p, &d, 0, Some(4)).is_none());
        assert!(p.ip.is_none(), "no header without a payload");
        assert_eq!(p.error.unwrap().problem, Problem::BadVersion { found: 6, expected: 4 });
    }
}
