//! Decoding of the wire format (RFC 1035 §4.1 and the RDATA formats).
//!
//! Every access goes through `get`/`u16_at`/`u32_at`/`slice`, which check
//! bounds and return `None` instead of panicking; every loop either consumes
//! at least one byte of a bounded slice or, for compression pointers, moves
//! strictly backwards with a capped number of jumps.

use super::text::{format_text, txt_text};
use super::{
    Edns, EdnsOption, Flavor, HEADER_LEN, MAX_LABEL_LEN, MAX_NAME_LEN, MAX_POINTER_JUMPS, Malformed, Message,
    PartialRecord, Question, RData, Record, Section,
};
use std::net::{Ipv4Addr, Ipv6Addr};

pub(super) const T_A: u16 = 1;
pub(super) const T_NS: u16 = 2;
pub(super) const T_CNAME: u16 = 5;
pub(super) const T_SOA: u16 = 6;
pub(super) const T_PTR: u16 = 12;
pub(super) const T_MX: u16 = 15;
pub(super) const T_TXT: u16 = 16;
pub(super) const T_AAAA: u16 = 28;
pub(super) const T_SRV: u16 = 33;
pub(super) const T_DNAME: u16 = 39;
pub(super) const T_OPT: u16 = 41;
pub(super) const T_NSEC: u16 = 47;

/// EDNS option codes decoded into their own variants.
pub(super) const O_CLIENT_SUBNET: u16 = 8; // RFC 7871 §6
pub(super) const O_COOKIE: u16 = 10; // RFC 7873 §4

fn get(msg: &[u8], at: usize) -> Option<u8> {
    msg.get(at).copied()
}

