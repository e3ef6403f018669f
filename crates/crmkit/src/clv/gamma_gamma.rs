//! The Gamma–Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie 2013,
//! "The Gamma-Gamma model of monetary value").

use serde::{Deserialize, Serialize};

use super::fit_model::{FitModel, Likelihood, fit_model, fitted_from_model_fit, unit_to_fitting};
use super::{
    MonthlyDiscounting, SpendData, TransactionModel, check_params, clv_monthly_steps, finite,
};
use crate::math::optimize::{ConvergenceReport, FitOptions, NllSum};
use crate::math::special::{digamma, ln_gamma};
use crate::{CrmkitError, Result};

const NAMES: [&str; 3] = ["p", "q", "gamma"];

/// Gamma–Gamma parameters: each purchase's value ~ Gamma(p, ν), with the customer's ν ~ Gamma(q, γ).
/// γ is in the currency unit of the data.
///
/// # Examples
///
/// ```
/// use crmkit::clv::GammaGammaParams;
/// // Fader & Hardie (2013), CDNOW
/// let m = GammaGammaParams { p: 6.2488, q: 3.7446, gamma: 15.4477 };
/// assert!((m.population_mean_spend().unwrap() - 6.2488 * 15.4477 / 2.7446).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "GammaGammaParamsRaw")]
pub struct GammaGammaParams {
    /// Shape of the per-purchase spend distribution.
    pub p: f64,
    /// Shape of the gamma distribution of ν across customers.
    pub q: f64,
    /// Scale of the gamma distribution of ν across customers (lifetimes calls it `v`).
    pub gamma: f64,
}

/// A customer's log-likelihood (and, with `grad`, its gradient in (p, q, γ) times the weight
/// added to `grad`), given ln Γ(q) and ψ(q): [`row_log_likelihood_cached`] with every piece
/// computed here.
#[inline]
fn row_log_likelihood(
    th: &GammaGammaParams,
    ln_gamma_q: f64,
    psi_q: f64,
    x: f64,
    m: f64,
    grad: Option<(&mut [f64; 3], f64)>,
) -> f64 {
    let row = SpendRow {
        x,
        m,
        w: 1.0,
        ln_m: m.ln(),
        ln_x: x.ln(),
    };
    let per_x = PerX::new(x, th, grad.is_some());
    row_log_likelihood_cached(th, ln_gamma_q, psi_q, th.gamma.ln(), &per_x, &row, grad)
}

/// A row of a fit on the fitting scale: x, mean spend m and weight w, with ln m and ln x (the
/// same values [`row_log_likelihood`] computes, taken once per fit).
pub(crate) struct SpendRow {
    x: f64,
    m: f64,
    w: f64,
    ln_m: f64,
    ln_x: f64,
}

/// The special functions of p·x a row's likelihood needs, for one x (the digammas only with
/// the gradient).
struct PerX {
    x: f64,
    ln_gamma_pxq: f64,
    ln_gamma_px: f64,
    psi_pxq: f64,
    psi_px: f64,
}

impl PerX {
    fn new(x: f64, th: &GammaGammaParams, with_psi: bool) -> Self {
        if x.is_nan() {
            return Self {
                x,
                ln_gamma_pxq: f64::NAN,
                ln_gamma_px: f64::NAN,
                psi_pxq: f64::NAN,
                psi_px: f64::NAN,
            };
        }
        let px = th.p * x;
        Self {
            x,
            ln_gamma_pxq: ln_gamma(px + th.q),
            ln_gamma_px: ln_gamma(px),
            psi_pxq: if with_psi {
                digamma(px + th.q)
            } else {
                f64::NAN
            },
            psi_px: if with_psi { digamma(px) } else { f64::NAN },
        }
    }
}

