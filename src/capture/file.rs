//! [`FileReader`]: frames from a pcap or pcapng file, a gzip of one, or stdin.
//!
//! Opening detects gzip (magic `1f 8b`, streamed through flate2's `MultiGzDecoder`) and then
//! the capture format from the first bytes, and checks the file header the way libpcap does.
//! Reading validates each record's framing before decoding it in place from the read buffer
//! (`stream.rs`); a yielded [`Frame`] borrows that buffer and the record is consumed at the
//! start of the next call (lending-iterator pattern). Nothing is allocated per packet.
//! pcap records are decoded here; pcapng blocks in `pcapng.rs`.
//!
//! Every damaged input ends in a precise [`CaptureErrorKind`] with the packet number and byte
//! offset: never a panic, an unbounded allocation, or a loop that does not advance.

use std::fs::File;
use std::io::{self, Read};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

use super::map::Map;
use super::pcapng::{self, BT_SHB, NgState, rd32};
use super::stream::{Buffered, read_up_to};
use super::{
    CaptureError, CaptureErrorKind, FileFormat, Frame, Interface, LinkType, MAX_CAPLEN, PacketSource, ReaderStats,
    Timestamp,
};

/// Warnings kept in [`ReaderStats::warnings`] before "further warnings suppressed".
const MAX_WARNINGS: usize = 100;

/// The linktype field's reserved bits (libpcap's `LT_RESERVED1`). The low 16 bits are the link
/// type, the top bits the FCS length (pcap, "LinkType and additional information").
const LT_RESERVED1: u32 = 0x03FF_0000;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// What follows the first bytes: the rest of a stream, or a mapped file
/// (whose first bytes are those bytes again).
enum Body {
    Stream(Box<dyn Read + Send>),
    Mapped(Arc<Map>),
}

/// How a pcap record header orders its two lengths (libpcap `sf-pcap.c`): they were swapped
/// before version 2.3, 2.3 files exist both ways, DG/UX tcpdump wrote 543.0 swapped.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Lengths {
    Normal,
    Swapped,
    MaybeSwapped,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct PcapState {
    big_endian: bool,
    /// Record header size: 16, or 24 for the modified format.
    header_len: usize,
    /// Fraction units per second: 1e6 or 1e9.
    frac_per_sec: u32,
    lengths: Lengths,
    /// Captured lengths above this draw a warning: the snaplen as libpcap adjusts it.
    snap_limit: u32,
    link: LinkType,
}

/// Everything about the next frame but its bytes, which stay in the buffer.
#[derive(Debug, Clone, Copy)]
pub(super) struct Meta {
    pub(super) ts: Timestamp,
    pub(super) link: LinkType,
    pub(super) interface: u32,
    pub(super) orig_len: u32,
    /// Packet data is `data()[start..start + caplen]`; the record is `record_len` bytes.
    pub(super) start: usize,
    pub(super) caplen: usize,
    pub(super) record_len: usize,
}

/// Reads frames from a capture file; see the module documentation.
pub struct FileReader {
    /// As given to `open` / `from_reader`.
    path: String,
    /// Used in errors (`<stdin>` for "-").
    pub(super) name: String,
    format: FileFormat,
    gzip: bool,
    pub(super) interfaces: Vec<Interface>,
    pub(super) stats: ReaderStats,
    warnings_seen: u64,
    pub(super) buf: Buffered,
    /// `Some` for pcap; pcapng keeps its state in `ng`.
    pcap: Option<PcapState>,
    pub(super) ng: NgState,
    /// Length of the record yielded last, consumed at the start of the next call.
    pending: usize,
    done: bool,
    /// A mapped pcap file's mapping: its plain records are read by
    /// [`FileReader::next_mapped`], straight from the bytes.
    mapped: Option<Arc<Map>>,
}

impl std::fmt::Debug for FileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileReader")
            .field("path", &self.path)
            .field("format", &self.format)
            .field("gzip", &self.gzip)
            .field("offset", &self.buf.offset())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

fn open_error(name: &str, offset: u64, kind: CaptureErrorKind) -> CaptureError {
    CaptureError { path: name.to_string(), packet: None, offset, kind }
}

