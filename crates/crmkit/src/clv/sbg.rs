//! The shifted-beta-geometric model of contractual retention (Fader & Hardie 2007, "How to
//! project customer retention").

use serde::{Deserialize, Serialize};

use super::fit_model::{FitModel, Likelihood, fit_model, fitted_from_model_fit};
use super::{RetentionData, check_params, finite};
use crate::math::optimize::{ConvergenceReport, FitOptions};
use crate::math::special::{digamma, ln_beta, ln_beta_ratio, ln_hyp2f1_unit_a};
use crate::{CrmkitError, Result};

const NAMES: [&str; 2] = ["alpha", "beta"];

/// sBG parameters: each customer's churn probability per period θ ~ Beta(α, β).
///
/// # Examples
///
/// ```
/// use crmkit::clv::SbgParams;
/// let m = SbgParams { alpha: 0.704, beta: 1.182 };
/// // retention rises with tenure: heterogeneity, not changing individual behaviour
/// assert!(m.retention_rate(2).unwrap() > m.retention_rate(1).unwrap());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SbgParamsRaw")]
pub struct SbgParams {
    /// First shape of the churn-probability beta distribution.
    pub alpha: f64,
    /// Second shape of the churn-probability beta distribution.
    pub beta: f64,
}

impl SbgParams {
    fn check(&self) -> Result<()> {
        check_params(&NAMES, &[self.alpha, self.beta])
    }

    /// Log-likelihood of a cohort.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{RetentionData, SbgParams};
    /// let d = RetentionData::from_counts(&[369.0, 163.0], 468.0).unwrap();
    /// assert!(SbgParams { alpha: 0.7, beta: 1.2 }.log_likelihood(&d).unwrap() < 0.0);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid parameters.
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2007) eq. 5: ℓ = Σ_{t=1..n} n_t ln P(T = t) + (survivors) ln S(n), with
    /// P(T = t) = B(α+1, β+t−1)/B(α, β) and S(t) = B(α, β+t)/B(α, β).
    pub fn log_likelihood(&self, data: &RetentionData) -> Result<f64> {
        self.check()?;
        Ok(log_likelihood_grad(self, data, None))
    }

    /// Probability that a customer churns in period `t` ≥ 1: P(T = t).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::SbgParams;
    /// let m = SbgParams { alpha: 0.704, beta: 1.182 };
    /// assert!((m.churn_probability(1).unwrap() - 0.704 / 1.886).abs() < 1e-12);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for t = 0 or invalid parameters.
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2007) eq. 3: P(T = t) = B(α+1, β+t−1)/B(α, β).
    pub fn churn_probability(&self, t: u32) -> Result<f64> {
        self.check()?;
        if t == 0 {
            return Err(CrmkitError::invalid_config("t", t, "periods start at 1"));
        }
        let tf = f64::from(t);
        let (a, b) = (self.alpha, self.beta);
        // B(α+1, β+t−1)/B(α, β) = α/(α+β+t−1) · B(α, β+t−1)/B(α, β), the beta ratio without
        // cancellation for huge β
        let ln_v = a.ln() - (a + b + tf - 1.0).ln() + ln_beta_ratio(a, b, tf - 1.0);
        finite("sBG churn probability", ln_v.min(0.0).exp())
    }

    /// Share of the cohort still active after `t` periods: S(t).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::SbgParams;
    /// let m = SbgParams { alpha: 0.704, beta: 1.182 };
    /// assert_eq!(m.survival(0).unwrap(), 1.0);
    /// let curve: Vec<f64> = (0..13).map(|t| m.survival(t).unwrap()).collect();
    /// assert!(curve.windows(2).all(|w| w[1] < w[0]));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid parameters.
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2007) eq. 4: S(t) = B(α, β+t)/B(α, β).
    pub fn survival(&self, t: u32) -> Result<f64> {
        self.check()?;
        let tf = f64::from(t);
        // ≤ 1 by construction: the log-ratio is formed without the log-gammas of β (near 1e17
        // for β = 1e16), and rounding that would carry it above 0 is clipped
        let ln_s = ln_beta_ratio(self.alpha, self.beta, tf);
        finite("sBG survival", ln_s.min(0.0).exp())
    }

    /// Retention rate of period `t` ≥ 1: the share of those active at t − 1 still active at t.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::SbgParams;
    /// let m = SbgParams { alpha: 0.704, beta: 1.182 };
    /// assert!((m.retention_rate(1).unwrap() - 1.182 / 1.886).abs() < 1e-12);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for t = 0 or invalid parameters.
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2007) eq. 6: r_t = (β + t − 1)/(α + β + t − 1).
    pub fn retention_rate(&self, t: u32) -> Result<f64> {
        self.check()?;
        if t == 0 {
            return Err(CrmkitError::invalid_config("t", t, "periods start at 1"));
        }
        let tf = f64::from(t);
        Ok((self.beta + tf - 1.0) / (self.alpha + self.beta + tf - 1.0))
    }

    /// Discounted expected residual lifetime (in periods, payments at the start of each future
    /// period) of a customer who has made `renewals` = n − 1 renewals, at discount rate `d` per
    /// period.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::SbgParams;
    /// let m = SbgParams { alpha: 0.704, beta: 1.182 };
    /// // a customer who has renewed more often is worth more (survivor bias of retention)
    /// assert!(m.discounted_expected_residual_lifetime(0.1, 4).unwrap()
    ///     > m.discounted_expected_residual_lifetime(0.1, 0).unwrap());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for a rate that is not finite and > 0 or invalid parameters;
    /// [`CrmkitError::Numerical`] if ₂F₁ fails.
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2010), "Customer-base valuation in a contractual setting", eq. 6:
    /// DERL(d | α, β, n−1) = (β+n−1)/(α+β+n−1) · ₂F₁(1, β+n; α+β+n; 1/(1+d)).
    pub fn discounted_expected_residual_lifetime(&self, d: f64, renewals: u32) -> Result<f64> {
        self.check()?;
        if !(d.is_finite() && d > 0.0) {
            return Err(CrmkitError::invalid_config(
                "d",
                d,
                "must be finite and > 0",
            ));
        }
        let n = f64::from(renewals) + 1.0;
        let (a, b) = (self.alpha, self.beta);
        // ₂F₁(1, β+n; α+β+n; z): a series of positive terms with ratio below z (no cancellation
        // for any α, β), the 1 − z connection formula only for d < 1e-3 (z > 0.999)
        let z = 1.0 / (1.0 + d);
        let ln_f = ln_hyp2f1_unit_a(b + n, a + b + n, z)
            .map(|v| v.0)
            .ok_or_else(|| CrmkitError::Numerical {
                context: "sBG discounted expected residual lifetime".to_owned(),
                reason: format!("2F1(1, {}; {}; {z}) did not converge", b + n, a + b + n),
            })?;
        let v = (b + n - 1.0) / (a + b + n - 1.0) * ln_f.exp();
        finite("sBG discounted expected residual lifetime", v)
    }
}

