//! Message queues: enqueues from producers, delivery to the consumer service with bounded
//! concurrency, at-least-once redelivery after the visibility timeout, dead letters, and
//! overflow.
//!
//! Semantics (the manual's semantics chapter, "Queues"), as SQS-like brokers behave:
//! - An enqueue is accepted after the broker's `enqueue_time`. When the queue already holds
//!   `capacity` messages (waiting or delivered and not yet acknowledged) the message is
//!   dropped and counted as data lost; the producer is not told (its enqueue succeeds), which
//!   is what makes overflow silent data loss.
//! - Up to `concurrency` deliveries are in progress at once. A delivery is a call from a
//!   broker to the consumer service, without timeout or retries of its own; when it
//!   succeeds the message is acknowledged and deleted.
//! - A message not acknowledged within `visibility_timeout` of its delivery becomes visible
//!   again and is delivered again, even if the first consumer is still working on it; if
//!   both succeed the message was processed twice: a duplicate. A failed delivery is not
//!   acknowledged, so it too comes back after the timeout. After `max_deliveries`
//!   deliveries a message goes to the dead-letter queue (counted, not lost).
//! - Brokers are replicated and durable: while every broker is down enqueues are refused
//!   and deliveries pause, but messages held are kept.
//! - Messages still held when the run ends are reported as held, not lost.

use std::collections::VecDeque;

use crate::engine::calendar::{Calendar, Nanos};
use crate::engine::event::{Event, Outcome};
use crate::engine::slab::Key;
use crate::topology::{ComponentId, EndpointId};

use super::super::world::{served, Origin, Policy, World};

/// One queue's state.
#[derive(Clone, Debug, Default)]
pub struct QueueState {
    /// Messages visible for delivery, oldest first (acknowledged ones are skipped lazily).
    pub ready: VecDeque<Key>,
    /// Messages held: waiting or delivered and not yet acknowledged (what `capacity` bounds).
    pub held: u32,
    /// Deliveries in progress at the consumer (what `concurrency` bounds).
    pub busy: u32,
}

/// A message.
#[derive(Clone, Debug)]
pub struct Message {
    /// Its queue.
    pub queue: u32,
    /// The endpoint whose request produced it (for the consumer's `only_for` calls).
    pub endpoint: EndpointId,
    /// Deliveries so far.
    pub deliveries: u32,
    /// Deliveries in progress.
    pub outstanding: u32,
    /// Successful processings.
    pub processed: u32,
    /// Acknowledged (or dead-lettered): no longer held.
    pub done: bool,
    /// In the ready list.
    pub queued: bool,
}

impl World {
    /// A broker accepted an enqueue: hold the message, or drop it if the queue is full.
    pub(crate) fn enqueue(&mut self, cal: &mut Calendar<Event>, now: Nanos, queue: u32, endpoint: EndpointId) {
        let q = queue as usize;
        let capacity = self.topology().queues()[q].capacity;
        let measuring = self.measuring(now);
        if self.infra.queues[q].held >= capacity {
            if measuring {
                let bucket = now / self.metrics.bucket_ns.max(1);
                let m = &mut self.metrics.queues[q];
                m.dropped += 1;
                // Drops come in time order: count into the last entry while it is this bucket.
                match m.dropped_by_bucket.last_mut() {
                    Some((b, n)) if *b == bucket => *n += 1,
                    _ => m.dropped_by_bucket.push((bucket, 1)),
                }
            }
            return;
        }
        let key = self.infra.messages.insert(Message {
            queue,
            endpoint,
            deliveries: 0,
            outstanding: 0,
            processed: 0,
            done: false,
            queued: true,
        });
        let state = &mut self.infra.queues[q];
        state.ready.push_back(key);
        state.held += 1;
        if measuring {
            let m = &mut self.metrics.queues[q];
            m.enqueued += 1;
            m.max_held = m.max_held.max(state.held);
        }
        self.dispatch_queue(cal, now, queue);
    }

