//! Studies and `availability` run until settled (`--precision`): they stop at the first look
//! of the fixed schedule whose intervals are all within the target, give what a fixed run of
//! that many seeds gives, do not depend on threads, cover a closed form, and refuse targets
//! they cannot judge.

use serde_json::Value;

use crate::cli::run;

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Checks the looks of a settled run: every look before the last was not settled, the last
/// was, and the run used the last look's seeds. Returns that seed count.
fn stopped_at_first_settled_look(p: &Value) -> u64 {
    let looks = p["looks"].as_array().expect("looks");
    assert!(!looks.is_empty(), "{p}");
    for look in &looks[..looks.len() - 1] {
        assert_ne!(look["within"], look["intervals"], "an earlier look was already settled: {look}");
    }
    let last = looks.last().expect("a look");
    assert_eq!(last["within"], last["intervals"], "{last}");
    assert_eq!(p["settled"], true, "{p}");
    let seeds = last["seeds"].as_u64().expect("seeds");
    assert_eq!(p["schedule"].as_array().expect("schedule")[looks.len() - 1].as_u64(), Some(seeds));
    seeds
}

/// `v` without its `precision` member, to compare with a run of a fixed seed count.
fn without_precision(mut v: Value) -> Value {
    v.as_object_mut().expect("an object").remove("precision");
    v
}

