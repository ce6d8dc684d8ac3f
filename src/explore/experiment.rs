//! One simulated run built in code: a topology, load, faults and hypotheses, then a seed —
//! the building block of property tests over a topology and of the fault-space search.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::engine::{LimitError, Simulation};
use crate::metrics::run::RunMetrics;
use crate::montecarlo::verdict::{self, SeedCheck};
use crate::scenario::Scenario;
use crate::spec;
use crate::topology::Topology;
use crate::units::Duration;

/// Why an experiment could not run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ExperimentError {
    /// The scenario it makes is invalid (each problem as `path: message`).
    #[error("the experiment is not a valid scenario: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

/// A scenario built in code (or loaded from a file and changed): see the module docs.
#[derive(Clone, Debug)]
pub struct Experiment {
    spec: spec::Scenario,
    topology: Arc<Topology>,
    base: PathBuf,
}

impl Experiment {
    /// An experiment on `topology` lasting `duration`, with no load, faults or hypotheses yet.
    pub fn new(topology: Arc<Topology>, duration: Duration) -> Experiment {
        let spec = spec::Scenario {
            name: format!("experiment on {}", topology.name()),
            description: String::new(),
            topology: String::new(),
            seeds: spec::Seeds::default(),
            duration,
            warmup: Duration::ZERO,
            workloads: Vec::new(),
            faults: Vec::new(),
            processes: Vec::new(),
            component_failures: false,
            limits: spec::Limits::default(),
            metrics: spec::Metrics::default(),
            hypotheses: Vec::new(),
            explore: None,
        };
        Experiment { spec, topology, base: PathBuf::new() }
    }

    /// The experiment a scenario file describes (with its topology), ready to be changed.
    pub fn load(path: &Path) -> Result<Experiment, Vec<Diagnostic>> {
        let scenario = crate::load::load_scenario(path)?;
        let name = path.display().to_string();
        let text = crate::load::read_text(path, &name).map_err(|d| vec![*d])?;
        let spec = crate::load::scenario_spec(&name, &text).map_err(|d| vec![*d])?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Experiment { spec, topology: Arc::clone(&scenario.topology), base })
    }

    /// [`Experiment::load`], with the what-if patch `variant` laid over the scenario and its
    /// topology when one is given.
    pub fn load_with(path: &Path, variant: Option<&Path>) -> Result<Experiment, Vec<Diagnostic>> {
        let Some(patch) = variant else { return Experiment::load(path) };
        let (scenario, _, spec) = crate::load::patch::load_patched_spec(path, patch)?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Experiment { spec, topology: Arc::clone(&scenario.topology), base })
    }

    /// Measures only requests arriving after `warmup`.
    pub fn warmup(mut self, warmup: Duration) -> Experiment {
        self.spec.warmup = warmup;
        self
    }

    /// Adds load.
    pub fn workload(mut self, w: spec::Workload) -> Experiment {
        self.spec.workloads.push(w);
        self
    }

    /// Adds a hypothesis, checked on every run ([`Outcome::violations`]).
    pub fn hypothesis(mut self, h: spec::Hypothesis) -> Experiment {
        self.spec.hypotheses.push(h);
        self
    }

    /// The same experiment with `faults` instead of its own. Hypotheses scoped to one of its
    /// own fault windows (`During`, `After`) are claims about that fault: they go with it.
    pub fn with_faults(&self, faults: &[spec::FaultWindow]) -> Experiment {
        let mut e = self.clone();
        e.spec.faults = faults.to_vec();
        e.spec.hypotheses.retain(|h| matches!(h.scope, spec::Scope::Run | spec::Scope::Between { .. }));
        e
    }

    /// The topology.
    pub fn topology(&self) -> &Arc<Topology> {
        &self.topology
    }

    /// The scenario as data (as a file would hold it).
    pub fn spec(&self) -> &spec::Scenario {
        &self.spec
    }

    /// The validated scenario.
    pub fn scenario(&self) -> Result<Arc<Scenario>, ExperimentError> {
        // Trace files are read relative to the scenario's folder, as the loader does.
        let read = |file: &str| -> Result<String, String> {
            let p = self.base.join(file);
            crate::load::read_text(&p, &p.display().to_string()).map(|t| t.to_string()).map_err(|d| d.message)
        };
        Scenario::from_spec(&self.spec, Arc::clone(&self.topology), &read)
            .map(Arc::new)
            .map_err(|ps| ExperimentError::Invalid(ps.iter().map(|p| format!("{}: {}", p.path, p.message)).collect()))
    }

    /// Runs one seed.
    pub fn run(&self, seed: u64) -> Result<Outcome, ExperimentError> {
        Ok(Outcome::of(&self.scenario()?, seed))
    }
}

/// What one run measured, with its hypotheses checked.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The seed.
    pub seed: u64,
    /// Everything measured.
    pub metrics: RunMetrics,
    /// The limit that stopped the run early, if one did.
    pub limit: Option<LimitError>,
    /// Each hypothesis by name, checked on this run.
    pub checks: Vec<(String, SeedCheck)>,
    endpoints: BTreeMap<String, usize>,
}

impl Outcome {
    /// Runs `seed` of a validated scenario and checks its hypotheses.
    pub fn of(scenario: &Arc<Scenario>, seed: u64) -> Outcome {
        Outcome::from_run(scenario, seed, Simulation::new(Arc::clone(scenario), seed).run())
    }

    /// Checks the hypotheses of `scenario` on a run of it with `seed` (made from the start
    /// or forked: the bytes are the same).
    pub fn from_run(scenario: &Scenario, seed: u64, run: Result<RunMetrics, crate::model::Stopped>) -> Outcome {
        let (metrics, limit) = match run {
            Ok(m) => (m, None),
            Err(stopped) => {
                let (limit, m) = *stopped;
                (m, Some(limit))
            }
        };
        let checks =
            scenario.hypotheses.iter().map(|h| (h.name.clone(), verdict::check_seed(h, &metrics, scenario))).collect();
        let endpoints = scenario.topology.endpoints().iter().enumerate().map(|(i, e)| (e.name.clone(), i)).collect();
        Outcome { seed, metrics, limit, checks, endpoints }
    }

    /// Request availability of an endpoint (served, degraded included, over finished), or
    /// `None` for an unknown endpoint.
    pub fn availability(&self, endpoint: &str) -> Option<f64> {
        self.endpoints.get(endpoint).map(|&i| self.metrics.endpoints[i].availability())
    }

    /// Requests measured on an endpoint.
    pub fn requests(&self, endpoint: &str) -> Option<u64> {
        self.endpoints.get(endpoint).map(|&i| self.metrics.endpoints[i].requests)
    }

    /// A latency percentile (in (0, 100)) of an endpoint's served requests, if it served any.
    pub fn latency(&self, endpoint: &str, percentile: f64) -> Option<Duration> {
        let e = &self.metrics.endpoints[*self.endpoints.get(endpoint)?];
        (e.latency.count() > 0).then(|| Duration(e.latency.percentile_ns(percentile)))
    }

    /// The hypotheses that failed on this run, with the value each was judged on.
    pub fn violations(&self) -> Vec<(&str, Option<f64>)> {
        self.checks.iter().filter(|(_, c)| c.passed == Some(false)).map(|(n, c)| (n.as_str(), c.value)).collect()
    }
}
