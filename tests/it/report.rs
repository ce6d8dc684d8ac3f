//! `faultsim report` and the plots of `--out`: the same inputs give the same bytes, every
//! SVG is well-formed XML with a title, and the page is self-contained (it loads nothing).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::cli::run_in;

/// A generous limit for one command (a hang guard, not a speed test).
const LIMIT: Duration = Duration::from_secs(60);

/// The scenario the reports are made from, as an absolute path.
fn zone_outage() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/zone_outage.ron").to_string_lossy().into_owned()
}

/// Every file in `dir` by name, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("output folder")
        .map(|e| {
            let e = e.expect("entry");
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).expect("readable"))
        })
        .collect()
}

/// Parses XML (a DOCTYPE allowed), failing the test with the parser's message.
fn parse_xml<'a>(name: &str, text: &'a str) -> roxmltree::Document<'a> {
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..roxmltree::ParsingOptions::default() };
    match roxmltree::Document::parse_with_options(text, options) {
        Ok(d) => d,
        Err(e) => panic!("{name} is not well-formed XML: {e}"),
    }
}

/// The page with the SVG namespace declarations removed: what is left must name no URL.
fn without_xmlns(page: &str) -> String {
    let mut rest = page.to_owned();
    for ns in ["xmlns=\"http://www.w3.org/2000/svg\"", "xmlns:xlink=\"http://www.w3.org/1999/xlink\""] {
        rest = rest.replace(ns, "");
    }
    rest
}

/// Runs `faultsim ARGS` in `dir` and checks that it exits 0.
fn ok(dir: &Path, args: &[&str]) {
    let o = run_in(dir, args, LIMIT);
    assert_eq!(o.code, Some(0), "faultsim {args:?}:\n{}", o.stderr);
}

#[test]
fn report_is_byte_identical_well_formed_and_self_contained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = zone_outage();
    ok(dir.path(), &["report", &scenario, "--seeds", "3", "--threads", "1", "--out", "a"]);
    ok(dir.path(), &["report", &scenario, "--seeds", "3", "--threads", "2", "--out", "b"]);
    let a = files(&dir.path().join("a"));
    let b = files(&dir.path().join("b"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "the same files");
    for (name, bytes) in &a {
        assert!(!name.starts_with('.'), "no temporary file is left: {name}");
        assert!(b[name] == *bytes, "{name} differs between two runs");
    }
    for name in ["index.html", "results.json", "summary.md", "topology.svg"] {
        assert!(a.contains_key(name), "{name} is written: {:?}", a.keys());
    }

    let page = std::str::from_utf8(&a["index.html"]).expect("utf-8");
    let svgs: Vec<(&String, &str)> = a
        .iter()
        .filter(|(n, _)| n.ends_with(".svg"))
        .map(|(n, b)| (n, std::str::from_utf8(b).expect("utf-8 SVG")))
        .collect();
    assert!(svgs.len() >= 5, "the plots are written: {:?}", a.keys());
    for (name, svg) in &svgs {
        let doc = parse_xml(name, svg);
        assert_eq!(doc.root_element().tag_name().name(), "svg", "{name}");
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.descendants().filter_map(|t| t.text()).collect::<String>())
            .collect();
        assert!(texts.iter().any(|t| !t.trim().is_empty()), "{name} has a <text> title");
        let inline = faultsim::report::html::inline_svg(svg);
        assert!(page.contains(inline), "index.html holds {name} inline");
    }

    let doc = parse_xml("index.html", page);
    assert_eq!(doc.root_element().tag_name().name(), "html");
    let rest = without_xmlns(page);
    for banned in ["http://", "https://", "<script", "<link", "<img", "<iframe", "src=", "@import", "url("] {
        assert!(!rest.contains(banned), "index.html is self-contained, but it has `{banned}`");
    }
    for part in ["<h1>zone outage</h1>", "availability [95% CI]", "p99.9", "Verdicts", "Services", "--seed N", "<svg"] {
        assert!(page.contains(part), "index.html shows `{part}`");
    }
}

