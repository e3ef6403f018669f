//! The BG/BB model for discrete transaction opportunities (Fader, Hardie & Shang 2010,
//! "Customer-base analysis in a discrete-time noncontractual setting").

use serde::{Deserialize, Serialize};

use super::data::check_discrete;
use super::fit_model::{FitModel, Likelihood, fit_model, fitted_from_model_fit};
use super::{DiscreteData, check_params, finite, map_rows};
use crate::math::optimize::{ConvergenceReport, FitOptions, NllSum};
use crate::math::special::{
    digamma, ln_beta, ln_beta_ratio, ln_gamma, ln_gamma_ratio_shift, log_add_exp,
    one_minus_exp_over, trigamma,
};
use crate::{CrmkitError, Result};

const NAMES: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

/// Largest opportunity count n the BG/BB predictions accept (re-exported as
/// `clv::BG_BB_MAX_OPPORTUNITIES`): their work grows with the opportunities since the last
/// transaction, so beyond it they refuse with [`CrmkitError::InvalidValue`] rather than run for
/// minutes. A million opportunities is 2,700 years of daily ones.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BG_BB_MAX_OPPORTUNITIES, BgBbParams};
/// let m = BgBbParams { alpha: 1.2035, beta: 0.7497, gamma: 0.6567, delta: 2.7834 };
/// assert!(m.probability_alive_one(0, 3.0, 5.0, 2.0 * BG_BB_MAX_OPPORTUNITIES).is_err());
/// ```
pub const MAX_OPPORTUNITIES: f64 = 1e6;

/// [`CrmkitError::InvalidValue`] for an opportunity count above [`MAX_OPPORTUNITIES`].
fn check_opportunities(field: &str, n: f64) -> Result<()> {
    if n > MAX_OPPORTUNITIES {
        return Err(CrmkitError::invalid_value(
            field,
            0,
            n,
            format!("BG/BB predictions accept at most {MAX_OPPORTUNITIES} opportunities"),
        ));
    }
    Ok(())
}

/// BG/BB parameters: transaction probability per opportunity p ~ Beta(α, β), dropout probability
/// per opportunity θ ~ Beta(γ, δ).
///
/// # Examples
///
/// ```
/// use crmkit::clv::BgBbParams;
/// // Fader, Hardie & Shang (2010), donations
/// let m = BgBbParams { alpha: 1.2035, beta: 0.7497, gamma: 0.6567, delta: 2.7834 };
/// assert!(m.probability_alive_one(0, 6.0, 6.0, 6.0).unwrap() > 0.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BgBbParamsRaw")]
pub struct BgBbParams {
    /// First shape of the transaction-probability beta distribution.
    pub alpha: f64,
    /// Second shape of the transaction-probability beta distribution.
    pub beta: f64,
    /// First shape of the dropout-probability beta distribution.
    pub gamma: f64,
    /// Second shape of the dropout-probability beta distribution.
    pub delta: f64,
}

struct Shared {
    ln_b_ab: f64,
    ln_b_gd: f64,
    common_grad: [f64; 4],
    psi_alpha_x_cache: (f64, f64),
}

impl Shared {
    fn new(p: &BgBbParams, with_grad: bool) -> Self {
        let common_grad = if with_grad {
            let psi_ab = digamma(p.alpha + p.beta);
            let psi_gd = digamma(p.gamma + p.delta);
            [
                -(digamma(p.alpha) - psi_ab),
                -(digamma(p.beta) - psi_ab),
                -(digamma(p.gamma) - psi_gd),
                -(digamma(p.delta) - psi_gd),
            ]
        } else {
            [0.0; 4]
        };
        Self {
            ln_b_ab: ln_beta(p.alpha, p.beta),
            ln_b_gd: ln_beta(p.gamma, p.delta),
            common_grad,
            psi_alpha_x_cache: (f64::NAN, 0.0),
        }
    }
}

/// Streaming log-sum-exp with a weighted gradient.
struct Lse {
    max: f64,
    sum: f64,
    grad: [f64; 4],
}

impl Lse {
    fn push(&mut self, v: f64, g: &[f64; 4]) {
        self.push_signed(v, 1.0, g);
    }

