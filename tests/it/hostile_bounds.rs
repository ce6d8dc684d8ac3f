//! Hostile sizes and counts (issue #21): what a user or a file can pass that would ask for
//! unbounded memory, time or a wrapped sum ends in exit 2 (bad input) or exit 3 (a named
//! limit), quickly, with a message naming what to change.

use std::path::Path;
use std::time::Duration;

use proptest::prelude::*;

use crate::cli::{run_in, Output};

const QUICK: Duration = Duration::from_secs(30);

/// A scenario on the minimal topology with `fields` spliced in, written to `dir`; returns its name.
fn scenario(dir: &Path, name: &str, fields: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let topology = root.join("models/minimal.ron");
    let text = format!(
        "Scenario(name: \"hostile\", topology: {:?}, workloads: [Workload(endpoint: \"greet\", arrivals: Poisson(rate: 5.0))], {fields})",
        topology.display().to_string()
    );
    let file = format!("{name}.ron");
    std::fs::write(dir.join(&file), text).expect("write the scenario");
    file
}

/// Asserts the exit code and that stderr holds every one of `needles`.
fn expect(o: &Output, code: i32, needles: &[&str], case: &str) {
    assert_eq!(o.code, Some(code), "{case}: exit code; stderr:\n{}", o.stderr);
    for n in needles {
        assert!(o.stderr.contains(n), "{case}: stderr lacks {n:?}:\n{}", o.stderr);
    }
}

#[test]
fn runs_longer_than_the_bucket_cap_widen_their_bucket_instead_of_growing() {
    let dir = tempfile::tempdir().expect("tempdir");
    // What used to ask for millions of buckets (or more than 2^64) is valid: the series
    // bucket widens to fit limits.max_buckets.
    let cases = [
        "duration: \"584y\"",
        "duration: \"10s\", metrics: Metrics(bucket: \"1ns\")",
        "duration: \"100y\", metrics: Metrics(bucket: \"1ns\")",
        "duration: \"100d\"",
    ];
    for fields in cases {
        let file = scenario(dir.path(), "s", fields);
        let o = run_in(dir.path(), &["validate", &file], QUICK);
        assert_eq!(o.code, Some(0), "{fields}: {}", o.stderr);
    }
    // Two days under a lowered cap: 172,860 s in at most 1000 buckets needs 173 s, so 5m.
    let file = scenario(dir.path(), "s", "duration: \"2d\", limits: Limits(max_buckets: 1000)");
    let o = run_in(dir.path(), &["run", &file, "--seed", "1", "--format", "json"], QUICK);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let json: serde_json::Value = serde_json::from_str(&o.stdout).expect("json");
    assert_eq!(json["run"]["bucket_ns"], 300_000_000_000u64);
    let series = json["run"]["endpoints"][0]["series"].as_array().expect("series");
    assert_eq!(series.len(), 577, "172,860 s / 300 s + 1 buckets");
    // The text says so; a run that fits does not mention it.
    let o = run_in(dir.path(), &["run", &file, "--seed", "1"], QUICK);
    assert!(
        o.stdout.contains("time series in 5m buckets (metrics.bucket 1s widened to stay within limits.max_buckets)"),
        "{}",
        o.stdout
    );
    let file = scenario(dir.path(), "short", "duration: \"10s\"");
    let o = run_in(dir.path(), &["run", &file, "--seed", "1"], QUICK);
    assert!(!o.stdout.contains("widened"), "{}", o.stdout);
}

#[test]
fn bucket_and_pending_event_limits_have_ranges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("limits: Limits(max_buckets: 0)", "max_buckets must be between 1 and 10000000"),
        ("limits: Limits(max_buckets: 10000001)", "max_buckets must be between 1 and 10000000"),
        ("limits: Limits(max_pending_events: 0)", "max_pending_events must be between 1 and 16777216"),
        ("limits: Limits(max_pending_events: 16777217)", "max_pending_events must be between 1 and 16777216"),
    ];
    for (fields, message) in cases {
        let file = scenario(dir.path(), "s", &format!("duration: \"10s\", {fields}"));
        let o = run_in(dir.path(), &["validate", &file], QUICK);
        expect(&o, 2, &[message], fields);
    }
    let file = scenario(
        dir.path(),
        "s",
        "duration: \"10s\", limits: Limits(max_buckets: 10000000, max_pending_events: 16777216)",
    );
    let o = run_in(dir.path(), &["validate", &file], QUICK);
    assert_eq!(o.code, Some(0), "the largest values are accepted: {}", o.stderr);
}

