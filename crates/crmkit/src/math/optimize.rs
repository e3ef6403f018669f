//! Maximum likelihood on log-parameters: BFGS started from the outer product of the per-row
//! gradients (the BHHH approximation of the Hessian) with a backtracking Armijo line search,
//! then a safeguarded Newton phase on the Hessian (finite differences of the analytic gradient):
//! a trust-region, saddle-free Newton step (eigenvalues replaced by their absolute values, the
//! negative-curvature direction followed out of saddles) until the Hessian is positive definite
//! and the Newton decrement negligible, which also classifies the end (optimum, ridge, saddle);
//! delta-method standard errors from the same Hessian; an interrupt hook polled during the fit.

// Dense 2–4 dimensional linear algebra reads best with index loops.
#![allow(clippy::needless_range_loop)]

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::{CrmkitError, Result};

/// Options shared by every model fit.
///
/// # Examples
///
/// ```
/// use crmkit::clv::FitOptions;
/// let opts = FitOptions { penalty: 0.001, ..FitOptions::default() };
/// assert_eq!(opts.max_iterations, 500);
/// assert!(opts.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FitOptions {
    /// L2 penalty coefficient λ ≥ 0: the fit minimises −ℓ / Σw + λ Σ θᵢ², where θ are the model
    /// parameters on the fitting time scale (time divided by max T, as lifetimes' `penalizer_coef`).
    pub penalty: f64,
    /// Most BFGS iterations before the fit gives up with [`CrmkitError::NotConverged`].
    pub max_iterations: usize,
    /// Convergence when the largest gradient component of the mean negative log-likelihood
    /// (per unit of weight, in log-parameters) falls below this.
    pub gradient_tolerance: f64,
    /// Merge identical rows into weights before fitting (the log-likelihood is unchanged).
    pub compress: bool,
    /// Starting parameters in the model's natural order and units (the time unit of the data);
    /// `None` starts the transaction models (BG/NBD, MBG/NBD, Pareto/NBD) from method-of-moments
    /// estimates of the purchase process, and the others from a neutral default.
    pub initial: Option<Vec<f64>>,
    /// Compute standard errors from the Hessian: forward differences of the analytic gradient
    /// at the optimum (one extra gradient evaluation per parameter; about 1e-6 relative
    /// accuracy, far below the sampling error the standard errors describe).
    pub standard_errors: bool,
    /// Polled during the fit (at most every 50 ms of fitting, between likelihood evaluations);
    /// when it returns `true` the fit stops with [`CrmkitError::Interrupted`]. Not serialised.
    #[serde(skip)]
    pub interrupt: Interrupt,
}

/// A cancellation hook for long fits: a function polled between likelihood evaluations (at most
/// every 50 ms) that returns `true` to stop. The Python bindings check for Ctrl-C in it.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use crmkit::clv::{BgNbd, BtydData, FitOptions, Interrupt};
/// use crmkit::CrmkitError;
/// let stop = Arc::new(AtomicBool::new(true)); // e.g. set by a signal handler
/// let flag = Arc::clone(&stop);
/// let opts = FitOptions {
///     interrupt: Interrupt::new(move || flag.load(Ordering::Relaxed)),
///     ..FitOptions::default()
/// };
/// let d = BtydData::new(&[0.0, 2.0, 5.0], &[0.0, 20.0, 30.0], &[38.0; 3]).unwrap();
/// let e = BgNbd::fit(&d, &opts).unwrap_err();
/// assert!(matches!(e, CrmkitError::Interrupted { .. }));
/// ```
#[derive(Clone, Default)]
pub struct Interrupt(Option<Arc<dyn Fn() -> bool + Send + Sync>>);

impl Interrupt {
    /// A hook that stops the fit when `f` returns `true`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::Interrupt;
    /// assert!(Interrupt::new(|| true).should_stop());
    /// assert!(!Interrupt::default().should_stop());
    /// ```
    pub fn new(f: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(f)))
    }

    /// Calls the hook; `false` without one.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::Interrupt;
    /// assert!(!Interrupt::new(|| false).should_stop());
    /// ```
    pub fn should_stop(&self) -> bool {
        self.0.as_ref().is_some_and(|f| f())
    }

    fn is_set(&self) -> bool {
        self.0.is_some()
    }
}

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Interrupt(hook)"
        } else {
            "Interrupt(none)"
        })
    }
}

impl PartialEq for Interrupt {
    /// Two hooks are equal when both are absent or both are the same function object.
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            penalty: 0.0,
            max_iterations: 500,
            gradient_tolerance: 1e-9,
            compress: true,
            initial: None,
            standard_errors: true,
            interrupt: Interrupt::default(),
        }
    }
}

impl FitOptions {
    /// Checks the options.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::FitOptions;
    /// let bad = FitOptions { penalty: -1.0, ..FitOptions::default() };
    /// assert!(bad.validate().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for a negative or non-finite penalty or tolerance, zero
    /// iterations, or non-positive / non-finite starting values.
    pub fn validate(&self) -> Result<()> {
        if !(self.penalty.is_finite() && self.penalty >= 0.0) {
            return Err(CrmkitError::invalid_config(
                "penalty",
                self.penalty,
                "must be finite and >= 0",
            ));
        }
        if !(self.gradient_tolerance.is_finite() && self.gradient_tolerance > 0.0) {
            return Err(CrmkitError::invalid_config(
                "gradient_tolerance",
                self.gradient_tolerance,
                "must be finite and > 0",
            ));
        }
        if self.max_iterations == 0 {
            return Err(CrmkitError::invalid_config(
                "max_iterations",
                self.max_iterations,
                "must be at least 1",
            ));
        }
        if let Some(init) = &self.initial {
            if init.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(CrmkitError::invalid_config(
                    "initial",
                    init,
                    "starting parameters must be finite and > 0",
                ));
            }
        }
        Ok(())
    }
}

/// Where a fit ended, judged by the Hessian H of the mean negative log-likelihood in
/// log-parameters at the solution.
///
/// # Examples
///
/// ```
/// use crmkit::clv::FitEnding;
/// assert_eq!(serde_json::to_string(&FitEnding::Ridge).unwrap(), "\"ridge\"");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FitEnding {
    /// A strict local maximum of the likelihood: H positive definite (smallest eigenvalue above
    /// 1e-8 × the largest) and the Newton decrement ½ gᵀH⁻¹g below 1e-14 per unit weight.
    #[default]
    Optimum,
    /// A flat ridge: H positive semi-definite but singular to its resolution (smallest eigenvalue
    /// within ±1e-8 × the largest), or the Newton phase still climbing along a flat direction
    /// when it stopped. Some combination of parameters is not identified by the data.
    Ridge,
    /// A saddle point: H has a clearly negative eigenvalue and no step along it raised the
    /// likelihood (at the resolution of floating point).
    Saddle,
}

/// How a fit ended.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{ConvergenceReport, FitEnding};
/// let r = ConvergenceReport { iterations: 12, function_evaluations: 15, gradient_norm: 1e-10,
///     log_likelihood: -9582.43, ..ConvergenceReport::default() };
/// assert!(r.gradient_norm < 1e-9);
/// assert_eq!(r.ending, FitEnding::Optimum);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConvergenceReport {
    /// BFGS iterations.
    pub iterations: usize,
    /// Likelihood-and-gradient evaluations (line searches, Hessians and restarts included).
    pub function_evaluations: usize,
    /// Largest absolute component of the gradient of the mean negative log-likelihood (penalty
    /// included) in log-parameters at the solution.
    pub gradient_norm: f64,
    /// Log-likelihood at the solution in the data's time unit (penalty excluded).
    pub log_likelihood: f64,
    /// Where the fit ended (optimum, ridge or saddle).
    #[serde(default)]
    pub ending: FitEnding,
    /// Safeguarded Newton (trust-region) steps taken after BFGS.
    #[serde(default)]
    pub newton_iterations: usize,
    /// Eigenvalues of the Hessian of the mean negative log-likelihood (penalty included) in
    /// log-parameters at the solution, ascending; empty when it could not be computed.
    #[serde(default)]
    pub hessian_eigenvalues: Vec<f64>,
    /// Starting points tried (1 unless the first fit ended on a ridge or saddle and further
    /// starts were tried; the best optimum is kept).
    #[serde(default)]
    pub starts: usize,
    /// Why the standard errors are missing (`None` when they are there).
    #[serde(default)]
    pub standard_errors_unavailable: Option<String>,
}

/// |log-parameter| on the fitting scale beyond which a fit is declared to be at the boundary.
const BOUNDARY_LOG: f64 = 15.0;

/// Longest step of one iteration in any log-parameter.
const MAX_LOG_STEP: f64 = 2.0;

/// Relative change of the objective below which it counts as rounding noise in the line search.
const F_NOISE: f64 = 1e-12;

