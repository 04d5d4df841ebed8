//! Capture layer: turns capture files into a stream of link-layer [`Frame`]s.
//!
//! This module owns everything between "a path (or stdin)" and "frame bytes with a timestamp":
//! detecting the container (gzip, by its magic `1f 8b`, never by file name), detecting the file
//! format (pcap in both byte orders with micro-, nanosecond and "modified" record headers;
//! pcapng with any number of sections, interfaces, byte orders and timestamp resolutions),
//! validating records the way libpcap and Wireshark do, converting timestamps exactly to
//! nanoseconds, and reporting errors with the file, the packet number and the byte offset.
//!
//! It must NOT know what is inside a frame: no dissection, no flows, no output formatting.
//! A frame's [`LinkType`] is passed through as a number; interpreting it is the dissector's job.
//! Live capture ([`live::LiveSource`], through libpcap) implements the same [`PacketSource`] trait.
//!
//! Specifications followed: pcap is draft-ietf-opsawg-pcap ("pcap" below), pcapng is
//! draft-ietf-opsawg-pcapng ("pcapng" below). Where the drafts leave room, we follow libpcap
//! (`sf-pcap.c`, `sf-pcapng.c`) and say so where it matters.
//!
//! Files: `file.rs` ([`FileReader`]: opening, format detection, pcap records), `pcapng.rs`
//! (pcapng blocks), `stream.rs` (the read buffer, on pcap-parser's streaming readers),
//! `live.rs` and `live/` (interfaces: listing them, capturing from one or several at once),
//! `save.rs` (writing live packets to pcap or pcapng with `-w`).
//!
//! Edge cases, decided here once for every consumer:
//! - pcap versions 2.0 to 2.4 and 543.0 are read (with libpcap's length swap for < 2.3);
//!   others are [`CaptureErrorKind::UnsupportedVersion`], including 2.5, as libpcap does
//!   (tshark reads 2.5). pcapng versions 1.0 and 1.2 are read, others refused (libpcap).
//! - pcap linktype field with reserved bits (0x03FF0000) set: refused, as by libpcap and
//!   tshark; the FCS-length bits are ignored; the link type is the low 16 bits.
//! - "Modified" (Kuznetzov, magic a1b2cd34) pcap is read little-endian (pcap-parser's
//!   support); the big-endian variant is a clear `Malformed` error.
//! - Captured length above [`MAX_CAPLEN`]: [`CaptureErrorKind::CapLenTooLarge`]. Above the
//!   snaplen or the original length but within the maximum: the frame is yielded whole and a
//!   warning recorded (Wireshark keeps such frames; libpcap cuts or refuses them).
//! - pcap timestamp fraction out of range (µs >= 1e6, ns >= 1e9): carried into the seconds,
//!   with a warning. Timestamps are computed in integers: exact to the nanosecond (rounded
//!   down), 64-bit pcapng timestamps past 2106 included, seconds saturating, never wrapping.
//! - pcapng Simple Packet Blocks have no timestamp: they get 0, as in libpcap.
//! - [`Frame::interface`] is global across pcapng sections (see [`FileReader::interfaces`]).
//! - After an error, or at the end, a reader only returns `Ok(None)`.

pub mod ahead;
pub mod file;
pub mod live;
pub mod map;
mod pcapng;
pub mod pool;
pub mod routed;
pub mod save;
mod stream;

pub use ahead::ReadAhead;
pub use file::FileReader;
pub use live::LiveSource;

use std::fmt;

/// Largest captured length accepted for one packet: libpcap's `MAXIMUM_SNAPLEN` (262144).
/// libpcap and Wireshark both reject a record whose captured length exceeds it (for the link
/// types this analyser handles) as a sign of a damaged or fuzzed file.
pub const MAX_CAPLEN: u32 = 262_144;

/// Largest pcapng block accepted: libpcap's `INITIAL_MAX_BLOCKSIZE` (16 MiB). A block claiming
/// more is reported as [`CaptureErrorKind::BadBlockLength`] instead of being buffered.
pub const MAX_BLOCK_LEN: u32 = 16 * 1024 * 1024;

/// A link-layer header type (the `LINKTYPE_*` registry shared by pcap and pcapng).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

