//! TCP (RFC 9293) and UDP (RFC 768) header sections, with every TCP option
//! listed in order from the header bytes (kinds and lengths as sent, unknown
//! and malformed ones included).

use super::{Ctx, Verdict, bits, checksum_line, flag, hex, hex_or_none, mptcp, names};
use crate::dissect::bytes::{be16, be32};
use crate::dissect::packet::TcpOptions;

/// What the frame's own TCP header adds to its bytes.
pub(super) struct TcpInfo {
    /// Payload length on the wire.
    pub payload_len: u32,
    pub verdict: Verdict,
    /// The dissector's option summary, when the option bytes are not in this
    /// frame (the header came in the first fragment of a reassembled datagram).
    pub summary: Option<TcpOptions>,
}

const FLAG_NAMES: [(u16, &str); 9] = [
    (0x001, "FIN"),
    (0x002, "SYN"),
    (0x004, "RST"),
    (0x008, "PSH"),
    (0x010, "ACK"),
    (0x020, "URG"),
    (0x040, "ECE"),
    (0x080, "CWR"),
    (0x100, "AE"),
];

/// Writes a TCP header from `h` (possibly cut short: fields are shown as far
/// as the bytes go). `info` is `None` for a header quoted in an ICMP error
/// or one too short for the dissector.
pub(super) fn write_tcp(c: &mut Ctx<'_>, dd: usize, h: &[u8], info: Option<TcpInfo>) {
    c.proto("tcp");
    let mut title = String::from("Transmission Control Protocol");
    if let (Some(sp), Some(dp)) = (be16(h, 0), be16(h, 2)) {
        title += &format!(", Src Port: {sp}, Dst Port: {dp}");
        if let Some(seq) = be32(h, 4) {
            title += &format!(", Seq: {seq}");
        }
        if let (Some(ack), Some(0x010..)) = (be32(h, 8), be16(h, 12).map(|f| f & 0x010)) {
            title += &format!(", Ack: {ack}");
        }
        if let Some(i) = &info {
            title += &format!(", Len: {}", i.payload_len);
        }
    }
    c.line(dd, title);
    let (d1, d2) = (dd + 1, dd + 2);
    ln!(c, d1, "Source Port: {}", need!(c, "TCP", be16(h, 0)));
    ln!(c, d1, "Destination Port: {}", need!(c, "TCP", be16(h, 2)));
    if let Some(i) = &info {
        ln!(c, d1, "[TCP Segment Len: {}]", i.payload_len);
    }
    ln!(c, d1, "Sequence Number (raw): {}", need!(c, "TCP", be32(h, 4)));
    ln!(c, d1, "Acknowledgment number (raw): {}", need!(c, "TCP", be32(h, 8)));
    let hf = need!(c, "TCP", be16(h, 12));
    let hl = usize::from(hf >> 12) * 4;
    ln!(c, d1, "{} = Header Length: {hl} bytes ({})", bits(u64::from(hf >> 8), 8, 0xf0), hf >> 12);
    if hl < 20 {
        c.line(d2, "[Bogus: the header length must be at least 20 bytes]");
        return;
    }
    let fl = hf & 0x0fff;
    let set: Vec<&str> = FLAG_NAMES.iter().filter(|(m, _)| fl & m != 0).map(|&(_, n)| n).collect();
    let list = if set.is_empty() { "<None>".to_string() } else { set.join(", ") };
    ln!(c, d1, "Flags: 0x{fl:03x} ({list})");
    let w = u64::from(fl);
    flag(c, d2, w, 12, 0xe00, "Reserved");
    for (m, name) in [
        (0x100, "Accurate ECN"),
        (0x080, "Congestion Window Reduced"),
        (0x040, "ECN-Echo"),
        (0x020, "Urgent"),
        (0x010, "Acknowledgment"),
        (0x008, "Push"),
        (0x004, "Reset"),
        (0x002, "Syn"),
        (0x001, "Fin"),
    ] {
        flag(c, d2, w, 12, m, name);
    }
    let letters: String =
        "RRRACEUAPRSF".chars().enumerate().map(|(i, ch)| if fl >> (11 - i) & 1 == 1 { ch } else { '·' }).collect();
    ln!(c, d2, "[TCP Flags: {letters}]");
    ln!(c, d1, "Window: {}", need!(c, "TCP", be16(h, 14)));
    let ck = need!(c, "TCP", be16(h, 16));
    checksum_line(c, d1, "Checksum", ck, info.as_ref().map_or(Verdict::Unverified, |i| i.verdict));
    ln!(c, d1, "Urgent Pointer: {}", need!(c, "TCP", be16(h, 18)));
    if hl > 20 {
        match info.and_then(|i| i.summary) {
            Some(s) => summary_options(c, d1, hl - 20, &s),
            None => {
                options(c, d1, h.get(20..hl.min(h.len())).unwrap_or(&[]), hl - 20);
                if h.len() < hl {
                    c.cut("TCP");
                }
            }
        }
    }
}

