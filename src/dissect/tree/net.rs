//! IPv4 (RFC 791) and IPv6 (RFC 8200) header sections: every field, the
//! IPv4 options and the IPv6 extension header chain (Hop-by-Hop and
//! Destination options, Routing, Fragment, AH, ...), and the datagram
//! quoted inside an ICMP error.
//!
//! The extension header walk follows `dissect::ip` (same header kinds, same
//! length units, at most eight headers) so it ends where the dissector found
//! the upper layer.

use super::{
    Ctx, Verdict, bits, checksum_line, expected_checksum, hex, hex_or_none, icmp, ipv4_at, ipv6_at, names, tcp,
};
use crate::dissect::bytes::{be16, be32, fold, ones_sum};

/// What the layers above need from an IP header.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct IpHdr {
    /// Bytes of the header with options / extension headers.
    pub hlen: usize,
    /// The upper-layer protocol.
    pub proto: u8,
    /// Fragment offset in bytes (only the first fragment has the transport header).
    pub frag_offset: u32,
}

/// Writes the IP header at the start of `h` as version `expect` (or, when
/// the lower layer does not say, as its first nibble says). `None` when the
/// header is cut short or bogus: nothing above it can be shown.
pub(super) fn write_ip(c: &mut Ctx<'_>, depth: usize, h: &[u8], expect: Option<u8>) -> Option<IpHdr> {
    let Some(&first) = h.first() else {
        c.line(depth, "Internet Protocol");
        c.cut("IP");
        return None;
    };
    match expect.unwrap_or(first >> 4) {
        6 => v6(c, depth, h),
        4 => v4(c, depth, h),
        v => {
            c.proto("ip");
            c.line(depth, "Internet Protocol");
            ln!(c, depth + 1, "{} = Version: {v} [bogus: neither 4 nor 6]", bits(u64::from(first), 8, 0xf0));
            None
        }
    }
}

fn version_line(c: &mut Ctx<'_>, depth: usize, first: u8, want: u8) -> bool {
    let v = first >> 4;
    let bogus = if v == want { String::new() } else { format!(" [bogus: IPv{want} expected]") };
    ln!(c, depth, "{} = Version: {v}{bogus}", bits(u64::from(first), 8, 0xf0));
    v == want
}

