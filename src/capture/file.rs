//! [`FileReader`]: frames from a pcap or pcapng file, a gzip of one, or stdin.
//!
//! I/O and buffering go through pcap-parser's streaming readers (`LegacyPcapReader`,
//! `PcapNGReader`): one circular buffer of at least 1 MiB, refilled with `refill()` and grown
//! with `grow()` when a pcapng block needs it (never beyond [`super::MAX_BLOCK_LEN`]). Records are
//! decoded in place from `data()`; a yielded [`Frame`] borrows the buffer, and the record is
//! `consume()`d at the start of the next call (lending-iterator pattern). So reading allocates
//! nothing per packet and copies packet bytes only when the buffer is refilled.
//!
//! Framing is validated here, before anything is handed to a parser, so that every damaged
//! file ends in a precise [`CaptureErrorKind`] with the packet number and byte offset, never
//! in a panic, an unbounded allocation or a loop that does not advance.

use std::fs::File;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use flate2::read::MultiGzDecoder;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{LegacyPcapReader, PcapBlockOwned, PcapHeader, PcapNGReader};

use super::pcapng::{self, BT_EPB, BT_IDB, BT_PB, BT_SHB, BT_SPB, rd32};
use super::{
    CaptureError, CaptureErrorKind, FileFormat, Frame, Interface, LinkType, MAX_CAPLEN,
    PacketSource, ReaderStats, Timestamp,
};

/// Initial (and, for pcap, final) size of the read buffer.
const BUFFER_SIZE: usize = 1 << 20;
/// Warnings kept in [`ReaderStats::warnings`] before "further warnings suppressed".
const MAX_WARNINGS: usize = 100;
/// Interfaces kept across the whole file: bounds memory on files made of IDBs.
const MAX_INTERFACES: usize = 1 << 16;
/// The linktype field's reserved bits (libpcap's `LT_RESERVED1`, 0x03FF0000). The low 16 bits
/// are the link type, bits 26-31 carry the FCS length (pcap, "LinkType and additional
/// information").
const LT_RESERVED1: u32 = 0x03FF_0000;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// Where the reader's `Read` error is parked: pcap-parser turns read failures into a bare
/// `PcapError::ReadError`, and we want to report the real `io::Error`.
type ErrorSlot = Arc<Mutex<Option<io::Error>>>;

/// The byte stream given to pcap-parser: the bytes we already read to detect the format,
/// then the rest of the underlying reader.
struct Source {
    prefix: Vec<u8>,
    pos: usize,
    inner: Box<dyn Read + Send>,
    error: ErrorSlot,
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.prefix.len() {
            let n = buf.len().min(self.prefix.len() - self.pos);
            buf[..n].copy_from_slice(&self.prefix[self.pos..self.pos + n]);
            self.pos += n;
            if self.pos == self.prefix.len() {
                self.prefix = Vec::new();
                self.pos = 0;
            }
            return Ok(n);
        }
        loop {
            match self.inner.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let msg = e.to_string();
                    if let Ok(mut slot) = self.error.lock() {
                        *slot = Some(e);
                    }
                    return Err(io::Error::other(msg));
                }
                ok => return ok,
            }
        }
    }
}

/// pcap-parser's two streaming readers, used for buffering only.
enum Stream {
    Pcap(LegacyPcapReader<Source>),
    Ng(PcapNGReader<Source>),
}

impl Stream {
    #[inline]
    fn data(&self) -> &[u8] {
        match self {
            Stream::Pcap(r) => r.data(),
            Stream::Ng(r) => r.data(),
        }
    }
    #[inline]
    fn consume(&mut self, n: usize) {
        match self {
            Stream::Pcap(r) => r.consume(n),
            Stream::Ng(r) => r.consume(n),
        }
    }
    fn exhausted(&self) -> bool {
        match self {
            Stream::Pcap(r) => r.reader_exhausted(),
            Stream::Ng(r) => r.reader_exhausted(),
        }
    }
    /// Shifts the buffered data to the front and reads once into the free space.
    fn refill(&mut self) -> bool {
        match self {
            Stream::Pcap(r) => r.refill().is_ok(),
            Stream::Ng(r) => r.refill().is_ok(),
        }
    }
    fn grow(&mut self, size: usize) {
        match self {
            Stream::Pcap(r) => r.grow(size),
            Stream::Ng(r) => r.grow(size),
        };
    }
}