/// A row's log-likelihood (Fader & Hardie 2013 eq. 4, see [`GammaGammaParams::log_likelihood`])
/// from the pieces a fit computes once per fit (`row`'s logarithms), per evaluation
/// (`ln_gamma_q`, `psi_q`, `ln_g` = ln γ) and per distinct x (`per_x`); with `grad`, the
/// gradient in (p, q, γ) times the weight added to it.
#[inline]
fn row_log_likelihood_cached(
    th: &GammaGammaParams,
    ln_gamma_q: f64,
    psi_q: f64,
    ln_g: f64,
    per_x: &PerX,
    row: &SpendRow,
    grad: Option<(&mut [f64; 3], f64)>,
) -> f64 {
    let (p, q, g) = (th.p, th.q, th.gamma);
    let (x, ln_m, ln_x) = (row.x, row.ln_m, row.ln_x);
    let px = p * x;
    let gxm = g + x * row.m;
    let ln_gxm = gxm.ln();
    let value = per_x.ln_gamma_pxq - per_x.ln_gamma_px - ln_gamma_q
        + q * ln_g
        + (px - 1.0) * ln_m
        + px * ln_x
        - (px + q) * ln_gxm;
    if let Some((gr, w)) = grad {
        let psi_pxq = per_x.psi_pxq;
        gr[0] += w * x * (psi_pxq - per_x.psi_px + ln_m + ln_x - ln_gxm);
        gr[1] += w * (psi_pxq - psi_q + ln_g - ln_gxm);
        gr[2] += w * (q / g - (px + q) / gxm);
    }
    value
}

impl GammaGammaParams {
    fn check(&self) -> Result<()> {
        check_params(&NAMES, &[self.p, self.q, self.gamma])
    }

    /// Weighted log-likelihood of repeat customers' mean spend.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{GammaGammaParams, SpendData};
    /// let m = GammaGammaParams { p: 6.0, q: 4.0, gamma: 15.0 };
    /// let d = SpendData::new(&[1.0, 3.0], &[20.0, 35.0]).unwrap();
    /// assert!(m.log_likelihood(&d).unwrap() < 0.0);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid parameters.
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2013) eq. 4 for z̄ (lifetimes 0.11.3 `GammaGammaFitter`):
    /// ℓ = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln z̄ + px ln x − (px+q) ln(γ + x z̄).
    pub fn log_likelihood(&self, data: &SpendData) -> Result<f64> {
        self.check()?;
        let (lq, pq) = (ln_gamma(self.q), digamma(self.q));
        Ok(data
            .rows()
            .map(|(x, m, w)| w * row_log_likelihood(self, lq, pq, x, m, None))
            .sum())
    }

    /// Mean spend per purchase in the population, E\[Z\] = pγ / (q − 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::GammaGammaParams;
    /// assert!(GammaGammaParams { p: 1.0, q: 0.9, gamma: 1.0 }.population_mean_spend().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] when q ≤ 1 (the mean does not exist) or parameters are invalid.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005) "RFM and CLV", appendix: E\[M\] = pγ/(q − 1).
    pub fn population_mean_spend(&self) -> Result<f64> {
        self.check()?;
        if self.q <= 1.0 {
            return Err(CrmkitError::invalid_config(
                "q",
                self.q,
                "q must be > 1 for the expected spend to exist",
            ));
        }
        Ok(self.p * self.gamma / (self.q - 1.0))
    }

    /// Expected spend per purchase of one customer with `x` repeat purchases of mean `mean_spend`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::GammaGammaParams;
    /// let m = GammaGammaParams { p: 6.2488, q: 3.7446, gamma: 15.4477 };
    /// let e = m.expected_spend_one(2.0, 22.35).unwrap();
    /// // a weighted average of the population mean and the customer's own mean
    /// assert!(e > 22.35 && e < m.population_mean_spend().unwrap());
    /// // no repeat purchase: the population mean
    /// assert_eq!(m.expected_spend_one(0.0, 0.0).unwrap(), m.population_mean_spend().unwrap());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] when x is not a whole number ≥ 0 or mean_spend is negative or
    /// not finite; as [`GammaGammaParams::population_mean_spend`] when q ≤ 1.
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005) "RFM and CLV" eq. A3 (lifetimes 0.11.3
    /// `conditional_expected_average_profit`): E\[M | x, z̄\] = (1 − w) pγ/(q−1) + w z̄ with
    /// w = px / (px + q − 1), 1 − w taken as (q − 1)/(px + q − 1) (no cancellation).
    pub fn expected_spend_one(&self, x: f64, mean_spend: f64) -> Result<f64> {
        let population = self.population_mean_spend()?;
        if !(x.is_finite() && x >= 0.0 && super::data::is_whole(x)) {
            return Err(CrmkitError::invalid_value(
                "x",
                0,
                x,
                "must be a finite whole number >= 0",
            ));
        }
        if !(mean_spend.is_finite() && mean_spend >= 0.0) {
            return Err(CrmkitError::invalid_value(
                "mean_spend",
                0,
                mean_spend,
                "must be finite and >= 0",
            ));
        }
        // the weights as (q − 1)/(px + q − 1) and px/(px + q − 1): 1 − w would cancel when px ≫ q − 1
        let px = self.p * x;
        let denominator = px + self.q - 1.0;
        finite(
            "Gamma-Gamma expected spend",
            (self.q - 1.0) / denominator * population + px / denominator * mean_spend,
        )
    }

    /// Expected spend per purchase for each customer.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::GammaGammaParams;
    /// let m = GammaGammaParams { p: 6.2488, q: 3.7446, gamma: 15.4477 };
    /// let e = m.expected_spend(&[2.0, 1.0], &[22.35, 11.77]).unwrap();
    /// assert!(e[0] > e[1]);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`], or the first failing row's error (with its row).
    ///
    /// # Formula
    ///
    /// As [`GammaGammaParams::expected_spend_one`].
    pub fn expected_spend(&self, x: &[f64], mean_spend: &[f64]) -> Result<Vec<f64>> {
        CrmkitError::check_len("mean_spend", x.len(), mean_spend.len())?;
        x.iter()
            .zip(mean_spend)
            .enumerate()
            .map(|(row, (&xi, &mi))| {
                self.expected_spend_one(xi, mi)
                    .map_err(|e| super::data::at_row(e, row))
            })
            .collect()
    }
}

