//! The `tshark -V` tree for a DNS message, line for line as tshark 4.0
//! prints it for the record types decoded here (A, AAAA, NS, CNAME, PTR,
//! DNAME, MX, TXT, SPF, SOA, SRV, HINFO, NSEC, NSEC3, RRSIG/SIG, DNSKEY,
//! DS/CDS/DLV, SSHFP, OPT with its options). Other types tshark decodes show
//! their RDATA as "Data: <hex>" here; types tshark does not decode get its
//! "not implemented" expert lines too, as tshark prints them.

use super::info::{ascii, char_string};
use super::tables::{
    class_field, class_short, dnssec_algorithm, ds_digest, named, nsec3_hash, opcode_const, opcode_field, rcode_const,
    rcode_field, type_field,
};
use super::text::{bits, bytes_field, hex, time_secs, utc_time};
use super::wire::{O_CLIENT_SUBNET, O_COOKIE, T_OPT, ecs_address, plain_name, u16_at, u32_at};
use super::{Flavor, Message, PartialRecord, Question, RData, Record, edns_option_name, type_description, type_name};

struct Tree<'a> {
    out: &'a mut Vec<(usize, String)>,
}

impl Tree<'_> {
    fn line(&mut self, depth: usize, s: impl Into<String>) {
        self.out.push((depth, s.into()));
    }

    /// A 16-bit bit-field line: "<bits> = <label>: <value>".
    fn bits16(&mut self, depth: usize, value: u16, mask: u16, label: &str, text: &str) {
        self.line(depth, format!("{} = {label}: {text}", bits(u32::from(value), u32::from(mask), 16)));
    }
}

fn tf(b: bool, yes: &'static str, no: &'static str) -> &'static str {
    if b { yes } else { no }
}

pub(super) fn write_tree(m: &Message, d: usize, out: &mut Vec<(usize, String)>, snaplen_cut: bool) {
    let mut t = Tree { out };
    let kind = if m.response { "response" } else { "query" };
    t.line(
        d,
        match m.flavor {
            Flavor::Dns => format!("Domain Name System ({kind})"),
            Flavor::Mdns => format!("Multicast Domain Name System ({kind})"),
            Flavor::Llmnr => format!("Link-local Multicast Name Resolution ({kind})"),
        },
    );
    t.line(d + 1, format!("Transaction ID: 0x{:04x}", m.id));
    flags(&mut t, m, d + 1);

    let update = m.opcode == 5;
    let counts = [
        (if update { "Zones" } else { "Questions" }, m.question_count),
        (if update { "Prerequisites" } else { "Answer RRs" }, m.answer_count),
        (if update { "Updates" } else { "Authority RRs" }, m.authority_count),
        ("Additional RRs", m.additional_count),
    ];
    for (label, n) in counts {
        t.line(d + 1, format!("{label}: {n}"));
    }

    // Sections are printed up to the one where decoding stopped; a section
    // with a nonzero count gets its heading even if its first entry failed,
    // as tshark adds the heading before decoding the entries.
    let mut complete = true;
    if m.question_count > 0 {
        t.line(d + 1, if update { "Zone" } else { "Queries" });
        for q in &m.questions {
            question(&mut t, m, q, d + 2);
        }
        complete = m.questions.len() == usize::from(m.question_count);
    }
    let sections: [(&str, u16, &Vec<Record>, super::Section); 3] = [
        (if update { "Prerequisites" } else { "Answers" }, m.answer_count, &m.answers, super::Section::Answer),
        (
            if update { "Updates" } else { "Authoritative nameservers" },
            m.authority_count,
            &m.authorities,
            super::Section::Authority,
        ),
        ("Additional records", m.additional_count, &m.additionals, super::Section::Additional),
    ];
    for (title, count, records, section) in sections {
        if !complete {
            break;
        }
        if count == 0 {
            continue;
        }
        t.line(d + 1, title);
        for r in records.iter() {
            record(&mut t, m, r, d + 2);
        }
        // tshark cannot add the subtree of a record whose RDATA runs past
        // the end of the data, so it shows only the partial records whose
        // RDATA was present but invalid.
        if let Some(p) = m.partial_record.as_ref().filter(|p| p.section == section && !p.rdata_truncated) {
            partial(&mut t, m, p, d + 2);
        }
        complete = records.len() == usize::from(count);
    }
    if let Some(bad) = &m.malformed {
        if snaplen_cut && bad.is_truncation() {
            t.line(d, "[Packet size limited during capture: DNS truncated]");
        } else {
            t.line(d, "[Malformed Packet: DNS]");
        }
    }
}

