//! Churn probability: logistic regression fitted by Newton's method (IRLS), with an optional L2
//! penalty, sample weights and standardisation.

use ndarray::{Array1, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::math::linalg::{cholesky, cholesky_solve, sigmoid};
use crate::{CrmkitError, Result};

/// A fitted probability this close to its 0/1 label counts as saturated: the row's information
/// has vanished in floating point, the sign of (quasi-)separation.
const SATURATION: f64 = 1e-10;
/// A fitted probability this close to its label, at the optimum, earns a warning.
const NEAR_CERTAIN: f64 = 1e-6;
/// Relative pivot below which a column of the design counts as collinear with earlier ones
/// (1 − R² of the column on the earlier columns).
const COLLINEAR_PIVOT: f64 = 1e-10;

/// Options of [`LogisticRegression::fit`].
///
/// The objective minimised is
/// Σᵢ wᵢ·[log(1 + e^ηᵢ) − yᵢ·ηᵢ] + (λ/2)·Σⱼ βⱼ² with ηᵢ = β₀ + xᵢ·β,
/// the intercept β₀ unpenalised. scikit-learn's `LogisticRegression(C=c)` minimises
/// ½‖β‖² + c·Σ loss, the same optimum as λ = 1 / c ([`LogisticOptions::sklearn_c`]).
///
/// With `standardize`, each feature is centred on its weighted mean (only when an intercept is
/// fitted) and divided by its weighted standard deviation (root mean square without intercept)
/// before fitting, and the coefficients (and their standard errors) are transformed back to the
/// original scale. Unpenalised, this changes nothing but the conditioning; penalised, the
/// penalty applies to the standardised coefficients (the glmnet convention), which is *not*
/// what scikit-learn does on raw features.
///
/// # Examples
///
/// ```
/// use crmkit::churn::LogisticOptions;
/// let o = LogisticOptions::sklearn_c(0.5);
/// assert_eq!(o.l2_penalty, 2.0);
/// assert!(o.validate().is_ok());
/// let o: LogisticOptions = serde_json::from_str(r#"{"standardize": true}"#).unwrap();
/// assert!(o.fit_intercept && o.standardize && o.l2_penalty == 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogisticOptions {
    /// L2 penalty λ ≥ 0 (0 = plain maximum likelihood, with standard errors).
    pub l2_penalty: f64,
    /// Whether to fit an (unpenalised) intercept. Default true.
    pub fit_intercept: bool,
    /// Whether to standardise the features before fitting. Default false.
    pub standardize: bool,
    /// Maximum Newton iterations (≥ 1). Default 100.
    pub max_iter: usize,
    /// Convergence: the largest step of a coefficient ≤ tol·(1 + largest |coefficient|).
    /// Default 1e-10.
    pub tol: f64,
}

impl Default for LogisticOptions {
    fn default() -> Self {
        Self {
            l2_penalty: 0.0,
            fit_intercept: true,
            standardize: false,
            max_iter: 100,
            tol: 1e-10,
        }
    }
}

impl LogisticOptions {
    /// The options equivalent to scikit-learn's `LogisticRegression(C=c)` (λ = 1 / c).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::churn::LogisticOptions::sklearn_c(0.01).l2_penalty, 100.0);
    /// ```
    pub fn sklearn_c(c: f64) -> Self {
        Self {
            l2_penalty: 1.0 / c,
            ..Self::default()
        }
    }

    /// Checks the options.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::LogisticOptions;
    /// assert!(LogisticOptions { l2_penalty: -1.0, ..Default::default() }.validate().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming the option: `l2_penalty` negative or not finite,
    /// `max_iter` 0, `tol` not finite and > 0.
    pub fn validate(&self) -> Result<()> {
        if !self.l2_penalty.is_finite() || self.l2_penalty < 0.0 {
            return Err(CrmkitError::invalid_config(
                "l2_penalty",
                self.l2_penalty,
                "must be finite and >= 0 (scikit-learn's C must be > 0 and finite)",
            ));
        }
        if self.max_iter == 0 {
            return Err(CrmkitError::invalid_config(
                "max_iter",
                self.max_iter,
                "must be >= 1",
            ));
        }
        if !self.tol.is_finite() || self.tol <= 0.0 {
            return Err(CrmkitError::invalid_config(
                "tol",
                self.tol,
                "must be finite and > 0",
            ));
        }
        Ok(())
    }
}

