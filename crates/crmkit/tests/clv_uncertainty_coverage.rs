//! Coverage of the per-customer intervals (`crmkit::clv::uncertainty`), checked by simulation.
//!
//! Each replication simulates a population from known parameters (seeded), fits the models,
//! and computes 90 % delta-method intervals for a few fixed probe customers (x, t_x, T, z̄). The
//! target of each interval is the prediction at the TRUE parameters for that probe customer
//! (the intervals describe parameter uncertainty only). Over R replications the share of
//! intervals that contain their target must be within a tolerance of 0.90: with R = 200 the
//! binomial standard error is √(0.9 · 0.1 / 200) = 0.021, and the tolerance 0.07 is about 3.3
//! standard errors, while an interval of half or double the right width would cover 0.59 or
//! 0.998 and fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crmkit::clv::{
    BgNbd, BgNbdParams, BtydData, FitOptions, GammaGamma, GammaGammaParams, IntervalOptions,
    MbgNbd, MbgNbdParams, MonthlyDiscounting, ParetoNbd, ParetoNbdParams, SamplingDistribution,
    SpendData, TransactionModel, clv_intervals, discounted_purchases_monthly,
    expected_purchases_intervals, expected_spend_intervals, probability_alive_intervals,
};

const LEVEL: f64 = 0.9;
const TOLERANCE: f64 = 0.07;

/// SplitMix64 with the samplers the simulation needs.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in (0, 1].
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
    fn exponential(&mut self, rate: f64) -> f64 {
        -self.uniform().ln() / rate
    }
    /// Gamma(shape, rate): Marsaglia & Tsang (2000), with the u^(1/k) boost for shape < 1.
    fn gamma(&mut self, shape: f64, rate: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0, rate) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let z = self.normal();
            let v = (1.0 + c * z).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * z * z + d - d * v + d * v.ln() {
                return d * v / rate;
            }
        }
    }
    fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        x / (x + self.gamma(b, 1.0))
    }
}

/// A simulated population: summaries and mean repeat spend (0 for x = 0).
struct Population {
    x: Vec<f64>,
    t_x: Vec<f64>,
    t: Vec<f64>,
    m: Vec<f64>,
}

/// Spend of `x` repeat purchases under Gamma–Gamma: ν ~ Gamma(q, γ), each value ~ Gamma(p, ν).
fn mean_spend(rng: &mut Rng, gg: &GammaGammaParams, x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let nu = rng.gamma(gg.q, gg.gamma);
    let total: f64 = (0..x as usize).map(|_| rng.gamma(gg.p, nu)).sum();
    total / x
}

/// The BG/NBD family: λ ~ Gamma(r, α), p ~ Beta(a, b); Poisson purchases at rate λ; after each
/// repeat purchase the customer drops out with probability p.
trait Dropout: TransactionModel {
    /// Whether the customer may also drop out at time 0, right after the first purchase, with
    /// probability p (MBG/NBD).
    const AT_ZERO: bool;
    /// (r, α, a, b).
    fn mixing(&self) -> (f64, f64, f64, f64);
}

/// BG/NBD (Fader, Hardie & Lee 2005).
impl Dropout for BgNbdParams {
    const AT_ZERO: bool = false;
    fn mixing(&self) -> (f64, f64, f64, f64) {
        (self.r, self.alpha, self.a, self.b)
    }
}

/// MBG/NBD (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but the customer may also drop out
/// at time 0.
impl Dropout for MbgNbdParams {
    const AT_ZERO: bool = true;
    fn mixing(&self) -> (f64, f64, f64, f64) {
        (self.r, self.alpha, self.a, self.b)
    }
}

/// A population of the BG/NBD family, T uniform in [20, 60]; with `spend`, each customer's
/// mean repeat spend under Gamma–Gamma (drawn after the purchases).
fn simulate_dropout<P: Dropout>(
    rng: &mut Rng,
    n: usize,
    model: &P,
    spend: Option<&GammaGammaParams>,
) -> Population {
    let mut pop = Population {
        x: Vec::with_capacity(n),
        t_x: Vec::with_capacity(n),
        t: Vec::with_capacity(n),
        m: Vec::with_capacity(if spend.is_some() { n } else { 0 }),
    };
    let (r, alpha, a, b) = model.mixing();
    for _ in 0..n {
        let age = 20.0 + 40.0 * rng.uniform();
        let lambda = rng.gamma(r, alpha);
        let p = rng.beta(a, b);
        let (mut now, mut x, mut last) = (0.0, 0.0, 0.0);
        // Short-circuits for BG/NBD: no extra draw, so each model keeps its random stream.
        if !P::AT_ZERO || rng.uniform() > p {
            loop {
                now += rng.exponential(lambda);
                if now > age {
                    break;
                }
                x += 1.0;
                last = now;
                if rng.uniform() <= p {
                    break;
                }
            }
        }
        if let Some(gg) = spend {
            pop.m.push(mean_spend(rng, gg, x));
        }
        pop.x.push(x);
        pop.t_x.push(last);
        pop.t.push(age);
    }
    pop
}

