//! Field values, compiled literals, and how they compare.
//!
//! A literal is read according to the type of the field it is compared with,
//! as Wireshark does (`10.0.0.0/8` is a subnet next to `ip.addr`, `80` is a
//! number next to `tcp.port`): the lexer only cuts words, this module decides
//! what they mean.

use std::cmp::Ordering;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::fields::FieldType;
use crate::dissect::Mac;

/// One occurrence of a field in a frame. Extra fields (see `ExtraFields`)
/// return these; they borrow from whatever holds them, so producing one
/// never allocates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Bool(bool),
    UInt(u64),
    Float(f64),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Mac(Mac),
    Str(&'a str),
    Bytes(&'a [u8]),
}

/// A compiled literal. Addresses carry their CIDR mask (all ones without
/// one) and are stored already masked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Bool(bool),
    UInt(u64),
    Float(f64),
    Ipv4 { addr: u32, mask: u32 },
    Ipv6 { addr: u128, mask: u128 },
    Mac(u64),
    Str(Box<str>),
    Bytes(Box<[u8]>),
}

impl Lit {
    /// A subnet rather than one address.
    pub(crate) fn is_cidr(&self) -> bool {
        match *self {
            Lit::Ipv4 { mask, .. } => mask != u32::MAX,
            Lit::Ipv6 { mask, .. } => mask != u128::MAX,
            _ => false,
        }
    }
}

/// A MAC address as a 48-bit number (for comparisons and ordering).
pub(crate) fn mac_bits(m: Mac) -> u64 {
    let b = m.0;
    u64::from_be_bytes([0, 0, b[0], b[1], b[2], b[3], b[4], b[5]])
}

/// How two literals of one type order (for range bounds).
pub(crate) fn order_lits(a: &Lit, b: &Lit) -> Option<Ordering> {
    match (a, b) {
        (Lit::UInt(x), Lit::UInt(y)) => Some(x.cmp(y)),
        (Lit::Float(x), Lit::Float(y)) => x.partial_cmp(y),
        (Lit::Ipv4 { addr: x, .. }, Lit::Ipv4 { addr: y, .. }) => Some(x.cmp(y)),
        (Lit::Ipv6 { addr: x, .. }, Lit::Ipv6 { addr: y, .. }) => Some(x.cmp(y)),
        (Lit::Mac(x), Lit::Mac(y)) => Some(x.cmp(y)),
        (Lit::Str(x), Lit::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Lit::Bytes(x), Lit::Bytes(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// A literal as written: the text of a word, or the content of a quoted string.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Written<'s> {
    pub text: &'s str,
    pub quoted: bool,
}

/// Reads a literal for a field of type `ty`. The error is the message only;
/// the parser adds the column.
pub(crate) fn parse(w: Written<'_>, ty: FieldType, field: &str) -> Result<Lit, String> {
    let t = w.text.trim();
    match ty {
        FieldType::Protocol | FieldType::Bytes => parse_bytes(w).ok_or_else(|| {
            format!("'{}' is not a byte sequence for {field}; write bytes as hex (47:45:54) or a quoted string", w.text)
        }),
        FieldType::Str => Ok(Lit::Str(w.text.into())),
        FieldType::Bool => match t.to_ascii_lowercase().as_str() {
            "true" => Ok(Lit::Bool(true)),
            "false" => Ok(Lit::Bool(false)),
            // Wireshark: "true is ... any non-zero number; false is the number zero".
            _ => parse_uint(t)
                .map(|n| Lit::Bool(n != 0))
                .ok_or_else(|| format!("'{t}' is not a boolean for {field}; use 1, 0, true or false")),
        },
        FieldType::U8 | FieldType::U16 | FieldType::U32 | FieldType::U64 => {
            let max = ty.max().unwrap_or(u64::MAX);
            match parse_uint(t) {
                Some(n) if n <= max => Ok(Lit::UInt(n)),
                Some(n) => Err(format!("{n} is too large for {field} (a {}-bit field: at most {max})", ty.bits())),
                None if t.contains('.') || t.contains(':') => {
                    Err(format!("'{t}' is not a number, and {field} is a number"))
                }
                None => Err(format!("'{t}' is not a valid number for {field}")),
            }
        }
        FieldType::Float => match t.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Lit::Float(x)),
            _ => Err(format!("'{t}' is not a valid number for {field}")),
        },
        FieldType::Ipv4 => parse_ipv4(t, field),
        FieldType::Ipv6 => parse_ipv6(t, field),
        FieldType::Mac => parse_mac(t)
            .map(|m| Lit::Mac(mac_bits(Mac(m))))
            .ok_or_else(|| format!("'{t}' is not a valid Ethernet address for {field} (write aa:bb:cc:dd:ee:ff)")),
    }
}

/// Decimal, `0x` hex, `0b` binary, or (as Wireshark and C) a leading `0` for octal.
pub(crate) fn parse_uint(t: &str) -> Option<u64> {
    let (digits, radix) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        (b, 2)
    } else if t.len() > 1 && t.starts_with('0') {
        (&t[1..], 8)
    } else {
        (t, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

fn split_prefix<'t>(t: &'t str, field: &str, max: u32) -> Result<(&'t str, u32), String> {
    match t.split_once('/') {
        None => Ok((t, max)),
        Some((a, p)) => match p.parse::<u32>() {
            Ok(n) if n <= max && !p.starts_with('+') => Ok((a, n)),
            _ => Err(format!("'/{p}' is not a valid prefix length for {field} (0 to {max})")),
        },
    }
}

fn parse_ipv4(t: &str, field: &str) -> Result<Lit, String> {
    let (a, bits) = split_prefix(t, field, 32)?;
    match a.parse::<Ipv4Addr>() {
        Ok(ip) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            Ok(Lit::Ipv4 { addr: u32::from(ip) & mask, mask })
        }
        Err(_) if a.parse::<Ipv6Addr>().is_ok() => {
            let v6 = field.replacen("ip.", "ipv6.", 1);
            Err(format!("'{a}' is an IPv6 address, but {field} holds IPv4 addresses (use {v6})"))
        }
        Err(_) => Err(format!("'{t}' is not a valid IPv4 address for {field}")),
    }
}

fn parse_ipv6(t: &str, field: &str) -> Result<Lit, String> {
    let (a, bits) = split_prefix(t, field, 128)?;
    match a.parse::<Ipv6Addr>() {
        Ok(ip) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            Ok(Lit::Ipv6 { addr: u128::from(ip) & mask, mask })
        }
        Err(_) if a.parse::<Ipv4Addr>().is_ok() => {
            let v4 = field.replacen("ipv6.", "ip.", 1);
            Err(format!("'{a}' is an IPv4 address, but {field} holds IPv6 addresses (use {v4})"))
        }
        Err(_) => Err(format!("'{t}' is not a valid IPv6 address for {field}")),
    }
}

