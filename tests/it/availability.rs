//! Time-based availability: closed forms (the manual's semantics chapter) inside the simulated intervals, an
//! exact hand-checked case with fixed times, agreement with request-level availability,
//! link cuts and failover, the rare-event estimator against exactly solvable cases, and the
//! usual output conventions (threads, shards, plots).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use faultsim::availability::summary::{Meta, Method, Results};
use faultsim::availability::{self, Plan, YEAR_NS};

use crate::cli::{run, run_in};

const HOUR_NS: u64 = 3_600_000_000_000;

fn plan_of(text: &str) -> Arc<Plan> {
    let t = faultsim::load::parse_topology("test.ron", text.into()).expect("valid topology");
    Arc::new(Plan::new(Arc::new(t), &[]))
}

/// Runs `seeds` seeds of `years` years (or `horizon_ns`) and builds the results.
fn simulate(plan: &Arc<Plan>, seeds: u64, horizon_ns: u64) -> Results {
    let list: Vec<u64> = (1..=seeds).collect();
    let data = availability::run_seeds(plan, Method::Years, &list, horizon_ns, 0, 2, &|| {});
    let meta = Meta::of(plan, "", Default::default(), Method::Years, 1, seeds, None, horizon_ns, 0);
    Results::build(meta, data)
}

/// `mtbf`/`mttr` in hours as a failure model.
fn failure(mtbf_h: u64, mttr_h: u64) -> String {
    format!("(mtbf: \"{mtbf_h}h\", mttr: \"{mttr_h}h\")")
}

fn a(mtbf_h: u64, mttr_h: u64) -> f64 {
    mtbf_h as f64 / (mtbf_h + mttr_h) as f64
}

/// Asserts that `want` lies in the endpoint's 95% interval and that the interval is tight
/// enough (half-width below `rel` of the unavailability) for the check to mean something.
fn assert_inside(r: &Results, e: usize, want: f64, rel: f64) {
    let est = &r.endpoints[e].availability;
    assert!(est.contains(want), "{}: closed form {want} outside {est:?}", r.endpoints[e].endpoint);
    let u = 1.0 - want;
    assert!(est.half_width() < rel * u, "{}: interval {est:?} too wide to check {want}", r.endpoints[e].endpoint);
}

#[test]
fn series_and_parallel_match_the_closed_forms() {
    let text = format!(
        r#"Topology(name: "t", regions: [Region(name: "r", zones: [Zone(name: "a")])],
        services: [
            Service(name: "s1", zones: ["a"], service_time: Fixed("1ms"), failure: {}, calls: [Call(to: "s2")]),
            Service(name: "s2", zones: ["a"], service_time: Fixed("1ms"), failure: {}, calls: [Call(to: "x")]),
            Service(name: "p", zones: ["a"], instances: 3, service_time: Fixed("1ms"), failure: {}),
        ],
        externals: [External(name: "x", latency: Fixed("1ms"), failure: {})],
        endpoints: [Endpoint(name: "series", service: "s1"), Endpoint(name: "parallel", service: "p")])"#,
        failure(19, 1),
        failure(39, 1),
        failure(9, 1),
        failure(29, 1),
    );
    let r = simulate(&plan_of(&text), 20, 20 * YEAR_NS);
    // Series: ∏ Aᵢ; parallel: 1 − ∏(1 − Aᵢ).
    assert_inside(&r, 0, a(19, 1) * a(39, 1) * a(29, 1), 0.05);
    assert_inside(&r, 1, 1.0 - (1.0 - a(9, 1)).powi(3), 0.1);
    // Both formulas apply (independent failures), so the cross-check passes, not just the test.
    assert_eq!(r.endpoints[0].analytic_inside, Some(true));
    assert_eq!(r.endpoints[1].analytic_inside, Some(true));
}

