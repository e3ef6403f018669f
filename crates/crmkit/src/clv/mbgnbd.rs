//! The MBG/NBD model (Batislam, Denizel & Filiztekin 2007): BG/NBD where a customer may also
//! drop out right after the first purchase.

use serde::{Deserialize, Serialize};

use super::bg_expectation;
use super::bgnbd::{pmf_result, purchases_pmf};
use super::data::{check_customer, check_horizon};
use super::fit_model::{FitModel, Likelihood, fit_model, fitted_from_model_fit};
use super::{BtydData, TransactionModel, check_params, finite};
use crate::Result;
use crate::math::optimize::{ConvergenceReport, FitOptions, NllSum};
use crate::math::special::{digamma, ln_beta, ln_gamma, log_add_exp, logistic};

const NAMES: [&str; 4] = ["r", "alpha", "a", "b"];

/// MBG/NBD parameters: λ ~ Gamma(r, α), dropout probability p ~ Beta(a, b) at time 0 and after
/// each purchase. α is in the time unit of the data.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{MbgNbdParams, TransactionModel};
/// let m = MbgNbdParams { r: 0.5248, alpha: 6.1830, a: 0.8914, b: 1.6140 };
/// // unlike BG/NBD, a customer without repeat purchases may already be gone
/// assert!(m.probability_alive_one(0.0, 0.0, 38.86).unwrap() < 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "MbgNbdParamsRaw")]
pub struct MbgNbdParams {
    /// Shape of the purchase-rate gamma distribution.
    pub r: f64,
    /// Rate of the purchase-rate gamma distribution (time units).
    pub alpha: f64,
    /// First shape of the dropout-probability beta distribution.
    pub a: f64,
    /// Second shape of the dropout-probability beta distribution.
    pub b: f64,
}

struct Shared {
    ln_gamma_r: f64,
    ln_alpha: f64,
    ln_a: f64,
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
    ln_bx: f64,
    psi_rx: f64,
    psi_abx1: f64,
    psi_bx1: f64,
}

impl Shared {
    fn per_x(&mut self, p: &MbgNbdParams, x: f64, with_grad: bool) -> PerX {
        let c = self.per_x;
        if c.x == x && (c.with_grad || !with_grad) {
            return c;
        }
        let (r, a, b) = (p.r, p.a, p.b);
        let head = ln_gamma(r + x) - self.ln_gamma_r + r * self.ln_alpha + ln_beta(a, b + x + 1.0)
            - self.ln_beta_ab;
        let (psi_rx, psi_abx1, psi_bx1) = if with_grad {
            (
                digamma(r + x),
                digamma(a + b + x + 1.0),
                digamma(b + x + 1.0),
            )
        } else {
            (0.0, 0.0, 0.0)
        };
        self.per_x = PerX {
            x,
            with_grad,
            head,
            ln_bx: (b + x).ln(),
            psi_rx,
            psi_abx1,
            psi_bx1,
        };
        self.per_x
    }

    fn new(p: &MbgNbdParams) -> Self {
        Self {
            per_x: PerX {
                x: f64::NAN,
                with_grad: false,
                head: 0.0,
                ln_bx: 0.0,
                psi_rx: 0.0,
                psi_abx1: 0.0,
                psi_bx1: 0.0,
            },
            ln_gamma_r: ln_gamma(p.r),
            ln_alpha: p.alpha.ln(),
            ln_a: p.a.ln(),
            ln_beta_ab: ln_beta(p.a, p.b),
            psi_r: digamma(p.r),
            psi_b: digamma(p.b),
            psi_ab: digamma(p.a + p.b),
        }
    }
}

#[inline]
fn row_log_likelihood(
    p: &MbgNbdParams,
    s: &mut Shared,
    x: f64,
    t_x: f64,
    t: f64,
    grad: Option<(&mut [f64; 4], f64)>,
) -> f64 {
    let (r, alpha, a, b) = (p.r, p.alpha, p.a, p.b);
    let px = s.per_x(p, x, grad.is_some());
    let rx = r + x;
    let (ln_at, ln_atx) = ((alpha + t).ln(), (alpha + t_x).ln());
    let d1 = -rx * ln_at;
    let d2 = s.ln_a - px.ln_bx - rx * ln_atx;
    if let Some((g, w)) = grad {
        let w2 = logistic(d2 - d1);
        let w1 = 1.0 - w2;
        g[0] += w * (px.psi_rx - s.psi_r + s.ln_alpha - w1 * ln_at - w2 * ln_atx);
        g[1] += w * (r / alpha - rx * (w1 / (alpha + t) + w2 / (alpha + t_x)));
        g[2] += w * (s.psi_ab - px.psi_abx1 + w2 / a);
        g[3] += w * (px.psi_bx1 - px.psi_abx1 - s.psi_b + s.psi_ab - w2 / (b + x));
    }
    px.head + log_add_exp(d1, d2)
}