/// Result of a minimisation in log-parameters.
pub(crate) struct Minimum<const N: usize> {
    pub log_params: [f64; N],
    pub iterations: usize,
    pub evaluations: usize,
    pub gradient_norm: f64,
    /// The objective at `log_params`.
    pub value: f64,
    /// Its gradient there.
    pub gradient: [f64; N],
    /// Why BFGS stopped short of the gradient tolerance (its line search stalled and Newton
    /// polishing failed); `None` when it converged. The Newton phase of
    /// [`fit_log_params`] continues from such a point.
    pub unconverged: Option<String>,
}

fn dot<const N: usize>(a: &[f64; N], b: &[f64; N]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn inf_norm<const N: usize>(a: &[f64; N]) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Sums the weighted negative log-likelihood of rows, its gradient and, when asked for, the
/// weighted outer product of the per-row gradients (Σ wᵢ ∇ℓᵢ ∇ℓᵢᵀ, the BHHH or "OPG" estimate
/// of the Hessian, which starts BFGS with the right scale and orientation).
pub(crate) struct NllSum<'a, const N: usize> {
    value: f64,
    /// Product of the pending factors of [`NllSum::add_factored`] rows of weight 1.
    product: f64,
    grad: &'a mut [f64; N],
    opg: Option<&'a mut [[f64; N]; N]>,
}

impl<'a, const N: usize> NllSum<'a, N> {
    /// Zeroes `grad` (and `opg`) and starts an empty sum.
    pub fn new(grad: &'a mut [f64; N], mut opg: Option<&'a mut [[f64; N]; N]>) -> Self {
        *grad = [0.0; N];
        if let Some(m) = opg.as_deref_mut() {
            *m = [[0.0; N]; N];
        }
        Self {
            value: 0.0,
            product: 1.0,
            grad,
            opg,
        }
    }

    /// Adds a row of weight `w`: `row` returns its log-likelihood ℓ and fills its gradient ∇ℓ
    /// (given a zeroed array).
    #[inline]
    pub fn add(&mut self, w: f64, row: impl FnOnce(&mut [f64; N]) -> f64) {
        let mut gr = [0.0; N];
        self.value -= w * row(&mut gr);
        self.add_gradient(w, &gr);
    }

    /// [`NllSum::add`] for a row whose log-likelihood `row` returns as (b, f) with ℓ = b + ln f
    /// and 1 ≤ f ≤ 1e140 (the 1 + e of a log-sum-exp, in \[1, 2\], or Pareto/NBD's 1 + odds of
    /// death): the factors of rows of weight 1 are multiplied and their
    /// logarithm taken once the product passes 1e150 (every few hundred rows), which spares
    /// most of the per-row logarithms (a product of k factors carries k/2 ulps, as a sum of k
    /// logarithms).
    #[inline]
    pub fn add_factored(&mut self, w: f64, row: impl FnOnce(&mut [f64; N]) -> (f64, f64)) {
        let mut gr = [0.0; N];
        let (base, factor) = row(&mut gr);
        if w == 1.0 {
            self.value -= base;
            self.product *= factor;
            if self.product > 1e150 {
                self.value -= self.product.ln();
                self.product = 1.0;
            }
        } else if factor != 1.0 {
            self.value -= w * (base + factor.ln());
        } else {
            self.value -= w * base;
        }
        self.add_gradient(w, &gr);
    }

    #[inline]
    fn add_gradient(&mut self, w: f64, gr: &[f64; N]) {
        for i in 0..N {
            self.grad[i] -= w * gr[i];
        }
        if let Some(m) = self.opg.as_deref_mut() {
            for i in 0..N {
                let wg = w * gr[i];
                for j in 0..=i {
                    m[i][j] += wg * gr[j];
                }
            }
        }
    }

    /// The total; the outer product is made symmetric.
    pub fn finish(self) -> f64 {
        let value = self.value - self.product.ln();
        if let Some(m) = self.opg {
            for i in 0..N {
                for j in 0..i {
                    m[j][i] = m[i][j];
                }
            }
        }
        value
    }
}

/// Minimises `f` (value and gradient in log-parameters) by BFGS.
///
/// `f` returns the objective and fills the gradient; a non-finite value is treated as "outside
/// the domain" and the line search backs off. When its third argument is `Some`, `f` may fill
/// it with a positive definite approximation of the Hessian (the outer product of per-row
/// gradients); at the starting point its inverse replaces the identity as the first BFGS
/// matrix. `names` label the parameters in errors.
pub(crate) fn minimize<const N: usize>(
    model: &str,
    names: [&str; N],
    mut f: impl FnMut(&[f64; N], &mut [f64; N], Option<&mut [[f64; N]; N]>) -> f64,
    start: [f64; N],
    opts: &FitOptions,
) -> Result<Minimum<N>> {
    let not_converged = |iterations: usize, reason: String| CrmkitError::NotConverged {
        model: model.to_owned(),
        iterations,
        reason,
    };
    let mut x = start;
    let mut g = [0.0; N];
    let mut opg = [[0.0; N]; N];
    let mut fx = f(&x, &mut g, Some(&mut opg));
    let mut f = move |x: &[f64; N], g: &mut [f64; N]| f(x, g, None);
    let mut evaluations = 1;
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Err(not_converged(
            0,
            format!(
                "the log-likelihood is not finite at the starting point {x:?} (log-parameters)"
            ),
        ));
    }
    let (mut h, mut fresh) = match invert_spd(&opg) {
        // fresh: h is the identity (never updated) and gets scaled at the first update
        Some(inv) => (inv, false),
        None => (identity::<N>(), true),
    };
    let tol = opts.gradient_tolerance;
    for iter in 0..opts.max_iterations {
        let gnorm = inf_norm(&g);
        if gnorm < tol {
            return Ok(Minimum {
                log_params: x,
                iterations: iter,
                evaluations,
                gradient_norm: gnorm,
                value: fx,
                gradient: g,
                unconverged: None,
            });
        }
        let mut d = [0.0; N];
        for i in 0..N {
            d[i] = -(0..N).map(|j| h[i][j] * g[j]).sum::<f64>();
        }
        let mut slope = dot(&g, &d);
        if slope >= 0.0 || !slope.is_finite() {
            h = identity::<N>();
            fresh = true;
            d = g.map(|v| -v);
            slope = dot(&g, &d);
        }
        // Keep a single step in log-parameters moderate: a factor of e² at most. Longer steps
        // reach parameter regions where the hypergeometric series of Pareto/NBD need thousands
        // of terms (CDNOW: 20 % fewer series terms and 2 fewer evaluations than with e⁵).
        let dmax = inf_norm(&d);
        if dmax > MAX_LOG_STEP {
            let s = MAX_LOG_STEP / dmax;
            d = d.map(|v| v * s);
            slope *= s;
        }
        let mut step = 1.0;
        let mut accepted = None;
        for _ in 0..60 {
            let mut xn = x;
            for i in 0..N {
                xn[i] += step * d[i];
            }
            let mut gn = [0.0; N];
            let fnew = f(&xn, &mut gn);
            evaluations += 1;
            let finite = fnew.is_finite() && gn.iter().all(|v| v.is_finite());
            // Armijo, or (near the optimum, where f no longer changes in floating point) a value
            // within rounding of the current one with a smaller gradient: Hager & Zhang's
            // "approximate Wolfe" acceptance, without which BFGS stalls at the noise floor of f.
            let ok = finite
                && (fnew <= fx + 1e-4 * step * slope
                    || (fnew <= fx + F_NOISE * fx.abs() && inf_norm(&gn) < inf_norm(&g)));
            if ok {
                accepted = Some((xn, fnew, gn));
                break;
            }
            step *= if fnew.is_finite() {
                // quadratic interpolation of the step, kept within [0.1, 0.5] of the current one
                let q = -slope * step * step / (2.0 * (fnew - fx - slope * step));
                (q / step).clamp(0.1, 0.5)
            } else {
                0.25
            };
        }
        let stalled = match &accepted {
            None => true,
            Some((xn, _, _)) => xn
                .iter()
                .zip(&x)
                .all(|(a, b)| (a - b).abs() <= 1e-13 * (1.0 + b.abs())),
        };
        if stalled && !fresh {
            h = identity::<N>();
            fresh = true;
            continue;
        }
        if stalled {
            // BFGS can lose its curvature information on a flat ridge: finish with Newton steps on
            // the numerical Hessian of the analytic gradient.
            let drifting = x
                .iter()
                .zip(names)
                .filter(|(v, _)| v.abs() > 20.0)
                .map(|(v, n)| format!("`{n}` at log value {v:.1}"))
                .collect::<Vec<_>>();
            let hint = if drifting.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} drifting towards the boundary: the data may not identify the model",
                    drifting.join(", ")
                )
            };
            return Ok(
                polish(&mut f, x, fx, g, iter, evaluations, tol).unwrap_or(Minimum {
                    log_params: x,
                    iterations: iter,
                    evaluations,
                    gradient_norm: gnorm,
                    value: fx,
                    gradient: g,
                    unconverged: Some(format!(
                        "the line search found no lower value (gradient norm {gnorm:.3e}, tolerance {tol:.1e}){hint}"
                    )),
                }),
            );
        }
        let Some((xn, fnew, gn)) = accepted else {
            continue;
        };
        let mut s = [0.0; N];
        let mut y = [0.0; N];
        for i in 0..N {
            s[i] = xn[i] - x[i];
            y[i] = gn[i] - g[i];
        }
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() {
            if fresh {
                let scale = sy / dot(&y, &y);
                h = identity::<N>().map(|row| row.map(|v| v * scale));
                fresh = false;
            }
            bfgs_update(&mut h, &s, &y, sy);
        }
        x = xn;
        fx = fnew;
        g = gn;
        if let Some(i) = x.iter().position(|v| v.abs() > 40.0) {
            // The L2 penalty only holds parameters back from infinity.
            let (dir, hint) = if x[i] > 0.0 {
                ("infinity", " (try a penalty)")
            } else {
                ("zero", "")
            };
            return Err(not_converged(
                iter + 1,
                format!(
                    "parameter `{}` is running off to {dir} (log value {:.1}): the data do not \
                     identify the model{hint}",
                    names[i], x[i]
                ),
            ));
        }
    }
    let gnorm = inf_norm(&g);
    if gnorm < tol {
        return Ok(Minimum {
            log_params: x,
            iterations: opts.max_iterations,
            evaluations,
            gradient_norm: gnorm,
            value: fx,
            gradient: g,
            unconverged: None,
        });
    }
    Err(not_converged(
        opts.max_iterations,
        format!("iteration limit reached with gradient norm {gnorm:.3e} (tolerance {tol:.1e})"),
    ))
}