fn v4(c: &mut Ctx<'_>, dd: usize, h: &[u8]) -> Option<IpHdr> {
    c.proto("ip");
    match (ipv4_at(h, 12), ipv4_at(h, 16)) {
        (Some(s), Some(d)) if h[0] >> 4 == 4 => ln!(c, dd, "Internet Protocol Version 4, Src: {s}, Dst: {d}"),
        _ => c.line(dd, "Internet Protocol Version 4"),
    }
    let (d1, d2) = (dd + 1, dd + 2);
    let b0 = *h.first()?;
    if !version_line(c, d1, b0, 4) {
        return None;
    }
    let ihl = usize::from(b0 & 0x0f) * 4;
    ln!(c, d1, "{} = Header Length: {ihl} bytes ({})", bits(u64::from(b0), 8, 0x0f), b0 & 0x0f);
    if ihl < 20 {
        c.line(d2, "[Bogus: the header length must be at least 20 bytes]");
        return None;
    }
    let tos = *need!(c, "IPv4", h.get(1));
    tos_lines(c, d1, "Differentiated Services Field", u64::from(tos), 8, 0);
    let total = need!(c, "IPv4", be16(h, 2));
    match total {
        0 => c.line(d1, "Total Length: 0 [presumed TSO/GSO: the frame gives the length]"),
        t if usize::from(t) < ihl => ln!(c, d1, "Total Length: {t} [bogus: shorter than the {ihl}-byte header]"),
        t => ln!(c, d1, "Total Length: {t}"),
    }
    let id = need!(c, "IPv4", be16(h, 4));
    ln!(c, d1, "Identification: 0x{id:04x} ({id})");
    let ff = need!(c, "IPv4", be16(h, 6));
    let fb = u64::from(ff >> 8);
    let set: Vec<&str> = [(0x80, "Reserved bit"), (0x40, "Don't fragment"), (0x20, "More fragments")]
        .into_iter()
        .filter(|&(m, _)| fb & m != 0)
        .map(|(_, n)| n)
        .collect();
    let list = if set.is_empty() { String::new() } else { format!(", {}", set.join(", ")) };
    ln!(c, d1, "{} = Flags: 0x{:x}{list}", bits(fb, 8, 0xe0), ff >> 13);
    super::flag(c, d2, fb, 8, 0x80, "Reserved bit");
    super::flag(c, d2, fb, 8, 0x40, "Don't fragment");
    super::flag(c, d2, fb, 8, 0x20, "More fragments");
    let frag_offset = u32::from(ff & 0x1fff) * 8;
    ln!(c, d1, "{} = Fragment Offset: {frag_offset}", bits(u64::from(ff), 16, 0x1fff));
    ln!(c, d1, "Time to Live: {}", need!(c, "IPv4", h.get(8)));
    let proto = *need!(c, "IPv4", h.get(9));
    ln!(c, d1, "Protocol: {} ({proto})", names::ip_proto(proto));
    let ck = need!(c, "IPv4", be16(h, 10));
    let verdict = match h.get(..ihl) {
        Some(hdr) if fold(ones_sum(0, hdr)) == 0 => Verdict::Good,
        Some(hdr) => Verdict::Bad(expected_checksum(hdr, 10, 0)),
        None => Verdict::Unverified,
    };
    checksum_line(c, d1, "Header Checksum", ck, verdict);
    ln!(c, d1, "Source Address: {}", need!(c, "IPv4", ipv4_at(h, 12)));
    ln!(c, d1, "Destination Address: {}", need!(c, "IPv4", ipv4_at(h, 16)));
    if ihl > 20 {
        v4_options(c, d1, h.get(20..ihl.min(h.len())).unwrap_or(&[]), ihl - 20);
    }
    if h.len() < ihl {
        c.cut("IPv4");
        return None;
    }
    Some(IpHdr { hlen: ihl, proto, frag_offset })
}

/// The DSCP/ECN byte as a field with two bit fields under it; the byte
/// sits `lo` bits up inside a `width`-bit word (the IPv6 traffic class).
fn tos_lines(c: &mut Ctx<'_>, depth: usize, label: &str, word: u64, width: u32, lo: u32) {
    let tos = (word >> lo) as u8;
    let (dscp, ecn) = (tos >> 2, tos & 3);
    let title_bits = if width > 8 { format!("{} = ", bits(word, width, 0xff << lo)) } else { String::new() };
    ln!(
        c,
        depth,
        "{title_bits}{label}: 0x{tos:02x} (DSCP: {}, ECN: {})",
        names::dscp_short(dscp),
        names::ecn_short(ecn)
    );
    let dscp_bits = bits(word, width, 0xfc << lo);
    ln!(c, depth + 1, "{dscp_bits} = Differentiated Services Codepoint: {} ({dscp})", names::dscp_long(dscp));
    ln!(
        c,
        depth + 1,
        "{} = Explicit Congestion Notification: {} ({ecn})",
        bits(word, width, 0x03 << lo),
        names::ecn_long(ecn)
    );
}