impl MbgNbdParams {
    fn check(&self) -> Result<()> {
        check_params(&NAMES, &[self.r, self.alpha, self.a, self.b])
    }

    /// E\[Y(h) | alive at T, x, T\] = (a+b+x) · tail for one horizon (unchecked).
    fn given_alive(&self, horizon: f64, x: f64, t: f64) -> f64 {
        let z = horizon / (self.alpha + t + horizon);
        bg_expectation::given_alive(self.a, self.b + x + 1.0, self.r + x, z)
    }

    /// Log-likelihood of one customer (without the t_x^(x−1)/Γ(x) factor).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::MbgNbdParams;
    /// let m = MbgNbdParams { r: 0.5248, alpha: 6.1830, a: 0.8914, b: 1.6140 };
    /// assert!(m.log_likelihood_one(2000.0, 38.0, 39.0).unwrap().is_finite());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`](crate::CrmkitError::InvalidValue) for an invalid customer, [`CrmkitError::InvalidConfig`](crate::CrmkitError::InvalidConfig) for
    /// invalid parameters.
    ///
    /// # Formula
    ///
    /// Batislam, Denizel & Filiztekin (2007) eq. 6 (lifetimes 0.11.3 `ModifiedBetaGeoFitter`):
    /// ℓ = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x+1) − ln B(a, b)
    ///   + ln\[(α+T)^(−(r+x)) + a/(b+x) (α+t_x)^(−(r+x))\] (a log-sum-exp).
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

    /// Weighted log-likelihood of a data set.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BtydData, MbgNbdParams};
    /// let m = MbgNbdParams { r: 0.5248, alpha: 6.1830, a: 0.8914, b: 1.6140 };
    /// let d = BtydData::new(&[0.0, 2.0], &[0.0, 30.43], &[38.86, 38.86]).unwrap();
    /// assert!(m.log_likelihood(&d).unwrap() < 0.0);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`](crate::CrmkitError::InvalidConfig) for invalid parameters.
    ///
    /// # Formula
    ///
    /// Σ wᵢ ℓᵢ, ℓ as in [`MbgNbdParams::log_likelihood_one`].
    pub fn log_likelihood(&self, data: &BtydData) -> Result<f64> {
        self.check()?;
        let mut s = Shared::new(self);
        Ok(data
            .rows()
            .map(|(x, r, t, w)| w * row_log_likelihood(self, &mut s, x, r, t, None))
            .sum())
    }
}

impl MbgNbdParams {
    /// Probability that a new customer makes exactly `n` purchases in (0, `horizon`\].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::MbgNbdParams;
    /// // Batislam et al. (2007) parameters for CDNOW (data/README.md)
    /// let m = MbgNbdParams { r: 0.5248, alpha: 6.1830, a: 0.8914, b: 1.6140 };
    /// let total: f64 = (0..300).map(|n| m.probability_of_purchases(n, 39.0).unwrap()).sum();
    /// assert!((total - 1.0).abs() < 1e-9);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`](crate::CrmkitError::InvalidConfig) for an invalid horizon or parameters.
    ///
    /// # Formula
    ///
    /// Batislam, Denizel & Filiztekin (2007) (lifetimes 0.11.3 `ModifiedBetaGeoFitter.
    /// probability_of_n_purchases_up_to_time`): with a dropout chance at time 0 and after each
    /// purchase, P(X(t) = n) = B(a, b+n+1)/B(a, b) · NB(n) + B(a+1, b+n)/B(a, b) · \[1 − Σ_{j<n} NB(j)\],
    /// NB(j) = Γ(r+j)/(Γ(r) j!) (α/(α+t))^r (t/(α+t))^j.
    pub fn probability_of_purchases(&self, n: u32, horizon: f64) -> Result<f64> {
        self.check()?;
        check_horizon("horizon", horizon)?;
        let v = purchases_pmf([self.r, self.alpha, self.a, self.b], 1.0, horizon, n);
        pmf_result("MBG/NBD probability of n purchases", v)
    }
}

impl FittedMbgNbd {
    /// Probability that a new customer makes exactly `n` purchases in (0, `horizon`\]; see
    /// [`MbgNbdParams::probability_of_purchases`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BtydData, FitOptions, MbgNbd};
    /// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
    /// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
    /// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
    /// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
    /// let fit = MbgNbd::fit(&d, &FitOptions::default()).unwrap();
    /// assert!(fit.probability_of_purchases(0, 38.0).unwrap() > 0.5);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`MbgNbdParams::probability_of_purchases`].
    pub fn probability_of_purchases(&self, n: u32, horizon: f64) -> Result<f64> {
        self.params.probability_of_purchases(n, horizon)
    }
}