/// Newton iterations with a numerical Hessian from `x`; `Some` when the gradient norm ends below
/// `tol`, or below 1e3 × `tol` when no further step lowers it (the floating-point floor).
fn polish<const N: usize>(
    f: &mut impl FnMut(&[f64; N], &mut [f64; N]) -> f64,
    mut x: [f64; N],
    mut fx: f64,
    mut g: [f64; N],
    iterations: usize,
    mut evaluations: usize,
    tol: f64,
) -> Option<Minimum<N>> {
    let mut gnorm = inf_norm(&g);
    for _ in 0..10 {
        if gnorm < tol {
            break;
        }
        let hm = hessian(
            |u, gg| {
                f(u, gg);
            },
            &x,
        );
        evaluations += 2 * N;
        let Some(inv) = invert_spd(&hm) else { break };
        let mut xn = x;
        for i in 0..N {
            xn[i] -= (0..N).map(|j| inv[i][j] * g[j]).sum::<f64>();
        }
        let mut gn = [0.0; N];
        let fnew = f(&xn, &mut gn);
        evaluations += 1;
        let gnew = inf_norm(&gn);
        if !(fnew.is_finite() && gnew.is_finite() && (gnew < gnorm || fnew < fx)) {
            break;
        }
        (x, fx, g, gnorm) = (xn, fnew, gn, gnew);
    }
    (gnorm < 1e3 * tol).then_some(Minimum {
        log_params: x,
        iterations,
        evaluations,
        gradient_norm: gnorm,
        value: fx,
        gradient: g,
        unconverged: None,
    })
}

fn identity<const N: usize>() -> [[f64; N]; N] {
    let mut m = [[0.0; N]; N];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    m
}

/// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ with ρ = 1 / (yᵀ s).
fn bfgs_update<const N: usize>(h: &mut [[f64; N]; N], s: &[f64; N], y: &[f64; N], sy: f64) {
    let rho = 1.0 / sy;
    let mut hy = [0.0; N];
    for i in 0..N {
        hy[i] = (0..N).map(|j| h[i][j] * y[j]).sum();
    }
    let yhy = dot(y, &hy);
    for i in 0..N {
        for j in 0..N {
            h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
    }
}

/// Central-difference Hessian of an analytic gradient, symmetrised.
pub(crate) fn hessian<const N: usize>(
    mut grad: impl FnMut(&[f64; N], &mut [f64; N]),
    at: &[f64; N],
) -> [[f64; N]; N] {
    let mut hm = [[0.0; N]; N];
    for j in 0..N {
        let step = 1e-5 * (1.0 + at[j].abs());
        let mut up = *at;
        let mut down = *at;
        up[j] += step;
        down[j] -= step;
        let mut gu = [0.0; N];
        let mut gd = [0.0; N];
        grad(&up, &mut gu);
        grad(&down, &mut gd);
        for i in 0..N {
            hm[i][j] = (gu[i] - gd[i]) / (2.0 * step);
        }
    }
    symmetrised(hm)
}

/// Forward-difference Hessian of an analytic gradient whose value at `at` is `g0`, symmetrised:
/// N gradient evaluations instead of the 2N of [`hessian`]. With steps of 1e-7 (1 + |uⱼ|) the
/// truncation error is about 1e-7 relative and the rounding error (gradients summed over rows
/// to ~1e-16 of their terms) no larger: on the CDNOW, donation and retention fits the standard
/// errors agree with the central difference to 1e-7 to 2e-6 relative, far below the sampling
/// error they describe.
pub(crate) fn hessian_forward<const N: usize>(
    mut grad: impl FnMut(&[f64; N], &mut [f64; N]),
    at: &[f64; N],
    g0: &[f64; N],
) -> [[f64; N]; N] {
    let mut hm = [[0.0; N]; N];
    for j in 0..N {
        let step = 1e-7 * (1.0 + at[j].abs());
        let mut up = *at;
        up[j] += step;
        let mut gu = [0.0; N];
        grad(&up, &mut gu);
        for i in 0..N {
            hm[i][j] = (gu[i] - g0[i]) / step;
        }
    }
    symmetrised(hm)
}

/// `hm` with each off-diagonal pair replaced by its mean.
fn symmetrised<const N: usize>(mut hm: [[f64; N]; N]) -> [[f64; N]; N] {
    for i in 0..N {
        for j in 0..i {
            let m = 0.5 * (hm[i][j] + hm[j][i]);
            hm[i][j] = m;
            hm[j][i] = m;
        }
    }
    hm
}

/// Inverse of a symmetric positive definite matrix by Cholesky; `None` if not positive definite.
pub(crate) fn invert_spd<const N: usize>(m: &[[f64; N]; N]) -> Option<[[f64; N]; N]> {
    let mut l = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = m[i][i] - s;
                if !(d > 0.0 && d.is_finite()) {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - s) / l[j][j];
            }
        }
    }
    // inverse of L (lower triangular), then M⁻¹ = L⁻ᵀ L⁻¹
    let mut li = [[0.0; N]; N];
    for i in 0..N {
        li[i][i] = 1.0 / l[i][i];
        for j in 0..i {
            let s: f64 = (j..i).map(|k| l[i][k] * li[k][j]).sum();
            li[i][j] = -s / l[i][i];
        }
    }
    let mut inv = [[0.0; N]; N];
    for i in 0..N {
        for j in 0..N {
            inv[i][j] = (i.max(j)..N).map(|k| li[k][i] * li[k][j]).sum();
        }
    }
    inv.iter().flatten().all(|v| v.is_finite()).then_some(inv)
}

/// Covariance of the natural parameters θ = exp(u) from the Hessian `h` of the total negative
/// log-likelihood in u (delta method: Cov(θ) = diag(θ) H⁻¹ diag(θ)). `None` if H is not
/// positive definite.
pub(crate) fn delta_covariance<const N: usize>(
    h: &[[f64; N]; N],
    params: &[f64; N],
) -> Option<[[f64; N]; N]> {
    let inv = invert_spd(h)?;
    let mut cov = inv;
    for i in 0..N {
        for j in 0..N {
            cov[i][j] = inv[i][j] * params[i] * params[j];
        }
    }
    Some(cov)
}

/// Fit result shared by the models: natural parameters on the fitting scale, report pieces and
/// the covariance (natural parameters, fitting scale).
pub(crate) struct LogFit<const N: usize> {
    pub params: [f64; N],
    /// −`nll` at `params`: the log-likelihood on the fitting scale, penalty excluded.
    pub log_likelihood: f64,
    pub minimum: Minimum<N>,
    pub covariance: Option<[[f64; N]; N]>,
    /// Where the fit ended.
    pub ending: FitEnding,
    /// Newton steps after BFGS.
    pub newton_iterations: usize,
    /// Eigenvalues of the Hessian of the mean penalised objective, ascending.
    pub eigenvalues: Vec<f64>,
    /// Starting points tried.
    pub starts: usize,
    /// Why `covariance` is `None`.
    pub covariance_unavailable: Option<String>,
}

