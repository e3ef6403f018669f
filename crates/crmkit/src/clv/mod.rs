//! Probabilistic customer lifetime value: the buy-till-you-die models.
//!
//! | model | data | type |
//! | --- | --- | --- |
//! | BG/NBD (Fader, Hardie & Lee 2005) | [`BtydData`] | [`BgNbd`] → [`FittedBgNbd`] |
//! | MBG/NBD (Batislam, Denizel & Filiztekin 2007) | [`BtydData`] | [`MbgNbd`] → [`FittedMbgNbd`] |
//! | Pareto/NBD (Schmittlein, Morrison & Colombo 1987) | [`BtydData`] | [`ParetoNbd`] → [`FittedParetoNbd`] |
//! | Gamma–Gamma spend (Fader, Hardie & Lee 2005; Fader & Hardie 2013) | [`SpendData`] | [`GammaGamma`] → [`FittedGammaGamma`] |
//! | BG/BB, discrete opportunities (Fader, Hardie & Shang 2010) | [`DiscreteData`] | [`BgBb`] → [`FittedBgBb`] |
//! | shifted-beta-geometric retention (Fader & Hardie 2007) | [`RetentionData`] | [`Sbg`] → [`FittedSbg`] |
//!
//! Every model is fitted by maximum likelihood on log-parameters with analytic gradients
//! (BFGS), on rows compressed into weights and on time rescaled so that max T = 1; the fit either
//! converges or returns [`crate::CrmkitError::NotConverged`] saying why. Fitted models hold
//! parameters, delta-method standard errors, the log-likelihood and a [`ConvergenceReport`], and
//! serialise with serde. Log-likelihoods leave out the t_x^(x−1)/Γ(x) factor, as the papers and
//! the lifetimes package do.
//!
//! The prediction formulas are those of the lifetimes package 0.11.3, evaluated in log space
//! (see `NUMERICS.md` in the project notes); each function's `# Formula` names the paper and
//! equation.
//!
//! # Conventions
//!
//! - Time unit: whatever the caller uses (days, weeks); rates α, β come back in that unit.
//!   Fitting divides time by max T and scales back, so fits in days and weeks agree.
//! - The L2 penalty ([`FitOptions::penalty`]) is lifetimes' `penalizer_coef`: λ Σ θ² added to the
//!   mean negative log-likelihood, θ on the fitting time scale (max T = 1).
//! - Two discounting conventions, never mixed: [`clv_monthly_steps`] (discrete months, lifetimes
//!   and pymc-marketing) and [`clv_dert`] (continuous, DERT, CLVTools / R BTYD).
//!
//! # Numerics
//!
//! - Log-likelihoods are log-sum-exps of positive terms; P(alive) is a logistic function of the
//!   difference of those log-terms, so x in the thousands stays finite.
//! - ₂F₁ ([`crate::math::special::hyp2f1`]) switches to the 1 − z connection formula as z → 1. The BG/NBD and
//!   MBG/NBD expectations use a series with the singular factors divided out, the connection
//!   formula or a quadrature, whichever a running rounding estimate accepts (1e-11 relative).
//! - Removable singularities (a = 1 and a + b = 1 in BG/NBD and MBG/NBD, s = 1 in Pareto/NBD,
//!   γ = 1 in BG/BB) are evaluated by their limits; log-gamma differences are formed directly
//!   (never from two large log-gammas). Every prediction agrees with 60-digit mpmath values to
//!   1e-9 relative on the tested domain (docs/clv.md, "Accuracy").
//! - Pareto/NBD's gradient differentiates the positive series of ₂F₁(1, b; c; z) term by term;
//!   for z > 0.999 (r, α ≳ 1e6 with β small, where the series needs millions of terms and the
//!   connection formula cancels) the value and its derivatives come from adaptive Gauss–Legendre
//!   quadrature of the Euler integral (c − 1) ∫₀^∞ e^(−(c−1−b) v) (1 + (1 − z)(e^v − 1))^(−b) dv,
//!   with 1 − z formed without a subtraction.
//!
//! # Examples
//!
//! ```
//! use crmkit::clv::{BgNbd, BtydData, FitOptions, TransactionModel};
//! // (x, t_x, T) in weeks, with the number of customers sharing each summary
//! let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
//! let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
//! let t = [38.0; 10];
//! let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
//! let data = BtydData::with_weights(&x, &t_x, &t, &n).unwrap();
//! let fitted = BgNbd::fit(&data, &FitOptions::default()).unwrap();
//! let alive = fitted.probability_alive(&x, &t_x, &t).unwrap();
//! assert!(alive.iter().all(|p| (0.0..=1.0).contains(p)));
//! ```

