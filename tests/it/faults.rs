//! Every fault kind the engine simulates has an example scenario whose effect shows in the
//! numbers: `scenarios/zone_outage.ron` and the `scenarios/fault_*.ron` files on
//! `models/fault_lab.ron`.
//!
//! The examples are checked from a table: each scenario is run with seed 1 through the
//! library, and again with its faults and failure processes removed (the baseline, which
//! shares every other random stream). For each fault window the test reads each endpoint's
//! availability from the per-bucket series and checks the expected effect with a margin;
//! latency faults, which per-bucket series do not record, are checked against the baseline's
//! mean and p99. Every endpoint a window is not meant to touch must stay available during it,
//! and every endpoint must be available outside the windows and in the baseline, so an effect
//! is the fault's and nothing else's. A last test runs `faultsim run` on the zone outage as a
//! user would and checks that its "faults" table is printed and reproducible.

use std::path::Path;
use std::sync::Arc;

use faultsim::engine::Simulation;
use faultsim::metrics::run::{Failures, RunMetrics};
use faultsim::scenario::{Fault, FaultWindow, Scenario};

use crate::cli::run;

/// The seed every example is checked with.
const SEED: u64 = 1;

/// Availability an endpoint must keep where no fault is meant to touch it.
const UNTOUCHED: f64 = 0.99;

/// Time after a window's end excluded from the "outside the windows" check, for recovery
/// (health checks putting instances back, a backlog draining).
const RECOVERY_S: f64 = 10.0;