/// Standard errors, z statistics and two-sided normal p-values of the coefficients of an
/// unpenalised fit, intercept first (when fitted), then the features in column order.
///
/// # Formula
///
/// Cov(β) = (Xᵀ·W·X)⁻¹ with W = diag(wᵢ·pᵢ·(1 − pᵢ)) at the optimum (sample weights act as
/// frequency weights, like statsmodels `GLM(freq_weights=…)`); se = √diag Cov;
/// z = β / se; p = erfc(|z| / √2).
///
/// # Examples
///
/// ```
/// use crmkit::churn::CoefficientInference;
/// let i = CoefficientInference { std_errors: vec![0.5], z_values: vec![2.0], p_values: vec![0.0455] };
/// assert_eq!(i.std_errors.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoefficientInference {
    /// Standard errors.
    pub std_errors: Vec<f64>,
    /// z statistics (coefficient / standard error).
    pub z_values: Vec<f64>,
    /// Two-sided p-values under the normal approximation.
    pub p_values: Vec<f64>,
}

/// A warning about a fit that converged but should be read with care.
///
/// # Examples
///
/// ```
/// use crmkit::churn::FitWarning;
/// let w = FitWarning::QuasiSeparation { near_certain_rows: 3 };
/// assert_eq!(serde_json::to_string(&w).unwrap(), r#"{"quasi_separation":{"near_certain_rows":3}}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FitWarning {
    /// Some rows are fitted with a probability within 1e-6 of their label (but none within
    /// 1e-10, which is an error): the data come close to quasi-separation and the coefficients
    /// and standard errors of the features involved deserve scepticism.
    QuasiSeparation {
        /// How many rows (with positive weight) are fitted that close to their label.
        near_certain_rows: usize,
    },
}

/// A fitted logistic regression of a 0/1 outcome (e.g. "churned within the next 30 days").
///
/// Coefficients are on the original scale of the features, whatever the standardisation.
///
/// # Examples
///
/// ```
/// use crmkit::churn::{LogisticOptions, LogisticRegression};
/// use ndarray::array;
///
/// let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]];
/// let y = array![0.0, 0.0, 1.0, 0.0, 1.0, 1.0];
/// let model = LogisticRegression::fit(x.view(), y.view(), None, &LogisticOptions::default()).unwrap();
/// assert!(model.coefficients[0] > 0.0);
/// let p = model.predict_proba(x.view()).unwrap();
/// assert!(p[5] > p[0]);
/// // Standard errors are reported for unpenalised fits.
/// assert_eq!(model.inference.unwrap().std_errors.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "LogisticRegressionData")]
pub struct LogisticRegression {
    /// The intercept β₀ (0 when not fitted).
    pub intercept: f64,
    /// One coefficient per feature column.
    pub coefficients: Vec<f64>,
    /// Whether an intercept was fitted.
    pub fit_intercept: bool,
    /// The L2 penalty λ used.
    pub l2_penalty: f64,
    /// Whether the features were standardised for fitting.
    pub standardized: bool,
    /// Standard errors, z and p-values (unpenalised fits only).
    pub inference: Option<CoefficientInference>,
    /// Weighted log-likelihood Σ wᵢ·log P(yᵢ) at the optimum (penalty not included).
    pub log_likelihood: f64,
    /// Newton iterations done.
    pub iterations: usize,
    /// Rows used (all rows, including zero-weight ones).
    pub n_observations: usize,
    /// Warnings about the fit (empty when all is well).
    pub warnings: Vec<FitWarning>,
}

