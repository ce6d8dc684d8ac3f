//! The call-level resilience patterns against their reference semantics (the manual's semantics chapter): each
//! case is a small system written inline, run through the whole engine on fixed seeds, with
//! an expectation from the pattern's definition (a closed form where there is one) and a
//! tolerance wide enough for seed noise and narrow enough to catch a wrong rule.

use std::path::Path;
use std::sync::Arc;

use faultsim::engine::Simulation;
use faultsim::metrics::run::RunMetrics;

/// Runs `scenario` (which names `m.ron`) on `model` for `seeds`.
pub(crate) fn runs(model: &str, scenario: &str, seeds: std::ops::RangeInclusive<u64>) -> Vec<RunMetrics> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.ron"), model).expect("write model");
    let s = match faultsim::load::parse_scenario("s.ron", scenario.into(), Path::new(dir.path())) {
        Ok(s) => Arc::new(s),
        Err(ds) => panic!("{}", faultsim::diagnostic::render(&ds)),
    };
    seeds.map(|seed| Simulation::new(Arc::clone(&s), seed).run().map_err(|e| e.0).expect("runs to the end")).collect()
}

/// A one-zone topology without network delay, with `services` spliced in and endpoint `e`
/// entering at `front`.
fn model(services: &str) -> String {
    format!(
        r#"Topology(name: "p", regions: [Region(name: "r", zones: [Zone(name: "a")])],
            network: (same_zone: Fixed("0")),
            services: [{services}],
            endpoints: [Endpoint(name: "e", service: "front")])"#
    )
}

fn model_with_external(services: &str, external: &str) -> String {
    model(services).replace("endpoints:", &format!("externals: [{external}], endpoints:"))
}

/// A scenario of `duration` at `rate` requests/s on `e`, with extra fields spliced in.
fn scenario(duration: &str, rate: f64, extra: &str) -> String {
    format!(
        r#"Scenario(name: "p", topology: "m.ron", duration: "{duration}",
            workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: {rate:?}))], {extra})"#
    )
}

#[test]
fn breaker_opens_fails_fast_probes_and_closes() {
    // back fails every request from 10 s to 20 s. The breaker (5 failures in 10 s) opens,
    // fails fast for 2 s, lets one probe through, reopens while the fault lasts (10 s / 2 s:
    // five openings in all) and closes with the first probe after it.
    let m = model(
        r#"Service(name: "front", zones: ["a"], workers: 100, service_time: Fixed("1ms"),
               calls: [Call(to: "back", breaker: Breaker(failure_threshold: 5, window: "10s", cool_down: "2s"))]),
           Service(name: "back", zones: ["a"], workers: 100, service_time: Fixed("5ms"))"#,
    );
    let s = scenario(
        "30s",
        100.0,
        r#"faults: [(start: "10s", duration: "10s", fault: Errors(target: Service("back"), probability: 1.0))]"#,
    );
    for r in runs(&m, &s, 1..=3) {
        let p = &r.services[0].patterns;
        let e = &r.endpoints[0];
        assert_eq!(p.breaker_opened, 5, "opens at 10 s, then after each failed probe at ~12, 14, 16, 18 s");
        // Only the 5 failures that opened it plus one failed probe per reopening reach back.
        // (plus the odd attempt already in flight when it opened).
        assert!((9..=11).contains(&e.failed.error), "errors that reached the caller: {:?}", e.failed);
        assert_eq!(e.failed.breaker_open, p.breaker_rejected);
        assert!(e.failed.breaker_open > 900, "about 10 s × 100/s fail fast: {:?}", e.failed);
        // After 20 s everything is served again: the probe closed the breaker.
        let after: u64 = r.endpoints[0].series[21..30].iter().map(|b| b.failed).sum();
        assert_eq!(after, 0, "closed again after the fault");
    }
}