/// The Gamma–Gamma spend model, to be fitted on repeat customers.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{FitOptions, GammaGamma, SpendData};
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cdnow/cdnow_customers_summary_with_transactions.csv");
/// # let rows: Vec<Vec<f64>> = std::fs::read_to_string(path).unwrap().lines().skip(1)
/// #     .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
/// # let x: Vec<f64> = rows.iter().map(|r| r[1]).collect();
/// # let zbar: Vec<f64> = rows.iter().map(|r| r[4]).collect();
/// // CDNOW: repeat purchases and their mean value (data/cdnow)
/// let d = SpendData::repeaters(&x, &zbar).unwrap();
/// let fit = GammaGamma::fit(&d, &FitOptions::default()).unwrap();
/// assert!((fit.params.p - 6.2488).abs() < 1e-3);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma;

/// A fitted Gamma–Gamma model.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{FitOptions, GammaGamma, SpendData};
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cdnow/cdnow_customers_summary_with_transactions.csv");
/// # let rows: Vec<Vec<f64>> = std::fs::read_to_string(path).unwrap().lines().skip(1)
/// #     .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
/// # let x: Vec<f64> = rows.iter().map(|r| r[1]).collect();
/// # let zbar: Vec<f64> = rows.iter().map(|r| r[4]).collect();
/// // CDNOW: repeat purchases and their mean value (data/cdnow)
/// let d = SpendData::repeaters(&x, &zbar).unwrap();
/// let fit = GammaGamma::fit(&d, &FitOptions::default()).unwrap();
/// let json = serde_json::to_string(&fit).unwrap();
/// assert!(json.contains("\"log_likelihood\""));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FittedGammaGammaRaw")]
pub struct FittedGammaGamma {
    /// Maximum-likelihood parameters.
    pub params: GammaGammaParams,
    /// Delta-method standard errors (`None` when not requested or the Hessian is singular).
    pub standard_errors: Option<GammaGammaParams>,
    /// Covariance matrix of (p, q, γ).
    pub covariance: Option<[[f64; 3]; 3]>,
    /// Log-likelihood at the parameters.
    pub log_likelihood: f64,
    /// How the optimiser ended.
    pub report: ConvergenceReport,
    /// Number of repeat customers (sum of weights).
    pub n_customers: f64,
}

