//! The hex and ASCII dump of `wirelens packets -x`, byte for byte as
//! `tshark -x` prints it.
//!
//! Owns: the dump layout only (pure functions over bytes; no wirelens type).
//! Each line is the offset in lower-case hex (4 digits, more when the data
//! needs them), two spaces, 16 bytes as two hex digits each followed by one
//! space (no gap between the groups of 8), two more spaces, and the bytes as
//! ASCII with anything outside 0x20..=0x7e shown as '.'; the last line's hex
//! column is padded so its ASCII column lines up. tshark separates frames
//! with an empty line; that separator is the caller's.

use std::fmt::Write;

/// The dump of `data`, one line per 16 bytes, each ending in '\n'.
/// Empty data gives an empty string.
pub fn hexdump(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(16) * 80);
    dump_into(&mut out, data);
    out
}

/// tshark's dump of a frame with data sources besides the frame itself
/// (e.g. ("Reassembled IPv4", bytes)): each source under a
/// "NAME (N bytes):" header line, the frame first as "Frame". Without extra
/// sources it is exactly `hexdump(frame)`.
pub fn hexdump_sources(frame: &[u8], extra: &[(&str, &[u8])]) -> String {
    if extra.is_empty() {
        return hexdump(frame);
    }
    let mut out = String::new();
    for (name, bytes) in std::iter::once(("Frame", frame)).chain(extra.iter().copied()) {
        let _ = writeln!(out, "{name} ({} bytes):", bytes.len());
        dump_into(&mut out, bytes);
    }
    out
}

/// Offset digits: at least 4, and as many as the last offset needs
/// (tshark's print.c rule).
fn offset_digits(len: usize) -> usize {
    let last = len.saturating_sub(1);
    let mut digits = 4;
    while digits < 16 && (last >> (4 * digits)) != 0 {
        digits += 1;
    }
    digits
}

fn dump_into(out: &mut String, data: &[u8]) {
    let width = offset_digits(data.len());
    for (i, line) in data.chunks(16).enumerate() {
        let _ = write!(out, "{:0width$x}  ", i * 16);
        for b in line {
            let _ = write!(out, "{b:02x} ");
        }
        for _ in line.len()..16 {
            out.push_str("   ");
        }
        out.push_str("  ");
        out.extend(line.iter().map(|&b| if (0x20..=0x7e).contains(&b) { char::from(b) } else { '.' }));
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_partial_lines_match_tshark() {
        let d: Vec<u8> = [
            0x00, 0x11, 0x22, 0x33, 0x44, 0x66, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x08, 0x00, 0x45, 0x00, 0x0b, 0x13,
        ]
        .to_vec();
        let s = hexdump(&d);
        assert_eq!(
            s,
            "0000  00 11 22 33 44 66 00 11 22 33 44 55 08 00 45 00   ..\"3Df..\"3DU..E.\n\
             0010  0b 13                                             ..\n"
        );
    }

    #[test]
    fn ascii_column_bounds() {
        let s = hexdump(&[0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff]);
        assert!(s.ends_with("   . ~...\n"), "{s:?}");
    }

    #[test]
    fn offsets_widen_past_64k() {
        assert_eq!(hexdump(&[]), "");
        assert_eq!(offset_digits(1), 4);
        assert_eq!(offset_digits(0x10000), 4);
        assert_eq!(offset_digits(0x10001), 5);
        let s = hexdump(&vec![0u8; 80054]);
        assert!(s.starts_with("00000  00"));
        assert!(s.ends_with("138b0  00 00 00 00 00 00                                 ......\n"));
    }

    #[test]
    fn sources_have_headers() {
        assert_eq!(hexdump_sources(&[1], &[]), hexdump(&[1]));
        let s = hexdump_sources(&[0x41], &[("Reassembled IPv4", &[0x42, 0x43])]);
        assert_eq!(
            s,
            "Frame (1 bytes):\n0000  41                                                A\n\
             Reassembled IPv4 (2 bytes):\n0000  42 43                                             BC\n"
        );
    }

    /// Byte-for-byte against `tshark -x` on the corpus when both are available.
    #[test]
    fn matches_tshark_on_corpus() {
        for name in ["td_dns_udp.pcap", "zk_tcp-option-sack.pcap", "zk_q-in-q.pcap", "zk_linux_dlt_sll2.pcap"] {
            let path = crate::testutil::capture(name);
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Ok(out) = std::process::Command::new("tshark").args(["-x", "-r"]).arg(&path).output() else {
                continue;
            };
            let expected = String::from_utf8_lossy(&out.stdout).into_owned();
            let mut mine = String::new();
            let mut at = 24;
            while let Some(rec) = bytes.get(at..at + 16) {
                let caplen = u32::from_le_bytes([rec[8], rec[9], rec[10], rec[11]]) as usize;
                let Some(frame) = bytes.get(at + 16..at + 16 + caplen) else {
                    break;
                };
                mine.push_str(&hexdump(frame));
                mine.push('\n');
                at += 16 + caplen;
            }
            assert_eq!(mine, expected, "{name}");
        }
    }
}
