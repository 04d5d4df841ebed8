//! Names of types, classes, opcodes, rcodes and EDNS options, spelled as
//! tshark 4.0 spells them (checked against `tshark -G values` and against
//! tshark's Info column, which use two different type tables).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// A `&'static str` for a value-dependent fallback ("RCODE12"), made once per
/// distinct value. The API returns `&'static str`; the set of values is at
/// most 65536, so the cache is bounded.
fn interned(kind: &'static str, value: u32, make: impl FnOnce() -> String) -> &'static str {
    static CACHE: OnceLock<Mutex<HashMap<(&'static str, u32), &'static str>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = match cache.lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    map.entry((kind, value)).or_insert_with(|| Box::leak(make().into_boxed_str()))
}

/// Type mnemonic and tshark's description of it, from the table behind the
/// `dns.qry.type` / `dns.resp.type` fields ("A (Host Address)").
fn type_entry(t: u16) -> Option<(&'static str, &'static str)> {
    Some(match t {
        0 => ("Unused", ""),
        1 => ("A", "(Host Address)"),
        2 => ("NS", "(authoritative Name Server)"),
        3 => ("MD", "(Mail Destination)"),
        4 => ("MF", "(Mail Forwarder)"),
        5 => ("CNAME", "(Canonical NAME for an alias)"),
        6 => ("SOA", "(Start Of a zone of Authority)"),
        7 => ("MB", "(MailBox domain name)"),
        8 => ("MG", "(Mail Group member)"),
        9 => ("MR", "(Mail Rename domain)"),
        10 => ("NULL", "RR"),
        11 => ("WKS", "(Well Known Service)"),
        12 => ("PTR", "(domain name PoinTeR)"),
        13 => ("HINFO", "(host information)"),
        14 => ("MINFO", "(Mailbox or mail list information)"),
        15 => ("MX", "(Mail eXchange)"),
        16 => ("TXT", "(Text strings)"),
        17 => ("RP", "(Responsible Person)"),
        18 => ("AFSDB", "(AFS Data Base location)"),
        19 => ("X25", "(XX.25 PSDN address)"),
        20 => ("ISDN", "(ISDN address)"),
        21 => ("RT", "(Route Through)"),
        22 => ("NSAP", "(NSAP address)"),
        23 => ("NSAP-PTR", "(NSAP domain name pointer)"),
        24 => ("SIG", "(security signature)"),
        25 => ("KEY", "(security key)"),
        26 => ("PX", "(X.400 mail mapping information)"),
        27 => ("GPOS", "(Geographical Position)"),
        28 => ("AAAA", "(IPv6 Address)"),
        29 => ("LOC", "(Location Information)"),
        30 => ("NXT", "(Next Domain)"),
        31 => ("EID", "(Endpoint Identifier)"),
        32 => ("NIMLOC", "(Nimrod Locator)"),
        33 => ("SRV", "(Server Selection)"),
        34 => ("ATMA", "(ATM Address)"),
        35 => ("NAPTR", "(Naming Authority Pointer)"),
        36 => ("KX", "(Key Exchanger)"),
        37 => ("CERT", ""),
        38 => ("A6", "(OBSOLETE - use AAAA)"),
        39 => ("DNAME", ""),
        40 => ("SINK", ""),
        41 => ("OPT", ""),
        42 => ("APL", ""),
        43 => ("DS", "(Delegation Signer)"),
        44 => ("SSHFP", "(SSH Key Fingerprint)"),
        45 => ("IPSECKEY", ""),
        46 => ("RRSIG", "(Resource Record Signature)"),
        47 => ("NSEC", "(Next Secure)"),
        48 => ("DNSKEY", "(DNS Public Key)"),
        49 => ("DHCID", ""),
        50 => ("NSEC3", ""),
        51 => ("NSEC3PARAM", ""),
        52 => ("TLSA", ""),
        55 => ("HIP", "(Host Identity Protocol)"),
        57 => ("RKEY", ""),
        58 => ("TALINK", "(Trust Anchor LINK)"),
        59 => ("CDS", "(Child DS)"),
        60 => ("CDNSKEY", "(DNSKEY(s) the Child wants reflected in DS)"),
        61 => ("OPENPGPKEY", "(OpenPGP Key)"),
        62 => ("CSYNC", "(Child-to-Parent Synchronization)"),
        63 => ("ZONEMD", ""),
        64 => ("SVCB", "(General Purpose Service Endpoints)"),
        65 => ("HTTPS", "(HTTPS Specific Service Endpoints)"),
        99 => ("SPF", ""),
        100 => ("UINFO", ""),
        101 => ("UID", ""),
        102 => ("GID", ""),
        103 => ("UNSPEC", ""),
        104 => ("NID", "(NodeID)"),
        105 => ("L32", "(Locator32)"),
        106 => ("L64", "(Locator64)"),
        107 => ("LP", "(Locator FQDN)"),
        108 => ("EUI48", ""),
        109 => ("EUI64", ""),
        249 => ("TKEY", "(Transaction Key)"),
        250 => ("TSIG", "(Transaction Signature)"),
        251 => ("IXFR", "(incremental transfer)"),
        252 => ("AXFR", "(transfer of an entire zone)"),
        253 => ("MAILB", "(mailbox-related RRs)"),
        254 => ("MAILA", "(mail agent RRs)"),
        255 => ("*", "(A request for all records the server/cache has available)"),
        256 => ("URI", ""),
        257 => ("CAA", "(Certification Authority Restriction)"),
        32768 => ("TA", "(DNSSEC Trust Authorities)"),
        32769 => ("DLV", "(DNSSEC Lookaside Validation)"),
        65281 => ("WINS", ""),
        65282 => ("WINS-R", ""),
        65422 => ("XPF", ""),
        _ => return None,
    })
}

/// Type mnemonic as tshark's Info column and tree headings show it: "A",
/// "AAAA", "CNAME", "RRSIG", "HTTPS", "ANY", "AXFR", ...; unknown types as
/// "Unknown (65280)".
///
/// tshark 4.0's Info table swaps MAILB and MAILA (253 is shown as "MAILA",
/// 254 as "MAILB", the reverse of RFC 1035 §3.2.3); this follows tshark.
/// [`type_description`] has them the right way round, as tshark's field
/// table does.
pub fn type_name(t: u16) -> Cow<'static, str> {
    match t {
        253 => Cow::Borrowed("MAILA"),
        254 => Cow::Borrowed("MAILB"),
        255 => Cow::Borrowed("ANY"),
        _ => match type_entry(t) {
            Some((name, _)) => Cow::Borrowed(name),
            None => Cow::Owned(format!("Unknown ({t})")),
        },
    }
}

/// Type as tshark's tree shows it in "Type: ..." lines, without the number:
/// "A (Host Address)", "NULL RR", "OPT", "* (A request for all records the
/// server/cache has available)"; unknown types as "Unknown (65280)".
pub fn type_description(t: u16) -> Cow<'static, str> {
    match type_entry(t) {
        Some((name, "")) => Cow::Borrowed(name),
        Some((name, desc)) => Cow::Owned(format!("{name} {desc}")),
        None => Cow::Owned(format!("Unknown ({t})")),
    }
}