impl GammaGamma {
    /// Fits the Gamma–Gamma model by maximum likelihood (log-parameters, analytic gradient,
    /// spend divided by its weighted mean during the optimisation and γ scaled back).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{FitOptions, GammaGamma, SpendData};
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cdnow/cdnow_customers_summary_with_transactions.csv");
    /// # let rows: Vec<Vec<f64>> = std::fs::read_to_string(path).unwrap().lines().skip(1)
    /// #     .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
    /// # let x: Vec<f64> = rows.iter().map(|r| r[1]).collect();
    /// # let zbar: Vec<f64> = rows.iter().map(|r| r[4]).collect();
    /// // CDNOW: repeat purchases and their mean value (data/cdnow)
    /// let d = SpendData::repeaters(&x, &zbar).unwrap();
    /// let fit = GammaGamma::fit(&d, &FitOptions::default()).unwrap();
    /// assert!(fit.report.gradient_norm < 1e-6);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid options; [`CrmkitError::NotConverged`] when the
    /// optimiser stops without converging.
    ///
    /// # Formula
    ///
    /// Maximises Σ wᵢ ℓᵢ − λ Σ θ², ℓ as in [`GammaGammaParams::log_likelihood`].
    pub fn fit(data: &SpendData, opts: &FitOptions) -> Result<FittedGammaGamma> {
        Self::fit_shifted(data, opts, 0.0)
    }

    /// Fits the Gamma–Gamma model with q constrained to q > 1, so that the expected spend
    /// pγ/(q − 1) exists (lifetimes' `q_constraint=True`): the optimiser works on ln(q − 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{FitOptions, GammaGamma, SpendData};
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cdnow/cdnow_customers_summary_with_transactions.csv");
    /// # let rows: Vec<Vec<f64>> = std::fs::read_to_string(path).unwrap().lines().skip(1)
    /// #     .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
    /// # let x: Vec<f64> = rows.iter().map(|r| r[1]).collect();
    /// # let zbar: Vec<f64> = rows.iter().map(|r| r[4]).collect();
    /// let d = SpendData::repeaters(&x, &zbar).unwrap();
    /// let fit = GammaGamma::fit_q_above_one(&d, &FitOptions::default()).unwrap();
    /// // CDNOW's optimum already has q > 1: the constraint does not bind
    /// assert!((fit.params.q - 3.7446).abs() < 1e-3);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GammaGamma::fit`]; [`CrmkitError::InvalidConfig`] for a starting q ≤ 1.
    ///
    /// # Formula
    ///
    /// Maximises Σ wᵢ ℓᵢ − λ (p² + (q − 1)² + γ²) over (ln p, ln(q − 1), ln γ).
    pub fn fit_q_above_one(data: &SpendData, opts: &FitOptions) -> Result<FittedGammaGamma> {
        Self::fit_shifted(data, opts, 1.0)
    }

    /// Fit with q = `q_floor` + φ, φ > 0 optimised on the log scale.
    fn fit_shifted(data: &SpendData, opts: &FitOptions, q_floor: f64) -> Result<FittedGammaGamma> {
        fit_model(&ShiftedQ { q_floor }, data, opts)
    }
}

/// The Gamma–Gamma fit with q = `q_floor` + φ, φ > 0 the optimised parameter.
struct ShiftedQ {
    q_floor: f64,
}