fn flags(t: &mut Tree, m: &Message, d: usize) {
    let f = m.flags_raw;
    let mut head = format!("Flags: 0x{f:04x} {}", opcode_const(m.opcode));
    if m.response {
        head.push_str(" response, ");
        head.push_str(rcode_const(m.header_rcode()));
    }
    t.line(d, head);
    let d = d + 1;
    let resp = m.response;
    t.bits16(d, f, 0x8000, "Response", tf(resp, "Message is a response", "Message is a query"));
    t.bits16(d, f, 0x7800, "Opcode", &opcode_field(m.opcode));
    if m.flavor == Flavor::Llmnr {
        // RFC 4795 §2.1.1: C (conflict) and T (tentative) replace AA and RD.
        if resp {
            t.bits16(
                d,
                f,
                0x0400,
                "Conflict",
                tf(f & 0x0400 != 0, "The name is not considered unique", "The name is considered unique"),
            );
        } else {
            t.bits16(d, f, 0x0400, "Conflict", tf(f & 0x0400 != 0, "The sender received multiple responses", "None"));
        }
        t.bits16(d, f, 0x0200, "Truncated", tf(m.truncated, "Message is truncated", "Message is not truncated"));
        t.bits16(d, f, 0x0100, "Tentative", tf(f & 0x0100 != 0, "Tentative", "Not tentative"));
        if resp {
            t.bits16(d, f, 0x000f, "Reply code", &rcode_field(m.header_rcode()));
        }
        return;
    }
    if resp {
        t.bits16(
            d,
            f,
            0x0400,
            "Authoritative",
            tf(m.authoritative, "Server is an authority for domain", "Server is not an authority for domain"),
        );
    }
    t.bits16(d, f, 0x0200, "Truncated", tf(m.truncated, "Message is truncated", "Message is not truncated"));
    t.bits16(
        d,
        f,
        0x0100,
        "Recursion desired",
        tf(m.recursion_desired, "Do query recursively", "Don't do query recursively"),
    );
    if resp {
        t.bits16(
            d,
            f,
            0x0080,
            "Recursion available",
            tf(m.recursion_available, "Server can do recursive queries", "Server can't do recursive queries"),
        );
    }
    t.bits16(d, f, 0x0040, "Z", tf(f & 0x0040 != 0, "reserved - incorrect!", "reserved (0)"));
    if resp {
        t.bits16(
            d,
            f,
            0x0020,
            "Answer authenticated",
            tf(
                m.authentic_data,
                "Answer/authority portion was authenticated by the server",
                "Answer/authority portion was not authenticated by the server",
            ),
        );
    } else if m.authentic_data {
        // RFC 6840 §5.7: AD in a query asks for the AD bit in the response.
        t.bits16(d, f, 0x0020, "AD bit", "Set");
    }
    t.bits16(d, f, 0x0010, "Non-authenticated data", tf(m.checking_disabled, "Acceptable", "Unacceptable"));
    if resp {
        t.bits16(d, f, 0x000f, "Reply code", &rcode_field(m.header_rcode()));
    }
}

fn class_lines(t: &mut Tree, m: &Message, d: usize, class: u16, top_bit: bool, top_label: &str) {
    if m.flavor == Flavor::Mdns {
        let full = class | if top_bit { 0x8000 } else { 0 };
        t.bits16(d, full, 0x7fff, "Class", &class_field(class));
        t.bits16(d, full, 0x8000, top_label, tf(top_bit, "True", "False"));
    } else {
        t.line(d, format!("Class: {}", class_field(class)));
    }
}