/// IPv4 options (RFC 791 §3.1): kinds 0 and 1 are one byte, others carry a length.
fn v4_options(c: &mut Ctx<'_>, d1: usize, o: &[u8], declared: usize) {
    let mut list = Vec::new();
    let mut i = 0;
    while i < o.len() {
        let t = o[i];
        let len = if t <= 1 { 1 } else { o.get(i + 1).map_or(0, |&l| usize::from(l)) };
        list.push((i, t, len));
        if t == 0 || len < 2 && t > 1 || i + len > o.len() {
            break;
        }
        i += len;
    }
    let summary: Vec<&str> = list.iter().map(|&(_, t, _)| names::ipv4_option(t)).collect();
    ln!(c, d1, "Options: ({declared} bytes), {}", summary.join(", "));
    let d = d1 + 1;
    for (at, t, len) in list {
        let name = names::ipv4_option(t);
        if t <= 1 {
            ln!(c, d, "IP Option - {name}");
            option_type(c, d + 1, t);
            if t == 0 && at + 1 < o.len() {
                ln!(c, d, "[Padding after the end of the options: {} bytes]", o.len() - at - 1);
            }
            continue;
        }
        if len < 2 || at + len > o.len() {
            ln!(c, d, "IP Option - {name}");
            option_type(c, d + 1, t);
            ln!(c, d + 1, "Length: {len} [bogus: {} bytes of options remain; parsing stops]", o.len() - at);
            break;
        }
        let v = &o[at + 2..at + len];
        ln!(c, d, "IP Option - {name} ({len} bytes)");
        option_type(c, d + 1, t);
        ln!(c, d + 1, "Length: {len}");
        match t {
            7 | 131 | 137 => {
                if let Some(&ptr) = v.first() {
                    ln!(c, d + 1, "Pointer: {ptr}");
                }
                for a in v.get(1..).unwrap_or(&[]).chunks_exact(4) {
                    ln!(
                        c,
                        d + 1,
                        "{}: {}.{}.{}.{}",
                        if t == 7 { "Recorded Route" } else { "Route" },
                        a[0],
                        a[1],
                        a[2],
                        a[3]
                    );
                }
            }
            148 if v.len() == 2 => {
                let x = u16::from_be_bytes([v[0], v[1]]);
                let what = if x == 0 { "Router shall examine packet" } else { "Reserved" };
                ln!(c, d + 1, "Router Alert: {what} ({x})");
            }
            68 if v.len() >= 2 => {
                ln!(c, d + 1, "Pointer: {}", v[0]);
                ln!(c, d + 1, "Overflow: {}", v[1] >> 4);
                let fl = v[1] & 0x0f;
                let what = match fl {
                    0 => "Time stamps only",
                    1 => "Time stamp and address",
                    3 => "Time stamps for prespecified addresses",
                    _ => "Unknown",
                };
                ln!(c, d + 1, "Flag: {what} ({fl})");
                let step = if fl == 0 { 4 } else { 8 };
                for e in v[2..].chunks_exact(step) {
                    if step == 8 {
                        ln!(
                            c,
                            d + 1,
                            "Address: {}.{}.{}.{}, time stamp: {}",
                            e[0],
                            e[1],
                            e[2],
                            e[3],
                            u32::from_be_bytes([e[4], e[5], e[6], e[7]])
                        );
                    } else {
                        ln!(c, d + 1, "Time stamp: {}", u32::from_be_bytes([e[0], e[1], e[2], e[3]]));
                    }
                }
            }
            _ => ln!(c, d + 1, "Value: {}", hex_or_none(v)),
        }
    }
}

fn option_type(c: &mut Ctx<'_>, d: usize, t: u8) {
    let w = u64::from(t);
    ln!(c, d, "Type: {t}");
    ln!(c, d + 1, "{} = Copy on fragmentation: {}", bits(w, 8, 0x80), if t & 0x80 != 0 { "Yes" } else { "No" });
    let class = ["Control", "Reserved for future use", "Debugging and measurement", "Reserved for future use"];
    ln!(c, d + 1, "{} = Class: {} ({})", bits(w, 8, 0x60), class[usize::from(t >> 5 & 3)], t >> 5 & 3);
    ln!(c, d + 1, "{} = Number: {} ({})", bits(w, 8, 0x1f), names::ipv4_option(t), t & 0x1f);
}