/// The "Type: ..." field text of tshark's tree: "A (Host Address) (1)",
/// "Unknown (65280)".
pub(super) fn type_field(t: u16) -> String {
    match type_entry(t) {
        Some(_) => format!("{} ({t})", type_description(t)),
        None => format!("Unknown ({t})"),
    }
}

fn class_entry(c: u16) -> Option<&'static str> {
    Some(match c {
        1 => "IN",
        2 => "CS",
        3 => "CH",
        4 => "HS",
        254 => "NONE",
        255 => "ANY",
        _ => return None,
    })
}

/// Class mnemonic: "IN", "CS", "CH", "HS", "NONE", "ANY"; others as
/// "Unknown (0x1234)", as in tshark's "Class:" tree line.
pub fn class_name(c: u16) -> Cow<'static, str> {
    match class_entry(c) {
        Some(n) => Cow::Borrowed(n),
        None => Cow::Owned(format!("Unknown (0x{c:04x})")),
    }
}

/// The "Class: ..." field text of tshark's tree: "IN (0x0001)",
/// "Unknown (0x1234)".
pub(super) fn class_field(c: u16) -> String {
    match class_entry(c) {
        Some(n) => format!("{n} (0x{c:04x})"),
        None => format!("Unknown (0x{c:04x})"),
    }
}