fn log_likelihood_grad(p: &SbgParams, data: &RetentionData, grad: Option<&mut [f64; 2]>) -> f64 {
    let (a, b) = (p.alpha, p.beta);
    let lb = ln_beta(a, b);
    let (psi_b, psi_ab) = (digamma(b), digamma(a + b));
    let mut total = 0.0;
    let mut g = [0.0; 2];
    for (i, &n_t) in data.lost().iter().enumerate() {
        if n_t == 0.0 {
            continue;
        }
        let t = (i + 1) as f64;
        total += n_t * (ln_beta(a + 1.0, b + t - 1.0) - lb);
        if grad.is_some() {
            let psi_abt = digamma(a + b + t);
            g[0] += n_t * (1.0 / a - psi_abt + psi_ab);
            g[1] += n_t * (digamma(b + t - 1.0) - psi_abt - psi_b + psi_ab);
        }
    }
    let n = data.periods() as f64;
    let surv = data.survivors();
    if surv > 0.0 {
        total += surv * (ln_beta(a, b + n) - lb);
        if grad.is_some() {
            let psi_abn = digamma(a + b + n);
            g[0] += surv * (psi_ab - psi_abn);
            g[1] += surv * (digamma(b + n) - psi_abn - psi_b + psi_ab);
        }
    }
    if let Some(out) = grad {
        *out = g;
    }
    total
}

/// The shifted-beta-geometric model, to be fitted on a cohort.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{FitOptions, RetentionData, Sbg};
/// let d = RetentionData::from_survival(&[100.0, 86.9, 74.3, 65.3, 59.3, 55.1, 51.7, 49.1], 1000.0).unwrap();
/// let fit = Sbg::fit(&d, &FitOptions::default()).unwrap();
/// assert!((fit.params.beta - 3.806).abs() < 5e-3);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Sbg;