pub(super) fn u16_at(msg: &[u8], at: usize) -> Option<u16> {
    let b = msg.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

pub(super) fn u32_at(msg: &[u8], at: usize) -> Option<u32> {
    let b = msg.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn bad(offset: usize, reason: impl Into<String>) -> Malformed {
    Malformed { offset, reason: reason.into() }
}

/// A decoded domain name.
pub(super) struct Name {
    /// Display form: tshark's escaping of `raw`, or "<Root>".
    pub text: String,
    /// Labels joined with '.', unescaped; empty for the root.
    pub raw: Vec<u8>,
    /// Offset just past the name where it started (past the first pointer if
    /// the name is compressed).
    pub end: usize,
}

/// Decode the name starting at `start` (RFC 1035 §3.1, §4.1.4).
///
/// Compression pointers must point strictly before the start of the segment
/// being decoded: before `start` for the first pointer, before the previous
/// pointer's target afterwards. Every jump therefore lowers the position,
/// which rules out loops (a pointer to itself, to a later byte, or back into
/// the name being decoded). tshark instead follows any pointer and only stops
/// a pointer to itself or after 255 pointers ("<Name contains a pointer that
/// loops>"), so it decodes forward pointers that this module rejects.
pub(super) fn read_name(msg: &[u8], start: usize) -> Result<Name, Malformed> {
    read_name_in(msg, start, None)
}

/// [`read_name`]; with `rdata_end`, the uncompressed part of the name (up to
/// its first pointer) must also end within the RDATA holding it.
fn read_name_in(msg: &[u8], start: usize, rdata_end: Option<usize>) -> Result<Name, Malformed> {
    let in_rdata = rdata_end.is_some();
    let inline_end = rdata_end.unwrap_or(msg.len());
    let overrun =
        || bad(start, format!("name at offset {start} runs past the end of its record data at offset {inline_end}"));
    let mut pos = start;
    // Pointers must target offsets below `limit`.
    let mut limit = start;
    let mut end: Option<usize> = None;
    let mut jumps = 0usize;
    // Encoded length so far: length bytes + label bytes (+ the root byte).
    let mut wire_len = 0usize;
    let mut raw: Vec<u8> = Vec::new();
    loop {
        if in_rdata && end.is_none() && pos >= inline_end {
            return Err(overrun());
        }
        let Some(len_byte) = get(msg, pos) else {
            return Err(bad(pos, format!("truncated: name at offset {start} runs past the end of the message")));
        };
        match len_byte & 0xc0 {
            0x00 => {
                if len_byte == 0 {
                    // The root label ends the name.
                    wire_len += 1;
                    if wire_len > MAX_NAME_LEN {
                        return Err(bad(start, format!("name exceeds {MAX_NAME_LEN} bytes")));
                    }
                    let end = end.unwrap_or(pos + 1);
                    let text = if raw.is_empty() {
                        // tshark shows the zero-length root name as "<Root>".
                        "<Root>".to_string()
                    } else {
                        format_text(&raw)
                    };
                    return Ok(Name { text, raw, end });
                }
                let len = usize::from(len_byte);
                wire_len += 1 + len;
                if wire_len > MAX_NAME_LEN {
                    return Err(bad(start, format!("name exceeds {MAX_NAME_LEN} bytes")));
                }
                let label_start = pos + 1;
                if in_rdata && end.is_none() && label_start + len > inline_end {
                    return Err(overrun());
                }
                let Some(label) = msg.get(label_start..label_start + len) else {
                    let remain = msg.len().saturating_sub(label_start);
                    return Err(bad(
                        pos,
                        format!("truncated: label at offset {pos} needs {len} bytes, {remain} remain"),
                    ));
                };
                if !raw.is_empty() {
                    raw.push(b'.');
                }
                raw.extend_from_slice(label);
                pos = label_start + len;
            }
            0xc0 => {
                if in_rdata && end.is_none() && pos + 2 > inline_end {
                    return Err(overrun());
                }
                let Some(low) = get(msg, pos + 1) else {
                    return Err(bad(
                        pos,
                        format!("truncated: compression pointer at offset {pos} needs 2 bytes, 1 remains"),
                    ));
                };
                let target = (usize::from(len_byte & 0x3f) << 8) | usize::from(low);
                if target >= limit {
                    let reason = if target == pos {
                        format!("compression pointer at offset {pos} points to itself")
                    } else if target > pos {
                        format!("compression pointer at offset {pos} points forward to {target}")
                    } else {
                        // limit <= target < pos: back into the name being
                        // decoded, i.e. a loop.
                        format!(
                            "compression pointer at offset {pos} points to {target}, inside the name being decoded (loop)"
                        )
                    };
                    return Err(bad(pos, reason));
                }
                jumps += 1;
                if jumps > MAX_POINTER_JUMPS {
                    return Err(bad(
                        pos,
                        format!("name at offset {start} follows more than {MAX_POINTER_JUMPS} compression pointers"),
                    ));
                }
                if end.is_none() {
                    end = Some(pos + 2);
                }
                limit = target;
                pos = target;
            }
            _ => {
                // 0x40 (extended label types, RFC 6891 §5, obsolete) and
                // 0x80 (reserved) cannot start a valid label: read as a plain
                // length the byte exceeds the 63-byte maximum. tshark throws
                // a bounds error on 0x80 and decodes the RFC 2673 bitstring
                // label 0x41.
                return Err(bad(pos, format!("label of {len_byte} bytes exceeds {MAX_LABEL_LEN}")));
            }
        }
    }
}

/// A name inside RDATA: like [`read_name`], but the uncompressed part must
/// end within the RDATA.
fn rdata_name(msg: &[u8], start: usize, rd_end: usize) -> Result<Name, Malformed> {
    read_name_in(msg, start, Some(rd_end))
}

fn section_word(section: Section) -> &'static str {
    match section {
        Section::Answer => "answer",
        Section::Authority => "authority",
        Section::Additional => "additional",
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

pub(super) fn parse(msg: &[u8], flavor: Flavor) -> Result<Message, Malformed> {
    if msg.len() < HEADER_LEN {
        return Err(bad(0, format!("truncated: header needs {HEADER_LEN} bytes, {} available", msg.len())));
    }
    // The header is 12 bytes, checked just above.
    let h = |i: usize| u16_at(msg, i).unwrap_or(0);
    let flags = h(2);
    let mut m = Message {
        id: h(0),
        response: flags & 0x8000 != 0,
        opcode: ((flags >> 11) & 0x0f) as u8,
        authoritative: flags & 0x0400 != 0,
        truncated: flags & 0x0200 != 0,
        recursion_desired: flags & 0x0100 != 0,
        recursion_available: flags & 0x0080 != 0,
        authentic_data: flags & 0x0020 != 0,
        checking_disabled: flags & 0x0010 != 0,
        rcode: flags & 0x000f,
        flags_raw: flags,
        question_count: h(4),
        answer_count: h(6),
        authority_count: h(8),
        additional_count: h(10),
        questions: Vec::new(),
        answers: Vec::new(),
        authorities: Vec::new(),
        additionals: Vec::new(),
        edns: None,
        malformed: None,
        flavor,
        partial_record: None,
    };
    if let Err(e) = parse_body(msg, &mut m) {
        m.malformed = Some(e);
    }
    Ok(m)
}

/// Splits the mDNS top bit off a class (RFC 6762 §5.4 QU bit in questions,
/// §10.2 cache-flush bit in records); other flavors keep all 16 bits.
fn split_class(class: u16, flavor: Flavor) -> (u16, bool) {
    if flavor == Flavor::Mdns { (class & 0x7fff, class & 0x8000 != 0) } else { (class, false) }
}

fn parse_body(msg: &[u8], m: &mut Message) -> Result<(), Malformed> {
    let mut pos = HEADER_LEN;
    // Counts come from the header and may be anything up to 65535; every
    // iteration consumes at least one byte or returns, so the loops are
    // bounded by the message length as well. Vectors are not pre-sized from
    // the counts, which an attacker controls.
    let qd = usize::from(m.question_count);
    for i in 0..qd {
        if pos >= msg.len() {
            return Err(bad(
                pos,
                format!("question count {qd} but message ends after {i} {}", plural(i, "question", "questions")),
            ));
        }
        let name = read_name(msg, pos)?;
        pos = name.end;
        let (Some(qtype), Some(qclass)) = (u16_at(msg, pos), u16_at(msg, pos + 2)) else {
            let remain = msg.len().saturating_sub(pos);
            return Err(bad(pos, format!("truncated: question needs 4 bytes for type and class, {remain} remain")));
        };
        pos += 4;
        let (qclass, unicast_response) = split_class(qclass, m.flavor);
        m.questions.push(Question { name: name.text, qtype, qclass, unicast_response, raw_name: name.raw });
    }
    for section in [Section::Answer, Section::Authority, Section::Additional] {
        let count = usize::from(match section {
            Section::Answer => m.answer_count,
            Section::Authority => m.authority_count,
            Section::Additional => m.additional_count,
        });
        for i in 0..count {
            if pos >= msg.len() {
                return Err(bad(
                    pos,
                    format!(
                        "{} count {count} but message ends after {i} {}",
                        section_word(section),
                        plural(i, "record", "records")
                    ),
                ));
            }
            let (record, raw_class, end) = parse_record(msg, pos, section, m)?;
            pos = end;
            if record.rtype == T_OPT && section == Section::Additional && m.edns.is_none() {
                // RFC 6891 §6.1.3: the OPT TTL carries the upper 8 bits of
                // the 12-bit rcode, the version and the DO bit. Only the
                // first OPT counts (§6.1.1: more than one is a FORMERR).
                let ext = (record.ttl >> 24) as u8;
                let options = match &record.data {
                    RData::Opt(o) => o.clone(),
                    _ => Vec::new(),
                };
                m.edns = Some(Edns {
                    // The full class field, even in mDNS where tshark masks
                    // the top bit as a cache-flush bit.
                    udp_payload_size: raw_class,
                    extended_rcode: ext,
                    version: (record.ttl >> 16) as u8,
                    dnssec_ok: record.ttl & 0x8000 != 0,
                    options,
                });
                m.rcode = (u16::from(ext) << 4) | (m.flags_raw & 0x000f);
            }
            match section {
                Section::Answer => m.answers.push(record),
                Section::Authority => m.authorities.push(record),
                Section::Additional => m.additionals.push(record),
            }
        }
    }
    // Bytes after the last counted record are ignored, as tshark 4.0 does.
    Ok(())
}

/// Decode one resource record at `pos` (RFC 1035 §4.1.3). Returns the record,
/// its class field with all 16 bits, and the offset just past it.
fn parse_record(msg: &[u8], pos: usize, section: Section, m: &mut Message) -> Result<(Record, u16, usize), Malformed> {
    let name = read_name(msg, pos)?;
    let hdr = name.end;
    let (Some(rtype), Some(class), Some(ttl), Some(rdlength)) =
        (u16_at(msg, hdr), u16_at(msg, hdr + 2), u32_at(msg, hdr + 4), u16_at(msg, hdr + 8))
    else {
        let remain = msg.len().saturating_sub(hdr);
        return Err(bad(hdr, format!("truncated: record header needs 10 bytes, {remain} remain")));
    };
    let raw_class = class;
    let (class, cache_flush) = split_class(class, m.flavor);
    let rd_start = hdr + 10;
    let rd_len = usize::from(rdlength);
    let rd_end = rd_start + rd_len;
    let mut partial = PartialRecord {
        section,
        name: name.text.clone(),
        rtype,
        class,
        cache_flush,
        ttl,
        rdlength,
        rdata_truncated: false,
    };
    let Some(rdata) = msg.get(rd_start..rd_end) else {
        partial.rdata_truncated = true;
        m.partial_record = Some(partial);
        let remain = msg.len().saturating_sub(rd_start);
        return Err(bad(rd_start, format!("truncated: record data needs {rd_len} bytes, {remain} remain")));
    };
    let data = match decode_rdata(msg, rtype, rd_start, rd_end, m.flavor) {
        Ok(d) => d,
        Err(e) => {
            m.partial_record = Some(partial);
            return Err(e);
        }
    };
    Ok((Record { name: name.text, rtype, class, cache_flush, ttl, data, rdata: rdata.to_vec() }, raw_class, rd_end))
}

/// Decode RDATA at `msg[start..end]` (bounds already checked by the caller).
/// Names inside RDATA may be compressed (RFC 1035 §4.1.4; RFC 3597 §4 limits
/// that to the RFC 1035 types, but mDNS compresses NSEC too, RFC 6762
/// §18.14), so they are read from the whole message.
fn decode_rdata(msg: &[u8], rtype: u16, start: usize, end: usize, flavor: Flavor) -> Result<RData, Malformed> {
    let rd = msg.get(start..end).unwrap_or(&[]);
    if rd.is_empty() {
        // RDLENGTH 0: an RRset deletion in UPDATE (RFC 2136 §2.5.2) or an
        // empty record; tshark also shows nothing but the header.
        return Ok(RData::Raw(Vec::new()));
    }
    let need = |n: usize, what: &str| -> Result<(), Malformed> {
        if rd.len() < n {
            Err(bad(start, format!("{what} record data needs at least {n} bytes, has {}", rd.len())))
        } else {
            Ok(())
        }
    };
    Ok(match rtype {
        // RFC 1035 §3.4.1. Any other length is kept raw (tshark would show
        // the first 4 bytes as the address).
        T_A => match <[u8; 4]>::try_from(rd) {
            Ok(b) => RData::A(Ipv4Addr::from(b)),
            Err(_) => RData::Raw(rd.to_vec()),
        },
        // RFC 3596 §2.2.
        T_AAAA => match <[u8; 16]>::try_from(rd) {
            Ok(b) => RData::Aaaa(Ipv6Addr::from(b)),
            Err(_) => RData::Raw(rd.to_vec()),
        },
        T_NS => RData::Ns(rdata_name(msg, start, end)?.text),
        T_CNAME => RData::Cname(rdata_name(msg, start, end)?.text),
        T_PTR => RData::Ptr(rdata_name(msg, start, end)?.text),
        // RFC 6672 §2.1.
        T_DNAME => RData::Dname(rdata_name(msg, start, end)?.text),
        // RFC 1035 §3.3.9.
        T_MX => {
            need(3, "MX")?;
            let preference = u16_at(msg, start).unwrap_or(0);
            let exchange = rdata_name(msg, start + 2, end)?.text;
            RData::Mx { preference, exchange }
        }
        // RFC 1035 §3.3.14: one or more <character-string>s.
        T_TXT => {
            let mut strings = Vec::new();
            let mut p = 0usize;
            while p < rd.len() {
                let len = usize::from(rd[p]);
                let Some(s) = rd.get(p + 1..p + 1 + len) else {
                    let remain = rd.len() - p - 1;
                    return Err(bad(
                        start + p,
                        format!(
                            "TXT string of {len} bytes at offset {} overruns its record data ({remain} remain)",
                            start + p
                        ),
                    ));
                };
                strings.push(txt_text(s, flavor));
                p += 1 + len;
            }
            RData::Txt(strings)
        }
        // RFC 1035 §3.3.13.
        T_SOA => {
            let mname = rdata_name(msg, start, end)?;
            let rname = rdata_name(msg, mname.end, end)?;
            let p = rname.end;
            if end < p + 20 {
                return Err(bad(
                    p,
                    format!("SOA record data needs 20 bytes after the names, {} remain", end.saturating_sub(p)),
                ));
            }
            let n = |i: usize| u32_at(msg, p + 4 * i).unwrap_or(0);
            RData::Soa {
                mname: mname.text,
                rname: rname.text,
                serial: n(0),
                refresh: n(1),
                retry: n(2),
                expire: n(3),
                minimum: n(4),
            }
        }
        // RFC 2782: priority, weight, port, target (not compressed by
        // conforming senders, but decompressed like tshark does).
        T_SRV => {
            need(7, "SRV")?;
            let v = |i: usize| u16_at(msg, start + 2 * i).unwrap_or(0);
            RData::Srv { priority: v(0), weight: v(1), port: v(2), target: rdata_name(msg, start + 6, end)?.text }
        }
        // RFC 6891 §6.1.2: {code, length, data} options filling the RDATA.
        T_OPT => RData::Opt(parse_options(rd, start)?),
        // RFC 4034 §4.1: next owner name, then the type bitmap (§4.1.2).
        T_NSEC => {
            let next = rdata_name(msg, start, end)?;
            let types = parse_type_bitmap(msg, next.end, end)?;
            RData::Nsec { next_domain: next.text, types }
        }
        _ => RData::Raw(rd.to_vec()),
    })
}

/// RFC 4034 §4.1.2 type bitmap: windows of {block, length 1..=32, bits}.
pub(super) fn parse_type_bitmap(msg: &[u8], start: usize, end: usize) -> Result<Vec<u16>, Malformed> {
    let mut types = Vec::new();
    let mut p = start;
    while p < end {
        let (Some(block), Some(len)) = (get(msg, p), get(msg, p + 1)) else {
            return Err(bad(p, format!("type bitmap window at offset {p} is cut short")));
        };
        if p + 2 > end {
            return Err(bad(p, format!("type bitmap window at offset {p} is cut short")));
        }
        let len = usize::from(len);
        if p + 2 + len > end {
            return Err(bad(
                p,
                format!(
                    "type bitmap window of {len} bytes at offset {p} overruns its record data ({} remain)",
                    end - (p + 2)
                ),
            ));
        }
        // §4.1.2: "The Bitmap Length is a value in the range 1-32"; longer
        // windows would spill into the next block's type numbers.
        if len > 32 {
            return Err(bad(p, format!("type bitmap window of {len} bytes at offset {p} exceeds 32")));
        }
        for i in 0..len {
            let bits = get(msg, p + 2 + i).unwrap_or(0);
            for bit in 0..8u16 {
                if bits & (0x80 >> bit) != 0 {
                    types.push((u16::from(block) << 8) | ((i as u16) * 8 + bit));
                }
            }
        }
        p += 2 + len;
    }
    Ok(types)
}

/// EDNS options in OPT RDATA (`rd`, which starts at message offset `base`).
fn parse_options(rd: &[u8], base: usize) -> Result<Vec<EdnsOption>, Malformed> {
    let mut options = Vec::new();
    let mut p = 0usize;
    while p < rd.len() {
        let (Some(code), Some(len)) = (u16_at(rd, p), u16_at(rd, p + 2)) else {
            return Err(bad(
                base + p,
                format!("truncated: EDNS option header needs 4 bytes, {} remain in the OPT record data", rd.len() - p),
            ));
        };
        let len = usize::from(len);
        let Some(data) = rd.get(p + 4..p + 4 + len) else {
            return Err(bad(
                base + p,
                format!("EDNS option {code} of {len} bytes overruns the OPT record data ({} remain)", rd.len() - p - 4),
            ));
        };
        options.push(decode_option(code, data));
        p += 4 + len;
    }
    Ok(options)
}

fn decode_option(code: u16, data: &[u8]) -> EdnsOption {
    match code {
        // RFC 7871 §6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH,
        // ADDRESS (cut to the source prefix, so usually shorter than a full
        // address).
        O_CLIENT_SUBNET if data.len() >= 4 => {
            let family = u16::from_be_bytes([data[0], data[1]]);
            EdnsOption::ClientSubnet {
                family,
                source_prefix: data[2],
                scope_prefix: data[3],
                address: ecs_address(family, &data[4..]),
            }
        }
        // RFC 7873 §4: client cookie (8 bytes) and an optional server cookie
        // (8 to 32 bytes). Shorter data cannot hold a client cookie and is
        // kept raw.
        O_COOKIE if data.len() >= 8 => {
            EdnsOption::Cookie { client: data[..8].to_vec(), server: (data.len() > 8).then(|| data[8..].to_vec()) }
        }
        _ => EdnsOption::Other { code, data: data.to_vec() },
    }
}

/// ECS address as tshark shows it: the bytes sent padded with zeros to a full
/// address of the family (1 = IPv4, 2 = IPv6, RFC 7871 §6 / IANA address
/// family numbers).
pub(super) fn ecs_address(family: u16, addr: &[u8]) -> String {
    match family {
        1 if addr.len() <= 4 => {
            let mut b = [0u8; 4];
            b[..addr.len()].copy_from_slice(addr);
            Ipv4Addr::from(b).to_string()
        }
        2 if addr.len() <= 16 => {
            let mut b = [0u8; 16];
            b[..addr.len()].copy_from_slice(addr);
            Ipv6Addr::from(b).to_string()
        }
        _ => super::text::hex(addr),
    }
}

/// Decode an uncompressed name from a slice (used by the renderers for names
/// inside RDATA kept raw, e.g. the RRSIG signer, which RFC 4034 §3.1.7 says
/// is not compressed). Returns the display text and the bytes consumed, or
/// None if the name is not a plain sequence of labels within `data`.
pub(super) fn plain_name(data: &[u8]) -> Option<(String, usize)> {
    let mut p = 0usize;
    let mut raw = Vec::new();
    loop {
        let len = usize::from(*data.get(p)?);
        if len == 0 {
            let text = if raw.is_empty() { "<Root>".to_string() } else { format_text(&raw) };
            return Some((text, p + 1));
        }
        if len > MAX_LABEL_LEN || p + 1 + len > MAX_NAME_LEN {
            return None;
        }
        let label = data.get(p + 1..p + 1 + len)?;
        if !raw.is_empty() {
            raw.push(b'.');
        }
        raw.extend_from_slice(label);
        p += 1 + len;
    }
}