/// Hex byte groups separated by `:`, `-` or `.` (Wireshark accepts all three).
fn hex_groups(t: &str) -> Option<Vec<u8>> {
    t.split([':', '-', '.'])
        .map(|g| if (1..=2).contains(&g.len()) { u8::from_str_radix(g, 16).ok() } else { None })
        .collect()
}

fn parse_mac(t: &str) -> Option<[u8; 6]> {
    hex_groups(t)?.try_into().ok()
}

fn parse_bytes(w: Written<'_>) -> Option<Lit> {
    if w.quoted {
        return Some(Lit::Bytes(w.text.as_bytes().into()));
    }
    let t = w.text.trim();
    // A one-byte hex integer converts to a byte string (wireshark-filter(4)).
    if let Some(h) = t.strip_prefix("0x") {
        return (h.len() <= 2).then(|| u8::from_str_radix(h, 16).ok()).flatten().map(|b| Lit::Bytes(Box::new([b])));
    }
    hex_groups(t).map(|v| Lit::Bytes(v.into()))
}

/// Shows a literal as it would be written in a filter.
impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lit::Bool(b) => write!(f, "{}", u8::from(*b)),
            Lit::UInt(n) => write!(f, "{n}"),
            Lit::Float(x) => write!(f, "{x}"),
            Lit::Ipv4 { addr, mask } => {
                write!(f, "{}", Ipv4Addr::from(*addr))?;
                if *mask != u32::MAX {
                    write!(f, "/{}", mask.count_ones())?;
                }
                Ok(())
            }
            Lit::Ipv6 { addr, mask } => {
                write!(f, "{}", Ipv6Addr::from(*addr))?;
                if *mask != u128::MAX {
                    write!(f, "/{}", mask.count_ones())?;
                }
                Ok(())
            }
            Lit::Mac(m) => {
                let b = m.to_be_bytes();
                write!(f, "{}", Mac([b[2], b[3], b[4], b[5], b[6], b[7]]))
            }
            Lit::Str(s) => write!(f, "{s:?}"),
            Lit::Bytes(b) => {
                for (i, x) in b.iter().enumerate() {
                    if i > 0 {
                        f.write_str(":")?;
                    }
                    write!(f, "{x:02x}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Written<'_> {
        Written { text, quoted: false }
    }

    #[test]
    fn integers() {
        assert_eq!(parse_uint("443"), Some(443));
        assert_eq!(parse_uint("0x1bb"), Some(443));
        assert_eq!(parse_uint("0b101"), Some(5));
        assert_eq!(parse_uint("012"), Some(10));
        assert_eq!(parse_uint("0"), Some(0));
        assert_eq!(parse_uint("08"), None);
        assert_eq!(parse_uint("12a"), None);
        assert_eq!(parse_uint("0x"), None);
        assert_eq!(parse_uint("-1"), None);
        assert_eq!(parse(w("65535"), FieldType::U16, "tcp.port"), Ok(Lit::UInt(65535)));
        assert_eq!(
            parse(w("65536"), FieldType::U16, "tcp.port").unwrap_err(),
            "65536 is too large for tcp.port (a 16-bit field: at most 65535)"
        );
    }

    #[test]
    fn addresses_and_subnets() {
        assert_eq!(
            parse(w("10.1.2.3/8"), FieldType::Ipv4, "ip.addr"),
            Ok(Lit::Ipv4 { addr: 0x0a00_0000, mask: 0xff00_0000 })
        );
        assert_eq!(parse(w("0.0.0.0/0"), FieldType::Ipv4, "ip.addr"), Ok(Lit::Ipv4 { addr: 0, mask: 0 }));
        assert!(parse(w("10.0.0.1/33"), FieldType::Ipv4, "ip.addr").unwrap_err().contains("prefix length"));
        assert!(parse(w("::1"), FieldType::Ipv4, "ip.addr").unwrap_err().contains("use ipv6.addr"));
        assert!(parse(w("10.0.0.1"), FieldType::Ipv6, "ipv6.src").unwrap_err().contains("use ip.src"));
        let Lit::Ipv6 { mask, .. } = parse(w("fe80::/10"), FieldType::Ipv6, "ipv6.addr").unwrap() else { panic!() };
        assert_eq!(mask.count_ones(), 10);
        let l = parse(w("fe80::1:2/64"), FieldType::Ipv6, "ipv6.addr").unwrap();
        assert_eq!(l.to_string(), "fe80::/64");
    }

    #[test]
    fn macs_and_bytes() {
        let m = parse(w("AA-bb-cc-00-11-22"), FieldType::Mac, "eth.src").unwrap();
        assert_eq!(m, Lit::Mac(mac_bits(Mac([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]))));
        assert_eq!(m.to_string(), "aa:bb:cc:00:11:22");
        assert!(parse(w("aa:bb:cc"), FieldType::Mac, "eth.src").is_err());
        assert_eq!(parse(w("47:45:54"), FieldType::Bytes, "tcp.payload"), Ok(Lit::Bytes(b"GET".to_vec().into())));
        assert_eq!(parse(w("0x47"), FieldType::Bytes, "tcp.payload"), Ok(Lit::Bytes(b"G".to_vec().into())));
        let q = Written { text: "GET /", quoted: true };
        assert_eq!(parse(q, FieldType::Bytes, "tcp.payload"), Ok(Lit::Bytes(b"GET /".to_vec().into())));
    }

    #[test]
    fn booleans() {
        for (t, b) in [("1", true), ("0", false), ("TRUE", true), ("false", false), ("2", true)] {
            assert_eq!(parse(w(t), FieldType::Bool, "tcp.flags.syn"), Ok(Lit::Bool(b)));
        }
        assert!(parse(w("yes"), FieldType::Bool, "tcp.flags.syn").is_err());
    }

    #[test]
    fn literal_ordering() {
        assert_eq!(order_lits(&Lit::UInt(3), &Lit::UInt(4)), Some(Ordering::Less));
        assert_eq!(order_lits(&Lit::Str("b".into()), &Lit::Str("a".into())), Some(Ordering::Greater));
        assert_eq!(order_lits(&Lit::Bool(true), &Lit::UInt(1)), None);
    }
}