#[test]
fn report_from_a_results_file_and_run_out_agree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = zone_outage();
    // `run --out` writes the page and the plots too, exactly as `report` does.
    ok(dir.path(), &["run", &scenario, "--seeds", "3", "--out", "run"]);
    ok(dir.path(), &["report", &scenario, "--seeds", "3", "--out", "report"]);
    assert_eq!(files(&dir.path().join("run")), files(&dir.path().join("report")), "run --out and report agree");

    // From the results file: the same results and plots, except that the fault windows and
    // the topology are not in a results file, so the over-time plots are drawn without the
    // windows and the topology plot is left out.
    ok(dir.path(), &["report", "run/results.json", "--out", "again"]);
    let first = files(&dir.path().join("run"));
    let again = files(&dir.path().join("again"));
    assert!(again["results.json"] == first["results.json"], "results.json round-trips byte for byte");
    for name in ["latency_cdf.svg", "seed_availability.svg", "seed_nines.svg"] {
        assert!(again.get(name) == first.get(name), "{name} is the same from the results file");
    }
    for name in ["availability.svg", "latency.svg"] {
        let svg = String::from_utf8(again[name].clone()).expect("utf-8");
        parse_xml(name, &svg);
    }
    assert!(!again.contains_key("topology.svg"));
    let page = String::from_utf8(again["index.html"].clone()).expect("utf-8");
    parse_xml("index.html", &page);
    assert!(page.contains("<h1>zone outage</h1>"), "the scenario is named");
}

#[test]
fn merge_out_writes_the_page_of_the_unsharded_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = zone_outage();
    ok(dir.path(), &["run", &scenario, "--seeds", "3", "--shard", "1/2", "--out", "shards"]);
    ok(dir.path(), &["run", &scenario, "--seeds", "3", "--shard", "2/2", "--out", "shards"]);
    ok(dir.path(), &["merge", "shards/shard-2-of-2.json", "shards/shard-1-of-2.json", "--out", "merged"]);
    ok(dir.path(), &["run", &scenario, "--seeds", "3", "--out", "whole"]);
    ok(dir.path(), &["report", "whole/results.json", "--out", "report"]);
    let merged = files(&dir.path().join("merged"));
    assert!(merged.contains_key("index.html"), "{:?}", merged.keys());
    assert_eq!(merged, files(&dir.path().join("report")), "merge --out = report of the whole run's results");
}

#[test]
fn report_rejects_bad_input_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::write(dir.path().join("bad.json"), "{\"not\": \"results\"}").expect("write");
    let topology = root.join("models/zones.ron").to_string_lossy().into_owned();
    let cases: [(&[&str], &str); 4] = [
        (&["report", &topology, "--out", "o"], "needs a scenario"),
        (&["report", "missing.ron", "--out", "o"], "missing.ron"),
        (&["report", "bad.json", "--out", "o"], "not a faultsim results file"),
        (&["report", "bad.json", "--seeds", "3", "--out", "o"], "--seeds"),
    ];
    for (args, expect) in cases {
        let o = run_in(dir.path(), args, LIMIT);
        assert_eq!(o.code, Some(2), "faultsim {args:?}:\n{}", o.stderr);
        assert!(o.stderr.contains(expect), "faultsim {args:?} says `{expect}`:\n{}", o.stderr);
    }
    assert!(!dir.path().join("o").exists(), "nothing is written on bad input");
}

#[test]
fn the_page_opens_with_each_slo_and_shows_theory_where_it_applies() {
    let dir = tempfile::tempdir().expect("tempdir");
    ok(dir.path(), &["report", &zone_outage(), "--seeds", "8", "--out", "z"]);
    let page = std::fs::read_to_string(dir.path().join("z/index.html")).expect("page");
    let headline = page.find("<section id=\"headline\">").expect("an SLO headline");
    assert!(headline < page.find("<section id=\"verdicts\">").expect("verdicts"), "the headline comes first");
    let slos = &page[headline..page[headline..].find("</section>").map_or(page.len(), |e| headline + e)];
    for needle in
        ["met in 0/8 seeds</span> <b>spread</b>", "met in 0/8 seeds</span> <b>single</b>", "burn rate ", "nines"]
    {
        assert!(slos.contains(needle), "{needle} missing from:\n{slos}");
    }
    // Eight failing seeds: five are listed and the rest counted.
    assert!(page.contains("1, 2, 3, 4, 5, … and 3 more"), "failing seeds say how many more");
    assert!(!page.contains("id=\"theory\""), "a scenario with faults has no closed form");
    // The topology shows what the runs measured (one-zone `single` loses about 45% in the
    // zone outage), not the analytic model.
    let topology = std::fs::read_to_string(dir.path().join("z/topology.svg")).expect("topology.svg");
    assert!(topology.contains("endpoint · 55."), "measured availability of `single`");
    assert!(topology.contains("box colour: measured availability"), "the legend says so");

    let station = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mmc_station.ron");
    ok(dir.path(), &["report", station.to_str().expect("utf-8"), "--seeds", "4", "--out", "m"]);
    let page = std::fs::read_to_string(dir.path().join("m/index.html")).expect("page");
    assert!(page.contains("<section id=\"theory\">") && page.contains("checkout M/M/3/5"), "theory section");
    assert!(!page.contains("id=\"headline\""), "no SLO, no headline");
}

