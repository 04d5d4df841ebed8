//! The packet details tree of `wirelens packets -V`, in tshark -V style.
//!
//! Owns: turning one dissected `Packet` into indented `(depth, line)` pairs,
//! one section per layer (title at depth 0, fields at depth 1, bit fields
//! and sub-items below), with every header field, its value and its meaning.
//! Field values are re-read from the captured bytes at the offsets the
//! dissector found, so that what the `Packet` summary does not keep
//! (reserved bits, every TCP/IP option in order, IPv6 extension headers,
//! NFLOG TLVs, MPLS label entries, the datagram quoted in an ICMP error) is
//! shown too; the dissector's verdicts (checksums, reassembly, truncation,
//! decoding errors) come from the `Packet`. Wording follows tshark 4.x where
//! reasonable. Sequence numbers are raw (relative numbers belong to the flow
//! layer); the arrival time and the DNS lines are added by the caller.
//!
//! Must not know: output formats, time zones, flows or sessions.
//! Never panics: every read is bounds-checked; a header cut short ends its
//! layer, and a note at the end says whether the snaplen or a malformed
//! packet cut it.

use std::borrow::Cow;

use crate::dissect::bytes::{array, be16, fold, ones_sum};
use crate::dissect::packet::{AppKind, Fragment, Mac, Packet, Tcp, Transport};

/// `ln!(ctx, depth, "format", args...)`: appends one line.
macro_rules! ln {
    ($c:expr, $d:expr, $($fmt:tt)*) => {
        $c.line($d, format!($($fmt)*))
    };
}

/// `need!(ctx, "Layer", option)`: the value, or note that `Layer` was cut
/// short and return (the enclosing function returns `Default::default()`).
macro_rules! need {
    ($c:expr, $layer:expr, $e:expr) => {
        match $e {
            Some(v) => v,
            None => {
                $c.cut($layer);
                return Default::default();
            }
        }
    };
}

#[path = "tree/icmp.rs"]
mod icmp;
#[path = "tree/lower.rs"]
mod lower;
#[path = "tree/mptcp.rs"]
mod mptcp;
#[path = "tree/names.rs"]
pub mod names;
#[path = "tree/net.rs"]
mod net;
#[path = "tree/tcp.rs"]
mod tcp;
#[cfg(test)]
#[path = "tree/tests.rs"]
mod tests;

/// Appends the layered details of `p` as (depth, line) pairs, tshark -V style.
///
/// The first line is the frame title; the caller inserts the arrival time
/// (tshark's "Arrival Time") after the "Encapsulation type" line, i.e. as the
/// third line written, and appends the DNS message trees at the end.
pub fn write_tree(p: &Packet<'_>, out: &mut Vec<(usize, String)>) {
    let mut c = Ctx { out, short: None, quoted: false, protos: Vec::new() };
    let protos_at = frame(&mut c, p);
    let next = lower::write(&mut c, p);
    network(&mut c, p, next);

    let snaplen_cut = p.truncated || p.data.len() < p.orig_len as usize;
    match (c.short, snaplen_cut) {
        (Some(layer), true) => ln!(c, 0, "[Packet size limited during capture: {layer} truncated]"),
        (None, true) => {
            let (cap, wire) = (p.data.len(), p.orig_len);
            ln!(c, 0, "[Packet size limited during capture: {cap} of {wire} bytes captured]");
        }
        (Some(layer), false) if p.error.is_none() => {
            ln!(c, 0, "[Malformed Packet: {layer} header cut short]")
        }
        _ => {}
    }
    if let Some(e) = &p.error {
        ln!(c, 0, "[Malformed/undecoded: {e}]");
    }
    if !c.protos.is_empty() {
        let line = (1, format!("[Protocols in frame: {}]", c.protos.join(":")));
        c.out.insert(protos_at, line);
    }
}