impl TransactionModel for MbgNbdParams {
    fn model_name(&self) -> &'static str {
        "MBG/NBD"
    }

    /// # Formula
    ///
    /// Batislam, Denizel & Filiztekin (2007) eq. 8 (lifetimes 0.11.3
    /// `expected_number_of_purchases_up_to_time`): E\[X(t)\] = b/(a−1) · \[1 − (α/(α+t))^r
    /// ₂F₁(r, b+1; a+b; t/(α+t))\], evaluated after Euler's transformation as
    /// b/(a−1) · \[1 − (1−z)^(a−1) ₂F₁(a+b−r, a−1; a+b; z)\].
    fn expected_purchases_new_customer(&self, horizon: f64) -> Result<f64> {
        self.check()?;
        check_horizon("horizon", horizon)?;
        let (a, b) = (self.a, self.b);
        let z = horizon / (self.alpha + horizon);
        finite(
            "MBG/NBD expected purchases of a new customer",
            b / (a + b) * bg_expectation::given_alive(a, b + 1.0, self.r, z),
        )
    }

    /// # Formula
    ///
    /// Batislam, Denizel & Filiztekin (2007) eq. 10 (lifetimes 0.11.3
    /// `conditional_expected_number_of_purchases_up_to_time`):
    /// E\[Y(t) | x, t_x, T\] = (a+b+x)/(a−1) · \[1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x+1; a+b+x; z)\]
    ///   / \[1 + a/(b+x) ((α+T)/(α+t_x))^(r+x)\], z = t/(α+T+t); the bracket after Euler's
    /// transformation is 1 − (1−z)^(a−1) ₂F₁(a+b−r, a−1; a+b+x; z).
    fn expected_purchases_one(&self, horizon: f64, x: f64, t_x: f64, t: f64) -> Result<f64> {
        check_horizon("horizon", horizon)?;
        let alive = self.probability_alive_one(x, t_x, t)?;
        let v = self.given_alive(horizon, x, t) * alive;
        finite("MBG/NBD conditional expected purchases", v)
    }

    /// (a+b+x) · tail per horizon: [`TransactionModel::expected_purchases_one`] without P(alive).
    fn expected_purchases_path_if_alive(
        &self,
        horizons: &[f64],
        x: f64,
        t: f64,
    ) -> Option<Result<Vec<f64>>> {
        let path = || {
            self.check()?;
            check_customer(0, x, 0.0, t)?;
            let mut zs = Vec::with_capacity(horizons.len());
            for &h in horizons {
                check_horizon("horizon", h)?;
                zs.push(h / (self.alpha + t + h));
            }
            let mut out = Vec::with_capacity(zs.len());
            bg_expectation::given_alive_many(self.a, self.b + x + 1.0, self.r + x, &zs, &mut out);
            out.into_iter()
                .map(|v| finite("MBG/NBD conditional expected purchases", v))
                .collect()
        };
        Some(path())
    }

    /// # Formula
    ///
    /// Batislam, Denizel & Filiztekin (2007) eq. 9 (lifetimes 0.11.3 `conditional_probability_alive`):
    /// P(alive) = 1 / (1 + a/(b+x) ((α+T)/(α+t_x))^(r+x)) for every x (also x = 0).
    fn probability_alive_one(&self, x: f64, t_x: f64, t: f64) -> Result<f64> {
        self.check()?;
        check_customer(0, x, t_x, t)?;
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        // as in BG/NBD: ln a − ln(b+x) and ln(1 + (T−t_x)/(α+t_x)), finite for every x
        let log_odds_dead = a.ln() - (b + x).ln() + (r + x) * ((t - t_x) / (alpha + t_x)).ln_1p();
        Ok(logistic(-log_odds_dead))
    }
}

/// The MBG/NBD model, to be fitted.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BtydData, FitOptions, MbgNbd};
/// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
/// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
/// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
/// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
/// assert!(MbgNbd::fit(&d, &FitOptions::default()).is_ok());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MbgNbd;

