//! TCP (RFC 9293), UDP (RFC 768), ICMP (RFC 792) and ICMPv6 (RFC 4443).
//!
//! TCP options are parsed by hand: etherparse's iterator stops at the first
//! unknown kind, while a real stack (and Wireshark) steps over any option by
//! its length byte. Checksums are verified only when the whole segment was
//! captured and the payload is the datagram's own (not clipped by snaplen).

use std::net::IpAddr;

use super::bytes::{be16, be32, fold, ones_sum, u8_at};
use super::ip::{self, IpPayload, proto};
use super::packet::{Icmp, Layer, Packet, Problem, Quoted, Tcp, TcpOptions, Transport, Udp};

/// Decodes the transport header of a (possibly reassembled) IP payload.
/// Returns the transport and the captured application payload.
#[inline]
pub fn decode<'a>(p: &mut Packet<'a>, ipp: &IpPayload<'a>) -> &'a [u8] {
    let d = ipp.payload;
    let whole = d.len() as u32 == ipp.wire_len;
    match ipp.proto {
        proto::TCP => tcp(p, ipp, d, whole),
        proto::UDP => {
            let (u, payload) = udp(p, ipp, d, whole);
            p.transport = u;
            payload
        }
        proto::ICMP | proto::ICMPV6 => {
            let v6 = ipp.proto == proto::ICMPV6;
            match icmp(p, ipp, d, whole, v6) {
                Some(i) => {
                    p.transport = Transport::Icmp(i);
                    d.get(8..).unwrap_or(&[])
                }
                None => &[],
            }
        }
        other => {
            p.transport = Transport::Other(other);
            d
        }
    }
}

fn cut(p: &mut Packet<'_>, ipp: &IpPayload<'_>, layer: Layer, need: usize) {
    if ipp.wire_len as usize >= need {
        p.truncated = true;
    } else {
        p.fail(layer, ipp.offset, Problem::TooShort { need: need as u32, have: ipp.wire_len });
    }
}

/// The transport checksum over `d` with the pseudo-header of the packet's
/// IP addresses (`ip::decode` has set them before the transport is read).
fn checksum_ok(p: &Packet<'_>, proto: u8, d: &[u8]) -> bool {
    let Some(ip) = &p.ip else { return false };
    let sum = ip::pseudo_header_sum(ip.src, ip.dst, proto, d.len() as u32);
    fold(ones_sum(sum, d)) == 0
}

/// A TCP header, written where it goes (`p.transport`) rather than built
/// and copied: the copy of a header whose option fields were just written
/// one by one stalls on store forwarding (measured: about a tenth of the
/// dissector's time).
#[inline]
fn tcp<'a>(p: &mut Packet<'a>, ipp: &IpPayload<'a>, d: &'a [u8], whole: bool) -> &'a [u8] {
    if d.len() < 20 {
        cut(p, ipp, Layer::Tcp, 20);
        return &[];
    }
    let flags_word = be16(d, 12).unwrap_or(0);
    let hlen = usize::from(flags_word >> 12) * 4;
    if hlen < 20 {
        p.fail(Layer::Tcp, ipp.offset, Problem::TcpHeaderLen { bytes: hlen as u8 });
        return &[];
    }
    // Header cut inside its options: decode the options that are there.
    let cut_short = d.len() < hlen;
    let checksum_ok = (whole && !cut_short).then(|| checksum_ok(p, proto::TCP, d));
    p.transport = Transport::Tcp(Tcp {
        sport: be16(d, 0).unwrap_or(0),
        dport: be16(d, 2).unwrap_or(0),
        seq: be32(d, 4).unwrap_or(0),
        ack: be32(d, 8).unwrap_or(0),
        header_len: hlen as u8,
        flags: flags_word & 0x0fff,
        window: be16(d, 14).unwrap_or(0),
        checksum: be16(d, 16).unwrap_or(0),
        checksum_ok,
        urgent: be16(d, 18).unwrap_or(0),
        options: TcpOptions::default(),
        payload_len: ipp.wire_len.saturating_sub(hlen as u32),
    });
    if let Transport::Tcp(t) = &mut p.transport {
        options_into(&d[20..hlen.min(d.len())], &mut t.options);
        if cut_short {
            t.options.malformed = false;
        }
    }
    if cut_short {
        cut(p, ipp, Layer::Tcp, hlen);
        return &[];
    }
    if (ipp.wire_len as usize) < hlen {
        p.fail(Layer::Tcp, ipp.offset, Problem::TooShort { need: hlen as u32, have: ipp.wire_len });
    }
    &d[hlen..]
}

