//! Numbers and addresses appended to a byte buffer as text, without
//! `core::fmt`.
//!
//! Why: `wirelens packets` prints a dozen small fields per packet. Through
//! `write!`/`to_string` each field went through the formatting machinery
//! and most of them through a fresh `String`; that was over four fifths of
//! the command's instructions. These functions write exactly the characters
//! std's `Display` (and `{:x}`, `{:0w$}`, `{:>w$}`) writes, straight into a
//! buffer the caller reuses, so a line costs no allocation.
//!
//! Only what the packet lines need is here. Everything is plain ASCII, so a
//! buffer filled from these and from `&str`s is valid UTF-8.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// "00" to "99": two digits per division halves the divisions.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Number of decimal digits of `n`.
pub fn decimal_len(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |l| l as usize + 1)
}

/// Writes the decimal digits of `n` at the end of `buf`; returns where they
/// start. No allocation: a signal handler may use it.
pub fn digits(mut n: u64, buf: &mut [u8; 20]) -> usize {
    let mut i = buf.len();
    // Four digits per 64-bit division while the number is wide, then the
    // rest in machine-word arithmetic.
    while n >= 10_000 {
        let rem = (n % 10_000) as usize;
        n /= 10_000;
        let (hi, lo) = (rem / 100 * 2, rem % 100 * 2);
        i -= 4;
        buf[i] = PAIRS[hi];
        buf[i + 1] = PAIRS[hi + 1];
        buf[i + 2] = PAIRS[lo];
        buf[i + 3] = PAIRS[lo + 1];
    }
    let mut n = n as usize;
    if n >= 100 {
        let d = n % 100 * 2;
        n /= 100;
        i -= 2;
        buf[i] = PAIRS[d];
        buf[i + 1] = PAIRS[d + 1];
    }
    if n >= 10 {
        let d = n * 2;
        i -= 2;
        buf[i] = PAIRS[d];
        buf[i + 1] = PAIRS[d + 1];
    } else {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    i
}

/// Appends `buf[..len]`, by copying all of `buf` and cutting off the rest:
/// a copy of known size is a few moves, one of variable size a call to
/// `memcpy`.
fn put<const N: usize>(out: &mut Vec<u8>, buf: &[u8; N], len: usize) {
    let end = out.len() + len.min(N);
    out.extend_from_slice(buf);
    out.truncate(end);
}

/// `n` as `{}` prints it.
pub fn u64(out: &mut Vec<u8>, n: u64) {
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    let mut buf = [0u8; 20];
    let start = digits(n, &mut buf);
    out.extend_from_slice(&buf[start..]);
}

/// `n` as `{}` prints it.
pub fn i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    u64(out, n.unsigned_abs());
}

/// `n` right-aligned in `width` columns, as `{:>width$}` prints it.
pub fn u64_right(out: &mut Vec<u8>, n: u64, width: usize) {
    filled(out, n, width, b' ');
}

/// `n` with leading zeros to `width` digits, as `{:0width$}` prints it.
pub fn u64_zeros(out: &mut Vec<u8>, n: u64, width: usize) {
    filled(out, n, width, b'0');
}

/// `n` after `fill`s up to `width` characters. The fill comes from the
/// digit buffer itself: one copy, no separate padding.
fn filled(out: &mut Vec<u8>, n: u64, width: usize, fill: u8) {
    let mut buf = [fill; 20];
    let start = digits(n, &mut buf);
    out.resize(out.len() + width.saturating_sub(buf.len()), fill);
    out.extend_from_slice(&buf[start.min(buf.len().saturating_sub(width))..]);
}