/// Pareto/NBD (Schmittlein, Morrison & Colombo 1987): λ ~ Gamma(r, α), μ ~ Gamma(s, β), an
/// exponential lifetime at rate μ, Poisson purchases at rate λ while alive. T uniform in [20, 60].
fn simulate_pareto(rng: &mut Rng, n: usize, pn: &ParetoNbdParams) -> Population {
    let mut pop = Population {
        x: Vec::with_capacity(n),
        t_x: Vec::with_capacity(n),
        t: Vec::with_capacity(n),
        m: Vec::new(),
    };
    for _ in 0..n {
        let age = 20.0 + 40.0 * rng.uniform();
        let lambda = rng.gamma(pn.r, pn.alpha);
        let mu = rng.gamma(pn.s, pn.beta);
        let end = rng.exponential(mu).min(age);
        let (mut now, mut x, mut last) = (0.0, 0.0, 0.0);
        loop {
            now += rng.exponential(lambda);
            if now > end {
                break;
            }
            x += 1.0;
            last = now;
        }
        pop.x.push(x);
        pop.t_x.push(last);
        pop.t.push(age);
    }
    pop
}

/// Probe customers (x, t_x, T, z̄): a lapsed buyer, regular ones, a heavy one.
const PROBES: [(f64, f64, f64, f64); 4] = [
    (1.0, 8.0, 40.0, 25.0),
    (2.0, 30.0, 40.0, 40.0),
    (4.0, 20.0, 45.0, 30.0),
    (8.0, 38.0, 40.0, 35.0),
];

fn probes() -> [Vec<f64>; 4] {
    [
        PROBES.iter().map(|p| p.0).collect(),
        PROBES.iter().map(|p| p.1).collect(),
        PROBES.iter().map(|p| p.2).collect(),
        PROBES.iter().map(|p| p.3).collect(),
    ]
}

/// Hits per probe and quantity, and the replications counted.
struct Coverage {
    names: Vec<&'static str>,
    hits: Vec<Vec<usize>>,
    replications: usize,
}