    /// Adds sign · e^v (sign ±1; the sum must stay positive) with gradient g of v.
    fn push_signed(&mut self, v: f64, sign: f64, g: &[f64; 4]) {
        if v > self.max {
            let k = (self.max - v).exp();
            self.sum *= k;
            for gi in self.grad.iter_mut() {
                *gi *= k;
            }
            self.max = v;
        }
        let e = sign * (v - self.max).exp();
        self.sum += e;
        for (gi, d) in self.grad.iter_mut().zip(g) {
            *gi += e * d;
        }
    }
}

/// Per-customer log-likelihood; with `grad`, adds `weight` × its gradient.
fn row_log_likelihood(
    p: &BgBbParams,
    sh: &mut Shared,
    x: f64,
    t_x: f64,
    n: f64,
    grad: Option<(&mut [f64; 4], f64)>,
) -> f64 {
    let (a, b, g, d) = (p.alpha, p.beta, p.gamma, p.delta);
    let want = grad.is_some();
    let mut lse = Lse {
        max: f64::NEG_INFINITY,
        sum: 0.0,
        grad: [0.0; 4],
    };
    let psi_ax = if want {
        if sh.psi_alpha_x_cache.0 != x {
            sh.psi_alpha_x_cache = (x, digamma(a + x));
        }
        sh.psi_alpha_x_cache.1
    } else {
        0.0
    };
    // alive after n opportunities
    let v0 = ln_beta(a + x, b + n - x) + ln_beta(g, d + n);
    let g0 = if want {
        let psi_abn = digamma(a + b + n);
        let psi_gdn = digamma(g + d + n);
        [
            psi_ax - psi_abn,
            digamma(b + n - x) - psi_abn,
            digamma(g) - psi_gdn,
            digamma(d + n) - psi_gdn,
        ]
    } else {
        [0.0; 4]
    };
    lse.push(v0, &g0);
    // dropped out right after opportunity t_x + i (i = 0..n − t_x − 1): term by term while the
    // terms change quickly, then (for long histories) the Euler–Maclaurin tail
    let psi_g1 = if want { digamma(g + 1.0) } else { 0.0 };
    let head_end = tail_start(a, b, g, d, x, t_x, n);
    if head_end < n {
        push_tail(&mut lse, [a, b, g, d], x, head_end, n, psi_ax, psi_g1, want);
    }
    let mut i = 0.0;
    while t_x + i < head_end {
        let k = t_x + i;
        let v = ln_beta(a + x, b + k - x) + ln_beta(g + 1.0, d + k);
        let gi = if want {
            let psi_abk = digamma(a + b + k);
            let psi_gdk = digamma(g + d + k + 1.0);
            [
                psi_ax - psi_abk,
                digamma(b + k - x) - psi_abk,
                psi_g1 - psi_gdk,
                digamma(d + k) - psi_gdk,
            ]
        } else {
            [0.0; 4]
        };
        lse.push(v, &gi);
        i += 1.0;
    }
    let value = lse.max + lse.sum.ln() - sh.ln_b_ab - sh.ln_b_gd;
    if let Some((gr, w)) = grad {
        for ((gj, lj), cj) in gr.iter_mut().zip(&lse.grad).zip(&sh.common_grad) {
            *gj += w * (lj / lse.sum + cj);
        }
    }
    value
}

/// Terms of the dropout sum summed one by one beyond which the rest may go to
/// [`push_tail`]: the first opportunity k where the log-term's slope
/// |φ′(k)| ≈ (α + x)/(β − x + k) + (γ + 1)/(δ + k) is below 0.01, or `n` (no tail) when fewer
/// than 2,000 opportunities would remain. The head is bounded by about 100 (α + x + γ + 1)
/// terms, whatever n.
fn tail_start(a: f64, b: f64, g: f64, d: f64, x: f64, t_x: f64, n: f64) -> f64 {
    // (α + x)/(β − x + k) ≤ 0.005 and (γ + 1)/(δ + k) ≤ 0.005
    let k1 = 200.0 * (a + x) - b + x;
    let k2 = 200.0 * (g + 1.0) - d;
    let k = k1.max(k2).max(t_x).ceil();
    if n - k < 2000.0 { n } else { k }
}