#[macro_use]
mod validated;
mod bg_expectation;
mod bgbb;
mod bgnbd;
mod data;
mod fit_model;
mod gamma_gamma;
mod mbgnbd;
mod paretonbd;
mod sbg;
pub mod summary;
mod uncertainty;
mod unit_a_quad;
mod value;

pub use crate::math::optimize::{ConvergenceReport, FitEnding, FitOptions, Interrupt};
pub use bgbb::{BgBb, BgBbParams, FittedBgBb, MAX_OPPORTUNITIES as BG_BB_MAX_OPPORTUNITIES};
pub use bgnbd::{BgNbd, BgNbdParams, FittedBgNbd};
pub use data::{
    BtydData, CompressedBtyd, DiscreteData, RetentionData, SpendData, map_rows_remembered,
};
pub use gamma_gamma::{
    FittedGammaGamma, GammaGamma, GammaGammaParams, spend_frequency_correlation,
};
pub use mbgnbd::{FittedMbgNbd, MbgNbd, MbgNbdParams};
pub use paretonbd::{
    FittedParetoNbd, MAX_PURCHASES as PARETO_NBD_MAX_PURCHASES, ParetoNbd, ParetoNbdParams,
};
pub use sbg::{FittedSbg, Sbg, SbgParams};
pub use uncertainty::{
    IntervalMethod, IntervalOptions, PredictionIntervals, SamplingDistribution, clv_intervals,
    expected_purchases_intervals, expected_spend_intervals, probability_alive_intervals,
};
pub use value::{
    ContinuousDiscounting, MonthlyDiscounting, check_spend, clv_dert, clv_monthly_steps,
    discounted_purchases_monthly,
};

use crate::Result;

/// Predictions shared by the continuous-time transaction models (BG/NBD, Pareto/NBD, MBG/NBD).
///
/// Inputs are a customer's repeat purchases `x`, age at the last purchase `t_x` and age `t` (T)
/// in the time unit the model was fitted in; they are checked as in [`BtydData`]. The slice
/// versions return one value per row and name the failing row in errors.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BgNbdParams, TransactionModel};
/// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
/// let e = m.expected_purchases(39.0, &[2.0, 0.0], &[30.43, 0.0], &[38.86, 38.86]).unwrap();
/// assert!(e[0] > e[1]);
/// ```
pub trait TransactionModel {
    /// The model's name, for messages.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, TransactionModel};
    /// let m = BgNbdParams { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 };
    /// assert_eq!(m.model_name(), "BG/NBD");
    /// ```
    fn model_name(&self) -> &'static str;

    /// Expected purchases of a new customer in (0, `horizon`\]: E\[X(t)\].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, TransactionModel};
    /// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// assert!(m.expected_purchases_new_customer(39.0).unwrap() > 0.0);
    /// ```
    ///
    /// # Errors
    ///
    /// [`crate::CrmkitError::InvalidConfig`] for a negative or non-finite horizon or invalid
    /// parameters; [`crate::CrmkitError::Numerical`] if the value is not finite.
    fn expected_purchases_new_customer(&self, horizon: f64) -> Result<f64>;