/// A fitted MBG/NBD model.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BtydData, FitOptions, MbgNbd, TransactionModel};
/// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
/// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
/// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
/// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
/// let fit = MbgNbd::fit(&d, &FitOptions::default()).unwrap();
/// assert!(fit.probability_alive_one(0.0, 0.0, 38.0).unwrap() < 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FittedMbgNbdRaw")]
pub struct FittedMbgNbd {
    /// Maximum-likelihood parameters.
    pub params: MbgNbdParams,
    /// Delta-method standard errors.
    pub standard_errors: Option<MbgNbdParams>,
    /// Covariance matrix of (r, α, a, b).
    pub covariance: Option<[[f64; 4]; 4]>,
    /// Log-likelihood at the parameters.
    pub log_likelihood: f64,
    /// How the optimiser ended.
    pub report: ConvergenceReport,
    /// Number of customers (sum of weights).
    pub n_customers: f64,
}

impl MbgNbd {
    /// Fits the MBG/NBD model by maximum likelihood (log-parameters, time rescaled to max T = 1,
    /// analytic gradient).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BtydData, FitOptions, MbgNbd};
    /// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
    /// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
    /// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
    /// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
    /// assert!(MbgNbd::fit(&d, &FitOptions::default()).unwrap().report.gradient_norm < 1e-6);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`](crate::CrmkitError::InvalidConfig) for invalid options; [`CrmkitError::NotConverged`](crate::CrmkitError::NotConverged) when the
    /// optimiser stops without converging.
    ///
    /// # Formula
    ///
    /// Maximises Σ wᵢ ℓᵢ − λ Σ θ², ℓ as in [`MbgNbdParams::log_likelihood_one`].
    pub fn fit(data: &BtydData, opts: &FitOptions) -> Result<FittedMbgNbd> {
        fit_model(&MbgNbd, data, opts)
    }
}

impl FitModel<4> for MbgNbd {
    type Data = BtydData;
    type Params = MbgNbdParams;
    type Fitted = FittedMbgNbd;
    type Part<'a> = BtydData;
    const MODEL: &'static str = "MBG/NBD";
    const NAMES: [&'static str; 4] = NAMES;
    const HETEROGENEITY: &'static [(usize, usize)] = &[(0, 1), (2, 3)];
    const SCALED: &'static [usize] = &[1];
    const THREADED_ROWS: usize = crate::math::optimize::BG_FAMILY_THREADED_ROWS;

    /// The purchase process from moments; a = b = 1, a uniform dropout probability.
    fn default_start(&self, base: &BtydData, scale: f64) -> [f64; 4] {
        base.nbd_moments()
            .map_or([1.0; 4], |(r, alpha)| [r, alpha / scale, 1.0, 1.0])
    }

    fn likelihood<'a>(&'a self, base: &'a BtydData, scale: f64) -> Likelihood<BtydData> {
        let scaled = base.rescaled(scale);
        Likelihood::Split {
            parts: scaled.halves().into(),
            rows: scaled.len(),
        }
    }

    fn nll(
        &self,
        part: &mut BtydData,
        th: &[f64; 4],
        g: &mut [f64; 4],
        opg: Option<&mut [[f64; 4]; 4]>,
    ) -> f64 {
        let p = Self::params(*th);
        let mut s = Shared::new(&p);
        let mut sum = NllSum::new(g, opg);
        for (x, r, t, w) in part.rows() {
            sum.add(w, |gr| {
                row_log_likelihood(&p, &mut s, x, r, t, Some((gr, 1.0)))
            });
        }
        sum.finish()
    }

    fn params([r, alpha, a, b]: [f64; 4]) -> MbgNbdParams {
        MbgNbdParams { r, alpha, a, b }
    }

    fn log_likelihood(
        &self,
        base: &BtydData,
        _: &MbgNbdParams,
        fitted: f64,
        scale: f64,
    ) -> Result<f64> {
        Ok(base.unscaled_log_likelihood(fitted, scale))
    }
}

fitted_from_model_fit!(FittedMbgNbd, MbgNbdParams, 4, n_customers);

super::delegate_to_params!(FittedMbgNbd);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let p = MbgNbdParams {
            r: 0.52,
            alpha: 6.2,
            a: 0.89,
            b: 1.6,
        };
        for (x, t_x, t) in [(0.0, 0.0, 38.0), (2.0, 30.43, 38.86), (400.0, 37.0, 38.0)] {
            let mut g = [0.0; 4];
            row_log_likelihood(&p, &mut Shared::new(&p), x, t_x, t, Some((&mut g, 1.0)));
            let th = [p.r, p.alpha, p.a, p.b];
            for i in 0..4 {
                let h = 1e-6 * th[i];
                let f = |v: [f64; 4]| {
                    let q = MbgNbdParams {
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
}

validated_params!(MbgNbdParams, MbgNbdParamsRaw { r, alpha, a, b });
validated_fit!(FittedMbgNbd, FittedMbgNbdRaw, MbgNbdParams, 4, n_customers);
