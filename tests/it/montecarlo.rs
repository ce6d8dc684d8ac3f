//! Many seeds: the output never depends on the thread count or on sharding, and the 95%
//! intervals cover the truth about 95% of the time.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use faultsim::montecarlo::summary::{Meta, Results, Stored};
use faultsim::montecarlo::{run_seeds, Partial, Shard};
use proptest::prelude::*;

use crate::cli::{run, run_in};

#[test]
fn one_thread_and_two_threads_print_the_same_bytes() {
    let one = run(&["run", "scenarios/minimal.ron", "--seeds", "16", "--threads", "1", "--format", "json"]);
    let two = run(&["run", "scenarios/minimal.ron", "--seeds", "16", "--threads", "2", "--format", "json"]);
    assert_eq!(one.code, Some(0), "{}", one.stderr);
    assert_eq!(one.stdout, two.stdout);
    let v: serde_json::Value = serde_json::from_str(&one.stdout).expect("json");
    assert_eq!((v["schema_version"].as_u64(), v["kind"].as_str()), (Some(2), Some("run")));
    assert_eq!(v["seeds"], 16);
    assert!(v["meta"]["inputs"]["scenario"].as_str().is_some_and(|h| h.len() == 64), "input hashes are recorded");
}

#[test]
fn merged_shards_print_the_bytes_of_the_unsharded_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = root.join("scenarios/minimal.ron").to_string_lossy().into_owned();
    let whole = run_in(dir.path(), &["run", &scenario, "--seeds", "10", "--format", "json"], Duration::from_secs(120));
    assert_eq!(whole.code, Some(0), "{}", whole.stderr);
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let o = run_in(
            dir.path(),
            &["run", &scenario, "--seeds", "10", "--shard", &shard, "--out", "shards"],
            Duration::from_secs(120),
        );
        assert_eq!(o.code, Some(0), "{}", o.stderr);
    }
    let files: Vec<String> = [3, 1, 2].iter().map(|k| format!("shards/shard-{k}-of-3.json")).collect();
    let mut args = vec!["merge", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let merged = run_in(dir.path(), &args, Duration::from_secs(60));
    assert_eq!(merged.code, Some(0), "{}", merged.stderr);
    assert_eq!(merged.stdout, whole.stdout, "merge of 3/3, 1/3, 2/3 equals the unsharded run");

    // A missing shard is reported, and nothing is merged.
    let partial =
        run_in(dir.path(), &["merge", "shards/shard-1-of-3.json", "shards/shard-3-of-3.json"], Duration::from_secs(60));
    assert_eq!(partial.code, Some(2));
    assert!(partial.stderr.contains("missing shards: 2/3"), "{}", partial.stderr);
    assert!(partial.stderr.contains("missing seeds: 2, 5, 8"), "{}", partial.stderr);
    // A shard given twice is reported too.
    let twice = run_in(dir.path(), &["merge", &files[0], &files[1], &files[2], &files[0]], Duration::from_secs(60));
    assert_eq!(twice.code, Some(2));
    assert!(twice.stderr.contains("shards given twice: 3/3"), "{}", twice.stderr);
}

#[test]
fn shards_from_other_inputs_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = std::fs::read_to_string(root.join("models/minimal.ron")).expect("model");
    let scenario =
        std::fs::read_to_string(root.join("scenarios/minimal.ron")).expect("scenario").replace("../models/", "");
    std::fs::write(dir.path().join("minimal.ron"), &model).expect("write");
    std::fs::write(dir.path().join("s.ron"), &scenario).expect("write");
    let a =
        run_in(dir.path(), &["run", "s.ron", "--seeds", "4", "--shard", "1/2", "--out", "a"], Duration::from_secs(60));
    assert_eq!(a.code, Some(0), "{}", a.stderr);
    std::fs::write(dir.path().join("minimal.ron"), model.replace("Exp(mean: \"5ms\")", "Exp(mean: \"6ms\")"))
        .expect("write");
    let b =
        run_in(dir.path(), &["run", "s.ron", "--seeds", "4", "--shard", "2/2", "--out", "b"], Duration::from_secs(60));
    assert_eq!(b.code, Some(0), "{}", b.stderr);
    let m = run_in(dir.path(), &["merge", "a/shard-1-of-2.json", "b/shard-2-of-2.json"], Duration::from_secs(60));
    assert_eq!(m.code, Some(2));
    assert!(m.stderr.contains("other input files"), "{}", m.stderr);
}

