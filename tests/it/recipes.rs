//! The distributed-run recipes of `faultsim manual distributed`, run as written: each is read
//! from the chapter, every shard is run with the environment its platform gives it, and the
//! merged shards must equal the unsharded run byte for byte. Only the seed count is cut (to
//! 8) so that the test is quick. YAML is read by PyYAML (`.ci/run` installs it in its venv).
//!
//! - Kubernetes Indexed Job: `args` in `workingDir` (a folder laid out as the Dockerfile's
//!   `/work`), `JOB_COMPLETION_INDEX` from 0 to `completions − 1`.
//! - Slurm array: the script under bash with `SLURM_ARRAY_TASK_ID`, `_MIN`, `_MAX`, `_STEP`
//!   and `_COUNT` as Slurm sets them for its `#SBATCH --array` line.
//! - GitHub Actions: the shard job's `run` step once per `matrix.k`, then the merge step.

use std::path::{Path, PathBuf};
use std::process::Command;

const SEEDS: &str = "8";

/// The fenced block of `lang` that contains `needle`, from the distributed chapter.
fn block(lang: &str, needle: &str) -> String {
    let text = faultsim::manual::chapter("distributed").expect("the chapter exists").markdown;
    let fence = format!("```{lang}\n");
    text.split(fence.as_str())
        .skip(1)
        .filter_map(|rest| rest.split_once("\n```").map(|(body, _)| body.to_owned()))
        .find(|b| b.contains(needle))
        .unwrap_or_else(|| panic!("no ```{lang} block with {needle:?}"))
}

/// `yaml` as JSON, parsed by PyYAML; `None` (after saying so) when it is not installed.
fn yaml(yaml: &str) -> Option<serde_json::Value> {
    if !crate::clients::available("python3", &["-c", "import yaml"], "pip install -r tests/requirements.txt") {
        return None;
    }
    let program = "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))";
    let mut child = Command::new("python3")
        .args(["-c", program])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), yaml.as_bytes()).expect("write");
    let o = child.wait_with_output().expect("python3 runs");
    assert!(o.status.success(), "PyYAML refused the recipe:\n{yaml}");
    Some(serde_json::from_slice(&o.stdout).expect("json"))
}

/// A folder laid out as the image's `/work`: `models/` and `scenarios/` of the project.
fn workdir(root: &Path) -> PathBuf {
    let work = root.join("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    for d in ["models", "scenarios"] {
        std::os::unix::fs::symlink(project.join(d), work.join(d)).expect("symlink");
    }
    work
}

