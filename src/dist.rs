//! Validated distributions: the parameters a sampler needs, fitted from what users wrote.
//!
//! A [`spec::Dist`](crate::spec::Dist) says "median 20ms, p99 120ms"; a [`Dist`] holds the
//! log-normal's μ and σ. Failure and repair times are [`Lifetime`]s: a mean plus a family.
//! Values are in nanoseconds as `f64` here because they are distribution *parameters*;
//! sampled times are rounded to integer nanoseconds by the engine.

use crate::spec;
use crate::units::Duration;

/// z such that Φ(z) = 0.99, for fitting a log-normal through a median and a p99.
pub const Z_99: f64 = 2.326_347_874_040_841;

/// A distribution of durations, ready to sample. Parameters are in nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always this many nanoseconds.
    Fixed(u64),
    /// Exponential with this mean (ns).
    Exp {
        /// Mean in ns.
        mean: f64,
    },
    /// Log-normal: ln(X) ~ N(mu, sigma²), X in ns.
    LogNormal {
        /// Mean of ln(X).
        mu: f64,
        /// Standard deviation of ln(X), ≥ 0.
        sigma: f64,
    },
    /// Uniform on [min, max] ns.
    Uniform {
        /// Lower bound (ns).
        min: u64,
        /// Upper bound (ns).
        max: u64,
    },
    /// Weibull with shape k and scale λ (ns).
    Weibull {
        /// Shape k > 0.
        shape: f64,
        /// Scale λ in ns.
        scale: f64,
    },
}

impl Dist {
    /// Fits a validated distribution. Callers must have checked the spec's ranges first
    /// (see `topology::build`); this only computes.
    pub fn from_spec(d: &spec::Dist) -> Dist {
        match d {
            spec::Dist::Fixed(v) => Dist::Fixed(v.as_nanos()),
            spec::Dist::Exp { mean } => Dist::Exp { mean: mean.as_nanos() as f64 },
            spec::Dist::LogNormal { median, p99 } => {
                let mu = (median.as_nanos() as f64).ln();
                let sigma = ((p99.as_nanos() as f64).ln() - mu) / Z_99;
                Dist::LogNormal { mu, sigma: sigma.max(0.0) }
            }
            spec::Dist::Uniform { min, max } => Dist::Uniform { min: min.as_nanos(), max: max.as_nanos() },
            spec::Dist::Weibull { shape, mean } => {
                Dist::Weibull { shape: *shape, scale: mean.as_nanos() as f64 / gamma(1.0 + 1.0 / shape) }
            }
        }
    }

    /// The mean in nanoseconds.
    pub fn mean_ns(&self) -> f64 {
        match *self {
            Dist::Fixed(v) => v as f64,
            Dist::Exp { mean } => mean,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Uniform { min, max } => (min as f64 + max as f64) / 2.0,
            Dist::Weibull { shape, scale } => scale * gamma(1.0 + 1.0 / shape),
        }
    }

    /// The mean as a [`Duration`] (rounded to the nanosecond).
    pub fn mean(&self) -> Duration {
        Duration::from_nanos(self.mean_ns().round().max(0.0) as u64)
    }
}

/// The family of a failure or repair time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Family {
    /// Exponential.
    Exponential,
    /// Weibull with shape k.
    Weibull(f64),
    /// Log-normal with log-space σ.
    LogNormal(f64),
    /// Always the mean.
    Fixed,
}

/// A failure or repair time: a mean and a family.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lifetime {
    /// Mean.
    pub mean: Duration,
    /// Family.
    pub family: Family,
}

impl Lifetime {
    /// The distribution with this mean and family.
    pub fn dist(&self) -> Dist {
        let mean = self.mean.as_nanos() as f64;
        match self.family {
            Family::Exponential => Dist::Exp { mean },
            Family::Fixed => Dist::Fixed(self.mean.as_nanos()),
            Family::Weibull(k) => Dist::Weibull { shape: k, scale: mean / gamma(1.0 + 1.0 / k) },
            // E[X] = exp(mu + sigma²/2), so mu = ln(mean) − sigma²/2.
            Family::LogNormal(sigma) => Dist::LogNormal { mu: mean.ln() - sigma * sigma / 2.0, sigma },
        }
    }
}

/// Failure behaviour of a component: up times and down times.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FailureModel {
    /// Time to failure (mean = MTBF).
    pub ttf: Lifetime,
    /// Time to repair (mean = MTTR).
    pub ttr: Lifetime,
}

impl FailureModel {
    /// Builds from a spec whose ranges were checked.
    pub fn from_spec(f: &spec::Failure) -> FailureModel {
        FailureModel {
            ttf: Lifetime { mean: f.mtbf, family: family(&f.ttf) },
            ttr: Lifetime { mean: f.mttr, family: family(&f.ttr) },
        }
    }

    /// Steady-state availability `MTBF / (MTBF + MTTR)`.
    pub fn availability(&self) -> f64 {
        let up = self.ttf.mean.as_nanos() as f64;
        let down = self.ttr.mean.as_nanos() as f64;
        if up + down == 0.0 {
            return 1.0;
        }
        up / (up + down)
    }
}

fn family(l: &spec::Lifetime) -> Family {
    match *l {
        spec::Lifetime::Exponential => Family::Exponential,
        spec::Lifetime::Weibull { shape } => Family::Weibull(shape),
        spec::Lifetime::LogNormal { sigma } => Family::LogNormal(sigma),
        spec::Lifetime::Fixed => Family::Fixed,
    }
}

/// The gamma function (statrs), named here so every caller uses one implementation.
pub fn gamma(x: f64) -> f64 {
    statrs::function::gamma::gamma(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lognormal_fit_passes_through_median_and_p99() {
        let d = Dist::from_spec(&spec::Dist::LogNormal {
            median: Duration::from_millis(20),
            p99: Duration::from_millis(120),
        });
        let Dist::LogNormal { mu, sigma } = d else { panic!("expected a log-normal") };
        assert!((mu.exp() - 20e6).abs() < 1.0);
        assert!(((mu + Z_99 * sigma).exp() - 120e6).abs() < 10.0);
    }

    #[test]
    fn lifetimes_keep_their_mean() {
        for family in
            [Family::Exponential, Family::Weibull(0.7), Family::Weibull(2.5), Family::LogNormal(1.2), Family::Fixed]
        {
            let l = Lifetime { mean: Duration::from_secs(3600), family };
            let rel = (l.dist().mean_ns() - 3.6e12).abs() / 3.6e12;
            assert!(rel < 1e-9, "{family:?}: mean off by {rel}");
        }
    }
}