/// What a scenario must show.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// During the window named `window`, from `from` seconds after its start to its end,
    /// `endpoint`'s availability lies in `[lo, hi]`.
    Window { window: &'static str, endpoint: &'static str, from: f64, lo: f64, hi: f64 },
    /// The run's mean latency of `endpoint` exceeds the baseline's by `add_ms` for each
    /// served request completed during `window`: the rise divided by `add_ms` × that share
    /// lies in `[lo, hi]`.
    MeanRise { window: &'static str, endpoint: &'static str, add_ms: f64, lo: f64, hi: f64 },
    /// The run's p99 latency of `endpoint` exceeds the baseline's by at least `at_least_ms`.
    P99Rise { endpoint: &'static str, at_least_ms: f64 },
    /// At least `share` of `endpoint`'s failures over the run are of the cause `cause` picks.
    Cause { endpoint: &'static str, cause: fn(&Failures) -> u64, share: f64 },
    /// `endpoint`'s availability over the run is 1 − the share of the measured time `service`
    /// was down (within `tol`), and `service` was down at some point.
    FollowsDowntime { endpoint: &'static str, service: &'static str, tol: f64 },
}

/// One example scenario and what it must show.
struct Case {
    file: &'static str,
    expect: &'static [Expect],
}

fn timeouts(f: &Failures) -> u64 {
    f.timeout
}
fn unavailable(f: &Failures) -> u64 {
    f.unavailable
}
fn errors(f: &Failures) -> u64 {
    f.error
}

/// The examples. Margins are several standard deviations of the binomial noise of one
/// window (a window holds ≥ 1,000 requests of the affected endpoint).
const CASES: &[Case] = &[
    // The health checks of models/zones.ron take an instance out after 2 failed checks 1 s
    // apart, and clients wait 1 s: after 3 s every request that reached zone "a" has ended.
    Case {
        file: "scenarios/zone_outage.ron",
        expect: &[
            Expect::Window { window: "zone a lost", endpoint: "single", from: 0.0, lo: 0.0, hi: 0.01 },
            Expect::Window { window: "zone a lost", endpoint: "spread", from: 0.0, lo: 0.95, hi: 1.0 },
            Expect::Window { window: "zone a lost", endpoint: "spread", from: 3.0, lo: 0.999, hi: 1.0 },
            Expect::Cause { endpoint: "single", cause: unavailable, share: 0.9 },
            Expect::Cause { endpoint: "spread", cause: timeouts, share: 0.99 },
        ],
    },
    Case {
        file: "scenarios/fault_crash_instance.ron",
        expect: &[
            // Round-robin without a health check: every third request meets the dead instance.
            Expect::Window { window: "worker#0 down", endpoint: "work", from: 0.0, lo: 0.63, hi: 0.70 },
            Expect::Cause { endpoint: "work", cause: unavailable, share: 0.99 },
        ],
    },
    Case {
        file: "scenarios/fault_crash_service.ron",
        expect: &[
            Expect::Window { window: "worker down", endpoint: "work", from: 0.0, lo: 0.0, hi: 0.01 },
            Expect::Cause { endpoint: "work", cause: unavailable, share: 0.99 },
        ],
    },
    Case {
        file: "scenarios/fault_crash_region.ron",
        expect: &[
            Expect::Window { window: "region r2 lost", endpoint: "remote", from: 0.0, lo: 0.0, hi: 0.02 },
            // Lost hosts leave callers to time out only until `geo`'s health check reacts (~2 s).
            Expect::Cause { endpoint: "remote", cause: unavailable, share: 0.9 },
        ],
    },
    Case {
        file: "scenarios/fault_crash_components.ron",
        expect: &[
            Expect::Window { window: "db down", endpoint: "work", from: 0.0, lo: 0.0, hi: 0.01 },
            // Only the cache misses (5%) reach the dead primary.
            Expect::Window { window: "db down", endpoint: "read", from: 0.0, lo: 0.92, hi: 0.98 },
            Expect::Window { window: "cache down", endpoint: "read", from: 0.0, lo: 0.0, hi: 0.01 },
            Expect::Window { window: "psp down", endpoint: "pay", from: 0.0, lo: 0.0, hi: 0.01 },
            Expect::Cause { endpoint: "work", cause: unavailable, share: 0.99 },
            Expect::Cause { endpoint: "read", cause: unavailable, share: 0.99 },
            Expect::Cause { endpoint: "pay", cause: unavailable, share: 0.99 },
        ],
    },
    Case {
        file: "scenarios/fault_partition.ron",
        expect: &[
            Expect::Window { window: "r1 | r2 (drop)", endpoint: "remote", from: 0.0, lo: 0.0, hi: 0.01 },
            // The health checks cross the same cut: after two failed checks (1 s apart)
            // geo is out of api's rotation and calls fail fast; only the first ~2 s time out.
            Expect::Cause { endpoint: "remote", cause: unavailable, share: 0.95 },
        ],
    },
    Case {
        file: "scenarios/fault_partition_refuse.ron",
        expect: &[
            Expect::Window { window: "worker -> db refused", endpoint: "work", from: 0.0, lo: 0.0, hi: 0.01 },
            Expect::Cause { endpoint: "work", cause: unavailable, share: 0.99 },
        ],
    },
    Case {
        file: "scenarios/fault_latency.ron",
        expect: &[
            // The link delays the call and its answer: 2 × 100 ms.
            Expect::MeanRise { window: "r1-r2 +100ms", endpoint: "remote", add_ms: 200.0, lo: 0.85, hi: 1.15 },
            Expect::P99Rise { endpoint: "remote", at_least_ms: 150.0 },
            // `worker`'s answers are 100 ms late; its own calls to `db` are not delayed (see
            // `latency_on_a_service_delays_only_its_answers`).
            Expect::MeanRise { window: "worker +100ms", endpoint: "work", add_ms: 100.0, lo: 0.85, hi: 1.15 },
            Expect::P99Rise { endpoint: "work", at_least_ms: 80.0 },
        ],
    },
    Case {
        file: "scenarios/fault_packet_loss.ron",
        expect: &[
            // A call needs its request and its answer through: 0.9² and 0.8².
            Expect::Window { window: "psp loses 10%", endpoint: "pay", from: 0.0, lo: 0.76, hi: 0.86 },
            Expect::Window { window: "r1-r2 loses 20%", endpoint: "remote", from: 0.0, lo: 0.58, hi: 0.70 },
            Expect::Cause { endpoint: "pay", cause: timeouts, share: 0.99 },
            Expect::Cause { endpoint: "remote", cause: timeouts, share: 0.99 },
        ],
    },
    Case {
        file: "scenarios/fault_errors.ron",
        expect: &[
            Expect::Window { window: "worker errors 25%", endpoint: "work", from: 0.0, lo: 0.72, hi: 0.78 },
            Expect::Cause { endpoint: "work", cause: errors, share: 0.99 },
        ],
    },
    Case {
        file: "scenarios/fault_slowdown.ron",
        expect: &[
            // A third of the requests take 9 × the mean service time (~22.3 ms) more.
            Expect::MeanRise {
                window: "worker#0 10x slower",
                endpoint: "work",
                add_ms: 9.0 * 22.3 / 3.0,
                lo: 0.75,
                hi: 1.2,
            },
            Expect::P99Rise { endpoint: "work", at_least_ms: 150.0 },
            // The slowest few pass the 500 ms call timeout.
            Expect::Window { window: "worker#0 10x slower", endpoint: "work", from: 0.0, lo: 0.95, hi: 0.999 },
        ],
    },
    Case {
        file: "scenarios/fault_capacity_cut.ron",
        expect: &[
            Expect::Window { window: "7/8 of workers", endpoint: "work", from: 5.0, lo: 0.0, hi: 0.15 },
            Expect::Window { window: "90% of speed", endpoint: "work", from: 5.0, lo: 0.0, hi: 0.15 },
        ],
    },
    Case {
        file: "scenarios/fault_bad_deploy.ron",
        expect: &[
            Expect::Window { window: "canary (1/3)", endpoint: "work", from: 0.0, lo: 0.77, hi: 0.83 },
            Expect::Window { window: "full rollout", endpoint: "work", from: 0.0, lo: 0.36, hi: 0.44 },
            Expect::Cause { endpoint: "work", cause: errors, share: 0.99 },
        ],
    },
    Case {
        file: "scenarios/fault_cache_flush.ron",
        expect: &[
            // The herd of misses overloads `db`; `work`, which writes to it, suffers most.
            Expect::Window { window: "cache flushed", endpoint: "read", from: 0.0, lo: 0.2, hi: 0.8 },
            Expect::Window { window: "cache flushed", endpoint: "work", from: 0.0, lo: 0.0, hi: 0.6 },
            // Both are back before the cache is fully warm.
            Expect::Window { window: "cache flushed", endpoint: "read", from: 50.0, lo: 0.99, hi: 1.0 },
            Expect::Window { window: "cache flushed", endpoint: "work", from: 50.0, lo: 0.99, hi: 1.0 },
            Expect::Cause { endpoint: "read", cause: timeouts, share: 0.99 },
        ],
    },
    Case {
        file: "scenarios/fault_outage.ron",
        expect: &[
            Expect::Window { window: "psp outage", endpoint: "pay", from: 0.0, lo: 0.0, hi: 0.01 },
            Expect::Cause { endpoint: "pay", cause: unavailable, share: 0.99 },
        ],
    },
    Case {
        file: "scenarios/fault_process.ron",
        expect: &[Expect::FollowsDowntime { endpoint: "work", service: "worker", tol: 0.02 }],
    },
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load(file: &str) -> Scenario {
    faultsim::load::load_scenario(&root().join(file)).unwrap_or_else(|d| panic!("{file} does not load: {d:?}"))
}

fn simulate(scenario: Scenario) -> RunMetrics {
    let name = scenario.name.clone();
    Simulation::new(Arc::new(scenario), SEED).run().unwrap_or_else(|e| panic!("`{name}` hit a limit: {}", e.0))
}

/// The scenario without its faults and failure processes.
fn baseline_of(scenario: &Scenario) -> Scenario {
    let mut base = scenario.clone();
    base.faults.clear();
    base.processes.clear();
    base
}

fn window<'a>(s: &'a Scenario, name: &str) -> &'a FaultWindow {
    s.faults.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("`{}` has no fault window `{name}`", s.name))
}

