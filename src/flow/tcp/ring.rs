//! [`Ring`]: a double-ended queue of `Copy` values in a power-of-two
//! buffer, for the unacknowledged list's in-order segments.
//!
//! Why not `VecDeque`: its capacity may be any number, so every access
//! wraps its index with a compare and a subtraction (three times for a
//! segment pushed behind the others: the front, the back and the new
//! place), and the push was a call of its own. Here an index wraps with a
//! mask, and the ring does only what the list needs: push at the back,
//! pop at the front, read and write by position, remove a run from the
//! front part. The buffer grows by doubling like `VecDeque`'s, from 4, and
//! never shrinks (a connection's list is dropped with it).

use std::fmt;

#[derive(Clone)]
pub(super) struct Ring<T: Copy + Default> {
    /// Every slot holds a value (`T::default()` where none was pushed),
    /// so no slot is ever uninitialised; its length is 0 or a power of two.
    buf: Vec<T>,
    /// Position in `buf` of the front value.
    head: usize,
    len: usize,
}

impl<T: Copy + Default> Default for Ring<T> {
    fn default() -> Self {
        Ring { buf: Vec::new(), head: 0, len: 0 }
    }
}

impl<T: Copy + Default> Ring<T> {
    #[inline(always)]
    fn slot(&self, i: usize) -> usize {
        (self.head + i) & (self.buf.len().wrapping_sub(1))
    }

    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    pub(super) fn front(&self) -> Option<&T> {
        if self.len == 0 { None } else { self.buf.get(self.head) }
    }

    #[inline(always)]
    pub(super) fn back(&self) -> Option<&T> {
        if self.len == 0 { None } else { self.buf.get(self.slot(self.len - 1)) }
    }

    /// The value at position `i` from the front (`i < len`).
    #[inline(always)]
    pub(super) fn get(&self, i: usize) -> T {
        debug_assert!(i < self.len);
        self.buf[self.slot(i)]
    }

    #[inline(always)]
    pub(super) fn set(&mut self, i: usize, v: T) {
        debug_assert!(i < self.len);
        let at = self.slot(i);
        self.buf[at] = v;
    }

    #[inline(always)]
    pub(super) fn push_back(&mut self, v: T) {
        if self.len == self.buf.len() {
            self.grow();
        }
        let at = self.slot(self.len);
        self.buf[at] = v;
        self.len += 1;
    }

    #[inline(always)]
    pub(super) fn pop_front(&mut self) {
        if self.len > 0 {
            self.head = self.slot(1);
            self.len -= 1;
        }
    }

    /// Removes the values at positions `from..to`; the `from` values before
    /// them move up to stay in front of the rest.
    pub(super) fn remove_run(&mut self, from: usize, to: usize) {
        debug_assert!(from <= to && to <= self.len);
        let gap = to - from;
        for j in (0..from).rev() {
            let v = self.get(j);
            self.set(j + gap, v);
        }
        self.head = self.slot(gap);
        self.len -= gap;
    }

    /// Every value, front to back.
    pub(super) fn iter(&self) -> impl Iterator<Item = &T> {
        let (a, b) = self.halves();
        self.buf[a].iter().chain(&self.buf[b])
    }

    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        let (a, b) = self.halves();
        let (low, high) = self.buf.split_at_mut(a.start);
        high[..a.len()].iter_mut().chain(&mut low[b])
    }

    /// The ranges of `buf` that hold the values: from the head to the end
    /// of the buffer or of the values, then the wrapped part.
    fn halves(&self) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let first = (self.buf.len() - self.head).min(self.len);
        (self.head..self.head + first, 0..self.len - first)
    }

    /// Twice the room (4 at first), the values laid out from position 0.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let room = (self.buf.len() * 2).max(4);
        let mut buf = Vec::with_capacity(room);
        buf.extend(self.iter().copied());
        buf.resize(room, T::default());
        self.buf = buf;
        self.head = 0;
    }
}

/// The values front to back, as `VecDeque` shows them: two rings with the
/// same values look the same whatever their layout.
impl<T: Copy + Default + fmt::Debug> fmt::Debug for Ring<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    #[derive(Debug, Clone)]
    enum Op {
        Push(u32),
        Pop,
        Set(usize, u32),
        Remove(usize, usize),
        Bump,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            5 => any::<u32>().prop_map(Op::Push),
            2 => Just(Op::Pop),
            1 => (any::<usize>(), any::<u32>()).prop_map(|(i, v)| Op::Set(i, v)),
            1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::Remove(a, b)),
            1 => Just(Op::Bump),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        /// Every operation against `VecDeque`'s, with the values compared
        /// after each (by position, both iterators and the ends).
        #[test]
        fn same_as_vec_deque(ops in prop::collection::vec(op(), 0..200)) {
            let mut r = Ring::<u32>::default();
            let mut d = VecDeque::new();
            for op in ops {
                match op {
                    Op::Push(v) => { r.push_back(v); d.push_back(v); }
                    Op::Pop => { r.pop_front(); d.pop_front(); }
                    Op::Set(i, v) if !d.is_empty() => { let i = i % d.len(); r.set(i, v); d[i] = v; }
                    Op::Remove(a, b) => {
                        let (a, b) = (a % (d.len() + 1), b % (d.len() + 1));
                        let (from, to) = (a.min(b), a.max(b));
                        r.remove_run(from, to);
                        d.drain(from..to);
                    }
                    Op::Bump => { for v in r.iter_mut() { *v = v.wrapping_add(1); } for v in d.iter_mut() { *v = v.wrapping_add(1); } }
                    Op::Set(..) => {}
                }
                prop_assert_eq!(r.len(), d.len());
                prop_assert!(r.iter().eq(d.iter()));
                prop_assert!((0..d.len()).all(|i| r.get(i) == d[i]));
                prop_assert_eq!(r.front(), d.front());
                prop_assert_eq!(r.back(), d.back());
                prop_assert_eq!(format!("{r:?}"), format!("{d:?}"));
            }
        }
    }
}