#[test]
fn breaker_ratio_waits_for_the_minimum_volume() {
    // 10% of requests fail; a ratio of 0.5 never trips (20 calls with 10 failures are very
    // unlikely), a ratio of 0.05 does once 20 calls are in.
    let m = |ratio: &str| {
        model(&format!(
            r#"Service(name: "front", zones: ["a"], workers: 100, service_time: Fixed("1ms"),
                   calls: [Call(to: "back", breaker: Breaker(failure_ratio: {ratio}, min_volume: 20, window: "5s", cool_down: "1s"))]),
               Service(name: "back", zones: ["a"], workers: 100, service_time: Fixed("1ms"), error_rate: 0.1)"#
        ))
    };
    let s = scenario("20s", 50.0, "");
    for r in runs(&m("0.5"), &s, 1..=2) {
        assert_eq!(r.services[0].patterns.breaker_opened, 0, "10% failures stay below a 50% ratio");
    }
    for r in runs(&m("0.05"), &s, 1..=2) {
        assert!(r.services[0].patterns.breaker_opened > 0, "10% failures trip a 5% ratio");
    }
}

/// Blocking probability of M/M/c/K (K places in all), as in tests/it/fidelity.rs.
fn mmck_blocking(lambda: f64, mu: f64, c: u32, k: u32) -> f64 {
    let a = lambda / mu;
    let mut p = vec![1.0f64];
    for n in 1..=k {
        let servers = f64::from(n.min(c));
        p.push(p[(n - 1) as usize] * a / servers);
    }
    let total: f64 = p.iter().sum();
    p[k as usize] / total
}

#[test]
fn bulkhead_caps_concurrency_and_queues_like_mmck() {
    // A bulkhead of 2 slots and 3 waiting places in front of an unlimited dependency with
    // exponential service is an M/M/2/5 system: it turns away the Erlang blocking fraction,
    // and the dependency never sees more than 2 calls at once from the caller.
    let m = |waiting: u32| {
        model(&format!(
            r#"Service(name: "front", zones: ["a"], workers: 10000, backlog: 0, service_time: Fixed("0"),
                   calls: [Call(to: "back", bulkhead: Bulkhead(max_concurrent: 2, max_waiting: {waiting}))]),
               Service(name: "back", zones: ["a"], workers: 2, backlog: 0, service_time: Exp(mean: "10ms"))"#
        ))
    };
    let s = scenario("120s", 300.0, "");
    for (waiting, k) in [(0u32, 2u32), (3, 5)] {
        let expected = mmck_blocking(300.0, 100.0, 2, k);
        let blocked: Vec<f64> = runs(&m(waiting), &s, 1..=3)
            .iter()
            .map(|r| {
                assert_eq!(r.services[1].rejected, 0, "back (2 workers, no backlog) never sees a third call");
                assert_eq!(r.endpoints[0].failed.bulkhead_full, r.services[0].patterns.bulkhead_rejected);
                assert_eq!(r.services[0].patterns.bulkhead_queued > 0, waiting > 0);
                r.endpoints[0].failed.bulkhead_full as f64 / r.endpoints[0].requests as f64
            })
            .collect();
        let mean = blocked.iter().sum::<f64>() / blocked.len() as f64;
        assert!((mean - expected).abs() < 0.015, "M/M/2/{k}: blocked {mean}, Erlang {expected}");
    }
}

#[test]
fn rate_limit_serves_the_burst_plus_the_rate_and_rejects_the_rest() {
    let m = model(
        r#"Service(name: "front", zones: ["a"], workers: 1000, service_time: Fixed("1ms"),
               rate_limit: RateLimit(rate: 50.0, burst: 10))"#,
    );
    for r in runs(&m, &scenario("60s", 100.0, ""), 1..=3) {
        let e = &r.endpoints[0];
        assert!(e.ok <= 10 + 50 * 60, "at most burst + rate × time: {}", e.ok);
        assert!(e.ok >= 2_950, "and close to it under twice the load: {}", e.ok);
        assert_eq!(e.ok + e.failed.rate_limited, e.requests, "the rest is rate limited, fast");
        assert_eq!(e.failed.rate_limited, r.services[0].patterns.rate_limited);
        assert_eq!(r.services[0].rejected, 0);
    }
}

