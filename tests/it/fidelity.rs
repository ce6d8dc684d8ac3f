//! Statistical fidelity: the simulation lands inside its confidence interval around the closed
//! forms of the reference semantics (queues and retries).
//!
//! Each case is a small topology and scenario written out in RON below, run over a fixed range
//! of seeds. Every seed is one independent replication and yields one number per quantity (a mean
//! sojourn, a p99, a utilisation, a fraction); the interval comes from the spread of those
//! per-seed numbers with Student's t on `seeds − 1` degrees of freedom. Requests inside one run
//! are correlated (a long busy period delays many in a row), so they are never treated as
//! independent samples.
//!
//! Tolerances: a check passes when the closed form lies inside the 99.9% interval around the
//! seed mean. The seeds are fixed, so pass or fail is deterministic; the wide level is for the
//! day a change in the engine reshuffles the random draws: with about twenty checks in this
//! module, 99.9% each keeps the chance that a correct engine fails any of them near 2%
//! (Bonferroni), where 95% or 99% would fail a correct engine often. So that the test can still
//! fail, every check also asserts that its interval is narrow (half-width at most a few percent
//! of the theory), and a wrong model (service time off by 10%, a worker too many, one retry too
//! few) moves the estimate far outside it.
//!
//! Pure queueing cases set every network latency to zero, so a request's latency is its
//! sojourn (waiting plus service) at the stations. Warm-ups drop the transient of a run that
//! starts empty; after the duration arrivals stop and measured requests drain, so no measured
//! sojourn is cut short.

use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use faultsim::engine::Simulation;
use faultsim::metrics::run::RunMetrics;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Confidence level of every interval; see the module docs for why it is this wide.
const LEVEL: f64 = 0.999;

/// A zero-latency network, so latency is pure queueing.
const NO_NETWORK: &str = r#"network: Network(same_zone: Fixed("0"), cross_zone: Fixed("0"), cross_region: Fixed("0"))"#;

/// Runs `scenario` (whose `topology` must be `"m.ron"`) on `model` once per seed, in seed order.
fn run_seeds(model: &str, scenario: &str, seeds: Range<u64>) -> Vec<RunMetrics> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.ron"), model).expect("write the model");
    let parsed = faultsim::load::parse_scenario("s.ron", Arc::from(scenario), dir.path());
    let scenario = Arc::new(parsed.unwrap_or_else(|ds| {
        let text: Vec<String> = ds.iter().map(ToString::to_string).collect();
        panic!("the scenario does not load:\n{}", text.join("\n"))
    }));
    seeds
        .map(|seed| {
            Simulation::new(Arc::clone(&scenario), seed)
                .run()
                .unwrap_or_else(|e| panic!("seed {seed} hit a limit: {}", e.0))
        })
        .collect()
}

/// The seed mean of `xs` and the half-width of its two-sided `LEVEL` interval (Student's t).
fn mean_ci(xs: &[f64]) -> (f64, f64) {
    assert!(xs.len() >= 2, "an interval needs at least two seeds");
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let t = StudentsT::new(0.0, 1.0, n - 1.0).expect("degrees of freedom are positive");
    let q = t.inverse_cdf(1.0 - (1.0 - LEVEL) / 2.0);
    (mean, q * (var / n).sqrt())
}

/// Asserts that `theory` lies in the interval around the seed mean of `per_seed`, and that the
/// interval's half-width is at most `max_relative` of `theory` (so the check can fail).
fn check(case: &str, quantity: &str, per_seed: &[f64], theory: f64, max_relative: f64) {
    let (mean, half) = mean_ci(per_seed);
    report(case, quantity, theory, mean, half);
    assert!(
        half <= max_relative * theory.abs(),
        "{case}: {quantity}: the {LEVEL} interval ±{half:.6} is wider than {max_relative} of the theory {theory:.6}; \
         add seeds or requests (per seed: {per_seed:?})"
    );
    assert!(
        (mean - theory).abs() <= half,
        "{case}: {quantity}: measured {mean:.6} ± {half:.6} ({LEVEL} interval over {} seeds) misses the theory {theory:.6} \
         (per seed: {per_seed:?})",
        per_seed.len()
    );
}

