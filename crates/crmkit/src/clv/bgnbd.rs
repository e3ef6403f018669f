//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

use serde::{Deserialize, Serialize};

use super::bg_expectation;
use super::data::{TimeIndex, check_customer, check_horizon};
use super::fit_model::{FitModel, Likelihood, fit_model, fitted_from_model_fit};
use super::{BtydData, TransactionModel, check_params, finite};
use crate::math::optimize::{ConvergenceReport, FitOptions, NllSum};
use crate::math::special::{
    beta_inc_reg, digamma, ln_beta, ln_beta_ratio, ln_gamma, ln_gamma_ratio, logistic,
};
use crate::{CrmkitError, Result};

const NAMES: [&str; 4] = ["r", "alpha", "a", "b"];

/// BG/NBD parameters: purchase rates λ ~ Gamma(shape r, rate α), dropout probability after each
/// purchase p ~ Beta(a, b). α is in the time unit of the data.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BgNbdParams, TransactionModel};
/// // Fader, Hardie & Lee (2005), CDNOW, weeks
/// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
/// let p = m.probability_alive_one(2.0, 30.43, 38.86).unwrap();
/// assert!(p > 0.7 && p < 0.75);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BgNbdParamsRaw")]
pub struct BgNbdParams {
    /// Shape of the purchase-rate gamma distribution.
    pub r: f64,
    /// Rate (scale parameter in time units) of the purchase-rate gamma distribution.
    pub alpha: f64,
    /// First shape of the dropout-probability beta distribution.
    pub a: f64,
    /// Second shape of the dropout-probability beta distribution.
    pub b: f64,
}

/// Row-independent pieces of the log-likelihood and its gradient.
struct Shared {
    ln_gamma_r: f64,
    ln_alpha: f64,
    ln_a: f64,
    r_over_alpha: f64,
    inv_a: f64,
    ln_beta_ab: f64,
    psi_r: f64,
    psi_b: f64,
    psi_ab: f64,
    /// Pieces that depend on x only, for the last x seen (rows are sorted by x after compression).
    per_x: PerX,
}

#[derive(Clone, Copy)]
struct PerX {
    x: f64,
    with_grad: bool,
    head: f64,
    ln_bx1: f64,
    /// 1 / (b + x − 1)
    inv_bx1: f64,
    psi_rx: f64,
    psi_abx: f64,
    psi_bx: f64,
}

impl Shared {
    fn per_x(&mut self, p: &BgNbdParams, x: f64, with_grad: bool) -> PerX {
        let c = self.per_x;
        if c.x == x && (c.with_grad || !with_grad) {
            return c;
        }
        let (r, a, b) = (p.r, p.a, p.b);
        let mut head = ln_gamma(r + x) - self.ln_gamma_r + r * self.ln_alpha;
        if x > 0.0 {
            head += ln_beta(a, b + x) - self.ln_beta_ab;
        }
        let (psi_rx, psi_abx, psi_bx) = if with_grad && x > 0.0 {
            (digamma(r + x), digamma(a + b + x), digamma(b + x))
        } else {
            (0.0, 0.0, 0.0)
        };
        self.per_x = PerX {
            x,
            with_grad,
            head,
            ln_bx1: (b + x - 1.0).ln(),
            inv_bx1: 1.0 / (b + x - 1.0),
            psi_rx,
            psi_abx,
            psi_bx,
        };
        self.per_x
    }

    fn new(p: &BgNbdParams) -> Self {
        Self {
            per_x: PerX {
                x: f64::NAN,
                with_grad: false,
                head: 0.0,
                ln_bx1: 0.0,
                inv_bx1: 0.0,
                psi_rx: 0.0,
                psi_abx: 0.0,
                psi_bx: 0.0,
            },
            ln_gamma_r: ln_gamma(p.r),
            ln_alpha: p.alpha.ln(),
            ln_a: p.a.ln(),
            r_over_alpha: p.r / p.alpha,
            inv_a: 1.0 / p.a,
            ln_beta_ab: ln_beta(p.a, p.b),
            psi_r: digamma(p.r),
            psi_b: digamma(p.b),
            psi_ab: digamma(p.a + p.b),
        }
    }
}