impl FileReader {
    /// Opens a capture file; "-" reads stdin. A gzip-compressed file (magic `1f 8b`, whatever
    /// its name) is decompressed on the fly.
    pub fn open(path: &str) -> Result<FileReader, CaptureError> {
        if path == "-" {
            let mut r = FileReader::from_reader("<stdin>", Box::new(io::stdin()))?;
            r.path = path.to_string();
            return Ok(r);
        }
        let file = File::open(path).map_err(|e| open_error(path, 0, CaptureErrorKind::Io(e)))?;
        FileReader::from_reader(path, Box::new(file))
    }

    /// Opens a capture file as [`Self::open`] does, but maps a regular,
    /// uncompressed file into memory (see `map.rs`): its frames are slices of
    /// the mapping ([`Self::mapping`]), which a reader thread can deal to other
    /// threads by place instead of copying them. Anything else is read as a
    /// stream.
    pub fn open_mapped(path: &str) -> Result<FileReader, CaptureError> {
        if path == "-" {
            return FileReader::open(path);
        }
        let file = File::open(path).map_err(|e| open_error(path, 0, CaptureErrorKind::Io(e)))?;
        let map = match Map::of(&file, path) {
            Ok(Some(m)) if !m.bytes().starts_with(&GZIP_MAGIC) => m,
            // Not mappable (a pipe, empty) or compressed: the mapping did not
            // move the file's position, the stream starts at its first byte.
            _ => return FileReader::from_reader(path, Box::new(file)),
        };
        let head = map.bytes()[..map.bytes().len().min(24)].to_vec();
        FileReader::from_head(path, head, Body::Mapped(Arc::new(map)), false)
    }

    /// The mapping a reader opened by [`Self::open_mapped`] reads from: every
    /// frame it yields is a slice of its bytes.
    pub fn mapping(&self) -> Option<&Arc<Map>> {
        self.buf.mapping()
    }

    /// Reads a capture from any byte stream (tests, fuzzing, pipes); `name` is used in errors
    /// and returned by [`Self::path`].
    pub fn from_reader(name: &str, r: Box<dyn Read + Send>) -> Result<FileReader, CaptureError> {
        let io_err = |e| open_error(name, 0, CaptureErrorKind::Io(e));
        let mut inner = r;
        // 24 bytes: a whole pcap file header, or an SHB's type, length, BOM and version.
        let mut head = read_up_to(&mut inner, 24).map_err(io_err)?;
        let mut gzip = false;
        if head.starts_with(&GZIP_MAGIC) {
            gzip = true;
            inner = Box::new(MultiGzDecoder::new(io::Cursor::new(head).chain(inner)));
            head = read_up_to(&mut inner, 24).map_err(io_err)?;
        }
        FileReader::from_head(name, head, Body::Stream(inner), gzip)
    }

    /// Detects the format from the first (up to) 24 bytes of the stream, `head`.
    fn from_head(name: &str, head: Vec<u8>, body: Body, gzip: bool) -> Result<FileReader, CaptureError> {
        if head.is_empty() {
            return Err(open_error(name, 0, CaptureErrorKind::Empty));
        }
        let mut magic = [0u8; 4];
        let m = head.len().min(4);
        magic[..m].copy_from_slice(&head[..m]);
        // On disk: a1b2c3d4 (µs), a1b23c4d (ns), a1b2cd34 (modified), in either byte order.
        let pcap_magics: [[u8; 4]; 6] = [
            [0xd4, 0xc3, 0xb2, 0xa1],
            [0x4d, 0x3c, 0xb2, 0xa1],
            [0x34, 0xcd, 0xb2, 0xa1],
            [0xa1, 0xb2, 0xc3, 0xd4],
            [0xa1, 0xb2, 0x3c, 0x4d],
            [0xa1, 0xb2, 0xcd, 0x34],
        ];
        if head.len() < 4 {
            // 1 to 3 bytes: cut short if they begin a known magic, else not a capture.
            let known = pcap_magics.iter().chain([&PCAPNG_MAGIC]).any(|k| k.starts_with(&head));
            let kind = if known {
                CaptureErrorKind::TruncatedRecord { needed: 24, available: head.len() as u64 }
            } else {
                CaptureErrorKind::NotACapture { magic }
            };
            return Err(open_error(name, 0, kind));
        }
        if pcap_magics.contains(&magic) {
            FileReader::open_pcap(name, head, body, gzip)
        } else if magic == PCAPNG_MAGIC {
            FileReader::open_pcapng(name, head, body, gzip)
        } else {
            Err(open_error(name, 0, CaptureErrorKind::NotACapture { magic }))
        }
    }