/// Prints one line per check, shown with `--nocapture`: what was expected and what was measured.
#[expect(clippy::print_stderr, reason = "a statistical test shows its numbers next to its verdict")]
fn report(case: &str, quantity: &str, theory: f64, mean: f64, half: f64) {
    eprintln!(
        "fidelity {case:<8} {quantity:<24} theory {theory:>10.5}  measured {mean:>10.5} ± {half:.5} ({:.2}%)",
        100.0 * half / theory.abs()
    );
}

/// Prints how long a case took, shown with `--nocapture`.
#[expect(clippy::print_stderr, reason = "the module has a time budget; show what each case spends")]
fn timed<T>(case: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    eprintln!("fidelity {case:<8} ran in {:.2?}", start.elapsed());
    out
}

/// One zone, a zero-latency network, the given services, and endpoint `e` entering at `s`.
fn model(services: &str) -> String {
    format!(
        r#"Topology(name: "m", regions: [Region(name: "r", zones: [Zone(name: "z")])], {NO_NETWORK},
           services: [{services}], endpoints: [Endpoint(name: "e", service: "s")])"#
    )
}

/// Poisson arrivals at `rate` per second on endpoint `e` for `duration`, measured after `warmup`.
fn scenario(rate: f64, duration: &str, warmup: &str, client: &str) -> String {
    format!(
        r#"Scenario(name: "fidelity", topology: "m.ron", duration: "{duration}", warmup: "{warmup}",
           workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: {rate:?}){client})])"#
    )
}

/// Per seed, the endpoint's mean latency in seconds.
fn mean_latency_s(runs: &[RunMetrics]) -> Vec<f64> {
    runs.iter().map(|r| r.endpoints[0].latency.mean_ns() / 1e9).collect()
}

/// Per seed, the endpoint's latency percentile `p` in seconds.
fn percentile_latency_s(runs: &[RunMetrics], p: f64) -> Vec<f64> {
    runs.iter().map(|r| r.endpoints[0].latency.percentile_ns(p) as f64 / 1e9).collect()
}

/// Per seed, the utilisation of service `s`.
fn utilisation(runs: &[RunMetrics], s: usize) -> Vec<f64> {
    runs.iter().map(|r| r.services[s].utilisation()).collect()
}

/// Per seed, the fraction of the endpoint's requests turned away by a full backlog.
fn rejected_fraction(runs: &[RunMetrics]) -> Vec<f64> {
    runs.iter().map(|r| r.endpoints[0].failed.rejected as f64 / r.endpoints[0].requests as f64).collect()
}