fn question(t: &mut Tree, m: &Message, q: &Question, d: usize) {
    let mut head = format!("{}: type {}, class {}", q.name, type_name(q.qtype), class_short(q.qclass));
    if m.flavor == Flavor::Mdns {
        head.push_str(if q.unicast_response { ", \"QU\" question" } else { ", \"QM\" question" });
    }
    t.line(d, head);
    let d = d + 1;
    t.line(d, format!("Name: {}", q.name));
    // tshark measures the unescaped name ("<Root>" for the root) and shows 0
    // for names of one character or less, and counts the dots + 1.
    let (len, dots) = if q.raw_name.is_empty() {
        (6, 0)
    } else {
        (q.raw_name.len(), q.raw_name.iter().filter(|&&b| b == b'.').count())
    };
    let (len, labels) = if len > 1 { (len, dots + 1) } else { (0, 0) };
    t.line(d, format!("[Name Length: {len}]"));
    t.line(d, format!("[Label Count: {labels}]"));
    t.line(d, format!("Type: {}", type_field(q.qtype)));
    class_lines(t, m, d, q.qclass, q.unicast_response, "\"QU\" question");
}

/// Owner-name lines: SRV owners are split as _service._proto.name.
fn owner_lines(t: &mut Tree, d: usize, name: &str, rtype: u16) {
    if rtype == 33 && name != "<Root>" {
        let mut parts = name.splitn(3, '.');
        if let Some(s) = parts.next() {
            t.line(d, format!("Service: {s}"));
        }
        if let Some(p) = parts.next() {
            t.line(d, format!("Protocol: {p}"));
        }
        if let Some(n) = parts.next() {
            t.line(d, format!("Name: {n}"));
        }
    } else {
        t.line(d, format!("Name: {name}"));
    }
}

fn heading(m: &Message, name: &str, rtype: u16, class: u16, cache_flush: bool) -> String {
    let mut head = if rtype == T_OPT {
        format!("{name}: type OPT")
    } else {
        format!("{name}: type {}, class {}", type_name(rtype), class_short(class))
    };
    if m.flavor == Flavor::Mdns && cache_flush {
        head.push_str(", cache flush");
    }
    head
}

fn header_lines(t: &mut Tree, m: &Message, d: usize, r: &PartialRecord) {
    owner_lines(t, d, &r.name, r.rtype);
    t.line(d, format!("Type: {}", type_field(r.rtype)));
    if r.rtype == T_OPT {
        let class = r.class;
        if m.flavor == Flavor::Mdns {
            let full = class | if r.cache_flush { 0x8000 } else { 0 };
            t.bits16(d, full, 0x7fff, "UDP payload size", &format!("0x{class:04x}"));
            t.bits16(d, full, 0x8000, "Cache flush", tf(r.cache_flush, "True", "False"));
        } else {
            t.line(d, format!("UDP payload size: {class}"));
        }
        t.line(d, format!("Higher bits in extended RCODE: 0x{:02x}", r.ttl >> 24));
        t.line(d, format!("EDNS0 version: {}", (r.ttl >> 16) & 0xff));
        let z = (r.ttl & 0xffff) as u16;
        t.line(d, format!("Z: 0x{z:04x}"));
        t.bits16(
            d + 1,
            z,
            0x8000,
            "DO bit",
            tf(z & 0x8000 != 0, "Accepts DNSSEC security RRs", "Cannot handle DNSSEC security RRs"),
        );
        t.bits16(d + 1, z, 0x7fff, "Reserved", &format!("0x{:04x}", z & 0x7fff));
    } else {
        class_lines(t, m, d, r.class, r.cache_flush, "Cache flush");
        t.line(d, format!("Time to live: {} ({})", r.ttl, time_secs(r.ttl)));
        if r.ttl & 0x8000_0000 != 0 {
            let msg = "The uppermost bit of the TTL is set (RFC 2181, section 8)";
            t.line(d + 1, format!("[Expert Info (Warning/Protocol): {msg}]"));
            t.line(d + 2, format!("[{msg}]"));
            t.line(d + 2, "[Severity level: Warning]");
            t.line(d + 2, "[Group: Protocol]");
        }
    }
    t.line(d, format!("Data length: {}", r.rdlength));
}

