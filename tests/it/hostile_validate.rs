//! Hostile values inside otherwise good files (issue #21): huge or control-character names,
//! rates the nanosecond clock cannot represent, intervals and mean times that would make a
//! run do unbounded work, nonsense factors and budgets. Each is exit 2 with the offending
//! value's position, the range expected and a hint. Data-driven: a table of text edits of
//! the small good topology and scenario of [`broken_inputs`](crate::broken_inputs); long
//! values are generated here, never committed.

use std::time::Duration;

use crate::broken_inputs::{regex_lite_line_col, GOOD, SCENARIO};
use crate::cli::run_in;

/// Which file the edit applies to; the other is left good.
#[derive(Clone, Copy)]
enum File {
    Model,
    Scenario,
}

struct Case {
    name: &'static str,
    file: File,
    /// `(from, to)`: the first `from` is replaced by `to`.
    edit: (&'static str, String),
    /// Substrings the error output must contain.
    expect: &'static [&'static str],
}

fn case(
    name: &'static str,
    file: File,
    from: &'static str,
    to: impl Into<String>,
    expect: &'static [&'static str],
) -> Case {
    Case { name, file, edit: (from, to.into()), expect }
}

/// Every character class that must not reach a terminal, DOT or SVG from a name, as the
/// RON escape a user would write.
const HOSTILE_ESCAPES: &[&str] =
    &["\\u{1b}[31m", "\\u{0}", "\\n", "\\r", "\\u{7f}", "\\u{202e}", "\\u{2066}", "\\u{200f}", "\\u{61c}"];

fn cases() -> Vec<Case> {
    use File::*;
    let long = "x".repeat(70_000);
    let mut v = vec![
        // Defect 4: a 70,000-character name panicked `analyze`; names are now bounded.
        case("long_service_name", Model, "name: \"api\"", format!("name: \"{long}\""), &["at most 128"]),
        case("long_region_name", Model, "name: \"r\"", format!("name: \"{long}\""), &["a region name is 70000"]),
        case(
            "long_endpoint_name",
            Model,
            "name: \"home\"",
            format!("name: \"{long}\""),
            &["an endpoint name is 70000"],
        ),
        case("long_topology_name", Model, "name: \"t\"", format!("name: \"{long}\""), &["the topology name is 70000"]),
        // Defect 13: empty names.
        case("empty_topology_name", Model, "name: \"t\"", "name: \"\"", &["the topology name must not be empty"]),
        case("blank_zone_name", Model, "Zone(name: \"b\")", "Zone(name: \"  \")", &["a zone name must not be empty"]),
        // Defect 5: floors that bound the event rate.
        case(
            "mtbf_1ns",
            Model,
            "workers: 4",
            "workers: 4, failure: (mtbf: \"1ns\", mttr: \"1ns\")",
            &["mtbf must be at least 1s, found 1ns", "mttr must be at least 1ms", "crash loop"],
        ),
        case(
            "restart_delay_0",
            Model,
            "workers: 4",
            "workers: 4, restart_delay: \"0s\"",
            &["a restart delay must be at least 1ms"],
        ),
        case(
            "health_check_1ns",
            Model,
            "workers: 4",
            "workers: 4, load_balancer: (health_check: (interval: \"1ns\"))",
            &["a health-check interval must be at least 10ms, found 1ns"],
        ),
        // Defect 11: a 1ns autoscaler walked every instance each nanosecond.
        case(
            "autoscaler_1ns",
            Model,
            "workers: 4",
            "workers: 4, autoscaler: (target_utilisation: 0.5, interval: \"1ns\", min: 1, max: 100000)",
            &["an autoscaler interval must be at least 1s, found 1ns", "every instance"],
        ),
        // Defect 13: nonsense ranges.
        case(
            "rate_limit_1e26",
            Model,
            "workers: 4",
            "workers: 4, rate_limit: (rate: 1e26)",
            &["a rate limit must be in [1e-9, 1000000000]", "nanoseconds"],
        ),
        case(
            "slo_availability_minus_zero",
            Model,
            "service: \"web\")",
            "service: \"web\", slo: (availability: -0))",
            &["an availability objective must be in (0, 1), found -0", "three nines"],
        ),
        case(
            "slo_availability_one",
            Model,
            "service: \"web\")",
            "service: \"web\", slo: (availability: 1.0))",
            &["must be in (0, 1), found 1", "no error budget"],
        ),
        case(
            "call_timeout_584y",
            Model,
            "timeout: \"100ms\"",
            "timeout: \"584y\"",
            &["a timeout must be at most 36500d"],
        ),
        case("empty_scenario_name", Scenario, "name: \"s\"", "name: \"\"", &["the scenario name must not be empty"]),
        case(
            "long_scenario_name",
            Scenario,
            "name: \"s\"",
            format!("name: \"{long}\""),
            &["the scenario name is 70000 characters long; at most 128"],
        ),
        case(
            "poisson_1e300",
            Scenario,
            "rate: 10.0",
            "rate: 1e300",
            &["an arrival rate must be in [1e-9, 1000000000]", "1e9 per second"],
        ),
        case(
            "poisson_denormal",
            Scenario,
            "rate: 10.0",
            "rate: 5e-324",
            &["an arrival rate must be in", "found 5e-324"],
        ),
        case(
            "client_timeout_584y",
            Scenario,
            "arrivals: Poisson(rate: 10.0)",
            "arrivals: Poisson(rate: 10.0), client: (timeout: \"584y\")",
            &["a client timeout must be at most 36500d"],
        ),
        case(
            "slowdown_1e308",
            Scenario,
            "duration: \"1m\",",
            "duration: \"1m\", faults: [(start: \"1s\", fault: Slowdown(target: Service(\"web\"), factor: 1e308))],",
            &["a slowdown factor must be in (0, 1000000]"],
        ),
        case(
            "spike_factor_1e308",
            Scenario,
            "rate: 10.0",
            "rate: 10.0, profile: Spike(at: \"1s\", duration: \"1s\", factor: 1e308)",
            &["a spike factor must be in (0, 1000000]"],
        ),
        case(
            "explore_huge",
            Scenario,
            "duration: \"1m\",",
            "duration: \"1m\", explore: Explore(max_faults: 1000000, cases: 1000000000),",
            &[
                "max_faults must be between 1 and 16, found 1000000",
                "cases must be between 1 and 1000000, found 1000000000",
            ],
        ),
        case(
            "process_mtbf_1ns",
            Scenario,
            "duration: \"1m\",",
            "duration: \"1m\", processes: [Process(target: Service(\"web\"), failure: (mtbf: \"1ns\", mttr: \"1h\"))],",
            &["mtbf must be at least 1s, found 1ns"],
        ),
        case(
            "fault_name_escape",
            Scenario,
            "duration: \"1m\",",
            "duration: \"1m\", faults: [(name: \"\\u{1b}[2J\", start: \"1s\", fault: Crash(Service(\"web\")))],",
            &["a fault name `\\u{1b}[2J` contains the control or bidi character U+001B"],
        ),
        case(
            "hypothesis_name_bidi",
            Scenario,
            "duration: \"1m\",",
            "duration: \"1m\", hypotheses: [Hypothesis(name: \"ok\\u{202e}\", check: NoDataLoss)],",
            &["a hypothesis name `ok\\u{202e}` contains the control or bidi character U+202E"],
        ),
        case(
            "description_escape",
            Scenario,
            "duration: \"1m\",",
            "duration: \"1m\", description: \"fine\\nbut \\u{1b}[31mred\",",
            &["the description contains the control or bidi character U+001B"],
        ),
    ];
    for (k, esc) in HOSTILE_ESCAPES.iter().enumerate() {
        let names: [&'static str; 9] = ["esc", "nul", "lf", "cr", "del", "rlo", "lri", "rlm", "alm"];
        v.push(Case {
            name: names[k],
            file: Model,
            edit: ("name: \"r\"", format!("name: \"r{esc}\"")),
            expect: &["a region name `r\\u{", "contains the control or bidi character", "escapes such as"],
        });
    }
    v
}

/// Runs `faultsim ARGS` on the case's files; returns the output.
fn run_case(c: &Case, args: &[&str]) -> crate::cli::Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let (from, to) = (&c.edit.0, &c.edit.1);
    let (mut model, mut scenario) = (GOOD.to_owned(), SCENARIO.to_owned());
    let target = match c.file {
        File::Model => &mut model,
        File::Scenario => &mut scenario,
    };
    assert!(target.contains(from), "case {}: {from:?} not found", c.name);
    *target = target.replacen(from, to, 1);
    std::fs::write(dir.path().join("model.ron"), model).expect("write model");
    std::fs::write(dir.path().join("s.ron"), scenario).expect("write scenario");
    run_in(dir.path(), args, Duration::from_secs(20))
}

