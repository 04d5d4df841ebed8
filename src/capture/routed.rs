//! [`spawn`]: a capture file read on a thread of its own and dealt out to
//! several consumers, each frame to one of them or to all, as a routing
//! function of the caller's says.
//!
//! This is [`ReadAhead`](super::ReadAhead) for more than one consumer: the
//! reader thread copies each frame into the batch of the consumer it is
//! routed to (every consumer's, for [`Route::All`]), and sends full batches
//! over bounded channels; spent batches come back to be refilled, so memory
//! stays bounded whatever the file. Frames are dealt in rounds of at most
//! [`ROUND_FRAMES`]: every consumer gets a batch each round (empty if none
//! of the round's frames is for it) that ends with [`Item::Through`], so
//! that consumers can tell how far every frame has been handled. A frame
//! routed elsewhere can be shown to the other consumers as
//! [`Item::Elsewhere`], its number and time stamp without its bytes, when
//! the routing function asks (a consumer keeping time by packets, for idle
//! timeouts, needs the moments its clock would have moved).
//!
//! A file the reader maps (`FileReader::open_mapped`) is dealt without
//! copying: a batch holds the places of its frames in the mapping, and the
//! reader gives the mapping's pages back behind the slowest consumer, as
//! the batches it has finished come back (see `map.rs`), so that memory
//! stays bounded as with copies.
//!
//! Must not know what the routes mean (flows, threads of analysis): the
//! caller's function decides. The reader's fault, if any, comes back from
//! the thread's handle, after every consumer has had each frame before it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use super::map::Map;
use super::{CaptureError, FileReader, Frame, PacketSource, Timestamp, ahead};

/// Frames per round, and bytes a consumer's batch may hold before the
/// round ends early. Every round wakes every consumer, and each batch and
/// report crosses between the cores: 16,384 instead of 4,096 frames (with
/// 5 batches instead of 16, the same frames on the way) made `flows` on
/// the benchmark capture faster in 26 of 40 paired runs (median -14 ms);
/// with 6 batches in 54 of 70 (-26 and -44 ms), but the capture twice as
/// long then peaked at 64 MiB (58 MiB with 5; 55 MiB before).
const ROUND_FRAMES: usize = 16384;
const BATCH_BYTES: usize = 1 << 20;
/// Batches per consumer: one being filled, one being analysed, the rest
/// queued or on their way back. The reader deals every round to every
/// consumer, so it waits for the slowest; a consumer with a burst of costly
/// frames held the others up within a few rounds, and they ran dry while it
/// caught up (`perf`: 20 % of both cores idle in the benchmark). With rounds
/// of 4,096 frames, 16 instead of 8: 458 -> 440 ms (medians of 21 runs,
/// lab.pcap), peak RSS 42 -> 46 MiB (the mapped pages between the slowest
/// consumer and the reader); 32 gained nothing more for 53 MiB. With rounds
/// of 16,384, 4 lost to 6 in 22 of 30 paired runs (median 19 ms).
const BATCHES: usize = 5;

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

/// What the routing function says of a frame: where it goes, and whether
/// the consumers it does not go to see it as [`Item::Elsewhere`], with a
/// tag of the caller's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deal {
    pub route: Route,
    pub others: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Own,
    Shared,
    Elsewhere,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    frame: ahead::Slot,
    kind: Kind,
    /// The owner, or for `Elsewhere` the caller's tag.
    owner: u32,
}

#[derive(Default)]
struct Batch {
    /// The frames' bytes, unless they are in the mapping.
    data: Vec<u8>,
    slots: Vec<Slot>,
    /// The last frame of the round.
    through: u64,
    /// For a mapped file: the end of the round's last record in it, which
    /// the consumer is past once it sends the batch back.
    upto: usize,
}

