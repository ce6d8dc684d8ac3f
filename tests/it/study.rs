//! Studies from simulation: FMEA, cascades, the metastability map and what-if comparisons,
//! each on an example, with few seeds and short timelines so each test stays within seconds.

use std::path::Path;
use std::sync::Arc;

use faultsim::load;
use faultsim::metrics::health::Thresholds;
use faultsim::montecarlo::verdict;
use faultsim::scenario::Scenario;
use faultsim::study::modes::{ModeKind, ModeSettings};
use faultsim::study::{cascade, fmea, metastability, whatif, Timeline};
use faultsim::units::Duration;

fn scenario(path: &str) -> Arc<Scenario> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    Arc::new(load::load_scenario(&root.join(path)).unwrap_or_else(|d| panic!("{}", faultsim::diagnostic::render(&d))))
}

fn patched(scenario: &str, patch: &str) -> Arc<Scenario> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (s, _) = load::patch::load_patched(&root.join(scenario), &root.join(patch))
        .unwrap_or_else(|d| panic!("{}", faultsim::diagnostic::render(&d)));
    Arc::new(s)
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn short_timeline() -> Timeline {
    Timeline::new(secs(10), secs(5), secs(20), secs(10))
}

fn modes(kinds: &[ModeKind]) -> ModeSettings {
    ModeSettings { kinds: kinds.to_vec(), fault_duration: secs(20), ..ModeSettings::default() }
}

#[test]
fn fmea_of_the_shop_ranks_the_orders_db_spof_first_with_intervals() {
    let s = scenario("scenarios/ecommerce_orders_db_loss.ron");
    let settings = fmea::Settings {
        modes: modes(&[ModeKind::Crash, ModeKind::Zone, ModeKind::Region]),
        only: Vec::new(),
        timeline: short_timeline(),
        seeds: vec![1, 2],
    };
    let f = fmea::run(&s, settings, 2, &|| {});
    let top = &f.rows[0];
    assert_eq!(
        (top.mode.component.as_str(), top.mode.kind),
        ("orders-db", ModeKind::Crash),
        "{}",
        faultsim::report::study::fmea_text(&f)
    );
    // The SPOF also has the largest measured impact (drop × hours per year present).
    let most = f.rows.iter().map(|r| r.expected_impact_h).fold(0.0, f64::max);
    assert_eq!(top.expected_impact_h, most);
    let checkout = top.endpoints.iter().find(|e| e.endpoint == "checkout").expect("checkout");
    assert!(checkout.availability_drop.low > 0.9, "orders-db takes checkout down: {:?}", checkout.availability_drop);
    for r in &f.rows {
        assert!(
            r.endpoints.iter().all(|e| e.availability_drop.has_interval()),
            "{} {} lacks an interval",
            r.mode.component,
            r.mode.mode
        );
    }
    // The zone holding orders-db is as severe, but health checks notice it at once.
    let zone = f.rows.iter().find(|r| r.mode.component == "us-east-1a").expect("zone row");
    assert!(zone.severity > 9.0 && zone.detection.detected == 2 && zone.rpn < top.rpn);
}

#[test]
fn fmea_output_does_not_depend_on_threads() {
    let s = scenario("scenarios/slow_chain.ron");
    let run = |threads| {
        let settings = fmea::Settings {
            modes: modes(&[ModeKind::Crash, ModeKind::Latency]),
            only: Vec::new(),
            timeline: short_timeline(),
            seeds: vec![1, 2],
        };
        serde_json::to_string(&fmea::run(&s, settings, threads, &|| {})).expect("json")
    };
    assert_eq!(run(1), run(3));
}

fn cascade_of(s: &Scenario, kinds: &[ModeKind], only: &[&str], seeds: u64) -> cascade::Cascade {
    let settings = cascade::Settings {
        modes: modes(kinds),
        only: only.iter().map(|s| (*s).to_owned()).collect(),
        timeline: short_timeline(),
        seeds: (1..=seeds).collect(),
        thresholds: Thresholds::default(),
        scenario_timeline: true,
    };
    cascade::run(s, settings, 2, &|| {})
}

