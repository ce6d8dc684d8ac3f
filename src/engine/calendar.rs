//! The calendar: pending events ordered by (time, sequence number).
//!
//! Entries in the heap are 16 bytes — time, and a word packing the sequence number with
//! the payload's slot — so sifting moves little memory; payloads live in a slab whose
//! slots are reused, so a warmed-up calendar allocates nothing per event. The sequence
//! number makes ties deterministic: events at the same nanosecond pop in the order they
//! were scheduled.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

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
        Calendar { heap: BinaryHeap::new(), slots: Vec::new(), free: Vec::new(), seq: 0, now: 0 }
    }

    /// The time of the last popped event.
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<Nanos> {
        self.heap.peek().map(|Reverse((t, _))| *t)
    }

    /// Schedules `event` at `time`, which must not be in the past. Returns `false` (and
    /// drops the event) when [`MAX_PENDING`] events are already pending.
    pub fn schedule(&mut self, time: Nanos, event: E) -> bool {
        assert!(time >= self.now, "event scheduled in the past: {time} < {}", self.now);
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
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
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