/// Erlang B: the probability that all `c` servers are busy with offered load `a` (no waiting room).
fn erlang_b(c: u32, a: f64) -> f64 {
    // The stable recurrence B(k) = a·B(k−1) / (k + a·B(k−1)), B(0) = 1.
    (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
}

/// Erlang C: the probability that an arrival waits in M/M/c with offered load `a` < `c`.
fn erlang_c(c: u32, a: f64) -> f64 {
    assert!(a < f64::from(c), "Erlang C needs a stable queue");
    let b = erlang_b(c, a);
    let rho = a / f64::from(c);
    b / (1.0 - rho + rho * b)
}

/// M/M/c/K with offered load `a`: the stationary probability that `K` are present (by PASTA,
/// the fraction of arrivals blocked) and the mean number present.
fn mmck(c: u32, k: u32, a: f64) -> (f64, f64) {
    // Unnormalised p_n: a^n/n! up to c, then a^n/(c!·c^(n−c)); each from the one before.
    let mut p = 1.0;
    let (mut sum, mut mean_n) = (1.0, 0.0);
    for n in 1..=k {
        p *= a / f64::from(n.min(c));
        sum += p;
        mean_n += f64::from(n) * p;
    }
    (p / sum, mean_n / sum)
}

/// M/M/1: λ = 50/s, μ = 100/s. The sojourn is Exp(μ − λ): mean 20 ms, median ln(2)/(μ − λ),
/// p99 ln(100)/(μ − λ) ≈ 92.1 ms; the utilisation is ρ = λ/μ.
#[test]
fn mm1_sojourn_is_exponential_with_rate_mu_minus_lambda() {
    let (lambda, mu) = (50.0, 100.0);
    let m = model(
        r#"Service(name: "s", zones: ["z"], instances: 1, workers: 1, backlog: 100000, service_time: Exp(mean: "10ms"))"#,
    );
    let runs = timed("M/M/1", || run_seeds(&m, &scenario(lambda, "2000s", "2s", ""), 1..21));
    assert!(runs.iter().all(|r| r.endpoints[0].failed.total() == 0), "nothing may fail in a stable M/M/1");
    check("M/M/1", "mean sojourn (s)", &mean_latency_s(&runs), 1.0 / (mu - lambda), 0.05);
    check("M/M/1", "median sojourn (s)", &percentile_latency_s(&runs, 50.0), 2f64.ln() / (mu - lambda), 0.05);
    check("M/M/1", "p99 sojourn (s)", &percentile_latency_s(&runs, 99.0), 100f64.ln() / (mu - lambda), 0.05);
    check("M/M/1", "utilisation", &utilisation(&runs, 0), lambda / mu, 0.05);
    // The waiting line (excluding the one in service) averages Lq = ρ² / (1 − ρ).
    let rho = lambda / mu;
    let lq: Vec<f64> = runs.iter().map(|r| r.services[0].mean_backlog(1)).collect();
    check("M/M/1", "mean backlog", &lq, rho * rho / (1.0 - rho), 0.05);
}

/// M/M/3 at ρ = 0.8: the mean wait is Erlang C over (cμ − λ), the mean sojourn adds 1/μ.
#[test]
fn mmc_wait_follows_erlang_c() {
    let (c, lambda, mu) = (3, 240.0, 100.0);
    let m = model(
        r#"Service(name: "s", zones: ["z"], instances: 1, workers: 3, backlog: 100000, service_time: Exp(mean: "10ms"))"#,
    );
    let runs = timed("M/M/3", || run_seeds(&m, &scenario(lambda, "300s", "2s", ""), 1..21));
    let a = lambda / mu;
    let wq = erlang_c(c, a) / (f64::from(c) * mu - lambda);
    check("M/M/3", "mean sojourn (s)", &mean_latency_s(&runs), wq + 1.0 / mu, 0.05);
    check("M/M/3", "utilisation", &utilisation(&runs, 0), a / f64::from(c), 0.05);
}

/// M/M/2/5 (two workers, three waiting places) at a = 3: arrivals finding five present are
/// rejected, so the rejected fraction is the stationary P_K; the admitted rate λ(1 − P_K) gives
/// the utilisation, and Little's law the mean sojourn of served requests, L / (λ(1 − P_K)).
#[test]
fn mmck_rejects_the_blocking_probability() {
    let (c, k, lambda, mu) = (2, 5, 300.0, 100.0);
    let m = model(
        r#"Service(name: "s", zones: ["z"], instances: 1, workers: 2, backlog: 3, service_time: Exp(mean: "10ms"))"#,
    );
    let runs = timed("M/M/2/5", || run_seeds(&m, &scenario(lambda, "60s", "1s", ""), 1..21));
    let (blocked, present) = mmck(c, k, lambda / mu);
    let admitted = lambda * (1.0 - blocked);
    check("M/M/2/5", "rejected fraction", &rejected_fraction(&runs), blocked, 0.05);
    check("M/M/2/5", "utilisation", &utilisation(&runs, 0), admitted / (f64::from(c) * mu), 0.05);
    check("M/M/2/5", "mean sojourn (s)", &mean_latency_s(&runs), present / admitted, 0.05);
}

/// M/M/3/3 (no backlog) at a = 2: the rejected fraction is Erlang B, the utilisation is the
/// carried load a(1 − B)/c, and a served request never waits: its sojourn is its service time.
#[test]
fn loss_system_rejects_by_erlang_b() {
    let (c, lambda, mu) = (3, 200.0, 100.0);
    let m = model(
        r#"Service(name: "s", zones: ["z"], instances: 1, workers: 3, backlog: 0, service_time: Exp(mean: "10ms"))"#,
    );
    let runs = timed("Erlang B", || run_seeds(&m, &scenario(lambda, "60s", "1s", ""), 1..21));
    let blocked = erlang_b(c, lambda / mu);
    check("Erlang B", "rejected fraction", &rejected_fraction(&runs), blocked, 0.05);
    check("Erlang B", "utilisation", &utilisation(&runs, 0), lambda * (1.0 - blocked) / (f64::from(c) * mu), 0.05);
    check("Erlang B", "mean sojourn (s)", &mean_latency_s(&runs), 1.0 / mu, 0.05);
}

/// A tandem A → B. A job holds A's worker while it waits for B, so A is not a Jackson station
/// with service S_A: its worker is busy for S = S_A + (sojourn at B). A has one worker, so at
/// most one job is ever at B, which therefore never queues: its sojourn is exactly S_B. Hence A
/// is M/G/1 with hypoexponential S = S_A + S_B, S_A ~ Exp(10 ms), S_B ~ Exp(8 ms):
/// E[S] = 18 ms, E[S²] = Var + E[S]² = (10² + 8²) + 18² = 488 ms², and Pollaczek–Khinchine
/// gives the mean wait Wq = λ·E[S²] / (2(1 − ρ)), ρ = λ·E[S]; the sojourn is Wq + E[S].
#[test]
fn tandem_holding_its_worker_is_pollaczek_khinchine() {
    let lambda = 30.0;
    let (s_a, s_b) = (0.010, 0.008);
    let m = model(
        r#"Service(name: "s", zones: ["z"], instances: 1, workers: 1, backlog: 100000, service_time: Exp(mean: "10ms"),
                   calls: [Call(to: "b")]),
           Service(name: "b", zones: ["z"], instances: 1, workers: 1, backlog: 100000, service_time: Exp(mean: "8ms"))"#,
    );
    let runs = timed("tandem", || run_seeds(&m, &scenario(lambda, "600s", "2s", ""), 1..21));
    assert!(runs.iter().all(|r| r.services[1].backlog_max == 0), "B must never queue behind A's single worker");
    let mean_s = s_a + s_b;
    let second_moment = s_a * s_a + s_b * s_b + mean_s * mean_s;
    let rho = lambda * mean_s;
    let wq = lambda * second_moment / (2.0 * (1.0 - rho));
    check("tandem", "mean sojourn (s)", &mean_latency_s(&runs), wq + mean_s, 0.05);
    check("tandem", "utilisation A (held)", &utilisation(&runs, 0), rho, 0.05);
    check("tandem", "utilisation B", &utilisation(&runs, 1), lambda * s_b, 0.05);
}