/// Start and end of a window (s).
fn span(s: &Scenario, f: &FaultWindow) -> (f64, f64) {
    (f.start.as_secs_f64(), f.end.unwrap_or(s.duration).as_secs_f64())
}

fn endpoint_index(m: &RunMetrics, endpoint: &str) -> usize {
    m.endpoints.iter().position(|e| e.name == endpoint).unwrap_or_else(|| panic!("no endpoint `{endpoint}`"))
}

/// Served and failed requests of `endpoint` completed in the buckets covering [from, to) (s).
fn completions(m: &RunMetrics, endpoint: &str, from: f64, to: f64) -> (u64, u64) {
    let e = &m.endpoints[endpoint_index(m, endpoint)];
    let bucket = m.bucket_ns as f64 / 1e9;
    let first = (from / bucket).floor() as usize;
    let last = ((to / bucket).ceil() as usize).min(e.series.len());
    e.series.get(first..last).unwrap_or(&[]).iter().fold((0, 0), |(ok, bad), b| (ok + b.served, bad + b.failed))
}

/// Availability of `endpoint` among requests completed in [from, to) (s), or `None` if none did.
fn availability(m: &RunMetrics, endpoint: &str, from: f64, to: f64) -> Option<f64> {
    let (ok, bad) = completions(m, endpoint, from, to);
    (ok + bad > 0).then(|| ok as f64 / (ok + bad) as f64)
}

