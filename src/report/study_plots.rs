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

/// Files a `metastability --out DIR` writes.
pub fn metastability_files(_m: &crate::study::metastability::Map, json: &str) -> Vec<(String, String)> {
    vec![("metastability.json".to_owned(), json.to_owned())]
}

/// Files a `whatif --out DIR` writes.
pub fn whatif_files(_w: &crate::study::whatif::WhatIf, json: &str) -> Vec<(String, String)> {
    vec![("whatif.json".to_owned(), json.to_owned())]
}