fn partial(t: &mut Tree, m: &Message, p: &PartialRecord, d: usize) {
    t.line(d, heading(m, &p.name, p.rtype, p.class, p.cache_flush));
    header_lines(t, m, d + 1, p);
}

/// Text tshark appends to a record's heading (", addr 1.2.3.4", ...).
fn heading_suffix(r: &Record) -> String {
    if r.rdata.is_empty() {
        return String::new();
    }
    let rd = r.rdata.as_slice();
    match &r.data {
        RData::A(a) => format!(", addr {a}"),
        RData::Aaaa(a) => format!(", addr {a}"),
        RData::Ns(n) => format!(", ns {n}"),
        RData::Cname(n) => format!(", cname {n}"),
        RData::Ptr(n) => format!(", {n}"),
        RData::Dname(n) => format!(", dname {n}"),
        RData::Soa { mname, .. } => format!(", mname {mname}"),
        RData::Mx { preference, exchange } => format!(", preference {preference}, mx {exchange}"),
        RData::Srv { priority, weight, port, target } => {
            format!(", priority {priority}, weight {weight}, port {port}, target {target}")
        }
        RData::Nsec { next_domain, .. } => format!(", next domain name {next_domain}"),
        RData::Raw(_) => match r.rtype {
            1 if rd.len() >= 4 => format!(", addr {}.{}.{}.{}", rd[0], rd[1], rd[2], rd[3]),
            11 if rd.len() >= 4 => format!(", addr {}.{}.{}.{}", rd[0], rd[1], rd[2], rd[3]),
            13 => match char_string(rd).and_then(|(c, rest)| Some((c, char_string(rest)?.0))) {
                Some((cpu, os)) => format!(", CPU {}, OS {}", ascii(cpu), ascii(os)),
                None => String::new(),
            },
            35 => match (u16_at(rd, 0), u16_at(rd, 2), rd.get(4..).and_then(char_string)) {
                (Some(o), Some(p), Some((flags, _))) => {
                    format!(", order {o}, preference {p}, flags {}", ascii(flags))
                }
                _ => String::new(),
            },
            36 => match (u16_at(rd, 0), rd.get(2..).and_then(plain_name)) {
                (Some(p), Some((n, _))) => format!(", preference {p}, kx {n}"),
                _ => String::new(),
            },
            30 => match plain_name(rd) {
                Some((n, _)) => format!(", next domain name {n}"),
                None => String::new(),
            },
            _ => String::new(),
        },
        RData::Txt(_) | RData::Opt(_) => String::new(),
    }
}

fn record(t: &mut Tree, m: &Message, r: &Record, d: usize) {
    let mut head = heading(m, &r.name, r.rtype, r.class, r.cache_flush);
    head.push_str(&heading_suffix(r));
    t.line(d, head);
    let d = d + 1;
    let p = PartialRecord {
        section: super::Section::Answer,
        name: r.name.clone(),
        rtype: r.rtype,
        class: r.class,
        cache_flush: r.cache_flush,
        ttl: r.ttl,
        rdlength: r.rdata.len() as u16,
        rdata_truncated: false,
    };
    header_lines(t, m, d, &p);
    if r.rdata.is_empty() {
        return;
    }
    rdata_lines(t, m, r, d);
}