/// Euler–Maclaurin (midpoint form) for the tail Σ_{k=lo}^{n−1} f(k) of the dropout sum,
/// f(k) = B(α+x, β−x+k) B(γ+1, δ+k): ∫_{lo−½}^{n−½} f − (f′(n−½) − f′(lo−½))/24, the integral
/// by 8-point Gauss–Legendre panels on s = ln(k − lo + ½ + h) with h = lo + 1 (each panel at
/// most 0.5 wide). With |φ′| ≤ 0.01 from `lo` on (see [`tail_start`]) the next correction,
/// 7 f‴/5760, is below 1e-9 of f(lo). Terms (and their gradients in (α, β, γ, δ)) go into `lse`.
#[allow(clippy::too_many_arguments)]
fn push_tail(
    lse: &mut Lse,
    [a, b, g, d]: [f64; 4],
    x: f64,
    lo: f64,
    n: f64,
    psi_ax: f64,
    psi_g1: f64,
    want: bool,
) {
    const NODES: [f64; 4] = [
        0.183_434_642_495_649_8,
        0.525_532_409_916_329,
        0.796_666_477_413_626_7,
        0.960_289_856_497_536_3,
    ];
    const WEIGHTS: [f64; 4] = [
        0.362_683_783_378_362,
        0.313_706_645_877_887_3,
        0.222_381_034_453_374_5,
        0.101_228_536_290_376_3,
    ];
    let phi = |k: f64| ln_beta(a + x, b - x + k) + ln_beta(g + 1.0, d + k);
    let dphi = |k: f64| {
        if want {
            let psi_abk = digamma(a + b + k);
            let psi_gdk = digamma(g + d + k + 1.0);
            [
                psi_ax - psi_abk,
                digamma(b - x + k) - psi_abk,
                psi_g1 - psi_gdk,
                digamma(d + k) - psi_gdk,
            ]
        } else {
            [0.0; 4]
        }
    };
    let (left, right) = (lo - 0.5, n - 0.5);
    let h = lo + 1.0;
    let (s0, s1) = (h.ln(), (right - left + h).ln());
    let panels = ((s1 - s0) / 0.5).ceil().max(1.0);
    let width = (s1 - s0) / panels;
    let mut p = 0.0;
    while p < panels {
        let mid = s0 + (p + 0.5) * width;
        for (node, weight) in NODES.iter().zip(WEIGHTS) {
            for sign in [-1.0, 1.0] {
                let sv = mid + sign * node * 0.5 * width;
                let k = left - h + sv.exp();
                // weight · dk/ds · f(k), dk/ds = e^s
                let v = (weight * 0.5 * width).ln() + sv + phi(k);
                lse.push_signed(v, 1.0, &dphi(k));
            }
        }
        p += 1.0;
    }
    // −(f′(right) − f′(left))/24 with f′ = f φ′ (φ′ < 0): + f(right)|φ′|/24 − f(left)|φ′|/24
    for (k, sign) in [(right, 1.0), (left, -1.0)] {
        let slope =
            digamma(b - x + k) - digamma(a + b + k) + digamma(d + k) - digamma(g + d + k + 1.0);
        let mut gr = dphi(k);
        if want {
            // ∂ ln|φ′| / ∂θ = (∂φ′/∂θ) / φ′
            let (t_abk, t_gdk) = (trigamma(a + b + k), trigamma(g + d + k + 1.0));
            let dslope = [
                -t_abk,
                trigamma(b - x + k) - t_abk,
                -t_gdk,
                trigamma(d + k) - t_gdk,
            ];
            for (gi, ds) in gr.iter_mut().zip(dslope) {
                *gi += ds / slope;
            }
        }
        lse.push_signed(phi(k) + (slope.abs() / 24.0).ln(), sign, &gr);
    }
}

impl BgBbParams {
    fn check(&self) -> Result<()> {
        check_params(&NAMES, &[self.alpha, self.beta, self.gamma, self.delta])
    }

    fn ll(&self, x: f64, t_x: f64, n: f64) -> f64 {
        row_log_likelihood(self, &mut Shared::new(self, false), x, t_x, n, None)
    }