impl<const N: usize> LogFit<N> {
    /// The convergence report, given the log-likelihood in the data's units.
    pub fn report(&self, log_likelihood: f64) -> ConvergenceReport {
        ConvergenceReport {
            iterations: self.minimum.iterations,
            function_evaluations: self.minimum.evaluations,
            gradient_norm: self.minimum.gradient_norm,
            log_likelihood,
            ending: self.ending,
            newton_iterations: self.newton_iterations,
            hessian_eigenvalues: self.eigenvalues.clone(),
            starts: self.starts,
            standard_errors_unavailable: self.covariance_unavailable.clone(),
        }
    }
}

/// Eigenvalues (ascending) and unit eigenvectors (`vectors[k]` belongs to `values[k]`) of a
/// symmetric matrix by cyclic Jacobi rotations.
pub(crate) fn symmetric_eigen<const N: usize>(m: &[[f64; N]; N]) -> ([f64; N], [[f64; N]; N]) {
    let mut a = *m;
    let mut v = identity::<N>();
    for _ in 0..64 {
        let off: f64 = (0..N)
            .flat_map(|i| (0..N).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let diag: f64 = (0..N).map(|i| a[i][i] * a[i][i]).sum();
        if off <= 1e-30 * diag || off == 0.0 {
            break;
        }
        for p in 0..N {
            for q in p + 1..N {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..N {
                    let (akp, akq) = (a[k][p], a[k][q]);
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for k in 0..N {
                    let (apk, aqk) = (a[p][k], a[q][k]);
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for k in 0..N {
                    let (vkp, vkq) = (v[k][p], v[k][q]);
                    v[k][p] = c * vkp - s * vkq;
                    v[k][q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: [usize; N] = std::array::from_fn(|i| i);
    order.sort_by(|&i, &j| a[i][i].total_cmp(&a[j][j]));
    let values = order.map(|i| a[i][i]);
    let vectors = order.map(|i| std::array::from_fn(|k| v[k][i]));
    (values, vectors)
}

/// Relative size (to the largest |eigenvalue|) below which a Hessian eigenvalue counts as zero:
/// the forward-difference Hessian resolves its entries to about 1e-7 relative.
const EIGEN_FLOOR: f64 = 1e-8;

/// Newton decrement ½ gᵀH⁻¹g (predicted remaining decrease of the mean negative log-likelihood)
/// below which a positive definite point is the optimum.
const DECREMENT_TOL: f64 = 1e-14;

/// Most Newton steps after BFGS.
const MAX_NEWTON: usize = 200;

/// Interval between calls of the interrupt hook.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The common fitting driver: `nll` is the total weighted negative log-likelihood and its
/// gradient in the natural parameters θ; it is wrapped to log-parameters, divided by the total
/// weight and given the L2 penalty, minimised (BFGS, then safeguarded Newton steps on the
/// finite-difference Hessian of the analytic gradient until the Hessian is positive definite
/// and the Newton decrement negligible), and its Hessian inverted for standard errors. A
/// solution at the boundary (a log-parameter beyond ±15 on the fitting scale) is an error unless
/// `lower_boundary_ok` allows that parameter to approach 0. When the end is a ridge or saddle
/// and `restarts` offers further starting points (natural parameters, fitting scale), the fit
/// is repeated from each and the best optimum kept.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_log_params_multi<const N: usize>(
    model: &str,
    names: [&str; N],
    nll: impl FnMut(&[f64; N], &mut [f64; N], Option<&mut [[f64; N]; N]>) -> f64,
    total_weight: f64,
    start: [f64; N],
    restarts: &dyn Fn(&[f64; N]) -> Vec<[f64; N]>,
    opts: &FitOptions,
    lower_boundary_ok: [bool; N],
) -> Result<LogFit<N>> {
    fit_log_params_polled(
        model,
        names,
        nll,
        total_weight,
        start,
        restarts,
        opts,
        lower_boundary_ok,
        POLL_INTERVAL,
    )
}

/// [`fit_log_params_multi`] calling the interrupt hook at the first evaluation and then at the
/// first evaluation at least `poll_interval` after the last call (zero: at every evaluation, for
/// a hook that only reads a flag).
#[allow(clippy::too_many_arguments, clippy::too_many_lines)]
fn fit_log_params_polled<const N: usize>(
    model: &str,
    names: [&str; N],
    mut nll: impl FnMut(&[f64; N], &mut [f64; N], Option<&mut [[f64; N]; N]>) -> f64,
    total_weight: f64,
    start: [f64; N],
    restarts: &dyn Fn(&[f64; N]) -> Vec<[f64; N]>,
    opts: &FitOptions,
    lower_boundary_ok: [bool; N],
    poll_interval: Duration,
) -> Result<LogFit<N>> {
    opts.validate()?;
    let penalty = opts.penalty;
    let interrupted = Cell::new(false);
    // `None`: poll at the next evaluation (the first one included)
    let last_poll: Cell<Option<Instant>> = Cell::new(None);
    let mut log_objective = |u: &[f64; N],
                             g: &mut [f64; N],
                             opg: Option<&mut [[f64; N]; N]>,
                             penalised: bool,
                             scale: f64|
     -> f64 {
        if interrupted.get() {
            return f64::NAN;
        }
        if opts.interrupt.is_set() && last_poll.get().is_none_or(|t| t.elapsed() >= poll_interval) {
            last_poll.set(Some(Instant::now()));
            if opts.interrupt.should_stop() {
                interrupted.set(true);
                return f64::NAN;
            }
        }
        let theta = u.map(f64::exp);
        let mut gt = [0.0; N];
        let mut ot = [[0.0; N]; N];
        let want_opg = opg.is_some();
        let v = nll(&theta, &mut gt, want_opg.then_some(&mut ot));
        let mut value = v * scale;
        for i in 0..N {
            g[i] = gt[i] * theta[i] * scale;
        }
        if penalised && penalty > 0.0 {
            for i in 0..N {
                value += penalty * theta[i] * theta[i];
                g[i] += 2.0 * penalty * theta[i] * theta[i];
            }
        }
        if let Some(o) = opg {
            // chain rule to log-parameters; the penalty's Hessian 4λθ² joins the diagonal
            for i in 0..N {
                for j in 0..N {
                    o[i][j] = ot[i][j] * theta[i] * theta[j] * scale;
                }
                if penalised {
                    o[i][i] += 4.0 * penalty * theta[i] * theta[i];
                }
            }
        }
        value
    };
    let inv_w = 1.0 / total_weight;
    let interrupted_error = |iterations: usize| CrmkitError::Interrupted {
        model: model.to_owned(),
        iterations,
    };
    // a solution that ended unconverged or at the boundary is no candidate (its error is
    // returned when no start gives a candidate)
    let check = |p: &Polished<N>| -> Result<()> {
        let minimum = &p.minimum;
        if let Some(reason) = &minimum.unconverged {
            if p.ending != FitEnding::Optimum
                || minimum.gradient_norm >= 1e3 * opts.gradient_tolerance
            {
                return Err(CrmkitError::NotConverged {
                    model: model.to_owned(),
                    iterations: minimum.iterations,
                    reason: reason.clone(),
                });
            }
        }
        // On the fitting scale (time and spend rescaled) parameters are of order one; a solution
        // beyond e^±15 is the limit of a likelihood that keeps rising towards the boundary.
        // `lower_boundary_ok` marks parameters whose value 0 is a legitimate limit (q − 1 of a
        // constrained fit whose constraint binds).
        let at_boundary = minimum
            .log_params
            .iter()
            .zip(names)
            .zip(lower_boundary_ok)
            .find(|((u, _), ok)| **u > BOUNDARY_LOG || (**u < -BOUNDARY_LOG && !ok))
            .map(|((u, name), _)| (u, name));
        if let Some((u, name)) = at_boundary {
            return Err(CrmkitError::NotConverged {
                model: model.to_owned(),
                iterations: minimum.iterations,
                reason: format!(
                    "the optimum lies at the boundary of the parameter space: `{name}` reached log \
                     value {u:.1} on the fitting scale, so the data do not identify the model{}",
                    if *u > 0.0 { " (try a penalty)" } else { "" }
                ),
            });
        }
        Ok(())
    };
    let mut best: Option<Polished<N>> = None;
    let mut first_error = None;
    let mut evaluations = 0;
    let mut starts = 0;
    let mut pending = vec![start];
    let mut k = 0;
    while k < pending.len() {
        let s0 = pending[k];
        if k == 1 && best.as_ref().is_some_and(Polished::well_determined) {
            // further starts only when the first fit is not a well-determined optimum
            break;
        }
        k += 1;
        starts += 1;
        let found = minimize(
            model,
            names,
            |u, g, opg| log_objective(u, g, opg, true, inv_w),
            s0.map(f64::ln),
            opts,
        );
        if interrupted.get() {
            return Err(interrupted_error(found.map_or(0, |m| m.iterations)));
        }
        let mut minimum = match found {
            Ok(m) => m,
            // a failed restart leaves the best fit so far standing
            Err(_) if k > 1 => continue,
            Err(e) => return Err(e),
        };
        minimum.evaluations += evaluations;
        let polished = newton_phase(
            |u, g, total| {
                if total {
                    log_objective(u, g, None, false, 1.0)
                } else {
                    log_objective(u, g, None, true, inv_w)
                }
            },
            minimum,
            penalty,
            total_weight,
        );
        if interrupted.get() {
            return Err(interrupted_error(polished.minimum.iterations));
        }
        evaluations = polished.minimum.evaluations;
        if k == 1 {
            pending.extend(restarts(&polished.minimum.log_params.map(f64::exp)));
        }
        match check(&polished) {
            Ok(()) => {
                if best
                    .as_ref()
                    .is_none_or(|b| polished.minimum.value < b.minimum.value)
                {
                    best = Some(polished);
                }
            }
            Err(e) => {
                if k == 1 {
                    first_error = Some(e);
                }
            }
        }
    }
    let Some(mut best) = best else {
        return Err(first_error.unwrap_or_else(|| CrmkitError::NotConverged {
            model: model.to_owned(),
            iterations: 0,
            reason: "no starting point led to a finite optimum".to_owned(),
        }));
    };
    best.minimum.evaluations = evaluations;
    let minimum = best.minimum;
    let params = minimum.log_params.map(f64::exp);
    if params.iter().any(|p| !(p.is_finite() && *p > 0.0)) {
        return Err(CrmkitError::NotConverged {
            model: model.to_owned(),
            iterations: minimum.iterations,
            reason: format!("parameters left the positive finite range: {params:?}"),
        });
    }
    let (covariance, covariance_unavailable) = if !opts.standard_errors {
        (
            None,
            Some("not requested (standard_errors = false)".to_owned()),
        )
    } else if let Some(ht) = best.total_hessian {
        standard_error_covariance(&ht, &params, best.ending)
    } else {
        (
            None,
            Some("the Hessian could not be computed at the solution".to_owned()),
        )
    };
    // the minimised objective is −ℓ / Σw + λ Σ θ²
    let penalty_term: f64 = params.iter().map(|t| penalty * t * t).sum();
    let log_likelihood = -(minimum.value - penalty_term) * total_weight;
    Ok(LogFit {
        params,
        log_likelihood,
        minimum,
        covariance,
        ending: best.ending,
        newton_iterations: best.newton_iterations,
        eigenvalues: best.eigenvalues,
        starts,
        covariance_unavailable,
    })
}

/// The covariance of the natural parameters from the Hessian `ht` of the total negative
/// log-likelihood in log-parameters, or why there is none.
fn standard_error_covariance<const N: usize>(
    ht: &[[f64; N]; N],
    params: &[f64; N],
    ending: FitEnding,
) -> (Option<[[f64; N]; N]>, Option<String>) {
    let (lam, _) = symmetric_eigen(ht);
    let (lo, hi) = (lam[0], lam[N - 1].abs().max(lam[0].abs()));
    let why = |what: &str| {
        Some(format!(
            "the Hessian of the log-likelihood is {what} at the solution (eigenvalues of −∇²ℓ in \
             log-parameters from {lo:.3e} to {:.3e}){}",
            lam[N - 1],
            match ending {
                FitEnding::Optimum => "",
                FitEnding::Ridge => {
                    ": the fit ended on a ridge, some combination of parameters is not identified"
                }
                FitEnding::Saddle => ": the fit ended on a saddle point",
            }
        ))
    };
    if !(lo.is_finite() && hi.is_finite()) {
        return (None, why("not finite"));
    }
    if lo <= 0.0 {
        return (None, why("not negative definite"));
    }
    if lo <= EIGEN_FLOOR * hi {
        return (
            None,
            why("singular to its numerical resolution (not negative definite)"),
        );
    }
    match delta_covariance(ht, params) {
        Some(c) => (Some(c), None),
        None => (None, why("not invertible")),
    }
}

/// Smallest/largest Hessian eigenvalue ratio below which an optimum counts as weakly
/// determined, so that [`fit_log_params_multi`] tries its further starting points.
const WEAK_CURVATURE: f64 = 1e-4;

impl<const N: usize> Polished<N> {
    /// An optimum with a well-conditioned Hessian, reached with a converged BFGS.
    fn well_determined(&self) -> bool {
        self.ending == FitEnding::Optimum
            && self.minimum.unconverged.is_none()
            && match (self.eigenvalues.first(), self.eigenvalues.last()) {
                (Some(lo), Some(hi)) => *lo > WEAK_CURVATURE * hi.abs(),
                _ => false,
            }
    }
}

/// The result of [`newton_phase`].
struct Polished<const N: usize> {
    minimum: Minimum<N>,
    ending: FitEnding,
    newton_iterations: usize,
    /// Eigenvalues of the Hessian of the penalised mean objective at the end, ascending.
    eigenvalues: Vec<f64>,
    /// Hessian of the unpenalised total negative log-likelihood at the end.
    total_hessian: Option<[[f64; N]; N]>,
}

/// Safeguarded Newton from a BFGS end point: `f(u, g, total)` is the penalised mean objective
/// (`total` false) or the unpenalised total negative log-likelihood (`total` true) in
/// log-parameters. Each step computes the forward-difference Hessian of the analytic gradient
/// (N gradient evaluations), takes its eigen-decomposition H = Σ λₖ vₖvₖᵀ and, unless the point
/// is already the optimum (all λₖ > 1e-8 max|λ| and ½ gᵀH⁻¹g < 1e-14), tries the saddle-free
/// Newton step s = −Σ (vₖ·g) / max(|λₖ|, 1e-8 max|λ|) vₖ — plus a move of the trust radius along
/// the most negative curvature direction when there is one — cut to the trust radius Δ (in
/// log-parameters, starting at 2). A step that lowers the objective is taken (Δ doubles, up to
/// 8, when the step was cut); otherwise Δ shrinks fourfold, up to 10 times, before the point is
/// classified as it stands.
fn newton_phase<const N: usize>(
    mut f: impl FnMut(&[f64; N], &mut [f64; N], bool) -> f64,
    mut minimum: Minimum<N>,
    penalty: f64,
    total_weight: f64,
) -> Polished<N> {
    let mut delta = MAX_LOG_STEP;
    let mut newton_iterations = 0;
    loop {
        let x = minimum.log_params;
        let theta = x.map(f64::exp);
        let g = minimum.gradient;
        let g0: [f64; N] =
            std::array::from_fn(|i| (g[i] - 2.0 * penalty * theta[i] * theta[i]) * total_weight);
        let ht = hessian_forward(
            |u, gg| {
                f(u, gg, true);
            },
            &x,
            &g0,
        );
        minimum.evaluations += N;
        let mut hp = ht.map(|row| row.map(|v| v / total_weight));
        for i in 0..N {
            hp[i][i] += 4.0 * penalty * theta[i] * theta[i];
        }
        if hp.iter().flatten().any(|v| !v.is_finite()) {
            return Polished {
                minimum,
                ending: FitEnding::Saddle,
                newton_iterations,
                eigenvalues: Vec::new(),
                total_hessian: None,
            };
        }
        let (lam, vecs) = symmetric_eigen(&hp);
        let scale = lam[N - 1].abs().max(lam[0].abs());
        let floor = (EIGEN_FLOOR * scale).max(f64::MIN_POSITIVE);
        let coef: [f64; N] = std::array::from_fn(|k| dot(&vecs[k], &g));
        let positive = lam[0] > floor;
        let decrement: f64 = (0..N)
            .map(|k| 0.5 * coef[k] * coef[k] / lam[k].abs().max(floor))
            .sum();
        let classify = |lam0: f64| {
            if lam0 > floor {
                FitEnding::Optimum
            } else if lam0 < -floor {
                FitEnding::Saddle
            } else {
                FitEnding::Ridge
            }
        };
        let done = |minimum: Minimum<N>, ending, newton_iterations| Polished {
            minimum,
            ending,
            newton_iterations,
            eigenvalues: lam.to_vec(),
            total_hessian: Some(ht),
        };
        if positive && decrement <= DECREMENT_TOL {
            let mut m = minimum;
            if m.gradient_norm < 1e3 * 1e-9_f64.max(m.gradient_norm.min(1e-6)) {
                m.unconverged = None;
            }
            return done(m, FitEnding::Optimum, newton_iterations);
        }
        if newton_iterations >= MAX_NEWTON || x.iter().any(|v| v.abs() > 40.0) {
            let ending = if positive {
                FitEnding::Ridge
            } else {
                classify(lam[0])
            };
            return done(minimum, ending, newton_iterations);
        }
        let mut step = [0.0; N];
        for k in 0..N {
            let c = -coef[k] / lam[k].abs().max(floor);
            for i in 0..N {
                step[i] += c * vecs[k][i];
            }
        }
        if lam[0] < -floor {
            // leave the saddle along its most negative curvature, downhill
            let sign = if coef[0] > 0.0 { -1.0 } else { 1.0 };
            for i in 0..N {
                step[i] += sign * delta * vecs[0][i];
            }
        }
        let mut accepted = None;
        for _ in 0..10 {
            let len = inf_norm(&step);
            let cut = len > delta;
            let s = if cut {
                step.map(|v| v * delta / len)
            } else {
                step
            };
            let xn: [f64; N] = std::array::from_fn(|i| x[i] + s[i]);
            let mut gn = [0.0; N];
            let fnew = f(&xn, &mut gn, false);
            minimum.evaluations += 1;
            if fnew.is_finite()
                && gn.iter().all(|v| v.is_finite())
                && fnew < minimum.value
                && xn != x
            {
                accepted = Some((xn, fnew, gn, cut));
                break;
            }
            delta = 0.25 * len.min(delta);
            if delta.is_nan() || delta <= 1e-12 {
                break;
            }
        }
        let Some((xn, fnew, gn, cut)) = accepted else {
            let ending = classify(lam[0]);
            return done(minimum, ending, newton_iterations);
        };
        if cut {
            delta = (2.0 * delta).min(8.0);
        }
        newton_iterations += 1;
        minimum.log_params = xn;
        minimum.value = fnew;
        minimum.gradient = gn;
        minimum.gradient_norm = inf_norm(&gn);
    }
}

/// Rows from which the two parts of a [`fit_log_params_split`] likelihood of Pareto/NBD cost
/// (a ₂F₁ series per distinct (x, τ)) are evaluated on two threads (below, both on one thread,
/// one after the other). How it was chosen: the CDNOW fit (1,016 distinct rows, an evaluation
/// of about 70 µs on one thread) on the idle 2-core machine took 0.85 ms split over the pool
/// against 1.3 ms on one thread, so the threshold lies well below 1,016; 256 (parts of 128
/// rows, about 9 µs each) is where handing a part over costs about what it saves. Cheaper
/// likelihoods set their own threshold ([`BG_FAMILY_THREADED_ROWS`]).
pub(crate) const THREADED_FIT_ROWS: usize = 256;

/// [`THREADED_FIT_ROWS`] for the BG/NBD family (BG/NBD, MBG/NBD), whose rows cost a third of
/// Pareto/NBD's (CDNOW: an evaluation of about 25 µs). Measured on CDNOW's 1,016 distinct rows
/// (2026-12-07, release build, each build in its own processes, `benches/compare_fit_processes.py`,
/// ten pairs): with the helper job of [`fit_log_params_split`] keeping the second thread at
/// hand, the fit took 0.49 ms split against 0.64 ms on one thread at idle, and 0.67 against 0.65
/// ms with the second core busy (the parts then run on the fit's thread). Before that helper
/// (rayon's thread going back to sleep between evaluations) the split lost, 0.75 against 0.65
/// ms, and the threshold was 4,096; 512 (parts of about 6 µs) keeps the hand-over below the
/// saving.
pub(crate) const BG_FAMILY_THREADED_ROWS: usize = 512;

/// One part's (or subtree's) value, gradient and outer product.
type PartSum<const N: usize> = (f64, [f64; N], [[f64; N]; N]);

/// `a` + `b` for two parts' values, gradients and outer products, in this order.
fn add_parts<const N: usize>(
    (v1, g1, o1): PartSum<N>,
    (v2, g2, o2): PartSum<N>,
    want_opg: bool,
) -> PartSum<N> {
    let g = std::array::from_fn(|i| g1[i] + g2[i]);
    let o = if want_opg {
        std::array::from_fn(|i| std::array::from_fn(|j| o1[i][j] + o2[i][j]))
    } else {
        [[0.0; N]; N]
    };
    (v1 + v2, g, o)
}

/// One part's value, gradient and (when `want_opg`) outer product.
fn eval_part<const N: usize, P>(
    eval: &impl Fn(&mut P, &[f64; N], &mut [f64; N], Option<&mut [[f64; N]; N]>) -> f64,
    part: &mut P,
    theta: &[f64; N],
    want_opg: bool,
) -> PartSum<N> {
    let mut g = [0.0; N];
    let mut o = [[0.0; N]; N];
    let v = eval(part, theta, &mut g, want_opg.then_some(&mut o));
    (v, g, o)
}

/// The sum over `parts` as a binary tree fixed by their number alone: the first ⌊n/2⌋ parts'
/// sum plus the other parts' sum, each summed the same way (two parts: first + second). With
/// `pooled`, the two halves go to [`rayon::join`]: the thread keeps the first and offers the
/// second to whichever pool thread is awake, and so on down the tree, so a thread that wakes
/// late still finds the unstarted parts to take; the additions stay the same whoever runs
/// which part, so the result is the same bit for bit on one thread or many.
fn eval_tree<const N: usize, P: Send>(
    eval: &(impl Fn(&mut P, &[f64; N], &mut [f64; N], Option<&mut [[f64; N]; N]>) -> f64 + Sync),
    parts: &mut [P],
    theta: &[f64; N],
    want_opg: bool,
    pooled: bool,
) -> PartSum<N> {
    match parts {
        [] => (0.0, [0.0; N], [[0.0; N]; N]),
        [part] => eval_part(eval, part, theta, want_opg),
        _ => {
            let (first, second) = parts.split_at_mut(parts.len() / 2);
            let (a, b) = if pooled {
                rayon::join(
                    || eval_tree(eval, first, theta, want_opg, true),
                    || eval_tree(eval, second, theta, want_opg, true),
                )
            } else {
                (
                    eval_tree(eval, first, theta, want_opg, false),
                    eval_tree(eval, second, theta, want_opg, false),
                )
            };
            add_parts(a, b, want_opg)
        }
    }
}

/// [`eval_tree`] into the optimiser's gradient and outer product.
fn eval_into<const N: usize, P: Send>(
    eval: &(impl Fn(&mut P, &[f64; N], &mut [f64; N], Option<&mut [[f64; N]; N]>) -> f64 + Sync),
    parts: &mut [P],
    theta: &[f64; N],
    g: &mut [f64; N],
    opg: Option<&mut [[f64; N]; N]>,
    pooled: bool,
) -> f64 {
    let (v, gs, os) = eval_tree(eval, parts, theta, opg.is_some(), pooled);
    *g = gs;
    if let Some(o) = opg {
        *o = os;
    }
    v
}

/// [`fit_log_params_multi`] for a negative log-likelihood that is a sum over parts of the
/// rows, each with its own tables (`parts`, evaluated by `eval`), always added in the same
/// order (the fixed tree of [`eval_tree`]), so the result never depends on the machine or the
/// number of threads.
///
/// From `threaded_from` rows ([`THREADED_FIT_ROWS`], [`BG_FAMILY_THREADED_ROWS`]) and with a
/// pool of two threads or more, the whole fit runs as one job on the pool and each evaluation
/// spreads its parts with nested [`rayon::join`]: the fit's thread works through the parts
/// from the first while an idle pool thread takes the unstarted ones from the other end, and
/// when none is free the fit's thread takes them all itself, with no wake-up of the calling
/// thread in between. The models pass two parts: more parts would let a pool thread that wakes
/// late still share an evaluation, but recompute shared tables (Pareto/NBD: 9 % more work in 4
/// parts, 20 % in 8); a helper job (`help_while`) keeps the second thread awake instead. The calling thread sleeps meanwhile, waking every 50 ms to call the interrupt hook
/// (Python's signal handlers only run there); the fit reads the hook's answer at its next
/// evaluation. A fit on a pool thread already (a bootstrap) runs there, with `join` for the
/// parts. Below the threshold, or with one thread, the parts run on the calling thread, one
/// after the other, added in the same tree.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_log_params_split<const N: usize, P: Send>(
    model: &str,
    names: [&str; N],
    mut parts: Vec<P>,
    rows: usize,
    threaded_from: usize,
    eval: impl Fn(&mut P, &[f64; N], &mut [f64; N], Option<&mut [[f64; N]; N]>) -> f64 + Sync,
    total_weight: f64,
    start: [f64; N],
    restarts: &(dyn Fn(&[f64; N]) -> Vec<[f64; N]> + Sync),
    opts: &FitOptions,
    lower_boundary_ok: [bool; N],
) -> Result<LogFit<N>> {
    let eval = &eval;
    let threaded =
        rows >= threaded_from && parts.len() >= 2 && crate::runtime::parallel::num_threads() >= 2;
    if !threaded {
        let nll = |theta: &[f64; N], g: &mut [f64; N], opg: Option<&mut [[f64; N]; N]>| {
            eval_into(eval, &mut parts, theta, g, opg, false)
        };
        return fit_log_params_multi(
            model,
            names,
            nll,
            total_weight,
            start,
            restarts,
            opts,
            lower_boundary_ok,
        );
    }
    // `helped`: a helper job keeps a second pool thread looking for the parts between the
    // evaluations (`help_while`); only for a fit the calling thread waits for, not for one
    // among the jobs of a parallel pass (whose pool threads have their own work)
    let mut pooled = |interrupt: &FitOptions, poll_interval: Duration, helped: bool| {
        let done = AtomicBool::new(false);
        let alive = AtomicBool::new(false);
        rayon::in_place_scope(|scope| {
            let owner = rayon::current_thread_index();
            let nll = |theta: &[f64; N], g: &mut [f64; N], opg: Option<&mut [[f64; N]; N]>| {
                if helped && !alive.swap(true, Ordering::AcqRel) {
                    let (done, alive) = (&done, &alive);
                    scope.spawn(move |_| crate::runtime::parallel::help_while(done, alive, owner));
                }
                eval_into(eval, &mut parts, theta, g, opg, true)
            };
            let fit = fit_log_params_polled(
                model,
                names,
                nll,
                total_weight,
                start,
                restarts,
                interrupt,
                lower_boundary_ok,
                poll_interval,
            );
            done.store(true, Ordering::Release);
            fit
        })
    };
    if rayon::current_thread_index().is_some() {
        // on a pool thread already: `join` works from here, the hook is polled as usual
        return pooled(opts, POLL_INTERVAL, false);
    }
    let hooked = opts.interrupt.is_set();
    crate::runtime::parallel::run_polled(
        POLL_INTERVAL,
        || hooked && opts.interrupt.should_stop(),
        move |stop| {
            // the hook as the calling thread last answered it, read at every evaluation
            let flag = Arc::clone(stop);
            let on_pool = FitOptions {
                interrupt: if hooked {
                    Interrupt::new(move || flag.load(Ordering::Relaxed))
                } else {
                    Interrupt::default()
                },
                ..opts.clone()
            };
            pooled(&on_pool, Duration::ZERO, true)
        },
    )
    .unwrap_or_else(|| {
        Err(CrmkitError::NotConverged {
            model: model.to_owned(),
            iterations: 0,
            reason: "the fit's worker thread stopped".to_owned(),
        })
    })
}

/// Further starting points for a fit that ended at `end` (natural parameters): for each pair
/// (i, j) of parameters whose ratio sets a mean and whose size sets the heterogeneity (the
/// shapes (a, b) of a beta distribution with mean a / (a + b), or shape and rate of a gamma
/// distribution with mean shape / rate), `end` with both scaled by 0.01 and by 100: the same
/// mean with a hundredfold more and less heterogeneity, where likelihoods with weakly
/// identified heterogeneity keep their other local optima.
pub(crate) fn heterogeneity_restarts<const N: usize>(
    end: &[f64; N],
    pairs: &[(usize, usize)],
) -> Vec<[f64; N]> {
    let mut out = Vec::new();
    for &(i, j) in pairs {
        for f in [0.01, 100.0] {
            let mut p = *end;
            p[i] *= f;
            p[j] *= f;
            out.push(p);
        }
    }
    out
}

/// Multiplies row and column `index` of a covariance matrix by `scale` (a parameter rescaled by
/// `scale`, e.g. α back from the fitting time scale).
pub(crate) fn rescale_covariance<const N: usize>(
    mut c: [[f64; N]; N],
    index: usize,
    scale: f64,
) -> [[f64; N]; N] {
    for row in c.iter_mut() {
        row[index] *= scale;
    }
    for v in c[index].iter_mut() {
        *v *= scale;
    }
    c
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Gamma(shape a, rate b) rows y: the negative log-likelihood of a part and its gradient in
    /// (a, b), with the outer product of the row gradients when asked (a toy split likelihood).
    #[allow(clippy::ptr_arg)] // the parts are `Vec`s: `eval` takes `&mut P`
    fn gamma_part(
        ys: &mut Vec<f64>,
        th: &[f64; 2],
        g: &mut [f64; 2],
        opg: Option<&mut [[f64; 2]; 2]>,
    ) -> f64 {
        use crate::math::special::{digamma, ln_gamma};
        let [a, b] = *th;
        let (lb, lga, psi) = (b.ln(), ln_gamma(a), digamma(a));
        let mut sum = NllSum::new(g, opg);
        for &y in ys.iter() {
            sum.add(1.0, |gr| {
                gr[0] = lb - psi + y.ln();
                gr[1] = a / b - y;
                a * lb - lga + (a - 1.0) * y.ln() - b * y
            });
        }
        sum.finish()
    }

    fn gamma_rows(n: usize) -> Vec<Vec<f64>> {
        gamma_parts(n, 2)
    }

    /// `n` rows in `k` consecutive parts of about the same length.
    fn gamma_parts(n: usize, k: usize) -> Vec<Vec<f64>> {
        // a deterministic spread of positive values (shape about 2, rate about 0.5)
        let ys: Vec<f64> = (0..n)
            .map(|i| 0.3 + 8.0 * ((i as f64 * 0.618_033_988_75).fract()).powf(1.7))
            .collect();
        (0..k)
            .map(|j| ys[j * n / k..(j + 1) * n / k].to_vec())
            .collect()
    }

    fn split_fit(rows: usize, parts: Vec<Vec<f64>>, opts: &FitOptions) -> Result<LogFit<2>> {
        let total = parts.iter().map(Vec::len).sum::<usize>() as f64;
        fit_log_params_split(
            "toy",
            ["a", "b"],
            parts,
            rows,
            THREADED_FIT_ROWS,
            gamma_part,
            total,
            [1.0, 1.0],
            &|_: &[f64; 2]| Vec::new(),
            opts,
            [false; 2],
        )
    }

    /// The same bits on the calling thread (below the threshold), split over the pool (from
    /// it) and from a thread of the pool (a fit inside a parallel pass), and as the plain fit
    /// of the two parts added in the same order.
    #[test]
    fn split_fit_is_the_same_on_every_path() {
        let parts = gamma_rows(600);
        let opts = FitOptions::default();
        let below = split_fit(THREADED_FIT_ROWS - 1, parts.clone(), &opts).unwrap();
        let above = split_fit(THREADED_FIT_ROWS, parts.clone(), &opts).unwrap();
        let inside =
            crate::runtime::parallel::install(|| split_fit(600, parts.clone(), &opts)).unwrap();
        let [mut p1, mut p2] = <[Vec<f64>; 2]>::try_from(parts).unwrap();
        let plain = fit_log_params_multi(
            "toy",
            ["a", "b"],
            |th, g, opg| {
                let want = opg.is_some();
                let a = eval_part(&gamma_part, &mut p1, th, want);
                let b = eval_part(&gamma_part, &mut p2, th, want);
                let (v, gs, os) = add_parts(a, b, want);
                *g = gs;
                if let Some(o) = opg {
                    *o = os;
                }
                v
            },
            600.0,
            [1.0, 1.0],
            &|_: &[f64; 2]| Vec::new(),
            &opts,
            [false; 2],
        )
        .unwrap();
        for fit in [&above, &inside, &plain] {
            assert_eq!(fit.params.map(f64::to_bits), below.params.map(f64::to_bits));
            assert_eq!(fit.log_likelihood.to_bits(), below.log_likelihood.to_bits());
            assert_eq!(fit.minimum.evaluations, below.minimum.evaluations);
            assert_eq!(
                fit.covariance.map(|c| c.map(|r| r.map(f64::to_bits))),
                below.covariance.map(|c| c.map(|r| r.map(f64::to_bits)))
            );
        }
        // the toy optimum: shape and rate of the rows' gamma fit
        assert!(
            below.params[0] > 0.5 && below.params[0] < 5.0,
            "{:?}",
            below.params
        );
    }

    /// Parts added in a fixed tree: for 1 to 9 parts, the fit on one thread, over the pool
    /// (helped from outside it, and from a thread of the pool) and on a pool of one thread
    /// give the same bits, and every number of parts the same optimum to 1e-12.
    #[test]
    fn split_fit_in_k_parts_is_the_same_on_every_path() {
        let opts = FitOptions::default();
        let one = split_fit(600, gamma_parts(600, 1), &opts).unwrap();
        for k in 1..=9 {
            let parts = gamma_parts(600, k);
            let below = split_fit(THREADED_FIT_ROWS - 1, parts.clone(), &opts).unwrap();
            let above = split_fit(600, parts.clone(), &opts).unwrap();
            let inside =
                crate::runtime::parallel::install(|| split_fit(600, parts.clone(), &opts)).unwrap();
            for fit in [&above, &inside] {
                assert_eq!(
                    fit.params.map(f64::to_bits),
                    below.params.map(f64::to_bits),
                    "{k} parts"
                );
                assert_eq!(fit.log_likelihood.to_bits(), below.log_likelihood.to_bits());
                assert_eq!(
                    fit.covariance.map(|c| c.map(|r| r.map(f64::to_bits))),
                    below.covariance.map(|c| c.map(|r| r.map(f64::to_bits)))
                );
            }
            for i in 0..2 {
                assert!((below.params[i] - one.params[i]).abs() <= 1e-9 * one.params[i]);
            }
            assert!(
                (below.log_likelihood - one.log_likelihood).abs()
                    <= 1e-12 * one.log_likelihood.abs()
            );
        }
    }

    /// Ctrl-C in Python: the hook runs on the calling thread only (Python's signal handlers
    /// run nowhere else), first before any evaluation and then every 50 ms, on both sides of
    /// the threshold; a "stop" ends the fit at its next evaluation with `Interrupted`.
    #[test]
    fn split_fit_polls_the_hook_on_the_calling_thread() {
        use std::sync::Mutex;
        use std::sync::atomic::AtomicUsize;
        for rows in [THREADED_FIT_ROWS - 1, THREADED_FIT_ROWS] {
            let caller = std::thread::current().id();
            let threads = Arc::new(Mutex::new(Vec::new()));
            let calls = Arc::new(AtomicUsize::new(0));
            let (t, c) = (Arc::clone(&threads), Arc::clone(&calls));
            let opts = FitOptions {
                interrupt: Interrupt::new(move || {
                    t.lock().unwrap().push(std::thread::current().id());
                    let k = c.fetch_add(1, Ordering::Relaxed);
                    if k == 0 {
                        // the next poll is due at once
                        std::thread::sleep(Duration::from_millis(60));
                    }
                    k >= 1
                }),
                ..FitOptions::default()
            };
            // a slow likelihood: 2 ms an evaluation, a fit of about 40 ms without the hook
            let slow = |ys: &mut Vec<f64>,
                        th: &[f64; 2],
                        g: &mut [f64; 2],
                        opg: Option<&mut [[f64; 2]; 2]>| {
                std::thread::sleep(Duration::from_millis(2));
                gamma_part(ys, th, g, opg)
            };
            let e = fit_log_params_split(
                "toy",
                ["a", "b"],
                gamma_rows(600),
                rows,
                THREADED_FIT_ROWS,
                slow,
                600.0,
                [1.0, 1.0],
                &|_: &[f64; 2]| Vec::new(),
                &opts,
                [false; 2],
            );
            let Err(e) = e else {
                panic!("rows {rows}: the fit was not interrupted")
            };
            assert!(matches!(e, CrmkitError::Interrupted { .. }), "{e}");
            assert_eq!(calls.load(Ordering::Relaxed), 2, "rows {rows}");
            assert!(
                threads.lock().unwrap().iter().all(|&id| id == caller),
                "rows {rows}"
            );
        }
        // a hook that never stops leaves the fit as without one
        let never = FitOptions {
            interrupt: Interrupt::new(|| false),
            ..FitOptions::default()
        };
        let a = split_fit(600, gamma_rows(600), &never).unwrap();
        let b = split_fit(600, gamma_rows(600), &FitOptions::default()).unwrap();
        assert_eq!(a.params.map(f64::to_bits), b.params.map(f64::to_bits));
    }

    /// How the threshold was chosen (run by hand: `cargo test --release -p crmkit --lib
    /// split_fit_threshold_crossover -- --ignored --nocapture`): the toy fit on n rows, timed
    /// with `rows` below and above [`THREADED_FIT_ROWS`], best of 200.
    #[test]
    #[ignore = "timing, run by hand in release mode"]
    fn split_fit_threshold_crossover() {
        let opts = FitOptions::default();
        for n in [64, 128, 256, 512, 1024, 2048, 4096] {
            let time = |rows: usize| {
                (0..200)
                    .map(|_| {
                        let parts = gamma_rows(n);
                        let t = Instant::now();
                        split_fit(rows, parts, &opts).unwrap();
                        t.elapsed().as_secs_f64() * 1e6
                    })
                    .fold(f64::INFINITY, f64::min)
            };
            let (one, two) = (time(0), time(usize::MAX));
            println!(
                "{n:>5} rows: one thread {one:8.1} µs, split {two:8.1} µs, ratio {:.2}",
                one / two
            );
        }
    }

    #[test]
    fn bfgs_finds_rosenbrock_minimum() {
        let f = |x: &[f64; 2], g: &mut [f64; 2], _: Option<&mut [[f64; 2]; 2]>| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let m = minimize("test", ["a", "b"], f, [-1.2, 1.0], &FitOptions::default()).unwrap();
        assert!((m.log_params[0] - 1.0).abs() < 1e-6 && (m.log_params[1] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn unbounded_objective_is_not_converged() {
        // f = −x has no minimum: x runs off to infinity.
        let f = |x: &[f64; 1], g: &mut [f64; 1], _: Option<&mut [[f64; 1]; 1]>| {
            g[0] = -1.0;
            -x[0]
        };
        let e = minimize("test", ["x"], f, [0.0], &FitOptions::default())
            .err()
            .unwrap();
        assert!(matches!(e, CrmkitError::NotConverged { .. }), "{e}");
    }

    #[test]
    fn factored_rows_sum_as_their_logarithms() {
        // 3,000 rows with factors in [1, 2] (the running product passes 1e150 several times),
        // weights 1 and 2.5: the same total as summing b + ln f row by row, to rounding.
        let (mut g1, mut g2) = ([0.0; 1], [0.0; 1]);
        let mut plain = NllSum::new(&mut g1, None);
        let mut factored = NllSum::new(&mut g2, None);
        for k in 0..3000 {
            let base = -0.001 * f64::from(k);
            let factor = 1.0 + f64::from(k % 97) / 96.0;
            let w = if k % 5 == 0 { 2.5 } else { 1.0 };
            plain.add(w, |g| {
                g[0] = 1.0;
                base + factor.ln()
            });
            factored.add_factored(w, |g| {
                g[0] = 1.0;
                (base, factor)
            });
        }
        let (a, b) = (plain.finish(), factored.finish());
        assert!((a - b).abs() <= 1e-12 * a.abs(), "{a} vs {b}");
        assert_eq!(g1, g2);
    }

    #[test]
    fn newton_phase_leaves_a_saddle() {
        // f = (x − 1)² + (y² − 1)²: BFGS started on y = 0 stays there (∂f/∂y = 0 on the line)
        // and ends at the saddle (1, 0); the Newton phase follows the negative curvature in y
        // to a minimum at y = ±1.
        let f = |u: &[f64; 2], g: &mut [f64; 2]| {
            g[0] = 2.0 * (u[0] - 1.0);
            g[1] = 4.0 * u[1] * (u[1] * u[1] - 1.0);
            (u[0] - 1.0).powi(2) + (u[1] * u[1] - 1.0).powi(2)
        };
        let bfgs = minimize(
            "test",
            ["x", "y"],
            |u, g, _| f(u, g),
            [3.0, 0.0],
            &FitOptions::default(),
        )
        .unwrap();
        assert!(bfgs.log_params[1].abs() < 1e-12, "{:?}", bfgs.log_params);
        let p = newton_phase(|u, g, _| f(u, g), bfgs, 0.0, 1.0);
        assert_eq!(p.ending, FitEnding::Optimum);
        assert!(
            (p.minimum.log_params[1].abs() - 1.0).abs() < 1e-8,
            "{:?}",
            p.minimum.log_params
        );
        assert!(p.newton_iterations > 0);
        assert!(p.eigenvalues[0] > 0.0);
    }

    #[test]
    fn newton_phase_reports_a_ridge() {
        // f = (x − y)²: minimal on the whole line x = y; the Hessian is singular there.
        let f = |u: &[f64; 2], g: &mut [f64; 2]| {
            g[0] = 2.0 * (u[0] - u[1]);
            g[1] = -g[0];
            (u[0] - u[1]).powi(2)
        };
        let m = minimize(
            "test",
            ["x", "y"],
            |u, g, _| f(u, g),
            [1.0, 0.0],
            &FitOptions::default(),
        )
        .unwrap();
        let p = newton_phase(|u, g, _| f(u, g), m, 0.0, 1.0);
        assert_eq!(p.ending, FitEnding::Ridge);
        let (cov, why) =
            standard_error_covariance(&p.total_hessian.unwrap(), &[1.0, 1.0], p.ending);
        assert!(cov.is_none());
        assert!(why.unwrap().contains("ridge"));
    }

    #[test]
    fn symmetric_eigen_decomposes() {
        let m = [[4.0, 1.0, 0.5], [1.0, -3.0, 0.2], [0.5, 0.2, 2.0]];
        let (lam, v) = symmetric_eigen(&m);
        assert!(lam[0] <= lam[1] && lam[1] <= lam[2]);
        for k in 0..3 {
            for i in 0..3 {
                let mv: f64 = (0..3).map(|j| m[i][j] * v[k][j]).sum();
                assert!((mv - lam[k] * v[k][i]).abs() < 1e-12);
            }
        }
        // trace is preserved
        assert!((lam.iter().sum::<f64>() - 3.0).abs() < 1e-12);
    }

    #[test]
    fn spd_inverse() {
        let m = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]];
        let inv = invert_spd(&m).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let p: f64 = (0..3).map(|k| m[i][k] * inv[k][j]).sum();
                assert!((p - f64::from(u8::from(i == j))).abs() < 1e-12);
            }
        }
        assert!(invert_spd(&[[1.0, 2.0], [2.0, 1.0]]).is_none());
    }
}
