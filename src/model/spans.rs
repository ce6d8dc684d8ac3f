//! A record of one run's requests as spans, for exporting as traces (`faultsim replay
//! --otlp`): each client request, each attempt of each call (the caller's side), and each
//! attempt's handling at the instance that received it (the callee's side), with its
//! parent, times and outcome.
//!
//! Off by default: [`super::World::spans`] is `None` and every hook is one branch. When on, the
//! log is bounded by a span count; past it, new spans are not recorded and the log says so.
//! Open spans are found by the slab key of what they follow (a root, an attempt), which is
//! unique while that object lives.

use std::collections::BTreeMap;

use crate::engine::calendar::Nanos;
use crate::engine::event::Outcome;
use crate::engine::slab::Key;
use crate::topology::{ComponentId, EndpointId};

/// Which side of a call a span is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// A client request, from arrival to its final answer (client retries included).
    Request,
    /// One attempt of a call, seen by the caller.
    Attempt,
    /// One attempt's handling at the station that received it.
    Handling,
}

/// One span.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// Which trace: the client request's sequence number (queue deliveries start their own).
    pub trace: u64,
    /// The parent span's index in [`SpanLog::spans`].
    pub parent: Option<u32>,
    /// Which side.
    pub kind: SpanKind,
    /// The caller (attempts) or the handler (handlings); `None` for a client.
    pub component: Option<ComponentId>,
    /// The station of the caller or handler, when it has one.
    pub station: Option<u32>,
    /// The component called (requests and attempts).
    pub target: Option<ComponentId>,
    /// The endpoint of the request it belongs to.
    pub endpoint: EndpointId,
    /// Attempt number of its call, from 1 (attempts only).
    pub attempt: u32,
    /// Whether the call writes (attempts to a datastore).
    pub write: bool,
    /// Whether the caller does not wait for the answer (an async call).
    pub asynchronous: bool,
    /// Start.
    pub start: Nanos,
    /// End, once known; `None` if it never ended (its instance crashed mid-work, or the run
    /// stopped first).
    pub end: Option<Nanos>,
    /// How it ended (`None` with `end` for handling nobody waited for any more).
    pub outcome: Option<Outcome>,
}

/// The spans of one run.
#[derive(Clone, Debug, Default)]
pub struct SpanLog {
    /// Every span recorded, in start order.
    pub spans: Vec<Span>,
    /// Most spans recorded.
    pub max: usize,
    /// Whether spans were left out because `max` was reached.
    pub truncated: bool,
    roots: BTreeMap<u64, u32>,
    attempts: BTreeMap<u64, u32>,
    handlings: BTreeMap<u64, u32>,
    requests: u64,
    deliveries: u64,
}

impl SpanLog {
    /// An empty log keeping at most `max` spans.
    pub fn new(max: usize) -> SpanLog {
        SpanLog { max, ..SpanLog::default() }
    }

    fn push(&mut self, span: Span) -> Option<u32> {
        if self.spans.len() >= self.max {
            self.truncated = true;
            return None;
        }
        self.spans.push(span);
        Some((self.spans.len() - 1) as u32)
    }

    /// A client request arrived.
    pub fn request(&mut self, root: Key, now: Nanos, endpoint: EndpointId, target: ComponentId) {
        self.requests += 1;
        let span = Span {
            trace: self.requests,
            parent: None,
            kind: SpanKind::Request,
            component: None,
            station: None,
            target: Some(target),
            endpoint,
            attempt: 0,
            write: false,
            asynchronous: false,
            start: now,
            end: None,
            outcome: None,
        };
        if let Some(i) = self.push(span) {
            self.roots.insert(root.word(), i);
        }
    }

    /// A client request has its final answer.
    pub fn request_over(&mut self, root: Key, now: Nanos, outcome: Outcome) {
        self.close(SpanKind::Request, root, now, Some(outcome));
    }

    /// An attempt was sent. `parent` is the root (for a client's call) or the attempt whose
    /// handling makes the call (for a downstream call); `None` for a queue's delivery, which
    /// starts a trace of its own.
    #[allow(clippy::too_many_arguments)]
    pub fn attempt(
        &mut self,
        attempt: Key,
        now: Nanos,
        parent: Parent,
        component: Option<ComponentId>,
        station: Option<u32>,
        target: ComponentId,
        endpoint: EndpointId,
        number: u32,
        write: bool,
        asynchronous: bool,
    ) {
        let (parent, trace) = match parent {
            Parent::Root(k) => match self.roots.get(&k.word()) {
                Some(&p) => (Some(p), self.spans[p as usize].trace),
                None => return,
            },
            Parent::Handling(k) => match self.handlings.get(&k.word()) {
                Some(&p) => (Some(p), self.spans[p as usize].trace),
                None => return,
            },
            Parent::None => {
                self.deliveries += 1;
                (None, self.deliveries | (1 << 63))
            }
        };
        let span = Span {
            trace,
            parent,
            kind: SpanKind::Attempt,
            component,
            station,
            target: Some(target),
            endpoint,
            attempt: number,
            write,
            asynchronous,
            start: now,
            end: None,
            outcome: None,
        };
        if let Some(i) = self.push(span) {
            self.attempts.insert(attempt.word(), i);
        }
    }

    /// An attempt has its answer (or timed out).
    pub fn attempt_over(&mut self, attempt: Key, now: Nanos, outcome: Outcome) {
        self.close(SpanKind::Attempt, attempt, now, Some(outcome));
    }

    /// An attempt's request reached the station that handles it.
    pub fn handling(&mut self, attempt: Key, now: Nanos, component: ComponentId, station: u32) {
        let Some(&parent) = self.attempts.get(&attempt.word()) else { return };
        let p = &self.spans[parent as usize];
        let span = Span {
            trace: p.trace,
            parent: Some(parent),
            kind: SpanKind::Handling,
            component: Some(component),
            station: Some(station),
            target: None,
            endpoint: p.endpoint,
            attempt: p.attempt,
            write: p.write,
            asynchronous: false,
            start: now,
            end: None,
            outcome: None,
        };
        if let Some(i) = self.push(span) {
            self.handlings.insert(attempt.word(), i);
        }
    }

    /// The station answered an attempt (`None`: it finished, but nobody waited any more).
    pub fn handling_over(&mut self, attempt: Key, now: Nanos, outcome: Option<Outcome>) {
        self.close(SpanKind::Handling, attempt, now, outcome);
    }

    fn close(&mut self, kind: SpanKind, key: Key, now: Nanos, outcome: Option<Outcome>) {
        let open = match kind {
            SpanKind::Request => &mut self.roots,
            SpanKind::Attempt => &mut self.attempts,
            SpanKind::Handling => &mut self.handlings,
        };
        if let Some(i) = open.remove(&key.word()) {
            let s = &mut self.spans[i as usize];
            s.end = Some(now);
            s.outcome = outcome;
        }
    }
}

/// What a new attempt's span hangs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parent {
    /// A client request.
    Root(Key),
    /// The handling of this attempt (a downstream call made while handling it).
    Handling(Key),
    /// Nothing: a queue's delivery.
    None,
}