fn v6(c: &mut Ctx<'_>, dd: usize, h: &[u8]) -> Option<IpHdr> {
    c.proto("ipv6");
    match (ipv6_at(h, 8), ipv6_at(h, 24)) {
        (Some(s), Some(d)) if h[0] >> 4 == 6 => ln!(c, dd, "Internet Protocol Version 6, Src: {s}, Dst: {d}"),
        _ => c.line(dd, "Internet Protocol Version 6"),
    }
    let d1 = dd + 1;
    if !version_line(c, d1, *h.first()?, 6) {
        return None;
    }
    let vtf = need!(c, "IPv6", be32(h, 0));
    tos_lines(c, d1, "Traffic Class", u64::from(vtf), 32, 20);
    let fl = u64::from(vtf & 0x00ff_ffff);
    ln!(c, d1, "{} = Flow Label: 0x{:05x}", bits(fl, 24, 0x0f_ffff), vtf & 0xf_ffff);
    let plen = need!(c, "IPv6", be16(h, 4));
    let next = *need!(c, "IPv6", h.get(6));
    if plen == 0 {
        let what = if next == 0 && jumbo(h) { "(Jumbogram)" } else { "[unset: the frame gives the length]" };
        ln!(c, d1, "Payload Length: 0 {what}");
    } else {
        ln!(c, d1, "Payload Length: {plen}");
    }
    ln!(c, d1, "Next Header: {} ({next})", names::ip_proto(next));
    ln!(c, d1, "Hop Limit: {}", need!(c, "IPv6", h.get(7)));
    ln!(c, d1, "Source Address: {}", need!(c, "IPv6", ipv6_at(h, 8)));
    ln!(c, d1, "Destination Address: {}", need!(c, "IPv6", ipv6_at(h, 24)));
    ext_headers(c, d1, h, next)
}

/// A Jumbo Payload option (RFC 2675) in the Hop-by-Hop header right after the fixed header.
fn jumbo(h: &[u8]) -> bool {
    let Some(&l) = h.get(41) else { return false };
    let o = &h[(h.len()).min(42)..h.len().min(40 + (usize::from(l) + 1) * 8)];
    let mut i = 0;
    while let Some(&t) = o.get(i) {
        match (t, o.get(i + 1)) {
            (0, _) => i += 1,
            (0xc2, Some(4)) => return true,
            (_, Some(&n)) => i += 2 + usize::from(n),
            (_, None) => break,
        }
    }
    false
}

/// The extension header chain after the fixed header (RFC 8200 §4).
fn ext_headers(c: &mut Ctx<'_>, d1: usize, h: &[u8], mut next: u8) -> Option<IpHdr> {
    let mut pos = 40usize;
    let mut frag_offset = 0;
    for _ in 0..8 {
        let generic = matches!(next, 0 | 43 | 60 | 135 | 139 | 140);
        if !(generic || next == 44 || next == 51) {
            break;
        }
        let len_byte = h.get(pos + 1).map(|&b| usize::from(b));
        let len = match (next, len_byte) {
            (44, _) => 8,
            (51, Some(l)) => (l + 2) * 4,
            (_, Some(l)) => (l + 1) * 8,
            (_, None) => 0,
        };
        let e = h.get(pos..(pos + len).min(h.len())).unwrap_or(&[]);
        if len == 0 || e.is_empty() {
            ln!(c, d1, "{}", names::ip_proto(next));
            c.cut("IPv6");
            return None;
        }
        let nh = e[0];
        match next {
            44 => {
                c.proto("ipv6.fraghdr");
                frag_offset = u32::from(be16(e, 2).unwrap_or(0) >> 3) * 8;
                fragment(c, d1, e);
            }
            51 => {
                c.proto("ah");
                ah(c, d1, e, len);
            }
            43 => {
                c.proto("ipv6.routing");
                routing(c, d1, e, len);
            }
            0 | 60 => {
                c.proto(if next == 0 { "ipv6.hopopts" } else { "ipv6.dstopts" });
                let title = if next == 0 { "IPv6 Hop-by-Hop Option" } else { "Destination Options for IPv6" };
                c.line(d1, title);
                ext_common(c, d1 + 1, e, len);
                options(c, d1 + 1, e.get(2..).unwrap_or(&[]));
            }
            _ => {
                ln!(c, d1, "{}", names::ip_proto(next));
                ext_common(c, d1 + 1, e, len);
                ln!(c, d1 + 1, "Data: {}", hex_or_none(e.get(2..).unwrap_or(&[])));
            }
        }
        if e.len() < len {
            c.cut("IPv6");
            return None;
        }
        next = nh;
        pos += len;
    }
    Some(IpHdr { hlen: pos, proto: next, frag_offset })
}

