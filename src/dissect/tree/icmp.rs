//! ICMP (RFC 792 and its successors) and ICMPv6 (RFC 4443, Neighbor
//! Discovery RFC 4861, MLD RFC 2710/3810) sections: type and code with their
//! meaning, the type-specific fields, ND options, and the datagram an error
//! quotes (written by `net::quoted`).

use super::{Ctx, Verdict, bits, checksum_line, data, hex, hex_or_none, ipv4_at, ipv6_at, mac, names, net};
use crate::dissect::bytes::{be16, be32};

/// Writes an ICMP message from `h` (header and body as captured).
pub(super) fn write_v4(c: &mut Ctx<'_>, dd: usize, h: &[u8], verdict: Verdict) {
    c.proto("icmp");
    c.line(dd, "Internet Control Message Protocol");
    let d1 = dd + 1;
    let t = *need!(c, "ICMP", h.first());
    ln!(c, d1, "Type: {t} ({})", names::icmp_type(t));
    let code = *need!(c, "ICMP", h.get(1));
    match names::icmp_code(t, code) {
        Some(n) => ln!(c, d1, "Code: {code} ({n})"),
        None => ln!(c, d1, "Code: {code}"),
    }
    let ck = need!(c, "ICMP", be16(h, 2));
    checksum_line(c, d1, "Checksum", ck, verdict);
    let rest = h.get(4..8);
    let body = h.get(8..).unwrap_or(&[]);
    match t {
        0 | 8 | 13..=18 | 42 | 43 => {
            let (id, seq) = (need!(c, "ICMP", be16(h, 4)), need!(c, "ICMP", be16(h, 6)));
            ln!(c, d1, "Identifier (BE): {id} (0x{id:04x})");
            ln!(c, d1, "Identifier (LE): {} (0x{:04x})", id.swap_bytes(), id.swap_bytes());
            ln!(c, d1, "Sequence Number (BE): {seq} (0x{seq:04x})");
            ln!(c, d1, "Sequence Number (LE): {} (0x{:04x})", seq.swap_bytes(), seq.swap_bytes());
            match t {
                13 | 14 => {
                    for (i, label) in ["Originate", "Receive", "Transmit"].iter().enumerate() {
                        if let Some(ms) = be32(body, i * 4) {
                            ln!(c, d1, "{label} timestamp: {ms} ms after midnight UTC");
                        }
                    }
                }
                17 | 18 => {
                    if let Some(m) = ipv4_at(body, 0) {
                        ln!(c, d1, "Address Mask: {m}");
                    }
                }
                _ => {
                    if !body.is_empty() && !c.quoted {
                        data(c, d1, body, body.len());
                    }
                }
            }
        }
        3 | 4 | 5 | 11 | 12 => {
            match (t, code) {
                (3, 4) => {
                    ln!(c, d1, "Unused: {}", hex(need!(c, "ICMP", h.get(4..6))));
                    ln!(c, d1, "MTU of next hop: {}", need!(c, "ICMP", be16(h, 6)));
                }
                (5, _) => ln!(c, d1, "Gateway Address: {}", need!(c, "ICMP", ipv4_at(h, 4))),
                (12, _) => {
                    ln!(c, d1, "Pointer: {}", need!(c, "ICMP", h.get(4)));
                    ln!(c, d1, "Unused: {}", hex(need!(c, "ICMP", h.get(5..8))));
                }
                _ => ln!(c, d1, "Unused: {}", hex(need!(c, "ICMP", rest))),
            }
            net::quoted(c, d1, body);
        }
        9 => {
            let (n, size, life) =
                (*need!(c, "ICMP", h.get(4)), *need!(c, "ICMP", h.get(5)), need!(c, "ICMP", be16(h, 6)));
            ln!(c, d1, "Number of addresses: {n}");
            ln!(c, d1, "Address entry size: {size}");
            ln!(c, d1, "Lifetime: {life} seconds");
            let step = usize::from(size.max(2)) * 4;
            for i in 0..usize::from(n) {
                let (Some(a), Some(pref)) = (ipv4_at(body, i * step), be32(body, i * step + 4)) else {
                    break;
                };
                ln!(c, d1, "Router address: {a}");
                ln!(c, d1, "Preference level: {}", pref as i32);
            }
        }
        _ => {
            ln!(c, d1, "Rest of header: {}", hex(need!(c, "ICMP", rest)));
            if !body.is_empty() && !c.quoted {
                data(c, d1, body, body.len());
            }
        }
    }
}

