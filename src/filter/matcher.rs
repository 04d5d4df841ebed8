//! A test compiled for the representation its field's values take at
//! evaluation time, so that checking one occurrence is a couple of integer
//! operations on a value held in a register:
//!
//! - scalars (`u64`): integers, booleans (0/1), IPv4 addresses, MAC
//!   addresses (48 bits) and floats (mapped to an order-preserving key);
//! - wide (`u128`): IPv6 addresses;
//! - slices (`&[u8]`): strings (compared bytewise, as Rust's `str` orders)
//!   and byte sequences.
//!
//! Subnets become masks: `ip.addr == 10.0.0.0/8` is `v & 0xff000000 == 0x0a000000`.

use std::ops::BitAnd;

use super::fields::FieldType;
use super::lexer::CmpOp;
use super::value::{Lit, Value, mac_bits};

/// Maps a float to a `u64` that orders as the float does (IEEE 754 total
/// order, with -0.0 taken as 0.0 so that the two compare equal).
pub(crate) fn float_key(x: f64) -> u64 {
    let x = if x == 0.0 { 0.0 } else { x };
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// The value of an extra field in the scalar domain of its declared type.
pub(crate) fn scalar_of(v: Value<'_>, ty: FieldType) -> Option<u64> {
    match (ty, v) {
        (FieldType::Float, Value::Float(x)) => Some(float_key(x)),
        (FieldType::Float, Value::UInt(n)) => Some(float_key(n as f64)),
        (FieldType::Float, _) => None,
        (_, Value::UInt(n)) => Some(n),
        (_, Value::Bool(b)) => Some(u64::from(b)),
        (FieldType::Ipv4, Value::Ipv4(a)) => Some(u64::from(u32::from(a))),
        (FieldType::Mac, Value::Mac(m)) => Some(mac_bits(m)),
        _ => None,
    }
}

/// A value domain's integer operations.
pub(crate) trait Bits: Copy + Ord + BitAnd<Output = Self> {
    const ZERO: Self;
    const ONES: Self;
}

impl Bits for u64 {
    const ZERO: u64 = 0;
    const ONES: u64 = u64::MAX;
}

impl Bits for u128 {
    const ZERO: u128 = 0;
    const ONES: u128 = u128::MAX;
}

/// `lo <= v & mask <= hi`: one value (`lo == hi`), a subnet (`mask`) or a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span<T> {
    pub lo: T,
    pub hi: T,
    pub mask: T,
}

/// A test on one occurrence of an integer-like value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind<T> {
    /// Any occurrence will do (presence).
    Any,
    NonZero,
    Eq {
        value: T,
        mask: T,
    },
    Lt(T),
    Le(T),
    Gt(T),
    Ge(T),
    In(Box<[Span<T>]>),
}

impl<T: Bits> Kind<T> {
    #[inline]
    pub(crate) fn holds(&self, v: T) -> bool {
        match *self {
            Kind::Any => true,
            Kind::NonZero => v != T::ZERO,
            Kind::Eq { value, mask } => v & mask == value,
            Kind::Lt(l) => v < l,
            Kind::Le(l) => v <= l,
            Kind::Gt(l) => v > l,
            Kind::Ge(l) => v >= l,
            Kind::In(ref spans) => spans.iter().any(|s| {
                let x = v & s.mask;
                s.lo <= x && x <= s.hi
            }),
        }
    }
}

/// An inclusive range of byte strings.
pub(crate) type ByteRange = (Box<[u8]>, Box<[u8]>);

/// A test on one occurrence of a string or byte sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SliceKind {
    Any,
    Eq(Box<[u8]>),
    Lt(Box<[u8]>),
    Le(Box<[u8]>),
    Gt(Box<[u8]>),
    Ge(Box<[u8]>),
    Contains(Box<[u8]>),
    /// Inclusive ranges (`lo == hi` for a single value).
    In(Box<[ByteRange]>),
}