    /// Log-likelihood of one customer.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::BgBbParams;
    /// let m = BgBbParams { alpha: 1.2035, beta: 0.7497, gamma: 0.6567, delta: 2.7834 };
    /// assert!(m.log_likelihood_one(3.0, 5.0, 6.0).unwrap() < 0.0);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] for an invalid customer, [`CrmkitError::InvalidConfig`] for
    /// invalid parameters.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Shang (2010) eq. 5 (lifetimes 0.11.3 `BetaGeoBetaBinomFitter._loglikelihood`):
    /// L = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
    ///   + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α, β) · B(γ+1, δ+t_x+i)/B(γ, δ), as a log-sum-exp.
    pub fn log_likelihood_one(&self, x: f64, t_x: f64, n: f64) -> Result<f64> {
        self.check()?;
        check_discrete(0, x, t_x, n)?;
        Ok(self.ll(x, t_x, n))
    }

    /// Weighted log-likelihood of a data set.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgBbParams, DiscreteData};
    /// let m = BgBbParams { alpha: 1.2, beta: 0.75, gamma: 0.66, delta: 2.8 };
    /// let d = DiscreteData::new(&[0.0, 6.0], &[0.0, 6.0], &[6.0, 6.0]).unwrap();
    /// assert!(m.log_likelihood(&d).unwrap() < 0.0);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid parameters.
    ///
    /// # Formula
    ///
    /// Σ wᵢ ℓᵢ, ℓ as in [`BgBbParams::log_likelihood_one`].
    pub fn log_likelihood(&self, data: &DiscreteData) -> Result<f64> {
        self.check()?;
        let mut sh = Shared::new(self, false);
        Ok(data
            .rows()
            .map(|(x, r, n, w)| w * row_log_likelihood(self, &mut sh, x, r, n, None))
            .sum())
    }

    /// Probability that a customer is alive at opportunity n + `future`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::BgBbParams;
    /// let m = BgBbParams { alpha: 1.2035, beta: 0.7497, gamma: 0.6567, delta: 2.7834 };
    /// let now = m.probability_alive_one(0, 2.0, 3.0, 6.0).unwrap();
    /// assert!(m.probability_alive_one(5, 2.0, 3.0, 6.0).unwrap() < now);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`BgBbParams::log_likelihood_one`].
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Shang (2010) eq. 11 (lifetimes 0.11.3 `conditional_probability_alive`):
    /// P(alive at n+m) = B(α+x, β+n−x)/B(α, β) · B(γ, δ+n+m)/B(γ, δ) / L.
    pub fn probability_alive_one(&self, future: u32, x: f64, t_x: f64, n: f64) -> Result<f64> {
        let alive = self.alive_now(x, t_x, n)?;
        let (g, d) = (self.gamma, self.delta);
        // B(γ, δ+n+m)/B(γ, δ+n) ≤ 1 without cancellation for large δ
        let v = alive * ln_beta_ratio(g, d + n, f64::from(future)).min(0.0).exp();
        finite("BG/BB probability alive", v)
    }

    /// P(alive after opportunity n) = 1 / (1 + Σᵢ dᵢ), dᵢ the odds of having dropped out right
    /// after opportunity t_x + i against being alive (i = 0..n − t_x − 1): the terms fall with i,
    /// so the sum stops once they are below 1e-17 of it; at most [`MAX_OPPORTUNITIES`] terms.
    fn alive_now(&self, x: f64, t_x: f64, n: f64) -> Result<f64> {
        self.check()?;
        check_discrete(0, x, t_x, n)?;
        check_opportunities("n", n)?;
        let (a, b, g, d) = (self.alpha, self.beta, self.gamma, self.delta);
        let gap = n - t_x;
        if gap == 0.0 {
            return Ok(1.0);
        }
        // d₀ = B(α+x, β+t_x−x) B(γ+1, δ+t_x) / (B(α+x, β+n−x) B(γ, δ+n)), then the ratio
        // dᵢ₊₁/dᵢ = (β+t_x−x+i)/(α+β+t_x+i) · (δ+t_x+i)/(γ+δ+t_x+i+1) < 1
        let ln_d0 = -ln_beta_ratio(a + x, b + t_x - x, gap) + g.ln()
            - (g + d + t_x).ln()
            - ln_beta_ratio(g, d + t_x, gap);
        let mut term = ln_d0.exp();
        let mut sum = 0.0;
        let mut i = 0.0;
        while i < gap {
            sum += term;
            let k = t_x + i;
            term *= (b + k - x) / (a + b + k) * ((d + k) / (g + d + k + 1.0));
            if term <= 1e-17 * sum {
                break;
            }
            i += 1.0;
        }
        if !sum.is_finite() {
            return Ok(0.0); // odds of having dropped out beyond the double range
        }
        Ok(1.0 / (1.0 + sum))
    }