    fn new(name: &str, format: FileFormat, gzip: bool, buf: Buffered) -> FileReader {
        FileReader {
            path: name.to_string(),
            name: name.to_string(),
            format,
            gzip,
            interfaces: Vec::new(),
            stats: ReaderStats { bytes_read: buf.offset(), ..ReaderStats::default() },
            warnings_seen: 0,
            buf,
            pcap: None,
            ng: NgState::default(),
            pending: 0,
            done: false,
            mapped: None,
        }
    }

    fn open_pcap(name: &str, head: Vec<u8>, body: Body, gzip: bool) -> Result<FileReader, CaptureError> {
        let malformed = |offset, msg: String| open_error(name, offset, CaptureErrorKind::Malformed(msg));
        if head.len() < 24 {
            let kind = CaptureErrorKind::TruncatedRecord { needed: 24, available: head.len() as u64 };
            return Err(open_error(name, 0, kind));
        }
        if head[..4] == [0xa1, 0xb2, 0xcd, 0x34] {
            // pcap-parser implements the modified format in little-endian only.
            let msg = "big-endian \"modified\" (Kuznetzov) pcap is not supported".to_string();
            return Err(malformed(0, msg));
        }
        let (buf, h) = match body {
            Body::Stream(inner) => Buffered::pcap(head, inner),
            Body::Mapped(map) => match pcap_parser::pcap::parse_pcap_header(&head) {
                Ok((rest, h)) => Ok((Buffered::mapped(map, head.len() - rest.len()), h)),
                Err(e) => Err(e.to_string()),
            },
        }
        .map_err(|e| malformed(0, format!("pcap file header: {e}")))?;

        // libpcap (sf-pcap.c) accepts versions 2.0 to 2.4, and 543.0 written by DG/UX tcpdump,
        // and rejects every other: 1.4 (lp_pcap-invalid-version-1) and also 2.5
        // (lp_pcap-invalid-version-2), which tshark reads. We side with libpcap.
        let (major, minor) = (h.version_major, h.version_minor);
        let lengths = match (major, minor) {
            (2, 0..=2) | (543, 0) => Lengths::Swapped,
            (2, 3) => Lengths::MaybeSwapped,
            (2, 4) => Lengths::Normal,
            _ => {
                return Err(open_error(name, 4, CaptureErrorKind::UnsupportedVersion { major, minor }));
            }
        };
        // The linktype field's reserved bits must be zero. libpcap refuses the file ("savefile
        // linktype reserved field not zero (0x00300000)" for
        // lp_linktype-reserved-field-not-zero.pcap) and so does tshark: so do we. The FCS
        // length bits above them are allowed and ignored.
        let linktype = h.network.0 as u32;
        if linktype & LT_RESERVED1 != 0 {
            let msg = format!("linktype field reserved bits not zero (0x{:08x})", linktype & LT_RESERVED1);
            return Err(malformed(20, msg));
        }
        let link = LinkType(linktype & 0xFFFF);
        let (modified, nanosecond, big_endian) =
            (h.is_modified_format(), h.is_nanosecond_precision(), h.is_bigendian());
        // libpcap's pcap_adjust_snapshot: 0 or above the maximum means the maximum; for the
        // modified format on Ethernet it adds 14 (a faked Ethernet header in cooked captures).
        let mut snap_limit = if h.snaplen == 0 || h.snaplen > MAX_CAPLEN { MAX_CAPLEN } else { h.snaplen };
        if modified && link == LinkType::ETHERNET {
            snap_limit += 14;
        }
        let state = PcapState {
            big_endian,
            header_len: if modified { 24 } else { 16 },
            frac_per_sec: if nanosecond { 1_000_000_000 } else { 1_000_000 },
            lengths,
            snap_limit,
            link,
        };
        let format = FileFormat::Pcap { big_endian, nanosecond, version: (major, minor), modified };
        let mut r = FileReader::new(name, format, gzip, buf);
        // thiszone is ignored, as by libpcap and Wireshark: pcap timestamps are UTC.
        r.interfaces.push(Interface {
            link,
            snaplen: h.snaplen,
            ts_units_per_sec: u64::from(state.frac_per_sec),
            ts_offset_secs: 0,
            name: None,
            description: None,
            section: 0,
        });
        r.stats.sections = 1;
        r.pcap = Some(state);
        r.mapped = r.buf.mapping().cloned();
        Ok(r)
    }