/// Per-customer log-likelihood; with `grad`, adds `weight` × its gradient in (r, α, a, b).
#[inline]
fn row_log_likelihood(
    p: &BgNbdParams,
    s: &mut Shared,
    x: f64,
    t_x: f64,
    t: f64,
    grad: Option<(&mut [f64; 4], f64)>,
) -> f64 {
    let (at, atx) = (p.alpha + t, p.alpha + t_x);
    row_log_likelihood_at(p, s, x, [at.ln(), 1.0 / at], [atx.ln(), 1.0 / atx], grad)
}

/// [`row_log_likelihood`] given \[ln(α + T), 1/(α + T)\] and \[ln(α + t_x), 1/(α + t_x)\] (a fit
/// computes them once per distinct time).
#[inline]
fn row_log_likelihood_at(
    p: &BgNbdParams,
    s: &mut Shared,
    x: f64,
    at: [f64; 2],
    atx: [f64; 2],
    grad: Option<(&mut [f64; 4], f64)>,
) -> f64 {
    let (base, factor) = row_log_likelihood_parts(p, s, x, at, atx, grad);
    base + factor.ln()
}

/// [`row_log_likelihood_at`] as (b, f) with ℓ = b + ln f, f = 1 + e ∈ \[1, 2\] the log-sum-exp
/// factor (see [`NllSum::add_factored`]).
#[inline]
fn row_log_likelihood_parts(
    p: &BgNbdParams,
    s: &mut Shared,
    x: f64,
    [ln_at, inv_at]: [f64; 2],
    [ln_atx, inv_atx]: [f64; 2],
    grad: Option<(&mut [f64; 4], f64)>,
) -> (f64, f64) {
    let r = p.r;
    let px = s.per_x(p, x, grad.is_some());
    let rx = r + x;
    let d1 = -rx * ln_at;
    if x == 0.0 {
        if let Some((g, w)) = grad {
            g[0] += w * (s.ln_alpha - ln_at);
            g[1] += w * (s.r_over_alpha - r * inv_at);
        }
        return (px.head + d1, 1.0);
    }
    let d2 = s.ln_a - px.ln_bx1 - rx * ln_atx;
    // log-sum-exp of d1, d2 and the logistic weight of d2 share one exponential
    let e = (-(d2 - d1).abs()).exp();
    let factor = 1.0 + e;
    if let Some((g, w)) = grad {
        let inv = 1.0 / factor;
        let w2 = if d2 >= d1 { inv } else { e * inv };
        let w1 = 1.0 - w2;
        g[0] += w * (px.psi_rx - s.psi_r + s.ln_alpha - w1 * ln_at - w2 * ln_atx);
        g[1] += w * (s.r_over_alpha - rx * (w1 * inv_at + w2 * inv_atx));
        g[2] += w * (s.psi_ab - px.psi_abx + w2 * s.inv_a);
        g[3] += w * (px.psi_bx - px.psi_abx - s.psi_b + s.psi_ab - w2 * px.inv_bx1);
    }
    (px.head + d1.max(d2), factor)
}

