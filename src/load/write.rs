//! Spec values back to RON text, for files faultsim writes for people to read and paste
//! (the shrunk fault schedules of a fault-space search). The inverse of parsing: whatever
//! this writes, the loader reads back to the same value (tested).

use crate::spec;

/// One fault as a `FaultWindow(...)` on a single line, with only the fields that matter.
pub fn fault_window_ron(f: &spec::FaultWindow) -> String {
    let fault = ron::Options::default().to_string(&f.fault).unwrap_or_else(|e| format!("/* cannot write: {e} */"));
    let mut s = String::from("FaultWindow(");
    if let Some(name) = &f.name {
        s.push_str(&format!("name: {name:?}, "));
    }
    s.push_str(&format!("start: \"{}\", ", f.start));
    if let Some(d) = f.duration {
        s.push_str(&format!("duration: \"{d}\", "));
    }
    s.push_str(&format!("fault: {fault})"));
    s
}

/// A list of faults as RON, one per line: `[\n    FaultWindow(...),\n]`.
pub fn fault_windows_ron(faults: &[spec::FaultWindow]) -> String {
    if faults.is_empty() {
        return "[]".to_owned();
    }
    let mut s = String::from("[\n");
    for f in faults {
        s.push_str(&format!("    {},\n", fault_window_ron(f)));
    }
    s.push(']');
    s
}

/// Parses a scenario file's text into its spec without validating it against a topology,
/// for tools that rewrite scenarios (the text must already have loaded).
pub fn scenario_spec(
    name: &str,
    text: &std::sync::Arc<str>,
) -> Result<spec::Scenario, Box<crate::diagnostic::Diagnostic>> {
    super::parse_ron(name, text)
}

/// Any spec value as one line of RON (a workload, a hypothesis), for generated files.
pub fn ron_line<T: serde::Serialize>(v: &T) -> String {
    let line = ron::ser::PrettyConfig::new().struct_names(true).new_line(String::new()).indentor(String::new());
    ron::Options::default().to_string_pretty(v, line).unwrap_or_else(|e| format!("/* cannot write: {e} */"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Duration;

    #[test]
    fn written_faults_read_back_to_the_same_value() {
        let faults = vec![
            spec::FaultWindow {
                name: None,
                start: Duration::from_secs(90),
                duration: Some(Duration::from_secs(12)),
                fault: spec::Fault::Crash(spec::Target::Instance("web".into(), 1)),
            },
            spec::FaultWindow {
                name: Some("slow \"db\"".into()),
                start: Duration::from_millis(1500),
                duration: None,
                fault: spec::Fault::Latency {
                    target: spec::Target::Link("a".into(), "b".into()),
                    add: spec::Dist::Fixed(Duration::from_millis(300)),
                },
            },
            spec::FaultWindow {
                name: None,
                start: Duration::ZERO,
                duration: Some(Duration::from_secs(1)),
                fault: spec::Fault::Errors { target: spec::Target::Service("x".into()), probability: 0.15 },
            },
        ];
        let text: std::sync::Arc<str> = fault_windows_ron(&faults).into();
        let back: Vec<spec::FaultWindow> = super::super::parse_ron("t", &text).expect("parses");
        assert_eq!(back, faults, "{text}");
    }
}
