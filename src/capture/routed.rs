//! The dealing of a capture file's frames to several consumers, each frame
//! to one of them or to all, as a routing function of the caller's says:
//! [`Dealer`] reads and deals a round of frames into one [`Batch`] per
//! consumer, and `pool.rs` runs the dealing and the consumers on worker
//! threads.
//!
//! Frames are dealt in rounds of at most [`ROUND_FRAMES`]: every consumer
//! gets a batch each round (empty if none of the round's frames is for it)
//! that ends with [`Item::Through`], so that consumers can tell how far
//! every frame has been handled. A frame routed elsewhere can be shown to
//! the other consumers as [`Item::Elsewhere`], its number and time stamp
//! without its bytes, when the routing function asks (a consumer keeping
//! time by packets, for idle timeouts, needs the moments its clock would
//! have moved). Spent batches are dealt again, at most [`BATCHES`] per
//! consumer, so memory stays bounded whatever the file.
//!
//! A file the reader maps (`FileReader::open_mapped`) is dealt without
//! copying: a batch holds the places of its frames in the mapping, and the
//! dealer gives the mapping's pages back behind the slowest consumer, as
//! it finishes its batches (see `map.rs`), so that memory stays bounded as
//! with copies; any other file's frames are copied into the batches.
//!
//! Must not know what the routes mean (flows, parts of an analysis): the
//! caller's function decides.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::map::Map;
use super::{CaptureError, FileReader, Frame, PacketSource, Timestamp, ahead};

/// Frames per round, and bytes a consumer's batch may hold before the
/// round ends early. Each round is a task for a worker, and each of its
/// batches one. With threads of their own, 16,384 instead of 4,096 frames
/// made `flows` on the benchmark capture faster in 26 of 40 paired runs.
/// In the pool, 32,768 frames with 3 batches (instead of 16,384 with 5)
/// kept the two cores busier (93 % against 89-90 % of the run, timed per
/// task, five runs each) and made `flows` faster in 35 of 60 paired runs
/// (medians -10 and -25 ms) for less CPU time (39 of 60, -20 and -61 ms);
/// 8,192 with 10 kept them busy 87 %.
pub(super) const ROUND_FRAMES: usize = 32768;
const BATCH_BYTES: usize = 1 << 20;
/// Frames a consumer's batch may hold before the round ends early: when
/// one consumer has most of a round's frames (the end of the benchmark
/// capture, all of them), its batches are the ones that fill; a batch's
/// slots are 64 bytes a frame, and peak RSS counts every slot ever
/// touched.
const BATCH_SLOTS: usize = ROUND_FRAMES * 3 / 4;
/// Batches per consumer: one being filled, one being consumed, one
/// queued. Every round needs a batch of every consumer, so the dealing
/// waits for the slowest; a consumer with a burst of costly frames holds
/// the others up, and they run dry while it catches up. The frames on the
/// way cost memory (the mapped pages between the slowest consumer and the
/// reader, and 64 bytes of slot a frame). On the capture twice as long,
/// before the release step below and `BATCH_SLOTS`: 32,768 x 4 peaked at
/// 68-71 MiB, 32,768 x 3 at 63-64 MiB, 16,384 x 5 at 58-61 MiB, 16,384 x 8
/// at 71 MiB (and gained nothing over 5 in paired runs); with them,
/// 32,768 x 3 at 56-57 MiB.
pub(super) const BATCHES: usize = 3;

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
pub struct Batch {
    /// The frames' bytes, unless they are in the mapping.
    data: Vec<u8>,
    slots: Vec<Slot>,
    /// The last frame of the round.
    through: u64,
    /// For a mapped file: the end of the round's last record in it, which
    /// the consumer is past once it sends the batch back.
    upto: usize,
}

impl Batch {
    /// Adds `f` to the batch: its place in a mapped file (`place`), or its
    /// bytes (none for `Elsewhere`). True when the batch has its fill of
    /// bytes or of slots.
    #[inline(always)]
    fn push(&mut self, f: &Frame<'_>, place: Option<u64>, kind: Kind, owner: u32) -> bool {
        let frame = match place {
            Some(start) => ahead::Slot::at(f, start, f.data.len() as u32),
            None => ahead::Slot::copy(f, &mut self.data, kind != Kind::Elsewhere),
        };
        self.slots.push(Slot { frame, kind, owner });
        self.data.len() >= BATCH_BYTES || self.slots.len() >= BATCH_SLOTS
    }

    /// A batch, its slots allocated for a full one at once (grown by
    /// doubling, the first batches were copied 12 times over).
    pub(super) fn new() -> Batch {
        Batch { slots: Vec::with_capacity(BATCH_SLOTS), ..Batch::default() }
    }

    /// Emptied, to be filled again.
    pub(super) fn clear(&mut self) {
        self.data.clear();
        self.slots.clear();
    }