fn mean_ms(m: &RunMetrics, endpoint: &str) -> f64 {
    m.endpoints[endpoint_index(m, endpoint)].latency.mean_ns() / 1e6
}

fn p99_ms(m: &RunMetrics, endpoint: &str) -> f64 {
    m.endpoints[endpoint_index(m, endpoint)].latency.percentile_ns(99.0) as f64 / 1e6
}

/// Share of the measured time during which `service` had an instance down.
fn downtime_share(s: &Scenario, m: &RunMetrics, service: &str) -> f64 {
    let t = &s.topology;
    let svc = t.services().iter().find(|x| x.name == service).unwrap_or_else(|| panic!("no service `{service}`"));
    let (from, to) = (s.warmup.as_nanos(), s.duration.as_nanos());
    let mut down = 0u64;
    let mut down_since: Option<u64> = None;
    let mut down_now = 0u32;
    for c in m.timeline.iter().filter(|c| svc.instances.contains(&c.instance)) {
        let at = c.time_ns.clamp(from, to);
        if c.up {
            down_now = down_now.saturating_sub(1);
            if down_now == 0 {
                down += at - down_since.take().unwrap_or(at);
            }
        } else {
            down_now += 1;
            down_since.get_or_insert(at);
        }
    }
    if let Some(since) = down_since {
        down += to - since;
    }
    down as f64 / (to - from) as f64
}

/// Checks one expectation; returns a failure message.
fn check(s: &Scenario, m: &RunMetrics, base: &RunMetrics, e: &Expect) -> Option<String> {
    match *e {
        Expect::Window { window: w, endpoint, from, lo, hi } => {
            let (start, end) = span(s, window(s, w));
            let Some(a) = availability(m, endpoint, start + from, end) else {
                return Some(format!("`{endpoint}` completed no request during `{w}`"));
            };
            (a < lo || a > hi).then(|| {
                format!(
                    "`{endpoint}` during `{w}` (+{from}s to its end): availability {a:.4}, expected in [{lo}, {hi}]"
                )
            })
        }
        Expect::MeanRise { window: w, endpoint, add_ms, lo, hi } => {
            let (start, end) = span(s, window(s, w));
            let (in_window, _) = completions(m, endpoint, start, end);
            let (served, _) = completions(m, endpoint, 0.0, f64::MAX);
            let expected = add_ms * in_window as f64 / served.max(1) as f64;
            let rise = mean_ms(m, endpoint) - mean_ms(base, endpoint);
            let ratio = rise / expected;
            (!(lo..=hi).contains(&ratio)).then(|| {
                format!(
                    "`{endpoint}` mean latency rose by {rise:.1} ms over the baseline; `{w}` should add \
                     {expected:.1} ms ({add_ms} ms on {in_window} of {served} served): ratio {ratio:.2}, \
                     expected in [{lo}, {hi}]"
                )
            })
        }
        Expect::P99Rise { endpoint, at_least_ms } => {
            let rise = p99_ms(m, endpoint) - p99_ms(base, endpoint);
            (rise < at_least_ms).then(|| {
                format!("`{endpoint}` p99 rose by {rise:.1} ms over the baseline, expected ≥ {at_least_ms} ms")
            })
        }
        Expect::Cause { endpoint, cause, share } => {
            let f = &m.endpoints[endpoint_index(m, endpoint)].failed;
            let got = cause(f) as f64 / f.total().max(1) as f64;
            (f.total() == 0 || got < share).then(|| {
                format!(
                    "`{endpoint}`: {got:.3} of its {} failures have the expected cause, expected ≥ {share}",
                    f.total()
                )
            })
        }
        Expect::FollowsDowntime { endpoint, service, tol } => {
            let down = downtime_share(s, m, service);
            let a = m.endpoints[endpoint_index(m, endpoint)].availability();
            (down == 0.0 || (a - (1.0 - down)).abs() > tol).then(|| {
                format!("`{endpoint}`: availability {a:.4}, but `{service}` was down {down:.4} of the time (tolerance {tol})")
            })
        }
    }
}