    /// Starts deliveries while the consumer has room and a broker is up.
    pub(crate) fn dispatch_queue(&mut self, cal: &mut Calendar<Event>, now: Nanos, queue: u32) {
        let q = queue as usize;
        let t = std::sync::Arc::clone(self.topology());
        let spec = &t.queues()[q];
        let Some(broker) = self.queue_stations[q].clone().find(|&s| !self.stations[s as usize].down) else { return };
        while self.infra.queues[q].busy < spec.concurrency {
            let Some(key) = self.infra.queues[q].ready.pop_front() else { return };
            let Some(m) = self.infra.messages.get_mut(key) else { continue };
            m.queued = false;
            if m.done {
                self.free_message(key);
                continue;
            }
            m.deliveries += 1;
            m.outstanding += 1;
            let (delivery, endpoint) = (m.deliveries, m.endpoint);
            self.infra.queues[q].busy += 1;
            if self.measuring(now) {
                let qm = &mut self.metrics.queues[q];
                qm.delivered += 1;
                qm.redelivered += u64::from(delivery > 1);
            }
            cal.schedule(
                now.saturating_add(spec.visibility_timeout.as_nanos()),
                Event::Visibility { message: key, delivery },
            );
            self.start_call(
                cal,
                now,
                Origin::Message(key),
                Policy::Delivery(queue),
                ComponentId::Service(spec.consumer),
                true,
                false,
                Some(broker),
                endpoint,
            );
        }
    }

    /// A delivery ended: acknowledge on success, free the consumer slot, deliver more.
    pub(crate) fn delivery_over(&mut self, cal: &mut Calendar<Event>, now: Nanos, key: Key, outcome: Outcome) {
        let measuring = self.measuring(now);
        let Some(m) = self.infra.messages.get_mut(key) else { return };
        let q = m.queue as usize;
        m.outstanding = m.outstanding.saturating_sub(1);
        if served(outcome) {
            m.processed += 1;
            let duplicate = m.processed > 1;
            let first_ack = !m.done;
            m.done = true;
            if first_ack {
                self.infra.queues[q].held -= 1;
            }
            if measuring {
                let qm = &mut self.metrics.queues[q];
                qm.processed += 1;
                qm.duplicates += u64::from(duplicate);
            }
        }
        self.free_message(key);
        self.infra.queues[q].busy = self.infra.queues[q].busy.saturating_sub(1);
        self.dispatch_queue(cal, now, q as u32);
    }

    /// A delivery's visibility timeout: the message is visible again unless acknowledged,
    /// already visible, or superseded by a later delivery; after `max_deliveries` it goes to
    /// the dead-letter queue.
    pub fn visibility_timeout(&mut self, cal: &mut Calendar<Event>, now: Nanos, key: Key, delivery: u32) {
        let measuring = self.measuring(now);
        let Some(m) = self.infra.messages.get_mut(key) else { return };
        if m.done || m.queued || m.deliveries != delivery {
            return;
        }
        let q = m.queue as usize;
        let max = self.scenario.topology.queues()[q].max_deliveries;
        if m.deliveries >= max {
            m.done = true;
            self.infra.queues[q].held -= 1;
            if measuring {
                self.metrics.queues[q].dead_lettered += 1;
            }
            self.free_message(key);
            return;
        }
        m.queued = true;
        self.infra.queues[q].ready.push_back(key);
        self.dispatch_queue(cal, now, q as u32);
    }

    /// Frees a message nobody refers to any more.
    fn free_message(&mut self, key: Key) {
        if self.infra.messages.get(key).is_some_and(|m| m.done && !m.queued && m.outstanding == 0) {
            self.infra.messages.remove(key);
        }
    }

    /// Restarts deliveries of every queue (a broker may be back).
    pub(super) fn dispatch_all_queues(&mut self, cal: &mut Calendar<Event>, now: Nanos) {
        for q in 0..self.infra.queues.len() as u32 {
            self.dispatch_queue(cal, now, q);
        }
    }

    /// Records the messages still held when the run ends.
    pub(crate) fn queues_at_end(&mut self) {
        for (q, state) in self.infra.queues.iter().enumerate() {
            self.metrics.queues[q].held_at_end = state.held;
        }
    }
}
