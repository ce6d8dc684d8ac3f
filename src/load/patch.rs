//! Loading a scenario with a what-if patch on top (`faultsim whatif`): the scenario, its
//! topology and the patch are read and parsed, the patch is applied to the specs, and the
//! result is validated like any loaded file. A problem in the patch itself (a syntax error,
//! an unknown field, a name that matches nothing) points into the patch file; so does a
//! problem with a value the patch set (say, an `error_rate` of 1.5). Any other problem the
//! patched model has (say, more `min_healthy` than instances the patch set) points at the
//! original file's entry and says which patch caused it.

use std::path::Path as FsPath;
use std::sync::Arc;

use super::{display, parse_ron, problems, read_text, sha256};
use crate::diagnostic::Diagnostic;
use crate::patch::{apply, origins, patch_path, Patch};
use crate::scenario::Scenario;
use crate::spec;
use crate::topology::Topology;

/// Reads and parses a patch file alone.
pub fn load_patch(path: &FsPath) -> Result<Patch, Vec<Diagnostic>> {
    let name = display(path);
    let text = read_text(path, &name).map_err(|d| vec![*d])?;
    parse_ron::<Patch>(&name, &text).map_err(|d| vec![*d])
}

/// Loads `scenario` with `patch` applied to it and its topology; returns the patched scenario
/// and the patch.
pub fn load_patched(scenario: &FsPath, patch: &FsPath) -> Result<(Scenario, Patch), Vec<Diagnostic>> {
    load_patched_spec(scenario, patch).map(|(s, p, _)| (s, p))
}

/// A scenario, with the patch `variant` laid over it and its topology when one is given
/// (the `--variant` of every command).
pub fn load_scenario_with(scenario: &FsPath, variant: Option<&FsPath>) -> Result<Scenario, Vec<Diagnostic>> {
    match variant {
        Some(v) => load_patched(scenario, v).map(|(s, _)| s),
        None => super::load_scenario(scenario),
    }
}

/// [`load_patched`], with the patched scenario spec as well (what the fault-space search
/// rewrites schedules into).
pub fn load_patched_spec(
    scenario: &FsPath,
    patch: &FsPath,
) -> Result<(Scenario, Patch, spec::Scenario), Vec<Diagnostic>> {
    let patch_name = display(patch);
    let patch_text = read_text(patch, &patch_name).map_err(|d| vec![*d])?;
    let p: Patch = parse_ron(&patch_name, &patch_text).map_err(|d| vec![*d])?;
    let name = display(scenario);
    let text = read_text(scenario, &name).map_err(|d| vec![*d])?;
    let s: spec::Scenario = parse_ron(&name, &text).map_err(|d| vec![*d])?;
    let base = scenario.parent().map(FsPath::to_path_buf).unwrap_or_default();
    let topo_path = base.join(&s.topology);
    let topo_name = display(&topo_path);
    let topo_text = read_text(&topo_path, &topo_name).map_err(|d| vec![*d])?;
    let t: spec::Topology = parse_ron(&topo_name, &topo_text).map_err(|d| vec![*d])?;
    let (from_patch_t, from_patch_s) = origins(&p, &t, &s);
    let (t, s) = apply(&p, &t, &s).map_err(|ps| problems(&patch_name, &patch_text, ps))?;
    // A problem with a value the patch set points at the patch file's line, not the
    // original file's (whose value was replaced); any other at the original file.
    let place = |origins: &[crate::patch::Origin], file: &str, text: &Arc<str>, ps: Vec<crate::problem::Problem>| {
        let (mut ours, theirs): (Vec<_>, Vec<_>) = ps.into_iter().partition(|x| patch_path(origins, &x.path).is_some());
        for x in &mut ours {
            if let Some(at) = patch_path(origins, &x.path) {
                x.path = at;
            }
        }
        let mut ds = problems(file, text, theirs);
        ds.extend(problems(&patch_name, &patch_text, ours));
        ds
    };
    let after = |mut ds: Vec<Diagnostic>| {
        for d in &mut ds {
            d.message = format!("after applying the patch `{}` ({patch_name}): {}", p.name, d.message);
        }
        ds
    };
    let topology = Topology::from_spec(&t).map_err(|ps| after(place(&from_patch_t, &topo_name, &topo_text, ps)))?;
    let traces = std::cell::RefCell::new(Vec::new());
    let read_trace = |file: &str| -> Result<String, String> {
        let path = base.join(file);
        let t = read_text(&path, &display(&path)).map(|t| t.to_string()).map_err(|d| d.message)?;
        traces.borrow_mut().push(sha256(&t));
        Ok(t)
    };
    let mut out = Scenario::from_spec(&s, Arc::new(topology), &read_trace)
        .map_err(|ps| after(place(&from_patch_s, &name, &text, ps)))?;
    out.inputs = crate::scenario::Inputs {
        scenario: sha256(&format!("{text}{patch_text}")),
        topology: sha256(&topo_text),
        traces: traces.into_inner(),
    };
    out.name = format!("{} + {}", out.name, p.name);
    Ok((out, p, s))
}
