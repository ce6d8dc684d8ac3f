//! Plots and pages of the studies.
use crate::study::cascade::Cascade;
use crate::study::fmea::Fmea;
use crate::topology::Topology;

/// Files an `fmea --out DIR` writes.
pub fn fmea_files(_f: &Fmea, json: &str) -> Vec<(String, String)> {
    vec![("fmea.json".to_owned(), json.to_owned())]
}

/// Files a `cascade --out DIR` writes.
pub fn cascade_files(_c: &Cascade, _t: &Topology, json: &str) -> Vec<(String, String)> {
    vec![("cascade.json".to_owned(), json.to_owned())]
}