/// P(X(t) = n) in the BG/NBD family (`p` = (r, α, a, b)): a customer either is still active
/// after the n-th purchase and makes exactly n Poisson–gamma purchases in (0, t], or drops out
/// right after the n-th and made at least n purchases by t. `time_zero_dropout` = 0 for BG/NBD
/// (a dropout chance after each purchase) and 1 for MBG/NBD (also one at time 0): the stay and
/// drop probabilities are B(a, b+n+k)/B(a, b) and B(a+1, b+n−1+k)/B(a, b) (the latter only when
/// n + k > 0), and NB(j) = Γ(r+j)/(Γ(r) j!) (α/(α+t))^r (t/(α+t))^j, in logs.
pub(crate) fn purchases_pmf(
    [r, alpha, a, b]: [f64; 4],
    time_zero_dropout: f64,
    horizon: f64,
    n: u32,
) -> Option<f64> {
    let (nf, k) = (f64::from(n), time_zero_dropout);
    if horizon == 0.0 {
        return Some(if n == 0 { 1.0 } else { 0.0 });
    }
    // B(a, b+n+k)/B(a, b) and B(a+1, b+n+k−1)/B(a, b) = a/(a+b+n+k−1) · B(a, b+n+k−1)/B(a, b)
    let ln_stay = ln_beta_ratio(a, b, nf + k);
    // NB(n) = Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n, the gamma ratio without cancellation
    let ln_nbd = ln_gamma_ratio(nf + 1.0, r - 1.0)
        - ln_gamma(r)
        - r * (horizon / alpha).ln_1p()
        - if n == 0 {
            0.0
        } else {
            nf * (alpha / horizon).ln_1p()
        };
    let first = (ln_stay + ln_nbd).exp();
    if nf + k == 0.0 {
        return Some(first);
    }
    let ln_drop = a.ln() - (a + b + nf + k - 1.0).ln() + ln_beta_ratio(a, b, nf + k - 1.0);
    // P(N(t) ≥ n) = I_q(n, r), q = t/(α+t): the regularised incomplete beta function, so the
    // work does not grow with n
    let at_least_n = if n == 0 {
        1.0
    } else {
        beta_inc_reg(nf, r, horizon / (alpha + horizon))?
    };
    Some(first + ln_drop.exp() * at_least_n)
}

/// A probability from [`purchases_pmf`], checked to lie in \[0, 1\] (rounding may carry it a
/// few ulps above 1; clamped).
pub(crate) fn pmf_result(context: &str, v: Option<f64>) -> Result<f64> {
    match v {
        Some(v) if v.is_finite() && v >= 0.0 => Ok(v.min(1.0)),
        _ => Err(CrmkitError::Numerical {
            context: context.to_owned(),
            reason: "the incomplete beta function did not converge".to_owned(),
        }),
    }
}

impl BgNbdParams {
    fn check(&self) -> Result<()> {
        check_params(&NAMES, &[self.r, self.alpha, self.a, self.b])
    }

    /// E\[Y(h) | alive at T, x, T\] for one horizon (unchecked); see
    /// [`super::bg_expectation`].
    fn given_alive(&self, horizon: f64, x: f64, t: f64) -> f64 {
        let z = horizon / (self.alpha + t + horizon);
        bg_expectation::given_alive(self.a, self.b + x, self.r + x, z)
    }

    /// [`BgNbdParams::given_alive`] for each horizon, checked.
    fn path_if_alive(&self, horizons: &[f64], x: f64, t: f64) -> Result<Vec<f64>> {
        self.check()?;
        check_customer(0, x, 0.0, t)?;
        let context = "BG/NBD conditional expected purchases";
        let mut zs = Vec::with_capacity(horizons.len());
        for &h in horizons {
            check_horizon("horizon", h)?;
            zs.push(h / (self.alpha + t + h));
        }
        let mut out = Vec::with_capacity(zs.len());
        bg_expectation::given_alive_many(self.a, self.b + x, self.r + x, &zs, &mut out);
        out.into_iter().map(|v| finite(context, v)).collect()
    }

