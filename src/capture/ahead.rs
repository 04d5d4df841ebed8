//! [`ReadAhead`]: a capture file read on a thread of its own, a batch of
//! frames ahead of the caller.
//!
//! Reading and decoding record headers is about a sixth of a full analysis;
//! on a machine with a second core it can overlap with the analysis instead
//! of adding to it (as tcpdump cannot, and tshark's two-pass design does
//! not). The reader thread copies each frame into a batch (one buffer for
//! the bytes, a small record per frame: nothing allocated per packet once
//! the batches exist), and sends full batches over a bounded channel; the
//! caller lends frames out of the current batch exactly as [`FileReader`]
//! does, and sends spent batches back to be refilled. At most
//! [`BATCHES`] batches exist, so memory stays bounded whatever the file.
//!
//! Errors keep their place: a fault is delivered after every frame before
//! it, as from the reader itself, and the reader comes back with the last
//! batch so that its statistics and interfaces can be reported. Dropping a
//! `ReadAhead` early (a `-c` limit) stops the thread at its next frame.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::{CaptureError, CaptureErrorKind, FileReader, Frame, LinkType, PacketSource, Timestamp};

/// Frames per batch, and bytes a batch may hold before it is sent.
const BATCH_FRAMES: usize = 1024;
const BATCH_BYTES: usize = 1 << 20;
/// Batches in existence: one being read, one being analysed, two queued.
pub const BATCHES: usize = 4;

/// A frame copied into a batch: its record, and where its bytes are in the
/// batch's buffer (`routed` uses it too).
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    number: u64,
    ts: Timestamp,
    link: LinkType,
    interface: u32,
    orig_len: u32,
    offset: u64,
    /// Where the bytes are: in the batch's buffer, or in a mapped file.
    start: u64,
    len: u32,
}

impl Slot {
    /// Appends `f`'s bytes to `data` (none when `bytes` is false) and
    /// returns its slot.
    #[inline]
    pub(super) fn copy(f: &Frame<'_>, data: &mut Vec<u8>, bytes: bool) -> Slot {
        let start = data.len();
        if bytes {
            data.extend_from_slice(f.data);
        }
        Slot::at(f, start as u64, (data.len() - start) as u32)
    }

    /// `f`, whose `len` bytes lie at `start` of a mapped file.
    #[inline]
    pub(super) fn at(f: &Frame<'_>, start: u64, len: u32) -> Slot {
        Slot {
            number: f.number,
            ts: f.ts,
            link: f.link,
            interface: f.interface,
            orig_len: f.orig_len,
            offset: f.offset,
            start,
            len,
        }
    }

    /// The frame again, its bytes in `data`.
    #[inline]
    pub(super) fn frame<'a>(&self, data: &'a [u8]) -> Frame<'a> {
        Frame {
            number: self.number,
            ts: self.ts,
            link: self.link,
            interface: self.interface,
            orig_len: self.orig_len,
            data: &data[self.start as usize..self.start as usize + self.len as usize],
            offset: self.offset,
        }
    }

    pub(super) fn number(&self) -> u64 {
        self.number
    }

    pub(super) fn ts(&self) -> Timestamp {
        self.ts
    }
}

/// How reading ended: the fault if any, and the reader itself.
struct End {
    error: Option<CaptureError>,
    reader: Box<FileReader>,
}

#[derive(Default)]
struct Batch {
    data: Vec<u8>,
    frames: Vec<Slot>,
    end: Option<End>,
}

pub struct ReadAhead {
    rx: Receiver<Batch>,
    back: SyncSender<Batch>,
    cur: Batch,
    pos: usize,
    stop: Arc<AtomicBool>,
    /// Back from the thread once it has stopped.
    reader: Option<Box<FileReader>>,
    /// The file's name, for an error if the thread dies.
    name: String,
    done: bool,
}

impl ReadAhead {
    /// Starts reading `reader` on a new thread.
    pub fn spawn(reader: FileReader) -> std::io::Result<ReadAhead> {
        let (tx, rx) = sync_channel::<Batch>(BATCHES - 2);
        let (back, back_rx) = sync_channel::<Batch>(BATCHES);
        let stop = Arc::new(AtomicBool::new(false));
        let name = reader.name.clone();
        let thread_stop = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("wirelens-reader".into())
            .spawn(move || read_batches(reader, &tx, &back_rx, &thread_stop))?;
        Ok(ReadAhead { rx, back, cur: Batch::default(), pos: 0, stop, reader: None, name, done: false })
    }

    /// The reader, once reading has ended (the end of the file, a fault,
    /// or [`stop`](Self::stop)).
    pub fn reader(&self) -> Option<&FileReader> {
        self.reader.as_deref()
    }