    fn open_pcapng(name: &str, mut head: Vec<u8>, mut body: Body, gzip: bool) -> Result<FileReader, CaptureError> {
        if head.len() < 12 {
            let kind = CaptureErrorKind::TruncatedRecord { needed: 28, available: head.len() as u64 };
            return Err(open_error(name, 0, kind));
        }
        let Some(big_endian) = pcapng::shb_big_endian(&head) else {
            let b = &head[8..12];
            let msg = format!(
                "pcapng section header block has a bad byte-order magic ({:02x} {:02x} {:02x} {:02x})",
                b[0], b[1], b[2], b[3]
            );
            return Err(open_error(name, 8, CaptureErrorKind::Malformed(msg)));
        };
        let len = rd32(&head, 4, big_endian);
        let bad_len = |reason| CaptureErrorKind::BadBlockLength { block_type: BT_SHB, length: len, reason };
        pcapng::check_block_len(BT_SHB, len).map_err(|reason| open_error(name, 0, bad_len(reason)))?;
        // Read the whole first SHB: PcapNGReader parses it from its first read. The Vec grows
        // with the bytes actually read, and `len` is at most 16 MiB.
        let want = (len as usize).saturating_sub(head.len());
        match &mut body {
            Body::Stream(inner) => inner.take(want as u64).read_to_end(&mut head),
            Body::Mapped(map) => {
                let shb = map.bytes().get(head.len()..).unwrap_or(&[]);
                head.extend_from_slice(&shb[..shb.len().min(want)]);
                Ok(want)
            }
        }
        .map_err(|e| open_error(name, 0, CaptureErrorKind::Io(e)))?;
        if head.len() < len as usize {
            let kind = CaptureErrorKind::TruncatedRecord { needed: u64::from(len), available: head.len() as u64 };
            return Err(open_error(name, 0, kind));
        }
        if rd32(&head, len as usize - 4, big_endian) != len {
            let reason = "the lengths in the block header and trailer differ";
            return Err(open_error(name, 0, bad_len(reason)));
        }
        let version = pcapng::shb_version(&head, big_endian).map_err(|k| open_error(name, 12, k))?;
        let buf = match body {
            Body::Stream(inner) => Buffered::pcapng(head, inner).map_err(|e| {
                open_error(name, 0, CaptureErrorKind::Malformed(format!("pcapng section header block: {e}")))
            })?,
            Body::Mapped(map) => Buffered::mapped(map, 0),
        };
        let format = FileFormat::PcapNg { big_endian, version };
        let mut r = FileReader::new(name, format, gzip, buf);
        // Like libpcap, read up to the first packet block now, so that interfaces() lists the
        // first section's interfaces right after opening. Errors there are file-level.
        r.next_block(true).map_err(|e| CaptureError { packet: None, ..e })?;
        Ok(r)
    }

    pub fn format(&self) -> &FileFormat {
        &self.format
    }

    /// Interfaces seen so far; [`Frame::interface`] indexes it. For pcapng it holds the
    /// interfaces declared before the first packet once opened, and grows as later IDBs and
    /// sections are read.
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    pub fn stats(&self) -> &ReaderStats {
        &self.stats
    }

    /// The path given to [`Self::open`] ("-" for stdin), or the name given to
    /// [`Self::from_reader`].
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the input was gzip-compressed (offsets are in the decompressed stream).
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// Current size of the read buffer (1 MiB once the input is bigger than 64 KiB, more
    /// only for pcapng blocks that need it, at most 32 MiB).
    #[doc(hidden)]
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// An error at the current record.
    pub(super) fn error(&self, kind: CaptureErrorKind) -> CaptureError {
        CaptureError { path: self.name.clone(), packet: Some(self.stats.frames + 1), offset: self.buf.offset(), kind }
    }

    pub(super) fn truncated(&self, needed: usize, available: usize) -> CaptureError {
        self.error(CaptureErrorKind::TruncatedRecord { needed: needed as u64, available: available as u64 })
    }

    pub(super) fn warn(&mut self, msg: impl FnOnce() -> String) {
        self.warnings_seen += 1;
        if self.stats.warnings.len() < MAX_WARNINGS {
            self.stats.warnings.push(msg());
        } else if self.warnings_seen == MAX_WARNINGS as u64 + 1 {
            self.stats.warnings.push("further warnings suppressed".to_string());
        }
    }