/// Where the tree is being written and what happened so far.
struct Ctx<'o> {
    out: &'o mut Vec<(usize, String)>,
    /// The first layer whose header ran past the captured bytes.
    short: Option<&'static str>,
    /// Writing the datagram quoted inside an ICMP error: a quote is
    /// routinely cut short and its layers are not the frame's.
    quoted: bool,
    /// Protocol names for "[Protocols in frame]", tshark's short names.
    protos: Vec<&'static str>,
}

impl Ctx<'_> {
    fn line(&mut self, depth: usize, s: impl Into<String>) {
        self.out.push((depth, s.into()));
    }

    fn cut(&mut self, layer: &'static str) {
        if !self.quoted && self.short.is_none() {
            self.short = Some(layer);
        }
    }

    fn proto(&mut self, name: &'static str) {
        if !self.quoted {
            self.protos.push(name);
        }
    }
}

/// A checksum's status as shown after its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Unverified,
    Good,
    /// Wrong; the right value when it could be computed.
    Bad(Option<u16>),
    /// UDP over IPv4 with checksum 0: "not computed" (RFC 768).
    ZeroIgnored,
}

impl Verdict {
    fn from_dissector(ok: Option<bool>, expected: impl FnOnce() -> Option<u16>) -> Self {
        match ok {
            None => Verdict::Unverified,
            Some(true) => Verdict::Good,
            Some(false) => Verdict::Bad(expected()),
        }
    }
}

fn checksum_line(c: &mut Ctx<'_>, depth: usize, label: &str, value: u16, v: Verdict) {
    let status = match v {
        Verdict::Unverified => "[unverified]".to_string(),
        Verdict::Good => "[correct]".to_string(),
        Verdict::Bad(Some(e)) => format!("[incorrect, should be 0x{e:04x}]"),
        Verdict::Bad(None) => "[incorrect]".to_string(),
        Verdict::ZeroIgnored => "[zero-value ignored]".to_string(),
    };
    ln!(c, depth, "{label}: 0x{value:04x} {status}");
}

/// The checksum `seg` should carry, its own field (at `at`) taken as zero.
fn expected_checksum(seg: &[u8], at: usize, pseudo: u32) -> Option<u16> {
    let mut v = seg.to_vec();
    v.get_mut(at..at + 2)?.fill(0);
    Some(fold(ones_sum(pseudo, &v)))
}

/// Renders the bits of `value` (a `width`-bit word) under `mask` the way
/// tshark draws bit fields: `0100 ....`, groups of four, dots elsewhere.
fn bits(value: u64, width: u32, mask: u64) -> String {
    let mut s = String::with_capacity(width as usize + width as usize / 4);
    for i in (0..width).rev() {
        let pos = width - 1 - i;
        if pos > 0 && pos % 4 == 0 {
            s.push(' ');
        }
        s.push(match (mask >> i & 1, value >> i & 1) {
            (0, _) => '.',
            (_, 1) => '1',
            _ => '0',
        });
    }
    s
}