/// One option as found in the header.
enum Opt<'a> {
    /// Kind and the whole option (kind and length bytes included).
    Good(u8, &'a [u8]),
    /// An option whose length byte is missing or does not fit.
    Bad { kind: u8, len: Option<u8>, remain: usize },
}

fn short_name(kind: u8) -> &'static str {
    match kind {
        0 => "End of Option List (EOL)",
        1 => "No-Operation (NOP)",
        2 => "Maximum segment size",
        3 => "Window scale",
        4 => "SACK permitted",
        5 => "SACK",
        8 => "Timestamps",
        19 => "TCP MD5 signature",
        27 => "Quick-Start",
        28 => "User Timeout",
        29 => "TCP AO",
        30 => "MPTCP",
        34 => "TCP Fast Open",
        253 | 254 => "Experimental",
        _ => "Unknown",
    }
}

/// The option list from bytes; like tshark it goes on after an EOL (the
/// rest is normally zero padding, shown as more EOLs).
fn options(c: &mut Ctx<'_>, d1: usize, o: &[u8], declared: usize) {
    let mut list = Vec::new();
    let mut i = 0;
    while let Some(&kind) = o.get(i) {
        if kind <= 1 {
            list.push(Opt::Good(kind, &o[i..i + 1]));
            i += 1;
            continue;
        }
        let len = o.get(i + 1).copied();
        match len.map(usize::from) {
            Some(l) if l >= 2 && i + l <= o.len() => {
                list.push(Opt::Good(kind, &o[i..i + l]));
                i += l;
            }
            _ => {
                list.push(Opt::Bad { kind, len, remain: o.len() - i });
                break;
            }
        }
    }
    let summary: Vec<&str> = list
        .iter()
        .map(|o| match o {
            Opt::Good(k, _) | Opt::Bad { kind: k, .. } => short_name(*k),
        })
        .collect();
    ln!(c, d1, "Options: ({declared} bytes), {}", summary.join(", "));
    let d = d1 + 1;
    for opt in list {
        match opt {
            Opt::Good(kind, b) => option(c, d, kind, b),
            Opt::Bad { kind, len, remain } => {
                ln!(c, d, "TCP Option - {}", short_name(kind));
                ln!(c, d + 1, "Kind: {} ({kind})", names::tcp_option(kind));
                // Past the captured bytes but inside the header: the snaplen cut it.
                let in_header = declared - (o.len() - remain);
                match len {
                    Some(l) if l >= 2 && usize::from(l) <= in_header => {
                        ln!(c, d + 1, "Length: {l}");
                        ln!(c, d + 1, "[Cut short by the capture: {remain} of {l} bytes captured]");
                    }
                    Some(l) => {
                        ln!(c, d + 1, "Length: {l}");
                        ln!(
                            c,
                            d + 1,
                            "[Bogus option length: {in_header} bytes of options remain; option parsing stops]"
                        );
                    }
                    None if in_header > remain => c.line(d + 1, "[Cut short by the capture: length byte not captured]"),
                    None => c.line(d + 1, "[Option length missing: option parsing stops]"),
                }
            }
        }
    }
}