/// The serialised form of [`LogisticRegression`]: a model is deserialised through it and
/// validated with [`LogisticRegression::validate`], so a loaded model is as valid as a fitted
/// one (a tampered or truncated JSON is an error, never a model that predicts NaN or ∞).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogisticRegressionData {
    intercept: f64,
    coefficients: Vec<f64>,
    fit_intercept: bool,
    l2_penalty: f64,
    standardized: bool,
    inference: Option<CoefficientInference>,
    log_likelihood: f64,
    iterations: usize,
    n_observations: usize,
    warnings: Vec<FitWarning>,
}

impl TryFrom<LogisticRegressionData> for LogisticRegression {
    type Error = CrmkitError;

    fn try_from(d: LogisticRegressionData) -> Result<Self> {
        let model = Self {
            intercept: d.intercept,
            coefficients: d.coefficients,
            fit_intercept: d.fit_intercept,
            l2_penalty: d.l2_penalty,
            standardized: d.standardized,
            inference: d.inference,
            log_likelihood: d.log_likelihood,
            iterations: d.iterations,
            n_observations: d.n_observations,
            warnings: d.warnings,
        };
        model.validate()?;
        Ok(model)
    }
}

impl LogisticRegression {
    /// Checks what every fitted model satisfies: finite intercept and coefficients, an
    /// intercept of 0 when none was fitted, a finite penalty ≥ 0, a finite log-likelihood
    /// ≤ 0, and inference (when present) with one finite standard error ≥ 0, one z and one
    /// p-value in [0, 1] per parameter. Deserialisation runs it.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming the offending field (`coefficients`,
    /// `intercept`, `l2_penalty`, `log_likelihood` or `inference`).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::LogisticRegression;
    /// let text = r#"{"intercept":0.0,"coefficients":[1e999],"fit_intercept":true,"l2_penalty":0.0,
    ///   "standardized":false,"inference":null,"log_likelihood":-1.0,"iterations":3,
    ///   "n_observations":10,"warnings":[]}"#;
    /// assert!(serde_json::from_str::<LogisticRegression>(text).is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, value: &dyn std::fmt::Debug, reason: &str| {
            Err(CrmkitError::invalid_config(field, value, reason))
        };
        if let Some(b) = self.coefficients.iter().find(|b| !b.is_finite()) {
            return bad("coefficients", b, "must be finite");
        }
        if !self.intercept.is_finite() || (!self.fit_intercept && self.intercept != 0.0) {
            return bad(
                "intercept",
                &self.intercept,
                "must be finite, and 0 without a fitted intercept",
            );
        }
        if !(self.l2_penalty.is_finite() && self.l2_penalty >= 0.0) {
            return bad("l2_penalty", &self.l2_penalty, "must be finite and >= 0");
        }
        if !(self.log_likelihood.is_finite() && self.log_likelihood <= 0.0) {
            return bad(
                "log_likelihood",
                &self.log_likelihood,
                "must be finite and <= 0",
            );
        }
        if let Some(inf) = &self.inference {
            let k = self.coefficients.len() + usize::from(self.fit_intercept);
            let lengths = [inf.std_errors.len(), inf.z_values.len(), inf.p_values.len()];
            if lengths.iter().any(|&l| l != k) {
                return bad("inference", &lengths, "one value per parameter is needed");
            }
            let ok = inf.std_errors.iter().all(|s| s.is_finite() && *s >= 0.0)
                && inf.z_values.iter().all(|z| !z.is_nan())
                && inf.p_values.iter().all(|p| (0.0..=1.0).contains(p));
            if !ok {
                return bad(
                    "inference",
                    &"(values)",
                    "standard errors finite and >= 0, z not NaN, p-values in [0, 1]",
                );
            }
        }
        Ok(())
    }
}

/// Numerically stable log(1 + e^x).
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// The design: column j of row i is `value(i, j)`, column 0 the intercept when fitted.
struct Design<'a> {
    x: ArrayView2<'a, f64>,
    fit_intercept: bool,
    center: Vec<f64>,
    scale: Vec<f64>,
    k: usize,
}

