//! Validated distributions: the parameters a sampler needs, fitted from what users wrote.
//!
//! A [`spec::Dist`] says "median 20ms, p99 120ms"; a [`Dist`] holds the
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

/// Sampling: draws from a [`Dist`] with a stream from [`crate::rng`].
///
/// Every family is expressed through a standard variate (unit exponential, standard normal,
/// uniform integer), so a draw needs no constructor that could fail, allocates nothing, and costs
/// a few nanoseconds. Fixed values and log-normals with σ = 0 draw nothing from the stream.
impl Dist {
    /// The largest value [`Dist::sample`] returns, in ns (about 146 years): a quarter of `u64::MAX`,
    /// so that adding a few samples to a simulated time can never overflow.
    pub const SAMPLE_MAX_NS: u64 = u64::MAX / 4;

    /// One draw in integer nanoseconds: rounded to nearest and clamped to
    /// `[0, Dist::SAMPLE_MAX_NS]`.
    ///
    /// Exp(mean) is `mean·E`, log-normal is `exp(μ + σ·Z)`, Weibull is `λ·E^(1/k)` with `E` unit
    /// exponential and `Z` standard normal; uniform is an integer on `[min, max]`, both inclusive.
    #[inline]
    pub fn sample(&self, rng: &mut crate::rng::Rng) -> u64 {
        match *self {
            Dist::Fixed(v) => v.min(Self::SAMPLE_MAX_NS),
            Dist::Uniform { min, max } => Self::sample_uniform(min, max, rng).min(Self::SAMPLE_MAX_NS),
            Dist::Exp { .. } | Dist::LogNormal { .. } | Dist::Weibull { .. } => {
                // `as` saturates: NaN and negatives become 0, +∞ becomes u64::MAX, then clamped.
                round_ns(self.sample_f64(rng)).min(Self::SAMPLE_MAX_NS)
            }
        }
    }

    /// One draw in nanoseconds as `f64`, before rounding and clamping. Consumes the stream exactly
    /// as [`Dist::sample`] does, so `sample` is this value rounded and clamped (uniform draws are
    /// integers either way).
    #[inline]
    pub fn sample_f64(&self, rng: &mut crate::rng::Rng) -> f64 {
        use rand_distr::Distribution as _;
        match *self {
            Dist::Fixed(v) => v as f64,
            Dist::Exp { mean } => {
                let e: f64 = rand_distr::Exp1.sample(rng);
                mean * e
            }
            Dist::LogNormal { mu, sigma } => {
                if sigma == 0.0 {
                    return mu.exp();
                }
                let z: f64 = rand_distr::StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Dist::Uniform { min, max } => Self::sample_uniform(min, max, rng) as f64,
            Dist::Weibull { shape, scale } => {
                let e: f64 = rand_distr::Exp1.sample(rng);
                scale * e.powf(1.0 / shape)
            }
        }
    }

    /// An integer uniform on `[min, max]`; validation guarantees `min ≤ max`.
    #[inline]
    fn sample_uniform(min: u64, max: u64, rng: &mut crate::rng::Rng) -> u64 {
        use rand::RngExt as _;
        assert!(min <= max, "uniform distribution with min {min} > max {max} passed validation");
        rng.random_range(min..=max)
    }
}

/// `x.round() as u64` — nearest integer, halves away from zero, saturating, NaN to 0 — without
/// the call to `round` that targets lacking SSE4.1 make for every draw: the integer part is
/// the truncating conversion (one instruction) and the fraction left over is exact.
#[inline]
pub fn round_ns(x: f64) -> u64 {
    let whole = x as u64;
    if x - whole as f64 >= 0.5 {
        whole.saturating_add(1)
    } else {
        whole
    }
}

#[cfg(test)]
mod round_tests {
    use super::round_ns;

    #[test]
    fn rounds_exactly_as_round_then_cast() {
        let edges = [
            0.0,
            -0.0,
            0.5,
            0.49999999999999994,
            1.5,
            2.5,
            -0.4,
            -0.6,
            -3.5,
            4503599627370495.5,
            4503599627370496.0,
            9007199254740993.0,
            1.8446744073709552e19,
            1e30,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
        ];
        for x in edges {
            assert_eq!(round_ns(x), x.round() as u64, "{x:?}");
        }
        // And a sweep over magnitudes, with fractions near one half.
        let mut x = 1e-3;
        while x < 1e21 {
            for d in [-1e-9, 0.0, 1e-9, 0.25, 0.5, 0.75] {
                let y = x + d;
                assert_eq!(round_ns(y), y.round() as u64, "{y:?}");
                let h = y.floor() + 0.5;
                assert_eq!(round_ns(h), h.round() as u64, "{h:?}");
            }
            x *= 1.37;
        }
    }
}

#[cfg(test)]
mod sample_tests {
    use super::*;
    use crate::rng::{stream, Purpose, Rng};

    const DRAWS: usize = 200_000;