/// One option at title depth `d` (fields at `d + 1`).
fn option(c: &mut Ctx<'_>, d: usize, kind: u8, b: &[u8]) {
    let f = d + 1;
    if kind <= 1 {
        ln!(c, d, "TCP Option - {}", short_name(kind));
        ln!(c, f, "Kind: {} ({kind})", names::tcp_option(kind));
        return;
    }
    if kind == 30 {
        mptcp::write(c, d, b);
        return;
    }
    let v = &b[2..];
    let want = match kind {
        2 | 28 => Some(4),
        3 => Some(3),
        4 => Some(2),
        8 => Some(10),
        19 => Some(18),
        _ => None,
    };
    let title = match (kind, v.len()) {
        _ if want.is_some_and(|w| w != b.len()) || kind == 5 && v.len() % 8 != 0 => short_name(kind).to_string(),
        (2, _) => format!("Maximum segment size: {} bytes", u16::from_be_bytes([v[0], v[1]])),
        (3, _) => format!("Window scale: {} (multiply by {})", v[0], 1u32 << v[0].min(14)),
        (5, _) => {
            let blocks: Vec<String> =
                v.chunks_exact(8).map(|e| format!("{}-{}", be32(e, 0).unwrap_or(0), be32(e, 4).unwrap_or(0))).collect();
            format!("SACK {}", blocks.join(" "))
        }
        (8, _) => format!("Timestamps: TSval {}, TSecr {}", be32(v, 0).unwrap_or(0), be32(v, 4).unwrap_or(0)),
        (28, _) => {
            let x = u16::from_be_bytes([v[0], v[1]]);
            format!("User Timeout: {} {}", x & 0x7fff, if x & 0x8000 != 0 { "minutes" } else { "seconds" })
        }
        (253 | 254, _) if be16(v, 0) == Some(0xf989) => "Experimental: Fast Open".to_string(),
        _ if short_name(kind) != "Unknown" => short_name(kind).to_string(),
        _ if names::tcp_option(kind) != "Unknown" => names::tcp_option(kind).to_string(),
        _ => format!("Unknown (kind {kind})"),
    };
    ln!(c, d, "TCP Option - {title}");
    ln!(c, f, "Kind: {} ({kind})", names::tcp_option(kind));
    ln!(c, f, "Length: {}", b.len());
    if let Some(w) = want.filter(|&w| w != b.len()) {
        ln!(c, f, "[Bogus option length: should be {w}]");
        return;
    }
    match kind {
        2 => ln!(c, f, "MSS Value: {}", u16::from_be_bytes([v[0], v[1]])),
        3 => {
            ln!(c, f, "Shift count: {}", v[0]);
            ln!(c, f, "[Multiplier: {}]", 1u32 << v[0].min(14));
            if v[0] > 14 {
                ln!(c, f, "[Shift count {} is above the maximum 14 (RFC 7323 §2.3): 14 is used]", v[0]);
            }
        }
        4 => {}
        5 if v.len() % 8 == 0 => {
            for e in v.chunks_exact(8) {
                ln!(c, f, "left edge = {}", be32(e, 0).unwrap_or(0));
                ln!(c, f, "right edge = {}", be32(e, 4).unwrap_or(0));
            }
            ln!(c, f, "[TCP SACK Count: {}]", v.len() / 8);
        }
        5 => ln!(c, f, "[Bogus option length: SACK blocks are 8 bytes each]"),
        8 => {
            ln!(c, f, "Timestamp value: {}", be32(v, 0).unwrap_or(0));
            ln!(c, f, "Timestamp echo reply: {}", be32(v, 4).unwrap_or(0));
        }
        19 => ln!(c, f, "MD5 digest: {}", hex(v)),
        28 => {
            let x = u16::from_be_bytes([v[0], v[1]]);
            let g = if x & 0x8000 != 0 { "Minutes" } else { "Seconds" };
            ln!(c, f, "{} = Granularity: {g}", bits(u64::from(x), 16, 0x8000));
            ln!(c, f, "{} = User Timeout: {}", bits(u64::from(x), 16, 0x7fff), x & 0x7fff);
        }
        29 if v.len() >= 2 => {
            ln!(c, f, "KeyID: {}", v[0]);
            ln!(c, f, "RNextKeyID: {}", v[1]);
            ln!(c, f, "MAC: {}", hex_or_none(&v[2..]));
        }
        34 => fast_open(c, f, v),
        253 | 254 if be16(v, 0) == Some(0xf989) => {
            c.line(f, "Experiment Identifier: Fast Open (0xf989)");
            fast_open(c, f, &v[2..]);
        }
        253 | 254 if v.len() >= 2 => {
            ln!(c, f, "Experiment Identifier: 0x{:04x}", be16(v, 0).unwrap_or(0));
            ln!(c, f, "Data: {}", hex_or_none(&v[2..]));
        }
        _ => ln!(c, f, "Payload: {}", hex_or_none(v)),
    }
}