impl FitModel<3> for ShiftedQ {
    type Data = SpendData;
    type Params = GammaGammaParams;
    type Fitted = FittedGammaGamma;
    /// The rows on the fitting scale, with the logarithms that do not change during a fit.
    type Part<'a> = Vec<SpendRow>;
    const MODEL: &'static str = "Gamma-Gamma";
    const NAMES: [&'static str; 3] = NAMES;
    const HETEROGENEITY: &'static [(usize, usize)] = &[(1, 2)];
    const SCALED: &'static [usize] = &[2];

    fn initial(&self, mut v: [f64; 3], scale: f64) -> Result<[f64; 3]> {
        let q = v[1];
        if q > self.q_floor {
            v[1] = q - self.q_floor;
            Ok(unit_to_fitting::<Self, 3>(v, scale))
        } else {
            Err(CrmkitError::invalid_config(
                "initial",
                v,
                format!("the starting q ({q}) must be > {}", self.q_floor),
            ))
        }
    }

    fn lower_boundary_ok(&self) -> [bool; 3] {
        [false, self.q_floor > 0.0, false]
    }

    fn likelihood<'a>(&'a self, base: &'a SpendData, scale: f64) -> Likelihood<Self::Part<'a>> {
        Likelihood::Whole(
            base.rows()
                .map(|(x, m, w)| {
                    let m = m / scale;
                    SpendRow {
                        x,
                        m,
                        w,
                        ln_m: m.ln(),
                        ln_x: x.ln(),
                    }
                })
                .collect(),
        )
    }

    fn nll(
        &self,
        scaled: &mut Self::Part<'_>,
        th: &[f64; 3],
        g: &mut [f64; 3],
        opg: Option<&mut [[f64; 3]; 3]>,
    ) -> f64 {
        let p = Self::params(self.natural(*th));
        let (lq, pq) = (ln_gamma(p.q), digamma(p.q));
        let ln_g = p.gamma.ln();
        let mut sum = NllSum::new(g, opg);
        // the special functions of p·x once per distinct x (compressed rows come sorted by x)
        let mut per_x = PerX::new(f64::NAN, &p, true);
        for row in scaled.iter() {
            if row.x.to_bits() != per_x.x.to_bits() {
                per_x = PerX::new(row.x, &p, true);
            }
            sum.add(row.w, |gr| {
                row_log_likelihood_cached(&p, lq, pq, ln_g, &per_x, row, Some((gr, 1.0)))
            });
        }
        sum.finish()
    }

    fn natural(&self, [p, q_above, gamma]: [f64; 3]) -> [f64; 3] {
        [p, self.q_floor + q_above, gamma]
    }

    fn params([p, q, gamma]: [f64; 3]) -> GammaGammaParams {
        GammaGammaParams { p, q, gamma }
    }

    fn log_likelihood(
        &self,
        base: &SpendData,
        params: &GammaGammaParams,
        _: f64,
        _: f64,
    ) -> Result<f64> {
        params.log_likelihood(base)
    }
}

fitted_from_model_fit!(FittedGammaGamma, GammaGammaParams, 3, n_customers);

impl FittedGammaGamma {
    /// CLV of each customer with discrete monthly discounting, the spend per purchase taken from
    /// this model (lifetimes 0.11.3 `GammaGammaFitter.customer_lifetime_value`).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BgNbdParams, FitOptions, GammaGamma, MonthlyDiscounting, SpendData};
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cdnow/cdnow_customers_summary_with_transactions.csv");
    /// # let rows: Vec<Vec<f64>> = std::fs::read_to_string(path).unwrap().lines().skip(1)
    /// #     .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
    /// # let x: Vec<f64> = rows.iter().map(|r| r[1]).collect();
    /// # let zbar: Vec<f64> = rows.iter().map(|r| r[4]).collect();
    /// let spend = GammaGamma::fit(&SpendData::repeaters(&x, &zbar).unwrap(), &FitOptions::default()).unwrap();
    /// let bg = BgNbdParams { r: 0.2426, alpha: 4.4136, a: 0.7930, b: 2.4261 };
    /// let clv = spend
    ///     .customer_lifetime_value(&bg, &[2.0], &[30.43], &[38.86], &[22.35], &MonthlyDiscounting::weekly(12, 0.01))
    ///     .unwrap();
    /// assert!(clv[0] > 0.0);
    /// ```
    ///
    /// # Errors
    ///
    /// Errors of [`GammaGammaParams::expected_spend`] and [`super::clv_monthly_steps`].
    ///
    /// # Formula
    ///
    /// CLV = Σ_{i=1..H} (E\[Y(i f)\] − E\[Y((i−1) f)\]) · E\[M | x, z̄\] / (1 + d)^i, E\[M | x, z̄\] from
    /// Fader, Hardie & Lee (2005) "RFM and CLV" eq. A3.
    pub fn customer_lifetime_value<M: TransactionModel + ?Sized>(
        &self,
        model: &M,
        x: &[f64],
        t_x: &[f64],
        t: &[f64],
        mean_spend: &[f64],
        discounting: &MonthlyDiscounting,
    ) -> Result<Vec<f64>> {
        let spend = self.params.expected_spend(x, mean_spend)?;
        clv_monthly_steps(model, &spend, x, t_x, t, discounting)
    }