/// Checks that the endpoints a window is not meant to touch, the time outside the windows
/// and the baseline are all available; returns failure messages.
fn check_untouched(s: &Scenario, m: &RunMetrics, base: &RunMetrics, expect: &[Expect]) -> Vec<String> {
    let mut out = Vec::new();
    let (warmup, duration) = (s.warmup.as_secs_f64(), s.duration.as_secs_f64());
    let random: Vec<&str> = expect
        .iter()
        .filter_map(|e| if let Expect::FollowsDowntime { endpoint, .. } = e { Some(*endpoint) } else { None })
        .collect();
    for ep in m.endpoints.iter().map(|e| e.name.as_str()) {
        for f in &s.faults {
            let touched = expect
                .iter()
                .any(|e| matches!(e, Expect::Window { window, endpoint, .. } if *window == f.name && *endpoint == ep));
            let (start, end) = span(s, f);
            if let Some(a) = availability(m, ep, start, end).filter(|a| !touched && *a < UNTOUCHED) {
                out.push(format!(
                    "`{ep}` should be untouched by `{}` but its availability during it is {a:.4}",
                    f.name
                ));
            }
        }
        if let Some(a) = availability(base, ep, warmup, duration).filter(|a| *a < UNTOUCHED) {
            out.push(format!("`{ep}` is already at {a:.4} without any fault: the baseline is broken"));
        }
        if random.contains(&ep) {
            continue;
        }
        // Outside the windows: before the first one, between them and after the last one,
        // leaving time for recovery after each.
        let mut spans: Vec<(f64, f64)> = s.faults.iter().map(|f| span(s, f)).collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut from = warmup;
        let mut quiet = Vec::new();
        for (start, end) in spans {
            quiet.push((from, start));
            from = from.max(end + RECOVERY_S);
        }
        quiet.push((from, duration));
        for (a_from, a_to) in quiet.into_iter().filter(|(a, b)| b > a) {
            if let Some(a) = availability(m, ep, a_from, a_to).filter(|a| *a < UNTOUCHED) {
                out.push(format!("`{ep}` between {a_from}s and {a_to}s, outside every fault window, is at {a:.4}"));
            }
        }
    }
    out
}

/// Every example scenario shows its fault's effect on the endpoint it targets, and nothing
/// else.
#[test]
fn every_fault_kind_has_a_visible_example() {
    let mut failures = Vec::new();
    for case in CASES {
        let scenario = load(case.file);
        assert!(
            !scenario.faults.is_empty() || !scenario.processes.is_empty(),
            "{} has neither fault windows nor failure processes",
            case.file
        );
        let base = simulate(baseline_of(&scenario));
        let m = simulate(scenario.clone());
        let mut problems: Vec<String> = case.expect.iter().filter_map(|e| check(&scenario, &m, &base, e)).collect();
        problems.extend(check_untouched(&scenario, &m, &base, case.expect));
        failures.extend(problems.into_iter().map(|p| format!("{}: {p}", case.file)));
    }
    assert!(failures.is_empty(), "fault examples (seed {SEED}) do not show what they claim:\n{}", failures.join("\n"));
}

/// The kind of a fault, as the table below names it: `Crash(` and what crashed, or the variant.
fn kind_of(fault: &Fault) -> String {
    let debug = format!("{fault:?}");
    let word = |s: &str| s.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default().to_owned();
    match debug.strip_prefix("Crash(") {
        Some(rest) => format!("Crash({}", word(rest)),
        None => word(&debug),
    }
}

/// Every fault kind the engine simulates (memory leaks wait for the memory model) appears in
/// at least one checked example.
#[test]
fn the_examples_cover_every_fault_kind() {
    let mut kinds: Vec<String> = Vec::new();
    for case in CASES {
        let s = load(case.file);
        kinds.extend(s.faults.iter().map(|f| kind_of(&f.fault)));
        if !s.processes.is_empty() {
            kinds.push("Process".to_owned());
        }
    }
    for want in [
        "BadDeploy",
        "CacheFlush",
        "CapacityCut",
        "Crash(Component",
        "Crash(Instance",
        "Crash(Region",
        "Crash(Service",
        "Crash(Zone",
        "Errors",
        "Latency",
        "Outage",
        "PacketLoss",
        "Partition",
        "Process",
        "Slowdown",
    ] {
        assert!(kinds.iter().any(|k| k == want), "no checked example has a `{want}` fault; have {kinds:?}");
    }
}