fn rdata_lines(t: &mut Tree, m: &Message, r: &Record, d: usize) {
    let rd = r.rdata.as_slice();
    match &r.data {
        RData::A(a) => t.line(d, format!("Address: {a}")),
        RData::Aaaa(a) => t.line(d, format!("AAAA Address: {a}")),
        RData::Ns(n) => t.line(d, format!("Name Server: {n}")),
        RData::Cname(n) => t.line(d, format!("CNAME: {n}")),
        RData::Ptr(n) => t.line(d, format!("Domain Name: {n}")),
        RData::Dname(n) => t.line(d, format!("Dname: {n}")),
        RData::Mx { preference, exchange } => {
            t.line(d, format!("Preference: {preference}"));
            t.line(d, format!("Mail Exchange: {exchange}"));
        }
        RData::Txt(strings) => {
            let mut rest = rd;
            for s in strings {
                let Some((raw, after)) = char_string(rest) else {
                    break;
                };
                t.line(d, format!("TXT Length: {}", raw.len()));
                t.line(d, format!("TXT: {s}"));
                rest = after;
            }
        }
        RData::Soa { mname, rname, serial, refresh, retry, expire, minimum } => {
            t.line(d, format!("Primary name server: {mname}"));
            t.line(d, format!("Responsible authority's mailbox: {rname}"));
            t.line(d, format!("Serial Number: {serial}"));
            t.line(d, format!("Refresh Interval: {refresh} ({})", time_secs(*refresh)));
            t.line(d, format!("Retry Interval: {retry} ({})", time_secs(*retry)));
            t.line(d, format!("Expire limit: {expire} ({})", time_secs(*expire)));
            t.line(d, format!("Minimum TTL: {minimum} ({})", time_secs(*minimum)));
        }
        RData::Srv { priority, weight, port, target } => {
            t.line(d, format!("Priority: {priority}"));
            t.line(d, format!("Weight: {weight}"));
            t.line(d, format!("Port: {port}"));
            t.line(d, format!("Target: {target}"));
        }
        RData::Nsec { next_domain, types } => {
            t.line(d, format!("Next Domain Name: {next_domain}"));
            bitmap_lines(t, d, types);
        }
        RData::Opt(_) => option_lines(t, rd, d),
        RData::Raw(_) => raw_lines(t, m, r.rtype, rd, d),
    }
}

fn bitmap_lines(t: &mut Tree, d: usize, types: &[u16]) {
    for ty in types {
        t.line(d, format!("RR type in bit map: {}", type_description(*ty)));
    }
}

fn option_lines(t: &mut Tree, rd: &[u8], d: usize) {
    let mut p = 0usize;
    while let (Some(code), Some(len)) = (u16_at(rd, p), u16_at(rd, p + 2)) {
        let len = usize::from(len);
        let Some(data) = rd.get(p + 4..p + 4 + len) else {
            break;
        };
        let name = edns_option_name(code);
        t.line(d, format!("Option: {name}"));
        let d2 = d + 1;
        t.line(d2, format!("Option Code: {}", named_opt(code)));
        t.line(d2, format!("Option Length: {len}"));
        t.line(d2, format!("Option Data: {}", bytes_field(data)));
        match code {
            5 => data.iter().for_each(|&a| t.line(d2, format!("DAU: {}", named(dnssec_algorithm(a), u32::from(a))))),
            6 => data.iter().for_each(|&a| t.line(d2, format!("DHU: {}", named(ds_digest(a), u32::from(a))))),
            7 => data.iter().for_each(|&a| t.line(d2, format!("N3U: {}", named(nsec3_hash(a), u32::from(a))))),
            O_CLIENT_SUBNET | 0x50fa if data.len() >= 4 => {
                let family = u16::from_be_bytes([data[0], data[1]]);
                let fam = match family {
                    1 => Some("IPv4"),
                    2 => Some("IPv6"),
                    _ => None,
                };
                t.line(d2, format!("Family: {}", named(fam, u32::from(family))));
                t.line(d2, format!("Source Netmask: {}", data[2]));
                t.line(d2, format!("Scope Netmask: {}", data[3]));
                t.line(d2, format!("Client Subnet: {}", ecs_address(family, &data[4..])));
            }
            O_COOKIE if data.len() >= 8 => {
                t.line(d2, format!("Client Cookie: {}", hex(&data[..8])));
                t.line(d2, format!("Server Cookie: {}", bytes_field(&data[8..])));
            }
            11 if data.len() == 2 => t.line(d2, format!("Timeout: {}", u16::from_be_bytes([data[0], data[1]]))),
            12 => t.line(d2, format!("Padding: {}", bytes_field(data))),
            13 if !data.is_empty() => {
                // An ASCII string field: shown up to the first NUL.
                let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                t.line(d2, format!("Closest Trust Point: {}", ascii(&data[..end])));
            }
            _ => {}
        }
        p += 4 + len;
    }
}