fn ext_common(c: &mut Ctx<'_>, d: usize, e: &[u8], len: usize) {
    ln!(c, d, "Next Header: {} ({})", names::ip_proto(e[0]), e[0]);
    if let Some(l) = e.get(1) {
        ln!(c, d, "Length: {l}");
        ln!(c, d, "[Length: {len} bytes]");
    }
}

/// Hop-by-Hop / Destination options (RFC 8200 §4.2).
fn options(c: &mut Ctx<'_>, d: usize, o: &[u8]) {
    let mut i = 0;
    while let Some(&t) = o.get(i) {
        let name = names::ipv6_option(t);
        c.line(d, name);
        let w = u64::from(t);
        ln!(c, d + 1, "Type: {name} (0x{t:02x})");
        let action = [
            "Skip and continue",
            "Discard and return",
            "Discard and send ICMP",
            "Discard and send ICMP if not multicast",
        ];
        ln!(c, d + 2, "{} = Action: {} ({})", bits(w, 8, 0xc0), action[usize::from(t >> 6)], t >> 6);
        ln!(c, d + 2, "{} = May Change: {}", bits(w, 8, 0x20), if t & 0x20 != 0 { "Yes" } else { "No" });
        ln!(c, d + 2, "{} = Low-Order Bits: 0x{:02x}", bits(w, 8, 0x1f), t & 0x1f);
        if t == 0 {
            i += 1;
            continue;
        }
        let Some(&l) = o.get(i + 1) else { break };
        ln!(c, d + 1, "Length: {l}");
        let Some(v) = o.get(i + 2..i + 2 + usize::from(l)) else {
            c.line(d + 1, "[Bogus option length: runs past the header]");
            break;
        };
        match (t, v.len()) {
            (0x01, _) => ln!(c, d + 1, "PadN: {}", hex_or_none(v)),
            (0xc2, 4) => ln!(c, d + 1, "Payload Length: {}", be32(v, 0).unwrap_or(0)),
            (0x05, 2) => {
                let x = u16::from_be_bytes([v[0], v[1]]);
                let what = match x {
                    0 => "MLD",
                    1 => "RSVP",
                    2 => "Active Networks",
                    _ => "Unknown",
                };
                ln!(c, d + 1, "Router Alert: {what} ({x})");
            }
            (0x04, 1) => ln!(c, d + 1, "Tunnel Encapsulation Limit: {}", v[0]),
            (0xc9, 16) => ln!(c, d + 1, "Home Address: {}", ipv6_at(v, 0).map_or_else(|| hex(v), |a| a.to_string())),
            _ => ln!(c, d + 1, "Data: {}", hex_or_none(v)),
        }
        i += 2 + usize::from(l);
    }
}