    /// Log-likelihood of one customer (without the t_x^(x−1)/Γ(x) factor).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::BgNbdParams;
    /// // NUMERICS.md stability vector: a 0.8, b 2.5, r 0.25, α 4, T 40
    /// let m = BgNbdParams { r: 0.25, alpha: 4.0, a: 0.8, b: 2.5 };
    /// assert!((m.log_likelihood_one(0.0, 0.0, 40.0).unwrap() + 0.59947382).abs() < 1e-8);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] for an invalid customer, [`CrmkitError::InvalidConfig`]
    /// for invalid parameters.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005) eq. 6, in log space with (α + t_x)^(−(r+x)) factored out:
    /// ℓ = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
    ///   + ln\[(α+T)^(−(r+x)) + \[x > 0\] a/(b+x−1) (α+t_x)^(−(r+x))\] (a log-sum-exp).
    pub fn log_likelihood_one(&self, x: f64, t_x: f64, t: f64) -> Result<f64> {
        self.check()?;
        check_customer(0, x, t_x, t)?;
        Ok(row_log_likelihood(
            self,
            &mut Shared::new(self),
            x,
            t_x,
            t,
            None,
        ))
    }

    /// Weighted log-likelihood of a data set (without the t_x^(x−1)/Γ(x) factors).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, BtydData};
    /// let m = BgNbdParams { r: 0.25, alpha: 4.0, a: 0.8, b: 2.5 };
    /// let d = BtydData::new(&[0.0, 0.0], &[0.0, 0.0], &[40.0, 40.0]).unwrap();
    /// assert!((m.log_likelihood(&d).unwrap() + 2.0 * 0.59947382).abs() < 1e-7);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid parameters.
    ///
    /// # Formula
    ///
    /// Σ wᵢ ℓᵢ with ℓ as in [`BgNbdParams::log_likelihood_one`].
    pub fn log_likelihood(&self, data: &BtydData) -> Result<f64> {
        self.check()?;
        let mut s = Shared::new(self);
        Ok(data
            .rows()
            .map(|(x, r, t, w)| w * row_log_likelihood(self, &mut s, x, r, t, None))
            .sum())
    }

    /// Weighted log-likelihood of a data set and its gradient in the parameters (r, α, a, b), in one
    /// pass over the rows: what each iteration of the fit evaluates (benchmarked in
    /// `benches/benches/clv.rs`).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BtydData, BgNbdParams};
    /// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// let d = BtydData::new(&[0.0, 2.0, 7.0], &[0.0, 30.43, 36.0], &[38.86, 38.86, 38.0]).unwrap();
    /// let (ll, grad) = m.log_likelihood_and_gradient(&d).unwrap();
    /// assert!((ll - m.log_likelihood(&d).unwrap()).abs() < 1e-9);
    /// assert!(grad.iter().all(|g| g.is_finite()));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid parameters; [`CrmkitError::Numerical`] for a
    /// non-finite log-likelihood.
    ///
    /// # Formula
    ///
    /// Σ wᵢ ℓᵢ and Σ wᵢ ∇ℓᵢ, ℓ as in [`BgNbdParams::log_likelihood_one`], ∇ from ∂ ln Γ = ψ.
    pub fn log_likelihood_and_gradient(&self, data: &BtydData) -> Result<(f64, [f64; 4])> {
        self.check()?;
        let mut s = Shared::new(self);
        let mut grad = [0.0; 4];
        let mut value = 0.0;
        for (x, r, t, w) in data.rows() {
            value += w * row_log_likelihood(self, &mut s, x, r, t, Some((&mut grad, w)));
        }
        if !value.is_finite() {
            return Err(CrmkitError::Numerical {
                context: "BgNbd log-likelihood".to_owned(),
                reason: format!("the result is not finite ({value})"),
            });
        }
        Ok((value, grad))
    }