fn named_opt(code: u16) -> String {
    let name = edns_option_name(code);
    if name.starts_with("Unknown (") { name.into_owned() } else { format!("{name} ({code})") }
}

/// Types packet-dns.c 4.0 decodes (others fall to its "not implemented"
/// branch).
fn tshark_decodes(rtype: u16) -> bool {
    matches!(rtype,
        1..=30 | 33 | 35..=39 | 41..=52 | 55 | 59..=65 | 99 | 104..=109 | 249 | 250 | 256 | 257
        | 32769 | 65281 | 65282 | 65422)
}

fn raw_lines(t: &mut Tree, m: &Message, rtype: u16, rd: &[u8], d: usize) {
    let ok = match rtype {
        24 | 46 => rrsig_lines(t, rd, d),
        25 | 48 | 60 => key_lines(t, rtype, rd, d),
        43 | 59 | 32769 => ds_lines(t, rd, d),
        44 => sshfp_lines(t, rd, d),
        50 => nsec3_lines(t, rd, d),
        13 => hinfo_lines(t, rd, d),
        99 => {
            let mut rest = rd;
            while let Some((s, after)) = char_string(rest) {
                t.line(d, format!("SPF Length: {}", s.len()));
                t.line(d, format!("SPF: {}", ascii(s)));
                rest = after;
            }
            true
        }
        1 if rd.len() >= 4 => {
            t.line(d, format!("Address: {}.{}.{}.{}", rd[0], rd[1], rd[2], rd[3]));
            true
        }
        _ => false,
    };
    if ok {
        return;
    }
    if !tshark_decodes(rtype) {
        let msg = format!(
            "Dissector for DNS Type ({rtype}) code not implemented, Contact Wireshark developers if you want this supported"
        );
        t.line(d, format!("[Expert Info (Note/Undecoded): {msg}]"));
        t.line(d + 1, format!("[{msg}]"));
        t.line(d + 1, "[Severity level: Note]");
        t.line(d + 1, "[Group: Undecoded]");
    }
    let _ = m;
    t.line(d, format!("Data: {}", bytes_field(rd)));
}

fn hinfo_lines(t: &mut Tree, rd: &[u8], d: usize) -> bool {
    let Some((cpu, rest)) = char_string(rd) else {
        return false;
    };
    let Some((os, _)) = char_string(rest) else {
        return false;
    };
    t.line(d, format!("CPU Length: {}", cpu.len()));
    t.line(d, format!("CPU: {}", ascii(cpu)));
    t.line(d, format!("OS Length: {}", os.len()));
    t.line(d, format!("OS: {}", ascii(os)));
    true
}

/// RRSIG (RFC 4034 §3.1) and SIG (RFC 2535 §4.1).
fn rrsig_lines(t: &mut Tree, rd: &[u8], d: usize) -> bool {
    let (Some(covered), Some(&alg), Some(&labels), Some(orig), Some(exp), Some(inc), Some(tag)) =
        (u16_at(rd, 0), rd.get(2), rd.get(3), u32_at(rd, 4), u32_at(rd, 8), u32_at(rd, 12), u16_at(rd, 16))
    else {
        return false;
    };
    let Some((signer, used)) = rd.get(18..).and_then(plain_name) else {
        return false;
    };
    t.line(d, format!("Type Covered: {}", type_field(covered)));
    t.line(d, format!("Algorithm: {}", named(dnssec_algorithm(alg), u32::from(alg))));
    t.line(d, format!("Labels: {labels}"));
    t.line(d, format!("Original TTL: {orig} ({})", time_secs(orig)));
    t.line(d, format!("Signature Expiration: {}", utc_time(exp)));
    t.line(d, format!("Signature Inception: {}", utc_time(inc)));
    t.line(d, format!("Key Tag: {tag}"));
    t.line(d, format!("Signer's name: {signer}"));
    let sig = rd.get(18 + used..).unwrap_or(&[]);
    if !sig.is_empty() {
        t.line(d, format!("Signature: {}", bytes_field(sig)));
    }
    true
}