#[test]
fn the_unedited_pair_is_good() {
    let c = case("good", File::Scenario, "name: \"s\"", "name: \"s\"", &[]);
    let o = run_case(&c, &["validate", "s.ron"]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
}

#[test]
fn every_hostile_value_is_exit_2_positioned_with_range_and_hint() {
    let positioned = regex_lite_line_col();
    for c in cases() {
        let file = match c.file {
            File::Model => "model.ron",
            File::Scenario => "s.ron",
        };
        let o = run_case(&c, &["validate", file]);
        assert_eq!(o.code, Some(2), "case {}: exit code\n{}", c.name, o.stderr);
        for e in c.expect {
            assert!(o.stderr.contains(e), "case {}: missing {e:?} in\n{}", c.name, o.stderr);
        }
        let in_model = o.stderr.replace(&format!("{file}:"), "model.ron:");
        assert!(positioned(&in_model), "case {}: no {file}:LINE:COL in\n{}", c.name, o.stderr);
        // The message quotes the bad value escaped: nothing raw reaches the terminal.
        assert!(
            !o.stderr.chars().any(|ch| ch.is_control() && ch != '\n' || ch == '\u{202e}' || ch == '\u{2066}'),
            "case {}: a raw control or bidi character in the message",
            c.name
        );
        // Our message never echoes a long value whole (the source excerpt under it is the
        // diagnostic renderer's business).
        for line in o.stderr.lines().filter(|l| l.starts_with("error: ")) {
            assert!(line.len() < 1_000, "case {}: message line is {} bytes", c.name, line.len());
        }
    }
}

/// Defect 4: `analyze` on a 70,000-character service name panicked in `format!`; now it
/// is refused before any table is drawn. Also the several problems in one file come together.
#[test]
fn analyze_refuses_a_huge_name_and_reports_every_problem_together() {
    let long = "y".repeat(70_000);
    let c = Case {
        name: "analyze_long",
        file: File::Model,
        edit: ("name: \"api\"", format!("name: \"{long}\",\n restart_delay: \"0s\"")),
        expect: &[],
    };
    let o = run_case(&c, &["analyze", "model.ron"]);
    assert_eq!(o.code, Some(2), "{}", o.stderr);
    for e in ["at most 128", "a restart delay must be at least 1ms", "unknown call target `api`"] {
        assert!(o.stderr.contains(e), "missing {e:?} in\n{}", o.stderr);
    }
}