/// Parses TCP options (RFC 9293 §3.2): kinds 0 and 1 are single bytes, every
/// other kind has a length byte that covers kind and length.
pub fn options(o: &[u8]) -> TcpOptions {
    let mut r = TcpOptions::default();
    options_into(o, &mut r);
    r
}

/// [`options`] into `r`, which must be `TcpOptions::default()`.
#[inline]
fn options_into(o: &[u8], r: &mut TcpOptions) {
    // The two layouts of nearly every segment of a connection, decided at
    // once: none, and NOP NOP TS (RFC 7323 Appendix A's recommended layout,
    // what Linux, BSD and Windows send when timestamps are on).
    match o {
        [] => {}
        [1, 1, 8, 10, ts @ ..] if ts.len() == 8 => {
            r.nops = 2;
            let w = |at: usize| u32::from_be_bytes([ts[at], ts[at + 1], ts[at + 2], ts[at + 3]]);
            r.timestamp = Some((w(0), w(4)));
        }
        _ => options_walk(o, r),
    }
}

/// Every option in turn, stepping over unknown kinds by their length.
fn options_walk(mut o: &[u8], r: &mut TcpOptions) {
    while let Some(&kind) = o.first() {
        match kind {
            0 => break,
            1 => {
                r.nops = r.nops.saturating_add(1);
                o = &o[1..];
                continue;
            }
            _ => {}
        }
        let Some(len) = u8_at(o, 1).map(usize::from) else {
            r.malformed = true;
            break;
        };
        if len < 2 || len > o.len() {
            r.malformed = true;
            break;
        }
        let body = &o[2..len];
        match (kind, len) {
            (2, 4) => r.mss = be16(body, 0),
            (3, 3) => r.wscale = Some(body[0]),
            (4, 2) => r.sack_permitted = true,
            (5, _) if (len - 2) % 8 == 0 => {
                for block in body.chunks_exact(8) {
                    if usize::from(r.sack_count) < r.sack.len() {
                        r.sack[usize::from(r.sack_count)] = (be32(block, 0).unwrap_or(0), be32(block, 4).unwrap_or(0));
                        r.sack_count += 1;
                    }
                }
            }
            (8, 10) => r.timestamp = Some((be32(body, 0).unwrap_or(0), be32(body, 4).unwrap_or(0))),
            // TCP Fast Open (RFC 7413 kind 34; the experimental 254 with magic 0xF989).
            (34, _) => r.tfo_cookie_len = Some((len - 2) as u8),
            (254, _) if be16(body, 0) == Some(0xf989) => r.tfo_cookie_len = Some((len - 4) as u8),
            (30, _) => r.mptcp = true,
            (2..=8, _) => r.malformed = true,
            _ => r.unknown = r.unknown.saturating_add(1),
        }
        o = &o[len..];
    }
}

fn udp<'a>(p: &mut Packet<'a>, ipp: &IpPayload<'a>, d: &'a [u8], whole: bool) -> (Transport, &'a [u8]) {
    if d.len() < 8 {
        cut(p, ipp, Layer::Udp, 8);
        return (Transport::None, &[]);
    }
    let length = be16(d, 4).unwrap_or(0);
    let u = Udp {
        sport: be16(d, 0).unwrap_or(0),
        dport: be16(d, 2).unwrap_or(0),
        length,
        checksum: be16(d, 6).unwrap_or(0),
        checksum_ok: None,
    };
    // A length of 0 happens with IPv6 jumbograms (RFC 2675 §4); then the IP
    // length rules. Otherwise the UDP length bounds the payload (padding after it).
    let end = if length == 0 && ipp.version == 6 {
        d.len()
    } else if length < 8 {
        p.fail(Layer::Udp, ipp.offset, Problem::UdpLength { length });
        return (Transport::Udp(u), &[]);
    } else {
        usize::from(length).min(d.len())
    };
    let mut u = u;
    // RFC 768: a zero checksum over IPv4 means "not computed".
    if whole && usize::from(length) == d.len() && !(u.checksum == 0 && ipp.version == 4) {
        u.checksum_ok = Some(checksum_ok(p, proto::UDP, d));
    }
    (Transport::Udp(u), &d[8..end])
}

