//! pcapng (draft-ietf-opsawg-pcapng): walking the blocks of a stream and decoding the ones
//! that matter for frames, plus the exact timestamp conversion shared with pcap.
//!
//! Every block's framing is checked first (total length at least 12, a multiple of 4, at most
//! 16 MiB, at least the block type's fixed part, equal to the trailer's), then the whole block
//! is buffered and decoded in place. Decoded: SHB (byte order, version: a new section with its
//! own interface numbering), IDB (link type, snaplen, `if_tsresol`, `if_tsoffset`, name,
//! description), and the packet blocks EPB, SPB and the obsolete PB. Every other block (NRB,
//! ISB, DSB, custom, unknown) is skipped by its length and counted. Packet-block options are
//! not parsed (libpcap does not parse them either), so reading allocates nothing per packet.

use super::file::Meta;
use super::{CaptureError, CaptureErrorKind, FileReader, Interface, LinkType, MAX_BLOCK_LEN, MAX_CAPLEN, Timestamp};

pub(super) const BT_SHB: u32 = 0x0A0D_0D0A;
pub(super) const BT_IDB: u32 = 0x0000_0001;
pub(super) const BT_PB: u32 = 0x0000_0002;
pub(super) const BT_SPB: u32 = 0x0000_0003;
pub(super) const BT_EPB: u32 = 0x0000_0006;

/// Byte-order magic of the SHB, as it reads in the section's own byte order.
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// Interface name/description bytes kept (bounded memory for files with many IDBs).
const MAX_NAME_LEN: usize = 256;

/// Interfaces kept across the whole file: bounds memory on a file made of IDBs.
const MAX_INTERFACES: usize = 1 << 16;

/// The current section, as far as reading packet blocks needs it.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct NgState {
    big_endian: bool,
    /// Index in `FileReader::interfaces` of the section's interface 0: interface ids in
    /// packet blocks are per section, `Frame::interface` is global.
    section_start: usize,
}

/// Where [`FileReader::next_block`] stopped.
pub(super) enum Step {
    End,
    /// A packet block's header is at the front of the buffer (only when asked to stop there).
    AtPacket,
    /// A whole packet block of this length is at the front of the buffer.
    Packet(usize, PacketBlock),
}

#[inline]
pub(super) fn rd16(d: &[u8], at: usize, be: bool) -> u16 {
    let b = [d[at], d[at + 1]];
    if be { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) }
}

#[inline]
pub(super) fn rd32(d: &[u8], at: usize, be: bool) -> u32 {
    let b = [d[at], d[at + 1], d[at + 2], d[at + 3]];
    if be { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
}

#[inline]
fn rd64(d: &[u8], at: usize, be: bool) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[at..at + 8]);
    if be { u64::from_be_bytes(b) } else { u64::from_le_bytes(b) }
}

/// Byte order announced by an SHB's byte-order magic (bytes 8..12 of the block):
/// `Some(true)` for big-endian, `None` if it is neither order.
pub(super) fn shb_big_endian(block_start: &[u8]) -> Option<bool> {
    match rd32(block_start, 8, false) {
        BYTE_ORDER_MAGIC => Some(false),
        m if m == BYTE_ORDER_MAGIC.swap_bytes() => Some(true),
        _ => None,
    }
}

/// Smallest total length of each block type we decode: header (8) + fixed part + trailer (4).
fn min_block_len(block_type: u32) -> u32 {
    match block_type {
        BT_SHB => 28, // BOM, version, section length
        BT_IDB => 20, // link type, reserved, snaplen
        BT_EPB | BT_PB => 32,
        BT_SPB => 16,
        _ => 12,
    }
}

/// Checks a block's total length as libpcap's `read_block` does (>= 12, multiple of 4, not
/// above the maximum block size), plus the fixed part of the types we decode.
pub(super) fn check_block_len(block_type: u32, len: u32) -> Result<(), &'static str> {
    if len < 12 {
        Err("shorter than a block header and trailer (12 bytes)")
    } else if len % 4 != 0 {
        Err("not a multiple of 4")
    } else if len > MAX_BLOCK_LEN {
        Err("larger than the 16 MiB maximum block size")
    } else if len < min_block_len(block_type) {
        Err("too short for the fixed fields of this block type")
    } else {
        Ok(())
    }
}

