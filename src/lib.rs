//! faultsim: deterministic failure simulation of distributed systems.
//!
//! Users describe a system (a *topology*: zones, services, queues, datastores, caches,
//! externals and the calls between them) and what happens to it (a *scenario*: load,
//! faults, hypotheses) in RON files. faultsim checks them, analyses the topology
//! statically (single points of failure, retry amplification, analytic availability),
//! and simulates it as a discrete-event model with injected faults, in seeded runs that
//! replay bit for bit.
//!
//! ```text
//! RON files ──load──▶ spec ──validate──▶ Topology, Scenario ──▶ analysis (static)
//!                                              │
//!                                              ▼
//!                      engine (calendar, step, limits) ◀──▶ model::World (requests, faults)
//!                                              ▲
//!                                              └──────▶ availability::Years (failures over years)
//!                                              │
//!                                              ▼
//!                                  metrics::run::RunMetrics ──▶ report (text, JSON, DOT)
//! ```
//!
//! # Architecture
//!
//! Data flows down this list; dependencies point down it too, never back up.
//!
//! | module | job |
//! |---|---|
//! | [`units`] | unit strings (`"250ms"`, `"512MiB"`) ↔ integer nanoseconds and bytes |
//! | [`spec`] | serde types mirroring the RON files one to one (data only) |
//! | [`patch`] | what-if patch files: serde types and applying them to a topology and scenario spec |
//! | [`load`] | files → spec → validated types (read through `input`); the only user of `ron` |
//! | [`diagnostic`] | errors as users see them: file:line:col, source excerpt, label, hint |
//! | [`checks`] | range checks shared by topology and scenario validation |
//! | [`problem`] | semantic problems as paths into a file (`services[2].calls[0].to`), collected, never thrown |
//! | [`rng`] | the one place that names the RNG type (ChaCha8); streams derived from (seed, component name, purpose) |
//! | [`dist`] | validated distributions and failure models (log-normal fitted from median and p99, …) |
//! | [`backoff`] | retry backoff delays: capped exponential with none, full, equal or decorrelated jitter |
//! | [`topology`] | spec → validated, frozen [`topology::Topology`]: typed ids, petgraph dependency graph, precomputed latency |
//! | [`scenario`] | spec → validated [`scenario::Scenario`] whose references are typed ids of its topology |
//! | [`metrics`] | measurement building blocks (exactly mergeable latency histograms, trace fingerprint) and what one run measured |
//! | [`stats`] | confidence intervals over seeds: Student-t for means, Wilson and Clopper–Pearson for proportions of seeds, nines of intervals, per-seed quantiles |
//! | [`engine`] | the discrete-event core: calendar ordered by (time, seq) with a FIFO for events of the current instant and cancellable timers (an answered attempt's timeout never pops), slab with generational keys, `Simulation::step`/`run` under limits, generic over a [`engine::Model`] with its own closed event type |
//! | [`model`] | the request-level model: stations, requests, calls, retries, timeouts, load balancing with health checks from each caller (so partitions are seen), faults, arrivals, and the infrastructure parts (memory and OOM kills, autoscalers, queue delivery, replication and failover, connection pools per caller) — a function of (state, event) |
//! | [`model::patterns`] | the call-level resilience patterns: breakers, bulkheads, throttles, retry budgets, fallbacks, rate limits, shedding, deadlines |
//! | [`montecarlo`] | many seeds in parallel (the only user of rayon), folded into an exactly mergeable result; shards; statistics with intervals; hypothesis verdicts; error budgets; runs until settled (`--precision`, for `run`, the studies and `availability`) |
//! | [`explore`] | fault-space search (cases judged in parallel batches of fixed size, each forked from a checkpoint of its seed's fault-free run) with proptest shrinking, and a library for users' property tests over a topology (fault-schedule strategies, experiments built in code) |
//! | [`analysis`] | static analysis: SPOFs, zone confinement, chains, depth, fan-out, retry amplification, analytic availability |
//! | [`availability`] | the second model on the engine: failure and repair of instances, nodes, zones, regions and links over simulated years, incremental servability, time-based availability with intervals, importance, and a rare-event estimator |
//! | [`study`] | simulation studies over variants of a scenario on the same seeds: FMEA, cascades, the metastability map, what-if; variants that only add fault windows fork from one run of their common prefix ([`model::fork`]) |
//! | [`report`] | output formats: run summaries (text, JSON), Graphviz DOT, plots, HTML, the studies' tables and plots, CI formats (JUnit, GitHub), Prometheus text and OpenMetrics, per-seed CSV |
//! | [`bridge`] | other tools' formats: a scenario's faults as Chaos Mesh objects and Chaos Toolkit experiments, experiments back as scenarios, a run's requests as OTLP traces, OTLP traces as a topology and a scenario; each says what could not be carried over |
//! | [`schema`] | the JSON contract: every JSON output's `schema_version` and `kind`, one unit convention, and each kind's JSON Schema generated from its serde types (schemars) |
//! | [`output`] | atomic file writes, replacing only regular files |
//! | [`input`] | reading any input file: regular files only, checked before opening, within a named size limit |
//! | [`manual`] | the user manual: its chapters as Markdown compiled into the binary, printed by `faultsim manual` |
//! | [`synth`] | generated topologies of any size, for benchmarks and scale tests |
//!
//! The binary (`src/main.rs`, one file per subcommand under `src/cli/`) is the only place that
//! prints or chooses an exit code.
//!
//! # Invariants
//!
//! - Validation never stops at the first problem: it collects them all, each with a path
//!   that the loader turns into a position.
//! - Nothing downstream of [`topology`] handles names or dangling references: ids index
//!   `Vec`s directly.
//! - No input file can panic or hang the loader: files are bounded in size and nesting
//!   before the parser sees them (a property test feeds mutated examples and random bytes),
//!   and anything that is not a regular file (a FIFO, a device) is refused before it is
//!   opened. Outputs never replace anything but a regular file.
//! - Outputs are deterministic: no `HashMap` iteration, no clocks. A run is a pure
//!   function of (scenario, seed): time is integer nanoseconds, ties go by scheduling
//!   order, and every random draw comes from a stream derived from (seed, component name,
//!   purpose), so adding a component or a fault leaves every other stream unchanged.
//! - The engine knows nothing of files, formats, threads or printing, and nothing of the
//!   model beyond the [`engine::Model`] trait; the model never prints.
//! - A warmed-up run allocates nothing per event: payloads live in slabs whose slots are
//!   reused, and events cancelled by a timeout or crash are dropped lazily when they pop.

pub mod analysis;
pub mod availability;
pub mod backoff;
pub mod bridge;
pub mod checks;
pub mod diagnostic;
pub mod dist;
pub mod engine;
pub mod explore;
pub mod input;
pub mod load;
pub mod manual;
pub mod metrics;
pub mod model;
pub mod montecarlo;
pub mod output;
pub mod patch;
pub mod problem;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod schema;
pub mod spec;
pub mod stats;
pub mod study;
pub mod synth;
pub mod topology;
pub mod units;