/// How the pcap record header's two length fields are ordered (libpcap `sf-pcap.c`: they were
/// swapped before version 2.3; 2.3 files exist in both orders; DG/UX wrote 543.0 swapped).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Lengths {
    Normal,
    Swapped,
    MaybeSwapped,
}

#[derive(Debug, Clone, Copy)]
struct PcapState {
    big_endian: bool,
    /// Record header size: 16, or 24 for the modified format.
    header_len: usize,
    /// Fraction units per second: 1e6 or 1e9.
    frac_per_sec: u32,
    lengths: Lengths,
    /// Captured lengths above this draw a warning (the snaplen as libpcap adjusts it).
    snap_limit: u32,
    link: LinkType,
}

#[derive(Debug, Clone, Copy)]
struct NgState {
    big_endian: bool,
    /// Index in `interfaces` of the current section's interface 0.
    section_start: usize,
}

/// The pcap record format, or `None` for pcapng (whose state is in `FileReader::ng`).
type State = Option<PcapState>;

/// Everything about the next frame except its bytes, which stay in the buffer.
#[derive(Debug, Clone, Copy)]
struct Meta {
    ts: Timestamp,
    link: LinkType,
    interface: u32,
    orig_len: u32,
    start: usize,
    caplen: usize,
    record_len: usize,
}

/// Reads frames from a capture file; see the module documentation.
pub struct FileReader {
    path: String,
    format: FileFormat,
    gzip: bool,
    interfaces: Vec<Interface>,
    stats: ReaderStats,
    warnings_seen: u64,
    stream: Stream,
    state: State,
    ng: NgState,
    error_slot: ErrorSlot,
    /// Stream offset of `stream.data()[0]`.
    offset: u64,
    capacity: usize,
    /// Length of the record yielded last, consumed at the start of the next call.
    pending: usize,
    done: bool,
}

impl std::fmt::Debug for FileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileReader")
            .field("path", &self.path)
            .field("format", &self.format)
            .field("gzip", &self.gzip)
            .field("offset", &self.offset)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Reads until `n` bytes or end of input.
