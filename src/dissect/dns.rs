//! DNS message parser (RFC 1035) with the extensions seen on real networks:
//! SRV (RFC 2782), AAAA (RFC 3596), EDNS(0) OPT (RFC 6891) with client subnet
//! (RFC 7871) and cookies (RFC 7873), mDNS (RFC 6762) and LLMNR (RFC 4795).
//!
//! Written in the style of smoltcp's `src/wire/dns.rs`: every read is bounds
//! checked first, nothing on any input panics, and nothing can loop:
//!
//! * compression pointers are followed *backwards only*: a pointer must point
//!   strictly before the start of the name (or name segment) being decoded, so
//!   every jump strictly lowers the position and decoding terminates; the
//!   total number of jumps in one name is capped as well;
//! * labels are at most 63 bytes and names at most 255 bytes on the wire
//!   (RFC 1035 §2.3.4);
//! * header counts larger than the message are reported, not trusted;
//! * a message cut short (snaplen) decodes as far as its bytes go.
//!
//! The first problem found stops decoding; everything decoded before it is
//! kept and the problem is reported in [`Message::malformed`].
//!
//! Rendering ([`Message::info`], [`Message::write_tree`], [`type_name`], ...)
//! follows what tshark 4.0 prints (Wireshark's `epan/dissectors/packet-dns.c`),
//! quirks included; the places where this module deliberately differs are
//! listed in the module docs of `dns/info.rs`.
//!
//! Layout: this file holds the public types and entry points; the work is in
//! `dns/wire.rs` (decoding), `dns/text.rs` (tshark's text escaping),
//! `dns/tables.rs` (names of types, classes, codes), `dns/info.rs` (Info
//! column) and `dns/tree.rs` (`-V` tree). The submodules are named with
//! `#[path]` relative to this file so the module works both as
//! `src/dissect/dns.rs` in the crate and when included by path elsewhere.

use serde::Serialize;
use std::net::{Ipv4Addr, Ipv6Addr};

#[path = "dns/info.rs"]
mod info;
#[path = "dns/tables.rs"]
mod tables;
#[path = "dns/text.rs"]
mod text;
#[path = "dns/tree.rs"]
mod tree;
#[path = "dns/wire.rs"]
mod wire;

#[cfg(test)]
#[path = "dns/tests/mod.rs"]
mod tests;

pub use tables::{
    class_name, edns_option_name, opcode_description, opcode_name, rcode_description, rcode_name, type_description,
    type_name,
};
pub use text::format_text;

/// Length of the fixed DNS header (RFC 1035 §4.1.1).
pub const HEADER_LEN: usize = 12;

/// Maximum number of compression-pointer jumps followed while decoding one
/// name. Pointers only ever go backwards here, so decoding terminates anyway;
/// the cap bounds the work per name (and so the total work per message, which
/// could otherwise grow with the square of the message size). tshark gives up
/// after the same number of pointers (`MAX_DNAME_LEN`).
pub const MAX_POINTER_JUMPS: usize = 255;

/// Maximum encoded length of a name, length bytes and root label included
/// (RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 255;

/// Maximum length of one label (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;

/// Which protocol the message was carried as. The wire format is the same;
/// what differs is the meaning of the top bit of the class field (mDNS uses it
/// as the QU / cache-flush bit, RFC 6762 §5.4 and §10.2), how TXT strings are
/// decoded, and how tshark labels the flags and the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Flavor {
    /// Unicast DNS (RFC 1035), port 53 and everything else.
    #[default]
    Dns,
    /// Multicast DNS (RFC 6762), UDP port 5353.
    Mdns,
    /// Link-Local Multicast Name Resolution (RFC 4795), UDP port 5355.
    Llmnr,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub id: u16,
    pub response: bool,
    pub opcode: u8,
    pub authoritative: bool,
    pub truncated: bool,
    pub recursion_desired: bool,
    pub recursion_available: bool,
    pub authentic_data: bool,
    pub checking_disabled: bool,
    /// Header rcode (4 bits) extended with the OPT record's upper 8 bits when
    /// present (RFC 6891 §6.1.3).
    pub rcode: u16,
    pub flags_raw: u16,
    /// Header counts as sent.
    pub question_count: u16,
    pub answer_count: u16,
    pub authority_count: u16,
    pub additional_count: u16,
    pub questions: Vec<Question>,
    pub answers: Vec<Record>,
    pub authorities: Vec<Record>,
    pub additionals: Vec<Record>,
    pub edns: Option<Edns>,
    /// First problem found; decoding stopped there (what came before is kept).
    pub malformed: Option<Malformed>,
    /// How the message was decoded (see [`parse_as`]). Not serialized.
    #[serde(skip)]
    pub flavor: Flavor,
    /// The record whose fixed header (name, type, class, TTL, RDLENGTH) was
    /// decoded but whose RDATA was cut short or invalid, when that is where
    /// decoding stopped. tshark has already printed the record's type in the
    /// Info column and its header fields in the tree by then, so the
    /// renderers need it. Not serialized.
    #[serde(skip)]
    pub partial_record: Option<PartialRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Malformed {
    /// Offset in the message (0 = first byte of the DNS header).
    pub offset: usize,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    pub name: String,
    pub qtype: u16,
    pub qclass: u16,
    /// mDNS QU bit (top bit of the class, RFC 6762 §5.4); always false for
    /// other flavors, whose `qclass` keeps all 16 bits.
    pub unicast_response: bool,
    /// The name's labels joined with '.', unescaped (empty for the root).
    /// tshark's `[Name Length]` and `[Label Count]` are computed on this.
    /// Not serialized.
    #[serde(skip)]
    pub raw_name: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub name: String,
    pub rtype: u16,
    pub class: u16,
    /// mDNS cache-flush bit (top bit of the class, RFC 6762 §10.2); always
    /// false for other flavors, whose `class` keeps all 16 bits.
    pub cache_flush: bool,
    pub ttl: u32,
    pub data: RData,
    /// The RDATA exactly as on the wire (compression pointers unresolved);
    /// its length is RDLENGTH. Not serialized.
    #[serde(skip)]
    pub rdata: Vec<u8>,
}

