//! Bounds-checked big-endian readers shared by the wire views.
//!
//! Every accessor returns `None` instead of panicking when the slice is too
//! short, so a view can be built on a snaplen-truncated frame and read as far
//! as the captured bytes go (smoltcp's `check_len` idea, applied per field).

#[inline]
pub fn u8_at(b: &[u8], at: usize) -> Option<u8> {
    b.get(at).copied()
}

#[inline]
pub fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

#[inline]
pub fn le16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

#[inline]
pub fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

#[inline]
pub fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

#[inline]
pub fn array<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// The Internet checksum (RFC 1071) of `data` added to a running sum; the
/// result is at most 0xffff plus `sum`'s excess, so callers may add a few
/// more 16-bit words before [`fold`].
///
/// Eight bytes at a time: RFC 1071 §2 (B) and (C), the sum is the same
/// whatever the word size, since 2^16 is 1 modulo 0xffff, and a 64-bit
/// accumulator holds the carries of any frame. (Two bytes at a time cost
/// 125 instructions for a 32-byte TCP header, and ten times that for a
/// full-sized segment.) A sum is zero only when every word is, whichever
/// way it is added, so the result is the one the 16-bit loop gave.
#[inline(always)]
pub fn ones_sum(sum: u32, data: &[u8]) -> u32 {
    let mut acc = u64::from(sum);
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_be_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        acc += (w >> 32) + (w & 0xffff_ffff);
    }
    let mut pairs = words.remainder().chunks_exact(2);
    for c in &mut pairs {
        acc += u64::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [b] = pairs.remainder() {
        acc += u64::from(*b) << 8;
    }
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u32
}

/// [`ones_sum`]`(0, h)` of a 20-byte header (IPv4 without options, nearly
/// every one): five 32-bit words and four folds, where the general loop
/// took two 8-byte words, two 16-bit ones and a loop of folds (about 15
/// instructions a packet more). Five words sum below 2^35: after the
/// first fold below 2^32 + 5, then 2^17 + 1, then 0x10002, then at most
/// 0xffff; each fold keeps the sum modulo 0xffff and never makes a nonzero
/// sum zero, so the result is `ones_sum`'s.
#[inline(always)]
pub fn ones_sum20(h: &[u8; 20]) -> u32 {
    let w = |i: usize| u64::from(u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]));
    fold_words(w(0) + w(4) + w(8) + w(12) + w(16))
}

/// A sum of at most eight 32-bit big-endian words folded as
/// [`ones_sum`] folds (below 2^35: see [`ones_sum20`]).
#[inline(always)]
pub fn fold_words(mut acc: u64) -> u32 {
    acc = (acc >> 32) + (acc & 0xffff_ffff);
    acc = (acc >> 16) + (acc & 0xffff);
    acc = (acc >> 16) + (acc & 0xffff);
    acc = (acc >> 16) + (acc & 0xffff);
    acc as u32
}

/// Folds a running one's-complement sum into the final 16-bit checksum.
pub fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_are_bounds_checked() {
        let b = [1u8, 2, 3];
        assert_eq!(be16(&b, 1), Some(0x0203));
        assert_eq!(be16(&b, 2), None);
        assert_eq!(be32(&b, 0), None);
        assert_eq!(be16(&b, usize::MAX), None);
    }

    /// The sum of 16-bit words, as RFC 1071 writes it, folded.
    fn by_pairs(sum: u32, data: &[u8]) -> u16 {
        let mut acc = u64::from(sum);
        for (i, b) in data.iter().enumerate() {
            acc += u64::from(*b) << if i % 2 == 0 { 8 } else { 0 };
        }
        while acc > 0xffff {
            acc = (acc & 0xffff) + (acc >> 16);
        }
        !(acc as u16)
    }

    #[test]
    fn eight_bytes_at_a_time_is_two_at_a_time() {
        let mut rng = crate::text::xorshift::Rng(0x1234_5678_9abc_def1);
        for len in (0..80).chain([1499, 1500, 9000, 65_535, 140_000]) {
            for fill in [None, Some(0u8), Some(0xff)] {
                let data: Vec<u8> = (0..len).map(|_| fill.unwrap_or(rng.next() as u8)).collect();
                let sum = (rng.next() % 0x3_0000) as u32;
                assert_eq!(fold(ones_sum(sum, &data)), by_pairs(sum, &data), "{len} {fill:?}");
                assert!(ones_sum(sum, &data) <= 0xffff);
            }
        }
    }

    #[test]
    fn twenty_bytes_as_five_words_is_the_general_sum() {
        let mut rng = crate::text::xorshift::Rng(0x0bad_cafe_f00d_1234);
        let mut cases: Vec<[u8; 20]> = vec![[0; 20], [0xff; 20], [0x80; 20]];
        let mut one = [0u8; 20];
        one[19] = 1;
        cases.push(one);
        for _ in 0..100_000 {
            let mut h = [0u8; 20];
            for b in &mut h {
                *b = rng.next() as u8;
            }
            cases.push(h);
        }
        for h in cases {
            assert_eq!(ones_sum20(&h), ones_sum(0, &h), "{h:02x?}");
        }
    }

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3 example bytes: sum 0xddf2, checksum !0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(ones_sum(0, &data)), !0xddf2);
    }
}