#[test]
fn whatif_until_settled_stops_where_the_rule_says_and_equals_the_fixed_run() {
    let args = [
        "whatif",
        "scenarios/slow_chain.ron",
        "--variant",
        "scenarios/patches/inventory_third_instance.ron",
        "--precision",
        "availability=0.1pp",
        "--format",
        "json",
    ];
    let one = run(&[&args[..], &["--threads", "1"]].concat());
    assert_eq!(one.code, Some(0), "{}", one.stderr);
    let two = run(&[&args[..], &["--threads", "2"]].concat());
    assert_eq!(one.stdout, two.stdout, "where it stops does not depend on threads");
    let v = json(&one.stdout);
    let seeds = stopped_at_first_settled_look(&v["precision"]);
    assert!(seeds > 6, "±0.1pp needs more than the first look ({seeds} seeds)");
    assert_eq!(v["seeds"].as_array().map(Vec::len), Some(seeds as usize));
    // The same seeds run as a fixed count give the same comparison.
    let fixed = run(&[
        "whatif",
        "scenarios/slow_chain.ron",
        "--variant",
        "scenarios/patches/inventory_third_instance.ron",
        "--seeds",
        &seeds.to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(fixed.code, Some(0), "{}", fixed.stderr);
    assert_eq!(without_precision(v), json(&fixed.stdout));
}

#[test]
fn fmea_and_cascade_until_settled_stop_and_report_why() {
    let study = ["--modes", "crash,errors", "--lead", "5s", "--fault-duration", "10s", "--after", "10s"];
    let f = run(&[&["fmea", "scenarios/slow_chain.ron", "--precision", "availability=1pp"], &study[..]].concat());
    assert_eq!(f.code, Some(0), "{}", f.stderr);
    assert!(f.stdout.contains("until settled: availability drop ±1pp; settled after"), "{}", f.stdout);
    let fj = run(&[
        &["fmea", "scenarios/slow_chain.ron", "--precision", "availability=1pp", "--format", "json"],
        &study[..],
    ]
    .concat());
    let v = json(&fj.stdout);
    let seeds = stopped_at_first_settled_look(&v["precision"]);
    assert!(seeds > 5, "±1pp needs more than the first look ({seeds} seeds)");
    assert_eq!(v["settings"]["seeds"].as_array().map(Vec::len), Some(seeds as usize));
    let fixed =
        run(&[&["fmea", "scenarios/slow_chain.ron", "--seeds", &seeds.to_string(), "--format", "json"], &study[..]]
            .concat());
    assert_eq!(without_precision(v), json(&fixed.stdout), "a settled FMEA is the FMEA of its seeds");

    let c = run(&[
        &["cascade", "scenarios/slow_chain.ron", "--precision", "fraction=30pp", "--format", "json"],
        &study[..],
    ]
    .concat());
    assert_eq!(c.code, Some(0), "{}", c.stderr);
    stopped_at_first_settled_look(&json(&c.stdout)["precision"]);

    // A target the schedule cannot reach: inconclusive, and the text says what to change.
    let o =
        run(&[&["fmea", "scenarios/slow_chain.ron", "--precision", "latency=0.001%", "--max-seeds", "10"], &study[..]]
            .concat());
    assert_eq!(o.code, Some(3), "{}", o.stderr);
    assert!(o.stdout.contains("NOT SETTLED after 10 seeds"), "{}", o.stdout);
    assert!(o.stdout.contains("raise --max-seeds or loosen --precision"), "{}", o.stdout);
}

#[test]
fn the_metastability_map_until_settled_equals_the_map_of_its_seeds() {
    let sweep = ["--loads", "0.5,1", "--magnitudes", "0.5,1", "--durations", "15s", "--deadline", "30s"];
    let m = run(&[
        &["metastability", "scenarios/retry_storm_spike.ron", "--precision", "fraction=25pp", "--format", "json"],
        &sweep[..],
    ]
    .concat());
    assert_eq!(m.code, Some(0), "{}", m.stderr);
    let v = json(&m.stdout);
    let seeds = stopped_at_first_settled_look(&v["precision"]);
    assert!(seeds > 5, "±25pp needs more than the first look ({seeds} seeds)");
    let fixed = run(&[
        &["metastability", "scenarios/retry_storm_spike.ron", "--seeds", &seeds.to_string(), "--format", "json"],
        &sweep[..],
    ]
    .concat());
    assert_eq!(fixed.code, Some(0), "{}", fixed.stderr);
    assert_eq!(without_precision(v), json(&fixed.stdout));
}

#[test]
fn availability_until_settled_covers_the_closed_form() {
    let args = ["availability", "models/five_nines.ron", "--precision", "availability=0.0002pp", "--format", "json"];
    let one = run(&[&args[..], &["--threads", "1"]].concat());
    assert_eq!(one.code, Some(0), "{}", one.stderr);
    let two = run(&[&args[..], &["--threads", "2"]].concat());
    assert_eq!(one.stdout, two.stdout, "where it stops does not depend on threads");
    let v = json(&one.stdout);
    let seeds = stopped_at_first_settled_look(&v["precision"]);
    assert!(seeds > 20, "±0.0002pp needs more than the first look");
    assert_eq!(v["seeds"].as_u64(), Some(seeds));
    let widest = &v["precision"]["looks"].as_array().expect("looks").last().expect("a look")["widest"];
    assert!(widest["half_width"].as_f64().expect("half") <= 0.000002, "{widest}");
    // The series/parallel closed form lies inside the interval of the look that stopped.
    let api = &v["endpoints"][0];
    assert_eq!(api["analytic_inside"], true, "{api}");
    let fixed = run(&["availability", "models/five_nines.ron", "--seeds", &seeds.to_string(), "--format", "json"]);
    assert_eq!(without_precision(v), json(&fixed.stdout), "a settled run is the run of its seeds");
}

#[test]
fn targets_a_command_cannot_judge_are_refused_with_what_it_takes() {
    let cases: [(&[&str], &str); 6] = [
        (
            &[
                "whatif",
                "scenarios/slow_chain.ron",
                "--variant",
                "scenarios/patches/inventory_third_instance.ron",
                "--precision",
                "fraction=5pp",
            ],
            "whatif cannot judge `fraction` targets: it has availability and latency",
        ),
        (&["cascade", "scenarios/slow_chain.ron", "--precision", "availability=1pp"], "--precision fraction=10pp"),
        (&["availability", "models/five_nines.ron", "--precision", "latency=2%"], "availability=0.001pp"),
        (&["availability", "models/five_nines.ron", "--precision", "availability=1pp", "--rare-events"], "use --years"),
        (&["availability", "models/five_nines.ron", "--precision", "availability=1pp", "--shard", "1/2"], "shards"),
        (&["run", "scenarios/slow_chain.ron", "--precision", "fraction=5pp"], "fractions of seeds are for cascade"),
    ];
    for (args, expected) in cases {
        let o = run(args);
        assert_eq!(o.code, Some(2), "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains(expected), "{args:?}: {}", o.stderr);
    }
    // --precision and --seeds contradict each other; clap says so.
    let o = run(&["fmea", "scenarios/slow_chain.ron", "--precision", "availability=1pp", "--seeds", "3"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
}
