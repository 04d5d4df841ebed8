//! [`spawn`]: a capture file read on a thread of its own and dealt out to
//! several consumers, each frame to one of them or to all, as a routing
//! function of the caller's says.
//!
//! This is [`ReadAhead`](super::ReadAhead) for more than one consumer: the
//! reader thread copies each frame into the batch of the consumer it is
//! routed to (every consumer's, for [`Route::All`]), and sends full batches
//! over bounded channels; spent batches come back to be refilled, so memory
//! stays bounded whatever the file. Every consumer sees every frame number
//! in order: a frame routed elsewhere appears as [`Item::Elsewhere`] with its
//! time stamp and no bytes, so that a consumer keeping time by packets (idle
//! timeouts) keeps the same time as one that saw everything.
//!
//! Must not know what the routes mean (flows, threads of analysis): the
//! caller's function decides. The reader's fault, if any, comes back with the
//! reader from the thread's handle, after every consumer has had each frame
//! before it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use super::{CaptureError, FileReader, Frame, LinkType, PacketSource, Timestamp};

/// Frames per batch, and bytes a batch may hold before the batches go out.
const BATCH_FRAMES: usize = 4096;
const BATCH_BYTES: usize = 1 << 20;
/// Batches per consumer: one being filled, one being analysed, two queued.
const BATCHES: usize = 8;

/// Where a frame goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// To this consumer (the others see it as [`Item::Elsewhere`]).
    To(usize),
    /// To every consumer, with the one that owns it, if any: a tag the
    /// consumers interpret, the bytes go to all.
    All(Option<usize>),
}

/// No owner, in a [`Slot`].
const NOBODY: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Own,
    Shared,
    Elsewhere,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    number: u64,
    ts: Timestamp,
    link: LinkType,
    interface: u32,
    orig_len: u32,
    offset: u64,
    start: u32,
    len: u32,
    kind: Kind,
    owner: u32,
}

#[derive(Default)]
struct Batch {
    data: Vec<u8>,
    slots: Vec<Slot>,
}

/// One frame as a consumer sees it.
#[derive(Debug)]
pub enum Item<'a> {
    /// A frame for this consumer; `shared` when every consumer has it,
    /// with its owner (see [`Route::All`]); a frame that is not shared is
    /// its consumer's own.
    Frame { frame: Frame<'a>, shared: bool, owner: Option<usize> },
    /// A frame routed to another consumer: only its number and time.
    Elsewhere { number: u64, ts: Timestamp },
}

/// A consumer's end of the reader: its frames, in order.
pub struct Routed {
    rx: Receiver<Batch>,
    back: SyncSender<Batch>,
    cur: Batch,
    pos: usize,
}

impl Routed {
    /// The next frame, or `None` at the end (of the file, of the count, or
    /// at a fault: the reader's handle says which).
    pub fn next_item(&mut self) -> Option<Item<'_>> {
        while self.pos >= self.cur.slots.len() {
            let next = self.rx.recv().ok()?;
            let spent = std::mem::replace(&mut self.cur, next);
            let _ = self.back.try_send(spent);
            self.pos = 0;
        }
        let s = self.cur.slots[self.pos];
        self.pos += 1;
        Some(match s.kind {
            Kind::Elsewhere => Item::Elsewhere { number: s.number, ts: s.ts },
            kind => Item::Frame {
                frame: Frame {
                    number: s.number,
                    ts: s.ts,
                    link: s.link,
                    interface: s.interface,
                    orig_len: s.orig_len,
                    data: &self.cur.data[s.start as usize..(s.start + s.len) as usize],
                    offset: s.offset,
                },
                shared: kind == Kind::Shared,
                owner: (s.owner != NOBODY).then_some(s.owner as usize),
            },
        })
    }
}

/// How reading ended: the fault if any, and the reader (its statistics).
pub struct ReadEnd {
    pub error: Option<CaptureError>,
    pub reader: FileReader,
}

