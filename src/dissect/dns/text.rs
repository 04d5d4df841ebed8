//! Text rendering the way tshark 4.0 does it (`format_text()` in
//! wsutil/str_util.c, used for every DNS name and string it displays).

use super::Flavor;
use std::fmt::Write as _;

/// Escape bytes for display exactly as tshark 4.0's `format_text()`:
///
/// * printable ASCII (0x20..=0x7e) is kept, including '.', '\\' and '"';
/// * other ASCII becomes a C escape: `\a \b \f \n \r \t \v`, otherwise
///   three-digit octal (`\000`, `\033`, `\177`);
/// * a UTF-8 sequence is decoded (without rejecting overlong forms, like
///   tshark): a printable character is kept, a non-printable one becomes
///   `\uXXXX` (or `\UXXXXXXXX` above U+FFFF), and a byte that does not start
///   or continue a sequence, a cut-short sequence, a surrogate or a value
///   above U+10FFFF becomes U+FFFD.
///
/// tshark asks GLib (`g_unichar_isprint`) whether a character is printable;
/// see [`is_printable`] for how closely that is reproduced.
pub fn format_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0usize;
    while i < bytes.len() {
        let c = bytes[i];
        i += 1;
        if (0x20..0x7f).contains(&c) {
            out.push(char::from(c));
            continue;
        }
        if c < 0x80 {
            out.push('\\');
            match c {
                0x07 => out.push('a'),
                0x08 => out.push('b'),
                0x0c => out.push('f'),
                0x0a => out.push('n'),
                0x0d => out.push('r'),
                0x09 => out.push('t'),
                0x0b => out.push('v'),
                _ => {
                    let _ = write!(out, "{:03o}", c);
                }
            }
            continue;
        }
        let (more, mut uc) = if c & 0xe0 == 0xc0 {
            (1, u32::from(c & 0x1f))
        } else if c & 0xf0 == 0xe0 {
            (2, u32::from(c & 0x0f))
        } else if c & 0xf8 == 0xf0 {
            (3, u32::from(c & 0x07))
        } else {
            out.push('\u{fffd}');
            continue;
        };
        let mut complete = true;
        for _ in 0..more {
            match bytes.get(i) {
                Some(&b) if b & 0xc0 == 0x80 => {
                    uc = (uc << 6) | u32::from(b & 0x3f);
                    i += 1;
                }
                // Not a continuation byte: it is examined again on its own.
                _ => {
                    complete = false;
                    break;
                }
            }
        }
        if !complete {
            out.push('\u{fffd}');
            continue;
        }
        match char::from_u32(uc) {
            None => out.push('\u{fffd}'),
            Some(ch) if is_printable(ch) => out.push(ch),
            Some(ch) => {
                let v = u32::from(ch);
                if v <= 0xffff {
                    let _ = write!(out, "\\u{v:04X}");
                } else {
                    let _ = write!(out, "\\U{v:08X}");
                }
            }
        }
    }
    out
}

/// GLib's `g_unichar_isprint`: everything except control (Cc), format (Cf),
/// unassigned (Cn) and surrogate (Cs) characters. Cc and Cf are listed in
/// full (Unicode 15); of the unassigned code points only the noncharacters
/// and the wholly unassigned planes 4 to 13 and tag-plane gaps are known here,
/// so a stray unassigned code point elsewhere is shown as-is where tshark
/// would escape it.
pub(super) fn is_printable(ch: char) -> bool {
    let c = u32::from(ch);
    let not_printable = matches!(c,
        // Cc
        0x00..=0x1f | 0x7f..=0x9f
        // Cf
        | 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2 | 0x180e
        | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff
        | 0xfff9..=0xfffb | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f
        // Cn: noncharacters and unassigned ranges
        | 0xfdd0..=0xfdef | 0x40000..=0xdffff | 0xe0000 | 0xe0002..=0xe001f
        | 0xe0080..=0xe00ff | 0xe01f0..=0xeffff
    ) || (c & 0xfffe) == 0xfffe;
    !not_printable
}

/// A TXT character-string as tshark shows it: unicast DNS and LLMNR decode it
/// as ASCII (each byte above 0x7f becomes U+FFFD), mDNS as UTF-8 (RFC 6763
/// §6.5; invalid sequences become U+FFFD), and the result is escaped with
/// [`format_text`].
pub(super) fn txt_text(bytes: &[u8], flavor: Flavor) -> String {
    let decoded: String = match flavor {
        Flavor::Mdns => String::from_utf8_lossy(bytes).into_owned(),
        Flavor::Dns | Flavor::Llmnr => {
            bytes.iter().map(|&b| if b < 0x80 { char::from(b) } else { '\u{fffd}' }).collect()
        }
    };
    format_text(decoded.as_bytes())
}

/// Lowercase hex, no separators.
pub(super) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Bytes as tshark displays an FT_BYTES field: hex, cut after 36 bytes with
/// an ellipsis, "<MISSING>" when empty.
pub(super) fn bytes_field(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "<MISSING>".to_string()
    } else if bytes.len() > 36 {
        format!("{}…", hex(&bytes[..36]))
    } else {
        hex(bytes)
    }
}

/// tshark's `unsigned_time_secs_to_str`: "0 seconds", "1 minute",
/// "1 day, 7 hours, 38 minutes, 28 seconds".
pub(super) fn time_secs(secs: u32) -> String {
    if secs == 0 {
        return "0 seconds".to_string();
    }
    let parts = [
        (secs / 86400, "day", "days"),
        ((secs / 3600) % 24, "hour", "hours"),
        ((secs / 60) % 60, "minute", "minutes"),
        (secs % 60, "second", "seconds"),
    ];
    parts
        .iter()
        .filter(|(n, _, _)| *n != 0)
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect::<Vec<_>>()
        .join(", ")
}

/// tshark's absolute time display for a UNIX time in seconds:
/// "Nov  4, 2019 05:27:50.000000000 UTC".
pub(super) fn utc_time(secs: u32) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = i64::from(secs / 86400);
    let rem = secs % 86400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    let month = MONTHS.get((m - 1) as usize).copied().unwrap_or("???");
    format!("{month} {d:>2}, {y} {:02}:{:02}:{:02}.000000000 UTC", rem / 3600, (rem / 60) % 60, rem % 60)
}

/// A bit-field line prefix as tshark draws it: the bits of `mask` from
/// `value` shown as 0/1, the other bits as '.', grouped by four, e.g.
/// ".000 0... .... ...." for the opcode of a 16-bit field.
pub(super) fn bits(value: u32, mask: u32, width: u32) -> String {
    let mut s = String::with_capacity(width as usize + width as usize / 4);
    for i in (0..width).rev() {
        let bit = 1u32 << i;
        s.push(if mask & bit == 0 {
            '.'
        } else if value & bit != 0 {
            '1'
        } else {
            '0'
        });
        if i % 4 == 0 && i != 0 {
            s.push(' ');
        }
    }
    s
}