impl LinkType {
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    /// DLT_RAW as numbered on most BSDs/Linux; files should use [`LinkType::RAW`] (101).
    pub const RAW_12: LinkType = LinkType(12);
    /// DLT_RAW as numbered on OpenBSD.
    pub const RAW_14: LinkType = LinkType(14);
    pub const RAW: LinkType = LinkType(101);
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const NFLOG: LinkType = LinkType(239);
    pub const LINUX_SLL2: LinkType = LinkType(276);

    /// Short description as tshark/capinfos print it ("File encapsulation"), or "Unknown".
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "NULL/Loopback",
            1 => "Ethernet",
            12 | 14 | 101 => "Raw IP",
            108 => "OpenBSD loopback",
            113 => "Linux cooked-mode capture v1",
            276 => "Linux cooked-mode capture v2",
            228 => "IPv4",
            229 => "IPv6",
            239 => "NFLOG",
            _ => "Unknown",
        }
    }

    /// libpcap's DLT name (as `tcpdump -L` / `pcap_datalink_val_to_name` print it), or "UNKNOWN".
    pub fn dlt_name(self) -> &'static str {
        match self.0 {
            0 => "NULL",
            1 => "EN10MB",
            12 | 14 | 101 => "RAW",
            108 => "LOOP",
            113 => "LINUX_SLL",
            276 => "LINUX_SLL2",
            228 => "IPV4",
            229 => "IPV6",
            239 => "NFLOG",
            _ => "UNKNOWN",
        }
    }
}

/// Packet time: seconds and nanoseconds since the Unix epoch (UTC). Ordered.
///
/// Invariant: `nanos < 1_000_000_000`. Readers normalise out-of-range fractions by carrying
/// into `secs` (a microsecond pcap record with `ts_usec = 1_000_000` is one second later), which
/// is the value tshark shows for such records (it prints `...370.1000000000`, i.e. `...371.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    /// Builds a timestamp, carrying `nanos >= 1e9` into `secs` (saturating at `i64::MAX`).
    pub const fn new(secs: i64, nanos: u32) -> Timestamp {
        Timestamp { secs: secs.saturating_add((nanos / 1_000_000_000) as i64), nanos: nanos % 1_000_000_000 }
    }

    /// `self - earlier` in nanoseconds, saturating at the `i64` range (about ±292 years).
    pub fn nanos_since(self, earlier: Timestamp) -> i64 {
        let d =
            (self.secs as i128 - earlier.secs as i128) * 1_000_000_000 + (self.nanos as i128 - earlier.nanos as i128);
        d.clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }

    /// Seconds since the epoch as a float (loses sub-microsecond precision for current dates:
    /// use the integer fields when exactness matters).
    pub fn as_secs_f64(self) -> f64 {
        self.secs as f64 + self.nanos as f64 / 1e9
    }
}

/// One captured frame, borrowed from the reader's buffer until the next call.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// 1-based; counts every packet record the reader yielded.
    pub number: u64,
    pub ts: Timestamp,
    /// Link type of the frame's interface (per interface in pcapng).
    pub link: LinkType,
    /// Index into [`FileReader::interfaces`]: global across the file (section k's interfaces
    /// come after section k-1's), although pcapng numbers interfaces per section. 0 for pcap.
    /// Live: the interface's place in the `-i` list ([`LiveSource::interfaces`]).
    pub interface: u32,
    /// Length of the packet on the wire.
    pub orig_len: u32,
    /// Captured bytes (caplen = `data.len()`).
    pub data: &'a [u8],
    /// Byte offset of this record's header in the (decompressed) stream.
    pub offset: u64,
}

/// What [`PacketSource::next`] hands out.
#[derive(Debug)]
pub enum Next<'a> {
    Frame(Frame<'a>),
    /// A live source waited a while (at most `live::POLL_MS`) and nothing
    /// arrived: the caller may redraw a view. Files never say this.
    Idle,
    /// The end: of the file, or of a live capture that was asked to stop.
    End,
}

/// Anything that yields frames: capture files and live interfaces.
pub trait PacketSource {
    /// The next frame, `Ok(None)` at the end. After an error the source is finished and
    /// returns `Ok(None)` from then on. A live source waits here until a frame arrives.
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError>;