fn read_up_to(r: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

fn open_error(path: &str, offset: u64, kind: CaptureErrorKind) -> CaptureError {
    CaptureError {
        path: path.to_string(),
        packet: None,
        offset,
        kind,
    }
}

impl FileReader {
    /// Opens a capture file; "-" reads stdin. A gzip-compressed file (magic `1f 8b`, whatever
    /// its name) is decompressed on the fly.
    pub fn open(path: &str) -> Result<FileReader, CaptureError> {
        if path == "-" {
            return FileReader::from_reader("<stdin>", Box::new(io::stdin())).map(|r| FileReader {
                path: path.to_string(),
                ..r
            });
        }
        let file = File::open(path).map_err(|e| open_error(path, 0, CaptureErrorKind::Io(e)))?;
        FileReader::from_reader(path, Box::new(file))
    }

    /// Reads a capture from any byte stream; `name` is used in errors and by [`Self::path`].
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
        if head.is_empty() {
            return Err(open_error(name, 0, CaptureErrorKind::Empty));
        }
        let mut magic = [0u8; 4];
        magic[..head.len().min(4)].copy_from_slice(&head[..head.len().min(4)]);
        let pcap_magic = matches!(
            magic,
            [0xd4, 0xc3, 0xb2, 0xa1]
                | [0x4d, 0x3c, 0xb2, 0xa1]
                | [0x34, 0xcd, 0xb2, 0xa1]
                | [0xa1, 0xb2, 0xc3, 0xd4]
                | [0xa1, 0xb2, 0x3c, 0x4d]
                | [0xa1, 0xb2, 0xcd, 0x34]
        );
        if head.len() < 4 {
            // A file of 1-3 bytes: truncated if they start a known magic, else not a capture.
            let starts_known = [
                &[0xd4u8, 0xc3, 0xb2][..],
                &[0x4d, 0x3c, 0xb2],
                &[0xa1, 0xb2],
                &PCAPNG_MAGIC,
            ]
            .iter()
            .any(|m| m.starts_with(&head) || head.starts_with(m));
            let kind = if starts_known {
                CaptureErrorKind::TruncatedRecord {
                    needed: 24,
                    available: head.len() as u64,
                }
            } else {
                CaptureErrorKind::NotACapture { magic }
            };
            return Err(open_error(name, 0, kind));
        }
        if pcap_magic {
            FileReader::open_pcap(name, head, inner, gzip)
        } else if magic == PCAPNG_MAGIC {
            FileReader::open_pcapng(name, head, inner, gzip)
        } else {
            Err(open_error(name, 0, CaptureErrorKind::NotACapture { magic }))
        }
    }

    fn open_pcap(
        name: &str,
        head: Vec<u8>,
        inner: Box<dyn Read + Send>,
        gzip: bool,
    ) -> Result<FileReader, CaptureError> {
        if head.len() < 24 {
            let kind = CaptureErrorKind::TruncatedRecord {
                needed: 24,
                available: head.len() as u64,
            };
            return Err(open_error(name, 0, kind));
        }
        if head[..4] == [0xa1, 0xb2, 0xcd, 0x34] {
            // pcap-parser only implements the modified format little-endian.
            return Err(open_error(
                name,
                0,
                CaptureErrorKind::Malformed(
                    "big-endian \"modified\" (Kuznetzov) pcap is not supported".into(),
                ),
            ));
        }
        let error_slot = ErrorSlot::default();
        let source = Source {
            prefix: head,
            pos: 0,
            inner,
            error: error_slot.clone(),
        };
        let mut reader = LegacyPcapReader::new(BUFFER_SIZE, source).map_err(|e| {
            open_error(
                name,
                0,
                CaptureErrorKind::Malformed(format!("pcap header: {e}")),
            )
        })?;
        // The first `next()` of a LegacyPcapReader is the file header, parsed by pcap-parser.
        let header: Result<(usize, PcapHeader), String> = match reader.next() {
            Ok((n, PcapBlockOwned::LegacyHeader(h))) => Ok((n, h)),
            Ok(_) => Err("pcap header expected".into()),
            Err(e) => Err(e.to_string()),
        };
        let (header_size, h) = header.map_err(|e| {
            open_error(
                name,
                0,
                CaptureErrorKind::Malformed(format!("pcap header: {e}")),
            )
        })?;
        reader.consume(header_size);

        // libpcap (sf-pcap.c) accepts versions 2.0 to 2.4, and 543.0 written by DG/UX tcpdump,
        // and rejects everything else: 1.4 (lp_pcap-invalid-version-1) and also 2.5
        // (lp_pcap-invalid-version-2). tshark accepts 2.5; we side with libpcap.
        let (major, minor) = (h.version_major, h.version_minor);
        let lengths = match (major, minor) {
            (2, 0..=2) | (543, 0) => Lengths::Swapped,
            (2, 3) => Lengths::MaybeSwapped,
            (2, 4) => Lengths::Normal,
            _ => {
                return Err(open_error(
                    name,
                    0,
                    CaptureErrorKind::UnsupportedVersion { major, minor },
                ));
            }
        };
        // Reserved bits of the linktype field must be zero: libpcap refuses the file
        // ("savefile linktype reserved field not zero (0x00300000)" for
        // lp_linktype-reserved-field-not-zero.pcap) and so does tshark, so we reject it too.
        let linktype = h.network.0 as u32;
        if linktype & LT_RESERVED1 != 0 {
            return Err(open_error(
                name,
                20,
                CaptureErrorKind::Malformed(format!(
                    "linktype field reserved bits not zero (0x{:08x})",
                    linktype & LT_RESERVED1
                )),
            ));
        }
        let link = LinkType(linktype & 0xFFFF);
        let modified = h.is_modified_format();
        let nanosecond = h.is_nanosecond_precision();
        let big_endian = h.is_bigendian();
        // libpcap's pcap_adjust_snapshot: 0 or above the maximum means the maximum. For the
        // modified format on Ethernet it adds 14 (a faked Ethernet header in cooked captures).
        let mut snap_limit = if h.snaplen == 0 || h.snaplen > MAX_CAPLEN {
            MAX_CAPLEN
        } else {
            h.snaplen
        };
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
        // pcap's thiszone is ignored, as by libpcap and Wireshark: timestamps are UTC.
        let interface = Interface {
            link,
            snaplen: h.snaplen,
            ts_units_per_sec: u64::from(state.frac_per_sec),
            ts_offset_secs: 0,
            name: None,
            description: None,
            section: 0,
        };
        Ok(FileReader {
            path: name.to_string(),
            format: FileFormat::Pcap {
                big_endian,
                nanosecond,
                version: (major, minor),
                modified,
            },
            gzip,
            interfaces: vec![interface],
            stats: ReaderStats {
                sections: 1,
                bytes_read: header_size as u64,
                ..ReaderStats::default()
            },
            warnings_seen: 0,
            stream: Stream::Pcap(reader),
            state: Some(state),
            ng: NgState {
                big_endian,
                section_start: 0,
            },
            error_slot,
            offset: header_size as u64,
            capacity: BUFFER_SIZE,
            pending: 0,
            done: false,
        })
    }

    fn open_pcapng(
        name: &str,
        mut head: Vec<u8>,
        mut inner: Box<dyn Read + Send>,
        gzip: bool,
    ) -> Result<FileReader, CaptureError> {
        if head.len() < 12 {
            let kind = CaptureErrorKind::TruncatedRecord {
                needed: 28,
                available: head.len() as u64,
            };
            return Err(open_error(name, 0, kind));
        }
        let Some(big_endian) = pcapng::shb_big_endian(&head) else {
            let b = &head[8..12];
            return Err(open_error(
                name,
                0,
                CaptureErrorKind::Malformed(format!(
                    "pcapng section header block has a bad byte-order magic ({:02x} {:02x} {:02x} {:02x})",
                    b[0], b[1], b[2], b[3]
                )),
            ));
        };
        let len = rd32(&head, 4, big_endian);
        pcapng::check_block_len(BT_SHB, len).map_err(|reason| {
            open_error(
                name,
                0,
                CaptureErrorKind::BadBlockLength {
                    block_type: BT_SHB,
                    length: len,
                    reason,
                },
            )
        })?;
        // Read the whole first SHB now: PcapNGReader parses it from its first read. The
        // allocation grows with the bytes actually read, and `len` is at most 16 MiB.
        let want = len as usize - head.len();
        (&mut inner)
            .take(want as u64)
            .read_to_end(&mut head)
            .map_err(|e| open_error(name, 0, CaptureErrorKind::Io(e)))?;
        if head.len() < len as usize {
            let kind = CaptureErrorKind::TruncatedRecord {
                needed: u64::from(len),
                available: head.len() as u64,
            };
            return Err(open_error(name, 0, kind));
        }
        let trailer = rd32(&head, len as usize - 4, big_endian);
        if trailer != len {
            return Err(open_error(
                name,
                0,
                CaptureErrorKind::BadBlockLength {
                    block_type: BT_SHB,
                    length: len,
                    reason: "the lengths in the block header and trailer differ",
                },
            ));
        }
        let version = pcapng::shb_version(&head, big_endian).map_err(|k| open_error(name, 0, k))?;
        let capacity = BUFFER_SIZE.max((len as usize).next_power_of_two());
        let error_slot = ErrorSlot::default();
        let source = Source {
            prefix: head,
            pos: 0,
            inner,
            error: error_slot.clone(),
        };
        let reader = PcapNGReader::new(capacity, source).map_err(|e| {
            open_error(
                name,
                0,
                CaptureErrorKind::Malformed(format!("pcapng section header block: {e}")),
            )
        })?;
        // Nothing consumed: the SHB is processed by the block loop like any later one.
        Ok(FileReader {
            path: name.to_string(),
            format: FileFormat::PcapNg {
                big_endian,
                version,
            },
            gzip,
            interfaces: Vec::new(),
            stats: ReaderStats::default(),
            warnings_seen: 0,
            stream: Stream::Ng(reader),
            state: None,
            ng: NgState {
                big_endian,
                section_start: 0,
            },
            error_slot,
            offset: 0,
            capacity,
            pending: 0,
            done: false,
        })
    }

    pub fn format(&self) -> &FileFormat {
        &self.format
    }

    /// Interfaces seen so far (grows as pcapng IDBs are read); [`Frame::interface`] indexes it.
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    pub fn stats(&self) -> &ReaderStats {
        &self.stats
    }

    /// The path given to [`Self::open`] ("-" for stdin) or the name given to [`Self::from_reader`].
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether the input was gzip-compressed (offsets are in the decompressed stream).
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// Current size of the read buffer (for tests: it never exceeds 32 MiB).
    #[doc(hidden)]
    pub fn buffer_capacity(&self) -> usize {
        self.capacity
    }

    fn error(&self, kind: CaptureErrorKind) -> CaptureError {
        CaptureError {
            path: self.path.clone(),
            packet: Some(self.stats.frames + 1),
            offset: self.offset,
            kind,
        }
    }

    fn truncated(&self, needed: usize, available: usize) -> CaptureError {
        self.error(CaptureErrorKind::TruncatedRecord {
            needed: needed as u64,
            available: available as u64,
        })
    }

    fn warn(&mut self, msg: impl FnOnce() -> String) {
        self.warnings_seen += 1;
        if self.stats.warnings.len() < MAX_WARNINGS {
            self.stats.warnings.push(msg());
        } else if self.warnings_seen == MAX_WARNINGS as u64 + 1 {
            self.stats
                .warnings
                .push("further warnings suppressed".to_string());
        }
    }

    /// Drops `n` bytes from the front of the buffer.
    fn advance(&mut self, n: usize) {
        self.stream.consume(n);
        self.offset += n as u64;
        self.stats.bytes_read = self.offset;
    }

    /// Makes at least `n` bytes available unless the input ends first; returns how many are
    /// buffered. Every refill either adds bytes or marks the input exhausted, so this ends.
    fn fill(&mut self, n: usize) -> Result<usize, CaptureError> {
        loop {
            let have = self.stream.data().len();
            if have >= n || self.stream.exhausted() {
                return Ok(have);
            }
            if n > self.capacity {
                // Only pcapng blocks get here, and their length was checked against
                // MAX_BLOCK_LEN, so the buffer stays bounded.
                let size = n.next_power_of_two();
                self.stream.grow(size);
                self.capacity = size;
            }
            if !self.stream.refill() {
                let e = self.error_slot.lock().ok().and_then(|mut s| s.take());
                let e = e.unwrap_or_else(|| io::Error::other("read error"));
                return Err(self.error(CaptureErrorKind::Io(e)));
            }
        }
    }

    fn next_meta(&mut self) -> Result<Option<Meta>, CaptureError> {
        match self.state {
            Some(st) => self.next_pcap(st),
            None => self.next_pcapng(),
        }
    }

    /// One pcap record (pcap, "Packet Record"): a 16-byte header (24 for the modified format)
    /// and the captured bytes.
    fn next_pcap(&mut self, st: PcapState) -> Result<Option<Meta>, CaptureError> {
        let hl = st.header_len;
        let have = self.fill(hl)?;
        if have == 0 {
            return Ok(None);
        }
        if have < hl {
            return Err(self.truncated(hl, have));
        }
        let d = self.stream.data();
        let be = st.big_endian;
        let ts_sec = rd32(d, 0, be);
        let frac = rd32(d, 4, be);
        let mut caplen = rd32(d, 8, be);
        let mut orig_len = rd32(d, 12, be);
        if st.lengths == Lengths::Swapped
            || (st.lengths == Lengths::MaybeSwapped && caplen > orig_len)
        {
            std::mem::swap(&mut caplen, &mut orig_len);
        }
        // libpcap: a captured length above the maximum snaplen is an error (damaged or fuzzed
        // file); one above the file's snaplen but within the maximum is read (libpcap then
        // truncates it to the snaplen, Wireshark keeps it whole: we keep it and warn).
        if caplen > MAX_CAPLEN {
            return Err(self.error(CaptureErrorKind::CapLenTooLarge {
                caplen,
                limit: MAX_CAPLEN,
            }));
        }
        let total = hl + caplen as usize;
        let have = self.fill(total)?;
        if have < total {
            return Err(self.truncated(total, have));
        }
        let n = self.stats.frames + 1;
        if caplen > st.snap_limit {
            self.warn(|| {
                format!(
                    "packet {n}: captured length {caplen} exceeds snaplen {}",
                    st.snap_limit
                )
            });
        }
        if caplen > orig_len {
            self.warn(|| {
                format!("packet {n}: captured length {caplen} exceeds original length {orig_len}")
            });
        }
        // ts_sec is unsigned (pcap, "Timestamp (Seconds)"); an out-of-range fraction is carried
        // into the seconds (tshark shows e.g. ".1000000000" for it), with a warning.
        if frac >= st.frac_per_sec {
            let unit = if st.frac_per_sec == 1_000_000 {
                "microseconds"
            } else {
                "nanoseconds"
            };
            self.warn(|| format!("packet {n}: timestamp fraction {frac} {unit} is out of range, carried into seconds"));
        }
        let per = u64::from(st.frac_per_sec);
        let ts = pcapng::ts_from_units(u64::from(ts_sec) * per + u64::from(frac), per, 0);
        Ok(Some(Meta {
            ts,
            link: st.link,
            interface: 0,
            orig_len,
            start: hl,
            caplen: caplen as usize,
            record_len: total,
        }))
    }

    /// Walks pcapng blocks (pcapng, "General Block Structure") until a packet block.
    fn next_pcapng(&mut self) -> Result<Option<Meta>, CaptureError> {
        let (len, pkt) = loop {
            let st = self.ng;
            let have = self.fill(8)?;
            if have == 0 {
                return Ok(None);
            }
            if have < 8 {
                return Err(self.truncated(8, have));
            }
            // The SHB's type reads the same in both byte orders; its byte-order magic decides
            // how to read its length and the rest of the section.
            let mut be = st.big_endian;
            let mut block_type = rd32(self.stream.data(), 0, be);
            if block_type == BT_SHB {
                let have = self.fill(12)?;
                if have < 12 {
                    return Err(self.truncated(12, have));
                }
                match pcapng::shb_big_endian(self.stream.data()) {
                    Some(b) => be = b,
                    None => {
                        return Err(self.error(CaptureErrorKind::Malformed(
                            "section header block has a bad byte-order magic".into(),
                        )));
                    }
                }
            }
            block_type = rd32(self.stream.data(), 0, be);
            let len = rd32(self.stream.data(), 4, be);
            if let Err(reason) = pcapng::check_block_len(block_type, len) {
                return Err(self.error(CaptureErrorKind::BadBlockLength {
                    block_type,
                    length: len,
                    reason,
                }));
            }
            let n = len as usize;
            let have = self.fill(n)?;
            if have < n {
                return Err(self.truncated(n, have));
            }
            let block = &self.stream.data()[..n];
            if rd32(block, n - 4, be) != len {
                return Err(self.error(CaptureErrorKind::BadBlockLength {
                    block_type,
                    length: len,
                    reason: "the lengths in the block header and trailer differ",
                }));
            }
            match block_type {
                BT_SHB => {
                    pcapng::shb_version(block, be).map_err(|k| self.error(k))?;
                    // A new section: its own byte order, its own interface numbering.
                    self.ng = NgState {
                        big_endian: be,
                        section_start: self.interfaces.len(),
                    };
                    self.stats.sections += 1;
                    self.advance(n);
                }
                BT_IDB => {
                    let idb = pcapng::parse_idb(block, be)
                        .map_err(|m| self.error(CaptureErrorKind::Malformed(m)))?;
                    if self.interfaces.len() >= MAX_INTERFACES {
                        return Err(self.error(CaptureErrorKind::Malformed(format!(
                            "more than {MAX_INTERFACES} interfaces in the file"
                        ))));
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
                    self.advance(n);
                }
                BT_EPB | BT_PB | BT_SPB => {
                    let pkt = pcapng::parse_packet_block(block, block_type, be)
                        .map_err(|k| self.error(k))?;
                    break (n, pkt);
                }
                _ => {
                    // NRB, ISB, DSB, custom, systemd journal, unknown: skipped by length.
                    self.stats.skipped_blocks += 1;
                    self.advance(n);
                }
            }
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
        let (link, snaplen, units, toff) = (
            iface.link,
            iface.snaplen,
            iface.ts_units_per_sec,
            iface.ts_offset_secs,
        );
        let caplen = match pkt.caplen {
            Some(c) => c,
            None => {
                // SPB (pcapng, "Simple Packet Block"): captured length is the original length
                // cut to the interface's snaplen (0 = none) and to the data in the block.
                let mut c = pkt
                    .orig_len
                    .min(u32::try_from(pkt.data_room).unwrap_or(u32::MAX));
                if snaplen != 0 {
                    c = c.min(snaplen);
                }
                if c > MAX_CAPLEN {
                    return Err(self.error(CaptureErrorKind::CapLenTooLarge {
                        caplen: c,
                        limit: MAX_CAPLEN,
                    }));
                }
                c
            }
        };
        let n = self.stats.frames + 1;
        if snaplen != 0 && caplen > snaplen {
            self.warn(|| format!("packet {n}: captured length {caplen} exceeds snaplen {snaplen}"));
        }
        if caplen > pkt.orig_len {
            let o = pkt.orig_len;
            self.warn(|| {
                format!("packet {n}: captured length {caplen} exceeds original length {o}")
            });
        }
        // SPBs carry no timestamp: like libpcap we report time 0 (tshark shows none).
        let ts = match pkt.ts {
            Some(t) => pcapng::ts_from_units(t, units, toff),
            None => Timestamp::default(),
        };
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
}

impl PacketSource for FileReader {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if self.done {
            return Ok(None);
        }
        if self.pending != 0 {
            let n = std::mem::take(&mut self.pending);
            self.advance(n);
        }
        match self.next_meta() {
            Ok(Some(m)) => {
                self.pending = m.record_len;
                self.stats.frames += 1;
                Ok(Some(Frame {
                    number: self.stats.frames,
                    ts: m.ts,
                    link: m.link,
                    interface: m.interface,
                    orig_len: m.orig_len,
                    data: &self.stream.data()[m.start..m.start + m.caplen],
                    offset: self.offset,
                }))
            }
            Ok(None) => {
                self.done = true;
                Ok(None)
            }
            Err(e) => {
                self.done = true;
                Err(e)
            }
        }
    }
}