#[test]
fn shedding_bounds_the_backlog_and_the_queueing_time() {
    // One worker at 10 ms under 150 requests/s: without shedding the backlog fills (100)
    // and requests wait a second; shedding keeps 5 waiting, or drops what waited > 50 ms.
    let m = |shedding: &str| {
        model(&format!(
            r#"Service(name: "front", zones: ["a"], workers: 1, backlog: 100, service_time: Fixed("10ms"), {shedding})"#
        ))
    };
    let s = scenario("60s", 150.0, "");
    for r in runs(&m(""), &s, 1..=2) {
        assert_eq!(r.services[0].backlog_max, 100);
        assert!(r.endpoints[0].latency.max_ns() > 900_000_000);
    }
    for r in runs(&m("shedding: Shedding(max_backlog: 5)"), &s, 1..=2) {
        let e = &r.endpoints[0];
        assert_eq!(r.services[0].backlog_max, 5);
        assert_eq!(r.services[0].rejected, 0, "shed before the backlog is full");
        assert!(e.failed.shed > 2_000, "{:?}", e.failed);
        // Served requests waited behind at most 5 others and one in service.
        assert!(e.latency.max_ns() <= 70_100_000, "max {} ns", e.latency.max_ns());
    }
    for r in runs(&m(r#"shedding: Shedding(max_queue_time: "50ms")"#), &s, 1..=2) {
        let e = &r.endpoints[0];
        assert!(e.failed.shed > 2_000, "{:?}", e.failed);
        // Waited at most 50 ms, then 10 ms of work (histogram precision: 0.1%).
        assert!(e.latency.max_ns() <= 60_100_000, "max {} ns", e.latency.max_ns());
        // Workers only serve what can be served: 100 per second.
        let served = e.ok as f64 / 60.0;
        assert!((served - 100.0).abs() < 2.0, "served {served}/s");
    }
}

#[test]
fn propagated_deadlines_drop_expired_work_and_save_wasted_work() {
    // front gives back 100 ms; back is overloaded (one 10 ms worker, 150/s), so most of its
    // backlog waits past the caller's deadline. With propagation back drops it when dequeued.
    let m = |propagate: bool| {
        model(&format!(
            r#"Service(name: "front", zones: ["a"], workers: 1000, service_time: Fixed("0"),
                   calls: [Call(to: "back", timeout: "100ms", propagate_deadline: {propagate})]),
               Service(name: "back", zones: ["a"], workers: 1, backlog: 100, service_time: Fixed("10ms"))"#
        ))
    };
    let s = scenario("60s", 150.0, "");
    let without = runs(&m(false), &s, 1..=2);
    let with = runs(&m(true), &s, 1..=2);
    for (a, b) in without.iter().zip(&with) {
        let (wasted_a, wasted_b) = (a.services[1].wasted_ns, b.services[1].wasted_ns);
        assert!(wasted_a > 30_000_000_000, "without: back works for callers long gone ({wasted_a} ns)");
        // What is still wasted are requests dequeued just in time whose 10 ms of work then
        // runs past the deadline: dropping happens at dequeue, as the reference semantics define it.
        assert!(wasted_b * 3 < wasted_a * 2, "with: wasted {wasted_b} ns vs {wasted_a} ns");
        assert!(b.services[1].patterns.expired > 1_000);
        assert!(
            b.endpoints[0].ok > a.endpoints[0].ok * 5,
            "the worker serves requests still wanted: {} vs {}",
            b.endpoints[0].ok,
            a.endpoints[0].ok
        );
    }
}