    /// Consumes `n` bytes of the stream.
    pub(super) fn advance(&mut self, n: usize) {
        self.buf.advance(n);
        self.stats.bytes_read = self.buf.offset();
    }

    /// Buffers at least `n` bytes unless the input ends first; returns how many are buffered.
    /// Inlined: the bytes are almost always there already, twice per record.
    #[inline]
    pub(super) fn fill(&mut self, n: usize) -> Result<usize, CaptureError> {
        let have = self.buf.data().len();
        if have >= n {
            return Ok(have);
        }
        self.refill(n)
    }

    #[inline(never)]
    fn refill(&mut self, n: usize) -> Result<usize, CaptureError> {
        self.buf.fill(n).map_err(|e| self.error(CaptureErrorKind::Io(e)))
    }

    /// One pcap record (pcap, "Packet Record"): a 16-byte header (24 for the modified
    /// format) and the captured bytes.
    fn next_pcap(&mut self, st: PcapState) -> Result<Option<Meta>, CaptureError> {
        let hl = st.header_len;
        let have = self.fill(hl)?;
        if have == 0 {
            return Ok(None);
        }
        let Some(h) = self.buf.data().first_chunk::<16>().filter(|_| have >= hl) else {
            return Err(self.truncated(hl, have));
        };
        let [ts_sec, frac, mut caplen, mut orig_len] = st.fields(h);
        if st.lengths == Lengths::Swapped || (st.lengths == Lengths::MaybeSwapped && caplen > orig_len) {
            std::mem::swap(&mut caplen, &mut orig_len);
        }
        // libpcap: a captured length above the maximum snaplen is an error (a damaged or
        // fuzzed file). One above the file's snaplen but within the maximum is read (libpcap
        // cuts it to the snaplen, Wireshark keeps it whole): we keep it and warn.
        if caplen > MAX_CAPLEN {
            return Err(self.error(CaptureErrorKind::CapLenTooLarge { caplen, limit: MAX_CAPLEN }));
        }
        let total = hl + caplen as usize;
        let have = self.fill(total)?;
        if have < total {
            return Err(self.truncated(total, have));
        }
        if caplen > st.snap_limit || caplen > orig_len || frac >= st.frac_per_sec {
            self.odd_record(st, caplen, orig_len, frac);
        }
        Ok(Some(st.record(ts_sec, frac, caplen, orig_len)))
    }

    /// The warnings a record may deserve, out of the way of the usual one.
    #[cold]
    #[inline(never)]
    fn odd_record(&mut self, st: PcapState, caplen: u32, orig_len: u32, frac: u32) {
        let n = self.stats.frames + 1;
        if caplen > st.snap_limit {
            let limit = st.snap_limit;
            self.warn(|| format!("packet {n}: captured length {caplen} exceeds snaplen {limit}"));
        }
        if caplen > orig_len {
            self.warn(|| format!("packet {n}: captured length {caplen} exceeds original length {orig_len}"));
        }
        // ts_sec is unsigned (pcap, "Timestamp (Seconds)"). An out-of-range fraction is
        // carried into the seconds, with a warning (tcpdump prints "(invalid us)", tshark the
        // raw digits, e.g. "...370.1000000000").
        if frac >= st.frac_per_sec {
            let unit = if st.frac_per_sec == 1_000_000 { "microseconds" } else { "nanoseconds" };
            self.warn(|| format!("packet {n}: timestamp fraction {frac} {unit} out of range, carried into seconds"));
        }
    }
}

/// A pcap record that needs nothing but decoding: all of it buffered, its
/// lengths in order and within the snaplen, its time stamp's fraction in
/// range. `None` for anything else, which `next_pcap` decodes (and reports).
#[inline]
fn plain_pcap_record(st: PcapState, d: &[u8]) -> Option<Meta> {
    let [ts_sec, frac, caplen, orig_len] = st.fields(d.first_chunk::<16>()?);
    if st.lengths == Lengths::Swapped
        || caplen > orig_len
        || caplen > st.snap_limit
        || frac >= st.frac_per_sec
        || st.header_len + caplen as usize > d.len()
    {
        return None;
    }
    Some(st.record(ts_sec, frac, caplen, orig_len))
}