#[test]
fn a_slow_dependency_without_timeouts_saturates_its_callers_and_the_fix_confines_it() {
    let s = scenario("scenarios/slow_chain.ron");
    let c = cascade_of(&s, &[ModeKind::Latency], &["inventory"], 3);
    let slow = c.initiators.iter().find(|i| i.mode.component == "inventory").expect("initiator");
    let victims: Vec<(&str, Option<u32>, f64)> =
        slow.victims.iter().map(|v| (v.service.as_str(), v.depth, v.probability.value)).collect();
    assert_eq!(
        victims,
        vec![("api", Some(1), 1.0), ("web", Some(2), 1.0)],
        "{}",
        faultsim::report::study::cascade_text(&c)
    );
    assert!(slow.victims.iter().all(|v| v.by_saturation + v.by_errors == 3));
    assert!(slow.probability.low > 0.4, "3 of 3 seeds: {:?}", slow.probability);
    // The scenario's own slowdown spreads the same way.
    let own = c.initiators.iter().find(|i| i.mode.component == "(scenario)").expect("scenario initiator");
    assert_eq!(own.victims.len(), 2);
    // With a timeout and a fallback on api -> inventory, nothing upstream becomes unhealthy.
    let fixed = patched("scenarios/slow_chain.ron", "scenarios/patches/slow_chain_timeouts.ron");
    let c = cascade_of(&fixed, &[ModeKind::Latency], &["inventory"], 3);
    assert!(c.initiators.iter().all(|i| i.victims.is_empty()), "{}", faultsim::report::study::cascade_text(&c));
}

#[test]
fn no_cascade_beyond_is_evaluated_per_seed_with_the_same_detector() {
    let s = scenario("scenarios/slow_chain.ron");
    let h = &s.hypotheses[0];
    let (m, _) = faultsim::study::run_one(&s, 1);
    let check = verdict::check_seed(h, &m, &s);
    assert_eq!((check.passed, check.value), (Some(false), Some(2.0)), "api and web, not inventory");
    let fixed = patched("scenarios/slow_chain.ron", "scenarios/patches/slow_chain_timeouts.ron");
    let (m, _) = faultsim::study::run_one(&fixed, 1);
    assert_eq!(verdict::check_seed(&fixed.hypotheses[0], &m, &fixed).passed, Some(true));
    assert!(verdict::HypothesisMeta::of(h, &s).not_evaluable.is_none());
}

#[test]
fn the_oom_story_cascades_through_pods_never_faulted_and_its_fix_does_not() {
    let s = scenario("scenarios/oom_cascade.ron");
    let c = cascade_of(&s, &[], &[], 4);
    let own = c.initiators.iter().find(|i| i.mode.component == "(scenario)").expect("the traffic step initiates");
    let pods = own.victims.iter().find(|v| v.service == "profile-svc").expect("profile-svc pods crash");
    // Pods are pulled in on every seed; on some the first symptom is an OOM kill of a pod
    // nothing faulted, on others the failed answers that precede it.
    assert!(pods.by_crash >= 1 && pods.probability.value >= 0.75, "{}", faultsim::report::study::cascade_text(&c));
    // The story's fix (least-outstanding balancing instead of pinned connections), as a
    // scenario and as a patch: no service is pulled in.
    for fixed in [
        scenario("scenarios/oom_cascade_fixed.ron"),
        patched("scenarios/oom_cascade.ron", "scenarios/patches/oom_fixed.ron"),
    ] {
        let c = cascade_of(&fixed, &[], &[], 4);
        assert!(c.initiators.iter().all(|i| i.victims.is_empty()), "{}", faultsim::report::study::cascade_text(&c));
    }
}

fn map(path: &str, magnitudes: &[f64]) -> metastability::Map {
    let s = scenario(path);
    let settings = metastability::Settings {
        loads: vec![0.5, 1.0],
        magnitudes: magnitudes.to_vec(),
        durations: vec![secs(5), secs(15)],
        deadline: secs(20),
        warmup: secs(10),
        lead: secs(10),
        seeds: vec![1, 2],
    };
    metastability::run(&s, settings, 2, &|| {}).expect("the spike is the trigger")
}

#[test]
fn the_retry_storm_map_has_stuck_cells_above_a_trigger_size_and_none_below() {
    let m = map("scenarios/retry_storm_spike.ron", &[0.25, 1.0]);
    let stuck = |mag: f64| m.cells.iter().filter(|c| c.magnitude == mag && c.stuck() > 0).count();
    // A +50 ms spike stays under svc-a's 120 ms timeout: nothing retries, nothing sticks.
    assert_eq!(stuck(0.25), 0, "{}", faultsim::report::study::metastability_text(&m));
    // A +200 ms spike makes every layer retry at once: stuck at every load and duration.
    assert_eq!(stuck(1.0), 4, "{}", faultsim::report::study::metastability_text(&m));
    assert!(m.cells.iter().all(|c| c.fraction.has_interval()));
}

