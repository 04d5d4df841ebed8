//! tshark 4.0's Info column for a DNS message (`dissect_dns_common`,
//! `dissect_dns_query` and `dissect_dns_answer` in packet-dns.c).
//!
//! The column is "<opcode words>[ response] 0x<id>", then " <rcode words>"
//! for a response with a nonzero header rcode, then every question as
//! " <TYPE> <name>" (mDNS adds `, "QM" question` or `, "QU" question`), then
//! every record of all three sections as " <TYPE>" (mDNS adds ", cache
//! flush") followed by a type-specific part (see [`record_info`]). tshark
//! appends as it decodes, so a message that breaks off keeps what came
//! before and ends with "[Malformed Packet]" (or "[Packet size limited during
//! capture]" when the frame was cut by the snaplen).
//!
//! Deliberate differences from tshark, all on messages this module marks
//! malformed:
//!
//! * Compression pointers that do not point backwards, more than 255 jumps,
//!   names over 255 bytes and bad label types end decoding here. tshark
//!   follows forward pointers, prints "<Name contains a pointer that loops>"
//!   or "<Name too long>" in place of the name and carries on, sometimes
//!   without marking the packet malformed at all.
//! * RDATA longer than the bytes left is an error here; tshark decodes the
//!   RDATA from whatever bytes follow and only fails if it runs out.
//! * A record whose RDATA is cut short or invalid shows its " <TYPE>" and
//!   nothing more; tshark shows whatever part of the RDATA it could decode.
//! * Names inside RDATA kept raw (KX, NXT, WINS-R) are decoded without
//!   following compression pointers; if they are compressed the name is left
//!   out where tshark would print it.

use super::wire::{T_A, T_AAAA, u16_at};
use super::{Flavor, Message, RData, Record, opcode_description, rcode_description, type_name};
use std::fmt::Write as _;

pub(super) fn info(m: &Message, snaplen_cut: bool) -> String {
    let mut s = String::new();
    s.push_str(opcode_description(m.opcode));
    if m.response {
        s.push_str(" response");
    }
    let _ = write!(s, " 0x{:04x}", m.id);
    // tshark shows the 4-bit header rcode here, even when an OPT record
    // extends it (BADCOOKIE 23 shows as "RRset exists", 23 & 0xf = 7).
    if m.response && m.header_rcode() != 0 {
        s.push(' ');
        s.push_str(rcode_description(m.header_rcode()));
    }
    let mdns = m.flavor == Flavor::Mdns;
    for q in &m.questions {
        let _ = write!(s, " {} {}", type_name(q.qtype), q.name);
        if mdns {
            let _ = write!(s, ", \"{}\" question", if q.unicast_response { "QU" } else { "QM" });
        }
    }
    for r in m.records() {
        let _ = write!(s, " {}", type_name(r.rtype));
        if mdns && r.cache_flush {
            s.push_str(", cache flush");
        }
        record_info(r, &mut s);
    }
    if let Some(p) = &m.partial_record {
        let _ = write!(s, " {}", type_name(p.rtype));
        if mdns && p.cache_flush {
            s.push_str(", cache flush");
        }
    }
    if let Some(bad) = &m.malformed {
        if snaplen_cut && bad.is_truncation() {
            s.push_str("[Packet size limited during capture]");
        } else {
            s.push_str("[Malformed Packet]");
        }
    }
    s
}