    /// Expected purchases of one customer in (T, T + `horizon`\].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, TransactionModel};
    /// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// let e = m.expected_purchases_one(39.0, 2.0, 30.43, 38.86).unwrap();
    /// assert!((e - 1.226).abs() < 5e-4);
    /// ```
    ///
    /// # Errors
    ///
    /// [`crate::CrmkitError::InvalidValue`] for an invalid customer (row 0),
    /// [`crate::CrmkitError::InvalidConfig`] for an invalid horizon or parameters,
    /// [`crate::CrmkitError::Numerical`] if the value is not finite.
    fn expected_purchases_one(&self, horizon: f64, x: f64, t_x: f64, t: f64) -> Result<f64>;

    /// Probability that one customer is still alive at T.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, TransactionModel};
    /// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// assert_eq!(m.probability_alive_one(0.0, 0.0, 38.86).unwrap(), 1.0);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TransactionModel::expected_purchases_one`].
    fn probability_alive_one(&self, x: f64, t_x: f64, t: f64) -> Result<f64>;

    /// Expected purchases in (T, T + `horizon`\] for each customer.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, TransactionModel};
    /// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// assert!(m.expected_purchases(10.0, &[1.0], &[2.0], &[1.0]).is_err()); // t_x > T
    /// ```
    ///
    /// # Errors
    ///
    /// [`crate::CrmkitError::LengthMismatch`], or the error of the first failing row (with its row).
    fn expected_purchases(
        &self,
        horizon: f64,
        x: &[f64],
        t_x: &[f64],
        t: &[f64],
    ) -> Result<Vec<f64>> {
        // customers who share (x, T) share the expectation given alive (when the model has one)
        let mut if_alive = PerXT::default();
        map_rows(x, t_x, t, |xi, ri, ti| {
            match if_alive.get(xi, ti, || {
                self.expected_purchases_path_if_alive(&[horizon], xi, ti)
                    .map(|path| path.map(|p| p[0]))
            }) {
                Some(v) => finite(
                    "conditional expected purchases",
                    self.probability_alive_one(xi, ri, ti)? * v?,
                ),
                None => self.expected_purchases_one(horizon, xi, ri, ti),
            }
        })
    }

    /// Expected purchases in (T, T + h\] for each horizon h of `horizons` of a customer who is
    /// alive at T, for models whose conditional expectation factors as E\[Y(h) | x, t_x, T\] =
    /// P(alive | x, t_x, T) · E\[Y(h) | alive, x, T\]: the second factor does not depend on
    /// t_x, so customers who share (x, T) share it (CDNOW: 464 (x, T) among 1,016 distinct
    /// summaries). BG/NBD and MBG/NBD implement it. `None` (the provided implementation) for
    /// a model without that form, or where sharing does not pay (Pareto/NBD has the form, but
    /// its P(alive) is the costly part); predictions then go through
    /// [`TransactionModel::expected_purchases_one`] / [`TransactionModel::expected_purchases_path`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, TransactionModel};
    /// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// let given_alive = m.expected_purchases_path_if_alive(&[39.0], 2.0, 38.86).unwrap().unwrap();
    /// let alive = m.probability_alive_one(2.0, 30.43, 38.86).unwrap();
    /// let e = m.expected_purchases_one(39.0, 2.0, 30.43, 38.86).unwrap();
    /// assert!((alive * given_alive[0] - e).abs() < 1e-12 * e);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TransactionModel::expected_purchases_one`] (inside the `Some`).
    fn expected_purchases_path_if_alive(
        &self,
        _horizons: &[f64],
        _x: f64,
        _t: f64,
    ) -> Option<Result<Vec<f64>>> {
        None
    }