/// SHB versions accepted: 1.0, and 1.2, which libpcap and Wireshark treat as 1.0 (some writers
/// emitted it; the pcapng draft says readers should accept it). libpcap rejects the rest,
/// e.g. 0.1 and 1.1 (lp_pcapng-invalid-vers-*.pcapng), and so do we.
pub(super) fn shb_version(block: &[u8], be: bool) -> Result<(u16, u16), CaptureErrorKind> {
    let major = rd16(block, 12, be);
    let minor = rd16(block, 14, be);
    if major == 1 && (minor == 0 || minor == 2) {
        Ok((major, minor))
    } else {
        Err(CaptureErrorKind::UnsupportedVersion { major, minor })
    }
}

/// The fields of an Interface Description Block that we keep.
#[derive(Debug)]
pub(super) struct Idb {
    pub link: u16,
    pub snaplen: u32,
    pub ts_units_per_sec: u64,
    pub ts_offset_secs: i64,
    pub name: Option<String>,
    pub description: Option<String>,
}

fn option_string(v: &[u8]) -> String {
    // Strings are UTF-8, not NUL-terminated, but some writers add NULs: drop them.
    let end = v.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let mut s = String::from_utf8_lossy(&v[..end.min(MAX_NAME_LEN)]).into_owned();
    // Cutting at MAX_NAME_LEN may split a character; lossy decoding then ends in U+FFFD.
    s.truncate(MAX_NAME_LEN);
    s
}

/// Decodes an IDB (whole block, framing already checked). Option rules follow libpcap's
/// `process_idb_options`: an option overrunning the block, an `if_tsresol` whose length is
/// not 1, that is repeated or that does not fit 64 bits (10^-20 or finer, 2^-64 or finer),
/// and an `if_tsoffset` whose length is not 8 or that is repeated, make the file unreadable.
pub(super) fn parse_idb(block: &[u8], be: bool) -> Result<Idb, String> {
    let mut idb = Idb {
        link: rd16(block, 8, be),
        snaplen: rd32(block, 12, be),
        ts_units_per_sec: 1_000_000, // default if_tsresol is 6: microseconds
        ts_offset_secs: 0,
        name: None,
        description: None,
    };
    let (mut saw_resol, mut saw_offset) = (false, false);
    let end = block.len() - 4;
    let mut at = 16;
    while at < end {
        if end - at < 4 {
            return Err("interface description block: option header cut short".into());
        }
        let code = rd16(block, at, be);
        let len = rd16(block, at + 2, be) as usize;
        let padded = (len + 3) & !3;
        if end - at - 4 < padded {
            return Err(format!("interface description block: option {code} of length {len} overruns the block"));
        }
        let v = &block[at + 4..at + 4 + len];
        at += 4 + padded;
        match code {
            0 => break, // opt_endofopt
            2 => idb.name = Some(option_string(v)),
            3 => idb.description = Some(option_string(v)),
            9 => {
                if len != 1 {
                    return Err(format!("if_tsresol option has length {len} != 1"));
                }
                if saw_resol {
                    return Err("interface description block has more than one if_tsresol".into());
                }
                saw_resol = true;
                idb.ts_units_per_sec = tsresol_units(v[0])
                    .ok_or_else(|| format!("if_tsresol 0x{:02x} is too fine for 64-bit timestamps", v[0]))?;
            }
            14 => {
                if len != 8 {
                    return Err(format!("if_tsoffset option has length {len} != 8"));
                }
                if saw_offset {
                    return Err("interface description block has more than one if_tsoffset".into());
                }
                saw_offset = true;
                idb.ts_offset_secs = rd64(v, 0, be) as i64;
            }
            _ => {}
        }
    }
    Ok(idb)
}