    /// [`BgBbParams::probability_alive_one`] for each customer.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::BgBbParams;
    /// let m = BgBbParams { alpha: 1.2035, beta: 0.7497, gamma: 0.6567, delta: 2.7834 };
    /// assert_eq!(m.probability_alive(0, &[1.0, 2.0], &[1.0, 6.0], &[6.0, 6.0]).unwrap().len(), 2);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] or the first failing row's error (with its row).
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Shang (2010) eq. 11.
    pub fn probability_alive(
        &self,
        future: u32,
        x: &[f64],
        t_x: &[f64],
        n: &[f64],
    ) -> Result<Vec<f64>> {
        map_rows(x, t_x, n, |a, b, c| {
            self.probability_alive_one(future, a, b, c)
        })
    }

    /// Expected transactions of a customer in the next `future` opportunities (n, n + future\].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::BgBbParams;
    /// let m = BgBbParams { alpha: 1.2035, beta: 0.7497, gamma: 0.6567, delta: 2.7834 };
    /// let loyal = m.expected_purchases_one(5, 6.0, 6.0, 6.0).unwrap();
    /// let lapsed = m.expected_purchases_one(5, 2.0, 2.0, 6.0).unwrap();
    /// assert!(loyal > lapsed);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`BgBbParams::log_likelihood_one`]; [`CrmkitError::Numerical`] if not finite.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Shang (2010) eq. 13 (lifetimes 0.11.3
    /// `conditional_expected_number_of_purchases_up_to_time`):
    /// E\[X(n, n+n*)\] = 1/L · B(α+x+1, β+n−x)/B(α, β) · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ)
    ///   · \[Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)\]
    ///   = P(alive) · (α+x)/(α+β+n) · (δ+n) · (1 − e^(−εQ))/ε, ε = γ − 1,
    /// Q = \[ln Γ(w+ε+n*) − ln Γ(w+ε) − ln Γ(w+n*) + ln Γ(w)\]/ε, w = δ+n+1: Q is evaluated without
    /// forming the log-gammas (a sum of n* logarithms for n* ≤ 64, else Stirling differences),
    /// with its limit ψ(w+n*) − ψ(w) at γ = 1, so the removable singularity needs no bridging
    /// and the work does not grow with n*.
    pub fn expected_purchases_one(&self, future: u32, x: f64, t_x: f64, n: f64) -> Result<f64> {
        let alive = self.alive_now(x, t_x, n)?;
        let (a, b, g, d) = (self.alpha, self.beta, self.gamma, self.delta);
        let eps = g - 1.0;
        let q = ln_gamma_ratio_shift(d + n + 1.0, f64::from(future), eps);
        let v = alive * (a + x) / (a + b + n) * (d + n) * one_minus_exp_over(eps, q);
        finite("BG/BB conditional expected purchases", v)
    }

    /// [`BgBbParams::expected_purchases_one`] for each customer.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::BgBbParams;
    /// let m = BgBbParams { alpha: 1.2035, beta: 0.7497, gamma: 0.6567, delta: 2.7834 };
    /// assert_eq!(m.expected_purchases(5, &[1.0], &[1.0], &[6.0]).unwrap().len(), 1);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] or the first failing row's error (with its row).
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Shang (2010) eq. 13.
    pub fn expected_purchases(
        &self,
        future: u32,
        x: &[f64],
        t_x: &[f64],
        n: &[f64],
    ) -> Result<Vec<f64>> {
        map_rows(x, t_x, n, |a, b, c| {
            self.expected_purchases_one(future, a, b, c)
        })
    }

    /// Expected transactions of a new customer in the first `n` opportunities.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::BgBbParams;
    /// let m = BgBbParams { alpha: 1.2035, beta: 0.7497, gamma: 0.6567, delta: 2.7834 };
    /// assert!(m.expected_purchases_new_customer(6).unwrap() < 6.0);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid parameters.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Shang (2010) eq. 9: E\[X(n)\] = α/(α+β) · δ/(γ−1)
    ///   · \[1 − Γ(γ+δ)Γ(1+δ+n) / (Γ(γ+δ+n)Γ(1+δ))\] = α/(α+β) · δ · (1 − e^(−εQ))/ε with ε = γ − 1
    ///   and Q as in [`BgBbParams::expected_purchases_one`] at w = 1+δ (limit
    ///   α/(α+β) · δ · (ψ(1+δ+n) − ψ(1+δ)) at γ = 1).
    pub fn expected_purchases_new_customer(&self, n: u32) -> Result<f64> {
        self.check()?;
        let (a, b, d) = (self.alpha, self.beta, self.delta);
        let eps = self.gamma - 1.0;
        let q = ln_gamma_ratio_shift(1.0 + d, f64::from(n), eps);
        finite(
            "BG/BB expected purchases of a new customer",
            a / (a + b) * d * one_minus_exp_over(eps, q),
        )
    }