fn fast_open(c: &mut Ctx<'_>, f: usize, cookie: &[u8]) {
    if cookie.is_empty() {
        c.line(f, "Fast Open Cookie Request");
    } else {
        ln!(c, f, "Fast Open Cookie: {}", hex(cookie));
    }
}

/// Options of a reassembled segment, from the dissector's summary (the
/// option bytes were in the first fragment's frame).
fn summary_options(c: &mut Ctx<'_>, d1: usize, declared: usize, o: &TcpOptions) {
    ln!(c, d1, "Options: ({declared} bytes) [as summarised when reassembled: order and padding not kept]");
    let d = d1 + 1;
    if let Some(m) = o.mss {
        ln!(c, d, "TCP Option - Maximum segment size: {m} bytes");
    }
    if o.sack_permitted {
        c.line(d, "TCP Option - SACK permitted");
    }
    if let Some((a, b)) = o.timestamp {
        ln!(c, d, "TCP Option - Timestamps: TSval {a}, TSecr {b}");
    }
    if let Some(s) = o.wscale {
        ln!(c, d, "TCP Option - Window scale: {s} (multiply by {})", 1u32 << s.min(14));
    }
    if o.sack_count > 0 {
        let n = usize::from(o.sack_count).min(o.sack.len());
        let blocks: Vec<String> = o.sack[..n].iter().map(|(l, r)| format!("{l}-{r}")).collect();
        ln!(c, d, "TCP Option - SACK {}", blocks.join(" "));
    }
    match o.tfo_cookie_len {
        Some(0) => c.line(d, "TCP Option - TCP Fast Open: Fast Open Cookie Request"),
        Some(n) => ln!(c, d, "TCP Option - TCP Fast Open: {n}-byte cookie"),
        None => {}
    }
    if o.mptcp {
        c.line(d, "Multipath Transmission Control Protocol");
    }
    if o.nops > 0 {
        ln!(c, d, "TCP Option - No-Operation (NOP) x {}", o.nops);
    }
    if o.unknown > 0 {
        ln!(c, d, "[{} option(s) of other kinds]", o.unknown);
    }
    if o.malformed {
        c.line(d, "[Malformed option list: parsing stopped]");
    }
}

/// Writes a UDP header from `h`; `verdict` is `None` for a quoted or short header.
pub(super) fn write_udp(c: &mut Ctx<'_>, dd: usize, h: &[u8], verdict: Option<Verdict>) {
    c.proto("udp");
    match (be16(h, 0), be16(h, 2)) {
        (Some(sp), Some(dp)) => ln!(c, dd, "User Datagram Protocol, Src Port: {sp}, Dst Port: {dp}"),
        _ => c.line(dd, "User Datagram Protocol"),
    }
    let d1 = dd + 1;
    ln!(c, d1, "Source Port: {}", need!(c, "UDP", be16(h, 0)));
    ln!(c, d1, "Destination Port: {}", need!(c, "UDP", be16(h, 2)));
    match need!(c, "UDP", be16(h, 4)) {
        0 => c.line(d1, "Length: 0 [zero: a jumbogram takes the IPv6 length (RFC 2675 §4)]"),
        l if l < 8 => ln!(c, d1, "Length: {l} [bogus: less than the 8-byte header]"),
        l => ln!(c, d1, "Length: {l}"),
    }
    let ck = need!(c, "UDP", be16(h, 6));
    checksum_line(c, d1, "Checksum", ck, verdict.unwrap_or(Verdict::Unverified));
}