    /// Expected spend per purchase for each customer; see [`GammaGammaParams::expected_spend`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{FitOptions, GammaGamma, SpendData};
    /// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cdnow/cdnow_customers_summary_with_transactions.csv");
    /// # let rows: Vec<Vec<f64>> = std::fs::read_to_string(path).unwrap().lines().skip(1)
    /// #     .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
    /// # let x: Vec<f64> = rows.iter().map(|r| r[1]).collect();
    /// # let zbar: Vec<f64> = rows.iter().map(|r| r[4]).collect();
    /// // CDNOW: repeat purchases and their mean value (data/cdnow)
    /// let d = SpendData::repeaters(&x, &zbar).unwrap();
    /// let fit = GammaGamma::fit(&d, &FitOptions::default()).unwrap();
    /// assert!(fit.expected_spend(&[1.0], &[20.0]).unwrap()[0] > 20.0);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`GammaGammaParams::expected_spend`].
    ///
    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005) "RFM and CLV" eq. A3.
    pub fn expected_spend(&self, x: &[f64], mean_spend: &[f64]) -> Result<Vec<f64>> {
        self.params.expected_spend(x, mean_spend)
    }
}

/// Pearson correlation between repeat purchases and mean spend among repeat customers (x > 0):
/// the Gamma–Gamma model assumes spend is independent of frequency, so this should be near 0.
///
/// # Examples
///
/// ```
/// use crmkit::clv::spend_frequency_correlation;
/// let c = spend_frequency_correlation(&[0.0, 1.0, 2.0, 3.0], &[0.0, 10.0, 20.0, 30.0]).unwrap();
/// assert!((c - 1.0).abs() < 1e-12);
/// ```
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`]; [`CrmkitError::InvalidValue`] for a non-finite value, a
/// negative `x` or a repeat customer's `mean_spend` ≤ 0 (as in the Gamma–Gamma fit: spend is
/// positive); [`CrmkitError::Numerical`] with fewer than two repeat customers, no variation,
/// or values so large that the sums overflow.
///
/// # Formula
///
/// r = Σ (xᵢ − x̄)(mᵢ − m̄) / √(Σ (xᵢ − x̄)² Σ (mᵢ − m̄)²) over the rows with x > 0.
pub fn spend_frequency_correlation(x: &[f64], mean_spend: &[f64]) -> Result<f64> {
    CrmkitError::check_len("mean_spend", x.len(), mean_spend.len())?;
    crate::error::check_finite("x", x)?;
    crate::error::check_finite("mean_spend", mean_spend)?;
    for (row, (&xi, &mi)) in x.iter().zip(mean_spend).enumerate() {
        if xi < 0.0 {
            return Err(CrmkitError::invalid_value("x", row, xi, "must be >= 0"));
        }
        if xi > 0.0 && mi <= 0.0 {
            return Err(CrmkitError::invalid_value(
                "mean_spend",
                row,
                mi,
                "must be > 0 for a repeat customer (x > 0)",
            ));
        }
    }
    let pairs = || x.iter().zip(mean_spend).filter(|(xi, _)| **xi > 0.0);
    let n = pairs().count() as f64;
    let numerical = |reason: &str| CrmkitError::Numerical {
        context: "spend-frequency correlation".to_owned(),
        reason: reason.to_owned(),
    };
    if n < 2.0 {
        return Err(numerical("fewer than two repeat customers"));
    }
    let mx = pairs().map(|(a, _)| a).sum::<f64>() / n;
    let mm = pairs().map(|(_, b)| b).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in pairs() {
        sxy += (a - mx) * (b - mm);
        sxx += (a - mx) * (a - mx);
        syy += (b - mm) * (b - mm);
    }
    if sxx == 0.0 || syy == 0.0 {
        return Err(numerical(
            "frequency or spend does not vary among repeat customers",
        ));
    }
    // sqrt(sxx)·sqrt(syy) rather than sqrt(sxx·syy): the product overflows first.
    let r = sxy / (sxx.sqrt() * syy.sqrt());
    if !r.is_finite() {
        return Err(numerical("the sums overflow (values too large)"));
    }
    Ok(r.clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::unwrap_used)]
    fn correlation_refuses_negative_spend_and_counts() {
        // Issue 12: negative spend was accepted.
        let err = spend_frequency_correlation(&[1.0, 2.0, 3.0], &[10.0, -5.0, 30.0]).unwrap_err();
        assert!(
            matches!(&err, CrmkitError::InvalidValue { field, row: 1, .. } if field == "mean_spend")
        );
        let err = spend_frequency_correlation(&[1.0, -2.0, 3.0], &[10.0, 5.0, 30.0]).unwrap_err();
        assert!(matches!(&err, CrmkitError::InvalidValue { field, row: 1, .. } if field == "x"));
        // A customer without repeat purchases may have a spend of 0.
        assert!(spend_frequency_correlation(&[0.0, 1.0, 2.0], &[0.0, 1.0, 3.0]).is_ok());
        let err = spend_frequency_correlation(&[1.0, 2.0, 3.0], &[1e300, 1e-300, 1e300]);
        assert!(err.map_or(true, |r| r.is_finite()));
    }

    proptest::proptest! {
        /// The fit's row likelihood with its logarithms taken once per fit and its special
        /// functions once per x gives the bits of [`row_log_likelihood`], value and gradient.
        #[test]
        fn cached_row_is_bit_identical(
            pp in 0.01f64..50.0, q in 0.01f64..50.0, gamma in 0.001f64..1e4,
            x in 1u32..300, m in 1e-3f64..1e5, w in proptest::prop_oneof![proptest::strategy::Just(1.0), 0.5f64..20.0],
        ) {
            let th = GammaGammaParams { p: pp, q, gamma };
            let x = f64::from(x);
            let (lq, pq) = (ln_gamma(q), digamma(q));
            let mut g0 = [0.0; 3];
            let v0 = row_log_likelihood(&th, lq, pq, x, m, Some((&mut g0, w)));
            let row = SpendRow { x, m, w, ln_m: m.ln(), ln_x: x.ln() };
            let mut g1 = [0.0; 3];
            let v1 = row_log_likelihood_cached(&th, lq, pq, gamma.ln(), &PerX::new(x, &th, true), &row, Some((&mut g1, w)));
            proptest::prop_assert_eq!(v0.to_bits(), v1.to_bits());
            proptest::prop_assert_eq!(g0.map(f64::to_bits), g1.map(f64::to_bits));
        }
    }

    /// A fit on rows whose x are not sorted (uncompressed) renews the per-x values at every
    /// change of x and gives the compressed fit's optimum.
    #[test]
    #[allow(clippy::unwrap_used)]
    fn fit_on_unsorted_rows_renews_the_per_x_values() {
        let x = [3.0, 1.0, 3.0, 2.0, 1.0, 5.0, 2.0, 4.0, 1.0, 3.0];
        let m = [20.0, 11.0, 35.0, 9.5, 14.0, 22.0, 18.0, 41.0, 7.0, 16.0];
        let d = SpendData::new(&x, &m).unwrap();
        let loose = FitOptions {
            compress: false,
            ..FitOptions::default()
        };
        let a = GammaGamma::fit(&d, &loose).unwrap();
        let b = GammaGamma::fit(&d, &FitOptions::default()).unwrap();
        for (u, v) in [
            (a.params.p, b.params.p),
            (a.params.q, b.params.q),
            (a.params.gamma, b.params.gamma),
        ] {
            assert!((u - v).abs() <= 1e-6 * v, "{u} vs {v}");
        }
        // the log-likelihood at the optimum is the row-by-row one
        let direct = a.params.log_likelihood(&d).unwrap();
        assert!((direct - a.log_likelihood).abs() <= 1e-9 * direct.abs());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let p = GammaGammaParams {
            p: 6.25,
            q: 3.74,
            gamma: 15.4,
        };
        for (x, m) in [(1.0, 12.0), (7.0, 35.5), (250.0, 80.0)] {
            let mut g = [0.0; 3];
            row_log_likelihood(&p, ln_gamma(p.q), digamma(p.q), x, m, Some((&mut g, 1.0)));
            let th = [p.p, p.q, p.gamma];
            for i in 0..3 {
                let h = 1e-6 * th[i];
                let f = |v: [f64; 3]| {
                    let q = GammaGammaParams {
                        p: v[0],
                        q: v[1],
                        gamma: v[2],
                    };
                    row_log_likelihood(&q, ln_gamma(q.q), digamma(q.q), x, m, None)
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

validated_params!(GammaGammaParams, GammaGammaParamsRaw { p, q, gamma });
validated_fit!(
    FittedGammaGamma,
    FittedGammaGammaRaw,
    GammaGammaParams,
    3,
    n_customers
);
