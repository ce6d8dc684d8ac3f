//! The calendar: pending events ordered by (time, sequence number).
//!
//! Entries in the heap are 16 bytes — time, and a word packing the sequence number with
//! the payload's slot — so sifting moves little memory; payloads live in a slab whose
//! slots are reused, so a warmed-up calendar allocates nothing per event. The sequence
//! number makes ties deterministic: events at the same nanosecond pop in the order they
//! were scheduled.
//!
//! Events scheduled for the current instant (a zero-latency message, a local rejection)
//! skip the heap: they go to a FIFO, popped after the heap's entries for the same instant.
//! Those heap entries were all scheduled before the clock reached this instant, so they
//! come first in (time, sequence) order anyway: the FIFO changes no order, only the cost.
//!
//! An event scheduled with [`Calendar::schedule_cancellable`] (a timeout) can be cancelled:
//! its payload is dropped at once and its heap entry becomes a tombstone. Tombstones never
//! pop as events; the heap's top is kept live, and when tombstones outnumber live entries the
//! heap is rebuilt without them, so a cancelled timer costs O(1) amortised instead of a pop
//! at its time. Keys are unique (the sequence number), so removing entries changes no order.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Simulated time in nanoseconds since the start of the run.
pub type Nanos = u64;

/// Bits of the packed word holding the slot; the rest holds the sequence number.
const SLOT_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;

/// Most events pending at once (2^24 ≈ 16.7 M); the engine's in-flight limit keeps runs far below.
pub const MAX_PENDING: usize = 1 << SLOT_BITS;

/// Tombstones tolerated before the heap is rebuilt without them (and only once they
/// outnumber the live entries), so small calendars never pay for a rebuild.
const MIN_TOMBSTONES_TO_COMPACT: usize = 1024;

/// A handle on an event scheduled with [`Calendar::schedule_cancellable`]: its heap word
/// (sequence number and slot), unique for the run, so a stale handle cancels nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerId(u64);

/// A pending-event list ordered by time, ties broken by scheduling order.
#[derive(Clone, Debug)]
pub struct Calendar<E> {
    heap: BinaryHeap<Reverse<(Nanos, u64)>>,
    slots: Vec<Option<E>>,
    /// The heap word of the entry each slot was last given, to recognise stale handles.
    words: Vec<u64>,
    /// Heap entries whose event was cancelled.
    tombstones: usize,
    free: Vec<u32>,
    /// Events scheduled at `now` while the clock is at `now`, in scheduling order.
    immediate: VecDeque<E>,
    seq: u64,
    now: Nanos,
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Calendar<E> {
    /// An empty calendar at time 0.
    pub fn new() -> Self {
        Calendar {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            words: Vec::new(),
            tombstones: 0,
            free: Vec::new(),
            immediate: VecDeque::new(),
            seq: 0,
            now: 0,
        }
    }

    /// The time of the last popped event.
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len() - self.tombstones + self.immediate.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty() && self.immediate.is_empty()
    }