    /// As [`next_frame`](Self::next_frame), but a live source returns
    /// [`Next::Idle`] instead of waiting on, so that a caller showing a live
    /// view can refresh it on a quiet interface.
    fn next(&mut self) -> Result<Next<'_>, CaptureError> {
        Ok(match self.next_frame()? {
            Some(f) => Next::Frame(f),
            None => Next::End,
        })
    }

    /// A live capture's counters so far (kernel drops and all); `None` for files.
    fn live_stats(&mut self) -> Option<live::LiveStats> {
        None
    }
}

/// The container format of a capture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileFormat {
    /// Classic libpcap format. `modified` is Alexey Kuznetzov's patched format (magic
    /// `a1b2cd34`, 24-byte record headers).
    Pcap { big_endian: bool, nanosecond: bool, version: (u16, u16), modified: bool },
    /// pcapng; byte order and version of the first section (later sections may differ).
    PcapNg { big_endian: bool, version: (u16, u16) },
}

impl FileFormat {
    /// capinfos' "File type" plus byte order and timestamp resolution, e.g.
    /// `Wireshark/tcpdump/... - pcap (little-endian, microsecond)` or
    /// `Wireshark/... - pcapng (big-endian)`.
    pub fn describe(&self) -> String {
        let order = |be: bool| if be { "big-endian" } else { "little-endian" };
        match *self {
            FileFormat::Pcap { big_endian, nanosecond, modified, .. } => {
                let name = if modified {
                    "Modified tcpdump - pcap"
                } else if nanosecond {
                    "Wireshark/tcpdump/... - nanosecond pcap"
                } else {
                    "Wireshark/tcpdump/... - pcap"
                };
                let res = if nanosecond { "nanosecond" } else { "microsecond" };
                format!("{name} ({}, {res})", order(big_endian))
            }
            FileFormat::PcapNg { big_endian, .. } => {
                format!("Wireshark/... - pcapng ({})", order(big_endian))
            }
        }
    }

    /// "pcap" or "pcapng".
    pub fn short_name(&self) -> &'static str {
        match self {
            FileFormat::Pcap { .. } => "pcap",
            FileFormat::PcapNg { .. } => "pcapng",
        }
    }
}

/// A capture interface: the single implicit one of a pcap file, or one pcapng IDB.
#[derive(Debug, Clone)]
pub struct Interface {
    pub link: LinkType,
    /// As written in the file; 0 means "no limit".
    pub snaplen: u32,
    /// Timestamp units per second: from `if_tsresol` (power of 10 or of 2), 1_000_000 by
    /// default; 1_000_000_000 for a nanosecond pcap.
    pub ts_units_per_sec: u64,
    /// `if_tsoffset`: seconds added to every timestamp of this interface.
    pub ts_offset_secs: i64,
    /// `if_name` (at most 256 bytes kept).
    pub name: Option<String>,
    /// `if_description` (at most 256 bytes kept).
    pub description: Option<String>,
    /// 0-based index of the pcapng section the interface belongs to (0 for pcap).
    pub section: u32,
}

/// Counters kept while reading.
#[derive(Debug, Default, Clone)]
pub struct ReaderStats {
    /// Packet records yielded.
    pub frames: u64,
    /// Bytes of the (decompressed) capture stream consumed so far.
    pub bytes_read: u64,
    /// pcapng sections seen (a pcap file counts as one).
    pub sections: u32,
    /// pcapng blocks skipped by their length: NRB, ISB, DSB, custom, unknown ...
    pub skipped_blocks: u64,
    /// Non-fatal oddities, e.g. "packet 12: captured length 70000 exceeds snaplen 65535".
    /// Bounded: the first 100, then one "further warnings suppressed" line.
    pub warnings: Vec<String>,
}