/// Writes an ICMPv6 message from `h` (header and body as captured).
pub(super) fn write_v6(c: &mut Ctx<'_>, dd: usize, h: &[u8], verdict: Verdict) {
    c.proto("icmpv6");
    c.line(dd, "Internet Control Message Protocol v6");
    let d1 = dd + 1;
    let t = *need!(c, "ICMPv6", h.first());
    ln!(c, d1, "Type: {} ({t})", names::icmpv6_type(t));
    let code = *need!(c, "ICMPv6", h.get(1));
    match names::icmpv6_code(t, code) {
        Some(n) => ln!(c, d1, "Code: {code} ({n})"),
        None => ln!(c, d1, "Code: {code}"),
    }
    let ck = need!(c, "ICMPv6", be16(h, 2));
    checksum_line(c, d1, "Checksum", ck, verdict);
    let reserved = |c: &mut Ctx<'_>, r: std::ops::Range<usize>| -> bool {
        match h.get(r) {
            Some(b) => {
                ln!(c, d1, "Reserved: {}", hex(b));
                true
            }
            None => false,
        }
    };
    let target = |c: &mut Ctx<'_>, label: &str, at: usize| -> bool {
        match ipv6_at(h, at) {
            Some(a) => {
                ln!(c, d1, "{label}: {a}");
                true
            }
            None => false,
        }
    };
    match t {
        1..=4 => {
            match t {
                2 => ln!(c, d1, "MTU: {}", need!(c, "ICMPv6", be32(h, 4))),
                4 => ln!(c, d1, "Pointer: {}", need!(c, "ICMPv6", be32(h, 4))),
                _ => ln!(c, d1, "Reserved: {}", hex(need!(c, "ICMPv6", h.get(4..8)))),
            }
            net::quoted(c, d1, h.get(8..).unwrap_or(&[]));
        }
        128 | 129 => {
            ln!(c, d1, "Identifier: 0x{:04x}", need!(c, "ICMPv6", be16(h, 4)));
            ln!(c, d1, "Sequence: {}", need!(c, "ICMPv6", be16(h, 6)));
            let body = h.get(8..).unwrap_or(&[]);
            if !body.is_empty() && !c.quoted {
                data(c, d1, body, body.len());
            }
        }
        130..=132 => {
            ln!(c, d1, "Maximum Response Delay [ms]: {}", need!(c, "ICMPv6", be16(h, 4)));
            reserved(c, 6..8);
            if !target(c, "Multicast Address", 8) {
                return;
            }
            if t == 130 && h.len() >= 28 {
                let fl = h[24];
                ln!(c, d1, "{} = S Flag: {}", bits(u64::from(fl), 8, 0x08), if fl & 0x08 != 0 { "On" } else { "Off" });
                ln!(c, d1, "{} = QRV (Querier's Robustness Variable): {}", bits(u64::from(fl), 8, 0x07), fl & 7);
                ln!(c, d1, "QQIC (Querier's Query Interval Code): {}", h[25]);
                let n = be16(h, 26).unwrap_or(0);
                ln!(c, d1, "Number of Sources: {n}");
                for i in 0..usize::from(n) {
                    if !target(c, "Source Address", 28 + 16 * i) {
                        break;
                    }
                }
            }
        }
        133 => {
            reserved(c, 4..8);
            nd_options(c, d1, h.get(8..).unwrap_or(&[]));
        }
        134 => router_advertisement(c, d1, h),
        135 => {
            if reserved(c, 4..8) && target(c, "Target Address", 8) {
                nd_options(c, d1, h.get(24..).unwrap_or(&[]));
            }
        }
        136 => {
            let fl = need!(c, "ICMPv6", be32(h, 4));
            let set: Vec<&str> = [(0x8000_0000u32, "Router"), (0x4000_0000, "Solicited"), (0x2000_0000, "Override")]
                .into_iter()
                .filter(|&(m, _)| fl & m != 0)
                .map(|(_, n)| n)
                .collect();
            let list = if set.is_empty() { String::new() } else { format!(", {}", set.join(", ")) };
            ln!(c, d1, "Flags: 0x{fl:08x}{list}");
            let w = u64::from(fl);
            super::flag(c, d1 + 1, w, 32, 0x8000_0000, "Router");
            super::flag(c, d1 + 1, w, 32, 0x4000_0000, "Solicited");
            super::flag(c, d1 + 1, w, 32, 0x2000_0000, "Override");
            ln!(c, d1 + 1, "{} = Reserved: {}", bits(w, 32, 0x1fff_ffff), fl & 0x1fff_ffff);
            if target(c, "Target Address", 8) {
                nd_options(c, d1, h.get(24..).unwrap_or(&[]));
            }
        }
        137 => {
            if reserved(c, 4..8) && target(c, "Target Address", 8) && target(c, "Destination Address", 24) {
                nd_options(c, d1, h.get(40..).unwrap_or(&[]));
            }
        }
        143 => mldv2_report(c, d1, h),
        _ => {
            let body = h.get(4..).unwrap_or(&[]);
            if !body.is_empty() && !c.quoted {
                data(c, d1, body, body.len());
            }
        }
    }
}