fn routing(c: &mut Ctx<'_>, d1: usize, e: &[u8], len: usize) {
    let ty = e.get(2).copied();
    match ty {
        Some(t) => ln!(c, d1, "Routing Header for IPv6 ({})", names::routing_type(t)),
        None => c.line(d1, "Routing Header for IPv6"),
    }
    let d = d1 + 1;
    ext_common(c, d, e, len);
    let Some(t) = ty else { return };
    ln!(c, d, "Type: {} ({t})", names::routing_type(t));
    let Some(sl) = e.get(3) else { return };
    ln!(c, d, "Segments Left: {sl}");
    let addrs = |c: &mut Ctx<'_>, from: usize| {
        for (i, a) in e.get(from..).unwrap_or(&[]).chunks_exact(16).enumerate() {
            ln!(c, d, "Address[{}]: {}", i + 1, ipv6_at(a, 0).map_or_else(|| hex(a), |x| x.to_string()));
        }
    };
    match t {
        0 | 2 => {
            ln!(c, d, "Reserved: {}", hex(e.get(4..8).unwrap_or(&[])));
            addrs(c, 8);
        }
        4 => {
            if let (Some(last), Some(fl), Some(tag)) = (e.get(4), e.get(5), be16(e, 6)) {
                ln!(c, d, "Last Entry: {last}");
                ln!(c, d, "Flags: 0x{fl:02x}");
                ln!(c, d, "Tag: 0x{tag:04x}");
            }
            addrs(c, 8);
        }
        _ => ln!(c, d, "Data: {}", hex_or_none(e.get(4..).unwrap_or(&[]))),
    }
}

fn fragment(c: &mut Ctx<'_>, d1: usize, e: &[u8]) {
    c.line(d1, "Fragment Header for IPv6");
    let d = d1 + 1;
    ln!(c, d, "Next header: {} ({})", names::ip_proto(e[0]), e[0]);
    if let Some(r) = e.get(1) {
        ln!(c, d, "Reserved octet: 0x{r:02x}");
    }
    if let Some(fo) = be16(e, 2) {
        let w = u64::from(fo);
        ln!(c, d, "{} = Offset: {} ({} bytes)", bits(w, 16, 0xfff8), fo >> 3, u32::from(fo >> 3) * 8);
        ln!(c, d, "{} = Reserved bits: {}", bits(w, 16, 0x0006), (fo >> 1) & 3);
        ln!(c, d, "{} = More Fragments: {}", bits(w, 16, 0x0001), if fo & 1 != 0 { "Yes" } else { "No" });
    }
    if let Some(id) = be32(e, 4) {
        ln!(c, d, "Identification: 0x{id:08x}");
    }
}

/// Authentication Header (RFC 4302 §2).
fn ah(c: &mut Ctx<'_>, d1: usize, e: &[u8], len: usize) {
    c.line(d1, "Authentication Header");
    let d = d1 + 1;
    ln!(c, d, "Next header: {} ({})", names::ip_proto(e[0]), e[0]);
    if let Some(l) = e.get(1) {
        ln!(c, d, "Length: {l} ({len} bytes)");
    }
    if let Some(r) = be16(e, 2) {
        ln!(c, d, "Reserved: 0x{r:04x}");
    }
    if let Some(spi) = be32(e, 4) {
        ln!(c, d, "AH SPI: 0x{spi:08x}");
    }
    if let Some(seq) = be32(e, 8) {
        ln!(c, d, "AH Sequence: {seq}");
    }
    if let Some(icv) = e.get(12..) {
        ln!(c, d, "AH ICV: {}", hex_or_none(icv));
    }
}

/// The datagram quoted in an ICMP error (RFC 792, RFC 4443 §2.4): its IP
/// header and as much of the transport header as was quoted.
pub(super) fn quoted(c: &mut Ctx<'_>, depth: usize, q: &[u8]) {
    if q.is_empty() || c.quoted {
        return;
    }
    c.quoted = true;
    if let Some(hdr) = write_ip(c, depth, q, None) {
        let rest = q.get(hdr.hlen..).unwrap_or(&[]);
        if hdr.frag_offset == 0 && !rest.is_empty() {
            match hdr.proto {
                6 => tcp::write_tcp(c, depth, rest, None),
                17 => tcp::write_udp(c, depth, rest, None),
                1 => icmp::write_v4(c, depth, rest, Verdict::Unverified),
                58 => icmp::write_v6(c, depth, rest, Verdict::Unverified),
                _ => {}
            }
        }
    }
    c.quoted = false;
}
