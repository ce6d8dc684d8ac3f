//! The `faultsim` command: arguments → load → run or analyse → print.
//!
//! This is the only place that prints or chooses an exit code: 0 ok, 1 a hypothesis or
//! SLO failed, 2 usage or input error, 3 inconclusive.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cli::check::Inconclusive;
use cli::Format;

#[derive(Parser)]
#[command(
    name = "faultsim",
    version,
    about = "Deterministic failure simulation: nines, cascades, FMEA and what-ifs from RON models."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour: on a terminal unless NO_COLOR is set (auto), always, or never.
    #[arg(long, global = true, value_enum, default_value_t = cli::color::ColorChoice::Auto)]
    color: cli::color::ColorChoice,
}

#[derive(Subcommand)]
enum Import {
    /// A Chaos Toolkit experiment as a scenario on a model, to dry-run it with `faultsim
    /// check`: its actions become faults (Chaos Mesh objects are read back; other actions
    /// need the mapping), its steady-state probes hypotheses.
    Chaostoolkit {
        /// The experiment (JSON).
        experiment: PathBuf,
        /// The topology the experiment runs against.
        #[arg(long)]
        topology: PathBuf,
        /// A RON file saying which action is which fault and which probe which hypothesis,
        /// and the load (`ChaosToolkitMapping(workloads: [...], actions: [...], probes: [...])`).
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// A constant Poisson load `ENDPOINT=REQUESTS_PER_SECOND` (repeatable).
        #[arg(long = "rate")]
        rates: Vec<String>,
        /// Pod label whose value is the component's name in Chaos Mesh selectors.
        #[arg(long, default_value = "app")]
        label_key: String,
        /// The scenario file to write (atomically).
        #[arg(long = "output", short = 'o', alias = "out")]
        out: PathBuf,
    },
    /// OpenTelemetry traces (OTLP JSON, as the collector's file exporter writes them) as a
    /// topology and a scenario: services and instances, zones, the call graph, fitted
    /// service times, error rates, retries and timeouts where visible, and the load.
    Traces {
        /// OTLP JSON files (one document per file, or one per line).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Folder to write `topology.ron` and `scenario.ron` into (created if missing).
        #[arg(long = "out", short = 'o', alias = "output")]
        out: PathBuf,
        /// Name of the written topology and scenario.
        #[arg(long, default_value = "imported")]
        name: String,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Check topology and scenario files; report every error with file:line:col.
    Validate {
        /// Files to check (`models/*.ron`, `scenarios/*.ron`, `scenarios/patches/*.ron`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also check each scenario with this what-if patch applied (its names must resolve).
        #[arg(long)]
        variant: Option<PathBuf>,
        /// Output format (`json`: every diagnostic with its start and end, for editors).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Static analysis of a topology (or a scenario's topology): SPOFs, single-zone
    /// placement, retry amplification, depth, fan-out and analytic availability.
    Analyze {
        /// A topology or scenario file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Simulate a scenario: one seed (`--seed S`), or many in parallel with 95% intervals.
    Run {
        /// A scenario file.
        scenario: PathBuf,
        /// A what-if patch laid over the scenario and its topology first (as `whatif --variant`),
        /// to look inside a fix without copying the model.
        #[arg(long)]
        variant: Option<PathBuf>,
        /// Run this one seed and show that run in detail.
        #[arg(long, conflicts_with_all = ["seeds", "shard", "precision"])]
        seed: Option<u64>,
        /// Run this many seeds, from the scenario's first (default: the scenario's `seeds`).
        #[arg(long, value_parser = crate::cli::parse_seeds)]
        seeds: Option<u64>,
        /// Run until every endpoint's figure is this precise instead of a fixed seed count:
        /// `availability=0.05pp`, `latency=2%` or `latency=0.5ms` (half-width of the interval).
        /// Seeds run in looks (the scenario's `seeds`, twice as many, … up to `--max-seeds`),
        /// each look's interval at 1 − 5%/looks.
        #[arg(long, conflicts_with_all = ["seeds", "shard"])]
        precision: Option<faultsim::montecarlo::precision::Target>,
        /// Most seeds a `--precision` run takes (default: 16 times the scenario's `seeds`).
        #[arg(long, value_parser = crate::cli::parse_seeds, requires = "precision")]
        max_seeds: Option<u64>,
        /// Worker threads (default: one per core). Results never depend on it.
        #[arg(long, value_parser = crate::cli::parse_threads)]
        threads: Option<usize>,
        /// Run only shard K of N (`K/N`, or `auto` / `auto/N` from JOB_COMPLETION_INDEX or
        /// SLURM_ARRAY_TASK_ID) and write `shard-K-of-N.json` into `--out` (default: .).
        #[arg(long)]
        shard: Option<String>,
        /// Also write `results.json`, `summary.md`, the plots (`*.svg`) and `index.html` into
        /// this folder (atomically).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check each scenario's hypotheses over its seeds: pass, fail or inconclusive from an
    /// exact binomial interval; exit 0 (all pass), 1 (a failure), 3 (inconclusive), 2 (bad input).
    Check {
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// A what-if patch laid over the scenario and its topology first (as `whatif --variant`),
        /// to look inside a fix without copying the model.
        #[arg(long)]
        variant: Option<PathBuf>,
        /// Seeds per scenario, judged in one look. Without it, seeds run in looks until every
        /// hypothesis is decided: the scenario's `seeds`, then twice as many, and so on up to
        /// `--max-seeds`, each look's interval at 1 − 5%/looks (see the manual, CI chapter).
        #[arg(long, value_parser = crate::cli::parse_seeds)]
        seeds: Option<u64>,
        /// Most seeds a sequential check runs (default: 16 times the scenario's `seeds`).
        #[arg(long, value_parser = crate::cli::parse_seeds, conflicts_with = "seeds")]
        max_seeds: Option<u64>,
        /// Worker threads (default: one per core). Verdicts never depend on it.
        #[arg(long, value_parser = crate::cli::parse_threads)]
        threads: Option<usize>,
        /// How an inconclusive verdict counts: as a failure, as a pass, or on its own (exit 3).
        #[arg(long, value_enum, default_value_t = Inconclusive::Exit3)]
        inconclusive: Inconclusive,
        /// Also write JUnit XML here (a test case per hypothesis), atomically.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Skip the fault-space search of scenarios with an `explore` block.
        #[arg(long)]
        no_explore: bool,
        /// Folder for the counterexample scenarios the fault-space search writes (one per
        /// scenario that breaks, replayable with `faultsim run FILE --seed S`).
        #[arg(long, default_value = "faultsim-counterexamples")]
        counterexamples: PathBuf,
    },
    /// Time-based availability over simulated years: failure and repair of every instance,
    /// node, zone, region and link; per endpoint availability and nines with 95% intervals,
    /// downtime per year, outages, MTBF/MTTR, the analytic cross-check and importance.
    Availability {
        /// A topology or scenario file (a scenario adds its seeds and `processes`).
        input: PathBuf,
        /// Simulated years per seed (default 100).
        #[arg(long, conflicts_with = "duration")]
        years: Option<u64>,
        /// Simulated time per seed as a duration instead (`"300h"`, `"2y"`).
        #[arg(long)]
        duration: Option<String>,
        /// Seeds, from the scenario's first (default: the scenario's `seeds`, or 20 for a topology).
        #[arg(long, value_parser = crate::cli::parse_seeds)]
        seeds: Option<u64>,
        #[command(flatten)]
        settle: cli::SettleArgs,
        /// Worker threads (default: one per core). Results never depend on it.
        #[arg(long, value_parser = crate::cli::parse_threads)]
        threads: Option<usize>,
        /// Run only shard K of N (`K/N`, `auto/N`, `auto`) and write `shard-K-of-N.json` into
        /// `--out` (default: .); merge the shards with `faultsim merge`.
        #[arg(long)]
        shard: Option<String>,
        /// Also write `results.json`, `summary.md` and the plots (`*.svg`) into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Estimate rare unavailability by importance sampling (balanced failure biasing over
        /// regenerative cycles); needs exponential times and instant failover.
        #[arg(long)]
        rare_events: bool,
        /// Regenerative cycles per seed and endpoint for `--rare-events` (default 20000).
        #[arg(long)]
        cycles: Option<u64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Merge shard files from `run --shard` into the results of the whole seed range.
    Merge {
        /// Shard files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also write `results.json`, `summary.md`, the plots (`*.svg`) and `index.html` into
        /// this folder (atomically).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Write a self-contained HTML report (`index.html`) with its plots (`*.svg`) into a folder:
    /// from a scenario (its seeds are run first) or from a results file (`results.json`).
    Report {
        /// A scenario file, or a results file written by `run --out`, `merge --out` or `report`.
        input: PathBuf,
        /// The folder to write `index.html`, the plots, `results.json` and `summary.md` into.
        #[arg(long)]
        out: PathBuf,
        /// A what-if patch laid over the scenario and its topology first (as `whatif --variant`),
        /// to look inside a fix without copying the model.
        #[arg(long)]
        variant: Option<PathBuf>,
        /// Run this many seeds of a scenario, from its first (default: the scenario's `seeds`).
        #[arg(long, value_parser = crate::cli::parse_seeds)]
        seeds: Option<u64>,
        /// Worker threads for a scenario (default: one per core). Results never depend on it.
        #[arg(long, value_parser = crate::cli::parse_threads)]
        threads: Option<usize>,
    },
    /// Failure mode and effects analysis: every component × failure mode injected on the same
    /// seeds as a fault-free baseline; effect per endpoint with 95% intervals, detection,
    /// recovery, occurrence and a risk priority (S × O × D), sorted by risk.
    Fmea {
        /// A scenario file (its load and topology; its own faults are not used).
        scenario: PathBuf,
        #[command(flatten)]
        study: cli::fmea::FaultStudyArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = cli::fmea::TableFormat::Text)]
        format: cli::fmea::TableFormat,
        /// Also write `fmea.json`, `fmea.md`, `fmea.csv`, the plots and `index.html` here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Cascade risk: for each initiating fault, which services that were not faulted become
    /// unhealthy (errors or saturation), in what fraction of seeds, how many and how far.
    Cascade {
        /// A scenario file (its load and topology; its own faults are not used).
        scenario: PathBuf,
        #[command(flatten)]
        study: cli::fmea::FaultStudyArgs,
        #[command(flatten)]
        thresholds: cli::cascade::ThresholdArgs,
        /// Write the topology as Graphviz DOT, coloured by cascade probability, to this file.
        #[arg(long)]
        dot: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also write `cascade.json`, `cascade.dot`, the plots and `index.html` here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The metastability map: load × trigger magnitude × trigger duration (the trigger is the
    /// scenario's first fault); per cell, the fraction of seeds whose goodput is back to
    /// baseline within a deadline after the trigger ends.
    Metastability {
        /// A scenario file whose first fault is the trigger.
        scenario: PathBuf,
        #[command(flatten)]
        sweep: cli::metastability::MetaArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also write `metastability.json`, the map as SVG and `index.html` here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// What-if: the scenario and each variant (a patch file overlaying the topology or the
    /// scenario) on the same seeds; paired differences with 95% intervals for every metric.
    Whatif {
        /// A scenario file (the baseline).
        scenario: PathBuf,
        /// A patch file (`Patch(…)`, see scenarios/patches/); give several to compare several.
        #[arg(long = "variant", required = true)]
        variants: Vec<PathBuf>,
        /// Seeds, from the scenario's first (default: the scenario's `seeds`).
        #[arg(long, value_parser = crate::cli::parse_seeds)]
        seeds: Option<u64>,
        /// Worker threads (default: one per core). Results never depend on it.
        #[arg(long, value_parser = crate::cli::parse_threads)]
        threads: Option<usize>,
        #[command(flatten)]
        settle: cli::SettleArgs,
        /// List the metrics with no change beyond noise too.
        #[arg(long)]
        all: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also write `whatif.json`, the deltas plot and `index.html` here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Re-run one seed of a scenario and write every event as a JSON line (simulated time only).
    Replay {
        /// A scenario file.
        scenario: PathBuf,
        /// A what-if patch laid over the scenario and its topology first (as `whatif --variant`),
        /// to look inside a fix without copying the model.
        #[arg(long)]
        variant: Option<PathBuf>,
        /// The seed to replay.
        #[arg(long)]
        seed: u64,
        /// The file to write the trace to (atomically). `-o FILE` names the one file a command
        /// writes, as for `graph`; `--trace` is the older name.
        #[arg(long = "output", short = 'o', alias = "trace")]
        trace: PathBuf,
        /// Write the run's requests as OpenTelemetry traces (OTLP JSON, as the collector's file
        /// exporter writes) instead of its events: a trace per request, spans per call attempt
        /// and per handling, with status, instance, zone and the fault windows they overlap.
        #[arg(long)]
        otlp: bool,
        /// With `--otlp`: most spans written (a long run has many).
        #[arg(long, default_value_t = 100_000, requires = "otlp")]
        max_spans: usize,
    },
    /// The manual: the list of chapters, or one chapter (Markdown) to read.
    Manual {
        /// A chapter, e.g. `modelling` (without one, the list of chapters).
        topic: Option<String>,
    },
    /// A scenario's fault schedule (or a counterexample `check` shrank) as a chaos experiment:
    /// a Chaos Mesh workflow (YAML) or a Chaos Toolkit experiment (JSON). Faults with no
    /// counterpart, and approximations, are listed on standard error and in the output.
    Export {
        /// The chaos tool.
        #[arg(value_enum)]
        tool: cli::export::Tool,
        /// A scenario file (or a `*.counterexample.ron`).
        scenario: PathBuf,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long = "output", short = 'o', alias = "out")]
        out: Option<PathBuf>,
        /// Kubernetes namespace of the services and of the chaos objects.
        #[arg(long, default_value = "default")]
        namespace: String,
        /// Pod label whose value is the component's name in the model.
        #[arg(long, default_value = "app")]
        label_key: String,
        /// Port that injected HTTP errors act on.
        #[arg(long, default_value_t = 80)]
        http_port: u16,
        /// Chaos Mesh: standalone objects (each with its `duration`) instead of one workflow.
        #[arg(long)]
        manifests: bool,
    },
    /// Bring another tool's description in as a faultsim file.
    Import {
        /// What to import.
        #[command(subcommand)]
        what: Import,
    },
    /// Graphviz DOT of a topology (or a scenario's topology), zones as clusters.
    Graph {
        /// A topology or scenario file.
        file: PathBuf,
        /// Write to this file (atomically) instead of standard output. (`-o FILE` names one
        /// file everywhere, `--out DIR` a folder; `--out` is still read here.)
        #[arg(long = "output", short = 'o', alias = "out")]
        out: Option<PathBuf>,
    },
    /// A shell completion script on standard output (e.g. `faultsim completions bash >
    /// ~/.local/share/bash-completion/completions/faultsim`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The JSON Schema of a kind of JSON output (every JSON output carries `schema_version`
    /// and `kind`); without KIND, the list of kinds; with `--out DIR`, every schema as
    /// `KIND.schema.json`.
    Schema {
        /// The kind, e.g. `run`, `check`, `fmea`.
        kind: Option<String>,
        /// Write the schemas into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The man page (roff) on standard output, or with `--out DIR` one page per command.
    Man {
        /// Write `faultsim.1` and `faultsim-COMMAND.1` into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::color::init(cli.color);
    if let Err(code) = check_outputs(&cli.command) {
        return code;
    }
    match cli.command {
        Command::Validate { files, variant, format } => cli::inspect::validate(&files, variant.as_deref(), format),
        Command::Analyze { file, format } => cli::inspect::analyze(&file, format),
        Command::Graph { file, out } => cli::inspect::graph(&file, out),
        Command::Import { what: Import::Chaostoolkit { experiment, topology, mapping, rates, label_key, out } } => {
            cli::import::chaostoolkit(&cli::import::ChaosToolkit {
                experiment: &experiment,
                topology: &topology,
                mapping: mapping.as_deref(),
                rates: &rates,
                label_key: &label_key,
                out: &out,
            })
        }
        Command::Import { what: Import::Traces { files, out, name } } => cli::import::traces(&files, &out, &name),
        Command::Export { tool, scenario, out, namespace, label_key, http_port, manifests } => {
            cli::export::export(&cli::export::Options {
                tool,
                scenario: &scenario,
                out: out.as_ref(),
                cluster: faultsim::bridge::Cluster { namespace, label_key, http_port },
                manifests,
            })
        }
        Command::Completions { shell } => cli::shell::completions(<Cli as clap::CommandFactory>::command(), shell),
        Command::Schema { kind, out } => cli::schema::schema(kind.as_deref(), out.as_deref()),
        Command::Man { out } => cli::shell::man(<Cli as clap::CommandFactory>::command(), out.as_deref()),
        Command::Manual { topic } => cli::manual::manual(topic.as_deref()),
        Command::Run { scenario, variant, seed: Some(seed), format, .. } => {
            cli::run::run(&scenario, variant.as_deref(), Some(seed), format)
        }
        Command::Run {
            scenario,
            variant,
            seed: None,
            precision: Some(target),
            max_seeds,
            threads,
            out,
            format,
            ..
        } => cli::run::run_until_settled(
            &scenario,
            variant.as_deref(),
            &target,
            max_seeds,
            threads,
            out.as_deref(),
            format,
        ),
        Command::Run { scenario, variant, seed: None, seeds, threads, shard, out, format, .. } => {
            cli::run::run_seeds(&scenario, variant.as_deref(), seeds, threads, shard.as_deref(), out.as_deref(), format)
        }
        Command::Availability {
            input,
            years,
            duration,
            seeds,
            settle,
            threads,
            shard,
            out,
            rare_events,
            cycles,
            format,
        } => cli::availability::availability(&cli::availability::Options {
            input: &input,
            years,
            duration: duration.as_deref(),
            seeds,
            threads,
            shard: shard.as_deref(),
            out: out.as_deref(),
            format,
            rare_events,
            cycles,
            settle: &settle,
        }),
        Command::Merge { files, out, format } => cli::results::merge(&files, out.as_deref(), format),
        Command::Check {
            scenarios,
            variant,
            seeds,
            max_seeds,
            threads,
            inconclusive,
            junit,
            format,
            no_explore,
            counterexamples,
        } => {
            let explore = cli::check::ExploreArgs { skip: no_explore, dir: counterexamples };
            cli::check::check(
                &scenarios,
                variant.as_deref(),
                seeds,
                max_seeds,
                threads,
                inconclusive,
                junit.as_deref(),
                format,
                &explore,
            )
        }
        Command::Fmea { scenario, study, format, out } => cli::fmea::fmea(&scenario, &study, format, out.as_ref()),
        Command::Cascade { scenario, study, thresholds, dot, format, out } => {
            cli::cascade::cascade(&scenario, &study, &thresholds, format, dot.as_ref(), out.as_ref())
        }
        Command::Metastability { scenario, sweep, format, out } => {
            cli::metastability::metastability(&scenario, &sweep, format, out.as_ref())
        }
        Command::Whatif { scenario, variants, seeds, threads, settle, all, format, out } => {
            let seeding = cli::whatif::Seeding { seeds, threads, settle: &settle };
            cli::whatif::whatif(&scenario, &variants, &seeding, all, format, out.as_ref())
        }
        Command::Replay { scenario, variant, seed, trace, otlp: true, max_spans } => {
            cli::run::replay_otlp(&scenario, variant.as_deref(), seed, &trace, max_spans)
        }
        Command::Replay { scenario, variant, seed, trace, otlp: false, .. } => {
            cli::run::replay(&scenario, variant.as_deref(), seed, &trace)
        }
        Command::Report { input, variant, out, seeds, threads } => {
            cli::results::report(&input, variant.as_deref(), &out, seeds, threads)
        }
    }
}

/// Checks every output path the command names before it does any work, so a run never ends
/// by refusing to write (or by replacing a FIFO or a device with a regular file).
fn check_outputs(command: &Command) -> Result<(), ExitCode> {
    use std::path::Path;
    const RESULTS: &[&str] = &["results.json", "summary.md", "index.html"];
    fn dir<'a>(
        out: &'a Option<PathBuf>,
        names: &'static [&'static str],
    ) -> Option<(&'a Path, &'static [&'static str])> {
        out.as_deref().map(|d| (d, names))
    }
    /// An output folder and the names written into it.
    type Folder<'a> = Option<(&'a Path, &'static [&'static str])>;
    let (files, dirs): (Vec<&Path>, Vec<Folder>) = match command {
        Command::Graph { out, .. } | Command::Export { out, .. } => (out.as_deref().into_iter().collect(), vec![]),
        Command::Import { what: Import::Chaostoolkit { out, .. } } => (vec![out.as_path()], vec![]),
        Command::Import { what: Import::Traces { out, .. } } => {
            (vec![], vec![Some((out.as_path(), &["topology.ron", "scenario.ron"][..]))])
        }
        Command::Replay { trace, .. } => (vec![trace.as_path()], vec![]),
        Command::Run { out, .. } | Command::Merge { out, .. } => (vec![], vec![dir(out, RESULTS)]),
        Command::Report { out, .. } => (vec![], vec![Some((out.as_path(), RESULTS))]),
        Command::Availability { out, .. } => (vec![], vec![dir(out, &["results.json", "summary.md"])]),
        Command::Check { junit, counterexamples, no_explore, .. } => (
            junit.as_deref().into_iter().collect(),
            if *no_explore { vec![] } else { vec![Some((counterexamples.as_path(), &[][..]))] },
        ),
        Command::Fmea { out, .. } => (vec![], vec![dir(out, &["fmea.json", "fmea.md", "fmea.csv", "index.html"])]),
        Command::Cascade { dot, out, .. } => {
            (dot.as_deref().into_iter().collect(), vec![dir(out, &["cascade.json", "cascade.dot", "index.html"])])
        }
        Command::Metastability { out, .. } => (vec![], vec![dir(out, &["metastability.json", "index.html"])]),
        Command::Whatif { out, .. } => (vec![], vec![dir(out, &["whatif.json", "index.html"])]),
        Command::Man { out } => (vec![], vec![dir(out, &["faultsim.1"])]),
        Command::Schema { out, .. } => (vec![], vec![dir(out, &["run.schema.json"])]),
        Command::Validate { .. } | Command::Analyze { .. } | Command::Manual { .. } | Command::Completions { .. } => {
            (vec![], vec![])
        }
    };
    let dirs: Vec<(&Path, &[&str])> = dirs.into_iter().flatten().collect();
    cli::check_outputs(&files, &dirs, &inputs(command))
}

/// The files a command reads that are named on its command line (the files they name in
/// turn, a scenario's topology or trace, are read later): no output may replace one.
fn inputs(command: &Command) -> Vec<&std::path::Path> {
    let mut v: Vec<&std::path::Path> = Vec::new();
    match command {
        Command::Validate { files, variant, .. } => {
            v.extend(variant.as_deref());
            v.extend(files.iter().map(PathBuf::as_path));
        }
        Command::Merge { files, .. } => v.extend(files.iter().map(PathBuf::as_path)),
        Command::Check { scenarios, variant, .. } => {
            v.extend(variant.as_deref());
            v.extend(scenarios.iter().map(PathBuf::as_path));
        }
        Command::Whatif { scenario, variants, .. } => {
            v.push(scenario);
            v.extend(variants.iter().map(PathBuf::as_path));
        }
        Command::Run { scenario, variant, .. }
        | Command::Replay { scenario, variant, .. }
        | Command::Report { input: scenario, variant, .. } => {
            v.extend(variant.as_deref());
            v.push(scenario);
        }
        Command::Fmea { scenario, study, .. } | Command::Cascade { scenario, study, .. } => {
            v.extend(study.variant.as_deref());
            v.push(scenario);
        }
        Command::Metastability { scenario, .. } | Command::Export { scenario, .. } => v.push(scenario),
        Command::Import { what: Import::Chaostoolkit { experiment, topology, mapping, .. } } => {
            v.extend([experiment.as_path(), topology.as_path()]);
            v.extend(mapping.as_deref());
        }
        Command::Import { what: Import::Traces { files, .. } } => v.extend(files.iter().map(PathBuf::as_path)),
        Command::Availability { input: file, .. } | Command::Analyze { file, .. } | Command::Graph { file, .. } => {
            v.push(file);
        }
        Command::Manual { .. } | Command::Completions { .. } | Command::Man { .. } | Command::Schema { .. } => {}
    }
    v
}