#[test]
fn jittered_backoff_and_a_budget_leave_far_fewer_stuck_cells() {
    let storm = map("scenarios/retry_storm_spike.ron", &[1.0]);
    let fixed = map("scenarios/retry_storm_fixed_spike.ron", &[1.0]);
    assert!(storm.stuck_cells() >= 3, "{}", faultsim::report::study::metastability_text(&storm));
    assert!(fixed.stuck_cells() * 3 <= storm.stuck_cells(), "{}", faultsim::report::study::metastability_text(&fixed));
}

fn compare(scenario_path: &str, patch: &str, seeds: u64) -> whatif::WhatIf {
    let base = scenario(scenario_path);
    let v = patched(scenario_path, patch);
    let c = whatif::Candidate { scenario: v, name: "v".into(), description: String::new() };
    whatif::run(&base, &[c], &(1..=seeds).collect::<Vec<_>>(), 2, &|| {})
}

#[test]
fn paired_intervals_of_a_what_if_are_narrower_than_unpaired_ones() {
    // Same arrivals and the same service-time quantiles in both runs: the per-seed difference
    // barely varies although the per-seed means do.
    let w = compare("scenarios/minimal.ron", "scenarios/patches/minimal_faster.ron", 6);
    let m = w.variants[0].metrics.iter().find(|m| m.name == "greet mean latency").expect("metric");
    let ratio = m.comparison.delta.half_width() / m.comparison.unpaired.half_width();
    assert!(ratio < 0.2, "paired/unpaired = {ratio:.3}: {:?}", m.comparison);
    assert!((m.comparison.delta.value / m.comparison.baseline + 0.1).abs() < 0.01, "10% faster: {:?}", m.comparison);
    assert_eq!(m.change, whatif::Change::Better);
    // A third inventory instance in the slow-dependency story: better beyond noise too.
    let w = compare("scenarios/slow_chain.ron", "scenarios/patches/inventory_third_instance.ron", 4);
    let a = w.variants[0].metrics.iter().find(|m| m.name == "shop availability").expect("metric");
    assert_eq!(a.change, whatif::Change::Better, "{:?}", a.comparison);
}

#[test]
fn a_timeout_and_fallback_what_if_reports_the_improvement_outside_noise() {
    let w = compare("scenarios/slow_chain.ron", "scenarios/patches/slow_chain_timeouts.ron", 4);
    let m = w.variants[0].metrics.iter().find(|m| m.name == "shop availability").expect("metric");
    assert_eq!(m.change, whatif::Change::Better);
    assert!(m.comparison.delta.low > 0.1, "{:?}", m.comparison.delta);
}

#[test]
fn the_bulkhead_story_what_if_improves_checkout_outside_noise() {
    let w = compare("scenarios/shared_pool.ron", "scenarios/patches/recommendations_bulkhead.ron", 6);
    let m = w.variants[0].metrics.iter().find(|m| m.name == "checkout availability").expect("metric");
    assert_eq!(m.change, whatif::Change::Better, "{}", faultsim::report::study::whatif_text(&w, true));
}

fn metric<'a>(w: &'a whatif::WhatIf, name: &str) -> &'a whatif::Metric {
    w.variants[0]
        .metrics
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no metric `{name}` in\n{}", faultsim::report::study::whatif_text(w, true)))
}

#[test]
fn whatif_judges_oom_kills_and_failure_causes() {
    let w = compare("scenarios/oom_cascade.ron", "scenarios/patches/oom_fixed.ron", 4);
    let kills = metric(&w, "profile-svc OOM kills");
    assert!(kills.comparison.baseline >= 10.0, "{:?}", kills.comparison);
    assert_eq!(kills.comparison.variant, 0.0);
    assert_eq!(kills.change, whatif::Change::Better);
    let unavailable = metric(&w, "get-profile failed: unavailable");
    assert_eq!(unavailable.change, whatif::Change::Better, "{:?}", unavailable.comparison);
    // Rows of zeros on every seed of every run are left out: no queue, no datastore here,
    // and nobody was rate limited.
    assert!(w.variants[0].metrics.iter().all(|m| !m.name.contains("rate limited")));
}