/// Class as tshark shows it in a tree heading ("class IN", "class Unknown").
pub(super) fn class_short(c: u16) -> &'static str {
    class_entry(c).unwrap_or("Unknown")
}

/// RCODE mnemonic (RFC 1035 §4.1.1, RFC 2136, RFC 6891, RFC 8945, RFC 2930,
/// RFC 7873, RFC 8490): "NOERROR", ..., "BADCOOKIE"; others "RCODE<n>".
/// 16 is both BADVERS (OPT) and BADSIG (TSIG); it is named BADVERS.
pub fn rcode_name(r: u16) -> &'static str {
    match r {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        11 => "DSOTYPENI",
        16 => "BADVERS",
        17 => "BADKEY",
        18 => "BADTIME",
        19 => "BADMODE",
        20 => "BADNAME",
        21 => "BADALG",
        22 => "BADTRUNC",
        23 => "BADCOOKIE",
        _ => interned("rcode", u32::from(r), || format!("RCODE{r}")),
    }
}

fn rcode_entry(r: u16) -> Option<&'static str> {
    Some(match r {
        0 => "No error",
        1 => "Format error",
        2 => "Server failure",
        3 => "No such name",
        4 => "Not implemented",
        5 => "Refused",
        6 => "Name exists",
        7 => "RRset exists",
        8 => "RRset does not exist",
        9 => "Not authoritative",
        10 => "Name out of zone",
        11 => "DSO-Type not implemented",
        16 => "Bad OPT Version or TSIG Signature Failure",
        17 => "Key not recognized",
        18 => "Signature out of time window",
        19 => "Bad TKEY Mode",
        20 => "Duplicate key name",
        21 => "Algorithm not supported",
        22 => "Bad Truncation",
        23 => "Bad/missing Server Cookie",
        _ => return None,
    })
}

/// tshark's words for an rcode, as in the Info column: "No error", "Format
/// error", "Server failure", "No such name", "Not implemented", "Refused",
/// ..., "Bad/missing Server Cookie"; others "Unknown error (12)".
pub fn rcode_description(r: u16) -> &'static str {
    rcode_entry(r).unwrap_or_else(|| interned("rcode_desc", u32::from(r), || format!("Unknown error ({r})")))
}

/// Like [`rcode_description`] but "Unknown error" without the number, as in
/// tshark's "Flags:" line.
pub(super) fn rcode_const(r: u16) -> &'static str {
    rcode_entry(r).unwrap_or("Unknown error")
}

/// Reply code bit-field value text: "No error (0)", "Unknown (15)".
pub(super) fn rcode_field(r: u16) -> String {
    match rcode_entry(r) {
        Some(s) => format!("{s} ({r})"),
        None => format!("Unknown ({r})"),
    }
}

/// OPCODE mnemonic (RFC 1035 §4.1.1, RFC 1996, RFC 2136, RFC 8490): "QUERY",
/// "IQUERY", "STATUS", "NOTIFY", "UPDATE", "DSO"; others "OPCODE<n>".
pub fn opcode_name(o: u8) -> &'static str {
    match o {
        0 => "QUERY",
        1 => "IQUERY",
        2 => "STATUS",
        4 => "NOTIFY",
        5 => "UPDATE",
        6 => "DSO",
        _ => interned("opcode", u32::from(o), || format!("OPCODE{o}")),
    }
}

fn opcode_entry(o: u8) -> Option<&'static str> {
    Some(match o {
        0 => "Standard query",
        1 => "Inverse query",
        2 => "Server status request",
        4 => "Zone change notification",
        5 => "Dynamic update",
        6 => "DNS Stateful operations (DSO)",
        _ => return None,
    })
}

/// tshark's Info words for an opcode: "Standard query", "Inverse query",
/// "Server status request", "Zone change notification", "Dynamic update",
/// "DNS Stateful operations (DSO)"; others "Unknown operation (3)".
pub fn opcode_description(o: u8) -> &'static str {
    opcode_entry(o).unwrap_or_else(|| interned("opcode_desc", u32::from(o), || format!("Unknown operation ({o})")))
}