/// The reader thread: stops at its next frame once `stop` is set (and when
/// every consumer has gone).
pub struct Reader {
    handle: JoinHandle<ReadEnd>,
    stop: Arc<AtomicBool>,
}

impl Reader {
    /// Waits for the thread; `None` if it died (a bug: it never panics on input).
    pub fn join(self) -> Option<ReadEnd> {
        self.handle.join().ok()
    }

    /// Asks the thread to stop early (a consumer failed).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts reading `reader` on a new thread for `consumers` consumers, at
/// most `count` frames, each frame going where `route` says.
pub fn spawn(
    reader: FileReader,
    consumers: usize,
    count: Option<u64>,
    route: impl FnMut(&Frame<'_>) -> Route + Send + 'static,
) -> std::io::Result<(Vec<Routed>, Reader)> {
    let mut ends = Vec::with_capacity(consumers);
    let mut outs = Vec::with_capacity(consumers);
    for _ in 0..consumers {
        let (tx, rx) = sync_channel::<Batch>(BATCHES - 2);
        let (back, back_rx) = sync_channel::<Batch>(BATCHES);
        ends.push(Routed { rx, back, cur: Batch::default(), pos: 0 });
        outs.push(Out { tx, back: back_rx, spare: 0, cur: Batch::default() });
    }
    let stop = Arc::new(AtomicBool::new(false));
    let thread_stop = Arc::clone(&stop);
    let handle = std::thread::Builder::new()
        .name("wirelens-reader".into())
        .spawn(move || deal(reader, outs, count, route, &thread_stop))?;
    Ok((ends, Reader { handle, stop }))
}

struct Out {
    tx: SyncSender<Batch>,
    back: Receiver<Batch>,
    spare: usize,
    cur: Batch,
}

impl Out {
    /// A batch to fill: one that came back, a new one while fewer than
    /// [`BATCHES`] exist, or else the next to come back. `None`: the
    /// consumer has gone.
    fn fresh(&mut self) -> Option<Batch> {
        let mut b = match self.back.try_recv() {
            Ok(b) => b,
            Err(_) if self.spare < BATCHES => {
                self.spare += 1;
                Batch {
                    data: Vec::with_capacity(BATCH_BYTES + super::MAX_CAPLEN as usize),
                    slots: Vec::with_capacity(BATCH_FRAMES),
                }
            }
            Err(_) => self.back.recv().ok()?,
        };
        b.data.clear();
        b.slots.clear();
        Some(b)
    }
}

fn deal(
    mut reader: FileReader,
    mut outs: Vec<Out>,
    count: Option<u64>,
    mut route: impl FnMut(&Frame<'_>) -> Route,
    stop: &AtomicBool,
) -> ReadEnd {
    for o in &mut outs {
        match o.fresh() {
            Some(b) => o.cur = b,
            None => return ReadEnd { error: None, reader },
        }
    }
    let mut read = 0u64;
    let error = loop {
        if stop.load(Ordering::Relaxed) || count.is_some_and(|c| read >= c) {
            break None;
        }
        let f = match reader.next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => break None,
            Err(e) => break Some(e),
        };
        read += 1;
        let to = route(&f);
        let mut full = false;
        for (i, o) in outs.iter_mut().enumerate() {
            let (kind, owner) = match to {
                Route::All(owner) => (Kind::Shared, owner.map_or(NOBODY, |o| o as u32)),
                Route::To(k) if k == i => (Kind::Own, k as u32),
                Route::To(k) => (Kind::Elsewhere, k as u32),
            };
            let start = o.cur.data.len() as u32;
            let len = if kind == Kind::Elsewhere { 0 } else { f.data.len() as u32 };
            if kind != Kind::Elsewhere {
                o.cur.data.extend_from_slice(f.data);
            }
            o.cur.slots.push(Slot {
                number: f.number,
                ts: f.ts,
                link: f.link,
                interface: f.interface,
                orig_len: f.orig_len,
                offset: f.offset,
                start,
                len,
                kind,
                owner,
            });
            full |= o.cur.slots.len() >= BATCH_FRAMES || o.cur.data.len() >= BATCH_BYTES;
        }
        // Every consumer's batch goes out at once, so that each has the
        // frames up to the same number.
        if full && !send_all(&mut outs, true) {
            break None;
        }
    };
    send_all(&mut outs, false);
    ReadEnd { error, reader }
}

/// Sends each consumer its batch (and takes a fresh one when `more`);
/// false when a consumer has gone.
fn send_all(outs: &mut [Out], more: bool) -> bool {
    for o in outs.iter_mut() {
        let b = std::mem::take(&mut o.cur);
        if !b.slots.is_empty() && o.tx.send(b).is_err() {
            return false;
        }
        if more {
            match o.fresh() {
                Some(b) => o.cur = b,
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian microsecond pcap with `n` raw-IP records of 60 bytes,
    /// then `tail` (garbage, to end in a fault).
    fn pcap(n: u32, tail: &[u8]) -> Vec<u8> {
        let mut b = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 101, 0, 0, 0];
        for i in 0..n {
            b.extend_from_slice(&i.to_le_bytes());
            b.extend_from_slice(&[0, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0]);
            b.extend(std::iter::repeat_n((i % 251) as u8, 60));
        }
        b.extend_from_slice(tail);
        b
    }

    fn reader(bytes: Vec<u8>) -> FileReader {
        FileReader::from_reader("t", Box::new(std::io::Cursor::new(bytes))).unwrap()
    }

    /// What one consumer saw: (number, secs, first byte or None, shared).
    type Seen = Vec<(u64, i64, Option<u8>, bool)>;

    fn drain(r: &mut Routed) -> Seen {
        let mut v = Vec::new();
        while let Some(item) = r.next_item() {
            v.push(match item {
                Item::Frame { frame, shared, .. } => (frame.number, frame.ts.secs, Some(frame.data[0]), shared),
                Item::Elsewhere { number, ts } => (number, ts.secs, None, false),
            });
        }
        v
    }

    #[test]
    fn every_consumer_sees_every_number_and_its_own_bytes() {
        for (n, tail, count) in
            [(0, &[][..], None), (3000, &[][..], None), (2500, &[1, 2, 3][..], None), (3000, &[][..], Some(1500))]
        {
            let (mut ends, handle) = spawn(reader(pcap(n, tail)), 3, count, |f| match f.number % 4 {
                0 => Route::All(None),
                k => Route::To(k as usize - 1),
            })
            .unwrap();
            // Consumed in turn on other threads, as the analysis does.
            let seen: Vec<Seen> = std::thread::scope(|s| {
                let hs: Vec<_> = ends.iter_mut().map(|r| s.spawn(move || drain(r))).collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let end = handle.join().expect("the reader came back");
            let frames = count.unwrap_or(u64::from(n)).min(u64::from(n));
            assert_eq!(end.error.is_some(), !tail.is_empty(), "{n} frames");
            for (i, v) in seen.iter().enumerate() {
                assert_eq!(v.len() as u64, frames, "consumer {i}");
                for (k, &(number, secs, byte, shared)) in v.iter().enumerate() {
                    assert_eq!((number, secs), (k as u64 + 1, k as i64));
                    let mine = number % 4 == 0 || (number % 4) as usize - 1 == i;
                    assert_eq!(byte, mine.then_some((k % 251) as u8), "consumer {i} frame {number}");
                    assert_eq!(shared, number % 4 == 0);
                }
            }
        }
    }

    #[test]
    fn a_consumer_that_leaves_stops_the_reader() {
        let (mut ends, handle) = spawn(reader(pcap(50_000, &[])), 2, None, |_| Route::All(Some(1))).unwrap();
        let _ = ends[0].next_item();
        drop(ends);
        let end = handle.join().expect("the reader came back");
        assert!(end.error.is_none());
    }
}