    /// Probability that a new customer makes exactly `x` transactions in the first `n`
    /// opportunities: P(X(n) = x). Zero for x > n.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::BgBbParams;
    /// // Fader, Hardie & Shang (2010), donations
    /// let m = BgBbParams { alpha: 1.2035, beta: 0.7497, gamma: 0.6567, delta: 2.7834 };
    /// let p: Vec<f64> = (0..=6).map(|x| m.probability_of_purchases(x, 6).unwrap()).collect();
    /// assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    /// let mean: f64 = p.iter().enumerate().map(|(x, p)| x as f64 * p).sum();
    /// assert!((mean - m.expected_purchases_new_customer(6).unwrap()).abs() < 1e-12);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid parameters; [`CrmkitError::Numerical`] if the
    /// value is not finite.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Shang (2010) eq. 7 (lifetimes 0.11.3
    /// `expected_number_of_transactions_in_first_n_periods`, which multiplies it by the number of
    /// customers):
    /// P(X(n) = x) = C(n, x) B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
    ///   \+ Σ_{i=x}^{n−1} C(i, x) B(α+x, β+i−x)/B(α, β) · B(γ+1, δ+i)/B(γ, δ):
    /// alive through all n opportunities, or dropped out after opportunity i. Every term is a
    /// logarithm and the sum a log-sum-exp, so large n does not overflow.
    pub fn probability_of_purchases(&self, x: u32, n: u32) -> Result<f64> {
        self.check()?;
        check_opportunities("n", f64::from(n))?;
        if x > n {
            return Ok(0.0);
        }
        let (a, b, g, d) = (self.alpha, self.beta, self.gamma, self.delta);
        let xf = f64::from(x);
        let ln_b_ab = ln_beta(a, b);
        let ln_b_gd = ln_beta(g, d);
        let ln_choose = |i: f64| ln_gamma(i + 1.0) - ln_gamma(xf + 1.0) - ln_gamma(i - xf + 1.0);
        let nf = f64::from(n);
        let mut total =
            ln_choose(nf) + ln_beta(a + xf, b + nf - xf) - ln_b_ab + ln_beta(g, d + nf) - ln_b_gd;
        for i in x..n {
            let fi = f64::from(i);
            let term = ln_choose(fi) + ln_beta(a + xf, b + fi - xf) - ln_b_ab
                + ln_beta(g + 1.0, d + fi)
                - ln_b_gd;
            total = log_add_exp(total, term);
        }
        finite("BG/BB probability of x purchases", total.exp().min(1.0))
    }
}

/// The BG/BB model, to be fitted.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BgBb, DiscreteData, FitOptions};
/// let x = [0.0, 1.0, 2.0, 3.0, 6.0, 2.0];
/// let t_x = [0.0, 1.0, 4.0, 6.0, 6.0, 2.0];
/// let w = [3464.0, 1091.0, 600.0, 500.0, 1203.0, 300.0];
/// let d = DiscreteData::with_weights(&x, &t_x, &[6.0; 6], &w).unwrap();
/// assert!(BgBb::fit(&d, &FitOptions::default()).is_ok());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BgBb;