/// One frame as a consumer sees it.
#[derive(Debug)]
pub enum Item<'a> {
    /// A frame for this consumer; `shared` when every consumer has it,
    /// with its owner (see [`Route::All`]); a frame that is not shared is
    /// its consumer's own.
    Frame { frame: Frame<'a>, shared: bool, owner: Option<usize> },
    /// A frame routed to another consumer that the routing function
    /// shows to this one: only its number, time and tag.
    Elsewhere { number: u64, ts: Timestamp, tag: u8 },
    /// Every frame up to this number has been dealt and, before this item,
    /// handed out: the end of a round.
    Through(u64),
}

/// A consumer's end of the reader: its frames, in order.
pub struct Routed {
    /// The file, when it is mapped: the frames' bytes are there.
    map: Option<Arc<Map>>,
    rx: Receiver<Batch>,
    back: SyncSender<Batch>,
    cur: Batch,
    pos: usize,
    /// The current batch's `Through` has been handed out.
    told: bool,
}

impl Routed {
    /// The next item, or `None` at the end (of the file, of the count, or
    /// at a fault: the reader's handle says which).
    ///
    /// Inlined into the consumer's loop, the change of batch out of line:
    /// as a call it cost 67 instructions a frame (callgrind), most of them
    /// writing the item to memory for the caller to read back.
    #[inline]
    pub fn next_item(&mut self) -> Option<Item<'_>> {
        if self.pos >= self.cur.slots.len() {
            if !self.told {
                self.told = true;
                return Some(Item::Through(self.cur.through));
            }
            self.next_batch()?;
            if self.cur.slots.is_empty() {
                // An empty batch: only its round's end.
                self.told = true;
                return Some(Item::Through(self.cur.through));
            }
        }
        let s = self.cur.slots[self.pos];
        self.pos += 1;
        Some(match s.kind {
            Kind::Elsewhere => Item::Elsewhere { number: s.frame.number(), ts: s.frame.ts(), tag: s.owner as u8 },
            kind => Item::Frame {
                frame: s.frame.frame(match &self.map {
                    Some(m) => m.bytes(),
                    None => &self.cur.data,
                }),
                shared: kind == Kind::Shared,
                owner: (s.owner != NOBODY).then_some(s.owner as usize),
            },
        })
    }

    /// Swaps the spent batch for the next one; `None` at the end.
    #[inline(never)]
    fn next_batch(&mut self) -> Option<()> {
        let next = self.rx.recv().ok()?;
        let spent = std::mem::replace(&mut self.cur, next);
        let _ = self.back.try_send(spent);
        self.pos = 0;
        self.told = false;
        Some(())
    }
}