    /// Stops reading (if it has not ended) and waits for the reader to come
    /// back, for its statistics.
    pub fn stop(&mut self) -> Option<&FileReader> {
        self.stop.store(true, Ordering::Relaxed);
        while self.reader.is_none() {
            if let Some(end) = self.cur.end.take() {
                self.reader = Some(end.reader);
                break;
            }
            match self.rx.recv() {
                Ok(b) => {
                    // The thread may be waiting for a batch to come back.
                    let spent = std::mem::replace(&mut self.cur, b);
                    let _ = self.back.try_send(spent);
                }
                Err(_) => break,
            }
            self.pos = self.cur.frames.len();
        }
        self.done = true;
        self.reader.as_deref()
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn read_batches(mut reader: FileReader, tx: &SyncSender<Batch>, back: &Receiver<Batch>, stop: &AtomicBool) {
    let mut spare = 0;
    loop {
        let mut b = match back.try_recv() {
            Ok(b) => b,
            Err(_) if spare < BATCHES => {
                spare += 1;
                Batch {
                    data: Vec::with_capacity(BATCH_BYTES + super::MAX_CAPLEN as usize),
                    frames: Vec::with_capacity(BATCH_FRAMES),
                    end: None,
                }
            }
            // Every batch is out: wait for one to come back.
            Err(_) => match back.recv() {
                Ok(b) => b,
                Err(_) => return,
            },
        };
        b.data.clear();
        b.frames.clear();
        let ended = loop {
            if stop.load(Ordering::Relaxed) {
                break Some(None);
            }
            match reader.next_frame() {
                Ok(Some(f)) => {
                    b.frames.push(Slot::copy(&f, &mut b.data, true));
                    if b.frames.len() >= BATCH_FRAMES || b.data.len() >= BATCH_BYTES {
                        break None;
                    }
                }
                Ok(None) => break Some(None),
                Err(e) => break Some(Some(e)),
            }
        };
        if let Some(error) = ended {
            b.end = Some(End { error, reader: Box::new(reader) });
            let _ = tx.send(b);
            return;
        }
        if tx.send(b).is_err() {
            return;
        }
    }
}

impl PacketSource for ReadAhead {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        while self.pos >= self.cur.frames.len() {
            if let Some(end) = self.cur.end.take() {
                self.reader = Some(end.reader);
                self.done = true;
                if let Some(e) = end.error {
                    return Err(e);
                }
            }
            if self.done {
                return Ok(None);
            }
            let next = match self.rx.recv() {
                Ok(b) => b,
                Err(_) => {
                    self.done = true;
                    return Err(CaptureError {
                        path: self.name.clone(),
                        packet: None,
                        offset: 0,
                        kind: CaptureErrorKind::Io(std::io::Error::other("the reader thread ended unexpectedly")),
                    });
                }
            };
            let spent = std::mem::replace(&mut self.cur, next);
            let _ = self.back.try_send(spent);
            self.pos = 0;
        }
        let s = self.cur.frames[self.pos];
        self.pos += 1;
        Ok(Some(s.frame(&self.cur.data)))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A little-endian microsecond pcap with `n` raw-IP records of 60 bytes,
    /// then `tail` (garbage, to end in a fault). Record i is stamped i seconds
    /// and filled with the byte i % 251.
    pub(in crate::capture) fn pcap(n: u32, tail: &[u8]) -> Vec<u8> {
        let mut b = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 101, 0, 0, 0];
        for i in 0..n {
            b.extend_from_slice(&i.to_le_bytes());
            b.extend_from_slice(&[0, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0]);
            b.extend(std::iter::repeat_n((i % 251) as u8, 60));
        }
        b.extend_from_slice(tail);
        b
    }

    fn frames(r: &mut dyn PacketSource) -> (Vec<(u64, i64, u8)>, Option<String>) {
        let mut v = Vec::new();
        loop {
            match r.next_frame() {
                Ok(Some(f)) => v.push((f.number, f.ts.secs, f.data[0])),
                Ok(None) => return (v, None),
                Err(e) => return (v, Some(e.to_string())),
            }
        }
    }

    #[test]
    fn the_same_frames_and_fault_as_the_reader() {
        for (n, tail) in [(0, &[][..]), (5, &[][..]), (3000, &[][..]), (2500, &[1, 2, 3, 4, 5, 6, 7][..])] {
            let bytes = pcap(n, tail);
            let direct =
                frames(&mut FileReader::from_reader("t", Box::new(std::io::Cursor::new(bytes.clone()))).unwrap());
            let r = FileReader::from_reader("t", Box::new(std::io::Cursor::new(bytes))).unwrap();
            let mut ahead = ReadAhead::spawn(r).unwrap();
            assert_eq!(frames(&mut ahead), direct, "{n} frames");
            assert!(ahead.reader().is_some(), "the reader came back");
            assert_eq!(ahead.next_frame().ok().flatten().map(|f| f.number), None, "stays ended");
        }
    }

    #[test]
    fn stopping_early_gives_the_reader_back() {
        let r = FileReader::from_reader("t", Box::new(std::io::Cursor::new(pcap(20_000, &[])))).unwrap();
        let mut ahead = ReadAhead::spawn(r).unwrap();
        for _ in 0..10 {
            ahead.next_frame().unwrap();
        }
        assert!(ahead.stop().is_some());
        assert!(matches!(ahead.next_frame(), Ok(None)));
    }
}
