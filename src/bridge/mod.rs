//! Bridges to the tools users already run: a scenario's fault schedule written out as a
//! Chaos Mesh workflow or a Chaos Toolkit experiment, so a finding made in simulation can
//! be tried on the real system.
//!
//! faultsim's faults are richer than any one chaos tool's actions, so every export says what
//! it could not carry over ([`Notes::not_exported`]) and where the real action only
//! approximates the simulated one ([`Notes::approximations`]); nothing is dropped silently.

pub mod chaos_mesh;
pub mod chaostoolkit;
pub mod from_chaostoolkit;
pub mod from_traces;
pub mod otlp;

use crate::units::Duration;

/// Where the exported experiment runs: names that only the user's cluster knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// Kubernetes namespace of the services (and of the chaos objects).
    pub namespace: String,
    /// Pod label whose value is the faultsim component name (`app: checkout`).
    pub label_key: String,
    /// Port that HTTP faults (injected errors) act on.
    pub http_port: u16,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster { namespace: "default".into(), label_key: "app".into(), http_port: 80 }
    }
}

/// What an export could not carry over, and where it only approximates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notes {
    /// Faults (and hypotheses) with no counterpart, each as "`name`: why".
    pub not_exported: Vec<String>,
    /// Faults exported as something close but not the same, each as "`name`: how".
    pub approximations: Vec<String>,
}

impl Notes {
    /// The notes as comment lines (`# …`), for YAML headers; empty when there is nothing.
    pub fn comment_lines(&self) -> String {
        let mut out = String::new();
        for (title, items) in [("Not exported", &self.not_exported), ("Approximations", &self.approximations)] {
            if items.is_empty() {
                continue;
            }
            out.push_str(&format!("# {title}:\n"));
            for item in items {
                out.push_str(&format!("#   - {item}\n"));
            }
        }
        out
    }
}

/// A duration as Go writes it (`1h30m`, `90s`, `250ms`), the form Chaos Mesh and Kubernetes
/// parse. Go has no day unit, so days are written as hours.
pub fn go_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        return "0s".into();
    }
    if ns % 1_000_000_000 != 0 {
        for (unit, per) in [("ms", 1_000_000u64), ("us", 1_000), ("ns", 1)] {
            if ns % per == 0 {
                return format!("{}{unit}", ns / per);
            }
        }
    }
    let mut secs = ns / 1_000_000_000;
    let mut out = String::new();
    for (unit, per) in [("h", 3_600u64), ("m", 60)] {
        if secs >= per {
            out.push_str(&format!("{}{unit}", secs / per));
            secs %= per;
        }
    }
    if secs > 0 {
        out.push_str(&format!("{secs}s"));
    }
    out
}

/// A Kubernetes object name (DNS-1123 label: lowercase letters, digits and `-`, at most 63
/// characters, starting and ending with a letter or digit) made from free text.
pub fn k8s_name(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.truncate(63);
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("faultsim");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_are_exact() {
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_secs(86_400)), "24h");
        assert_eq!(go_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(go_duration(Duration::from_nanos(1_500)), "1500ns");
        assert_eq!(go_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn names_are_dns_labels() {
        assert_eq!(k8s_name("Zone eu-west-1a lost!"), "zone-eu-west-1a-lost");
        assert_eq!(k8s_name("---"), "faultsim");
        assert!(k8s_name(&"x".repeat(100)).len() <= 63);
    }
}