/// RFC 4034 Appendix B key tag (RSA/MD5 uses the low 16 bits of the modulus,
/// B.1).
fn key_tag(rd: &[u8], alg: u8) -> u16 {
    if alg == 1 {
        let n = rd.len();
        return if n >= 3 { u16::from_be_bytes([rd[n - 3], rd[n - 2]]) } else { 0 };
    }
    let mut ac: u32 = 0;
    for (i, &b) in rd.iter().enumerate() {
        ac = ac.wrapping_add(if i & 1 == 0 { u32::from(b) << 8 } else { u32::from(b) });
    }
    ac = ac.wrapping_add((ac >> 16) & 0xffff);
    (ac & 0xffff) as u16
}

/// DNSKEY/CDNSKEY (RFC 4034 §2.1) and KEY (RFC 2535 §3.1).
fn key_lines(t: &mut Tree, rtype: u16, rd: &[u8], d: usize) -> bool {
    let (Some(flags), Some(&proto), Some(&alg)) = (u16_at(rd, 0), rd.get(2), rd.get(3)) else {
        return false;
    };
    t.line(d, format!("Flags: 0x{flags:04x}"));
    let f = flags;
    if rtype == 25 {
        t.bits16(d + 1, f, 0x8000, "Key allowed for authentication", tf(f & 0x8000 != 0, "Not allowed", "Allowed"));
        t.bits16(d + 1, f, 0x4000, "Key allowed for confidentiality", tf(f & 0x4000 != 0, "Not allowed", "Allowed"));
        if f & 0xc000 != 0xc000 {
            t.bits16(d + 1, f, 0x2000, "Key required", tf(f & 0x2000 != 0, "Experimental or optional", "Required"));
            t.bits16(d + 1, f, 0x0400, "Key is associated with a user", tf(f & 0x0400 != 0, "Yes", "No"));
            t.bits16(d + 1, f, 0x0200, "Key is associated with the named entity", tf(f & 0x0200 != 0, "Yes", "No"));
            t.bits16(d + 1, f, 0x0080, "Key use with IPSEC", tf(f & 0x0080 != 0, "Valid", "Invalid"));
            t.bits16(
                d + 1,
                f,
                0x0040,
                "Key use with MIME security multiparts",
                tf(f & 0x0040 != 0, "Valid", "Invalid"),
            );
            t.bits16(d + 1, f, 0x000f, "Signatory", &format!("{}", f & 0x000f));
        }
    } else {
        t.bits16(
            d + 1,
            f,
            0x0100,
            "Zone Key",
            tf(f & 0x0100 != 0, "This is the zone key for specified zone", "This it not a zone key"),
        );
        t.bits16(d + 1, f, 0x0080, "Key Revoked", tf(f & 0x0080 != 0, "Yes", "No"));
        t.bits16(d + 1, f, 0x0001, "Key Signing Key", tf(f & 0x0001 != 0, "Yes", "No"));
        // (sic) tshark labels the reserved bits "Key Signing Key" too.
        t.bits16(d + 1, f, 0xfe7e, "Key Signing Key", &format!("0x{:04x}", f & 0xfe7e));
    }
    t.line(d, format!("Protocol: {proto}"));
    t.line(d, format!("Algorithm: {}", named(dnssec_algorithm(alg), u32::from(alg))));
    let id_label = if rtype == 25 { "Key ID" } else { "Key id" };
    t.line(d, format!("[{id_label}: {}]", key_tag(rd, alg)));
    let key = &rd[4..];
    if !key.is_empty() || rtype != 25 {
        t.line(d, format!("Public Key: {}", bytes_field(key)));
    }
    true
}