#[test]
fn k_of_n_matches_the_binomial_sum() {
    let text = format!(
        r#"Topology(name: "t", regions: [Region(name: "r", zones: [Zone(name: "a")])],
        services: [Service(name: "s", zones: ["a"], instances: 5, min_healthy: 3, service_time: Fixed("1ms"), failure: {})],
        endpoints: [Endpoint(name: "e", service: "s")])"#,
        failure(9, 1)
    );
    let r = simulate(&plan_of(&text), 20, 20 * YEAR_NS);
    let p = a(9, 1);
    let choose = |n: u32, i: u32| (0..i).fold(1.0, |acc, j| acc * f64::from(n - j) / f64::from(j + 1));
    let want: f64 = (3..=5).map(|i| choose(5, i) * p.powi(i as i32) * (1.0 - p).powi(5 - i as i32)).sum();
    assert_inside(&r, 0, want, 0.05);
}

#[test]
fn three_zones_and_one_zone_match_the_closed_forms() {
    let text = format!(
        r#"Topology(name: "t", regions: [Region(name: "r", zones: [
            Zone(name: "a", failure: {z}), Zone(name: "b", failure: {z}), Zone(name: "c", failure: {z})])],
        services: [
            Service(name: "spread", zones: ["a", "b", "c"], service_time: Fixed("1ms"), failure: {i}),
            Service(name: "single", zones: ["a"], instances: 3, service_time: Fixed("1ms"), failure: {i}),
        ],
        endpoints: [Endpoint(name: "spread", service: "spread"), Endpoint(name: "single", service: "single")])"#,
        z = failure(49, 1),
        i = failure(9, 1)
    );
    let r = simulate(&plan_of(&text), 20, 20 * YEAR_NS);
    let (az, ai) = (a(49, 1), a(9, 1));
    assert_inside(&r, 0, 1.0 - (1.0 - az * ai).powi(3), 0.1);
    assert_inside(&r, 1, az * (1.0 - (1.0 - ai).powi(3)), 0.05);
}

#[test]
fn fixed_times_give_exactly_260_of_300_hours() {
    let o = run(&[
        "availability",
        "models/availability_fixed.ron",
        "--duration",
        "300h",
        "--seeds",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    assert_eq!(v["kind"], "availability");
    let e = &v["endpoints"][0];
    assert_eq!(e["availability"]["value"].as_f64(), Some(260.0 / 300.0));
    assert_eq!(e["outages"]["count"], 12, "four outages of 10 h in each of three seeds");
    assert_eq!(e["mttr_hours"].as_f64(), Some(10.0));
    // Every record holds exactly 40 h of downtime.
    for rec in v["data"]["records"].as_array().expect("records") {
        assert_eq!(rec["years"]["endpoints"][0]["down_ns"].as_u64(), Some(40 * HOUR_NS));
    }
    let text = run(&["availability", "models/availability_fixed.ron", "--duration", "300h", "--seeds", "1"]);
    assert!(text.stdout.contains("86.67%"), "{}", text.stdout);
}

#[test]
fn failover_costs_detection_plus_promotion_once_per_leader_loss() {
    // Zone a (the primary's) fails at 100 h and 210 h for 10 h each. The first loss costs the
    // 40 s + 20 s takeover; the old primary rejoins as a replica, so the second costs nothing.
    let text = r#"Topology(name: "t", regions: [Region(name: "r", zones: [
            Zone(name: "a", failure: (mtbf: "100h", mttr: "10h", ttf: Fixed, ttr: Fixed)), Zone(name: "b")])],
        services: [Service(name: "s", zones: ["b"], service_time: Fixed("1ms"), calls: [Call(to: "db")])],
        datastores: [Datastore(name: "db", primary: "a", replicas: ["b"], failover: (detection: "40s", promotion: "20s"))],
        endpoints: [Endpoint(name: "e", service: "s")])"#;
    let r = simulate(&plan_of(text), 1, 300 * HOUR_NS);
    let rec = r.data.records[0].years.as_ref().expect("years");
    assert_eq!(rec.endpoints[0].down_ns, 60_000_000_000);
    assert_eq!(rec.endpoints[0].outages, 1);
    // Without automatic failover the datastore waits for its primary: 20 h down.
    let manual = text.replace("failover: (detection", "failover: (automatic: false, detection");
    let r = simulate(&plan_of(&manual), 1, 300 * HOUR_NS);
    assert_eq!(r.data.records[0].years.as_ref().expect("years").endpoints[0].down_ns, 20 * HOUR_NS);
    assert!(r.endpoints[0].analytic.not_applicable.is_none(), "manual failover is what the formula assumes");
}