/// Immediate retries of a dependency failing with p = 0.3, three attempts: a call fails only
/// when all three do (p³), and a call sends 1 + p + p² attempts, i.e. p + p² retries.
#[test]
fn retries_of_a_flaky_dependency_compound() {
    let (p, n) = (0.3f64, 3);
    let m = model(
        r#"Service(name: "s", zones: ["z"], instances: 1, workers: 1000, backlog: 100000, service_time: Exp(mean: "1ms"),
                   calls: [Call(to: "flaky", retry: Retry(max_attempts: 3))]),
           Service(name: "flaky", zones: ["z"], instances: 1, workers: 1000, backlog: 100000, service_time: Exp(mean: "1ms"),
                   error_rate: 0.3)"#,
    );
    // No warm-up: the retry counters count every call, so the requests must be every request too.
    let runs = timed("retry", || run_seeds(&m, &scenario(1000.0, "40s", "0s", ""), 1..21));
    let failed: Vec<f64> = runs.iter().map(|r| 1.0 - r.endpoints[0].availability()).collect();
    let ratio: Vec<f64> = runs.iter().map(|r| r.services[0].retries as f64 / r.services[0].calls as f64).collect();
    check("retry", "failed fraction", &failed, p.powi(n), 0.05);
    check("retry", "retries per call", &ratio, p + p * p, 0.05);
    assert!(runs.iter().all(|r| r.endpoints[0].failed.total() == r.endpoints[0].failed.error), "only errors fail");
}

/// The same through client retries: the entry service fails with p = 0.3 and the client tries
/// three times, so a request fails with p³ and the client sends p + p² retries per request.
#[test]
fn client_retries_compound_like_call_retries() {
    let (p, n) = (0.3f64, 3);
    let m = model(
        r#"Service(name: "s", zones: ["z"], instances: 1, workers: 1000, backlog: 100000, service_time: Exp(mean: "1ms"),
                   error_rate: 0.3)"#,
    );
    let client = ", client: Client(retry: Retry(max_attempts: 3))";
    let runs = timed("client", || run_seeds(&m, &scenario(1000.0, "40s", "0s", client), 1..21));
    let failed: Vec<f64> = runs.iter().map(|r| 1.0 - r.endpoints[0].availability()).collect();
    let ratio: Vec<f64> = runs.iter().map(|r| r.client_retries[0] as f64 / r.endpoints[0].requests as f64).collect();
    check("client", "failed fraction", &failed, p.powi(n), 0.05);
    check("client", "retries per request", &ratio, p + p * p, 0.05);
}