/// `bits = name: Set` / `Not set` for a one-bit flag.
fn flag(c: &mut Ctx<'_>, depth: usize, value: u64, width: u32, mask: u64, name: &str) {
    let set = if value & mask != 0 { "Set" } else { "Not set" };
    ln!(c, depth, "{} = {name}: {set}", bits(value, width, mask));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Hex of at most 36 bytes, then "…" as tshark abbreviates long byte fields.
fn hex_short(b: &[u8]) -> String {
    if b.len() > 36 { format!("{}…", hex(&b[..36])) } else { hex(b) }
}

fn mac(b: [u8; 6]) -> String {
    Mac(b).to_string()
}

/// Hex or "<none>" for byte fields that may be empty.
fn hex_or_none(b: &[u8]) -> String {
    if b.is_empty() { "<none>".to_string() } else { hex(b) }
}

/// "Data (N bytes)" with the bytes and their length, as tshark's data dissector.
fn data(c: &mut Ctx<'_>, depth: usize, bytes: &[u8], wire: usize) {
    c.proto("data");
    ln!(c, depth, "Data ({} bytes)", wire.max(bytes.len()));
    let shown = if bytes.is_empty() { "<none>".to_string() } else { hex_short(bytes) };
    ln!(c, depth + 1, "Data: {shown}");
    if wire > bytes.len() {
        ln!(c, depth + 1, "[Length: {wire}, of which {} captured]", bytes.len());
    } else {
        ln!(c, depth + 1, "[Length: {}]", bytes.len());
    }
}

fn frame(c: &mut Ctx<'_>, p: &Packet<'_>) -> usize {
    let cap = p.data.len() as u64;
    let wire = u64::from(p.orig_len);
    ln!(
        c,
        0,
        "Frame {}: {wire} bytes on wire ({} bits), {cap} bytes captured ({} bits) on interface {}",
        p.number,
        wire * 8,
        cap * 8,
        p.interface
    );
    ln!(c, 1, "Encapsulation type: {} ({})", names::link_type(p.link.0), p.link.0);
    let total = i128::from(p.ts.secs) * 1_000_000_000 + i128::from(p.ts.nanos);
    let sign = if total < 0 { "-" } else { "" };
    let abs = total.unsigned_abs();
    ln!(c, 1, "Epoch Time: {sign}{}.{:09} seconds", abs / 1_000_000_000, abs % 1_000_000_000);
    ln!(c, 1, "Frame Number: {}", p.number);
    ln!(c, 1, "Frame Length: {wire} bytes ({} bits)", wire * 8);
    ln!(c, 1, "Capture Length: {cap} bytes ({} bits)", cap * 8);
    if cap < wire {
        ln!(c, 1, "[Truncated: yes, {} bytes not captured]", wire - cap);
    }
    c.out.len()
}

/// The network layer and everything above it.
fn network(c: &mut Ctx<'_>, p: &Packet<'_>, next: lower::Next) {
    let d = p.data;
    // The dissector's offset rules when it decoded a network layer.
    let decoded = p.ip.is_some() || p.arp.is_some();
    match next {
        lower::Next::Ip { offset, expect } => {
            let offset = if decoded { p.net_offset as usize } else { offset };
            padding(c, p, offset, datagram_len(d, offset, true));
            let h = d.get(offset..).unwrap_or(&[]);
            let hdr = net::write_ip(c, 0, h, expect);
            if hdr.is_some() {
                above_ip(c, p);
            }
        }
        lower::Next::Ether { ethertype: 0x0806, offset } => {
            padding(c, p, offset, datagram_len(d, offset, false));
            lower::arp(c, d.get(offset..).unwrap_or(&[]));
        }
        lower::Next::Ether { offset, .. } | lower::Next::Data { offset } => {
            if let Some(rest) = d.get(offset..).filter(|r| !r.is_empty()) {
                data(c, 0, rest, rest.len());
            }
        }
        lower::Next::Stop => {}
    }
}

/// The length of the IP datagram or ARP message at `offset`, from its header.
fn datagram_len(d: &[u8], offset: usize, ip: bool) -> Option<usize> {
    let h = d.get(offset..)?;
    if !ip {
        let (hs, ps) = (*h.get(4)?, *h.get(5)?);
        return Some(8 + 2 * (usize::from(hs) + usize::from(ps)));
    }
    match h.first()? >> 4 {
        4 => Some(usize::from(be16(h, 2)?)).filter(|&l| l >= 20),
        6 => Some(40 + usize::from(be16(h, 4)?)).filter(|&l| l > 40),
        _ => None,
    }
}

/// Bytes after the datagram on an Ethernet-like link: padding up to the
/// 60-byte minimum frame, then trailer (as tshark splits them).
fn padding(c: &mut Ctx<'_>, p: &Packet<'_>, offset: usize, len: Option<usize>) {
    use crate::dissect::packet::LinkHeader;
    if !matches!(p.link_header, LinkHeader::Ethernet { .. } | LinkHeader::Sll { .. }) {
        return;
    }
    let Some(end) = len.and_then(|l| l.checked_add(offset)).filter(|&e| e < p.data.len()) else {
        return;
    };
    let pad_end = p.data.len().min(60).max(end);
    if pad_end > end {
        ln!(c, 1, "Padding: {}", hex(&p.data[end..pad_end]));
    }
    if p.data.len() > pad_end {
        ln!(c, 1, "Trailer: {}", hex(&p.data[pad_end..]));
    }
}

/// Reassembly notes, the transport layer and the application payload.
fn above_ip(c: &mut Ctx<'_>, p: &Packet<'_>) {
    let Some(ip) = p.ip else { return };
    let d = p.data;
    match ip.fragment {
        Fragment::None => {}
        Fragment::Held | Fragment::Dropped => {
            let more = if ip.mf { "yes" } else { "no" };
            let what = if ip.fragment == Fragment::Held {
                "held for reassembly"
            } else {
                "not reassembled: reassembly gave up on this datagram (overlap, size or fragment limit)"
            };
            ln!(c, 1, "[Fragment at offset {} (more fragments: {more}), {what}]", ip.frag_offset);
            let wire = ip.total_len.saturating_sub(u32::from(ip.header_len)) as usize;
            data(c, 0, p.payload, wire);
            return;
        }
        Fragment::Completed { fragments, len } => {
            ln!(c, 1, "[Reassembled from {fragments} fragments, {len} bytes]");
        }
    }
    let reassembled = matches!(ip.fragment, Fragment::Completed { .. });
    let toff = p.transport_offset as usize;
    let ip_end = (p.net_offset as usize).saturating_add(ip.total_len as usize).min(d.len());
    // The transport bytes are in the frame unless they were reassembled.
    let seg = if reassembled { None } else { d.get(toff..ip_end.max(toff)) };
    let wire_len = match ip.fragment {
        Fragment::Completed { len, .. } => len,
        _ => ip.total_len.saturating_sub(u32::from(ip.header_len)),
    };
    let whole = seg.filter(|s| s.len() as u32 == wire_len);
    let pseudo = |proto: u8| crate::dissect::ip::pseudo_header_sum(ip.src, ip.dst, proto, wire_len);
    match p.transport {
        Transport::Tcp(t) => {
            let hdr = seg.map_or_else(|| Cow::Owned(rebuild_tcp(&t)), Cow::Borrowed);
            let verdict = Verdict::from_dissector(t.checksum_ok, || expected_checksum(whole?, 16, pseudo(6)));
            let summary = if seg.is_none() { Some(t.options) } else { None };
            tcp::write_tcp(c, 0, &hdr, Some(tcp::TcpInfo { payload_len: t.payload_len, verdict, summary }));
            if t.payload_len > 0 || !p.payload.is_empty() {
                payload_line(c, "TCP", t.payload_len as usize, p.payload.len());
            }
            app(c, p, true);
        }
        Transport::Udp(u) => {
            let rebuilt;
            let hdr: &[u8] = match seg {
                Some(s) => s,
                None => {
                    rebuilt = [u.sport, u.dport, u.length, u.checksum].map(u16::to_be_bytes).concat();
                    &rebuilt
                }
            };
            let verdict = if u.checksum == 0 && ip.version == 4 {
                Verdict::ZeroIgnored
            } else {
                Verdict::from_dissector(u.checksum_ok, || {
                    expected_checksum(whole?, 6, pseudo(17)).map(|e| if e == 0 { 0xffff } else { e })
                })
            };
            tcp::write_udp(c, 0, hdr, Some(verdict));
            let wire = usize::from(u.length.saturating_sub(8));
            if wire > 0 || !p.payload.is_empty() {
                payload_line(c, "UDP", wire.max(p.payload.len()), p.payload.len());
            }
            app(c, p, false);
        }
        Transport::Icmp(i) => {
            let hdr = seg.map_or_else(
                || {
                    let (id, sq) = i.echo.unwrap_or((0, 0));
                    let mut v = vec![i.icmp_type, i.code];
                    v.extend([i.checksum, id, sq].iter().flat_map(|x| x.to_be_bytes()));
                    v.extend_from_slice(p.payload);
                    Cow::Owned(v)
                },
                Cow::Borrowed,
            );
            let verdict = Verdict::from_dissector(i.checksum_ok, || {
                expected_checksum(whole?, 2, if i.v6 { pseudo(58) } else { 0 })
            });
            if i.v6 {
                icmp::write_v6(c, 0, &hdr, verdict);
            } else {
                icmp::write_v4(c, 0, &hdr, verdict);
            }
        }
        Transport::Other(proto) => {
            c.line(0, format!("{} ({proto})", names::ip_proto(proto)));
            c.line(1, "[Not decoded by wirelens]");
            if !p.payload.is_empty() || wire_len > 0 {
                data(c, 0, p.payload, wire_len as usize);
            }
        }
        Transport::None => {
            // The transport header was cut short or is malformed: show what is there.
            let Some(s) = seg else { return };
            match ip.proto {
                6 => tcp::write_tcp(c, 0, s, None),
                17 => tcp::write_udp(c, 0, s, None),
                1 => icmp::write_v4(c, 0, s, Verdict::Unverified),
                58 => icmp::write_v6(c, 0, s, Verdict::Unverified),
                _ => {}
            }
        }
    }
}

fn payload_line(c: &mut Ctx<'_>, proto: &str, wire: usize, captured: usize) {
    if captured < wire {
        ln!(c, 1, "{proto} payload ({wire} bytes, {captured} captured)");
    } else {
        ln!(c, 1, "{proto} payload ({captured} bytes)");
    }
}

/// The application payload: DNS is written by the caller; anything else is data.
fn app(c: &mut Ctx<'_>, p: &Packet<'_>, tcp: bool) {
    if p.app != AppKind::None && !p.dns.is_empty() {
        c.proto(match p.app {
            AppKind::Mdns => "mdns",
            AppKind::Llmnr => "llmnr",
            _ => "dns",
        });
        return;
    }
    if p.payload.is_empty() {
        return;
    }
    let wire = p.tcp().map_or(p.payload.len(), |t| t.payload_len as usize);
    data(c, 0, p.payload, wire);
    if tcp && p.app == AppKind::Dns {
        c.line(1, "[DNS over TCP: part of a message that is not complete yet]");
    }
}

/// The fixed TCP header from the dissector's fields, for reassembled
/// datagrams whose header bytes are not in this frame.
fn rebuild_tcp(t: &Tcp) -> Vec<u8> {
    let mut v = Vec::with_capacity(20);
    v.extend(t.sport.to_be_bytes());
    v.extend(t.dport.to_be_bytes());
    v.extend(t.seq.to_be_bytes());
    v.extend(t.ack.to_be_bytes());
    v.extend((u16::from(t.header_len / 4) << 12 | t.flags).to_be_bytes());
    v.extend(t.window.to_be_bytes());
    v.extend(t.checksum.to_be_bytes());
    v.extend(t.urgent.to_be_bytes());
    v
}

/// A 4-byte IPv4 address from `b` at `at`.
fn ipv4_at(b: &[u8], at: usize) -> Option<std::net::Ipv4Addr> {
    array::<4>(b, at).map(Into::into)
}

/// A 16-byte IPv6 address from `b` at `at`.
fn ipv6_at(b: &[u8], at: usize) -> Option<std::net::Ipv6Addr> {
    array::<16>(b, at).map(Into::into)
}

/// A big-endian u64 from `b` at `at`.
fn be64(b: &[u8], at: usize) -> Option<u64> {
    array::<8>(b, at).map(u64::from_be_bytes)
}