/// `n` in lowercase hex with leading zeros to `width` digits, as
/// `{:0width$x}` prints it.
pub fn hex(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut buf = [0u8; 16];
    let mut i = buf.len();
    let mut v = n;
    loop {
        i -= 1;
        buf[i] = HEX[(v & 0xf) as usize];
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    out.resize(out.len() + width.saturating_sub(buf.len() - i), b'0');
    out.extend_from_slice(&buf[i..]);
}

/// `n` spaces.
pub fn pad(out: &mut Vec<u8>, n: usize) {
    out.resize(out.len() + n, b' ');
}

/// `s` right-aligned in `width` columns (by bytes: callers pass ASCII),
/// as `{:>width$}` prints it.
pub fn str_right(out: &mut Vec<u8>, s: &[u8], width: usize) {
    pad(out, width.saturating_sub(s.len()));
    out.extend_from_slice(s);
}

/// An address as `Display` prints it.
pub fn ip(out: &mut Vec<u8>, a: &IpAddr) {
    match a {
        IpAddr::V4(a) => ipv4(out, a),
        IpAddr::V6(a) => ipv6(out, a),
    }
}

/// Dotted decimal, as `Display` prints it.
pub fn ipv4(out: &mut Vec<u8>, a: &Ipv4Addr) {
    // At most 15 characters: one reservation, then indexed writes.
    let mut buf = [0u8; 15];
    let mut n = 0;
    for (k, &o) in a.octets().iter().enumerate() {
        if k > 0 {
            buf[n] = b'.';
            n += 1;
        }
        if o >= 100 {
            buf[n] = b'0' + o / 100;
            buf[n + 1] = b'0' + o / 10 % 10;
            buf[n + 2] = b'0' + o % 10;
            n += 3;
        } else if o >= 10 {
            buf[n] = b'0' + o / 10;
            buf[n + 1] = b'0' + o % 10;
            n += 2;
        } else {
            buf[n] = b'0' + o;
            n += 1;
        }
    }
    put(out, &buf, n);
}

/// RFC 5952 text, exactly as std's `Display` prints it: lowercase hex
/// without leading zeros, the longest run of two or more zero groups (the
/// first of equally long ones) as `::`, and IPv4-mapped addresses as
/// `::ffff:a.b.c.d`.
pub fn ipv6(out: &mut Vec<u8>, a: &Ipv6Addr) {
    if let Some(v4) = a.to_ipv4_mapped() {
        out.extend_from_slice(b"::ffff:");
        ipv4(out, &v4);
        return;
    }
    let seg = a.segments();
    // The longest run of zero groups, the first one on a tie. Bit i of
    // `zeros` is group i; after k rounds of `m &= m >> 1` bit i is set when
    // groups i..=i+k are all zero, so the last non-empty mask marks where
    // the longest runs start.
    let mut zeros = 0u8;
    for (i, &s) in seg.iter().enumerate() {
        zeros |= u8::from(s == 0) << i;
    }
    let (mut m, mut run, mut starts) = (zeros, 0, 0u8);
    while m != 0 {
        starts = m;
        m &= m >> 1;
        run += 1;
    }
    // The groups in [gap, gap_end) are written as "::" (a single zero group is not).
    let (gap, gap_end) = if run > 1 {
        let at = starts.trailing_zeros() as usize;
        (at, at + run)
    } else {
        (8, 8)
    };
    // At most 39 characters, and 3 more for the last group's full store.
    let mut buf = [0u8; 42];
    let mut n = 0;
    let mut i = 0;
    while i < 8 {
        if i == gap {
            buf[n] = b':';
            buf[n + 1] = b':';
            n += 2;
            i = gap_end;
            continue;
        }
        if i > 0 && i != gap_end {
            buf[n] = b':';
            n += 1;
        }
        // Hex without leading zeros: all four digits, then keep the last 1 to 4.
        let s = seg[i];
        let keep = (19 - (s | 1).leading_zeros() as usize) / 4;
        let all = [
            HEX[usize::from(s >> 12)],
            HEX[usize::from(s >> 8 & 0xf)],
            HEX[usize::from(s >> 4 & 0xf)],
            HEX[usize::from(s & 0xf)],
        ];
        // A fixed 4-byte store (the bytes past `keep` are overwritten next).
        let word = u32::from_be_bytes(all) << (8 * (4 - keep));
        buf[n..n + 4].copy_from_slice(&word.to_be_bytes());
        n += keep;
        i += 1;
    }
    put(out, &buf, n);
}

/// A MAC address, `aa:bb:cc:dd:ee:ff`.
pub fn mac(out: &mut Vec<u8>, m: &[u8; 6]) {
    let mut buf = [0u8; 17];
    for (k, &b) in m.iter().enumerate() {
        if k > 0 {
            buf[3 * k - 1] = b':';
        }
        buf[3 * k] = HEX[usize::from(b >> 4)];
        buf[3 * k + 1] = HEX[usize::from(b & 0xf)];
    }
    out.extend_from_slice(&buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8(v).unwrap()
    }

    use crate::text::xorshift::Rng;

    #[test]
    fn integers_match_std() {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let check = |n: u64| {
            assert_eq!(s(|o| u64(o, n)), n.to_string());
            assert_eq!(s(|o| u64_right(o, n, 6)), format!("{n:>6}"));
            assert_eq!(s(|o| u64_right(o, n, 10)), format!("{n:>10}"));
            assert_eq!(s(|o| u64_zeros(o, n, 9)), format!("{n:09}"));
            assert_eq!(s(|o| u64_zeros(o, n, 6)), format!("{n:06}"));
            assert_eq!(s(|o| hex(o, n, 4)), format!("{n:04x}"));
            assert_eq!(s(|o| hex(o, n, 8)), format!("{n:08x}"));
            assert_eq!(s(|o| hex(o, n, 0)), format!("{n:x}"));
            let i = n as i64;
            assert_eq!(s(|o| i64(o, i)), i.to_string());
        };
        for n in 0..=100_000 {
            check(n);
        }
        for k in 0..64 {
            let p = 1u64 << k;
            for n in [p - 1, p, p + 1] {
                check(n);
            }
        }
        let mut p = 1u64;
        while let Some(q) = p.checked_mul(10) {
            for n in [p - 1, p, p + 1, q - 1] {
                check(n);
            }
            p = q;
        }
        for n in [u64::MAX, u64::MAX - 1, i64::MAX as u64, i64::MIN as u64] {
            check(n);
        }
        for _ in 0..100_000 {
            let n = r.next();
            check(n);
            check(n >> (n % 64));
        }
    }

    #[test]
    fn ipv4_matches_std() {
        let mut r = Rng(42);
        for o in 0..=255u8 {
            for a in [Ipv4Addr::new(o, o, o, o), Ipv4Addr::new(o, 0, 255, 9), Ipv4Addr::new(10, 99, o, 100)] {
                assert_eq!(s(|b| ipv4(b, &a)), a.to_string());
            }
        }
        for _ in 0..100_000 {
            let a = Ipv4Addr::from(r.next() as u32);
            assert_eq!(s(|b| ipv4(b, &a)), a.to_string());
            assert_eq!(s(|b| ip(b, &IpAddr::V4(a))), a.to_string());
        }
    }

    #[test]
    fn ipv6_matches_std() {
        let mut r = Rng(7);
        let check = |a: Ipv6Addr| {
            assert_eq!(s(|b| ipv6(b, &a)), a.to_string(), "{:?}", a.segments());
            assert_eq!(s(|b| ip(b, &IpAddr::V6(a))), a.to_string());
        };
        for a in [
            Ipv6Addr::UNSPECIFIED,
            Ipv6Addr::LOCALHOST,
            "::ffff:10.0.0.1".parse().unwrap(),
            "::ffff:0.0.0.0".parse().unwrap(),
            "::10.0.0.1".parse().unwrap(),
            "64:ff9b::192.0.2.33".parse().unwrap(),
            "fe80::1".parse().unwrap(),
            "2001:db8::".parse().unwrap(),
            "ff02::1:ff00:1".parse().unwrap(),
            "1:0:0:2:0:0:0:3".parse().unwrap(),
            "1:0:0:0:2:0:0:3".parse().unwrap(),
            "0:1:0:1:0:1:0:1".parse().unwrap(),
            "1:0:1:0:1:0:1:0".parse().unwrap(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff".parse().unwrap(),
            "0:0:0:0:0:ffff:0:1".parse().unwrap(),
            "0:0:0:0:ffff:0:0:1".parse().unwrap(),
            "0:0:0:0:0:fffe:102:304".parse().unwrap(),
        ] {
            check(a);
        }
        // Every pattern of zero and non-zero groups, with several values
        // for the non-zero ones (one to four hex digits).
        for mask in 0u32..256 {
            for v in [1u16, 0xa, 0x10, 0xff, 0x100, 0xabc, 0x1000, 0xffff] {
                let mut seg = [0u16; 8];
                for (i, g) in seg.iter_mut().enumerate() {
                    if mask & (1 << i) != 0 {
                        *g = v.rotate_left(i as u32 * 3) | 1;
                    }
                }
                check(Ipv6Addr::from(seg));
                // IPv4-mapped and IPv4-compatible shapes with this tail.
                check(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, seg[6], seg[7]));
                check(Ipv6Addr::new(0, 0, 0, 0, 0, 0, seg[6], seg[7]));
            }
        }
        for _ in 0..100_000 {
            let hi = r.next();
            let lo = r.next();
            let mut a = (u128::from(hi) << 64) | u128::from(lo);
            check(Ipv6Addr::from(a));
            // Zero some groups at random, so runs of zeros are common.
            let zeros = r.next();
            for i in 0..8 {
                if zeros & (1 << i) != 0 {
                    a &= !(0xffffu128 << (16 * i));
                }
            }
            check(Ipv6Addr::from(a));
        }
    }

    #[test]
    fn hex_groups_match_std() {
        for g in 0..=u16::MAX {
            for at in [0, 3, 7] {
                let mut seg = [1u16; 8];
                seg[at] = g;
                let a = Ipv6Addr::from(seg);
                assert_eq!(s(|b| ipv6(b, &a)), a.to_string());
            }
        }
    }

    #[test]
    fn mac_matches_display() {
        let mut r = Rng(3);
        for _ in 0..10_000 {
            let v = r.next().to_be_bytes();
            let m = [v[0], v[1], v[2], v[3], v[4], v[5]];
            assert_eq!(s(|b| mac(b, &m)), crate::dissect::Mac(m).to_string());
        }
        assert_eq!(s(|b| mac(b, &[0; 6])), "00:00:00:00:00:00");
    }
}

/// A small deterministic generator (xorshift) for the property tests, so
/// failures reproduce.
#[cfg(test)]
pub(crate) mod xorshift {
    pub(crate) struct Rng(pub u64);

    impl Rng {
        pub(crate) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }
}