fn icmp<'a>(p: &mut Packet<'a>, ipp: &IpPayload<'a>, d: &'a [u8], whole: bool, v6: bool) -> Option<Icmp> {
    if d.len() < 4 {
        cut(p, ipp, Layer::Icmp, 4);
        return None;
    }
    let icmp_type = d[0];
    let mut i = Icmp {
        v6,
        icmp_type,
        code: d[1],
        checksum: be16(d, 2).unwrap_or(0),
        checksum_ok: None,
        echo: None,
        quoted: None,
    };
    if whole {
        // ICMPv4 sums the message alone; ICMPv6 adds the pseudo-header.
        i.checksum_ok = Some(if v6 { checksum_ok(p, proto::ICMPV6, d) } else { fold(ones_sum(0, d)) == 0 });
    }
    let echo = if v6 { matches!(icmp_type, 128 | 129) } else { matches!(icmp_type, 0 | 8 | 13 | 14 | 15 | 16) };
    if echo {
        if let (Some(id), Some(seq)) = (be16(d, 4), be16(d, 6)) {
            i.echo = Some((id, seq));
        }
    }
    let error = if v6 { icmp_type < 128 } else { matches!(icmp_type, 3 | 4 | 5 | 11 | 12) };
    if error && d.len() > 8 {
        i.quoted = quoted(&d[8..]);
    }
    Some(i)
}

/// The IP header (and first transport bytes) quoted in an ICMP error.
/// Decoded with its own scratch packet so its problems do not become the
/// frame's: a quote is routinely cut short (RFC 792 keeps only 8 bytes).
fn quoted(d: &[u8]) -> Option<Quoted> {
    let mut scratch = Packet::new(0, Default::default(), crate::capture::LinkType::RAW, 0, d.len() as u32, d);
    let inner = ip::decode(&mut scratch, d, 0, None)?;
    let first = scratch.ip.as_ref().is_some_and(|ip| ip.frag_offset == 0);
    let ports = match inner.proto {
        proto::TCP | proto::UDP if first => (be16(inner.payload, 0), be16(inner.payload, 2)),
        _ => (None, None),
    };
    let (src, dst): (IpAddr, IpAddr) = scratch.ip.as_ref().map(|ip| (ip.src, ip.dst))?;
    Some(Quoted { src, dst, proto: inner.proto, sport: ports.0, dport: ports.1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(o: &[u8]) -> TcpOptions {
        let mut r = TcpOptions::default();
        options_walk(o, &mut r);
        r
    }

    #[test]
    fn options_step_over_unknown_kinds() {
        // MSS, NOP, unknown kind 99 len 4, WS 7, SACK_PERM, TS
        let o = [2, 4, 5, 0xb4, 1, 99, 4, 0xaa, 0xbb, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2];
        let r = options(&o);
        assert_eq!(r.mss, Some(1460));
        assert_eq!(r.wscale, Some(7));
        assert!(r.sack_permitted);
        assert_eq!(r.timestamp, Some((1, 2)));
        assert_eq!(r.unknown, 1);
        assert!(!r.malformed);
    }

    #[test]
    fn options_bad_length_stops() {
        let r = options(&[2, 4, 5, 0xb4, 8, 40, 1, 2]);
        assert_eq!(r.mss, Some(1460));
        assert!(r.malformed);
        assert!(options(&[3, 1, 0]).malformed);
    }

    #[test]
    fn the_usual_layouts_parse_as_the_walk_does() {
        let ts = [1, 1, 8, 10, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0];
        for o in [&[][..], &ts[..], &ts[..11], &[1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0][..], &[1, 1, 8, 9][..]] {
            assert_eq!(options(o), walk(o), "{o:?}");
        }
        assert_eq!(options(&ts).timestamp, Some((0x1234_5678, 0x9abc_def0)));
        let mut rng = crate::text::xorshift::Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..2000 {
            let len = (rng.next() % 41) as usize;
            let mut o: Vec<u8> = (0..len).map(|_| (rng.next() % 12) as u8).collect();
            if rng.next() % 2 == 0 && o.len() >= 4 {
                o[..4].copy_from_slice(&[1, 1, 8, 10]);
            }
            assert_eq!(options(&o), walk(&o), "{o:?}");
        }
    }

    #[test]
    fn sack_blocks() {
        let o = [5, 18, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4];
        let r = options(&o);
        assert_eq!(r.sack_count, 2);
        assert_eq!(r.sack[1], (3, 4));
    }
}