impl Design<'_> {
    fn row_into(&self, i: usize, out: &mut [f64]) {
        let offset = usize::from(self.fit_intercept);
        if self.fit_intercept {
            out[0] = 1.0;
        }
        for (j, v) in self.x.row(i).iter().enumerate() {
            out[offset + j] = (v - self.center[j]) / self.scale[j];
        }
    }

    /// Human name of design column `j` for error messages.
    fn column_name(&self, j: usize) -> String {
        if self.fit_intercept {
            if j == 0 {
                "the intercept".to_owned()
            } else {
                format!("feature column {}", j - 1)
            }
        } else {
            format!("feature column {j}")
        }
    }
}

struct Evaluation {
    objective: f64,
    log_likelihood: f64,
    gradient: Vec<f64>,
    hessian: Vec<f64>,
    saturated: usize,
    near_certain: usize,
}

impl LogisticRegression {
    /// Fits the model by Newton's method with step halving.
    ///
    /// `x` is the `n × p` feature matrix (no intercept column: see
    /// [`LogisticOptions::fit_intercept`]), `y` the 0/1 outcomes, `sample_weight` optional
    /// non-negative weights (frequency weights; scikit-learn's `sample_weight`).
    ///
    /// Starts from β = 0; converges when the largest Newton step is ≤
    /// `tol·(1 + max |β|)`. The objective is given at [`LogisticOptions`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{LogisticOptions, LogisticRegression};
    /// use ndarray::array;
    ///
    /// // Perfectly separated: an error, not infinite coefficients.
    /// let x = array![[0.0], [1.0], [2.0], [3.0]];
    /// let y = array![0.0, 0.0, 1.0, 1.0];
    /// let err = LogisticRegression::fit(x.view(), y.view(), None, &LogisticOptions::default()).unwrap_err();
    /// assert!(err.to_string().contains("separation"));
    /// // A penalty makes the optimum finite.
    /// let fit = LogisticRegression::fit(x.view(), y.view(), None, &LogisticOptions::sklearn_c(1.0)).unwrap();
    /// assert!(fit.coefficients[0].is_finite() && fit.inference.is_none());
    /// ```
    ///
    /// # Errors
    ///
    /// - [`CrmkitError::InvalidConfig`] for invalid options;
    /// - [`CrmkitError::EmptyInput`] for no rows, or no column at all (no feature, no intercept);
    /// - [`CrmkitError::LengthMismatch`] when `y` or the weights do not have one entry per row;
    /// - [`CrmkitError::InvalidValue`] naming the row for NaN / infinite `x` (field `x[, j]`),
    ///   `y` not 0 or 1, weights negative or not finite; also when all weights are 0 or only
    ///   one class has positive weight;
    /// - [`CrmkitError::Numerical`] for a constant feature (with an intercept) or collinear
    ///   columns in an unpenalised fit, naming the column, and for perfect or quasi-complete
    ///   separation in an unpenalised fit (the maximum likelihood estimate does not exist:
    ///   use a penalty);
    /// - [`CrmkitError::NotConverged`] when `max_iter` is reached otherwise.
    pub fn fit(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        sample_weight: Option<ArrayView1<'_, f64>>,
        options: &LogisticOptions,
    ) -> Result<Self> {
        options.validate()?;
        let (n, p) = x.dim();
        if n == 0 {
            return Err(CrmkitError::empty("x"));
        }
        CrmkitError::check_len("y", n, y.len())?;
        if let Some(w) = &sample_weight {
            CrmkitError::check_len("sample_weight", n, w.len())?;
        }
        let k = p + usize::from(options.fit_intercept);
        if k == 0 {
            return Err(CrmkitError::empty("x columns (and no intercept)"));
        }
        for ((i, j), v) in x.indexed_iter() {
            if !v.is_finite() {
                return Err(CrmkitError::invalid_value(
                    format!("x[, {j}]"),
                    i,
                    v,
                    "features must be finite",
                ));
            }
        }
        for (i, v) in y.iter().enumerate() {
            if *v != 0.0 && *v != 1.0 {
                return Err(CrmkitError::invalid_value("y", i, v, "must be 0 or 1"));
            }
        }
        let weights: Vec<f64> = match &sample_weight {
            Some(w) => w.to_vec(),
            None => vec![1.0; n],
        };
        if let Some(i) = weights.iter().position(|w| !w.is_finite() || *w < 0.0) {
            return Err(CrmkitError::invalid_value(
                "sample_weight",
                i,
                weights[i],
                "must be finite and >= 0",
            ));
        }
        let total_weight: f64 = weights.iter().sum();
        if total_weight <= 0.0 {
            return Err(CrmkitError::invalid_value(
                "sample_weight",
                0,
                total_weight,
                "at least one weight must be > 0",
            ));
        }
        let positive: f64 = weights.iter().zip(y.iter()).map(|(w, y)| w * y).sum();
        if positive <= 0.0 || positive >= total_weight {
            return Err(CrmkitError::invalid_value(
                "y",
                0,
                if positive <= 0.0 { 0 } else { 1 },
                "only one class (among rows with positive weight): both 0 and 1 are needed",
            ));
        }

        let design = Self::design(x, &weights, total_weight, options)?;
        let penalised = options.l2_penalty > 0.0;
        if !penalised {
            Self::check_rank(&design, &weights)?;
        }
        let offset = usize::from(options.fit_intercept);
        let mut beta = vec![0.0; k];
        let mut current = evaluate(&design, y, &weights, &beta, options.l2_penalty, offset);
        let mut converged = false;
        let mut iterations = 0;
        while iterations < options.max_iter {
            iterations += 1;
            if !penalised && current.saturated == count_positive(&weights) {
                return Err(separation_error(true, current.saturated));
            }
            let mut factor = current.hessian.clone();
            if let Err(j) = cholesky(&mut factor, k, 0.0) {
                if !penalised && current.saturated > 0 {
                    return Err(separation_error(false, current.saturated));
                }
                return Err(CrmkitError::Numerical {
                    context: "logistic regression".into(),
                    reason: format!(
                        "Hessian is not positive definite at {} (iteration {iterations})",
                        design.column_name(j)
                    ),
                });
            }
            let step = cholesky_solve(&factor, k, &current.gradient);
            let full_step = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
            // Step halving keeps every iterate an improvement (Newton can overshoot far from
            // the optimum).
            let mut t = 1.0;
            let mut candidate = beta.clone();
            let accepted = loop {
                for ((c, b), s) in candidate.iter_mut().zip(&beta).zip(&step) {
                    *c = b - t * s;
                }
                let next = evaluate(&design, y, &weights, &candidate, options.l2_penalty, offset);
                if next.objective <= current.objective + 1e-12 * current.objective.abs() {
                    break Some(next);
                }
                if t < 1e-10 {
                    break None;
                }
                t *= 0.5;
            };
            let Some(next) = accepted else {
                // No decrease along the Newton direction: stalled, not converged.
                break;
            };
            beta = candidate;
            current = next;
            let largest_beta = beta.iter().fold(0.0f64, |m, b| m.max(b.abs()));
            // Judged on the full Newton step: a step shortened by halving says nothing about
            // how far the optimum still is.
            if full_step <= options.tol * (1.0 + largest_beta) {
                converged = true;
                break;
            }
        }
        if !converged {
            if !penalised && current.saturated > 0 {
                let all = current.saturated == count_positive(&weights);
                return Err(separation_error(all, current.saturated));
            }
            return Err(CrmkitError::NotConverged {
                model: "logistic regression".into(),
                iterations,
                reason: "the Newton step is still above the tolerance, or no step along the \
                         Newton direction decreases the objective"
                    .into(),
            });
        }
        if !penalised && current.saturated > 0 {
            // Converged only because the saturated rows' gradient underflowed to 0.
            let all = current.saturated == count_positive(&weights);
            return Err(separation_error(all, current.saturated));
        }
        if beta.iter().any(|b| !b.is_finite()) || !current.log_likelihood.is_finite() {
            return Err(CrmkitError::Numerical {
                context: "logistic regression".into(),
                reason: "a coefficient or the log-likelihood is not finite".into(),
            });
        }

        // Back to the original scale: b_j = β_j / s_j; b_0 = β_0 − Σ β_j·c_j / s_j.
        // As a linear map b = A·β, so Cov(b) = A·Cov(β)·Aᵀ.
        let mut a = vec![0.0; k * k];
        for j in 0..p {
            a[(offset + j) * k + offset + j] = 1.0 / design.scale[j];
        }
        if options.fit_intercept {
            a[0] = 1.0;
            for j in 0..p {
                a[1 + j] = -design.center[j] / design.scale[j];
            }
        }
        let original: Vec<f64> = (0..k)
            .map(|r| (0..k).map(|c| a[r * k + c] * beta[c]).sum())
            .collect();

        let inference = if penalised {
            None
        } else {
            let mut factor = current.hessian.clone();
            cholesky(&mut factor, k, 0.0).map_err(|j| CrmkitError::Numerical {
                context: "logistic regression standard errors".into(),
                reason: format!(
                    "information matrix is singular at {}",
                    design.column_name(j)
                ),
            })?;
            // Columns of Cov(β)·Aᵀ are solves against the rows of A.
            let mut std_errors = Vec::with_capacity(k);
            for r in 0..k {
                let a_row = &a[r * k..(r + 1) * k];
                let solved = cholesky_solve(&factor, k, a_row);
                let var: f64 = a_row.iter().zip(&solved).map(|(u, v)| u * v).sum();
                std_errors.push(var.max(0.0).sqrt());
            }
            let z_values: Vec<f64> = original
                .iter()
                .zip(&std_errors)
                .map(|(b, s)| b / s)
                .collect();
            let p_values = z_values
                .iter()
                .map(|z| libm::erfc(z.abs() / std::f64::consts::SQRT_2))
                .collect();
            Some(CoefficientInference {
                std_errors,
                z_values,
                p_values,
            })
        };
        let warnings = if !penalised && current.near_certain > 0 {
            vec![FitWarning::QuasiSeparation {
                near_certain_rows: current.near_certain,
            }]
        } else {
            Vec::new()
        };
        Ok(Self {
            intercept: if options.fit_intercept {
                original[0]
            } else {
                0.0
            },
            coefficients: original[offset..].to_vec(),
            fit_intercept: options.fit_intercept,
            l2_penalty: options.l2_penalty,
            standardized: options.standardize,
            inference,
            log_likelihood: current.log_likelihood,
            iterations,
            n_observations: n,
            warnings,
        })
    }