#[test]
fn the_pending_events_limit_is_named_when_hit() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Every arrival is pending until it is served: at 5/s for 10 s more than 20 are pending
    // only if the limit counts them, so a limit of 2 (below a handful of arrivals and
    // completions at once) is hit.
    let file = scenario(dir.path(), "s", "duration: \"10s\", limits: Limits(max_pending_events: 2)");
    let o = run_in(dir.path(), &["run", &file, "--seed", "1"], QUICK);
    expect(&o, 3, &["max_pending_events", "2 events were pending at once (limits.max_pending_events)"], "seed 1");
    let o = run_in(dir.path(), &["run", &file, "--seeds", "2"], QUICK);
    assert_eq!(o.code, Some(3), "many seeds: {}", o.stderr);
    assert!(o.stdout.contains("max_pending_events"), "the report names the limit:\n{}", o.stdout);
}

#[test]
fn seed_counts_and_thread_counts_are_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(dir.path(), "s", "duration: \"1s\"");
    let cases: [(&[&str], &str); 7] = [
        (&["--seeds", "18446744073709551615"], "more than the limit of 1000000"),
        (&["--seeds", "1000001"], "more than the limit of 1000000"),
        (&["--seeds", "0"], "at least 1"),
        (&["--threads", "0"], "threads must be between 1 and 1024"),
        (&["--threads", "18446744073709551615"], "threads must be between 1 and 1024"),
        (&["--threads", "10000"], "threads must be between 1 and 1024"),
        (&["--threads", "99999999999999999999999"], "expected a whole number of threads"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["run", file.as_str()];
        args.extend_from_slice(extra);
        let o = run_in(dir.path(), &args, QUICK);
        expect(&o, 2, &[message], &format!("{extra:?}"));
    }
    for cmd in ["check", "fmea", "whatif", "availability"] {
        let o = run_in(dir.path(), &[cmd, &file, "--threads", "0"], QUICK);
        expect(&o, 2, &["threads must be between 1 and 1024"], cmd);
        let o = run_in(dir.path(), &[cmd, &file, "--seeds", "18446744073709551615"], QUICK);
        expect(&o, 2, &["more than the limit of 1000000"], cmd);
    }
    let o = run_in(dir.path(), &["run", &file, "--seeds", "2", "--threads", "2"], QUICK);
    assert_eq!(o.code, Some(0), "a sane count runs: {}", o.stderr);
}

#[test]
fn seed_ranges_in_files_end_at_the_largest_seed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let max = u64::MAX;
    let cases = [
        (format!("seeds: Seeds(first: {max}, count: 1)"), 0, ""),
        (format!("seeds: Seeds(first: {}, count: 2)", max - 1), 0, ""),
        (format!("seeds: Seeds(first: {max}, count: 2)"), 2, "first + count − 1 exceeds the largest seed"),
        ("seeds: Seeds(count: 1000000000000000000)".to_owned(), 2, "more than the limit of 1000000"),
        ("seeds: Seeds(count: 0)".to_owned(), 2, "run at least one seed"),
    ];
    for (fields, code, message) in &cases {
        let file = scenario(dir.path(), "s", &format!("duration: \"1s\", {fields}"));
        let o = run_in(dir.path(), &["validate", &file], QUICK);
        expect(&o, *code, &[message], fields);
    }
    // The last seed runs, and a CLI count that passes it is refused, not wrapped.
    let file = scenario(dir.path(), "s", &format!("duration: \"1s\", seeds: Seeds(first: {max}, count: 1)"));
    let o = run_in(dir.path(), &["run", &file], QUICK);
    assert_eq!(o.code, Some(0), "the largest seed runs: {}", o.stderr);
    let o = run_in(dir.path(), &["run", &file, "--seeds", "2"], QUICK);
    expect(&o, 2, &["pass the largest seed"], "--seeds past the end");
}

/// Runs `cmd` on `file` as two shards into `dir/shards`, returning both files' JSON.
fn shards(dir: &Path, cmd: &[&str]) -> Vec<serde_json::Value> {
    (1..=2)
        .map(|i| {
            let shard = format!("{i}/2");
            let mut args = cmd.to_vec();
            args.extend_from_slice(&["--shard", &shard, "--out", "shards"]);
            let o = run_in(dir, &args, QUICK);
            assert_eq!(o.code, Some(0), "shard {shard}: {}", o.stderr);
            let text = std::fs::read_to_string(dir.join(format!("shards/shard-{i}-of-2.json"))).expect("the shard");
            serde_json::from_str(&text).expect("shard JSON")
        })
        .collect()
}