    /// Probability that a new customer makes exactly `n` purchases in (0, `horizon`\].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::BgNbdParams;
    /// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// let total: f64 = (0..200).map(|n| m.probability_of_purchases(n, 39.0).unwrap()).sum();
    /// assert!((total - 1.0).abs() < 1e-9);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for an invalid horizon or parameters;
    /// [`CrmkitError::Numerical`] if the incomplete beta function does not converge.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005) eq. 8 (lifetimes 0.11.3 `probability_of_n_purchases_up_to_time`):
    /// P(X(t) = n) = B(a, b+n)/B(a, b) · Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n
    ///   + \[n > 0\] B(a+1, b+n−1)/B(a, b) · \[1 − (α/(α+t))^r Σ_{j<n} Γ(r+j)/(Γ(r) j!) (t/(α+t))^j\].
    ///
    /// The bracket (the NBD tail P(N(t) ≥ n)) is the regularised incomplete beta function
    /// I_q(n, r), q = t/(α+t), from its continued fraction, so the work does not grow with n.
    pub fn probability_of_purchases(&self, n: u32, horizon: f64) -> Result<f64> {
        self.check()?;
        check_horizon("horizon", horizon)?;
        let v = purchases_pmf([self.r, self.alpha, self.a, self.b], 0.0, horizon, n);
        pmf_result("BG/NBD probability of n purchases", v)
    }
}

impl TransactionModel for BgNbdParams {
    fn model_name(&self) -> &'static str {
        "BG/NBD"
    }

    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005) eq. 7 (lifetimes 0.11.3 `expected_number_of_purchases_up_to_time`):
    /// E\[X(t)\] = (a+b−1)/(a−1) · \[1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))\], evaluated after
    /// Euler's transformation as (a+b−1)/(a−1) · \[1 − (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b−1; z)\].
    fn expected_purchases_new_customer(&self, horizon: f64) -> Result<f64> {
        self.check()?;
        check_horizon("horizon", horizon)?;
        let z = horizon / (self.alpha + horizon);
        let v = bg_expectation::given_alive(self.a, self.b, self.r, z);
        finite("BG/NBD expected purchases of a new customer", v)
    }

    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005) eq. 10 (lifetimes 0.11.3
    /// `conditional_expected_number_of_purchases_up_to_time`):
    /// E\[Y(t) | x, t_x, T\] = (a+b+x−1)/(a−1) · \[1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)\]
    ///   / \[1 + \[x > 0\] a/(b+x−1) ((α+T)/(α+t_x))^(r+x)\], z = t/(α+T+t). The bracket is evaluated
    /// after Euler's transformation, 1 − (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z), which has no
    /// overflow for large x; the denominator is 1 / P(alive).
    fn expected_purchases_one(&self, horizon: f64, x: f64, t_x: f64, t: f64) -> Result<f64> {
        check_horizon("horizon", horizon)?;
        let alive = self.probability_alive_one(x, t_x, t)?;
        let v = self.given_alive(horizon, x, t) * alive;
        finite("BG/NBD conditional expected purchases", v)
    }

    /// [`TransactionModel::expected_purchases_one`] per horizon, with P(alive) computed once and
    /// the hypergeometric series of all horizons summed in lockstep
    /// (`special::hyp2f1_many`; equal to 1e-14 relative, tested).
    fn expected_purchases_path(
        &self,
        horizons: &[f64],
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<Vec<f64>> {
        let alive = self.probability_alive_one(x, t_x, t)?;
        self.path_if_alive(horizons, x, t)?
            .into_iter()
            .map(|v| finite("BG/NBD conditional expected purchases", v * alive))
            .collect()
    }

    /// (a+b+x−1) · tail per horizon: [`TransactionModel::expected_purchases_one`] without
    /// P(alive).
    fn expected_purchases_path_if_alive(
        &self,
        horizons: &[f64],
        x: f64,
        t: f64,
    ) -> Option<Result<Vec<f64>>> {
        Some(self.path_if_alive(horizons, x, t))
    }

    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005) eq. 11 (lifetimes 0.11.3 `conditional_probability_alive`):
    /// P(alive) = 1 / (1 + \[x > 0\] a/(b+x−1) ((α+T)/(α+t_x))^(r+x)), as a logistic function of
    /// the log of the second term; 1 when x = 0.
    fn probability_alive_one(&self, x: f64, t_x: f64, t: f64) -> Result<f64> {
        self.check()?;
        check_customer(0, x, t_x, t)?;
        if x == 0.0 {
            return Ok(1.0);
        }
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        // ln a − ln(b+x−1), not ln(a/(b+x−1)), which underflows for x near the double range;
        // ln((α+T)/(α+t_x)) as ln(1 + (T−t_x)/(α+t_x)) (exact 0 at t_x = T, no cancellation)
        let log_odds_dead =
            a.ln() - (b + x - 1.0).ln() + (r + x) * ((t - t_x) / (alpha + t_x)).ln_1p();
        Ok(logistic(-log_odds_dead))
    }
}