/// Units per second for an `if_tsresol` value: bit 7 clear means 10^-v s, set means
/// 2^-(v & 0x7f) s (pcapng, "if_tsresol"). `None` when that does not fit in a u64.
pub(super) fn tsresol_units(v: u8) -> Option<u64> {
    if v & 0x80 != 0 {
        let shift = u32::from(v & 0x7f);
        (shift <= 63).then(|| 1u64 << shift)
    } else {
        10u64.checked_pow(u32::from(v))
    }
}

/// What a packet block says, before the interface is looked up.
#[derive(Debug, Clone, Copy)]
pub(super) struct PacketBlock {
    /// Interface id within the section (always 0 for an SPB).
    pub if_id: u32,
    /// Raw 64-bit timestamp in interface units; `None` for an SPB, which has none.
    pub ts: Option<u64>,
    /// Captured length; `None` for an SPB (depends on the interface's snaplen).
    pub caplen: Option<u32>,
    pub orig_len: u32,
    /// Offset of the packet data within the block.
    pub data_start: usize,
    /// Bytes available for packet data in the block (before options and trailer).
    pub data_room: usize,
}

/// Decodes the fixed part of an EPB, PB or SPB (whole block, framing already checked).
pub(super) fn parse_packet_block(block: &[u8], block_type: u32, be: bool) -> Result<PacketBlock, CaptureErrorKind> {
    let room_after = |start: usize| block.len() - 4 - start;
    if block_type == BT_SPB {
        // SPB: original length, then data padded to 32 bits. No interface id (it is
        // interface 0), no timestamp, no captured length.
        return Ok(PacketBlock {
            if_id: 0,
            ts: None,
            caplen: None,
            orig_len: rd32(block, 8, be),
            data_start: 12,
            data_room: room_after(12),
        });
    }
    let (if_id, what) = if block_type == BT_PB {
        // Obsolete Packet Block: 16-bit interface id followed by a 16-bit drops count.
        (u32::from(rd16(block, 8, be)), "packet block")
    } else {
        (rd32(block, 8, be), "enhanced packet block")
    };
    let ts = (u64::from(rd32(block, 12, be)) << 32) | u64::from(rd32(block, 16, be));
    let caplen = rd32(block, 20, be);
    let orig_len = rd32(block, 24, be);
    if caplen > super::MAX_CAPLEN {
        return Err(CaptureErrorKind::CapLenTooLarge { caplen, limit: super::MAX_CAPLEN });
    }
    let room = room_after(28);
    if caplen as usize > room {
        return Err(CaptureErrorKind::Malformed(format!(
            "{what}: captured length {caplen} does not fit in a block of {} bytes",
            block.len()
        )));
    }
    Ok(PacketBlock { if_id, ts: Some(ts), caplen: Some(caplen), orig_len, data_start: 28, data_room: room })
}

/// Converts a timestamp counted in `1/units_per_sec` seconds, plus an offset in seconds, to
/// [`Timestamp`], exactly: secs = ts / R, nanos = (ts % R) * 1e9 / R (rounded down), done in
/// integers wide enough never to overflow; the seconds saturate at the `i64` range.
#[inline]
pub(super) fn ts_from_units(ts: u64, units_per_sec: u64, offset_secs: i64) -> Timestamp {
    let r = units_per_sec.max(1);
    let whole = ts / r;
    let frac = ts % r;
    let nanos = match r {
        1_000_000 => frac * 1_000,
        1_000_000_000 => frac,
        // frac < r, so frac * 1e9 fits a u64 whenever r <= u64::MAX / 1e9.
        _ if r <= u64::MAX / 1_000_000_000 => frac * 1_000_000_000 / r,
        _ => (u128::from(frac) * 1_000_000_000 / u128::from(r)) as u64,
    } as u32;
    let secs = (i128::from(whole) + i128::from(offset_secs)).clamp(i64::MIN as i128, i64::MAX as i128);
    Timestamp { secs: secs as i64, nanos }
}

