//! A bulkhead: a separate concurrency pool for one call of one caller instance.
//!
//! An attempt takes a slot from the moment it is sent until it is answered or times out.
//! When every slot is taken it waits in a bounded room (`max_waiting`, oldest first) or, when
//! the room is full too, is rejected at once (`bulkhead full`). A waiting attempt's timeout
//! runs while it waits. When a slot frees, the oldest waiting attempt takes it over and is
//! sent. The caller's worker is still held meanwhile (the job waits for its call), but the
//! *dependency* sees at most `max_concurrent` calls from this instance: that is what keeps
//! one caller from draining a shared pool downstream (story 2).

use std::collections::VecDeque;

use crate::engine::slab::Key;
use crate::spec;

/// What a bulkhead says to an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A slot was free: send it now.
    Run,
    /// Wait for a slot.
    Wait,
    /// No slot and no room: reject.
    Full,
}

/// One bulkhead's state. See the module docs.
#[derive(Clone, Debug)]
pub struct Bulkhead {
    max_concurrent: u32,
    max_waiting: u32,
    /// Slots taken.
    pub in_flight: u32,
    /// Attempts waiting for a slot, oldest first.
    waiting: VecDeque<Key>,
}

impl Bulkhead {
    /// An empty bulkhead with settings `b`; its waiting room is allocated up front.
    pub fn new(b: &spec::Bulkhead) -> Bulkhead {
        Bulkhead {
            max_concurrent: b.max_concurrent.max(1),
            max_waiting: b.max_waiting,
            in_flight: 0,
            waiting: VecDeque::with_capacity(b.max_waiting.min(4096) as usize),
        }
    }

    /// An attempt asks for a slot.
    pub fn enter(&mut self, attempt: Key) -> Entry {
        if self.in_flight < self.max_concurrent {
            self.in_flight += 1;
            Entry::Run
        } else if (self.waiting.len() as u64) < u64::from(self.max_waiting) {
            self.waiting.push_back(attempt);
            Entry::Wait
        } else {
            Entry::Full
        }
    }

    /// An attempt holding a slot ended. Returns the waiting attempt that takes the slot
    /// over (to be sent now), if any.
    pub fn release(&mut self) -> Option<Key> {
        debug_assert!(self.in_flight > 0, "bulkhead slot released twice");
        match self.waiting.pop_front() {
            Some(next) => Some(next),
            None => {
                self.in_flight = self.in_flight.saturating_sub(1);
                None
            }
        }
    }

    /// A waiting attempt gave up (its timeout): it leaves the room.
    pub fn forget(&mut self, attempt: Key) {
        if let Some(i) = self.waiting.iter().position(|k| *k == attempt) {
            self.waiting.remove(i);
        }
    }

    /// Attempts waiting now.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }
}