#[test]
fn whatif_judges_data_loss_rto_and_rpo() {
    // The replica cuts the outage from the primary's 3 min repair to detection + promotion
    // (30 s), and loses what the asynchronous replica had not copied: both are verdicts.
    let w = compare("scenarios/ecommerce_orders_db_loss.ron", "scenarios/patches/orders_db_replica.ron", 4);
    let rto = metric(&w, "orders-db longest RTO");
    assert!((rto.comparison.baseline - 180.0).abs() < 1.0, "{:?}", rto.comparison);
    assert!((rto.comparison.variant - 30.0).abs() < 1.0, "{:?}", rto.comparison);
    assert_eq!(rto.change, whatif::Change::Better);
    assert_eq!(rto.unit, "s");
    let lost = metric(&w, "orders-db writes lost");
    assert_eq!(lost.comparison.baseline, 0.0, "the primary came back with its data");
    assert!(lost.comparison.variant >= 0.0);
    let rpo = metric(&w, "orders-db longest RPO");
    assert!(rpo.comparison.variant >= rpo.comparison.baseline, "{:?}", rpo.comparison);
}

#[test]
fn whatif_judges_duplicate_deliveries_and_a_queue_patch() {
    // A stalled pod's orders outlive the 30 s visibility timeout and are fulfilled twice;
    // a 5 min timeout hands none of them to a second pod.
    let w = compare("scenarios/ecommerce_fulfillment_stall.ron", "scenarios/patches/orders_queue_visibility.ron", 4);
    let d = metric(&w, "orders-queue duplicate deliveries");
    assert!(d.comparison.baseline >= 1.0, "{:?}", d.comparison);
    assert_eq!(d.comparison.variant, 0.0);
    assert_eq!(d.change, whatif::Change::Better);
    assert_eq!(d.unit, "messages");
}

#[test]
fn whatif_reports_breaker_opens_and_fallbacks_without_judging_them() {
    let w = compare("scenarios/slow_dependency.ron", "scenarios/patches/reviews_breaker_fallback.ron", 4);
    for name in ["web breaker opens", "web fallbacks"] {
        let m = metric(&w, name);
        assert_eq!(m.comparison.baseline, 0.0, "{name}: no breaker, no fallback before");
        assert!(m.comparison.variant > 0.0, "{name}: {:?}", m.comparison);
        assert_eq!(m.better, whatif::Better::Neither);
        assert_eq!(m.change, whatif::Change::Changed);
    }
    assert_eq!(metric(&w, "home failed: rejected").change, whatif::Change::Better);
    assert_eq!(metric(&w, "home availability").change, whatif::Change::Better);
}

#[test]
fn a_patch_naming_nothing_is_reported_at_its_line_in_the_patch_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let patch = dir.path().join("bad.ron");
    std::fs::write(
        &patch,
        "Patch(\n    name: \"x\",\n    services: [ServicePatch(name: \"inventroy\", instances: 3)],\n)\n",
    )
    .expect("write");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ds = load::patch::load_patched(&root.join("scenarios/slow_chain.ron"), &patch).expect_err("unknown name");
    let text = faultsim::diagnostic::render(&ds);
    assert!(
        text.contains("bad.ron:3:") && text.contains("inventroy") && text.contains("did you mean `inventory`"),
        "{text}"
    );
    std::fs::write(&patch, "Patch(name: \"x\", services: [ServicePatch(name: \"api\", replicas: 3)])\n")
        .expect("write");
    let ds = load::patch::load_patched(&root.join("scenarios/slow_chain.ron"), &patch).expect_err("unknown field");
    assert!(faultsim::diagnostic::render(&ds).contains("bad.ron:1:"), "{}", faultsim::diagnostic::render(&ds));
}

#[test]
fn study_plots_are_well_formed_and_deterministic() {
    let w = compare("scenarios/slow_chain.ron", "scenarios/patches/slow_chain_timeouts.ron", 2);
    let files = faultsim::report::study_plots::whatif_files(&w, "{}");
    let again = faultsim::report::study_plots::whatif_files(&w, "{}");
    assert_eq!(files, again);
    for (name, text) in files.iter().filter(|(n, _)| n.ends_with(".svg")) {
        roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains("<text"), "{name} has text");
    }
    let page = &files.iter().find(|(n, _)| n == "index.html").expect("page").1;
    assert!(page.contains("<svg") && !page.contains("<script") && !page.contains("http://") || page.contains("xmlns"));
}