impl FileReader {
    /// The next packet block's frame, walking and consuming the blocks before it.
    pub(super) fn next_pcapng(&mut self) -> Result<Option<Meta>, CaptureError> {
        let (len, pkt) = match self.next_block(false)? {
            Step::Packet(len, pkt) => (len, pkt),
            Step::End | Step::AtPacket => return Ok(None),
        };
        let st = self.ng;
        let global = st.section_start + pkt.if_id as usize;
        let Some(iface) = self.interfaces.get(global) else {
            let defined = self.interfaces.len() - st.section_start;
            return Err(self.error(CaptureErrorKind::Malformed(format!(
                "packet block refers to interface {}, but its section has {defined} interface(s)",
                pkt.if_id
            ))));
        };
        let (link, snaplen, units, offset) = (iface.link, iface.snaplen, iface.ts_units_per_sec, iface.ts_offset_secs);
        let caplen = match pkt.caplen {
            Some(c) => c,
            None => {
                // SPB (pcapng, "Simple Packet Block"): the captured length is the original
                // length cut to the interface's snaplen (0: none) and to the block's data.
                let mut c = pkt.orig_len.min(u32::try_from(pkt.data_room).unwrap_or(u32::MAX));
                if snaplen != 0 {
                    c = c.min(snaplen);
                }
                if c > MAX_CAPLEN {
                    return Err(self.error(CaptureErrorKind::CapLenTooLarge { caplen: c, limit: MAX_CAPLEN }));
                }
                c
            }
        };
        // Like Wireshark, keep a frame longer than its interface's snaplen (libpcap refuses
        // it), and one longer than its original length, with a warning.
        let n = self.stats.frames + 1;
        if snaplen != 0 && caplen > snaplen {
            self.warn(|| format!("packet {n}: captured length {caplen} exceeds snaplen {snaplen}"));
        }
        if caplen > pkt.orig_len {
            let orig = pkt.orig_len;
            self.warn(|| format!("packet {n}: captured length {caplen} exceeds original length {orig}"));
        }
        // SPBs have no timestamp: like libpcap we report 0 (tshark shows none).
        let ts = pkt.ts.map_or(Timestamp::default(), |t| ts_from_units(t, units, offset));
        Ok(Some(Meta {
            ts,
            link,
            interface: u32::try_from(global).unwrap_or(u32::MAX),
            orig_len: pkt.orig_len,
            start: pkt.data_start,
            caplen: caplen as usize,
            record_len: len,
        }))
    }

