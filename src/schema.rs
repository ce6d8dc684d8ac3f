//! The JSON contract. Every JSON document faultsim writes is an object whose first two keys
//! are `schema_version` (an integer, bumped on an incompatible change of that kind) and
//! `kind` (which document it is); `replay -o FILE` writes JSON Lines whose first line is such
//! a header. Each kind has a JSON Schema (draft 2020-12) generated from the serde types by
//! schemars, which `faultsim schema KIND` prints, so that a consumer can validate what it
//! reads and tell one document from another.
//!
//! Units follow one convention: every quantity is a JSON number, never a string with a unit,
//! and its field name ends in its unit — `_ns` for every duration and instant the simulation
//! measures or was configured with (integers), `_ms` or `_s` only for statistics derived
//! over seeds (`mean_ms_per_seed`, `rto_s`), `_us` for the connection·µs integrals of pools.
//! Counts and fractions (0 to 1) have no suffix. A floating-point number is null where it is
//! undefined (a statistic of no data): JSON has no NaN.

use serde::Serialize;

/// Which document a JSON output is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `run --seed N --format json`: one run's measurements.
    RunSeed,
    /// `run --format json`, `results.json` and shard files: many seeds' results.
    Run,
    /// `availability --format json`, its `results.json` and shards.
    Availability,
    /// `check --format json`: verdicts, error budgets and the fault-space search.
    Check,
    /// `fmea --format json`.
    Fmea,
    /// `cascade --format json`.
    Cascade,
    /// `whatif --format json`.
    Whatif,
    /// `metastability --format json`.
    Metastability,
    /// `analyze --format json`.
    Analysis,
    /// `validate --format json`.
    Validation,
    /// `replay -o FILE`: a header line, then one line per event.
    Events,
}

impl Kind {
    /// Every kind, in the order `faultsim schema` lists them.
    pub const ALL: [Kind; 11] = [
        Kind::RunSeed,
        Kind::Run,
        Kind::Availability,
        Kind::Check,
        Kind::Fmea,
        Kind::Cascade,
        Kind::Whatif,
        Kind::Metastability,
        Kind::Analysis,
        Kind::Validation,
        Kind::Events,
    ];