fn router_advertisement(c: &mut Ctx<'_>, d1: usize, h: &[u8]) {
    ln!(c, d1, "Cur hop limit: {}", need!(c, "ICMPv6", h.get(4)));
    let fl = *need!(c, "ICMPv6", h.get(5));
    let w = u64::from(fl);
    let prf = ["Medium", "High", "Reserved", "Low"][usize::from(fl >> 3 & 3)];
    ln!(c, d1, "Flags: 0x{fl:02x}, Prf (Default Router Preference): {prf}");
    let d2 = d1 + 1;
    super::flag(c, d2, w, 8, 0x80, "Managed address configuration");
    super::flag(c, d2, w, 8, 0x40, "Other configuration");
    super::flag(c, d2, w, 8, 0x20, "Home Agent");
    ln!(c, d2, "{} = Prf (Default Router Preference): {prf} ({})", bits(w, 8, 0x18), fl >> 3 & 3);
    super::flag(c, d2, w, 8, 0x04, "Proxy");
    ln!(c, d2, "{} = Reserved: {}", bits(w, 8, 0x03), fl & 3);
    ln!(c, d1, "Router lifetime (s): {}", need!(c, "ICMPv6", be16(h, 6)));
    ln!(c, d1, "Reachable time (ms): {}", need!(c, "ICMPv6", be32(h, 8)));
    ln!(c, d1, "Retrans timer (ms): {}", need!(c, "ICMPv6", be32(h, 12)));
    nd_options(c, d1, h.get(16..).unwrap_or(&[]));
}

/// MLDv2 Report (RFC 3810 §5.2).
fn mldv2_report(c: &mut Ctx<'_>, d1: usize, h: &[u8]) {
    ln!(c, d1, "Reserved: {}", hex(need!(c, "ICMPv6", h.get(4..6))));
    let n = need!(c, "ICMPv6", be16(h, 6));
    ln!(c, d1, "Number of Multicast Address Records: {n}");
    let mut at = 8;
    for _ in 0..n {
        let (Some(&rt), Some(&aux), Some(ns), Some(ma)) =
            (h.get(at), h.get(at + 1), be16(h, at + 2), ipv6_at(h, at + 4))
        else {
            c.cut("ICMPv6");
            return;
        };
        let name = names::mldv2_record(rt);
        ln!(c, d1, "Multicast Address Record {name}: {ma}");
        let d2 = d1 + 1;
        ln!(c, d2, "Record Type: {name} ({rt})");
        ln!(c, d2, "Aux Data Len: {aux}");
        ln!(c, d2, "Number of Sources: {ns}");
        ln!(c, d2, "Multicast Address: {ma}");
        at += 20;
        for _ in 0..ns {
            let Some(s) = ipv6_at(h, at) else {
                c.cut("ICMPv6");
                return;
            };
            ln!(c, d2, "Source Address: {s}");
            at += 16;
        }
        if let Some(a) = h.get(at..at + 4 * usize::from(aux)).filter(|a| !a.is_empty()) {
            ln!(c, d2, "Aux Data: {}", hex(a));
        }
        at += 4 * usize::from(aux);
    }
}

