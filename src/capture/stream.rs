//! The read buffer under [`super::FileReader`], on top of pcap-parser's streaming readers.
//!
//! pcap-parser's `LegacyPcapReader` and `PcapNGReader` own a circular buffer that they refill
//! from any `Read` (`refill()`), grow on demand (`grow()`), expose (`data()`) and advance
//! (`consume()`). We use exactly that machinery, and decode records ourselves from `data()`
//! after checking their framing, so a frame borrows the buffer with no copy and no allocation.
//! This module knows about bytes and offsets only, not about records or blocks.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use super::map::Map;

use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{LegacyPcapReader, PcapBlockOwned, PcapHeader, PcapNGReader};

/// Size of the read buffer for any stream longer than [`FIRST_BUFFER_SIZE`]. A pcap buffer
/// never grows beyond it, as a record is at most 24 + 262144 bytes.
pub(super) const BUFFER_SIZE: usize = 1 << 20;

/// The buffer starts this small (a whole small capture fits) and grows to [`BUFFER_SIZE`]
/// as soon as the stream proves longer, so that opening many small inputs (tests, fuzzing)
/// does not zero a megabyte each time.
pub(super) const FIRST_BUFFER_SIZE: usize = 64 << 10;

/// Where a read error is parked: pcap-parser turns `Read` failures into a bare
/// `PcapError::ReadError`, and we want to report the real `io::Error`.
type ErrorSlot = Arc<Mutex<Option<io::Error>>>;

/// The bytes given to pcap-parser: those we already read to detect the format, then the rest
/// of the underlying reader.
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

enum Reader {
    Pcap(LegacyPcapReader<Source>),
    Ng(PcapNGReader<Source>),
    /// The whole file, mapped: every byte is already "buffered", `offset`
    /// is the position in it, and a frame is a slice of the mapping.
    Mapped(Arc<Map>),
}

/// A pcap-parser reader plus the stream offset of its first buffered byte.
pub(super) struct Buffered {
    reader: Reader,
    error: ErrorSlot,
    offset: u64,
    capacity: usize,
}

macro_rules! with_reader {
    ($self:expr, $r:ident => $e:expr) => {
        match &$self.reader {
            Reader::Pcap($r) => $e,
            Reader::Ng($r) => $e,
            Reader::Mapped(_) => unreachable!("a mapping is never refilled"),
        }
    };
    (mut $self:expr, $r:ident => $e:expr) => {
        match &mut $self.reader {
            Reader::Pcap($r) => $e,
            Reader::Ng($r) => $e,
            Reader::Mapped(_) => unreachable!("a mapping is never refilled"),
        }
    };
}