/// `faultsim ARGS` in `dir` with `env`; its stdout, after checking it succeeded.
fn faultsim(dir: &Path, args: &[String], env: &[(&str, String)]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_faultsim"))
        .args(args)
        .current_dir(dir)
        .env_remove("JOB_COMPLETION_INDEX")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("runs");
    assert!(o.status.success(), "faultsim {args:?} {env:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The unsharded run of `scenario` with [`SEEDS`] seeds, as JSON.
fn unsharded(dir: &Path, scenario: &str) -> String {
    let args = ["run", scenario, "--seeds", SEEDS, "--format", "json"].map(str::to_owned);
    faultsim(dir, &args, &[])
}

/// `faultsim merge` of every shard file in `shards`, as JSON.
fn merged(dir: &Path, shards: &Path) -> String {
    let mut files: Vec<String> = std::fs::read_dir(shards)
        .expect("shards written")
        .map(|e| e.expect("entry").path().display().to_string())
        .collect();
    files.sort();
    let mut args = vec!["merge".to_owned()];
    args.extend(files);
    args.extend(["--format", "json"].map(str::to_owned));
    faultsim(dir, &args, &[])
}

/// `words` with the value after `--seeds` set to [`SEEDS`].
fn fewer_seeds(words: &mut [String]) {
    let at = words.iter().position(|w| w == "--seeds").expect("the recipe names --seeds");
    words[at + 1] = SEEDS.to_owned();
}

#[test]
fn the_kubernetes_indexed_job_runs_each_index_as_its_shard() {
    let job_yaml = block("yaml", "kind: Job");
    let Some(job) = yaml(&job_yaml) else { return };
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    assert!(spec["backoffLimitPerIndex"].as_u64().is_some(), "a failed shard is retried alone");
    let container = &spec["template"]["spec"]["containers"][0];
    // The image's working directory is the Dockerfile's, where models/ and scenarios/ are.
    let dockerfile = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile")).expect("read");
    let workdir_line = format!("WORKDIR {}", container["workingDir"].as_str().expect("workingDir"));
    assert!(dockerfile.lines().any(|l| l == workdir_line), "the Dockerfile has {workdir_line}");
    assert!(dockerfile.contains("ENTRYPOINT [\"faultsim\"]"), "args follow the faultsim entrypoint");

    let tmp = tempfile::tempdir().expect("tempdir");
    let work = workdir(tmp.path());
    let results = tmp.path().join("results");
    let mut args: Vec<String> =
        container["args"].as_array().expect("args").iter().map(|a| a.as_str().expect("string").to_owned()).collect();
    fewer_seeds(&mut args);
    let mount = container["volumeMounts"][0]["mountPath"].as_str().expect("mountPath").to_owned();
    for a in &mut args {
        if *a == mount {
            *a = results.display().to_string();
        }
    }
    let completions = spec["completions"].as_u64().expect("completions");
    for index in 0..completions {
        faultsim(&work, &args, &[("JOB_COMPLETION_INDEX", index.to_string())]);
    }
    assert_eq!(std::fs::read_dir(&results).expect("results").count() as u64, completions, "a shard per index");
    assert_eq!(merged(&work, &results), unsharded(&work, &args[1]));
}

#[test]
fn the_slurm_array_script_runs_each_task_as_its_shard() {
    let script = block("sh", "#SBATCH --array");
    let array = script
        .lines()
        .find_map(|l| l.strip_prefix("#SBATCH --array="))
        .expect("an --array line")
        .split('%')
        .next()
        .unwrap_or_default()
        .to_owned();
    let (range, step) = array.split_once(':').unwrap_or((&array, "1"));
    let (min, max) = range.split_once('-').expect("a range");
    let (min, max, step): (u64, u64, u64) =
        (min.parse().expect("min"), max.parse().expect("max"), step.parse().expect("step"));
    let ids: Vec<u64> = (min..=max).step_by(step as usize).collect();
    let script = with_fewer_seeds(&script);

    let tmp = tempfile::tempdir().expect("tempdir");
    let work = workdir(tmp.path());
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_faultsim"), bin.join("faultsim")).expect("symlink");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    for id in &ids {
        let o = Command::new("bash")
            .args(["-c", &script])
            .current_dir(&work)
            .env("PATH", &path)
            .env("SLURM_ARRAY_TASK_ID", id.to_string())
            .env("SLURM_ARRAY_TASK_MIN", min.to_string())
            .env("SLURM_ARRAY_TASK_MAX", max.to_string())
            .env("SLURM_ARRAY_TASK_STEP", step.to_string())
            .env("SLURM_ARRAY_TASK_COUNT", ids.len().to_string())
            .env("SLURM_CPUS_PER_TASK", "1")
            .output()
            .expect("bash runs");
        assert!(o.status.success(), "task {id}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let results = work.join("results");
    assert_eq!(std::fs::read_dir(&results).expect("results").count(), ids.len(), "a shard per task");
    let scenario = script.split_whitespace().find(|w| w.ends_with(".ron")).expect("a scenario").to_owned();
    assert_eq!(merged(&work, &results), unsharded(&work, &scenario));
}

/// `text` with every `--seeds N` set to [`SEEDS`].
fn with_fewer_seeds(text: &str) -> String {
    let mut words: Vec<String> = text.split(' ').map(str::to_owned).collect();
    let positions: Vec<usize> = words.iter().enumerate().filter(|(_, w)| *w == "--seeds").map(|(i, _)| i).collect();
    for i in positions {
        words[i + 1] = SEEDS.to_owned();
    }
    words.join(" ")
}

#[test]
fn the_github_actions_matrix_runs_each_k_as_its_shard() {
    let Some(workflow) = yaml(&block("yaml", "matrix:")) else { return };
    let shard = &workflow["jobs"]["shard"];
    let ks: Vec<u64> =
        shard["strategy"]["matrix"]["k"].as_array().expect("k").iter().filter_map(|k| k.as_u64()).collect();
    let step = |job: &serde_json::Value, word: &str| {
        job["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .filter_map(|s| s["run"].as_str())
            .find(|r| r.contains(word))
            .expect("a run step")
            .to_owned()
    };
    let run = step(shard, "--shard");
    let merge = step(&workflow["jobs"]["merge"], " merge ");
    let tmp = tempfile::tempdir().expect("tempdir");
    let work = workdir(tmp.path());
    // `cargo run --release --` is the binary under test.
    let words = |line: &str| -> Vec<String> {
        line.trim_start_matches("cargo run --release -- ").split_whitespace().map(str::to_owned).collect()
    };
    for k in &ks {
        let mut args = words(&run.replace("${{ matrix.k }}", &k.to_string()));
        fewer_seeds(&mut args);
        faultsim(&work, &args, &[]);
    }
    // The merge job downloads every shard into `shards/`, where the shard jobs wrote them.
    assert_eq!(std::fs::read_dir(work.join("shards")).expect("shards").count(), ks.len(), "a shard per k");
    let mut merge_args = words(&merge);
    let pattern = merge_args.iter().position(|a| a.contains('*')).expect("a glob of shard files");
    let files: Vec<String> = {
        let mut f: Vec<String> = std::fs::read_dir(work.join("shards"))
            .expect("shards")
            .map(|e| format!("shards/{}", e.expect("entry").file_name().to_string_lossy()))
            .collect();
        f.sort();
        f
    };
    merge_args.splice(pattern..=pattern, files);
    faultsim(&work, &merge_args, &[]);
    let scenario = words(&run).into_iter().find(|w| w.ends_with(".ron")).expect("a scenario");
    let merged_results = std::fs::read_to_string(work.join("results/results.json")).expect("merge --out wrote results");
    assert_eq!(merged_results, unsharded(&work, &scenario));
}