impl PcapState {
    /// A record header's seconds, fraction, captured and original length,
    /// as written (the lengths before any swap).
    #[inline]
    fn fields(&self, h: &[u8; 16]) -> [u32; 4] {
        let word = |at: usize| u32::from_le_bytes([h[at], h[at + 1], h[at + 2], h[at + 3]]);
        let words = [word(0), word(4), word(8), word(12)];
        // One test of the byte order a record, not one a field.
        if self.big_endian { words.map(u32::swap_bytes) } else { words }
    }

    /// A checked record's frame, everything but its bytes.
    #[inline]
    fn record(&self, ts_sec: u32, frac: u32, caplen: u32, orig_len: u32) -> Meta {
        let ts = if frac < self.frac_per_sec {
            // The usual case, without a division.
            let nanos = if self.frac_per_sec == 1_000_000 { frac * 1_000 } else { frac };
            Timestamp { secs: i64::from(ts_sec), nanos }
        } else {
            let per = u64::from(self.frac_per_sec);
            // At most 2^32 * 1e9 + 2^32 < 2^63: no overflow.
            pcapng::ts_from_units(u64::from(ts_sec) * per + u64::from(frac), per, 0)
        };
        Meta {
            ts,
            link: self.link,
            interface: 0,
            orig_len,
            start: self.header_len,
            caplen: caplen as usize,
            record_len: self.header_len + caplen as usize,
        }
    }
}

impl FileReader {
    /// The next record of a mapped pcap file, if it is plain (see
    /// [`plain_pcap_record`]): its place is the last record's end, its bytes
    /// are in the mapping, and nothing is buffered or copied. `None` hands
    /// the record to the general path, which reports what is wrong with it
    /// (or the end of the file).
    ///
    /// Why a path of its own: through the general one a record cost the
    /// reader thread of `flows` 156 instructions (callgrind), a fifth of its
    /// work, as every access to the bytes went through the buffer's kinds
    /// of input again; this one is a third of that.
    #[inline]
    fn next_mapped(&mut self) -> Option<(Meta, usize)> {
        let (map, st) = (self.mapped.as_deref()?, self.pcap?);
        // `offset` is where the last record starts; `pending` its length.
        let pos = self.buf.offset() as usize + self.pending;
        let m = plain_pcap_record(st, map.bytes().get(pos..)?)?;
        self.buf.skip_mapped(self.pending);
        self.stats.bytes_read = pos as u64;
        self.pending = m.record_len;
        self.stats.frames += 1;
        Some((m, pos))
    }

    /// Everything `next_mapped` does not take: the first record, records
    /// of a stream, pcapng, odd records, the end and faults.
    #[inline(never)]
    fn next_frame_general(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if self.done {
            return Ok(None);
        }
        let consumed = std::mem::take(&mut self.pending);
        if consumed != 0 {
            self.advance(consumed);
        }
        let next = match self.pcap {
            // The usual record, decoded straight from the buffered bytes.
            Some(st) => match plain_pcap_record(st, self.buf.data()) {
                Some(m) => Ok(Some(m)),
                None => self.next_pcap(st),
            },
            None => self.next_pcapng(),
        };
        match next {
            Ok(Some(m)) => {
                self.pending = m.record_len;
                self.stats.frames += 1;
                Ok(Some(Frame {
                    number: self.stats.frames,
                    ts: m.ts,
                    link: m.link,
                    interface: m.interface,
                    orig_len: m.orig_len,
                    data: &self.buf.data()[m.start..m.start + m.caplen],
                    offset: self.buf.offset(),
                }))
            }
            Ok(None) => {
                self.done = true;
                self.mapped = None;
                Ok(None)
            }
            Err(e) => {
                self.done = true;
                // After the end or a fault, no fast path either.
                self.mapped = None;
                Err(e)
            }
        }
    }
}

impl PacketSource for FileReader {
    /// Inlined into the callers' loops (always: as a plain `#[inline]` the
    /// threaded reader still called it); only the mapped fast path is here.
    #[inline(always)]
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if let Some((m, pos)) = self.next_mapped() {
            let bytes = self.mapped.as_deref().map_or(&[][..], Map::bytes);
            let start = pos + m.start;
            return Ok(Some(Frame {
                number: self.stats.frames,
                ts: m.ts,
                link: m.link,
                interface: 0,
                orig_len: m.orig_len,
                data: bytes.get(start..start + m.caplen).unwrap_or_default(),
                offset: pos as u64,
            }));
        }
        self.next_frame_general()
    }
}