/// Writes `shards` (the first one changed by `tamper`) and merges them.
fn merge_tampered(dir: &Path, shards: &[serde_json::Value], tamper: &dyn Fn(&mut serde_json::Value)) -> Output {
    let mut names = vec!["merge".to_owned()];
    for (i, s) in shards.iter().enumerate() {
        let mut s = s.clone();
        if i == 0 {
            tamper(&mut s);
        }
        let name = format!("t-{i}.json");
        std::fs::write(dir.join(&name), serde_json::to_string(&s).expect("encode")).expect("write");
        names.push(name);
    }
    let args: Vec<&str> = names.iter().map(String::as_str).collect();
    run_in(dir, &args, QUICK)
}

type Tamper = Box<dyn Fn(&mut serde_json::Value)>;

#[test]
fn merge_refuses_run_shards_whose_counts_do_not_add_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = scenario(dir.path(), "s", "duration: \"5s\", seeds: Seeds(count: 4)");
    let parts = shards(dir.path(), &["run", &file]);
    let untouched = merge_tampered(dir.path(), &parts, &|_| {});
    assert_eq!(untouched.code, Some(0), "the untampered shards merge: {}", untouched.stderr);
    let ep = "/data/records/0/endpoints/0";
    let set = |ptr: String, v: serde_json::Value| -> Tamper {
        Box::new(move |j: &mut serde_json::Value| *j.pointer_mut(&ptr).expect("field exists") = v.clone())
    };
    let add = |ptr: String, d: u64| -> Tamper {
        Box::new(move |j: &mut serde_json::Value| {
            let f = j.pointer_mut(&ptr).expect("field exists");
            *f = (f.as_u64().expect("a count") + d).into();
        })
    };
    let cases: Vec<(&str, Tamper, &str)> = vec![
        ("requests + 1000", add(format!("{ep}/requests"), 1000), "ok + degraded + failed does not equal it"),
        ("requests = 2^64 − 1", set(format!("{ep}/requests"), u64::MAX.into()), "ok + degraded + failed"),
        ("ok + 1000", add(format!("{ep}/ok"), 1000), "ok + degraded + failed"),
        ("samples + 1", add(format!("{ep}/samples"), 1), "latency samples"),
        ("seed_count = 2^64 − 1", set("/meta/seed_count".into(), u64::MAX.into()), "more than the limit"),
        ("seed outside the range", set("/data/records/0/seed".into(), 999.into()), "outside the seeds 1..=4"),
        ("a series bucket + 1", add("/data/series/0/0/served".into(), 1), "time series do not add up"),
        ("an endpoint too few", set("/data/records/0/endpoints".into(), serde_json::json!([])), "0 endpoints"),
    ];
    for (case, tamper, message) in cases {
        let o = merge_tampered(dir.path(), &parts, &*tamper);
        expect(&o, 2, &[message, "nothing merged"], case);
    }
    // Each file consistent on its own, together overflowing: the sum is checked before merging.
    let mut a: faultsim::montecarlo::summary::Stored = serde_json::from_value(parts[0].clone()).expect("shard");
    let e = &mut a.data.records[0].endpoints[0];
    let half = u64::MAX / 2 + 1;
    e.ok += half;
    e.requests += half;
    e.samples += half;
    assert!(faultsim::montecarlo::Partial::totals_overflow(&[&a.data, &a.data]), "two halves overflow");
    assert!(!faultsim::montecarlo::Partial::totals_overflow(&[&a.data]), "one half fits");
}

#[test]
fn merge_refuses_availability_shards_out_of_range() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("models/five_nines.ron").display().to_string();
    let parts = shards(dir.path(), &["availability", &model, "--years", "2", "--seeds", "4"]);
    let untouched = merge_tampered(dir.path(), &parts, &|_| {});
    assert_eq!(untouched.code, Some(0), "the untampered shards merge: {}", untouched.stderr);
    let cases: Vec<(&str, &str, serde_json::Value, &str)> = vec![
        ("seed_count", "/meta/seed_count", u64::MAX.into(), "more than the limit"),
        ("seed", "/data/records/0/seed", 0.into(), "outside the seeds"),
        ("down_ns", "/data/records/0/years/endpoints/0/down_ns", u64::MAX.into(), "downtimes out of range"),
        ("events", "/data/records/0/events", u64::MAX.into(), "overflow"),
        ("bins", "/data/outage_bins/0", serde_json::json!([1, 2]), "outage histograms"),
    ];
    for (case, ptr, v, message) in cases {
        let o = merge_tampered(dir.path(), &parts, &|j| *j.pointer_mut(ptr).expect("field exists") = v.clone());
        expect(&o, 2, &[message, "nothing merged"], case);
    }
}