#[test]
fn a_cut_link_takes_down_only_calls_that_cross_it() {
    let text = format!(
        r#"Topology(name: "t", regions: [Region(name: "r", zones: [Zone(name: "a"), Zone(name: "b")])],
        network: (links: [Link(between: ("a", "b"), failure: {})]),
        services: [
            Service(name: "far", zones: ["a"], service_time: Fixed("1ms"), calls: [Call(to: "db")]),
            Service(name: "both", zones: ["a", "b"], service_time: Fixed("1ms"), calls: [Call(to: "db")]),
        ],
        datastores: [Datastore(name: "db", primary: "b")],
        endpoints: [Endpoint(name: "far", service: "far"), Endpoint(name: "both", service: "both")])"#,
        failure(9, 1)
    );
    let r = simulate(&plan_of(&text), 10, 10 * YEAR_NS);
    // `far` lives in a and needs db in b: down whenever the link is cut.
    assert_inside(&r, 0, a(9, 1), 0.05);
    // `both` has an instance beside db: a cut never takes it down.
    assert_eq!(r.endpoints[1].availability.value, 1.0);
    assert!(r.endpoints[0].analytic.not_applicable.as_deref().is_some_and(|w| w.contains("link")));
    // The link is what to fix first for `far`.
    let top = &r.importance[0].ranking[0];
    assert_eq!((top.kind.as_str(), top.name.as_str()), ("link", "a~b"));
    assert!((top.birnbaum - 1.0).abs() < 1e-9, "the endpoint is down exactly while the link is: {top:?}");
}

#[test]
fn request_level_and_time_based_availability_agree() {
    let req = run(&["run", "scenarios/flaky_checkout_requests.ron", "--seeds", "10", "--format", "json"]);
    assert_eq!(req.code, Some(0), "{}", req.stderr);
    let time = run(&["availability", "scenarios/flaky_checkout_requests.ron", "--duration", "2d", "--format", "json"]);
    assert_eq!(time.code, Some(0), "{}", time.stderr);
    let req: serde_json::Value = serde_json::from_str(&req.stdout).expect("json");
    let time: serde_json::Value = serde_json::from_str(&time.stdout).expect("json");
    let est = |v: &serde_json::Value| {
        let a = &v["endpoints"][0]["availability"];
        (
            a["value"].as_f64().unwrap_or(f64::NAN),
            a["low"].as_f64().unwrap_or(f64::NAN),
            a["high"].as_f64().unwrap_or(f64::NAN),
        )
    };
    let (rv, rl, rh) = est(&req);
    let (tv, tl, th) = est(&time);
    assert!(rl <= tv && tv <= rh, "time-based {tv} outside the request interval [{rl}, {rh}]");
    assert!(tl <= rv && rv <= th, "request-level {rv} outside the time-based interval [{tl}, {th}]");
    // Both near the closed form (4/4.33)(6/6.5)(12/12.25) = 0.8347, which the short
    // horizon (10 × 2 days) resolves to within a few percent.
    let closed = (240.0 / 260.0) * (360.0 / 390.0) * (720.0 / 735.0);
    assert!(tl <= closed && closed <= th, "closed form {closed} outside [{tl}, {th}]");
}

