//! [`run`]: a capture file dealt out to several consumers as in
//! [`routed`](super::routed), with the reading and every consumer run as
//! tasks on a few worker threads (as many as there are cores) instead of a
//! thread each.
//!
//! With a thread per consumer and one for the reader, more threads than
//! cores took turns: each round woke every consumer, a woken thread often
//! landed on the busy core while the other went idle for a moment, and
//! `perf sched` counted about 100 ms of idle core time in a 0.5 s run of
//! `flows` on two cores (the reader runnable but waiting for a core 117 ms
//! of it). Here a worker takes whatever can run next: the next round of
//! the reading, while every consumer has a batch free, else a consumer's
//! next batch (its own consumers first, so that a consumer's flows stay in
//! one core's cache while the load allows), and sleeps only when there is
//! nothing at all.
//!
//! A consumer's batches are taken in order, by one worker at a time; the
//! reading runs on one worker at a time. Must not know what the routes or
//! the consumers mean.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use super::map::Map;
use super::routed::{BATCHES, Batch, Deal, Dealer, Item, ReadEnd};
use super::{FileReader, Frame};

/// A consumer of frames run as tasks: one batch at a time, in order.
pub trait Consume: Send {
    /// One item; `false` stops everything (the consumer's own reader has gone).
    fn item(&mut self, item: Item<'_>) -> bool;

    /// A batch's items in order, through [`item`](Self::item); `false` as
    /// there. One call a batch, out of line, with `item` inlined into its
    /// loop: called a frame at a time from the pool's loop, `item` took its
    /// frame as an `Item` built on the stack, and its call saved and
    /// restored registers every frame.
    #[inline(never)]
    fn batch(&mut self, b: &Batch, map: Option<&Map>) -> bool {
        b.for_each(
            map,
            #[inline(always)]
            |item| self.item(item),
        )
    }
}

/// How the pool ended.
pub enum PoolEnd<C> {
    /// Every frame dealt and consumed: the consumers back, and how reading ended.
    Done(Vec<C>, ReadEnd),
    /// A consumer asked to stop: the consumers that were not at work.
    Stopped,
    /// A task panicked (a bug): the others were stopped.
    Failed,
}

/// What the workers share, under one lock.
struct State<C> {
    /// The reading is free to take: no worker deals a round, and it has not
    /// ended.
    dealer_free: bool,
    /// Reading has ended (`end` has how).
    dealt: bool,
    end: Option<ReadEnd>,
    /// Each consumer, when no worker has it.
    consumers: Vec<Option<C>>,
    /// Each consumer's batches dealt and not yet consumed, in order.
    queued: Vec<VecDeque<Batch>>,
    /// Each consumer's consumed batches, to be dealt again, and how many
    /// it has in all (at most `BATCHES`).
    spare: Vec<Vec<Batch>>,
    made: Vec<usize>,
    /// How far into a mapped file each consumer is done.
    past: Vec<usize>,
    stopped: bool,
    failed: bool,
    /// Workers asleep on the condition variable.
    asleep: usize,
}

/// A task a worker took.
enum Task<C> {
    Deal(Vec<Batch>, usize),
    Consume(usize, C, Batch),
}

impl<C> State<C> {
    /// Every consumer can take one more batch.
    fn room(&self) -> bool {
        self.spare.iter().zip(&self.made).all(|(s, &m)| !s.is_empty() || m < BATCHES)
    }

    /// The next task for worker `me` of `workers`, if any can run now.
    fn next(&mut self, me: usize, workers: usize) -> Option<Task<C>> {
        if self.dealer_free && self.room() {
            self.dealer_free = false;
            let mut outs = Vec::with_capacity(self.spare.len());
            for (spare, made) in self.spare.iter_mut().zip(self.made.iter_mut()) {
                outs.push(spare.pop().unwrap_or_else(|| {
                    *made += 1;
                    Batch::new()
                }));
            }
            let past = self.past.iter().copied().min().unwrap_or(0);
            return Some(Task::Deal(outs, past));
        }
        // Its own consumers first (k % workers == me), then the one with
        // the most batches waiting.
        let ready = |k: usize| self.consumers[k].is_some() && !self.queued[k].is_empty();
        let n = self.consumers.len();
        let k = (0..n)
            .filter(|&k| k % workers == me && ready(k))
            .max_by_key(|&k| self.queued[k].len())
            .or_else(|| (0..n).filter(|&k| ready(k)).max_by_key(|&k| self.queued[k].len()))?;
        let c = self.consumers[k].take()?;
        let b = self.queued[k].pop_front()?;
        Some(Task::Consume(k, c, b))
    }