    /// The time of the next event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<Nanos> {
        if !self.immediate.is_empty() {
            return Some(self.now);
        }
        self.heap.peek().map(|Reverse((t, _))| *t)
    }

    /// Schedules `event` at `time`, which must not be in the past. Returns `false` (and
    /// drops the event) when [`MAX_PENDING`] events are already pending.
    #[inline]
    pub fn schedule(&mut self, time: Nanos, event: E) -> bool {
        assert!(time >= self.now, "event scheduled in the past: {time} < {}", self.now);
        if time == self.now {
            if self.len() >= MAX_PENDING {
                return false;
            }
            self.immediate.push_back(event);
            return true;
        }
        self.push(time, event).is_some()
    }

    /// Schedules `event` at `time` (after now) so that it can be cancelled; `None` when the
    /// calendar is full (the event is dropped) or `time` is now (it is scheduled, but events
    /// for the current instant cannot be cancelled).
    #[inline]
    pub fn schedule_cancellable(&mut self, time: Nanos, event: E) -> Option<TimerId> {
        assert!(time >= self.now, "event scheduled in the past: {time} < {}", self.now);
        if time == self.now {
            self.schedule(time, event);
            return None;
        }
        self.push(time, event).map(TimerId)
    }

    /// Cancels the event of `id` if it is still pending: it will never pop. Returns whether
    /// it was pending (a handle whose event already popped, or was cancelled, does nothing).
    #[inline]
    pub fn cancel(&mut self, id: TimerId) -> bool {
        let slot = (id.0 & SLOT_MASK) as usize;
        if self.words.get(slot) != Some(&id.0) || self.slots[slot].is_none() {
            return false;
        }
        self.slots[slot] = None;
        self.tombstones += 1;
        self.drop_dead_top();
        if self.tombstones >= MIN_TOMBSTONES_TO_COMPACT && self.tombstones * 2 > self.heap.len() {
            self.compact();
        }
        true
    }

    /// Skips `n` sequence numbers and returns the first of them. An event scheduled later
    /// with [`Calendar::schedule_reserved`] at one of them sorts among events at its time as
    /// if it had been scheduled now: a forked run uses this to add fault windows exactly where
    /// a run of the variant from the start scheduled them (see [`crate::model::fork`]).
    pub fn reserve(&mut self, n: u64) -> u64 {
        let first = self.seq + 1;
        self.seq += n;
        first
    }

    /// Schedules `event` at `time` (after now) with a sequence number from
    /// [`Calendar::reserve`]; `false` (the event is dropped) when the calendar is full.
    pub fn schedule_reserved(&mut self, time: Nanos, seq: u64, event: E) -> bool {
        assert!(time > self.now, "a reserved event must be in the future: {time} <= {}", self.now);
        assert!(seq <= self.seq, "sequence number {seq} was never reserved");
        self.push_at(time, seq, event).is_some()
    }

    /// Puts `event` in a slot and its entry in the heap; the entry's word, or `None` when full.
    #[inline]
    fn push(&mut self, time: Nanos, event: E) -> Option<u64> {
        self.seq += 1;
        self.push_at(time, self.seq, event)
    }

    /// [`Calendar::push`] with a given sequence number.
    #[inline]
    fn push_at(&mut self, time: Nanos, seq: u64, event: E) -> Option<u64> {
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(event);
                s
            }
            None => {
                if self.slots.len() >= MAX_PENDING {
                    return None;
                }
                self.slots.push(Some(event));
                self.words.push(0);
                (self.slots.len() - 1) as u32
            }
        };
        let word = (seq << SLOT_BITS) | u64::from(slot);
        self.words[slot as usize] = word;
        self.heap.push(Reverse((time, word)));
        Some(word)
    }

    /// Removes tombstones from the top of the heap, so the top is always a live event.
    #[inline]
    fn drop_dead_top(&mut self) {
        while let Some(&Reverse((_, word))) = self.heap.peek() {
            let slot = (word & SLOT_MASK) as usize;
            if self.slots[slot].is_some() {
                return;
            }
            self.heap.pop();
            self.free.push(slot as u32);
            self.tombstones -= 1;
        }
    }

    /// Rebuilds the heap without its tombstones and frees their slots.
    fn compact(&mut self) {
        let (slots, free) = (&self.slots, &mut self.free);
        self.heap.retain(|&Reverse((_, word))| {
            let slot = (word & SLOT_MASK) as usize;
            let live = slots[slot].is_some();
            if !live {
                free.push(slot as u32);
            }
            live
        });
        self.tombstones = 0;
    }

    /// Removes and returns the earliest event, advancing `now` to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        let heap_now = self.heap.peek().is_some_and(|Reverse((t, _))| *t == self.now);
        if !heap_now {
            if let Some(e) = self.immediate.pop_front() {
                return Some((self.now, e));
            }
        }
        let Reverse((time, packed)) = self.heap.pop()?;
        let slot = (packed & SLOT_MASK) as usize;
        let event = self.slots[slot].take();
        self.free.push(slot as u32);
        debug_assert!(time >= self.now, "time went backwards");
        self.now = time;
        if self.tombstones > 0 {
            self.drop_dead_top();
        }
        event.map(|e| (time, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_ties_in_scheduling_order() {
        let mut c = Calendar::new();
        for (t, e) in [(5, 'a'), (1, 'b'), (5, 'c'), (3, 'd'), (1, 'e')] {
            assert!(c.schedule(t, e));
        }
        let order: Vec<(Nanos, char)> = std::iter::from_fn(|| c.pop()).collect();
        assert_eq!(order, vec![(1, 'b'), (1, 'e'), (3, 'd'), (5, 'a'), (5, 'c')]);
    }

    #[test]
    fn events_for_now_keep_scheduling_order_with_the_heap() {
        // 'a' and 'b' are in the heap for t = 5 before the clock gets there; 'c' and 'd' are
        // scheduled at t = 5 while handling 'a', so they follow 'b'.
        let mut c = Calendar::new();
        c.schedule(5, 'a');
        c.schedule(5, 'b');
        c.schedule(9, 'z');
        assert_eq!(c.pop(), Some((5, 'a')));
        c.schedule(5, 'c');
        c.schedule(5, 'd');
        assert_eq!(c.peek_time(), Some(5));
        assert_eq!(c.len(), 4);
        let order: Vec<(Nanos, char)> = std::iter::from_fn(|| c.pop()).collect();
        assert_eq!(order, vec![(5, 'b'), (5, 'c'), (5, 'd'), (9, 'z')]);
        // At the start, events for t = 0 are immediate too.
        let mut c = Calendar::new();
        c.schedule(1, 'x');
        c.schedule(0, 'y');
        assert_eq!(c.pop(), Some((0, 'y')));
    }

    #[test]
    fn slots_are_reused() {
        let mut c = Calendar::new();
        for round in 0..100u64 {
            c.schedule(round, round);
            c.schedule(round, round);
            assert!(c.pop().is_some() && c.pop().is_some());
        }
        assert_eq!(c.slots.len(), 2, "a steady calendar keeps its two slots");
    }

    #[test]
    fn cancelled_events_never_pop_and_the_rest_keep_their_order() {
        let mut c = Calendar::new();
        let a = c.schedule_cancellable(5, 'a').expect("pending");
        let b = c.schedule_cancellable(3, 'b').expect("pending");
        c.schedule(4, 'c');
        c.schedule(5, 'd');
        assert!(c.cancel(b), "b was pending");
        assert!(!c.cancel(b), "cancelling twice does nothing");
        assert_eq!(c.len(), 3);
        assert_eq!(c.peek_time(), Some(4), "the cancelled top is gone");
        assert_eq!(c.pop(), Some((4, 'c')));
        assert_eq!(c.pop(), Some((5, 'a')));
        assert!(!c.cancel(a), "a popped: its handle is stale");
        // Its slot is reused by the next event; the stale handle does not cancel that one.
        let e = c.schedule_cancellable(9, 'e').expect("pending");
        assert!(!c.cancel(a));
        assert_eq!(c.pop(), Some((5, 'd')));
        assert!(c.cancel(e));
        assert!(c.is_empty() && c.pop().is_none());
        assert_eq!(c.schedule_cancellable(c.now(), 'n'), None, "events for now are not cancellable");
        assert_eq!(c.pop(), Some((5, 'n')));
    }

    #[test]
    fn many_cancellations_compact_the_heap_without_changing_the_order() {
        // The same schedule with and without cancelling two events in three pops the kept
        // events in the same order; the calendar never holds more tombstones than it allows.
        let mut kept = Calendar::new();
        let mut both = Calendar::new();
        let mut ids = Vec::new();
        for i in 0..10_000u64 {
            let t = 1 + (i * 7919) % 5000;
            ids.push(both.schedule_cancellable(t, i).expect("pending"));
            if i % 3 == 0 {
                kept.schedule(t, i);
            }
        }
        for (i, id) in ids.iter().enumerate() {
            if i % 3 != 0 {
                assert!(both.cancel(*id));
            }
        }
        assert!(both.heap.len() < 10_000, "compacted: {}", both.heap.len());
        assert_eq!(both.len(), kept.len());
        let a: Vec<(Nanos, u64)> = std::iter::from_fn(|| kept.pop()).collect();
        let b: Vec<(Nanos, u64)> = std::iter::from_fn(|| both.pop()).collect();
        // Keys differ only in sequence numbers, which keep the same relative order.
        assert_eq!(a, b);
    }

    proptest::proptest! {
        /// Any interleaving of scheduling, cancelling and popping pops exactly the events
        /// that were not cancelled, in (time, scheduling order), as a sorted map would.
        #[test]
        fn cancellation_keeps_the_order_of_what_remains(ops in proptest::collection::vec((0u8..4, 0u64..50, 0usize..64), 1..400)) {
            let mut c = Calendar::new();
            let mut reference = std::collections::BTreeMap::new();
            let mut handles: Vec<(TimerId, (Nanos, u64))> = Vec::new();
            let mut next = 0u64;
            for (op, dt, pick) in ops {
                match op {
                    0 | 1 => {
                        let t = c.now() + dt;
                        next += 1;
                        if t == c.now() {
                            c.schedule(t, next);
                            reference.insert((t, next), next);
                        } else if let Some(id) = c.schedule_cancellable(t, next) {
                            reference.insert((t, next), next);
                            handles.push((id, (t, next)));
                        }
                    }
                    2 if !handles.is_empty() => {
                        let (id, (t, n)) = handles.swap_remove(pick % handles.len());
                        let pending = reference.remove(&(t, n)).is_some();
                        proptest::prop_assert_eq!(c.cancel(id), pending);
                    }
                    _ => {
                        let want = reference.pop_first().map(|((t, _), n)| (t, n));
                        proptest::prop_assert_eq!(c.pop(), want);
                    }
                }
                proptest::prop_assert_eq!(c.len(), reference.len());
            }
        }
    }

    #[test]
    fn entries_are_small() {
        assert_eq!(size_of::<Reverse<(Nanos, u64)>>(), 16);
    }
}