fn minimal() -> Arc<faultsim::scenario::Scenario> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Arc::new(faultsim::load::load_scenario(&root.join("scenarios/minimal.ron")).expect("loads"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// For any number of shards and any merge order, merged shard files give the unsharded bytes.
    #[test]
    fn any_split_and_merge_order_gives_the_same_bytes(count in 1u64..9, n in 1u32..5, order in any::<u64>()) {
        let s = minimal();
        let first = s.first_seed;
        let all: Vec<u64> = (0..count).map(|i| first + i).collect();
        let whole = Results::build(Meta::of(&s, first, count, None), run_seeds(&s, &all, 2, &|| {}));
        let whole = serde_json::to_string(&whole).expect("json");
        let mut files: Vec<String> = (1..=n)
            .map(|k| {
                let shard = Shard { index: k, count: n };
                let r = Results::build(Meta::of(&s, first, count, Some(shard)), run_seeds(&s, &shard.seeds(first, count), 1, &|| {}));
                serde_json::to_string(&faultsim::schema::document(faultsim::schema::Kind::Run, &r)).expect("json")
            })
            .collect();
        // A deterministic shuffle from `order`.
        let len = files.len();
        for i in (1..len).rev() {
            files.swap(i, (order.rotate_left(i as u32) as usize) % (i + 1));
        }
        let stored: Vec<Stored> = files.iter().map(|f| serde_json::from_str(f).expect("reads back")).collect();
        let mut meta = stored[0].meta.clone();
        meta.shard = None;
        let data = stored.into_iter().fold(Partial::empty(meta.endpoints.len()), |acc, st| acc.merge(st.data));
        let merged = serde_json::to_string(&Results::build(meta, data)).expect("json");
        prop_assert_eq!(merged, whole);
    }
}

const MM1_MODEL: &str = r#"Topology(name: "mm1", regions: [Region(name: "r", zones: [Zone(name: "a")])],
    network: (same_zone: Fixed("0")),
    services: [Service(name: "server", zones: ["a"], workers: 1, backlog: 1000000, service_time: Exp(mean: "10ms"))],
    endpoints: [Endpoint(name: "e", service: "server")])"#;
const MM1_SCENARIO: &str = r#"Scenario(name: "mm1", topology: "m.ron", duration: "200s", warmup: "5s",
    workloads: [Workload(endpoint: "e", arrivals: Poisson(rate: 50.0))])"#;

/// Over 60 batches of 8 seeds, the 95% interval of the M/M/1 mean sojourn (1/(μ − λ) = 20 ms)
/// must contain the truth in about 95% of batches. With 60 batches the count of hits is
/// binomial (sd ≈ 1.7 batches), so [50, 60] hits is a ±3 sd band around 57.
#[test]
#[expect(clippy::print_stderr, reason = "the measured coverage is worth seeing with --nocapture")]
fn intervals_cover_the_truth_about_95_percent_of_the_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("m.ron"), MM1_MODEL).expect("write");
    let s = Arc::new(
        faultsim::load::parse_scenario("mm1", MM1_SCENARIO.into(), &PathBuf::from(dir.path())).expect("valid"),
    );
    let (batches, per_batch) = (60u64, 8u64);
    let seeds: Vec<u64> = (1..=batches * per_batch).collect();
    let data = run_seeds(&s, &seeds, 2, &|| {});
    let mut hits = 0;
    for b in 0..batches {
        let part = Partial {
            records: data.records[(b * per_batch) as usize..((b + 1) * per_batch) as usize].to_vec(),
            latency: data.latency.clone(),
            series: data.series.clone(),
            service_series: data.service_series.clone(),
        };
        let r = Results::build(Meta::of(&s, 1 + b * per_batch, per_batch, None), part);
        if r.endpoints[0].latency.mean_ms_per_seed.contains(20.0) {
            hits += 1;
        }
    }
    eprintln!("coverage of the 95% interval: {hits}/{batches}");
    assert!((50..=60).contains(&hits), "95% intervals covered the true mean in {hits} of {batches} batches");
}