/// Reads until `n` bytes or the end of the input.
pub(super) fn read_up_to(r: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

impl Buffered {
    /// A pcap stream starting with `prefix` (at least the 24-byte file header). pcap-parser
    /// parses the file header; it is returned and consumed.
    pub(super) fn pcap(prefix: Vec<u8>, inner: Box<dyn Read + Send>) -> Result<(Buffered, PcapHeader), String> {
        let error = ErrorSlot::default();
        let source = Source { prefix, pos: 0, inner, error: error.clone() };
        let mut r = LegacyPcapReader::new(FIRST_BUFFER_SIZE, source).map_err(|e| e.to_string())?;
        // A LegacyPcapReader's first `next()` yields the file header.
        let header = match r.next() {
            Ok((n, PcapBlockOwned::LegacyHeader(h))) => Ok((n, h)),
            Ok(_) => Err("file header expected".to_string()),
            Err(e) => Err(e.to_string()),
        };
        let (size, header) = header?;
        r.consume(size);
        let b = Buffered { reader: Reader::Pcap(r), error, offset: size as u64, capacity: FIRST_BUFFER_SIZE };
        Ok((b, header))
    }

    /// A pcapng stream whose `prefix` is its whole first Section Header Block (already
    /// checked): `PcapNGReader` parses it from its first read, so the buffer must hold it.
    /// Nothing is consumed.
    pub(super) fn pcapng(prefix: Vec<u8>, inner: Box<dyn Read + Send>) -> Result<Buffered, String> {
        let capacity = FIRST_BUFFER_SIZE.max(prefix.len().next_power_of_two());
        let error = ErrorSlot::default();
        let source = Source { prefix, pos: 0, inner, error: error.clone() };
        let r = PcapNGReader::new(capacity, source).map_err(|e| e.to_string())?;
        Ok(Buffered { reader: Reader::Ng(r), error, offset: 0, capacity })
    }

    /// A mapped file from `offset` on (after a pcap file header, or 0 for
    /// pcapng, whose first block the caller has checked).
    pub(super) fn mapped(map: Arc<Map>, offset: usize) -> Buffered {
        let capacity = map.bytes().len();
        Buffered { reader: Reader::Mapped(map), error: ErrorSlot::default(), offset: offset as u64, capacity }
    }

    /// The mapping under a mapped file.
    pub(super) fn mapping(&self) -> Option<&Arc<Map>> {
        match &self.reader {
            Reader::Mapped(m) => Some(m),
            _ => None,
        }
    }

    /// The buffered, not yet consumed bytes.
    #[inline]
    pub(super) fn data(&self) -> &[u8] {
        match &self.reader {
            Reader::Pcap(r) => r.data(),
            Reader::Ng(r) => r.data(),
            // `offset` never passes the end: `advance` clips to `data()`.
            Reader::Mapped(m) => m.bytes().get(self.offset as usize..).unwrap_or(&[]),
        }
    }

    /// Stream offset of `data()[0]` = bytes consumed so far.
    #[inline]
    pub(super) fn offset(&self) -> u64 {
        self.offset
    }

    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Drops `n` bytes (at most what is buffered) from the front.
    ///
    /// Without moving what is left: `consume` moves the rest of the data to
    /// the front whenever more than half the buffer has been consumed, which
    /// for records of a hundred bytes meant moving half of every byte read.
    /// `refill` moves the rest to the front anyway before it reads, when
    /// little is left.
    #[inline]
    pub(super) fn advance(&mut self, n: usize) {
        // One match, each arm clipping to its own buffer: `n.min(self.data()
        // .len())` before `with_reader!` dispatched twice, 8 instructions a
        // frame more (callgrind).
        let n = match &mut self.reader {
            Reader::Pcap(r) => {
                let n = n.min(r.data().len());
                r.consume_noshift(n);
                n
            }
            Reader::Ng(r) => {
                let n = n.min(r.data().len());
                r.consume_noshift(n);
                n
            }
            Reader::Mapped(m) => n.min(m.bytes().len().saturating_sub(self.offset as usize)),
        };
        self.offset += n as u64;
    }

    /// Drops `n` bytes of a mapped file, which the caller has seen there.
    #[inline]
    pub(super) fn skip_mapped(&mut self, n: usize) {
        debug_assert!(matches!(self.reader, Reader::Mapped(_)));
        self.offset += n as u64;
    }

    /// Makes at least `n` bytes available unless the input ends first; returns how many are
    /// buffered. Every refill either adds bytes or marks the input exhausted (a read of 0),
    /// and the buffer is grown first so that there is room, so this always returns.
    /// `n` must be at most 16 MiB + 4 (callers check block lengths first).
    pub(super) fn fill(&mut self, n: usize) -> io::Result<usize> {
        if let Reader::Mapped(_) = self.reader {
            return Ok(self.data().len());
        }
        loop {
            let have = self.data().len();
            if have >= n || with_reader!(self, r => r.reader_exhausted()) {
                return Ok(have);
            }
            let mut size = n.next_power_of_two();
            if self.capacity < BUFFER_SIZE && self.offset + have as u64 >= self.capacity as u64 {
                // The stream filled the first buffer: more may follow, use the full size.
                size = size.max(BUFFER_SIZE);
            }
            if size > self.capacity {
                with_reader!(mut self, r => r.grow(size));
                self.capacity = size;
            }
            if with_reader!(mut self, r => r.refill()).is_err() {
                let e = self.error.lock().ok().and_then(|mut slot| slot.take());
                return Err(e.unwrap_or_else(|| io::Error::other("read error")));
            }
        }
    }
}
