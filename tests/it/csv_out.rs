//! `run --out` writes `seeds.csv`, a row per seed; Python's csv module (what pandas and
//! spreadsheets agree with) reads it back to the numbers of `results.json`.

use std::process::Command;

use crate::cli::run;

#[test]
fn seeds_csv_reads_back_in_python_as_the_seeds_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let o = run(&["run", "scenarios/zone_outage.ron", "--seeds", "3", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let program = r#"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(json.dumps([[int(r["seed"]), r["fingerprint"], int(r["spread.requests"]), float(r["single.availability"])] for r in rows]))
"#;
    let py = match Command::new("python3").arg("-c").arg(program).arg(out.join("seeds.csv")).output() {
        Ok(p) => p,
        Err(e) => {
            assert!(std::env::var_os("FAULTSIM_REAL_CLIENTS").is_none(), "python3 is missing: {e}");
            return;
        }
    };
    assert!(py.status.success(), "{}", String::from_utf8_lossy(&py.stderr));
    let read: Vec<(u64, String, u64, f64)> = serde_json::from_slice(&py.stdout).expect("python printed JSON");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).expect("results")).expect("json");
    let records = results["data"]["records"].as_array().expect("records");
    assert_eq!(read.len(), records.len());
    for ((seed, fingerprint, requests, availability), r) in read.iter().zip(records) {
        assert_eq!(Some(*seed), r["seed"].as_u64());
        assert_eq!(Some(fingerprint.as_str()), r["fingerprint"].as_str());
        assert_eq!(Some(*requests), r["endpoints"][0]["requests"].as_u64());
        let e = &r["endpoints"][1];
        let served = e["ok"].as_u64().expect("ok") + e["degraded"].as_u64().expect("degraded");
        let finished = served
            + e["failed"].as_object().expect("failures").values().filter_map(serde_json::Value::as_u64).sum::<u64>();
        assert!(
            (availability - served as f64 / finished as f64).abs() < 1e-12,
            "{availability} vs {served}/{finished}"
        );
    }
}