#[test]
fn retry_budget_ratio_holds_under_a_failing_dependency() {
    let m = |budget: &str| {
        model(&format!(
            r#"Service(name: "front", zones: ["a"], workers: 1000, service_time: Fixed("1ms"),
                   calls: [Call(to: "back", retry: Retry(max_attempts: 3{budget}))]),
               Service(name: "back", zones: ["a"], workers: 1000, service_time: Fixed("1ms"), error_rate: 1.0)"#
        ))
    };
    let s = scenario("60s", 100.0, "");
    for r in runs(&m(""), &s, 1..=2) {
        assert!((r.services[0].amplification() - 3.0).abs() < 1e-9, "without a budget every call tries 3 times");
    }
    for r in runs(&m(r#", budget: Ratio(ratio: 0.1, window: "10s")"#), &s, 1..=3) {
        let f = &r.services[0];
        let ratio = f.retries as f64 / f.calls as f64;
        assert!((0.095..=0.101).contains(&ratio), "retries/requests {ratio} held just under 0.1");
        assert!(f.patterns.budget_denied * 10 > f.calls * 8, "the rest were denied: {}", f.patterns.budget_denied);
    }
    // A budget caps attempts at 3 whatever max_attempts says.
    let ten =
        m(r#", budget: TokenBucket(per_success: 0.0, capacity: 1e9)"#).replace("max_attempts: 3", "max_attempts: 10");
    for r in runs(&ten, &s, 1..=1) {
        let f = &r.services[0];
        assert!((f.amplification() - 3.0).abs() < 1e-9, "exactly 3 attempts: {}", f.amplification());
    }
}

#[test]
fn retry_budget_token_bucket_earns_a_tenth_per_success() {
    // Half the attempts fail. Retries spend a token each and successes earn 0.1, so after
    // the first 10 tokens retries are 0.1 × successful attempts: with S = 0.5·C + 0.5·R and
    // R = 0.1·S, R / C = 0.05 / 0.95 ≈ 0.0526.
    let m = model(
        r#"Service(name: "front", zones: ["a"], workers: 1000, service_time: Fixed("1ms"),
               calls: [Call(to: "back", retry: Retry(max_attempts: 3, budget: TokenBucket(per_success: 0.1, capacity: 10.0)))]),
           Service(name: "back", zones: ["a"], workers: 1000, service_time: Fixed("1ms"), error_rate: 0.5)"#,
    );
    for r in runs(&m, &scenario("120s", 100.0, ""), 1..=3) {
        let f = &r.services[0];
        let ratio = (f.retries as f64 - 10.0) / f.calls as f64;
        assert!((ratio - 0.05 / 0.95).abs() < 0.004, "retries/requests {ratio}");
    }
    // The same budget on a workload's clients.
    let client =
        model(r#"Service(name: "front", zones: ["a"], workers: 1000, service_time: Fixed("1ms"), error_rate: 0.5)"#);
    let s = r#"Scenario(name: "p", topology: "m.ron", duration: "120s",
        workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 100.0),
            client: (retry: Retry(max_attempts: 3, budget: TokenBucket(per_success: 0.1, capacity: 10.0))))])"#;
    for r in runs(&client, s, 1..=3) {
        let ratio = (r.client_retries[0] as f64 - 10.0) / r.endpoints[0].requests as f64;
        assert!((ratio - 0.05 / 0.95).abs() < 0.004, "client retries/requests {ratio}");
    }
}

#[test]
fn adaptive_throttling_matches_the_sre_formula() {
    // back accepts about 20 requests/s (its rate limit); front offers 100/s. In steady state
    // the client rejects locally with p = (requests − 2·accepts) / (requests + 1), measured
    // here as 1 − 2·accepted/requests, ≈ 1 − 2·20/100 = 0.6.
    let m = model(
        r#"Service(name: "front", zones: ["a"], workers: 1000, service_time: Fixed("0"),
               calls: [Call(to: "back", throttle: Throttle(k: 2.0, window: "2m"))]),
           Service(name: "back", zones: ["a"], workers: 1000, service_time: Fixed("1ms"),
               rate_limit: RateLimit(rate: 20.0, burst: 20))"#,
    );
    let s = r#"Scenario(name: "p", topology: "m.ron", duration: "8m", warmup: "3m",
        workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 100.0))])"#;
    for r in runs(&m, s, 1..=2) {
        let e = &r.endpoints[0];
        let throttled = e.failed.throttled as f64 / e.requests as f64;
        let formula = 1.0 - 2.0 * e.ok as f64 / e.requests as f64;
        assert!((throttled - formula).abs() < 0.01, "throttled {throttled}, formula {formula}");
        assert!((throttled - 0.6).abs() < 0.03, "throttled {throttled}, about 0.6");
        // What goes through is what back can take, about twice: accepted 20/s of 40/s sent.
        let limited = e.failed.rate_limited as f64 / e.requests as f64;
        assert!((limited - 0.2).abs() < 0.03, "rate limited {limited}");
        // A healthy backend is never throttled.
        assert_eq!(faultsim::model::patterns::throttle::reject_probability(100, 100, 2.0), 0.0);
    }
}