/// A fitted BG/BB model.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BgBb, DiscreteData, FitOptions, FittedBgBb};
/// let x = [0.0, 1.0, 2.0, 3.0, 6.0, 2.0];
/// let t_x = [0.0, 1.0, 4.0, 6.0, 6.0, 2.0];
/// let w = [3464.0, 1091.0, 600.0, 500.0, 1203.0, 300.0];
/// let d = DiscreteData::with_weights(&x, &t_x, &[6.0; 6], &w).unwrap();
/// let fit = BgBb::fit(&d, &FitOptions::default()).unwrap();
/// let back: FittedBgBb = serde_json::from_str(&serde_json::to_string(&fit).unwrap()).unwrap();
/// // serde_json's default float parser may differ from the written value in the last bit
/// assert!((back.params.delta / fit.params.delta - 1.0).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FittedBgBbRaw")]
pub struct FittedBgBb {
    /// Maximum-likelihood parameters.
    pub params: BgBbParams,
    /// Delta-method standard errors.
    pub standard_errors: Option<BgBbParams>,
    /// Covariance matrix of (α, β, γ, δ).
    pub covariance: Option<[[f64; 4]; 4]>,
    /// Log-likelihood at the parameters.
    pub log_likelihood: f64,
    /// How the optimiser ended.
    pub report: ConvergenceReport,
    /// Number of customers (sum of weights).
    pub n_customers: f64,
}

impl BgBb {
    /// Fits the BG/BB model by maximum likelihood (log-parameters, analytic gradient).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgBb, DiscreteData, FitOptions};
    /// let x = [0.0, 1.0, 2.0, 3.0, 6.0, 2.0];
    /// let t_x = [0.0, 1.0, 4.0, 6.0, 6.0, 2.0];
    /// let w = [3464.0, 1091.0, 600.0, 500.0, 1203.0, 300.0];
    /// let d = DiscreteData::with_weights(&x, &t_x, &[6.0; 6], &w).unwrap();
    /// assert!(BgBb::fit(&d, &FitOptions::default()).unwrap().report.gradient_norm < 1e-6);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid options; [`CrmkitError::NotConverged`] when the
    /// optimiser stops without converging.
    ///
    /// # Formula
    ///
    /// Maximises Σ wᵢ ℓᵢ − λ Σ θ², ℓ as in [`BgBbParams::log_likelihood_one`].
    pub fn fit(data: &DiscreteData, opts: &FitOptions) -> Result<FittedBgBb> {
        fit_model(&BgBb, data, opts)
    }
}