/// Like [`opcode_description`] without the number ("Unknown operation"), as
/// in the "Flags:" line.
pub(super) fn opcode_const(o: u8) -> &'static str {
    opcode_entry(o).unwrap_or("Unknown operation")
}

/// Opcode bit-field value text: "Standard query (0)", "Unknown (15)".
pub(super) fn opcode_field(o: u8) -> String {
    match opcode_entry(o) {
        Some(s) => format!("{s} ({o})"),
        None => format!("Unknown ({o})"),
    }
}

fn option_entry(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Reserved",
        1 => "LLQ - Long-lived query",
        2 => "UL - Update lease",
        3 => "NSID - Name Server Identifier",
        4 => "Owner (reserved)",
        5 => "DAU - DNSSEC Algorithm Understood (RFC6975)",
        6 => "DHU - DS Hash Understood (RFC6975)",
        7 => "N3U - NSEC3 Hash Understood (RFC6975)",
        8 => "CSUBNET - Client subnet",
        9 => "EDNS EXPIRE (RFC7314)",
        10 => "COOKIE",
        11 => "EDNS TCP Keepalive",
        12 => "PADDING",
        13 => "CHAIN",
        15 => "Extended DNS Error",
        0x50fa => "Experimental - CSUBNET - Client subnet",
        _ => return None,
    })
}

/// EDNS option name as tshark shows it ("COOKIE", "CSUBNET - Client subnet",
/// "PADDING", ...; others "Unknown (14)").
pub fn edns_option_name(code: u16) -> Cow<'static, str> {
    match option_entry(code) {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(format!("Unknown ({code})")),
    }
}

/// Short EDNS option mnemonic for [`super::EdnsOption::short`].
pub(super) fn edns_option_short(code: u16) -> Cow<'static, str> {
    Cow::Borrowed(match code {
        1 => "LLQ",
        2 => "UL",
        3 => "NSID",
        4 => "OWNER",
        5 => "DAU",
        6 => "DHU",
        7 => "N3U",
        8 => "ECS",
        9 => "EXPIRE",
        10 => "COOKIE",
        11 => "KEEPALIVE",
        12 => "PADDING",
        13 => "CHAIN",
        14 => "KEY-TAG",
        15 => "EDE",
        _ => return Cow::Owned(format!("OPT{code}")),
    })
}

/// DNSSEC algorithm numbers (IANA dns-sec-alg-numbers) as tshark names them.
pub(super) fn dnssec_algorithm(a: u8) -> Option<&'static str> {
    Some(match a {
        1 => "RSA/MD5",
        2 => "Diffie-Hellman",
        3 => "DSA",
        4 => "Elliptic curve crypto",
        5 => "RSA/SHA1",
        6 => "DSA + NSEC3/SHA1",
        7 => "RSA/SHA1 + NSEC3/SHA1",
        8 => "RSA/SHA-256",
        10 => "RSA/SHA-512",
        12 => "GOST R 34.10-2001",
        13 => "ECDSA Curve P-256 with SHA-256",
        14 => "ECDSA Curve P-384 with SHA-384",
        15 => "Ed25519",
        16 => "Ed448",
        157 => "HMAC/MD5",
        252 => "Indirect key",
        253 => "Private, domain name",
        254 => "Private, OID",
        _ => return None,
    })
}

/// DS digest types (IANA ds-rr-types) as tshark names them.
pub(super) fn ds_digest(d: u8) -> Option<&'static str> {
    Some(match d {
        0 => "Reserved digest",
        1 => "SHA-1",
        2 => "SHA-256",
        3 => "GOST R 34.11-94",
        4 => "SHA-384",
        _ => return None,
    })
}

/// NSEC3 hash algorithms.
pub(super) fn nsec3_hash(h: u8) -> Option<&'static str> {
    Some(match h {
        0 => "Reserved",
        1 => "SHA-1",
        _ => return None,
    })
}

/// "Name (n)" for a known value, "Unknown (n)" otherwise.
pub(super) fn named(name: Option<&str>, n: u32) -> String {
    match name {
        Some(s) => format!("{s} ({n})"),
        None => format!("Unknown ({n})"),
    }
}