/// The BG/NBD model, to be fitted.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BgNbd, BtydData, FitOptions};
/// // (x, t_x, T) summaries in weeks, with the number of customers sharing each
/// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
/// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
/// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
/// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
/// let fit = BgNbd::fit(&d, &FitOptions::default()).unwrap();
/// assert!(fit.params.r > 0.0 && fit.log_likelihood < 0.0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct BgNbd;

/// A fitted BG/NBD model: parameters in the data's time unit, standard errors, log-likelihood
/// and convergence report.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BgNbd, BtydData, FitOptions, FittedBgNbd, TransactionModel};
/// // (x, t_x, T) summaries in weeks, with the number of customers sharing each
/// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
/// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
/// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
/// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
/// let fit = BgNbd::fit(&d, &FitOptions::default()).unwrap();
/// let json = serde_json::to_string(&fit).unwrap();
/// let back: FittedBgNbd = serde_json::from_str(&json).unwrap();
/// // serde_json's default float parser may differ from the written value in the last bit
/// assert!((back.params.alpha / fit.params.alpha - 1.0).abs() < 1e-15);
/// assert!(back.probability_alive_one(1.0, 5.0, 38.0).unwrap() < 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FittedBgNbdRaw")]
pub struct FittedBgNbd {
    /// Maximum-likelihood parameters.
    pub params: BgNbdParams,
    /// Standard errors (delta method on the inverse Hessian in log-parameters); `None` when not
    /// requested or the Hessian is not positive definite.
    pub standard_errors: Option<BgNbdParams>,
    /// Covariance matrix of (r, α, a, b), same availability as the standard errors.
    pub covariance: Option<[[f64; 4]; 4]>,
    /// Log-likelihood at the parameters (t_x^(x−1)/Γ(x) factors left out).
    pub log_likelihood: f64,
    /// How the optimiser ended.
    pub report: ConvergenceReport,
    /// Number of customers (sum of weights).
    pub n_customers: f64,
}

impl BgNbd {
    /// Fits the BG/NBD model by maximum likelihood.
    ///
    /// Rows are compressed (unless `opts.compress` is false), time is divided by max T for the
    /// optimisation and α scaled back afterwards; the optimisation runs on log-parameters with
    /// the analytic gradient.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbd, BtydData, FitOptions};
    /// // (x, t_x, T) summaries in weeks, with the number of customers sharing each
    /// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
    /// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
    /// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
    /// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
    /// let fit = BgNbd::fit(&d, &FitOptions::default()).unwrap();
    /// assert!(fit.report.gradient_norm < 1e-6);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid options;
    /// [`CrmkitError::NotConverged`] when the optimiser stops without converging (the reason says
    /// why, e.g. a parameter running off to infinity).
    ///
    /// # Formula
    ///
    /// Maximises Σ wᵢ ℓᵢ − λ Σ θ² (θ on the fitting time scale), ℓ as in
    /// [`BgNbdParams::log_likelihood_one`]; gradient from ∂ ln Γ = ψ.
    pub fn fit(data: &BtydData, opts: &FitOptions) -> Result<FittedBgNbd> {
        fit_model(&BgNbd, data, opts)
    }
}