#[test]
fn out_writes_results_and_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = root.join("scenarios/minimal.ron").to_string_lossy().into_owned();
    let o = run_in(
        dir.path(),
        &["run", &scenario, "--seeds", "3", "--out", "res", "--format", "json"],
        Duration::from_secs(60),
    );
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let json = std::fs::read_to_string(dir.path().join("res/results.json")).expect("results.json");
    assert_eq!(json, o.stdout, "results.json holds what --format json prints");
    let md = std::fs::read_to_string(dir.path().join("res/summary.md")).expect("summary.md");
    assert!(md.contains("availability [95% CI]"), "{md}");
    let names: Vec<String> = std::fs::read_dir(dir.path().join("res"))
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "no temporary files are left: {names:?}");
    assert!(names.iter().any(|n| n == "index.html"), "the page and its plots are written too: {names:?}");
}

/// Counts that are zero on every seed, and requests of which none failed, get the exact
/// one-sided bound (≈ 3/n), never a zero-width `[0, 0]` or `[100%, 100%]`.
#[test]
fn zero_counts_get_one_sided_bounds_not_zero_width_intervals() {
    let out = run(&["run", "scenarios/ledger_primary_loss_sync.ron", "--seeds", "10", "--format", "json"]);
    assert!(matches!(out.code, Some(0 | 1)), "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let bound = -(0.05f64).ln() / 10.0;
    for figure in ["data_lost", "writes_lost", "oom_kills", "duplicates"] {
        let e = &v["infra"][figure];
        assert_eq!((e["value"].as_f64(), e["low"].as_f64()), (Some(0.0), Some(0.0)), "{figure}: {e}");
        assert!((e["high"].as_f64().expect("a number") - bound).abs() < 1e-12, "{figure}: {e}");
    }
    let retries = &v["services"][0]["retries"];
    assert!((retries["high"].as_f64().expect("a number") - bound).abs() < 1e-12, "{retries}");

    let ok = run(&["run", "scenarios/minimal.ron", "--seeds", "10", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&ok.stdout).expect("json");
    let e = &v["endpoints"][0];
    let served = e["ok"].as_f64().expect("a number");
    assert_eq!(e["requests"].as_f64(), Some(served), "no request fails in the minimal scenario");
    let low = e["availability"]["low"].as_f64().expect("a number");
    assert!(((1.0 - low) / (-(0.05f64).ln() / served) - 1.0).abs() < 1e-6, "{e}");
    let text = run(&["run", "scenarios/minimal.ron", "--seeds", "10"]).stdout;
    assert!(text.contains("no request of greet failed") && text.contains("none (< 0.30)"), "{text}");
    assert!(!text.contains("[100.000%, 100.000%]") && !text.contains(" 0 [0, 0]"), "{text}");
}

#[test]
fn widened_series_give_the_same_bytes_for_any_thread_count_and_sharding() {
    // Three hours capped at 100 buckets: the series bucket widens from 1 s to 2 min.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = format!(
        "Scenario(name: \"long\", topology: {:?}, duration: \"3h\", limits: Limits(max_buckets: 100), \
         workloads: [Workload(endpoint: \"greet\", arrivals: Poisson(rate: 2.0))])",
        root.join("models/minimal.ron").display().to_string()
    );
    std::fs::write(dir.path().join("long.ron"), text).expect("write");
    let limit = Duration::from_secs(120);
    let json = |extra: &[&str]| {
        let o = run_in(dir.path(), &[&["run", "long.ron", "--seeds", "6", "--format", "json"], extra].concat(), limit);
        assert_eq!(o.code, Some(0), "{}", o.stderr);
        o.stdout
    };
    let one = json(&["--threads", "1"]);
    assert_eq!(one, json(&["--threads", "2"]), "threads");
    let v: serde_json::Value = serde_json::from_str(&one).expect("json");
    assert_eq!(v["meta"]["bucket_ns"], 120_000_000_000u64);
    assert_eq!(v["meta"]["bucket_widened_from_ns"], 1_000_000_000u64);
    for k in 1..=2 {
        let o = run_in(
            dir.path(),
            &["run", "long.ron", "--seeds", "6", "--shard", &format!("{k}/2"), "--out", "shards"],
            limit,
        );
        assert_eq!(o.code, Some(0), "{}", o.stderr);
    }
    let merged = run_in(
        dir.path(),
        &["merge", "--format", "json", "shards/shard-2-of-2.json", "shards/shard-1-of-2.json"],
        limit,
    );
    assert_eq!(merged.code, Some(0), "{}", merged.stderr);
    assert_eq!(merged.stdout, one, "merged shards");
}

#[test]
fn a_run_until_settled_stops_at_the_first_precise_look_and_covers_the_mm1_truth() {
    // M/M/1 with λ = 50/s, μ = 100/s: the mean time in system is 1 / (μ − λ) = 20 ms.
    let dir = tempfile::tempdir().expect("tempdir");
    // 1000 s per seed keeps each seed's mean close to normal, as the t-interval assumes.
    let (topology, scenario) = faultsim::synth::mm1_files(50.0, 100.0, 1000);
    std::fs::write(dir.path().join("m.ron"), topology).expect("write");
    std::fs::write(dir.path().join("mm1.ron"), scenario).expect("write");
    let limit = Duration::from_secs(120);
    let args = ["run", "mm1.ron", "--precision", "latency=0.5%", "--format", "json"];
    let one = run_in(dir.path(), &[&args[..], &["--threads", "1"]].concat(), limit);
    assert_eq!(one.code, Some(0), "{}", one.stderr);
    let two = run_in(dir.path(), &[&args[..], &["--threads", "2"]].concat(), limit);
    assert_eq!(one.stdout, two.stdout, "where it stops does not depend on threads");
    let v: serde_json::Value = serde_json::from_str(&one.stdout).expect("json");
    let p = &v["precision"];
    assert_eq!(p["schedule"], serde_json::json!([20, 40, 80, 160, 320]));
    assert!((p["level"].as_f64().expect("level") - 0.99).abs() < 1e-12);
    let looks = p["looks"].as_array().expect("looks");
    // It stopped at the first look within 2%, and ran that look's seeds.
    let half = |look: &serde_json::Value| {
        let e = &look["endpoints"][0]["estimate"];
        let (low, high, value) = (e["low"].as_f64(), e["high"].as_f64(), e["value"].as_f64());
        (high.expect("high") - low.expect("low")) / 2.0 / value.expect("value")
    };
    for look in &looks[..looks.len() - 1] {
        assert!(half(look) > 0.005, "an earlier look was already precise: {look}");
    }
    assert!(looks.len() > 1, "the first look is not precise enough, so the rule has to look again");
    let last = looks.last().expect("a look");
    assert!(half(last) <= 0.005, "{last}");
    assert_eq!(p["settled"], true);
    assert_eq!(v["seeds"], last["seeds"]);
    // Its interval covers the truth.
    let e = &last["endpoints"][0]["estimate"];
    let (low, high) = (e["low"].as_f64().expect("low"), e["high"].as_f64().expect("high"));
    assert!(low <= 20.0 && 20.0 <= high, "[{low}, {high}] ms misses 20 ms");

    // A target the schedule cannot reach ends inconclusive (exit 3) and says what to change.
    let o = run_in(dir.path(), &["run", "mm1.ron", "--precision", "latency=0.01%", "--max-seeds", "40"], limit);
    assert_eq!(o.code, Some(3), "{}", o.stderr);
    assert!(o.stdout.contains("NOT SETTLED after 40 seeds"), "{}", o.stdout);
    assert!(o.stdout.contains("raise --max-seeds or loosen --precision"), "{}", o.stdout);
    // A target without a unit is refused with the forms it takes.
    let o = run_in(dir.path(), &["run", "mm1.ron", "--precision", "availability=1%"], limit);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("availability=0.05pp"), "{}", o.stderr);
}