    /// Nothing is left to do: reading has ended, every batch is consumed
    /// and every consumer is back.
    fn over(&self) -> bool {
        self.stopped
            || self.failed
            || (self.dealt && self.queued.iter().all(VecDeque::is_empty) && self.consumers.iter().all(Option::is_some))
    }
}

struct Shared<C, F> {
    state: Mutex<State<C>>,
    /// The reading: taken by one worker at a time (`dealer_free` says when).
    dealer: Mutex<Dealer<F>>,
    wake: Condvar,
    /// Set when a consumer stops everything, for the reading to see between frames.
    stop: AtomicBool,
    map: Option<std::sync::Arc<super::map::Map>>,
}

impl<C, F> Shared<C, F> {
    fn lock(&self) -> MutexGuard<'_, State<C>> {
        // A task never panics under the lock; a poisoned lock still holds
        // consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Reads `reader` and deals each frame where `route` says to `consumers`,
/// on `workers` threads (the caller's among them), at most `count` frames.
/// Returns the consumers once every frame they were dealt is consumed.
pub fn run<C, F>(reader: FileReader, consumers: Vec<C>, workers: usize, count: Option<u64>, route: F) -> PoolEnd<C>
where
    C: Consume,
    F: FnMut(&Frame<'_>) -> Deal + Send,
{
    let n = consumers.len();
    let map = reader.mapping().cloned();
    let shared = Shared {
        state: Mutex::new(State {
            dealer_free: true,
            dealt: false,
            end: None,
            consumers: consumers.into_iter().map(Some).collect(),
            queued: (0..n).map(|_| VecDeque::with_capacity(BATCHES)).collect(),
            spare: (0..n).map(|_| Vec::with_capacity(BATCHES)).collect(),
            made: vec![0; n],
            past: vec![0; n],
            stopped: false,
            failed: false,
            asleep: 0,
        }),
        dealer: Mutex::new(Dealer::new(reader, count, route)),
        wake: Condvar::new(),
        stop: AtomicBool::new(false),
        map,
    };
    let workers = workers.max(1);
    std::thread::scope(|s| {
        for me in 1..workers {
            let shared = &shared;
            // A worker that cannot be started leaves its tasks to the others.
            let _ = std::thread::Builder::new()
                .name(format!("wl-worker-{me}"))
                .spawn_scoped(s, move || work(shared, me, workers));
        }
        work(&shared, 0, workers);
    });
    let st = shared.state.into_inner().unwrap_or_else(|e| e.into_inner());
    if st.failed {
        return PoolEnd::Failed;
    }
    if st.stopped {
        return PoolEnd::Stopped;
    }
    let consumers: Option<Vec<C>> = st.consumers.into_iter().collect();
    match (consumers, st.end) {
        (Some(c), Some(end)) => PoolEnd::Done(c, end),
        _ => PoolEnd::Failed,
    }
}

/// One worker: takes tasks until there are none left.
fn work<C, F>(shared: &Shared<C, F>, me: usize, workers: usize)
where
    C: Consume,
    F: FnMut(&Frame<'_>) -> Deal + Send,
{
    let mut st = shared.lock();
    loop {
        if st.over() {
            break;
        }
        let Some(task) = st.next(me, workers) else {
            st.asleep += 1;
            st = shared.wake.wait(st).unwrap_or_else(|e| e.into_inner());
            st.asleep -= 1;
            continue;
        };
        drop(st);
        match task {
            Task::Deal(mut outs, past) => {
                let dealt = catch_unwind(AssertUnwindSafe(|| {
                    let mut dealer = shared.dealer.lock().unwrap_or_else(|e| e.into_inner());
                    dealer.release(past);
                    let frames = dealer.round(&mut outs, &shared.stop);
                    (frames, dealer.end.take())
                }));
                st = shared.lock();
                match dealt {
                    Ok((frames, ended)) => {
                        // A round with no frame (reading ended at its
                        // start) gives the consumers nothing.
                        for (k, b) in outs.into_iter().enumerate() {
                            if frames > 0 {
                                st.queued[k].push_back(b);
                            } else {
                                st.spare[k].push(b);
                            }
                        }
                        match ended {
                            Some(end) => {
                                st.end = Some(end);
                                st.dealt = true;
                            }
                            None => st.dealer_free = true,
                        }
                    }
                    Err(_) => st.failed = true,
                }
            }
            Task::Consume(k, mut c, mut b) => {
                let ok = catch_unwind(AssertUnwindSafe(|| c.batch(&b, shared.map.as_deref())));
                st = shared.lock();
                match ok {
                    Ok(true) => {
                        st.past[k] = st.past[k].max(b.upto());
                        b.clear();
                        st.spare[k].push(b);
                        st.consumers[k] = Some(c);
                    }
                    Ok(false) => {
                        st.stopped = true;
                        shared.stop.store(true, Ordering::Relaxed);
                        st.consumers[k] = Some(c);
                    }
                    Err(_) => st.failed = true,
                }
            }
        }
        if st.asleep > 0 {
            shared.wake.notify_all();
        }
    }
    // Whoever sees the end wakes the others to see it too.
    if st.asleep > 0 {
        shared.wake.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::super::ahead::tests::pcap;
    use super::super::routed::{ROUND_FRAMES, Route};
    use super::*;

    fn reader(bytes: Vec<u8>) -> FileReader {
        FileReader::from_reader("t", Box::new(std::io::Cursor::new(bytes))).unwrap()
    }

    /// What one consumer saw: (number, secs, first byte or None, shared),
    /// and the ends of rounds.
    #[derive(Default)]
    struct Seen {
        frames: Vec<(u64, i64, Option<u8>, bool)>,
        rounds: Vec<u64>,
        /// Stop after this many frames.
        stop_after: Option<usize>,
    }

    impl Consume for Seen {
        fn item(&mut self, item: Item<'_>) -> bool {
            match item {
                Item::Frame { frame, shared, .. } => {
                    self.frames.push((frame.number, frame.ts.secs, Some(frame.data[0]), shared))
                }
                Item::Elsewhere { number, ts, tag } => {
                    assert_eq!(tag, 7);
                    self.frames.push((number, ts.secs, None, false));
                }
                Item::Through(n) => {
                    assert!(self.frames.last().is_none_or(|l| l.0 <= n), "a round ends after its frames");
                    self.rounds.push(n);
                }
            }
            self.stop_after.is_none_or(|s| self.frames.len() < s)
        }
    }

    #[test]
    fn every_consumer_sees_every_number_and_its_own_bytes() {
        for workers in [1, 2, 3] {
            for (n, tail, count) in [
                (0, &[][..], None),
                (3000, &[][..], None),
                (2500, &[1, 2, 3][..], None),
                (80_000, &[][..], Some(75_000)),
            ] {
                // Every 4th frame to all; the others to one, shown to the
                // others when odd.
                let consumers = (0..3).map(|_| Seen::default()).collect();
                let PoolEnd::Done(seen, end) = run(reader(pcap(n, tail)), consumers, workers, count, |f| Deal {
                    route: match f.number % 4 {
                        0 => Route::All(None),
                        k => Route::To(k as usize - 1),
                    },
                    others: (f.number % 2 == 1).then_some(7),
                }) else {
                    panic!("the pool ended early")
                };
                let frames = count.unwrap_or(u64::from(n)).min(u64::from(n));
                assert_eq!(end.error.is_some(), !tail.is_empty(), "{n} frames");
                // Rounds of at most ROUND_FRAMES (fewer when a batch fills:
                // here each consumer has three frames in four), the same
                // for every consumer, the last at the last frame.
                let rounds = &seen[0].rounds;
                assert_eq!(rounds.last().copied(), (frames > 0).then_some(frames), "{n} frames");
                let mut before = 0;
                for &r in rounds {
                    assert!(r > before && r - before <= ROUND_FRAMES as u64, "rounds {rounds:?}");
                    before = r;
                }
                for (i, s) in seen.iter().enumerate() {
                    let mine = |number: u64| number % 4 == 0 || (number % 4) as usize - 1 == i;
                    let want: Vec<u64> = (1..=frames).filter(|&k| mine(k) || k % 2 == 1).collect();
                    assert_eq!(s.frames.iter().map(|s| s.0).collect::<Vec<_>>(), want, "consumer {i}");
                    for &(number, secs, byte, shared) in &s.frames {
                        assert_eq!(secs, number as i64 - 1);
                        assert_eq!(byte, mine(number).then_some(((number - 1) % 251) as u8), "frame {number}");
                        assert_eq!(shared, number % 4 == 0);
                    }
                    assert_eq!(&s.rounds, rounds, "consumer {i}, {workers} workers");
                }
            }
        }
    }

    #[test]
    fn a_consumer_that_stops_stops_the_pool() {
        for workers in [1, 2] {
            let consumers = vec![Seen::default(), Seen { stop_after: Some(10), ..Seen::default() }];
            let end = run(reader(pcap(50_000, &[])), consumers, workers, None, |_| Deal {
                route: Route::All(Some(1)),
                others: None,
            });
            assert!(matches!(end, PoolEnd::Stopped));
        }
    }

    #[test]
    fn a_panicking_consumer_fails_the_pool_without_hanging() {
        struct Bad;
        impl Consume for Bad {
            fn item(&mut self, item: Item<'_>) -> bool {
                if let Item::Frame { frame, .. } = item {
                    assert!(frame.number < 20_000, "a bug");
                }
                true
            }
        }
        for workers in [1, 2] {
            let end = run(reader(pcap(50_000, &[])), vec![Bad, Bad], workers, None, |f| Deal {
                route: Route::To((f.number % 2) as usize),
                others: None,
            });
            assert!(matches!(end, PoolEnd::Failed));
        }
    }
}