/// An error while opening or reading a capture.
#[derive(Debug)]
pub struct CaptureError {
    /// The path given to `open` (`<stdin>` for "-"), or the name given to `from_reader`.
    pub path: String,
    /// Number the failing record would have had (frames read so far + 1); `None` for
    /// file-level errors detected while opening (bad magic, unreadable file, bad header).
    pub packet: Option<u64>,
    /// Byte offset (in the decompressed stream) of the record or header that failed.
    pub offset: u64,
    pub kind: CaptureErrorKind,
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path)?;
        if let Some(n) = self.packet {
            write!(f, "packet {n}: ")?;
        }
        write!(f, "{}", self.kind)?;
        // "at byte offset 0" says nothing for a file that cannot be opened or is empty.
        // Nor does any offset for a live interface, which has no bytes to count.
        let trivial = matches!(self.kind, CaptureErrorKind::Live(_))
            || (self.offset == 0
                && self.packet.is_none()
                && matches!(self.kind, CaptureErrorKind::Io(_) | CaptureErrorKind::Empty));
        if !trivial {
            write!(f, " (at byte offset {})", self.offset)?;
        }
        Ok(())
    }
}

/// No `source()`: the message already ends with the I/O error's own, and
/// an error chain printed whole (`{:#}`) would say it twice.
impl std::error::Error for CaptureError {}

/// What went wrong; see [`CaptureError`] for where.
#[derive(Debug, thiserror::Error)]
pub enum CaptureErrorKind {
    #[error("{0}")]
    Io(std::io::Error),
    #[error(
        "not a pcap or pcapng file (magic bytes {:02x} {:02x} {:02x} {:02x})",
        magic[0], magic[1], magic[2], magic[3]
    )]
    NotACapture { magic: [u8; 4] },
    #[error("the file is empty")]
    Empty,
    #[error("unsupported file format version {major}.{minor}")]
    UnsupportedVersion { major: u16, minor: u16 },
    #[error("the file ends inside a record: needed {needed} bytes, only {available} left")]
    TruncatedRecord { needed: u64, available: u64 },
    #[error("captured length {caplen} is bigger than the maximum of {limit}")]
    CapLenTooLarge { caplen: u32, limit: u32 },
    #[error("pcapng block of type 0x{block_type:08x} has a bad total length {length}: {reason}")]
    BadBlockLength { block_type: u32, length: u32, reason: &'static str },
    #[error("{0}")]
    Malformed(String),
    /// A live capture failed while running (the interface went down, a
    /// write to the `-w` file failed, ...).
    #[error("{0}")]
    Live(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_arithmetic() {
        let a = Timestamp { secs: 10, nanos: 900_000_000 };
        let b = Timestamp { secs: 12, nanos: 100_000_000 };
        assert_eq!(b.nanos_since(a), 1_200_000_000);
        assert_eq!(a.nanos_since(b), -1_200_000_000);
        let far = Timestamp { secs: i64::MAX, nanos: 999_999_999 };
        let early = Timestamp { secs: i64::MIN, nanos: 0 };
        assert_eq!(far.nanos_since(early), i64::MAX);
        assert_eq!(early.nanos_since(far), i64::MIN);
        assert!(a < b);
        assert_eq!(Timestamp::new(5, 2_500_000_000), Timestamp { secs: 7, nanos: 500_000_000 });
        assert!((b.as_secs_f64() - 12.1).abs() < 1e-9);
    }

    #[test]
    fn link_names() {
        assert_eq!(LinkType::ETHERNET.name(), "Ethernet");
        assert_eq!(LinkType::ETHERNET.dlt_name(), "EN10MB");
        assert_eq!(LinkType::RAW.dlt_name(), "RAW");
        assert_eq!(LinkType::LOOP.name(), "OpenBSD loopback");
        assert_eq!(LinkType(253).name(), "Unknown");
        assert_eq!(LinkType(253).dlt_name(), "UNKNOWN");
    }

    #[test]
    fn error_display() {
        let e = CaptureError {
            path: "x.pcap".into(),
            packet: Some(3),
            offset: 120,
            kind: CaptureErrorKind::NotACapture { magic: *b"<!DO" },
        };
        assert_eq!(
            e.to_string(),
            "x.pcap: packet 3: not a pcap or pcapng file (magic bytes 3c 21 44 4f) (at byte offset 120)"
        );
        let f = FileFormat::Pcap { big_endian: false, nanosecond: false, version: (2, 4), modified: false };
        assert!(f.describe().ends_with("pcap (little-endian, microsecond)"));
        let g = FileFormat::PcapNg { big_endian: true, version: (1, 0) };
        assert!(g.describe().ends_with("pcapng (big-endian)"));
    }
}