    /// The `kind` value.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::RunSeed => "run-seed",
            Kind::Run => "run",
            Kind::Availability => "availability",
            Kind::Check => "check",
            Kind::Fmea => "fmea",
            Kind::Cascade => "cascade",
            Kind::Whatif => "whatif",
            Kind::Metastability => "metastability",
            Kind::Analysis => "analysis",
            Kind::Validation => "validation",
            Kind::Events => "events",
        }
    }

    /// The current `schema_version` of this kind. Run documents are at 2: version 1 had no
    /// `kind`, gave the one-seed and many-seed documents the same version, and wrote SLO
    /// durations as strings.
    pub const fn version(self) -> u32 {
        match self {
            Kind::RunSeed | Kind::Run => 2,
            _ => 1,
        }
    }

    /// The kind named `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// What the document holds, for `faultsim schema` and the schema's description.
    pub const fn about(self) -> &'static str {
        match self {
            Kind::RunSeed => "one run's measurements (`run --seed N --format json`)",
            Kind::Run => "many seeds' results (`run --format json`, results.json, shard files)",
            Kind::Availability => "time-based availability (`availability --format json`, its results.json and shards)",
            Kind::Check => "verdicts, error budgets and the fault-space search (`check --format json`)",
            Kind::Fmea => "failure modes ranked by effect (`fmea --format json`)",
            Kind::Cascade => "what each initiating failure takes down (`cascade --format json`)",
            Kind::Whatif => "paired effects of design changes (`whatif --format json`)",
            Kind::Metastability => "recovery over load × trigger (`metastability --format json`)",
            Kind::Analysis => "static analysis of a topology (`analyze --format json`)",
            Kind::Validation => "every diagnostic of every input file (`validate --format json`)",
            Kind::Events => "one line of `replay -o FILE` (JSON Lines): the header, or an event",
        }
    }

    /// This kind's JSON Schema, with `schema_version` and `kind` fixed to this kind's values.
    pub fn schema(self) -> serde_json::Value {
        // Schemas of what faultsim writes (not of what it would read): a field skipped when
        // empty is optional, an `Option` without a skip is present and may be null.
        fn of<T: schemars::JsonSchema>() -> serde_json::Value {
            let generator = schemars::generate::SchemaSettings::draft2020_12().for_serialize().into_generator();
            let mut v = generator.into_root_schema_for::<T>().to_value();
            nullable_numbers(&mut v);
            v
        }
        let mut schema = match self {
            Kind::RunSeed => of::<crate::report::summary::RunReport<'static>>(),
            Kind::Run => of::<crate::montecarlo::summary::Results>(),
            Kind::Availability => of::<crate::availability::summary::Results>(),
            Kind::Check => of::<crate::report::documents::CheckReport>(),
            Kind::Fmea => of::<crate::study::fmea::Fmea>(),
            Kind::Cascade => of::<crate::study::cascade::Cascade>(),
            Kind::Whatif => of::<crate::study::whatif::WhatIf>(),
            Kind::Metastability => of::<crate::study::metastability::Map>(),
            Kind::Analysis => of::<crate::analysis::Analysis>(),
            Kind::Validation => of::<crate::report::documents::Validation>(),
            Kind::Events => of::<crate::report::documents::EventLine<'static>>(),
        };
        let header = |schema: &mut serde_json::Value| {
            if let Some(props) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
                props.insert(
                    "schema_version".into(),
                    serde_json::json!({ "description": "Layout version of this kind.", "const": self.version() }),
                );
                props.insert(
                    "kind".into(),
                    serde_json::json!({ "description": "Which document this is.", "const": self.name() }),
                );
            }
            if let Some(required) = schema.get_mut("required").and_then(|r| r.as_array_mut()) {
                required.insert(0, "kind".into());
                required.insert(0, "schema_version".into());
            }
        };
        if self == Kind::Events {
            // A trace line is the header or an event: the header alone carries the version.
            let mut line = schema;
            let defs = line.as_object_mut().and_then(|o| o.remove("$defs"));
            let mut head = serde_json::json!({
                "type": "object",
                "properties": {
                    "scenario": { "type": "string" },
                    "seed": { "type": "integer", "minimum": 0 }
                },
                "required": ["scenario", "seed"]
            });
            header(&mut head);
            if let Some(o) = line.as_object_mut() {
                o.remove("$schema");
                o.remove("title");
            }
            schema = serde_json::json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "title": "EventsLine",
                "oneOf": [head, line],
                "$defs": defs.unwrap_or_else(|| serde_json::json!({})),
            });
        } else {
            header(&mut schema);
        }
        if let Some(o) = schema.as_object_mut() {
            o.insert(
                "description".into(),
                format!("faultsim `{}` document, schema version {}: {}.", self.name(), self.version(), self.about())
                    .into(),
            );
        }
        schema
    }
}

/// Lets every floating-point number be null: JSON has no NaN, and serde_json writes a
/// non-finite number (a statistic of no data, e.g. the p99 of zero requests) as null.
fn nullable_numbers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            let is_float = map.get("format").and_then(|f| f.as_str()).is_some_and(|f| f == "double" || f == "float");
            if is_float {
                if let Some(t) = map.get_mut("type") {
                    if t.as_str() == Some("number") {
                        *t = serde_json::json!(["number", "null"]);
                    }
                }
            }
            for x in map.values_mut() {
                nullable_numbers(x);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(nullable_numbers),
        _ => {}
    }
}

/// A document as written: `schema_version` and `kind`, then the body's own fields.
#[derive(Debug, Serialize)]
pub struct Document<'a, T: Serialize> {
    /// Layout version of this kind.
    pub schema_version: u32,
    /// Which document this is.
    pub kind: &'static str,
    /// The body.
    #[serde(flatten)]
    pub body: &'a T,
}

/// `body` as a document of `kind`.
pub fn document<T: Serialize>(kind: Kind, body: &T) -> Document<'_, T> {
    Document { schema_version: kind.version(), kind: kind.name(), body }
}

/// The first line of a `replay -o FILE` file.
#[derive(Debug, Serialize)]
pub struct EventsHeader<'a> {
    /// The scenario's name.
    pub scenario: &'a str,
    /// The seed replayed.
    pub seed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_schema_that_fixes_its_header() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_name(k.name()), Some(k));
            let s = k.schema();
            let text = s.to_string();
            assert!(text.contains(&format!("\"const\":\"{}\"", k.name())), "{}: {text:.200}", k.name());
            assert!(text.contains(&format!("\"const\":{}", k.version())), "{}", k.name());
        }
    }

    #[test]
    fn a_document_starts_with_version_and_kind() {
        #[derive(Serialize)]
        struct Body {
            x: u32,
        }
        let text = serde_json::to_string(&document(Kind::Fmea, &Body { x: 1 })).expect("json");
        assert_eq!(text, r#"{"schema_version":1,"kind":"fmea","x":1}"#);
    }
}