    /// Expected purchases of one customer in (T, T + h\] for each horizon h of `horizons` (CLV's
    /// monthly steps). The provided implementation calls
    /// [`TransactionModel::expected_purchases_one`] per horizon; models override it to share the
    /// per-customer work.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, TransactionModel};
    /// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// let path = m.expected_purchases_path(&[4.345, 8.69], 2.0, 30.43, 38.86).unwrap();
    /// assert_eq!(path[1], m.expected_purchases_one(8.69, 2.0, 30.43, 38.86).unwrap());
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TransactionModel::expected_purchases_one`].
    fn expected_purchases_path(
        &self,
        horizons: &[f64],
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<Vec<f64>> {
        horizons
            .iter()
            .map(|&h| self.expected_purchases_one(h, x, t_x, t))
            .collect()
    }

    /// Probability of being alive at T for each customer.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, TransactionModel};
    /// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// let p = m.probability_alive(&[3.0, 3.0], &[5.0, 30.0], &[38.0, 38.0]).unwrap();
    /// assert!(p[0] < p[1]);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TransactionModel::expected_purchases`].
    fn probability_alive(&self, x: &[f64], t_x: &[f64], t: &[f64]) -> Result<Vec<f64>> {
        map_rows(x, t_x, t, |xi, ri, ti| {
            self.probability_alive_one(xi, ri, ti)
        })
    }

    /// Discounted expected residual transactions (DERT) of one customer: future purchases
    /// discounted continuously at `delta` per time unit over an infinite horizon.
    ///
    /// The provided implementation integrates the model's conditional expectation numerically
    /// (see [`dert_by_quadrature`]); Pareto/NBD overrides it with its closed form.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, TransactionModel};
    /// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// let delta = 1.15f64.ln() / 52.0; // 15% a year, weekly data
    /// let dert = m.discounted_expected_transactions_one(delta, 2.0, 30.43, 38.86).unwrap();
    /// assert!(dert > m.expected_purchases_one(52.0, 2.0, 30.43, 38.86).unwrap());
    /// ```
    ///
    /// # Errors
    ///
    /// [`crate::CrmkitError::InvalidConfig`] for `delta` not finite and > 0; the errors of
    /// [`TransactionModel::expected_purchases_one`]; [`crate::CrmkitError::Numerical`] if the
    /// integral does not settle.
    ///
    /// # Formula
    ///
    /// DERT = ∫₀^∞ e^(−δt) dE\[Y(t)\] = ∫₀¹ E\[Y(−ln(1 − u)/δ)\] du (integration by parts, then
    /// u = 1 − e^(−δt)), the continuous-discounting convention of Fader, Hardie & Lee (2005)
    /// "RFM and CLV" and CLVTools.
    fn discounted_expected_transactions_one(
        &self,
        delta: f64,
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<f64> {
        dert_by_quadrature(self, delta, x, t_x, t)
    }

    /// DERT for each customer; see [`TransactionModel::discounted_expected_transactions_one`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, TransactionModel};
    /// let m = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// let d = m.discounted_expected_transactions(0.0027, &[0.0, 5.0], &[0.0, 36.0], &[38.0, 38.0]).unwrap();
    /// assert!(d[1] > d[0]);
    /// ```
    ///
    /// # Errors
    ///
    /// [`crate::CrmkitError::LengthMismatch`] or the first failing row's error (with its row).
    fn discounted_expected_transactions(
        &self,
        delta: f64,
        x: &[f64],
        t_x: &[f64],
        t: &[f64],
    ) -> Result<Vec<f64>> {
        map_rows(x, t_x, t, |xi, ri, ti| {
            self.discounted_expected_transactions_one(delta, xi, ri, ti)
        })
    }
}

