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

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Simulated time in nanoseconds since the start of the run.
pub type Nanos = u64;

/// Bits of the packed word holding the slot; the rest holds the sequence number.
const SLOT_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;

/// Most events pending at once (2^24 ≈ 16.7 M); the engine's in-flight limit keeps runs far below.
pub const MAX_PENDING: usize = 1 << SLOT_BITS;

/// A pending-event list ordered by time, ties broken by scheduling order.
#[derive(Debug)]
pub struct Calendar<E> {
    heap: BinaryHeap<Reverse<(Nanos, u64)>>,
    slots: Vec<Option<E>>,
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
        self.heap.len() + self.immediate.len()
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
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(event);
                s
            }
            None => {
                if self.slots.len() >= MAX_PENDING {
                    return false;
                }
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        };
        self.seq += 1;
        self.heap.push(Reverse((time, (self.seq << SLOT_BITS) | u64::from(slot))));
        true
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
    fn entries_are_small() {
        assert_eq!(size_of::<Reverse<(Nanos, u64)>>(), 16);
    }
}