#[test]
fn the_page_shows_oom_kills_and_data_lost_where_the_model_has_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/oom_cascade.ron");
    ok(dir.path(), &["report", scenario.to_str().expect("utf-8"), "--seeds", "2", "--out", "o"]);
    let page = std::fs::read_to_string(dir.path().join("o/index.html")).expect("page");
    let at = page.find("<section id=\"infra\">").expect("an infrastructure section");
    let section = &page[at..at + page[at..].find("</section>").expect("closed")];
    assert!(section.contains("OOM kills") && section.contains("data lost (messages + writes)"), "{section}");
    // zone_outage has no memory model, queue or datastore: no such section.
    ok(dir.path(), &["report", &zone_outage(), "--seeds", "2", "--out", "z"]);
    let plain = std::fs::read_to_string(dir.path().join("z/index.html")).expect("page");
    assert!(!plain.contains("id=\"infra\""));
}

#[test]
fn a_retry_storm_shows_in_the_load_retry_utilisation_and_budget_charts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/retry_storm_spike.ron");
    ok(dir.path(), &["report", scenario.to_str().expect("utf-8"), "--seeds", "2", "--out", "r"]);
    let out = files(&dir.path().join("r"));
    let page = String::from_utf8(out["index.html"].clone()).expect("utf-8");
    for (file, words) in [
        ("load.svg", "api goodput"),
        ("service_load.svg", "svc-b attempts"),
        ("retries.svg", "Retries sent over time"),
        ("utilisation.svg", "every worker busy"),
        ("budget.svg", "api (SLO"),
        ("latency_heatmap.svg", "api: served latency per time bucket"),
    ] {
        let svg = String::from_utf8(out.get(file).unwrap_or_else(|| panic!("{file} written")).clone()).expect("utf-8");
        parse_xml(file, &svg);
        assert!(svg.contains(words), "{file} shows {words:?}");
        assert!(page.contains(&format!("id=\"plot-{}\"", file.trim_end_matches(".svg"))), "{file} is on the page");
    }
    // The storm itself: after the spike, svc-b answers many more attempts than it did before.
    let results: serde_json::Value = serde_json::from_slice(&out["results.json"]).expect("json");
    let services = results["meta"]["services"].as_array().expect("services");
    let b = services.iter().position(|s| s == "svc-b").expect("svc-b");
    let series = results["data"]["service_series"][b].as_array().expect("a series per service");
    let answered =
        |from: usize, to: usize| -> u64 { series[from..to].iter().map(|x| x["answered"].as_u64().unwrap_or(0)).sum() };
    assert!(answered(150, 200) > 5 * answered(35, 55), "attempts climb after the spike");
    // zone_outage has no retries and no queueing: those charts are left out, not drawn empty.
    ok(dir.path(), &["report", &zone_outage(), "--seeds", "2", "--out", "z"]);
    let plain = files(&dir.path().join("z"));
    assert!(!plain.contains_key("retries.svg") && plain.contains_key("load.svg"), "{:?}", plain.keys());
}

#[test]
fn the_page_lists_what_the_resilience_patterns_did() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/slow_dependency_breaker.ron");
    ok(dir.path(), &["report", scenario.to_str().expect("utf-8"), "--seeds", "2", "--out", "b"]);
    let page = std::fs::read_to_string(dir.path().join("b/index.html")).expect("page");
    let at = page.find("<section id=\"patterns\">").expect("a patterns section");
    let section = &page[at..at + page[at..].find("</section>").expect("closed")];
    assert!(section.contains("breaker opened") && section.contains("times per seed [95% CI]"), "{section}");
    ok(dir.path(), &["report", &zone_outage(), "--seeds", "2", "--out", "z"]);
    let plain = std::fs::read_to_string(dir.path().join("z/index.html")).expect("page");
    assert!(!plain.contains("id=\"patterns\""));
}