#[test]
fn fallbacks_degrade_and_a_cached_one_can_miss() {
    let m = |fallback: &str| {
        model_with_external(
            &format!(
                r#"Service(name: "front", zones: ["a"], workers: 1000, service_time: Fixed("1ms"),
                       calls: [Call(to: "recs", required: false{fallback})])"#
            ),
            r#"External(name: "recs", latency: Fixed("2ms"), error_rate: 1.0)"#,
        )
    };
    let s = scenario("30s", 100.0, "");
    for r in runs(&m(""), &s, 1..=1) {
        let e = &r.endpoints[0];
        assert_eq!(e.degraded, e.requests, "a default fallback always answers");
    }
    for r in runs(&m(", fallback: Cached(hit_ratio: 0.7)"), &s, 1..=3) {
        let e = &r.endpoints[0];
        let degraded = e.degraded as f64 / e.requests as f64;
        assert!((degraded - 0.7).abs() < 0.03, "cached fallback found for {degraded}");
        assert_eq!(e.degraded + e.failed.error, e.requests, "misses fail with the dependency's cause");
        let p = &r.services[0].patterns;
        assert_eq!((p.fallback_used, p.fallback_missed), (e.degraded, e.failed.error));
    }
}

#[test]
fn backoff_delays_in_the_engine_follow_each_jitter_kind() {
    // The dependency fails half the time and answers at once; a request served on its second
    // attempt waited exactly one backoff delay d (attempt 1: base 100 ms). Served requests
    // are the 1/2 served at once and the 1/4 served after d, so the mean served latency is
    // E[d] / 3 and the slowest is at most d's upper bound. The delay formulas themselves are
    // unit-tested in src/backoff.rs; this checks the engine waits them.
    let cases = [
        ("None", 100.0, 100.0, 100.0),
        ("Full", 50.0, 0.0, 100.0),
        ("Equal", 75.0, 50.0, 100.0),
        ("Decorrelated", 200.0, 100.0, 300.0),
    ];
    for (jitter, mean_d, low, high) in cases {
        let m = model_with_external(
            &format!(
                r#"Service(name: "front", zones: ["a"], workers: 10000, service_time: Fixed("0"),
                       calls: [Call(to: "x", retry: Retry(max_attempts: 2,
                           backoff: Backoff(base: "100ms", cap: "1s", jitter: {jitter})))])"#
            ),
            r#"External(name: "x", latency: Fixed("0"), error_rate: 0.5)"#,
        );
        let r = &runs(&m, &scenario("200s", 100.0, ""), 1..=1)[0];
        let h = &r.endpoints[0].latency;
        let mean_ms = h.mean_ns() / 1e6;
        // 20,000 requests, 5,000 of them after a delay: the mean's standard error is below 1%.
        let tolerance = mean_d / 3.0 * 0.04 + 0.1;
        assert!((mean_ms - mean_d / 3.0).abs() < tolerance, "{jitter}: mean {mean_ms} ms, expected {}", mean_d / 3.0);
        let max_ms = h.max_ns() as f64 / 1e6;
        assert!(max_ms <= high * 1.001 && max_ms >= low, "{jitter}: slowest {max_ms} ms outside [{low}, {high}]");
        let delayed = h.count() as f64 - r.endpoints[0].requests as f64 * 0.5;
        assert!(delayed > 4_000.0, "{jitter}: {delayed} requests waited a backoff");
    }
}