/// DERT of one customer by numerical integration of the model's conditional expectation, for
/// any [`TransactionModel`].
///
/// # Examples
///
/// ```
/// use crmkit::clv::{ParetoNbdParams, TransactionModel, dert_by_quadrature};
/// let m = ParetoNbdParams { r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 };
/// let delta = 1.15f64.ln() / 52.0;
/// let closed = m.discounted_expected_transactions_one(delta, 2.0, 30.43, 38.86).unwrap();
/// let numeric = dert_by_quadrature(&m, delta, 2.0, 30.43, 38.86).unwrap();
/// assert!((numeric / closed - 1.0).abs() < 1e-8);
/// ```
///
/// # Errors
///
/// As [`TransactionModel::discounted_expected_transactions_one`].
///
/// # Formula
///
/// ∫₀¹ E\[Y(−ln(1 − u)/δ)\] du by tanh-sinh (double-exponential) quadrature, u = ½(1 + tanh(π/2 ·
/// sinh τ)), halving the step from 1/2 until two levels agree to 1e-11 relative (Takahasi & Mori
/// 1974) — for an integral below the smallest normal `f64` (a customer almost surely gone),
/// to 1e-11 of that number; robust to the integrable growth of E\[Y(t)\] at t → ∞ (u → 1).
pub fn dert_by_quadrature<M: TransactionModel + ?Sized>(
    model: &M,
    delta: f64,
    x: f64,
    t_x: f64,
    t: f64,
) -> Result<f64> {
    if !(delta.is_finite() && delta > 0.0) {
        return Err(crate::CrmkitError::invalid_config(
            "delta",
            delta,
            "must be finite and > 0",
        ));
    }
    let half_pi = std::f64::consts::FRAC_PI_2;
    // E[Y] at the node τ, times the node's weight du/dτ.
    let node = |tau: f64| -> Result<f64> {
        let y = half_pi * tau.sinh();
        // horizon = −ln(1 − u)/δ with 1 − u = 1/(1 + e^(2y)), computed without cancellation
        let horizon = if 2.0 * y > 700.0 {
            2.0 * y / delta
        } else {
            (2.0 * y).exp().ln_1p() / delta
        };
        // du/dτ = ½ sech²(y) · (π/2) cosh τ, sech²(y) = 4e^(−2|y|)/(1 + e^(−2|y|))²
        let e = (-2.0 * y.abs()).exp();
        let weight = 2.0 * e / ((1.0 + e) * (1.0 + e)) * half_pi * tau.cosh();
        if weight == 0.0 {
            return Ok(0.0);
        }
        Ok(weight * model.expected_purchases_one(horizon, x, t_x, t)?)
    };
    const TAU_MAX: f64 = 3.2;
    let mut h = 0.5;
    let mut sum = node(0.0)?;
    let mut k = 1.0;
    while k * h <= TAU_MAX {
        sum += node(k * h)? + node(-k * h)?;
        k += 1.0;
    }
    let mut estimate = h * sum;
    for _ in 0..7 {
        h *= 0.5;
        let mut k = 1.0;
        while k * h <= TAU_MAX {
            sum += node(k * h)? + node(-k * h)?;
            k += 2.0;
        }
        let next = h * sum;
        // relative agreement; an integral below the smallest normal number (a customer
        // almost surely gone: E[Y] of 1e-314) holds fewer digits than that, so there the two
        // levels need only agree to 1e-11 of the smallest normal number
        if (next - estimate).abs() <= 1e-11 * next.abs().max(f64::MIN_POSITIVE) {
            return finite("DERT quadrature", next);
        }
        estimate = next;
    }
    Err(crate::CrmkitError::Numerical {
        context: "DERT quadrature".to_owned(),
        reason: format!("the tanh-sinh quadrature did not settle (last estimate {estimate})"),
    })
}