#[test]
fn instance_logs_keep_a_bounded_prefix_and_count_the_rest() {
    use faultsim::metrics::run::{InstanceChange, RunMetrics, MAX_LOG_RECORDS};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = faultsim::load::load_scenario(&root.join("scenarios/minimal.ron")).expect("loads");
    let mut m = RunMetrics::new(&s, 1);
    let extra = 12_345;
    for k in 0..(MAX_LOG_RECORDS + extra) as u64 {
        let change = InstanceChange { time_ns: k, instance: 0, up: k % 2 == 1 };
        m.record_instance_change(change);
        m.record_rotation(change);
    }
    assert_eq!((m.timeline.len(), m.timeline_not_shown), (MAX_LOG_RECORDS, extra as u64));
    assert_eq!((m.rotation.len(), m.rotation_not_shown), (MAX_LOG_RECORDS, extra as u64));
    assert_eq!(m.crashes, (MAX_LOG_RECORDS + extra) as u64 / 2 + 1, "every crash is counted");
    let text = faultsim::report::summary::run_summary(&s, &m, None, "replay");
    assert!(text.contains(&format!("{extra} more not shown")), "the summary says what it left out:\n{text}");
    let json = serde_json::to_value(&m).expect("encode");
    assert_eq!(json["timeline_not_shown"], extra as u64);
}

#[test]
fn a_crash_loop_keeps_its_log_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A crash every second (the shortest MTBF validation allows) for 16 simulated hours:
    // about 115,000 changes, more than the log keeps.
    let file = scenario(
        dir.path(),
        "s",
        "duration: \"16h\", processes: [Process(target: Service(\"hello\"), failure: (mtbf: \"1s\", mttr: \"1ms\", ttf: Fixed, ttr: Fixed))]",
    );
    let o = run_in(dir.path(), &["run", &file, "--seed", "1", "--format", "json"], Duration::from_secs(120));
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let j: serde_json::Value = serde_json::from_str(&o.stdout).expect("JSON");
    let run = &j["run"];
    let kept = run["timeline"].as_array().expect("timeline").len();
    assert_eq!(kept, faultsim::metrics::run::MAX_LOG_RECORDS);
    assert!(
        run["timeline_not_shown"].as_u64().is_some_and(|n| n > 1000),
        "the rest is counted: {}",
        run["timeline_not_shown"]
    );
}

/// A shard written by a real run, for the fuzz below.
fn real_shard() -> (serde_json::Value, serde_json::Value) {
    static SHARDS: std::sync::OnceLock<(serde_json::Value, serde_json::Value)> = std::sync::OnceLock::new();
    SHARDS
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("tempdir");
            let file = scenario(dir.path(), "s", "duration: \"3s\", seeds: Seeds(count: 3)");
            let parts = shards(dir.path(), &["run", &file]);
            (parts[0].clone(), parts[1].clone())
        })
        .clone()
}

/// Every number in `v`, as JSON pointers.
fn numbers(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Number(_) => out.push(at),
        serde_json::Value::Array(xs) => xs.iter().enumerate().for_each(|(i, x)| numbers(x, format!("{at}/{i}"), out)),
        serde_json::Value::Object(m) => m.iter().for_each(|(k, x)| numbers(x, format!("{at}/{k}"), out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Hostile numbers in a run shard never panic the checks, the merge or the statistics:
    /// either the checks refuse the file or everything after them runs.
    #[test]
    fn hostile_shard_numbers_never_panic(
        picks in prop::collection::vec((any::<prop::sample::Index>(), prop_oneof![
            Just(u64::MAX), Just(u64::MAX - 1), Just(0u64), Just(1u64), Just(1u64 << 63), any::<u64>(),
        ]), 1..6)
    ) {
        use faultsim::montecarlo::{summary::{Results, Stored}, Partial};
        let (mut a, b) = real_shard();
        let mut at = Vec::new();
        numbers(&a, String::new(), &mut at);
        for (i, v) in &picks {
            if let Some(f) = a.pointer_mut(&at[i.index(at.len())]) {
                *f = (*v).into();
            }
        }
        let Ok(a) = serde_json::from_value::<Stored>(a) else { return Ok(()) };
        let b: Stored = serde_json::from_value(b).expect("a real shard");
        if !a.data.inconsistencies(&a.meta).is_empty() {
            return Ok(());
        }
        // Alone (as `report results.json` reads a file) and merged with its sibling, as
        // `merge` does when the rest of the run matches.
        let _ = Results::build(a.meta.clone(), a.data.clone());
        let (mut ma, mut mb) = (a.meta.clone(), b.meta.clone());
        (ma.shard, mb.shard) = (None, None);
        if ma == mb && !Partial::totals_overflow(&[&a.data, &b.data]) {
            let data = Partial::empty(ma.endpoints.len()).merge(a.data).merge(b.data);
            let _ = Results::build(ma, data);
        }
    }
}