impl SliceKind {
    #[inline]
    pub(crate) fn holds(&self, v: &[u8]) -> bool {
        match self {
            SliceKind::Any => true,
            SliceKind::Eq(l) => v == &**l,
            SliceKind::Lt(l) => v < &**l,
            SliceKind::Le(l) => v <= &**l,
            SliceKind::Gt(l) => v > &**l,
            SliceKind::Ge(l) => v >= &**l,
            SliceKind::Contains(l) => l.is_empty() || v.windows(l.len()).any(|w| w == &**l),
            SliceKind::In(spans) => spans.iter().any(|(lo, hi)| &**lo <= v && v <= &**hi),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Matcher {
    /// `pre` is the `field & mask` mask (all ones without one).
    Scalar {
        pre: u64,
        kind: Kind<u64>,
    },
    Wide(Kind<u128>),
    Slice(SliceKind),
}

/// Which representation a field's values take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Domain {
    Scalar,
    Wide,
    Slice,
}

pub(crate) fn domain(ty: FieldType) -> Domain {
    match ty {
        FieldType::Ipv6 => Domain::Wide,
        // A protocol is tested as bytes only by `frame contains`.
        FieldType::Str | FieldType::Bytes | FieldType::Protocol => Domain::Slice,
        _ => Domain::Scalar,
    }
}

/// A literal in the scalar domain: value and subnet mask.
fn scalar(l: &Lit) -> (u64, u64) {
    match *l {
        Lit::Bool(b) => (u64::from(b), u64::MAX),
        Lit::UInt(n) => (n, u64::MAX),
        Lit::Float(x) => (float_key(x), u64::MAX),
        Lit::Ipv4 { addr, mask } => (u64::from(addr), u64::from(mask) | 0xffff_ffff_0000_0000),
        Lit::Mac(m) => (m, u64::MAX),
        // The parser reads literals by the field's type; nothing else reaches here.
        _ => (u64::MAX, 0),
    }
}

fn wide(l: &Lit) -> (u128, u128) {
    match *l {
        Lit::Ipv6 { addr, mask } => (addr, mask),
        _ => (u128::MAX, 0),
    }
}

fn slice(l: &Lit) -> Box<[u8]> {
    match l {
        Lit::Str(s) => s.as_bytes().into(),
        Lit::Bytes(b) => b.clone(),
        _ => Box::new([]),
    }
}

/// The per-occurrence test of a comparison; the caller decides, from the
/// operator, how occurrences combine (see `eval::test`).
pub(crate) enum Op<'l> {
    NonZero,
    Cmp(CmpOp, &'l Lit),
    Contains(&'l Lit),
    In(&'l [(Lit, Lit)]),
}

fn kind<T: Bits>(op: &Op<'_>, lit: impl Fn(&Lit) -> (T, T)) -> Kind<T> {
    match op {
        Op::Contains(_) => Kind::Any,
        Op::NonZero => Kind::NonZero,
        Op::Cmp(c, l) => {
            let (v, mask) = lit(l);
            match c {
                CmpOp::Eq | CmpOp::Ne | CmpOp::AllEq | CmpOp::AnyNe => Kind::Eq { value: v, mask },
                CmpOp::Lt => Kind::Lt(v),
                CmpOp::Le => Kind::Le(v),
                CmpOp::Gt => Kind::Gt(v),
                CmpOp::Ge => Kind::Ge(v),
            }
        }
        Op::In(items) => Kind::In(
            items
                .iter()
                .map(|(lo, hi)| {
                    let ((lo, mask), (hi, _)) = (lit(lo), lit(hi));
                    // A subnet ends at its last address; ranges have no mask.
                    Span { lo, hi, mask: if lo == hi { mask } else { T::ONES } }
                })
                .collect(),
        ),
    }
}

impl Matcher {
    /// Compiles `op` for a field of type `ty` (with `field & pre`, if any).
    pub(crate) fn new(ty: FieldType, pre: Option<u64>, op: &Op<'_>) -> Matcher {
        match domain(ty) {
            Domain::Scalar => Matcher::Scalar { pre: pre.unwrap_or(u64::MAX), kind: kind(op, scalar) },
            Domain::Wide => Matcher::Wide(kind(op, wide)),
            Domain::Slice => Matcher::Slice(match op {
                Op::NonZero => SliceKind::Any,
                Op::Contains(l) => SliceKind::Contains(slice(l)),
                Op::Cmp(c, l) => match c {
                    CmpOp::Eq | CmpOp::Ne | CmpOp::AllEq | CmpOp::AnyNe => SliceKind::Eq(slice(l)),
                    CmpOp::Lt => SliceKind::Lt(slice(l)),
                    CmpOp::Le => SliceKind::Le(slice(l)),
                    CmpOp::Gt => SliceKind::Gt(slice(l)),
                    CmpOp::Ge => SliceKind::Ge(slice(l)),
                },
                Op::In(items) => SliceKind::In(items.iter().map(|(lo, hi)| (slice(lo), slice(hi))).collect()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(ty: FieldType, text: &str) -> Lit {
        super::super::value::parse(super::super::value::Written { text, quoted: false }, ty, "f").unwrap()
    }

    #[test]
    fn floats_order_like_their_keys() {
        let xs = [-1e300, -2.5, -1.0, -1e-300, 0.0, 1e-300, 0.5, 1.0, 2.0, 1e300];
        for w in xs.windows(2) {
            assert!(float_key(w[0]) < float_key(w[1]), "{} {}", w[0], w[1]);
        }
        assert_eq!(float_key(-0.0), float_key(0.0));
    }

    #[test]
    fn subnets_are_masks() {
        let l = lit(FieldType::Ipv4, "10.0.0.0/8");
        let m = Matcher::new(FieldType::Ipv4, None, &Op::Cmp(CmpOp::Eq, &l));
        let Matcher::Scalar { pre, kind } = m else { panic!() };
        let ip = |s: &str| u64::from(u32::from(s.parse::<std::net::Ipv4Addr>().unwrap()));
        assert!(kind.holds(ip("10.255.1.2") & pre));
        assert!(!kind.holds(ip("11.0.0.0") & pre));
        let l = lit(FieldType::Ipv6, "fe80::1:2/64");
        let Matcher::Wide(kind) = Matcher::new(FieldType::Ipv6, None, &Op::Cmp(CmpOp::Eq, &l)) else { panic!() };
        let ip6 = |s: &str| u128::from(s.parse::<std::net::Ipv6Addr>().unwrap());
        assert!(kind.holds(ip6("fe80::99")));
        assert!(!kind.holds(ip6("fe81::1")));
    }

    #[test]
    fn sets_mix_values_subnets_and_ranges() {
        let items = [
            (lit(FieldType::Ipv4, "192.168.0.0/16"), lit(FieldType::Ipv4, "192.168.0.0/16")),
            (lit(FieldType::Ipv4, "10.0.0.5"), lit(FieldType::Ipv4, "10.0.0.9")),
        ];
        let Matcher::Scalar { kind, .. } = Matcher::new(FieldType::Ipv4, None, &Op::In(&items)) else { panic!() };
        let ip = |s: &str| u64::from(u32::from(s.parse::<std::net::Ipv4Addr>().unwrap()));
        for (a, want) in
            [("192.168.7.7", true), ("10.0.0.5", true), ("10.0.0.9", true), ("10.0.0.10", false), ("10.0.0.4", false)]
        {
            assert_eq!(kind.holds(ip(a)), want, "{a}");
        }
    }

    #[test]
    fn slices() {
        let k = SliceKind::Contains(b"GET".to_vec().into());
        assert!(k.holds(b"xxGETyy"));
        assert!(!k.holds(b"GE"));
        assert!(SliceKind::Contains(Box::new([])).holds(b""));
        let k = SliceKind::In(vec![(b"a".to_vec().into(), b"c".to_vec().into())].into());
        assert!(k.holds(b"b") && k.holds(b"c") && !k.holds(b"ca"));
    }

    #[test]
    fn extra_values_by_type() {
        assert_eq!(scalar_of(Value::Bool(true), FieldType::Bool), Some(1));
        assert_eq!(scalar_of(Value::UInt(3), FieldType::Float), Some(float_key(3.0)));
        assert_eq!(scalar_of(Value::Float(3.0), FieldType::U32), None);
        assert_eq!(scalar_of(Value::Mac(crate::dissect::Mac([0, 0, 0, 0, 1, 2])), FieldType::Mac), Some(0x0102));
    }
}