/// Implements [`TransactionModel`] for a fitted model by handing every per-customer method to
/// its `params` (the slice methods' provided implementations call those), so a fitted model
/// predicts exactly as its parameters do and picks up every method a model overrides.
macro_rules! delegate_to_params {
    ($fitted:ty) => {
        impl $crate::clv::TransactionModel for $fitted {
            fn model_name(&self) -> &'static str {
                self.params.model_name()
            }
            fn expected_purchases_new_customer(&self, horizon: f64) -> $crate::Result<f64> {
                self.params.expected_purchases_new_customer(horizon)
            }
            fn expected_purchases_one(
                &self,
                horizon: f64,
                x: f64,
                t_x: f64,
                t: f64,
            ) -> $crate::Result<f64> {
                self.params.expected_purchases_one(horizon, x, t_x, t)
            }
            fn probability_alive_one(&self, x: f64, t_x: f64, t: f64) -> $crate::Result<f64> {
                self.params.probability_alive_one(x, t_x, t)
            }
            fn expected_purchases_path_if_alive(
                &self,
                horizons: &[f64],
                x: f64,
                t: f64,
            ) -> Option<$crate::Result<Vec<f64>>> {
                self.params.expected_purchases_path_if_alive(horizons, x, t)
            }
            fn expected_purchases_path(
                &self,
                horizons: &[f64],
                x: f64,
                t_x: f64,
                t: f64,
            ) -> $crate::Result<Vec<f64>> {
                self.params.expected_purchases_path(horizons, x, t_x, t)
            }
            fn discounted_expected_transactions_one(
                &self,
                delta: f64,
                x: f64,
                t_x: f64,
                t: f64,
            ) -> $crate::Result<f64> {
                self.params
                    .discounted_expected_transactions_one(delta, x, t_x, t)
            }
        }
    };
}
pub(crate) use delegate_to_params;

/// Per-(x, T) values of a prediction, computed once for the customers who share them.
#[derive(Default)]
pub(crate) struct PerXT<V> {
    values: crate::runtime::hash::FxHashMap<[u64; 2], Result<V>>,
    /// The model has no such value (its `compute` returned `None`): no more lookups.
    absent: bool,
}

impl<V: Clone> PerXT<V> {
    /// The value for (x, T), from `compute` the first time; `None` when the model has none
    /// (the first `None` stands for every row: a model either has the form or not).
    pub(crate) fn get(
        &mut self,
        x: f64,
        t: f64,
        compute: impl FnOnce() -> Option<Result<V>>,
    ) -> Option<Result<V>> {
        if self.absent {
            return None;
        }
        let key = [(x + 0.0).to_bits(), (t + 0.0).to_bits()];
        if let Some(v) = self.values.get(&key) {
            return Some(v.clone());
        }
        let Some(v) = compute() else {
            self.absent = true;
            return None;
        };
        self.values.insert(key, v.clone());
        Some(v)
    }
}

/// Applies a per-customer function to parallel slices, putting the row into errors.
pub(crate) fn map_rows(
    x: &[f64],
    t_x: &[f64],
    t: &[f64],
    mut f: impl FnMut(f64, f64, f64) -> Result<f64>,
) -> Result<Vec<f64>> {
    crate::CrmkitError::check_len("t_x", x.len(), t_x.len())?;
    crate::CrmkitError::check_len("t", x.len(), t.len())?;
    x.iter()
        .zip(t_x)
        .zip(t)
        .enumerate()
        .map(|(row, ((&xi, &ri), &ti))| f(xi, ri, ti).map_err(|e| data::at_row(e, row)))
        .collect()
}

/// Turns a non-finite prediction into [`crate::CrmkitError::Numerical`].
pub(crate) fn finite(context: &str, v: f64) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(crate::CrmkitError::Numerical {
            context: context.to_owned(),
            reason: format!("the result is not finite ({v})"),
        })
    }
}

/// Checks that named model parameters are finite and > 0.
pub(crate) fn check_params(names: &[&str], values: &[f64]) -> Result<()> {
    for (name, &v) in names.iter().zip(values) {
        if !(v.is_finite() && v > 0.0) {
            return Err(crate::CrmkitError::invalid_config(
                *name,
                v,
                "model parameters must be finite and > 0",
            ));
        }
    }
    Ok(())
}