impl FitModel<4> for BgNbd {
    type Data = BtydData;
    type Params = BgNbdParams;
    type Fitted = FittedBgNbd;
    // ln(α + τ) and 1/(α + τ) once per distinct time of each part per evaluation
    type Part<'a> = (BtydData, TimeIndex, Vec<[f64; 2]>);
    const MODEL: &'static str = "BG/NBD";
    const NAMES: [&'static str; 4] = NAMES;
    const HETEROGENEITY: &'static [(usize, usize)] = &[(0, 1), (2, 3)];
    const SCALED: &'static [usize] = &[1];
    const THREADED_ROWS: usize = crate::math::optimize::BG_FAMILY_THREADED_ROWS;

    /// The purchase process from moments; a = b = 1, a uniform dropout probability.
    fn default_start(&self, base: &BtydData, scale: f64) -> [f64; 4] {
        base.nbd_moments()
            .map_or([1.0; 4], |(r, alpha)| [r, alpha / scale, 1.0, 1.0])
    }

    fn likelihood<'a>(&'a self, base: &'a BtydData, scale: f64) -> Likelihood<Self::Part<'a>> {
        let scaled = base.rescaled(scale);
        Likelihood::Split {
            parts: scaled
                .halves()
                .into_iter()
                .map(|d| {
                    let times = d.time_index();
                    (d, times, Vec::new())
                })
                .collect(),
            rows: scaled.len(),
        }
    }

    fn nll(
        &self,
        (part, times, logs): &mut Self::Part<'_>,
        th: &[f64; 4],
        g: &mut [f64; 4],
        opg: Option<&mut [[f64; 4]; 4]>,
    ) -> f64 {
        let p = Self::params(*th);
        let mut s = Shared::new(&p);
        logs.clear();
        logs.extend(times.times.iter().map(|&tau| {
            let at = p.alpha + tau;
            [at.ln(), 1.0 / at]
        }));
        let mut sum = NllSum::new(g, opg);
        for (i, (&x, &w)) in part.x().iter().zip(part.weights()).enumerate() {
            let (lt, ltx) = (logs[times.t[i]], logs[times.t_x[i]]);
            sum.add_factored(w, |gr| {
                row_log_likelihood_parts(&p, &mut s, x, lt, ltx, Some((gr, 1.0)))
            });
        }
        sum.finish()
    }

    fn params([r, alpha, a, b]: [f64; 4]) -> BgNbdParams {
        BgNbdParams { r, alpha, a, b }
    }

    fn log_likelihood(
        &self,
        base: &BtydData,
        _: &BgNbdParams,
        fitted: f64,
        scale: f64,
    ) -> Result<f64> {
        Ok(base.unscaled_log_likelihood(fitted, scale))
    }
}

fitted_from_model_fit!(FittedBgNbd, BgNbdParams, 4, n_customers);

impl FittedBgNbd {
    /// Probability that a new customer makes exactly `n` purchases in (0, `horizon`\]; see
    /// [`BgNbdParams::probability_of_purchases`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbd, BtydData, FitOptions};
    /// // (x, t_x, T) summaries in weeks, with the number of customers sharing each
    /// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
    /// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
    /// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
    /// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
    /// let fit = BgNbd::fit(&d, &FitOptions::default()).unwrap();
    /// assert!(fit.probability_of_purchases(0, 38.0).unwrap() > 0.5);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`BgNbdParams::probability_of_purchases`].
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005) eq. 8.
    pub fn probability_of_purchases(&self, n: u32, horizon: f64) -> Result<f64> {
        self.params.probability_of_purchases(n, horizon)
    }
}