/// The part tshark appends after a record's type. Nothing for RDLENGTH 0
/// (tshark returns before looking at the RDATA).
fn record_info(r: &Record, s: &mut String) {
    let rd = r.rdata.as_slice();
    if rd.is_empty() {
        return;
    }
    match &r.data {
        RData::A(a) => {
            let _ = write!(s, " {a}");
        }
        RData::Aaaa(a) => {
            let _ = write!(s, " {a}");
        }
        RData::Ns(n) | RData::Cname(n) | RData::Ptr(n) | RData::Dname(n) => {
            let _ = write!(s, " {n}");
        }
        RData::Soa { mname, .. } => {
            let _ = write!(s, " {mname}");
        }
        RData::Mx { preference, exchange } => {
            let _ = write!(s, " {preference} {exchange}");
        }
        RData::Srv { priority, weight, port, target } => {
            let _ = write!(s, " {priority} {weight} {port} {target}");
        }
        RData::Nsec { next_domain, .. } => {
            let _ = write!(s, " {next_domain}");
        }
        // tshark adds nothing for TXT and OPT.
        RData::Txt(_) | RData::Opt(_) => {}
        RData::Raw(_) => raw_info(r, rd, s),
    }
}

/// Info text for types kept raw, following packet-dns.c 4.0.
fn raw_info(r: &Record, rd: &[u8], s: &mut String) {
    match r.rtype {
        // Wrong-length A/AAAA: tshark reads the address from the first bytes
        // if there are enough of them.
        T_A if rd.len() >= 4 => {
            let _ = write!(s, " {}.{}.{}.{}", rd[0], rd[1], rd[2], rd[3]);
        }
        T_AAAA if rd.len() >= 16 => {
            let mut b = [0u8; 16];
            b.copy_from_slice(&rd[..16]);
            let _ = write!(s, " {}", std::net::Ipv6Addr::from(b));
        }
        // tshark appends the *owner* name for these (packet-dns.c reuses the
        // owner's formatted name): MD, MF, MB, MG, MR, NULL, MINFO, RP,
        // AFSDB, X25, ISDN, RT, NSAP, NSAP-PTR, PX, GPOS, APL, DHCID,
        // NSEC3PARAM, TLSA, HIP.
        3 | 4 | 7 | 8 | 9 | 10 | 14 | 17 | 18 | 19 | 20 | 21 | 22 | 23 | 26 | 27 | 42 | 49 | 51 | 52 | 55 => {
            let _ = write!(s, " {}", r.name);
        }
        // WKS (RFC 1035 §3.4.2): the address.
        11 if rd.len() >= 4 => {
            let _ = write!(s, " {}.{}.{}.{}", rd[0], rd[1], rd[2], rd[3]);
        }
        // HINFO (RFC 1035 §3.3.2): CPU and OS character-strings.
        13 => {
            if let Some((cpu, os)) = char_string(rd).and_then(|(c, rest)| Some((c, char_string(rest)?.0))) {
                let _ = write!(s, " {} {}", ascii(cpu), ascii(os));
            }
        }
        // NAPTR (RFC 3403 §4.1): order, preference, flags.
        35 => {
            if let (Some(order), Some(pref), Some((flags, _))) =
                (u16_at(rd, 0), u16_at(rd, 2), rd.get(4..).and_then(char_string))
            {
                let _ = write!(s, " {order} {pref} {}", ascii(flags));
            }
        }
        // KX (RFC 2230): preference and exchanger.
        36 => {
            if let (Some(pref), Some((name, _))) = (u16_at(rd, 0), rd.get(2..).and_then(super::wire::plain_name)) {
                let _ = write!(s, " {pref} {name}");
            }
        }
        // NXT (RFC 2535 §5.2) and WINS-R: a name.
        30 => {
            if let Some((name, _)) = super::wire::plain_name(rd) {
                let _ = write!(s, " {name}");
            }
        }
        65282 => {
            if let Some((name, _)) = rd.get(12..).and_then(super::wire::plain_name) {
                let _ = write!(s, " {name}");
            }
        }
        _ => {}
    }
}

/// One <character-string> (RFC 1035 §3.3): the string and what follows.
pub(super) fn char_string(d: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = usize::from(*d.first()?);
    let s = d.get(1..1 + len)?;
    Some((s, &d[1 + len..]))
}

/// An ENC_ASCII string field as tshark shows it: bytes above 0x7f become
/// U+FFFD, then the usual escaping.
pub(super) fn ascii(b: &[u8]) -> String {
    super::text::txt_text(b, Flavor::Dns)
}