/// Which record section a [`PartialRecord`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Section {
    Answer,
    Authority,
    Additional,
}

/// Fixed header of a record whose RDATA could not be decoded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartialRecord {
    pub section: Section,
    pub name: String,
    pub rtype: u16,
    pub class: u16,
    pub cache_flush: bool,
    pub ttl: u32,
    pub rdlength: u16,
    /// True when the message ended before RDLENGTH bytes of RDATA.
    pub rdata_truncated: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Cname(String),
    Ns(String),
    Ptr(String),
    Mx {
        preference: u16,
        exchange: String,
    },
    /// Each character-string, decoded and escaped as tshark displays it.
    Txt(Vec<String>),
    Soa {
        mname: String,
        rname: String,
        serial: u32,
        refresh: u32,
        retry: u32,
        expire: u32,
        minimum: u32,
    },
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    Opt(Vec<EdnsOption>),
    /// Anything not decoded above, and every record with RDLENGTH 0 (RFC 2136
    /// §2.5 uses empty RDATA to delete RRsets).
    Raw(Vec<u8>),
    /// DNAME (RFC 6672).
    Dname(String),
    /// NSEC (RFC 4034 §4): the next owner name may be compressed in mDNS
    /// (RFC 6762 §18.14), so it is decoded here rather than left raw.
    Nsec {
        next_domain: String,
        types: Vec<u16>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edns {
    pub udp_payload_size: u16,
    pub extended_rcode: u8,
    pub version: u8,
    pub dnssec_ok: bool,
    pub options: Vec<EdnsOption>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum EdnsOption {
    /// RFC 7871 §6. `address` is the address bytes sent (which RFC 7871 cuts
    /// to the source prefix) padded with zeros to a full IPv4 or IPv6
    /// address, as tshark shows it; for other families, or an address too
    /// long for its family, the bytes in hex.
    ClientSubnet {
        family: u16,
        source_prefix: u8,
        scope_prefix: u8,
        address: String,
    },
    /// RFC 7873 §4: an 8-byte client cookie, optionally followed by the
    /// server cookie.
    Cookie {
        client: Vec<u8>,
        server: Option<Vec<u8>>,
    },
    Other {
        code: u16,
        data: Vec<u8>,
    },
}

/// Decode a unicast DNS message (the header, then as much as the bytes
/// allow). `Err` only if fewer than [`HEADER_LEN`] bytes are given; any other
/// problem gives `Ok` with [`Message::malformed`] set.
pub fn parse(msg: &[u8]) -> Result<Message, Malformed> {
    wire::parse(msg, Flavor::Dns)
}

/// [`parse`] for a message carried as mDNS (splits the QU / cache-flush bit
/// off the class, decodes TXT as UTF-8) or LLMNR.
pub fn parse_as(msg: &[u8], flavor: Flavor) -> Result<Message, Malformed> {
    wire::parse(msg, flavor)
}

/// Whether `msg` says it is a response (the QR bit of its header, RFC 1035
/// §4.1.1), without parsing it; a message too short for the bit is not.
/// [`parse_as`] sets [`Message::response`] from the same bit.
#[inline]
pub fn is_response(msg: &[u8]) -> bool {
    msg.get(2).is_some_and(|flags| flags & 0x80 != 0)
}

/// Shorthand for `parse_as(msg, Flavor::Mdns)`.
pub fn parse_mdns(msg: &[u8]) -> Result<Message, Malformed> {
    wire::parse(msg, Flavor::Mdns)
}

impl Malformed {
    /// True when the problem is that the bytes ran out (a cut-short message)
    /// rather than a structural error. tshark marks the former as
    /// "[Packet size limited during capture]" when the frame was cut by the
    /// snaplen and as "[Malformed Packet]" otherwise.
    pub fn is_truncation(&self) -> bool {
        self.reason.starts_with("truncated:") || self.reason.contains(" but message ends after ")
    }
}

impl RData {
    /// Short form used in tables: "10.200.2.2", "www.example.test",
    /// "10 mail.example.test", "\"v=spf1 ...\"", ...
    pub fn short(&self) -> String {
        match self {
            RData::A(a) => a.to_string(),
            RData::Aaaa(a) => a.to_string(),
            RData::Cname(n) | RData::Ns(n) | RData::Ptr(n) | RData::Dname(n) => n.clone(),
            RData::Mx { preference, exchange } => format!("{preference} {exchange}"),
            RData::Txt(strings) => strings.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(" "),
            RData::Soa { mname, rname, serial, refresh, retry, expire, minimum } => {
                format!("{mname} {rname} {serial} {refresh} {retry} {expire} {minimum}")
            }
            RData::Srv { priority, weight, port, target } => {
                format!("{priority} {weight} {port} {target}")
            }
            RData::Opt(options) => options.iter().map(EdnsOption::short).collect::<Vec<_>>().join(" "),
            RData::Raw(bytes) => text::hex(bytes),
            RData::Nsec { next_domain, types } => {
                let mut s = next_domain.clone();
                for t in types {
                    s.push(' ');
                    s.push_str(&type_name(*t));
                }
                s
            }
        }
    }
}

impl EdnsOption {
    /// Short form: "ECS 192.0.2.0/24/0", "COOKIE 0102..", "NSID <hex>", ...
    pub fn short(&self) -> String {
        match self {
            EdnsOption::ClientSubnet { source_prefix, scope_prefix, address, .. } => {
                format!("ECS {address}/{source_prefix}/{scope_prefix}")
            }
            EdnsOption::Cookie { client, server } => match server {
                Some(s) => format!("COOKIE {}{}", text::hex(client), text::hex(s)),
                None => format!("COOKIE {}", text::hex(client)),
            },
            EdnsOption::Other { code, data } => {
                let name = tables::edns_option_short(*code);
                if data.is_empty() { name.into_owned() } else { format!("{name} {}", text::hex(data)) }
            }
        }
    }
}

impl Message {
    /// tshark's Info column for this message, exactly as tshark 4.0 prints it
    /// for a frame that was captured whole (see [`Message::info_for_capture`]).
    pub fn info(&self) -> String {
        info::info(self, false)
    }

    /// [`Message::info`] for a frame whose captured length is shorter than
    /// its length on the wire (`snaplen_cut`): tshark then ends a message
    /// that ran out of bytes with "[Packet size limited during capture]"
    /// instead of "[Malformed Packet]".
    pub fn info_for_capture(&self, snaplen_cut: bool) -> String {
        info::info(self, snaplen_cut)
    }

    /// The -V tree: appends (depth, line) pairs, tshark -V style, with
    /// `depth` as the depth of the "Domain Name System (...)" line.
    /// tshark's request/response tracking lines ("[Response In: 2]",
    /// "[Time: ...]", retransmissions) need the whole capture and are left to
    /// the caller.
    pub fn write_tree(&self, depth: usize, out: &mut Vec<(usize, String)>) {
        tree::write_tree(self, depth, out, false)
    }

    /// [`Message::write_tree`] for a frame cut by the snaplen: a message that
    /// ran out of bytes ends with "[Packet size limited during capture: DNS
    /// truncated]" instead of "[Malformed Packet: DNS]".
    pub fn write_tree_for_capture(&self, depth: usize, out: &mut Vec<(usize, String)>, snaplen_cut: bool) {
        tree::write_tree(self, depth, out, snaplen_cut)
    }

    /// The header rcode alone (4 bits), which is what tshark shows in the
    /// Info column and the flags line even when an OPT record extends it.
    pub fn header_rcode(&self) -> u16 {
        self.flags_raw & 0x000f
    }

    /// All records in wire order (answers, authorities, additionals).
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.answers.iter().chain(self.authorities.iter()).chain(self.additionals.iter())
    }
}