#[test]
fn rare_events_are_unbiased_on_an_exactly_solvable_system() {
    // 2 of 3 instances, each in its own failing zone: unavailability from the binomial of
    // the per-slot unavailability u = 1 − A_zone·A_instance, about 4·10⁻⁶ (5.4 nines).
    let text = format!(
        r#"Topology(name: "t", regions: [Region(name: "r", zones: [
            Zone(name: "a", failure: {z}), Zone(name: "b", failure: {z}), Zone(name: "c", failure: {z})])],
        services: [Service(name: "s", zones: ["a", "b", "c"], min_healthy: 2, service_time: Fixed("1ms"), failure: {i})],
        endpoints: [Endpoint(name: "e", service: "s")])"#,
        z = failure(8760, 2),
        i = failure(1440, 1)
    );
    let plan = plan_of(&text);
    let u = 1.0 - a(8760, 2) * a(1440, 1);
    let exact = 3.0 * u * u * (1.0 - u) + u * u * u;
    // Three independent batches of seeds: each lands within 3.29 standard errors of the exact
    // value (its 99.9% interval), and the mean of their errors in standard errors stays small.
    // (Asking three 95% intervals to all cover would fail one run in seven by design.)
    let mut zs = Vec::new();
    for first in [1u64, 101, 201] {
        let list: Vec<u64> = (first..first + 4).collect();
        let data = availability::run_seeds(&plan, Method::RareEvents, &list, 0, 20_000, 2, &|| {});
        let meta = Meta::of(&plan, "", Default::default(), Method::RareEvents, first, 4, None, 0, 20_000);
        let r = Results::build(meta, data);
        let rs = r.endpoints[0].rare.as_ref().expect("rare stats");
        let se = (rs.unavailability.high - rs.unavailability.low) / (2.0 * 1.96);
        let z = (rs.unavailability.value - exact) / se;
        assert!(
            z.abs() < 3.29,
            "seeds from {first}: exact {exact} is {z:.2} standard errors from {:?}",
            rs.unavailability
        );
        zs.push(z);
        assert!(rs.nines_half_width < 0.1, "±{} nines", rs.nines_half_width);
        assert!(rs.variance_reduction > 10.0, "variance reduction only {}", rs.variance_reduction);
    }
    // Unbiased: the mean of three independent z-scores has standard deviation 1/√3.
    let mean_z = zs.iter().sum::<f64>() / 3.0;
    assert!(mean_z.abs() < 3.29 / 3f64.sqrt(), "mean error {mean_z:.2} standard errors: {zs:?}");
}