    fn design<'a>(
        x: ArrayView2<'a, f64>,
        weights: &[f64],
        total_weight: f64,
        options: &LogisticOptions,
    ) -> Result<Design<'a>> {
        let p = x.ncols();
        let mut center = vec![0.0; p];
        let mut scale = vec![1.0; p];
        for (j, column) in x.columns().into_iter().enumerate() {
            let mean = column.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total_weight;
            let spread = column
                .iter()
                .zip(weights)
                .map(|(v, w)| w * (v - mean) * (v - mean))
                .sum::<f64>();
            if options.fit_intercept && spread <= 0.0 && options.l2_penalty == 0.0 {
                return Err(constant_column(j, mean));
            }
            if options.standardize {
                if options.fit_intercept {
                    if spread <= 0.0 {
                        return Err(constant_column(j, mean));
                    }
                    center[j] = mean;
                    scale[j] = (spread / total_weight).sqrt();
                } else {
                    let rms = (column
                        .iter()
                        .zip(weights)
                        .map(|(v, w)| w * v * v)
                        .sum::<f64>()
                        / total_weight)
                        .sqrt();
                    if rms <= 0.0 {
                        return Err(constant_column(j, 0.0));
                    }
                    scale[j] = rms;
                }
            }
        }
        Ok(Design {
            x,
            fit_intercept: options.fit_intercept,
            center,
            scale,
            k: p + usize::from(options.fit_intercept),
        })
    }

    /// Rank check of the weighted Gram matrix scaled to unit diagonal: the pivot of a column is
    /// 1 − R² of that column on the earlier ones.
    fn check_rank(design: &Design<'_>, weights: &[f64]) -> Result<()> {
        let k = design.k;
        let mut gram = vec![0.0; k * k];
        let mut row = vec![0.0; k];
        for (i, w) in weights.iter().enumerate() {
            if *w == 0.0 {
                continue;
            }
            design.row_into(i, &mut row);
            for r in 0..k {
                for c in 0..=r {
                    gram[r * k + c] += w * row[r] * row[c];
                }
            }
        }
        for r in 0..k {
            if gram[r * k + r] <= 0.0 {
                return Err(CrmkitError::Numerical {
                    context: "logistic regression design matrix".into(),
                    reason: format!("{} is zero in every weighted row", design.column_name(r)),
                });
            }
        }
        let d: Vec<f64> = (0..k).map(|r| gram[r * k + r].sqrt()).collect();
        for r in 0..k {
            for c in 0..=r {
                let v = gram[r * k + c] / (d[r] * d[c]);
                gram[r * k + c] = v;
                gram[c * k + r] = v;
            }
        }
        cholesky(&mut gram, k, COLLINEAR_PIVOT).map_err(|j| CrmkitError::Numerical {
            context: "logistic regression design matrix".into(),
            reason: format!(
                "{} is collinear with the columns before it (drop it, or use an L2 penalty)",
                design.column_name(j)
            ),
        })
    }

    /// Linear predictor η = β₀ + X·β for new rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::LogisticRegression;
    /// use ndarray::array;
    /// let m = LogisticRegression {
    ///     intercept: -1.0, coefficients: vec![2.0], fit_intercept: true, l2_penalty: 0.0,
    ///     standardized: false, inference: None, log_likelihood: 0.0, iterations: 0,
    ///     n_observations: 0, warnings: vec![],
    /// };
    /// assert_eq!(m.decision_function(array![[1.0]].view()).unwrap()[0], 1.0);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] when `x` has the wrong number of columns;
    /// [`CrmkitError::InvalidValue`] for a NaN or infinite feature, or (field `x`, the row)
    /// when the linear predictor overflows f64.
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        CrmkitError::check_len("x columns", self.coefficients.len(), x.ncols())?;
        let mut out = Array1::zeros(x.nrows());
        for (i, (row, o)) in x.rows().into_iter().zip(out.iter_mut()).enumerate() {
            let mut eta = self.intercept;
            for (j, (v, b)) in row.iter().zip(&self.coefficients).enumerate() {
                if !v.is_finite() {
                    return Err(CrmkitError::invalid_value(
                        format!("x[, {j}]"),
                        i,
                        v,
                        "features must be finite",
                    ));
                }
                eta += v * b;
            }
            if !eta.is_finite() {
                return Err(CrmkitError::invalid_value(
                    "x",
                    i,
                    "(row)",
                    "the linear predictor intercept + x·coefficients overflows f64",
                ));
            }
            *o = eta;
        }
        Ok(out)
    }

    /// Predicted probabilities 1 / (1 + e^−η) for new rows.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::LogisticRegression;
    /// use ndarray::array;
    /// let m = LogisticRegression {
    ///     intercept: 0.0, coefficients: vec![1.0], fit_intercept: true, l2_penalty: 0.0,
    ///     standardized: false, inference: None, log_likelihood: 0.0, iterations: 0,
    ///     n_observations: 0, warnings: vec![],
    /// };
    /// assert_eq!(m.predict_proba(array![[0.0]].view()).unwrap()[0], 0.5);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`LogisticRegression::decision_function`].
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        Ok(self.decision_function(x)?.mapv(sigmoid))
    }

    /// All parameters in the order of [`CoefficientInference`]: the intercept first (when
    /// fitted), then the coefficients.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::LogisticRegression;
    /// let m = LogisticRegression {
    ///     intercept: -1.0, coefficients: vec![2.0, 3.0], fit_intercept: true, l2_penalty: 0.0,
    ///     standardized: false, inference: None, log_likelihood: 0.0, iterations: 0,
    ///     n_observations: 0, warnings: vec![],
    /// };
    /// assert_eq!(m.params(), vec![-1.0, 2.0, 3.0]);
    /// ```
    pub fn params(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.coefficients.len() + 1);
        if self.fit_intercept {
            out.push(self.intercept);
        }
        out.extend_from_slice(&self.coefficients);
        out
    }
}