    /// How far into a mapped file the consumer is once it is done with this batch.
    pub(super) fn upto(&self) -> usize {
        self.upto
    }

    /// The batch's items in order, the last its round's end.
    pub(super) fn for_each<'a>(&'a self, map: Option<&'a Map>, mut f: impl FnMut(Item<'a>) -> bool) -> bool {
        let data = map.map_or(&self.data[..], Map::bytes);
        for s in &self.slots {
            if !f(s.item(data)) {
                return false;
            }
        }
        f(Item::Through(self.through))
    }
}

impl Slot {
    #[inline(always)]
    fn item<'a>(&self, data: &'a [u8]) -> Item<'a> {
        match self.kind {
            Kind::Elsewhere => {
                Item::Elsewhere { number: self.frame.number(), ts: self.frame.ts(), tag: self.owner as u8 }
            }
            kind => Item::Frame {
                frame: self.frame.frame(data),
                shared: kind == Kind::Shared,
                owner: (self.owner != NOBODY).then_some(self.owner as usize),
            },
        }
    }
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

/// How reading ended: the fault, if any.
pub struct ReadEnd {
    pub error: Option<CaptureError>,
}

/// The reading and dealing of frames, a round at a time: the loop of the
/// reader thread ([`spawn`]) and the task of the pool (`pool.rs`).
pub(super) struct Dealer<F> {
    reader: FileReader,
    route: F,
    count: Option<u64>,
    /// Frames read so far.
    read: u64,
    mapped: Mapped,
    /// Where the mapping starts in memory, if the file is mapped.
    base: usize,
    /// How reading ended, once it has.
    pub(super) end: Option<ReadEnd>,
}

impl<F: FnMut(&Frame<'_>) -> Deal> Dealer<F> {
    pub(super) fn new(reader: FileReader, count: Option<u64>, route: F) -> Dealer<F> {
        let map = reader.mapping().cloned();
        let base = map.as_ref().map_or(0, |m| m.bytes().as_ptr() as usize);
        Dealer { reader, route, count, read: 0, mapped: Mapped { map, released: 0, upto: 0 }, base, end: None }
    }

    /// Deals the next round into `outs` (one empty batch per consumer): at
    /// most [`ROUND_FRAMES`] frames, fewer when a batch has its fill or
    /// reading ends (then `end` is set). The frames dealt.
    ///
    /// Out of line: a function of its own since the pool's loop no longer
    /// holds the consumers' work (`Consume::batch`), 6 instructions a frame
    /// fewer than inlined there (callgrind). (Inlined into the threaded
    /// reader's loop it had saved 24.)
    #[inline(never)]
    pub(super) fn round(&mut self, outs: &mut [Batch], stop: &AtomicBool) -> usize {
        let Dealer { reader, route, count, read, mapped, base, end } = self;
        let mut round = 0usize;
        while round < ROUND_FRAMES {
            if stop.load(Ordering::Relaxed) || count.is_some_and(|c| *read >= c) {
                *end = Some(ReadEnd { error: None });
                break;
            }
            let f = match reader.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => {
                    *end = Some(ReadEnd { error: None });
                    break;
                }
                Err(e) => {
                    *end = Some(ReadEnd { error: Some(e) });
                    break;
                }
            };
            *read += 1;
            let deal = route(&f);
            let mut full = false;
            // A frame of a mapped file is in the mapping: its place, not its bytes.
            let place = if mapped.map.is_some() {
                let start = (f.data.as_ptr() as usize).wrapping_sub(*base);
                mapped.upto = start + f.data.len();
                Some(start as u64)
            } else {
                None
            };
            // The usual frame: one consumer's, the others not told.
            if let (Route::To(k), None) = (deal.route, deal.others) {
                if let Some(b) = outs.get_mut(k) {
                    full = b.push(&f, place, Kind::Own, k as u32);
                }
            } else {
                deal_around(outs, &f, deal, place, &mut full);
            }
            round += 1;
            if full {
                break;
            }
        }
        for b in outs.iter_mut() {
            b.through = *read;
            b.upto = mapped.upto;
        }
        round
    }

    /// Gives back the mapped pages every consumer is past (`past`: the
    /// least of the ends of the batches they have finished).
    pub(super) fn release(&mut self, past: usize) {
        if let Some(map) = &self.mapped.map {
            if past >= self.mapped.released + RELEASE_STEP {
                self.mapped.released = map.release(self.mapped.released, past);
            }
        }
    }
}

/// Deals a frame that goes to several consumers, or that the others are
/// shown as [`Item::Elsewhere`].
fn deal_around(outs: &mut [Batch], f: &Frame<'_>, deal: Deal, place: Option<u64>, full: &mut bool) {
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

/// Pages are given back in steps of this many bytes at least (4 MiB before:
/// 2 MiB more of peak RSS, for 270 fewer `madvise` calls a run of the
/// benchmark capture).
const RELEASE_STEP: usize = 1 << 20;