#[test]
fn the_five_nines_example_reaches_a_tenth_of_a_nine() {
    let o = run(&[
        "availability",
        "models/five_nines.ron",
        "--rare-events",
        "--seeds",
        "4",
        "--cycles",
        "5000",
        "--format",
        "json",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    let e = &v["endpoints"][0];
    let nines = e["nines"]["value"].as_f64().unwrap_or(0.0);
    assert!((4.9..5.3).contains(&nines), "{nines} nines");
    assert!(e["rare"]["nines_half_width"].as_f64().is_some_and(|h| h < 0.1), "{}", e["rare"]);
    assert_eq!(e["analytic_inside"], true, "the exact analytic value lies in the interval");
    // Plain sampling with the same number of cycles is far less precise.
    assert!(e["rare"]["variance_reduction"].as_f64().is_some_and(|f| f > 5.0), "{}", e["rare"]);
}

#[test]
fn rare_events_refuse_what_they_cannot_do() {
    let o = run(&["availability", "models/availability_fixed.ron", "--rare-events"]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("exponential"), "{}", o.stderr);
    let dir = tempfile::tempdir().expect("tempdir");
    let model = dir.path().join("failover.ron");
    let text = r#"Topology(name: "t", regions: [Region(name: "r", zones: [Zone(name: "a"), Zone(name: "b")])],
        services: [Service(name: "s", zones: ["b"], service_time: Fixed("1ms"), calls: [Call(to: "db")])],
        datastores: [Datastore(name: "db", primary: "a", replicas: ["b"], failure: (mtbf: "30d", mttr: "1h"))],
        endpoints: [Endpoint(name: "e", service: "s")])"#;
    std::fs::write(&model, text).expect("write");
    let o = run(&["availability", &model.to_string_lossy(), "--rare-events"]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("instant datastore failover"), "{}", o.stderr);
    let o = run(&["availability", "models/five_nines.ron", "--years", "1000"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
}

#[test]
fn threads_and_shards_give_the_same_bytes() {
    let args = ["availability", "models/three_tier.ron", "--years", "20", "--seeds", "6", "--format", "json"];
    let one = run(&[&args[..], &["--threads", "1"]].concat());
    let two = run(&[&args[..], &["--threads", "2"]].concat());
    assert_eq!(one.code, Some(0), "{}", one.stderr);
    assert_eq!(one.stdout, two.stdout);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("models/three_tier.ron").to_string_lossy().into_owned();
    for k in ["1/3", "2/3", "3/3"] {
        let o = run_in(
            dir.path(),
            &["availability", &model, "--years", "20", "--seeds", "6", "--shard", k, "--out", "shards"],
            Duration::from_secs(60),
        );
        assert_eq!(o.code, Some(0), "{}", o.stderr);
    }
    let shards: Vec<String> = (1..=3).map(|k| format!("shards/shard-{k}-of-3.json")).collect();
    let mut merge = vec!["merge"];
    merge.extend(shards.iter().map(String::as_str));
    merge.extend(["--format", "json", "--out", "merged"]);
    let merged = run_in(dir.path(), &merge, Duration::from_secs(60));
    assert_eq!(merged.code, Some(0), "{}", merged.stderr);
    assert_eq!(merged.stdout, one.stdout, "merged shards print the bytes of the whole run");
    let missing = run_in(dir.path(), &["merge", &shards[0], &shards[1]], Duration::from_secs(60));
    assert_eq!(missing.code, Some(2));
    assert!(missing.stderr.contains("missing shards: 3/3"), "{}", missing.stderr);
    // --out wrote the plots: well-formed SVG.
    for f in ["outage_durations.svg", "availability_per_seed.svg", "nines_per_seed.svg"] {
        let svg = std::fs::read_to_string(dir.path().join("merged").join(f)).expect("plot written");
        assert!(roxmltree::Document::parse(&svg).is_ok(), "{f} is well-formed XML");
        assert!(svg.contains("<text"), "{f} has text");
    }
}

#[test]
fn plots_are_byte_identical_across_runs_and_labelled() {
    let plan = plan_of(&faultsim::synth::availability_topology(20));
    let first = faultsim::report::availability_plots::availability_plots(&simulate(&plan, 3, 5 * YEAR_NS));
    let second = faultsim::report::availability_plots::availability_plots(&simulate(&plan, 3, 5 * YEAR_NS));
    assert_eq!(first, second);
    let outages = &first[0];
    assert_eq!(outages.file, "outage_durations.svg");
    let doc = roxmltree::Document::parse(&outages.svg).expect("well-formed");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    for needle in ["Outage durations", "outage length", "number of outages", "e0"] {
        assert!(texts.iter().any(|t| t.contains(needle)), "{needle} missing from {texts:?}");
    }
}

#[test]
fn a_scenario_adds_its_processes_and_the_text_report_reads_well() {
    let o = run(&["availability", "models/three_tier.ron", "--years", "50", "--seeds", "4"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    for needle in ["endpoints", "downtime per year", "outages", "importance", "replay: faultsim availability"] {
        assert!(o.stdout.contains(needle), "{needle} missing:\n{}", o.stdout);
    }
    let plan =
        faultsim::load::load_scenario(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fault_process.ron"))
            .map(|s| Plan::new(Arc::clone(&s.topology), &s.processes))
            .expect("loads");
    assert!(plan.scenario_processes > 0);
    assert!(plan.processes.iter().any(|p| p.stream.starts_with("process:")));
}

#[test]
fn out_writes_a_self_contained_page_with_every_plot() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("models/three_tier.ron").to_string_lossy().into_owned();
    let dir = tempfile::tempdir().expect("tempdir");
    let pages: Vec<String> = ["one", "two"]
        .iter()
        .map(|out| {
            let args = ["availability", &model, "--years", "5", "--seeds", "3", "--out", out];
            let o = run_in(dir.path(), &args, Duration::from_secs(60));
            assert_eq!(o.code, Some(0), "{}", o.stderr);
            assert!(o.stderr.contains("index.html"), "{}", o.stderr);
            std::fs::read_to_string(dir.path().join(out).join("index.html")).expect("index.html written")
        })
        .collect();
    assert_eq!(pages[0], pages[1], "two runs write the same bytes");
    let page = &pages[0];
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    for f in ["outage_durations.svg", "availability_per_seed.svg", "nines_per_seed.svg"] {
        let svg = std::fs::read_to_string(dir.path().join("one").join(f)).expect("plot written");
        let inline = faultsim::report::html::inline_svg(&svg);
        assert!(inline.starts_with("<svg"));
        assert!(page.contains(inline), "{f} is inlined in the page");
    }
    assert_eq!(page.matches("<svg").count(), 3, "one inline SVG per plot");
    // Self-contained: nothing to fetch and nothing to run.
    let without_namespaces = page.replace("http://www.w3.org/", "");
    assert!(!without_namespaces.contains("http"), "an external URL in the page");
    for tag in ["<script", "<link", "<img", "<iframe", "url("] {
        assert!(!page.contains(tag), "{tag} in the page");
    }
    // The text report, escaped, with every section.
    for needle in ["Availability: three-tier", "95% CI", "nines", "downtime per year", "outages", "importance"] {
        assert!(page.contains(needle), "{needle} missing from the page");
    }
    let summary = std::fs::read_to_string(dir.path().join("one/summary.md")).expect("summary written");
    let text = summary.trim_start_matches("```text\n").trim_end_matches("```\n");
    assert!(page.contains(&faultsim::report::html::escape(text)), "the whole text report, escaped");
}

/// Zero outages in centuries: the figure is a one-sided bound (exact Poisson rate bound times
/// the longest mean repair), never a zero-width interval, and the exact analytic value is
/// never flagged as outside it.
#[test]
fn no_outage_gives_a_one_sided_bound_not_a_zero_width_interval() {
    let out = run(&["availability", "models/quiet_zones.ron", "--years", "500", "--seeds", "20"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    for want in ["no outage of read in 10000 simulated years", "try --rare-events", "within bound", "≥ 7.47"] {
        assert!(out.stdout.contains(want), "missing {want:?}:\n{}", out.stdout);
    }
    assert!(!out.stdout.contains("OUTSIDE"), "{}", out.stdout);
    assert!(!out.stdout.contains("100.0000% [100.0000%, 100.0000%]"), "{}", out.stdout);

    let json = run(&["availability", "models/quiet_zones.ron", "--years", "500", "--seeds", "20", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    let e = &v["endpoints"][0];
    let bound = &e["no_outage"];
    // 20 seeds × 500 years without an outage: rate < −ln(0.05)/10⁴ per year; outages of at
    // most the 1 h zone repair.
    let rate = -(0.05f64).ln() / 10_000.0;
    let u = rate / 8760.0;
    assert!((bound["outages_per_year_upper"].as_f64().expect("a number") - rate).abs() < 1e-12, "{bound}");
    assert!((bound["unavailability_upper"].as_f64().expect("a number") / u - 1.0).abs() < 1e-6, "{bound}");
    assert_eq!(bound["assumed_outage_hours"].as_f64(), Some(1.0));
    let low = e["availability"]["low"].as_f64().expect("a number");
    assert!(((1.0 - low) / u - 1.0).abs() < 1e-6 && e["availability"]["high"].as_f64() == Some(1.0), "{e}");
    // The exact answer, (1/2000)³, lies under the bound, and the check says so.
    let exact = 1.0 - e["analytic"]["availability"].as_f64().expect("a number");
    assert!((exact / 1.25e-10 - 1.0).abs() < 1e-3 && exact < u, "{exact} vs {u}");
    assert_eq!(e["analytic_inside"], serde_json::Value::Bool(true));

    // A shorter run with outages gets the two-sided interval and no bound.
    let seen = run(&["availability", "models/five_nines.ron", "--years", "20", "--seeds", "4", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&seen.stdout).expect("json");
    assert!(v["endpoints"][0]["no_outage"].is_null() && v["endpoints"][0]["outages"]["count"].as_u64() > Some(0));
}

/// A topology in which nothing can fail says so instead of printing ∞ nines; the rare-event
/// JSON says 0 simulated years, not −0.
#[test]
fn nothing_can_fail_is_said_in_words_and_rare_events_have_no_negative_zero() {
    let out = run(&["availability", "models/minimal.ron", "--years", "2", "--seeds", "3"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("nothing in the model can fail for greet"), "{}", out.stdout);
    assert!(out.stdout.contains("100% (nothing can fail)"), "{}", out.stdout);
    assert!(!out.stdout.contains('∞'), "{}", out.stdout);
    let rare = run(&["availability", "models/quiet_zones.ron", "--rare-events", "--cycles", "200", "--format", "json"]);
    assert_eq!(rare.code, Some(0), "{}", rare.stderr);
    assert!(
        rare.stdout.contains("\"years\":0.0,") && !rare.stdout.contains("\"years\":-0.0"),
        "{}",
        &rare.stdout[..400]
    );
}