fn count_positive(weights: &[f64]) -> usize {
    weights.iter().filter(|w| **w > 0.0).count()
}

fn constant_column(j: usize, value: f64) -> CrmkitError {
    CrmkitError::Numerical {
        context: "logistic regression design matrix".into(),
        reason: format!(
            "feature column {j} is constant (value {value}) and so collinear with the intercept"
        ),
    }
}

fn separation_error(perfect: bool, saturated: usize) -> CrmkitError {
    CrmkitError::Numerical {
        context: "logistic regression".into(),
        reason: if perfect {
            "perfect separation: the features predict every outcome exactly, so the maximum \
             likelihood estimate does not exist (use an L2 penalty)"
                .to_owned()
        } else {
            format!(
                "quasi-complete separation: {saturated} rows are predicted exactly and the \
                 coefficients diverge, so the maximum likelihood estimate does not exist \
                 (use an L2 penalty or drop the separating feature)"
            )
        },
    }
}

fn evaluate(
    design: &Design<'_>,
    y: ArrayView1<'_, f64>,
    weights: &[f64],
    beta: &[f64],
    l2: f64,
    offset: usize,
) -> Evaluation {
    let k = design.k;
    let mut gradient = vec![0.0; k];
    let mut hessian = vec![0.0; k * k];
    let mut log_likelihood = 0.0;
    let mut saturated = 0;
    let mut near_certain = 0;
    let mut row = vec![0.0; k];
    for (i, (w, yi)) in weights.iter().zip(y.iter()).enumerate() {
        if *w == 0.0 {
            continue;
        }
        design.row_into(i, &mut row);
        let eta: f64 = row.iter().zip(beta).map(|(x, b)| x * b).sum();
        let p = sigmoid(eta);
        log_likelihood -= w * (softplus(eta) - yi * eta);
        let miss = if *yi == 1.0 { 1.0 - p } else { p };
        if miss < SATURATION {
            saturated += 1;
        } else if miss < NEAR_CERTAIN {
            near_certain += 1;
        }
        let residual = w * (p - yi);
        let curvature = w * p * (1.0 - p);
        for r in 0..k {
            gradient[r] += residual * row[r];
            let cr = curvature * row[r];
            for c in 0..=r {
                hessian[r * k + c] += cr * row[c];
            }
        }
    }
    for r in 0..k {
        for c in 0..r {
            hessian[c * k + r] = hessian[r * k + c];
        }
    }
    let mut penalty = 0.0;
    if l2 > 0.0 {
        for j in offset..k {
            gradient[j] += l2 * beta[j];
            hessian[j * k + j] += l2;
            penalty += 0.5 * l2 * beta[j] * beta[j];
        }
    }
    Evaluation {
        objective: -log_likelihood + penalty,
        log_likelihood,
        gradient,
        hessian,
        saturated,
        near_certain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_helpers() {
        assert!((softplus(800.0) - 800.0).abs() < 1e-12);
        assert!(softplus(-800.0) >= 0.0);
    }
}