    /// Processes and consumes blocks up to the next packet block, which is left in the
    /// buffer: whole and decoded, or, with `stop_at_packet`, as soon as its type is known.
    pub(super) fn next_block(&mut self, stop_at_packet: bool) -> Result<Step, CaptureError> {
        loop {
            let have = self.fill(8)?;
            if have == 0 {
                return Ok(Step::End);
            }
            if have < 8 {
                return Err(self.truncated(8, have));
            }
            // An SHB's type reads the same in both byte orders; its byte-order magic says how
            // to read its length and the rest of its section.
            let mut be = self.ng.big_endian;
            if rd32(self.buf.data(), 0, be) == BT_SHB {
                let have = self.fill(12)?;
                if have < 12 {
                    return Err(self.truncated(12, have));
                }
                be = shb_big_endian(self.buf.data()).ok_or_else(|| {
                    self.error(CaptureErrorKind::Malformed("section header block has a bad byte-order magic".into()))
                })?;
            }
            let block_type = rd32(self.buf.data(), 0, be);
            let len = rd32(self.buf.data(), 4, be);
            check_block_len(block_type, len)
                .map_err(|reason| self.error(CaptureErrorKind::BadBlockLength { block_type, length: len, reason }))?;
            let is_packet = matches!(block_type, BT_EPB | BT_PB | BT_SPB);
            if is_packet && stop_at_packet {
                return Ok(Step::AtPacket);
            }
            let n = len as usize;
            let have = self.fill(n)?;
            if have < n {
                return Err(self.truncated(n, have));
            }
            let block = &self.buf.data()[..n];
            if rd32(block, n - 4, be) != len {
                return Err(self.error(CaptureErrorKind::BadBlockLength {
                    block_type,
                    length: len,
                    reason: "the lengths in the block header and trailer differ",
                }));
            }
            match block_type {
                _ if is_packet => {
                    let pkt = parse_packet_block(block, block_type, be).map_err(|k| self.error(k))?;
                    return Ok(Step::Packet(n, pkt));
                }
                BT_SHB => {
                    shb_version(block, be).map_err(|k| self.error(k))?;
                    self.ng = NgState { big_endian: be, section_start: self.interfaces.len() };
                    self.stats.sections += 1;
                }
                BT_IDB => {
                    let idb = parse_idb(block, be).map_err(|m| self.error(CaptureErrorKind::Malformed(m)))?;
                    if self.interfaces.len() >= MAX_INTERFACES {
                        let msg = format!("more than {MAX_INTERFACES} interfaces in the file");
                        return Err(self.error(CaptureErrorKind::Malformed(msg)));
                    }
                    self.interfaces.push(Interface {
                        link: LinkType(u32::from(idb.link)),
                        snaplen: idb.snaplen,
                        ts_units_per_sec: idb.ts_units_per_sec,
                        ts_offset_secs: idb.ts_offset_secs,
                        name: idb.name,
                        description: idb.description,
                        section: self.stats.sections.saturating_sub(1),
                    });
                }
                // NRB, ISB, DSB, custom, systemd journal, unknown: skipped by their length.
                _ => self.stats.skipped_blocks += 1,
            }
            self.advance(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions() {
        assert_eq!(tsresol_units(6), Some(1_000_000));
        assert_eq!(tsresol_units(9), Some(1_000_000_000));
        assert_eq!(tsresol_units(19), Some(10_000_000_000_000_000_000));
        assert_eq!(tsresol_units(20), None);
        assert_eq!(tsresol_units(0x80 | 10), Some(1024));
        assert_eq!(tsresol_units(0x80 | 63), Some(1 << 63));
        assert_eq!(tsresol_units(0x80 | 64), None);
    }

    #[test]
    fn exact_conversion() {
        assert_eq!(ts_from_units(1_500_000, 1_000_000, 0), Timestamp { secs: 1, nanos: 500_000_000 });
        // 2^-10 units: 5.5 s exactly
        assert_eq!(ts_from_units(1024 * 5 + 512, 1024, 0), Timestamp { secs: 5, nanos: 500_000_000 });
        // 2^-32 units: one unit is 0.23283064365 ns, rounded down
        assert_eq!(ts_from_units((7 << 32) | 1, 1 << 32, 0), Timestamp { secs: 7, nanos: 0 });
        assert_eq!(ts_from_units((7 << 32) | 5, 1 << 32, 0), Timestamp { secs: 7, nanos: 1 });
        // 10^-19 and 2^-63 units, maximal fractions: no overflow
        let r19 = 10_000_000_000_000_000_000u64;
        assert_eq!(ts_from_units(r19 - 1, r19, 0), Timestamp { secs: 0, nanos: 999_999_999 });
        assert_eq!(ts_from_units(u64::MAX, 1 << 63, 0), Timestamp { secs: 1, nanos: 999_999_999 });
        // seconds resolution at the top of the range saturates instead of wrapping
        assert_eq!(ts_from_units(u64::MAX, 1, 0).secs, i64::MAX);
        assert_eq!(ts_from_units(10, 1, i64::MIN).secs, i64::MIN + 10);
        assert_eq!(ts_from_units(0, 1_000_000, -5), Timestamp { secs: -5, nanos: 0 });
    }

    #[test]
    fn block_lengths() {
        assert!(check_block_len(BT_EPB, 32).is_ok());
        assert!(check_block_len(BT_EPB, 28).is_err());
        assert!(check_block_len(0x0BAD, 12).is_ok());
        assert!(check_block_len(0x0BAD, 8).is_err());
        assert!(check_block_len(0x0BAD, 30).is_err());
        assert!(check_block_len(0x0BAD, MAX_BLOCK_LEN + 4).is_err());
    }
}
