//! The Multipath TCP option (kind 30, RFC 8684 §3): subtype, version, flags,
//! keys, tokens, sequence mappings and addresses, as far as the option's
//! bytes go.

use super::{Ctx, be64, bits, hex, hex_or_none, ipv4_at, ipv6_at, names};
use crate::dissect::bytes::{be16, be32};

/// Writes the option `o` (kind and length bytes included) with its title at depth `d`.
pub(super) fn write(c: &mut Ctx<'_>, d: usize, o: &[u8]) {
    c.proto("mptcp");
    let b2 = o.get(2).copied();
    match b2 {
        Some(b) => ln!(c, d, "Multipath Transmission Control Protocol: {}", names::mptcp_subtype(b >> 4)),
        None => c.line(d, "Multipath Transmission Control Protocol"),
    }
    let f = d + 1;
    c.line(f, "Kind: Multipath TCP (30)");
    ln!(c, f, "Length: {}", o.len());
    let Some(b2) = b2 else { return };
    let w2 = u64::from(b2);
    let st = b2 >> 4;
    ln!(c, f, "{} = Multipath TCP subtype: {} ({st})", bits(w2, 8, 0xf0), names::mptcp_subtype(st));
    let key = |c: &mut Ctx<'_>, label: &str, at: usize| {
        if let Some(k) = be64(o, at) {
            ln!(c, f, "{label}: {k}");
        }
    };
    let flag_lines = |c: &mut Ctx<'_>, byte: u8, list: &[(u8, &str)]| {
        for &(m, name) in list {
            let v = (byte & m) >> m.trailing_zeros();
            ln!(c, f + 1, "{} = {name}: {v}", bits(u64::from(byte), 8, u64::from(m)));
        }
    };
    match st {
        0 => {
            ln!(c, f, "{} = Multipath TCP version: {}", bits(w2, 8, 0x0f), b2 & 0x0f);
            let Some(&fl) = o.get(3) else { return };
            ln!(c, f, "Multipath TCP flags: 0x{fl:02x}");
            flag_lines(
                c,
                fl,
                &[
                    (0x80, "Checksum required"),
                    (0x40, "Extensibility"),
                    (0x20, "Do not attempt to establish new subflows to this address and port"),
                    (0x01, "Use HMAC-SHA256"),
                    (0x1e, "Reserved"),
                ],
            );
            key(c, "Sender's Key", 4);
            key(c, "Receiver's Key", 12);
            if let Some(dll) = be16(o, 20) {
                ln!(c, f, "Data-level Length: {dll}");
            }
            if let Some(ck) = be16(o, 22) {
                ln!(c, f, "Checksum: 0x{ck:04x}");
            }
        }
        1 => {
            ln!(c, f, "{} = Backup flag: {}", bits(w2, 8, 0x01), b2 & 1);
            let Some(&id) = o.get(3) else { return };
            ln!(c, f, "Address ID: {id}");
            match o.len() {
                12 => {
                    if let (Some(tok), Some(rnd)) = (be32(o, 4), be32(o, 8)) {
                        ln!(c, f, "Receiver's Token: {tok}");
                        ln!(c, f, "Sender's Random Number: {rnd}");
                    }
                }
                16 => {
                    key(c, "Sender's Truncated HMAC", 4);
                    if let Some(rnd) = be32(o, 12) {
                        ln!(c, f, "Sender's Random Number: {rnd}");
                    }
                }
                _ => ln!(c, f, "Sender's HMAC: {}", hex_or_none(o.get(4..).unwrap_or(&[]))),
            }
        }
        2 => dss(c, f, o),
        3 => {
            let echo = b2 & 1;
            ln!(c, f, "{} = Echo: {echo}", bits(w2, 8, 0x01));
            let Some(&id) = o.get(3) else { return };
            ln!(c, f, "Address ID: {id}");
            let len = o.len();
            let v4 = matches!(len, 8 | 10 | 16 | 18);
            let alen = if v4 { 4 } else { 16 };
            let addr = if v4 { ipv4_at(o, 4).map(|a| a.to_string()) } else { ipv6_at(o, 4).map(|a| a.to_string()) };
            if let Some(a) = addr {
                ln!(c, f, "Advertised {}: {a}", if v4 { "IPv4 Address" } else { "IPv6 Address" });
            }
            let mut at = 4 + alen;
            if matches!(len, 10 | 18 | 22 | 30) {
                if let Some(port) = be16(o, at) {
                    ln!(c, f, "Advertised port: {port}");
                }
                at += 2;
            }
            if echo == 0 {
                key(c, "Advertising Host's Truncated HMAC", at);
            }
        }
        4 => {
            for id in o.get(3..).unwrap_or(&[]) {
                ln!(c, f, "Address ID: {id}");
            }
        }
        5 => {
            ln!(c, f, "{} = Backup flag: {}", bits(w2, 8, 0x01), b2 & 1);
            if let Some(id) = o.get(3) {
                ln!(c, f, "Address ID: {id}");
            }
        }
        6 => key(c, "Data Sequence Number", 4),
        7 => key(c, "Receiver's Key", 4),
        8 => {
            ln!(c, f, "{} = Flags: 0x{:x}", bits(w2, 8, 0x0f), b2 & 0x0f);
            if let Some(r) = o.get(3) {
                ln!(c, f, "Reason: {r}");
            }
        }
        _ => ln!(c, f, "Data: {}", hex(o.get(3..).unwrap_or(&[]))),
    }
}

/// Data Sequence Signal (RFC 8684 §3.3).
fn dss(c: &mut Ctx<'_>, f: usize, o: &[u8]) {
    let Some(&fl) = o.get(3) else { return };
    ln!(c, f, "Multipath TCP flags: 0x{fl:02x}");
    for (m, name) in [
        (0x10, "DATA_FIN"),
        (0x08, "Data Sequence Number is 8 octets"),
        (0x04, "Data Sequence Number, Subflow Sequence Number, Data-level Length, Checksum present"),
        (0x02, "Data ACK is 8 octets"),
        (0x01, "Data ACK is present"),
    ] {
        ln!(c, f + 1, "{} = {name}: {}", bits(u64::from(fl), 8, m), u8::from(u64::from(fl) & m != 0));
    }
    let mut at = 4;
    let num = |at: usize, wide: bool| {
        if wide { be64(o, at) } else { be32(o, at).map(u64::from) }
    };
    if fl & 0x01 != 0 {
        let wide = fl & 0x02 != 0;
        let Some(ack) = num(at, wide) else { return };
        ln!(c, f, "Original MPTCP Data ACK: {ack}");
        at += if wide { 8 } else { 4 };
    }
    if fl & 0x04 != 0 {
        let wide = fl & 0x08 != 0;
        let Some(dsn) = num(at, wide) else { return };
        ln!(c, f, "Data Sequence Number: {dsn}");
        at += if wide { 8 } else { 4 };
        let (Some(ssn), Some(dll)) = (be32(o, at), be16(o, at + 4)) else {
            return;
        };
        ln!(c, f, "Subflow Sequence Number: {ssn}");
        ln!(c, f, "Data-level Length: {dll}");
        if let Some(ck) = be16(o, at + 6) {
            ln!(c, f, "Checksum: 0x{ck:04x}");
        }
    }
}