/// DS (RFC 4034 §5.1), CDS (RFC 7344), DLV (RFC 4431).
fn ds_lines(t: &mut Tree, rd: &[u8], d: usize) -> bool {
    let (Some(tag), Some(&alg), Some(&dt)) = (u16_at(rd, 0), rd.get(2), rd.get(3)) else {
        return false;
    };
    t.line(d, format!("Key id: 0x{tag:04x}"));
    t.line(d, format!("Algorithm: {}", named(dnssec_algorithm(alg), u32::from(alg))));
    t.line(d, format!("Digest Type: {}", named(ds_digest(dt), u32::from(dt))));
    t.line(d, format!("Digest: {}", bytes_field(&rd[4..])));
    true
}

/// SSHFP (RFC 4255 §3.1).
fn sshfp_lines(t: &mut Tree, rd: &[u8], d: usize) -> bool {
    let (Some(&alg), Some(&fp)) = (rd.first(), rd.get(1)) else {
        return false;
    };
    let alg_name = match alg {
        0 => Some("Reserved"),
        1 => Some("RSA"),
        2 => Some("DSA"),
        3 => Some("ECDSA"),
        4 => Some("Ed25519"),
        6 => Some("Ed448"),
        _ => None,
    };
    let fp_name = match fp {
        0 => Some("Reserved"),
        1 => Some("SHA1"),
        2 => Some("SHA256"),
        _ => None,
    };
    t.line(d, format!("Algorithm: {}", named(alg_name, u32::from(alg))));
    t.line(d, format!("Fingerprint type: {}", named(fp_name, u32::from(fp))));
    if rd.len() > 2 {
        t.line(d, format!("Fingerprint: {}", bytes_field(&rd[2..])));
    }
    true
}

/// NSEC3 (RFC 5155 §3.2).
fn nsec3_lines(t: &mut Tree, rd: &[u8], d: usize) -> bool {
    let (Some(&alg), Some(&flags), Some(iter), Some(&salt_len)) = (rd.first(), rd.get(1), u16_at(rd, 2), rd.get(4))
    else {
        return false;
    };
    let salt_end = 5 + usize::from(salt_len);
    let (Some(salt), Some(&hash_len)) = (rd.get(5..salt_end), rd.get(salt_end)) else {
        return false;
    };
    let hash_end = salt_end + 1 + usize::from(hash_len);
    let Some(hash) = rd.get(salt_end + 1..hash_end) else {
        return false;
    };
    let Ok(types) = super::wire::parse_type_bitmap(rd, hash_end, rd.len()) else {
        return false;
    };
    t.line(d, format!("Hash algorithm: {}", named(nsec3_hash(alg), u32::from(alg))));
    t.line(d, format!("NSEC3 flags: {flags}"));
    t.line(
        d + 1,
        format!(
            "{} = NSEC3 Opt-out flag: {}",
            bits(u32::from(flags), 1, 8),
            tf(flags & 1 != 0, "Additional insecure delegations allowed", "Additional insecure delegations forbidden")
        ),
    );
    t.line(d, format!("NSEC3 iterations: {iter}"));
    t.line(d, format!("Salt length: {salt_len}"));
    t.line(d, format!("Salt value: {}", bytes_field(salt)));
    t.line(d, format!("Hash length: {hash_len}"));
    if !hash.is_empty() {
        t.line(d, format!("[Next hashed owner: {}]", base32hex(hash)));
    }
    bitmap_lines(t, d, &types);
    true
}

/// RFC 4648 §7 base32 with the extended hex alphabet, lowercase, no padding
/// (tshark's rendering of the NSEC3 next hashed owner).
fn base32hex(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut out = String::new();
    let total_bits = data.len() * 8;
    let mut bit = 0usize;
    while bit < total_bits {
        let mut v = 0u8;
        for k in 0..5 {
            let b = bit + k;
            let set = b < total_bits && data[b / 8] & (0x80 >> (b % 8)) != 0;
            v = (v << 1) | u8::from(set);
        }
        out.push(char::from(ALPHABET[usize::from(v)]));
        bit += 5;
    }
    out
}