/// How reading ended: the fault, if any.
pub struct ReadEnd {
    pub error: Option<CaptureError>,
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
    route: impl FnMut(&Frame<'_>) -> Deal + Send + 'static,
) -> std::io::Result<(Vec<Routed>, Reader)> {
    let mut ends = Vec::with_capacity(consumers);
    let mut outs = Vec::with_capacity(consumers);
    let map = reader.mapping().cloned();
    for _ in 0..consumers {
        let (tx, rx) = sync_channel::<Batch>(BATCHES - 2);
        let (back, back_rx) = sync_channel::<Batch>(BATCHES);
        // An empty first batch, its round already told.
        ends.push(Routed { map: map.clone(), rx, back, cur: Batch::default(), pos: 0, told: true });
        outs.push(Out { tx, back: back_rx, spare: 0, cur: Batch::default(), past: 0 });
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
    /// How far into a mapped file this consumer is known to be done.
    past: usize,
}

impl Out {
    /// Adds `f` to the batch being filled: its place in a mapped file
    /// (`place`), or its bytes (none for `Elsewhere`). True when the batch
    /// has its fill of bytes.
    #[inline(always)]
    fn push(&mut self, f: &Frame<'_>, place: Option<u64>, kind: Kind, owner: u32) -> bool {
        let frame = match place {
            Some(start) => ahead::Slot::at(f, start, f.data.len() as u32),
            None => ahead::Slot::copy(f, &mut self.cur.data, kind != Kind::Elsewhere),
        };
        self.cur.slots.push(Slot { frame, kind, owner });
        self.cur.data.len() >= BATCH_BYTES
    }

    /// A batch to fill: one that came back, a new one while fewer than
    /// [`BATCHES`] exist, or else the next to come back. `None`: the
    /// consumer has gone.
    fn fresh(&mut self) -> Option<Batch> {
        let mut b = match self.back.try_recv() {
            Ok(b) => b,
            Err(_) if self.spare < BATCHES => {
                self.spare += 1;
                // A round's slots from the start: grown by doubling, the
                // first batches were copied 12 times over.
                Batch { slots: Vec::with_capacity(ROUND_FRAMES), ..Batch::default() }
            }
            Err(_) => self.back.recv().ok()?,
        };
        self.past = self.past.max(b.upto);
        b.data.clear();
        b.slots.clear();
        Some(b)
    }
}

// Inlined into the thread's closure, its only caller: out of line (as
// LLVM's partitioning decided after unrelated edits) the loop cost the
// reader 24 instructions a frame more (callgrind).
#[inline(always)]
fn deal(
    mut reader: FileReader,
    mut outs: Vec<Out>,
    count: Option<u64>,
    mut route: impl FnMut(&Frame<'_>) -> Deal,
    stop: &AtomicBool,
) -> ReadEnd {
    for o in &mut outs {
        match o.fresh() {
            Some(b) => o.cur = b,
            None => return ReadEnd { error: None },
        }
    }
    let map = reader.mapping().cloned();
    let base = map.as_ref().map_or(0, |m| m.bytes().as_ptr() as usize);
    let mut mapped = Mapped { map, released: 0, upto: 0 };
    let mut read = 0u64;
    let mut round = 0usize;
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
        let deal = route(&f);
        let mut full = false;
        // A frame of a mapped file is in the mapping: its place, not its bytes.
        let place = if mapped.map.is_some() {
            let start = (f.data.as_ptr() as usize).wrapping_sub(base);
            mapped.upto = start + f.data.len();
            Some(start as u64)
        } else {
            None
        };
        // The usual frame: one consumer's, the others not told.
        if let (Route::To(k), None) = (deal.route, deal.others) {
            if let Some(o) = outs.get_mut(k) {
                full = o.push(&f, place, Kind::Own, k as u32);
            }
        } else {
            deal_around(&mut outs, &f, deal, place, &mut full);
        }
        round += 1;
        // Every consumer's batch goes out at once, so that each has the
        // frames up to the same number.
        if (full || round >= ROUND_FRAMES) && !send_all(&mut outs, read, &mut mapped, true) {
            break None;
        }
        if round >= ROUND_FRAMES || full {
            round = 0;
        }
    };
    if round > 0 {
        send_all(&mut outs, read, &mut mapped, false);
    }
    ReadEnd { error }
}

/// Deals a frame that goes to several consumers, or that the others are
/// shown as [`Item::Elsewhere`].
fn deal_around(outs: &mut [Out], f: &Frame<'_>, deal: Deal, place: Option<u64>, full: &mut bool) {
    for (i, o) in outs.iter_mut().enumerate() {
        let (kind, owner) = match deal.route {
            Route::All(owner) => (Kind::Shared, owner.map_or(NOBODY, |o| o as u32)),
            Route::To(k) if k == i => (Kind::Own, k as u32),
            Route::To(_) => match deal.others {
                Some(tag) => (Kind::Elsewhere, u32::from(tag)),
                None => continue,
            },
        };
        *full |= o.push(f, place, kind, owner);
    }
}

/// The mapping of a mapped file, and how much of it has been released.
struct Mapped {
    map: Option<Arc<Map>>,
    /// The mapping is given back up to here.
    released: usize,
    /// The end of the last frame read.
    upto: usize,
}

/// Pages are given back in steps of this many bytes at least.
const RELEASE_STEP: usize = 4 << 20;

/// Ends the round at frame `through`: sends each consumer its batch (and
/// takes a fresh one when `more`); false when a consumer has gone. Gives
/// back the mapped pages every consumer is past.
fn send_all(outs: &mut [Out], through: u64, mapped: &mut Mapped, more: bool) -> bool {
    for o in outs.iter_mut() {
        let mut b = std::mem::take(&mut o.cur);
        b.through = through;
        b.upto = mapped.upto;
        if o.tx.send(b).is_err() {
            return false;
        }
        if more {
            match o.fresh() {
                Some(b) => o.cur = b,
                None => return false,
            }
        }
    }
    if let Some(map) = &mapped.map {
        let past = outs.iter().map(|o| o.past).min().unwrap_or(0);
        if past >= mapped.released + RELEASE_STEP {
            mapped.released = map.release(mapped.released, past);
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::ahead::tests::pcap;
    use super::*;

    fn reader(bytes: Vec<u8>) -> FileReader {
        FileReader::from_reader("t", Box::new(std::io::Cursor::new(bytes))).unwrap()
    }

    /// What one consumer saw: (number, secs, first byte or None, shared),
    /// and the ends of rounds.
    type Seen = (Vec<(u64, i64, Option<u8>, bool)>, Vec<u64>);

    fn drain(r: &mut Routed) -> Seen {
        let (mut v, mut rounds) = (Vec::new(), Vec::new());
        while let Some(item) = r.next_item() {
            match item {
                Item::Frame { frame, shared, .. } => v.push((frame.number, frame.ts.secs, Some(frame.data[0]), shared)),
                Item::Elsewhere { number, ts, tag } => {
                    assert_eq!(tag, 7);
                    v.push((number, ts.secs, None, false));
                }
                Item::Through(n) => {
                    assert!(v.last().is_none_or(|l| l.0 <= n), "a round ends after its frames");
                    rounds.push(n);
                }
            }
        }
        (v, rounds)
    }

    #[test]
    fn every_consumer_sees_every_number_and_its_own_bytes() {
        for (n, tail, count) in
            [(0, &[][..], None), (3000, &[][..], None), (2500, &[1, 2, 3][..], None), (3000, &[][..], Some(1500))]
        {
            // Every 4th frame to all; the others to one, shown to the
            // others when odd.
            let (mut ends, handle) = spawn(reader(pcap(n, tail)), 3, count, |f| Deal {
                route: match f.number % 4 {
                    0 => Route::All(None),
                    k => Route::To(k as usize - 1),
                },
                others: (f.number % 2 == 1).then_some(7),
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
            for (i, (v, rounds)) in seen.iter().enumerate() {
                let mine = |number: u64| number % 4 == 0 || (number % 4) as usize - 1 == i;
                let want: Vec<u64> = (1..=frames).filter(|&k| mine(k) || k % 2 == 1).collect();
                assert_eq!(v.iter().map(|s| s.0).collect::<Vec<_>>(), want, "consumer {i}");
                for &(number, secs, byte, shared) in v {
                    assert_eq!(secs, number as i64 - 1);
                    assert_eq!(byte, mine(number).then_some(((number - 1) % 251) as u8), "consumer {i} frame {number}");
                    assert_eq!(shared, number % 4 == 0);
                }
                // Rounds of ROUND_FRAMES, the same for every consumer, the last at the last frame.
                let want: Vec<u64> =
                    (1..=frames.div_ceil(ROUND_FRAMES as u64)).map(|r| (r * ROUND_FRAMES as u64).min(frames)).collect();
                assert_eq!(rounds, &want, "consumer {i}");
            }
        }
    }

    #[test]
    fn a_consumer_that_leaves_stops_the_reader() {
        let (mut ends, handle) =
            spawn(reader(pcap(50_000, &[])), 2, None, |_| Deal { route: Route::All(Some(1)), others: None }).unwrap();
        let _ = ends[0].next_item();
        drop(ends);
        let end = handle.join().expect("the reader came back");
        assert!(end.error.is_none());
    }
}