impl FitModel<4> for BgBb {
    type Data = DiscreteData;
    type Params = BgBbParams;
    type Fitted = FittedBgBb;
    type Part<'a> = &'a DiscreteData;
    const MODEL: &'static str = "BG/BB";
    const NAMES: [&'static str; 4] = NAMES;
    const HETEROGENEITY: &'static [(usize, usize)] = &[(0, 1), (2, 3)];
    const SCALED: &'static [usize] = &[];

    fn likelihood<'a>(&'a self, base: &'a DiscreteData, _: f64) -> Likelihood<&'a DiscreteData> {
        Likelihood::Whole(base)
    }

    fn nll(
        &self,
        base: &mut &DiscreteData,
        th: &[f64; 4],
        g: &mut [f64; 4],
        opg: Option<&mut [[f64; 4]; 4]>,
    ) -> f64 {
        let p = Self::params(*th);
        let mut sh = Shared::new(&p, true);
        let mut sum = NllSum::new(g, opg);
        for (x, r, n, w) in base.rows() {
            sum.add(w, |gr| {
                row_log_likelihood(&p, &mut sh, x, r, n, Some((gr, 1.0)))
            });
        }
        sum.finish()
    }

    fn params([alpha, beta, gamma, delta]: [f64; 4]) -> BgBbParams {
        BgBbParams {
            alpha,
            beta,
            gamma,
            delta,
        }
    }

    fn log_likelihood(
        &self,
        base: &DiscreteData,
        params: &BgBbParams,
        _: f64,
        _: f64,
    ) -> Result<f64> {
        params.log_likelihood(base)
    }
}

fitted_from_model_fit!(FittedBgBb, BgBbParams, 4, n_customers);

impl FittedBgBb {
    /// Probability that a new customer makes exactly `x` transactions in the first `n`
    /// opportunities; see [`BgBbParams::probability_of_purchases`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgBb, DiscreteData, FitOptions};
    /// let x = [0.0, 1.0, 2.0, 3.0, 6.0, 2.0];
    /// let t_x = [0.0, 1.0, 4.0, 6.0, 6.0, 2.0];
    /// let w = [3464.0, 1091.0, 600.0, 500.0, 1203.0, 300.0];
    /// let d = DiscreteData::with_weights(&x, &t_x, &[6.0; 6], &w).unwrap();
    /// let fit = BgBb::fit(&d, &FitOptions::default()).unwrap();
    /// assert!(fit.probability_of_purchases(0, 6).unwrap() > 0.2);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`BgBbParams::probability_of_purchases`].
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Shang (2010) eq. 7.
    pub fn probability_of_purchases(&self, x: u32, n: u32) -> Result<f64> {
        self.params.probability_of_purchases(x, n)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let p = BgBbParams {
            alpha: 1.2,
            beta: 0.75,
            gamma: 0.66,
            delta: 2.8,
        };
        for (x, t_x, n) in [
            (0.0, 0.0, 6.0),
            (2.0, 4.0, 6.0),
            (6.0, 6.0, 6.0),
            (3.0, 10.0, 30.0),
            // long histories: the Euler–Maclaurin tail
            (3.0, 10.0, 20_000.0),
            (0.0, 0.0, 1e7),
        ] {
            let mut g = [0.0; 4];
            row_log_likelihood(
                &p,
                &mut Shared::new(&p, true),
                x,
                t_x,
                n,
                Some((&mut g, 1.0)),
            );
            let th = [p.alpha, p.beta, p.gamma, p.delta];
            for i in 0..4 {
                let h = 1e-6 * th[i];
                let f = |v: [f64; 4]| {
                    let q = BgBbParams {
                        alpha: v[0],
                        beta: v[1],
                        gamma: v[2],
                        delta: v[3],
                    };
                    q.ll(x, t_x, n)
                };
                let mut up = th;
                let mut dn = th;
                up[i] += h;
                dn[i] -= h;
                let num = (f(up) - f(dn)) / (2.0 * h);
                assert!(
                    (g[i] - num).abs() < 1e-6 * (1.0 + num.abs()),
                    "x {x} i {i}: {} vs {num}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn long_histories_match_the_term_by_term_sum() {
        // The Euler–Maclaurin tail against the plain sum of every term (log-sum-exp of
        // B(α+x, β+t_x−x+i) B(γ+1, δ+t_x+i) over i), to 1e-10 relative in the log-likelihood.
        for (p, x, t_x, n) in [
            ((1.2035, 0.7497, 0.6567, 2.7834), 3.0, 5.0, 20_000.0),
            ((0.5, 2.0, 1.0, 300.0), 0.0, 0.0, 50_000.0),
            ((8.0, 0.3, 0.05, 40.0), 40.0, 60.0, 30_000.0),
        ] {
            let m = BgBbParams {
                alpha: p.0,
                beta: p.1,
                gamma: p.2,
                delta: p.3,
            };
            assert!(tail_start(p.0, p.1, p.2, p.3, x, t_x, n) < n);
            let (a, b, g, d) = p;
            let mut total = ln_beta(a + x, b + n - x) + ln_beta(g, d + n);
            let mut k = t_x;
            while k < n {
                total = log_add_exp(total, ln_beta(a + x, b + k - x) + ln_beta(g + 1.0, d + k));
                k += 1.0;
            }
            let exact = total - ln_beta(a, b) - ln_beta(g, d);
            let got = m.ll(x, t_x, n);
            assert!(
                (got - exact).abs() < 1e-10 * exact.abs(),
                "{got} vs {exact}"
            );
        }
    }

    #[test]
    fn two_rows_with_ten_million_opportunities_fit_fast() {
        let d = DiscreteData::new(&[3.0, 1.0], &[9e6, 5e6], &[1e7, 1e7]).unwrap();
        let start = std::time::Instant::now();
        let r = BgBb::fit(&d, &FitOptions::default());
        // two customers do not identify four parameters: an error or a fit, but quickly
        assert!(start.elapsed().as_secs_f64() < 10.0, "{r:?}");
        let m = BgBbParams {
            alpha: 1.0,
            beta: 1.0,
            gamma: 1.0,
            delta: 1.0,
        };
        let t = std::time::Instant::now();
        assert!(m.log_likelihood_one(3.0, 9e6, 1e7).unwrap().is_finite());
        assert!(t.elapsed().as_secs_f64() < 0.1);
    }
}

validated_params!(
    BgBbParams,
    BgBbParamsRaw {
        alpha,
        beta,
        gamma,
        delta
    }
);
validated_fit!(FittedBgBb, FittedBgBbRaw, BgBbParams, 4, n_customers);