impl Coverage {
    fn new(names: &[&'static str]) -> Self {
        Self {
            names: names.to_vec(),
            hits: vec![vec![0; PROBES.len()]; names.len()],
            replications: 0,
        }
    }

    fn add(&mut self, quantity: usize, lower: &[f64], upper: &[f64], truth: &[f64]) {
        for (i, ((lo, hi), v)) in lower.iter().zip(upper).zip(truth).enumerate() {
            if lo <= v && v <= hi {
                self.hits[quantity][i] += 1;
            }
        }
    }

    fn check(&self) {
        let mut report = String::new();
        let mut ok = true;
        for (name, hits) in self.names.iter().zip(&self.hits) {
            for (probe, &h) in hits.iter().enumerate() {
                let share = h as f64 / self.replications as f64;
                report.push_str(&format!("{name} probe {probe}: {share:.3}\n"));
                ok &= (share - LEVEL).abs() <= TOLERANCE;
            }
        }
        eprintln!("{} replications:\n{report}", self.replications);
        assert!(ok, "coverage outside {LEVEL} ± {TOLERANCE}:\n{report}");
    }
}

/// BG/NBD + Gamma–Gamma: 200 replications of 2,000 customers, truth r = 0.25, α = 4, a = 0.8,
/// b = 2.5 (CDNOW-like, weeks) and p = 6, q = 4, γ = 15.
#[test]
fn bgnbd_and_gamma_gamma_intervals_cover_the_truth() {
    let bg = BgNbdParams {
        r: 0.25,
        alpha: 4.0,
        a: 0.8,
        b: 2.5,
    };
    let gg = GammaGammaParams {
        p: 6.0,
        q: 4.0,
        gamma: 15.0,
    };
    let [px, ptx, pt, pm] = probes();
    let monthly = MonthlyDiscounting::weekly(12, 0.01);
    let truth_alive = bg.probability_alive(&px, &ptx, &pt).unwrap();
    let truth_next = bg.expected_purchases(39.0, &px, &ptx, &pt).unwrap();
    let truth_spend = gg.expected_spend(&px, &pm).unwrap();
    let truth_clv: Vec<f64> = discounted_purchases_monthly(&bg, &px, &ptx, &pt, &monthly)
        .unwrap()
        .iter()
        .zip(&truth_spend)
        .map(|(d, s)| d * s)
        .collect();
    let opts = IntervalOptions::default();
    let mut cov = Coverage::new(&["P(alive)", "E[Y(39)]", "E[M]", "CLV"]);
    let mut rng = Rng(2026);
    let mut failed_fits = 0;
    for _ in 0..200 {
        let pop = simulate_dropout(&mut rng, 2_000, &bg, Some(&gg));
        let data = BtydData::new(&pop.x, &pop.t_x, &pop.t).unwrap();
        let (Ok(fit), Ok(spend)) = (
            BgNbd::fit(&data, &FitOptions::default()),
            GammaGamma::fit(
                &SpendData::repeaters(&pop.x, &pop.m).unwrap(),
                &FitOptions::default(),
            ),
        ) else {
            failed_fits += 1;
            continue;
        };
        if fit.covariance.is_none() || spend.covariance.is_none() || spend.params.q <= 1.0 {
            failed_fits += 1;
            continue;
        }
        cov.replications += 1;
        let a = probability_alive_intervals(&fit, &px, &ptx, &pt, &opts).unwrap();
        cov.add(0, &a.lower, &a.upper, &truth_alive);
        let e = expected_purchases_intervals(&fit, 39.0, &px, &ptx, &pt, &opts).unwrap();
        cov.add(1, &e.lower, &e.upper, &truth_next);
        let s = expected_spend_intervals(&spend, &px, &pm, &opts).unwrap();
        cov.add(2, &s.lower, &s.upper, &truth_spend);
        let c = clv_intervals(&fit, &spend, &px, &ptx, &pt, &pm, &monthly, &opts).unwrap();
        cov.add(3, &c.lower, &c.upper, &truth_clv);
    }
    assert!(failed_fits <= 4, "{failed_fits} of 200 fits failed");
    cov.check();
}

/// A transaction model's P(alive) and E[Y(39)] intervals over 200 replications of 2,000
/// customers simulated from `truth` (seeded with `seed`) and fitted by `fit`.
fn transaction_intervals_cover_the_truth<P, F>(
    truth: &P,
    seed: u64,
    simulate: fn(&mut Rng, usize, &P) -> Population,
    fit: fn(&BtydData, &FitOptions) -> crmkit::Result<F>,
) where
    P: TransactionModel,
    F: SamplingDistribution + Sync,
    F::Params: TransactionModel,
{
    let [px, ptx, pt, _] = probes();
    let truth_alive = truth.probability_alive(&px, &ptx, &pt).unwrap();
    let truth_next = truth.expected_purchases(39.0, &px, &ptx, &pt).unwrap();
    let opts = IntervalOptions::default();
    let mut cov = Coverage::new(&["P(alive)", "E[Y(39)]"]);
    let mut rng = Rng(seed);
    let mut failed_fits = 0;
    for _ in 0..200 {
        let pop = simulate(&mut rng, 2_000, truth);
        let data = BtydData::new(&pop.x, &pop.t_x, &pop.t).unwrap();
        let Ok(fit) = fit(&data, &FitOptions::default()) else {
            failed_fits += 1;
            continue;
        };
        if fit.parameter_covariance().is_none() {
            failed_fits += 1;
            continue;
        }
        cov.replications += 1;
        let a = probability_alive_intervals(&fit, &px, &ptx, &pt, &opts).unwrap();
        cov.add(0, &a.lower, &a.upper, &truth_alive);
        let e = expected_purchases_intervals(&fit, 39.0, &px, &ptx, &pt, &opts).unwrap();
        cov.add(1, &e.lower, &e.upper, &truth_next);
    }
    assert!(failed_fits <= 4, "{failed_fits} of 200 fits failed");
    cov.check();
}

/// Pareto/NBD: 200 replications of 2,000 customers, truth r = 0.55, α = 10.5, s = 0.6, β = 11.7
/// (CDNOW-like, weeks).
#[test]
fn pareto_nbd_intervals_cover_the_truth() {
    let pn = ParetoNbdParams {
        r: 0.55,
        alpha: 10.5,
        s: 0.6,
        beta: 11.7,
    };
    transaction_intervals_cover_the_truth(&pn, 1987, simulate_pareto, ParetoNbd::fit);
}

/// MBG/NBD: 200 replications of 2,000 customers, truth r = 0.52, α = 6.2, a = 0.89, b = 1.6
/// (CDNOW-like, weeks).
#[test]
fn mbgnbd_intervals_cover_the_truth() {
    let mbg = MbgNbdParams {
        r: 0.52,
        alpha: 6.2,
        a: 0.89,
        b: 1.6,
    };
    transaction_intervals_cover_the_truth(
        &mbg,
        2007,
        |rng, n, mbg| simulate_dropout(rng, n, mbg, None),
        MbgNbd::fit,
    );
}