    /// The families under test, with their standard deviation in ns.
    fn families() -> Vec<(Dist, f64)> {
        let lognormal = Dist::from_spec(&spec::Dist::LogNormal {
            median: Duration::from_millis(20),
            p99: Duration::from_millis(120),
        });
        let Dist::LogNormal { sigma, .. } = lognormal else { panic!("expected a log-normal") };
        let lognormal_sd = lognormal.mean_ns() * (sigma * sigma).exp_m1().sqrt();
        let weibull_sd =
            |shape: f64, scale: f64| scale * (gamma(1.0 + 2.0 / shape) - gamma(1.0 + 1.0 / shape).powi(2)).sqrt();
        // A discrete uniform on n = max − min + 1 values has variance (n² − 1) / 12.
        let uniform_sd = |min: u64, max: u64| {
            let n = (max - min + 1) as f64;
            ((n * n - 1.0) / 12.0).sqrt()
        };
        vec![
            (Dist::Fixed(1_234_567), 0.0),
            (Dist::Exp { mean: 5e6 }, 5e6),
            (lognormal, lognormal_sd),
            (Dist::LogNormal { mu: 10.0, sigma: 0.0 }, 0.0),
            (Dist::Uniform { min: 1_000, max: 9_000_000 }, uniform_sd(1_000, 9_000_000)),
            (Dist::Uniform { min: 3, max: 7 }, uniform_sd(3, 7)),
            (Dist::Weibull { shape: 0.7, scale: 1e9 }, weibull_sd(0.7, 1e9)),
            (Dist::Weibull { shape: 2.5, scale: 1e9 }, weibull_sd(2.5, 1e9)),
        ]
    }

    fn draws(d: &Dist, rng: &mut Rng) -> Vec<u64> {
        (0..DRAWS).map(|_| d.sample(rng)).collect()
    }

    #[test]
    fn sample_means_are_within_four_standard_errors() {
        for seed in [1u64, 2, 3] {
            for (d, sd) in families() {
                let mut rng = stream(seed, "test:dist", Purpose::ServiceTime);
                let xs = draws(&d, &mut rng);
                let mean = xs.iter().map(|&x| x as f64).sum::<f64>() / DRAWS as f64;
                // Rounding to integer ns adds at most 0.5 ns of bias.
                let tolerance = 4.0 * sd / (DRAWS as f64).sqrt() + 0.5;
                assert!(
                    (mean - d.mean_ns()).abs() <= tolerance,
                    "seed {seed}, {d:?}: sample mean {mean}, expected {} ± {tolerance}",
                    d.mean_ns()
                );
            }
        }
    }

    #[test]
    fn uniform_stays_within_its_inclusive_bounds_and_reaches_both() {
        let d = Dist::Uniform { min: 3, max: 7 };
        let mut rng = stream(9, "test:dist", Purpose::ServiceTime);
        let xs = draws(&d, &mut rng);
        assert!(xs.iter().all(|&x| (3..=7).contains(&x)));
        assert_eq!(xs.iter().min(), Some(&3));
        assert_eq!(xs.iter().max(), Some(&7));
    }

    #[test]
    fn fitted_lognormal_reproduces_median_and_p99() {
        let d = Dist::from_spec(&spec::Dist::LogNormal {
            median: Duration::from_millis(20),
            p99: Duration::from_millis(120),
        });
        for seed in [1u64, 2, 3] {
            let mut rng = stream(seed, "test:dist", Purpose::ServiceTime);
            let mut xs = draws(&d, &mut rng);
            xs.sort_unstable();
            let median = xs[DRAWS / 2] as f64;
            let p99 = xs[DRAWS * 99 / 100] as f64;
            assert!((median / 20e6 - 1.0).abs() < 0.02, "seed {seed}: median {median}");
            assert!((p99 / 120e6 - 1.0).abs() < 0.02, "seed {seed}: p99 {p99}");
        }
    }

    #[test]
    fn same_stream_gives_same_samples() {
        for (d, _) in families() {
            let a = draws(&d, &mut stream(5, "test:dist", Purpose::ServiceTime));
            let b = draws(&d, &mut stream(5, "test:dist", Purpose::ServiceTime));
            assert_eq!(a, b, "{d:?}");
        }
    }

    #[test]
    fn sample_is_sample_f64_rounded() {
        for (d, _) in families() {
            let mut r1 = stream(11, "test:dist", Purpose::ServiceTime);
            let mut r2 = r1.clone();
            for _ in 0..1_000 {
                let x = d.sample(&mut r1);
                let y = d.sample_f64(&mut r2);
                assert_eq!(x, y.round() as u64, "{d:?}");
            }
        }
    }

    #[test]
    fn samples_are_clamped_never_overflow() {
        let huge = [
            Dist::Fixed(u64::MAX),
            Dist::Exp { mean: 1e30 },
            Dist::LogNormal { mu: 1e3, sigma: 0.0 },
            Dist::Uniform { min: u64::MAX - 1, max: u64::MAX },
            Dist::Weibull { shape: 0.01, scale: 1e18 },
        ];
        let mut rng = stream(1, "test:dist", Purpose::ServiceTime);
        for d in huge {
            for _ in 0..100 {
                assert!(d.sample(&mut rng) <= Dist::SAMPLE_MAX_NS, "{d:?}");
            }
        }
        let degenerate = [Dist::Exp { mean: -1.0 }, Dist::Exp { mean: f64::NAN }];
        for d in degenerate {
            assert_eq!(d.sample(&mut rng), 0, "{d:?}");
        }
    }
}