super::delegate_to_params!(FittedBgNbd);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let p = BgNbdParams {
            r: 0.24,
            alpha: 4.4,
            a: 0.79,
            b: 2.4,
        };
        for (x, t_x, t) in [(0.0, 0.0, 38.0), (2.0, 30.43, 38.86), (400.0, 37.0, 38.0)] {
            let mut g = [0.0; 4];
            row_log_likelihood(&p, &mut Shared::new(&p), x, t_x, t, Some((&mut g, 1.0)));
            let th = [p.r, p.alpha, p.a, p.b];
            for i in 0..4 {
                let h = 1e-6 * th[i];
                let f = |v: [f64; 4]| {
                    let q = BgNbdParams {
                        r: v[0],
                        alpha: v[1],
                        a: v[2],
                        b: v[3],
                    };
                    row_log_likelihood(&q, &mut Shared::new(&q), x, t_x, t, None)
                };
                let (mut up, mut dn) = (th, th);
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

    /// E\[Y(t)\] = P(alive) ∫₀¹ (1 − ((α+T)/(α+T+pt))^(r+x)) / p · Beta(p; a, b+x) dp: given λ and p,
    /// an alive customer buys (1 − e^(−λpt))/p in expectation, and λ | alive ~ Gamma(r+x, α+T).
    /// Simpson's rule after p = u^(1/a) (which removes the p^(a−1) singularity). Tolerance 1e-7.
    #[test]
    fn conditional_expectation_matches_quadrature() {
        let p = BgNbdParams {
            r: 0.2426,
            alpha: 4.4136,
            a: 0.7930,
            b: 2.4261,
        };
        for (x, t_x, t, h) in [
            (2.0, 30.43, 38.86, 39.0),
            (5.0, 20.0, 38.0, 500.0),
            (30.0, 37.0, 38.0, 5000.0),
        ] {
            let (r, alpha, a, b) = (p.r, p.alpha, p.a, p.b);
            let ln_beta_ab = ln_beta(a, b + x);
            let f = |u: f64| {
                if u <= 0.0 {
                    // limit p → 0: (r+x) h/(α+T) times the density factor
                    return (r + x) * h / (alpha + t) * (-ln_beta_ab).exp() / a;
                }
                let q = u.powf(1.0 / a);
                let ey = -((r + x) * ((alpha + t) / (alpha + t + q * h)).ln()).exp_m1() / q;
                ey * ((b + x - 1.0) * (-q).ln_1p() - ln_beta_ab).exp() / a
            };
            let n = 200_000;
            let step = 1.0 / f64::from(n);
            let mut acc = f(0.0) + f(1.0);
            for i in 1..n {
                acc += f(f64::from(i) * step) * if i % 2 == 1 { 4.0 } else { 2.0 };
            }
            let quad = acc * step / 3.0 * p.probability_alive_one(x, t_x, t).unwrap();
            let closed = p.expected_purchases_one(h, x, t_x, t).unwrap();
            assert!(
                (closed / quad - 1.0).abs() < 1e-7,
                "x {x} h {h}: {closed} vs {quad}"
            );
        }
    }

    #[test]
    fn expected_purchases_path_equals_one_by_one() {
        // CLV's monthly steps use the path; values must be those of expected_purchases_one.
        let p = BgNbdParams {
            r: 0.2426,
            alpha: 4.4136,
            a: 0.7930,
            b: 2.4261,
        };
        let horizons: Vec<f64> = (1..=24).map(|i| f64::from(i) * 4.345).collect();
        for (x, t_x, t) in [
            (0.0, 0.0, 38.0),
            (2.0, 30.43, 38.86),
            (14.0, 37.0, 38.0),
            (1.0, 1.0, 2.0),
        ] {
            let path = p.expected_purchases_path(&horizons, x, t_x, t).unwrap();
            for (h, v) in horizons.iter().zip(path) {
                let one = p.expected_purchases_one(*h, x, t_x, t).unwrap();
                assert!((v - one).abs() <= 1e-14 * one.abs(), "{h}: {v} vs {one}");
            }
        }
        assert!(
            p.expected_purchases_path(&[1.0, -1.0], 1.0, 1.0, 2.0)
                .is_err()
        );
    }
}

validated_params!(BgNbdParams, BgNbdParamsRaw { r, alpha, a, b });
validated_fit!(FittedBgNbd, FittedBgNbdRaw, BgNbdParams, 4, n_customers);