/// A fitted sBG model.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{FitOptions, FittedSbg, RetentionData, Sbg};
/// let d = RetentionData::from_survival(&[100.0, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1], 1000.0).unwrap();
/// let fit = Sbg::fit(&d, &FitOptions::default()).unwrap();
/// let back: FittedSbg = serde_json::from_str(&serde_json::to_string(&fit).unwrap()).unwrap();
/// // serde_json's default float parser may differ from the written value in the last bit
/// assert!((back.params.beta / fit.params.beta - 1.0).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FittedSbgRaw")]
pub struct FittedSbg {
    /// Maximum-likelihood parameters.
    pub params: SbgParams,
    /// Delta-method standard errors (they scale with the cohort size).
    pub standard_errors: Option<SbgParams>,
    /// Covariance matrix of (α, β).
    pub covariance: Option<[[f64; 2]; 2]>,
    /// Log-likelihood at the parameters.
    pub log_likelihood: f64,
    /// How the optimiser ended.
    pub report: ConvergenceReport,
}

impl Sbg {
    /// Fits the sBG model by maximum likelihood (log-parameters, analytic gradient).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{FitOptions, RetentionData, Sbg};
    /// let d = RetentionData::from_counts(&[131.0, 126.0, 90.0, 60.0], 593.0).unwrap();
    /// assert!(Sbg::fit(&d, &FitOptions::default()).unwrap().params.alpha > 0.0);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid options; [`CrmkitError::NotConverged`] when the
    /// optimiser stops without converging (e.g. no churn at all).
    ///
    /// # Formula
    ///
    /// Maximises ℓ of [`SbgParams::log_likelihood`] − λ Σ θ².
    pub fn fit(data: &RetentionData, opts: &FitOptions) -> Result<FittedSbg> {
        fit_model(&Sbg, data, opts)
    }
}

impl FitModel<2> for Sbg {
    type Data = RetentionData;
    type Params = SbgParams;
    type Fitted = FittedSbg;
    type Part<'a> = &'a RetentionData;
    const MODEL: &'static str = "sBG";
    const NAMES: [&'static str; 2] = NAMES;
    const HETEROGENEITY: &'static [(usize, usize)] = &[(0, 1)];
    const SCALED: &'static [usize] = &[];

    fn likelihood<'a>(&'a self, base: &'a RetentionData, _: f64) -> Likelihood<&'a RetentionData> {
        Likelihood::Whole(base)
    }

    fn nll(
        &self,
        data: &mut &RetentionData,
        th: &[f64; 2],
        g: &mut [f64; 2],
        _opg: Option<&mut [[f64; 2]; 2]>,
    ) -> f64 {
        let v = log_likelihood_grad(&Self::params(*th), data, Some(g));
        *g = g.map(|x| -x);
        -v
    }

    fn params([alpha, beta]: [f64; 2]) -> SbgParams {
        SbgParams { alpha, beta }
    }

    fn log_likelihood(
        &self,
        data: &RetentionData,
        params: &SbgParams,
        _: f64,
        _: f64,
    ) -> Result<f64> {
        params.log_likelihood(data)
    }
}

fitted_from_model_fit!(FittedSbg, SbgParams, 2);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let d = RetentionData::from_counts(&[369.0, 163.0, 86.0, 56.0], 326.0).unwrap();
        let p = SbgParams {
            alpha: 0.7,
            beta: 1.2,
        };
        let mut g = [0.0; 2];
        log_likelihood_grad(&p, &d, Some(&mut g));
        let f = |a: f64, b: f64| log_likelihood_grad(&SbgParams { alpha: a, beta: b }, &d, None);
        let h = 1e-6;
        let na = (f(0.7 + h, 1.2) - f(0.7 - h, 1.2)) / (2.0 * h);
        let nb = (f(0.7, 1.2 + h) - f(0.7, 1.2 - h)) / (2.0 * h);
        assert!(
            (g[0] - na).abs() < 1e-5 * (1.0 + na.abs()),
            "{} vs {na}",
            g[0]
        );
        assert!(
            (g[1] - nb).abs() < 1e-5 * (1.0 + nb.abs()),
            "{} vs {nb}",
            g[1]
        );
    }
}

validated_params!(SbgParams, SbgParamsRaw { alpha, beta });
validated_fit!(FittedSbg, FittedSbgRaw, SbgParams, 2);