/// Neighbor Discovery options (RFC 4861 §4.6), each with its type and length.
fn nd_options(c: &mut Ctx<'_>, d1: usize, o: &[u8]) {
    let mut i = 0;
    while let (Some(&t), Some(&l8)) = (o.get(i), o.get(i + 1)) {
        let name = names::nd_option(t);
        let len = usize::from(l8) * 8;
        let b = &o[i..(i + len).min(o.len())];
        let lladdr = (matches!(t, 1 | 2) && b.len() == 8).then(|| mac([b[2], b[3], b[4], b[5], b[6], b[7]]));
        match &lladdr {
            Some(m) => ln!(c, d1, "ICMPv6 Option ({name} : {m})"),
            None => ln!(c, d1, "ICMPv6 Option ({name})"),
        }
        let d = d1 + 1;
        ln!(c, d, "Type: {name} ({t})");
        ln!(c, d, "Length: {l8} ({len} bytes)");
        if len == 0 {
            c.line(d, "[Bogus: an option is at least 8 bytes; option parsing stops]");
            return;
        }
        let v = b.get(2..).unwrap_or(&[]);
        match t {
            1 | 2 => match &lladdr {
                Some(m) => ln!(c, d, "Link-layer address: {m}"),
                None => ln!(c, d, "Link-layer address: {}", hex_or_none(v)),
            },
            3 if b.len() >= 32 => {
                ln!(c, d, "Prefix Length: {}", b[2]);
                let fl = b[3];
                ln!(c, d, "Flag: 0x{fl:02x}");
                super::flag(c, d + 1, u64::from(fl), 8, 0x80, "On-link flag (L)");
                super::flag(c, d + 1, u64::from(fl), 8, 0x40, "Autonomous address-configuration flag (A)");
                super::flag(c, d + 1, u64::from(fl), 8, 0x20, "Router address flag (R)");
                ln!(c, d, "Valid Lifetime: {}", be32(b, 4).unwrap_or(0));
                ln!(c, d, "Preferred Lifetime: {}", be32(b, 8).unwrap_or(0));
                ln!(c, d, "Reserved: {}", hex(&b[12..16]));
                ln!(c, d, "Prefix: {}", ipv6_at(b, 16).map_or_else(String::new, |a| a.to_string()));
            }
            4 if b.len() >= 8 => {
                ln!(c, d, "Reserved: {}", hex(&b[2..8]));
                net::quoted(c, d, &b[8..]);
            }
            5 if b.len() >= 8 => {
                ln!(c, d, "Reserved: {}", hex(&b[2..4]));
                ln!(c, d, "MTU: {}", be32(b, 4).unwrap_or(0));
            }
            14 => ln!(c, d, "Nonce: {}", hex_or_none(v)),
            24 if b.len() >= 8 => {
                ln!(c, d, "Prefix Length: {}", b[2]);
                let prf = ["Medium", "High", "Reserved", "Low"][usize::from(b[3] >> 3 & 3)];
                ln!(c, d, "Route Preference: {prf}");
                ln!(c, d, "Route Lifetime: {}", be32(b, 4).unwrap_or(0));
                let mut p = [0u8; 16];
                let src = &b[8..];
                p[..src.len().min(16)].copy_from_slice(&src[..src.len().min(16)]);
                ln!(c, d, "Prefix: {}", std::net::Ipv6Addr::from(p));
            }
            25 | 31 if b.len() >= 8 => {
                ln!(c, d, "Reserved: {}", hex(&b[2..4]));
                ln!(c, d, "Lifetime: {}", be32(b, 4).unwrap_or(0));
                if t == 25 {
                    for a in b[8..].chunks_exact(16) {
                        ln!(
                            c,
                            d,
                            "Recursive DNS Servers: {}",
                            ipv6_at(a, 0).map_or_else(String::new, |x| x.to_string())
                        );
                    }
                } else {
                    for name in dns_names(&b[8..]) {
                        ln!(c, d, "Domain Names: {name}");
                    }
                }
            }
            _ => ln!(c, d, "Data: {}", hex_or_none(v)),
        }
        if b.len() < len {
            c.cut("ICMPv6");
            return;
        }
        i += len;
    }
}

/// Uncompressed domain names (RFC 1035 §3.1) in a DNS Search List option.
fn dns_names(mut b: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    while let Some((&n, rest)) = b.split_first() {
        let n = usize::from(n);
        if n == 0 {
            if !labels.is_empty() {
                out.push(labels.join("."));
                labels.clear();
            }
            b = rest;
            continue;
        }
        let Some(label) = rest.get(..n) else { break };
        labels.push(String::from_utf8_lossy(label).into_owned());
        b = &rest[n..];
    }
    out
}