/// A latency fault on a service delays its answers and nothing else: `worker`'s own calls
/// to `db` must not be delayed too, so each `work` request in the window is 100 ms slower,
/// not 200 ms.
#[test]
fn latency_on_a_service_delays_only_its_answers() {
    let scenario = load("scenarios/fault_latency.ron");
    let base = simulate(baseline_of(&scenario));
    let m = simulate(scenario.clone());
    let e = Expect::MeanRise { window: "worker +100ms", endpoint: "work", add_ms: 100.0, lo: 0.85, hi: 1.15 };
    if let Some(problem) = check(&scenario, &m, &base, &e) {
        panic!("{problem}");
    }
}

/// Latency and packet loss on one instance are either rejected when the scenario is loaded
/// or have an effect; they must not be accepted and then ignored.
#[test]
fn latency_and_loss_on_an_instance_are_not_ignored() {
    let path = root().join("scenarios/fault_latency.ron");
    let text = std::fs::read_to_string(&path).expect("fault_latency.ron reads");
    let base_dir = path.parent().expect("scenarios/ is a directory");
    let from = r#"Latency(target: Service("worker"), add: Fixed("100ms"))"#;
    assert!(text.contains(from), "fault_latency.ron no longer has `{from}`");
    for to in [
        r#"Latency(target: Instance("worker", 0), add: Fixed("100ms"))"#,
        r#"PacketLoss(target: Instance("worker", 0), probability: 0.5)"#,
    ] {
        let variant = text.replace(from, to);
        let Ok(scenario) = faultsim::load::parse_scenario("variant.ron", variant.into(), base_dir) else { continue };
        let base = simulate(baseline_of(&scenario));
        let m = simulate(scenario.clone());
        let same_latency = (mean_ms(&m, "work") - mean_ms(&base, "work")).abs() < 1.0;
        let same_availability = m.endpoints[endpoint_index(&m, "work")].availability() == 1.0;
        assert!(!(same_latency && same_availability), "`{to}` was accepted but changed nothing");
    }
}

/// `faultsim run` on the zone outage prints the faults table with the outage's row, the
/// same bytes on every run of a seed, and other numbers for another seed.
#[test]
fn the_cli_prints_a_reproducible_faults_table() {
    let args = ["run", "scenarios/zone_outage.ron", "--seed", "1"];
    let first = run(&args);
    assert_eq!(first.code, Some(0), "{}{}", first.stdout, first.stderr);
    let out = &first.stdout;
    assert!(out.contains("faults (availability of each endpoint while the fault was on)"), "no faults table:\n{out}");
    let header = out.lines().find(|l| l.trim_start().starts_with("fault ")).unwrap_or_default();
    assert!(header.contains("spread") && header.contains("single"), "the faults table names both endpoints:\n{out}");
    let row = out.lines().find(|l| l.trim_start().starts_with("zone a lost")).unwrap_or_default();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells.get(3..5), Some(&["2m", "4m"][..]), "the outage's row gives its window:\n{out}");
    let percent = |cell: Option<&&str>| cell.and_then(|c| c.trim_end_matches('%').parse::<f64>().ok());
    assert!(percent(cells.get(5)).is_some_and(|a| a >= 95.0), "`spread` keeps serving during the outage:\n{out}");
    assert_eq!(cells.get(6), Some(&"0.00%"), "`single` is down during the outage:\n{out}");
    let again = run(&args);
    assert_eq!(first.stdout, again.stdout, "two runs of seed 1 print different reports");
    let other = run(&["run", "scenarios/zone_outage.ron", "--seed", "2"]);
    assert_eq!(other.code, Some(0), "{}", other.stderr);
    assert_ne!(first.stdout.replace("--seed 1", ""), other.stdout.replace("--seed 2", ""));
    let numbers =
        |s: &str| s.lines().filter(|l| l.trim_start().starts_with("spread")).map(str::to_owned).collect::<Vec<_>>();
    assert_ne!(numbers(&first.stdout), numbers(&other.stdout), "seed 2 gives the same numbers for `spread` as seed 1");
}
