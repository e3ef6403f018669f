//! The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), in the formulation of Fader,
//! Hardie & Lee (2005) and Fader & Hardie's note 008 ("A note on deriving the Pareto/NBD model").

use serde::{Deserialize, Serialize};

use super::data::{TimeIndex, check_customer, check_horizon, distinct_index};
use super::fit_model::{FitModel, Likelihood, fit_model, fitted_from_model_fit};
use super::unit_a_quad::ln_hyp2f1_unit_a_quad;
use super::{BtydData, TransactionModel, check_params, finite, map_rows};
use crate::math::optimize::{ConvergenceReport, FitOptions, NllSum};
use crate::math::special::{
    UnitASeries, digamma, hyp2f1, hyp2f1_series, ln_beta, ln_gamma, ln_gamma_ratio,
    ln_hyp2f1_unit_a, log_add_exp, log1m_exp, logistic, upper_gamma_scaled,
};
use crate::{CrmkitError, Result};

const NAMES: [&str; 4] = ["r", "alpha", "s", "beta"];

/// Largest purchase count n for which the Pareto/NBD probability of n purchases is computed
/// (re-exported as `clv::PARETO_NBD_MAX_PURCHASES`): its formula is a sum of n + 1
/// hypergeometric terms, so larger n is refused with [`CrmkitError::InvalidConfig`].
///
/// # Examples
///
/// ```
/// use crmkit::clv::{PARETO_NBD_MAX_PURCHASES, ParetoNbdParams};
/// let m = ParetoNbdParams { r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 };
/// assert!(m.probability_of_purchases(PARETO_NBD_MAX_PURCHASES + 1, 39.0).is_err());
/// ```
pub const MAX_PURCHASES: u32 = 100_000;

/// Pareto/NBD parameters: purchase rates λ ~ Gamma(r, α), dropout rates μ ~ Gamma(s, β); α and
/// β are in the time unit of the data.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{ParetoNbdParams, TransactionModel};
/// // data/README.md: P(alive | x 26, t_x 30.86, T 31) = 0.9979
/// let m = ParetoNbdParams { r: 0.5534, alpha: 10.5802, s: 0.6061, beta: 11.6562 };
/// assert!((m.probability_alive_one(26.0, 30.86, 31.0).unwrap() - 0.9979).abs() < 5e-5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ParetoNbdParamsRaw")]
pub struct ParetoNbdParams {
    /// Shape of the purchase-rate gamma distribution.
    pub r: f64,
    /// Rate of the purchase-rate gamma distribution (time units).
    pub alpha: f64,
    /// Shape of the dropout-rate gamma distribution.
    pub s: f64,
    /// Rate of the dropout-rate gamma distribution (time units).
    pub beta: f64,
}

/// ln G(τ) and its gradient in (r, α, s, β), where
/// G(τ) = (r+s+x) ∫_τ^∞ (α+u)^(−(r+x)) (β+u)^(−(s+1)) du
///      = ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+τ)) / (α+τ)^(r+s+x)      (α ≥ β)
///      = ₂F₁(r+s+x, r+x; r+s+x+1; (β−α)/(β+τ)) / (β+τ)^(r+s+x)      (α < β),
/// evaluated after Euler's transformation as (α+τ)^(−(r+x)) (β+τ)^(−s) ₂F₁(1, r+x; r+s+x+1; z)
/// or (α+τ)^(1−r−x) (β+τ)^(−(s+1)) ₂F₁(1, s+1; r+s+x+1; z): positive series, no overflow.
fn ln_g(p: &ParetoNbdParams, x: f64, tau: f64) -> Option<(f64, [f64; 4])> {
    let (at, bt) = (p.alpha + tau, p.beta + tau);
    ln_g_at(
        p,
        x,
        [at, bt, at.ln(), bt.ln(), 1.0 / at, 1.0 / bt],
        ln_hyp2f1_unit_a,
    )
}

/// [`ln_g`] given \[α + τ, β + τ, ln(α + τ), ln(β + τ), 1/(α + τ), 1/(β + τ)\] and an evaluator of
/// [`ln_hyp2f1_unit_a`].
#[inline]
fn ln_g_at(
    p: &ParetoNbdParams,
    x: f64,
    times: [f64; 6],
    mut ln_hyp2f1_unit_a: impl FnMut(f64, f64, f64) -> Option<(f64, f64, f64, f64)>,
) -> Option<(f64, [f64; 4])> {
    let (pre, _, g) = g_parts_at(p, x, times, |b, c, z| {
        ln_hyp2f1_unit_a(b, c, z).map(|(lh, hb, hc, hz)| (lh, 1.0, hb, hc, hz))
    })?;
    Some((pre, g))
}

/// G(τ) as e^pre · S with the ₂F₁ sum S kept linear (a fit's plan takes the logarithm of a
/// difference of two G instead of one per G), and the gradient of ln G. `eval` returns
/// ₂F₁(1, b; c; z) as (shift, S) with value e^shift · S, and the derivatives of its logarithm.
#[inline]
fn g_parts_at(
    p: &ParetoNbdParams,
    x: f64,
    times: [f64; 6],
    mut eval: impl FnMut(f64, f64, f64) -> Option<(f64, f64, f64, f64, f64)>,
) -> Option<(f64, f64, [f64; 4])> {
    let (b, c, z) = g_series_args(p, x, times[4], times[5]);
    let v = if z > QUAD_LIMIT {
        unit_a_near_one(p, x, times)?
    } else {
        eval(b, c, z)?
    };
    Some(g_parts_from(p, x, times, v))
}

/// Above this z the ₂F₁(1, b; c; z) of G(τ) is taken by quadrature ([`unit_a_near_one`]): the
/// positive series needs about 40/(1 − z) terms, and the 1 − z connection formula cancels when
/// b (1 − z) is large (r, α ≳ 1e6 with β small).
const QUAD_LIMIT: f64 = 0.999;

/// The ₂F₁(1, b; c; z) of G(τ) (see [`g_series_args`]) as (ln F, 1, ∂b, ∂c, ∂z) from the
/// quadrature of [`ln_hyp2f1_unit_a_quad`], given 1 − z and c − 1 − b without the subtraction
/// that would lose their digits: for α ≥ β, 1 − z = (β + τ)/(α + τ) and c − 1 − b = s; for α < β,
/// 1 − z = (α + τ)/(β + τ) and c − 1 − b = r + x − 1; and c − 1 = r + s + x.
fn unit_a_near_one(
    p: &ParetoNbdParams,
    x: f64,
    [at, bt, _, _, ia, ib]: [f64; 6],
) -> Option<(f64, f64, f64, f64, f64)> {
    let (b, m, eta) = if p.alpha >= p.beta {
        (p.r + x, p.s, bt * ia)
    } else {
        (p.s + 1.0, p.r + x - 1.0, at * ib)
    };
    ln_hyp2f1_unit_a_quad(b, m, p.r + p.s + x, eta.min(1.0))
        .map(|(lf, hb, hc, hz)| (lf, 1.0, hb, hc, hz))
}

/// The (b, c, z) of the ₂F₁(1, b; c; z) in G(τ) given 1/(α + τ) and 1/(β + τ) (see [`ln_g`]);
/// b and c depend on x only, z on τ only.
#[inline]
fn g_series_args(p: &ParetoNbdParams, x: f64, inv_at: f64, inv_bt: f64) -> (f64, f64, f64) {
    let c = p.r + p.s + x + 1.0;
    if p.alpha >= p.beta {
        (p.r + x, c, (p.alpha - p.beta) * inv_at)
    } else {
        (p.s + 1.0, c, (p.beta - p.alpha) * inv_bt)
    }
}

/// [`g_parts_at`] from the series' (shift, S, ∂b, ∂c, ∂z) at [`g_series_args`].
#[inline]
fn g_parts_from(
    p: &ParetoNbdParams,
    x: f64,
    [at, bt, la, lb, ia, ib]: [f64; 6],
    (shift, sum, hb, hc, hz): (f64, f64, f64, f64, f64),
) -> (f64, f64, [f64; 4]) {
    let (r, s) = (p.r, p.s);
    let rx = r + x;
    // ∂z/∂α and ∂z/∂β through the reciprocals: no division per G
    if p.alpha >= p.beta {
        let pre = -rx * la - s * lb + shift;
        let g = [
            -la + hb + hc,
            (hz * bt * ia - rx) * ia,
            -lb + hc,
            -s * ib - hz * ia,
        ];
        (pre, sum, g)
    } else {
        let pre = -(rx - 1.0) * la - (s + 1.0) * lb + shift;
        let g = [
            -la + hc,
            -(rx - 1.0) * ia - hz * ib,
            -lb + hb + hc,
            (hz * at * ib - (s + 1.0)) * ib,
        ];
        (pre, sum, g)
    }
}

/// The two log-terms of the likelihood after the common factor C: L1 (alive at T) and L2 (died
/// in (t_x, T\]), with their gradients. L2 = −∞ when t_x = T.
#[allow(clippy::type_complexity)]
fn terms(
    p: &ParetoNbdParams,
    sh: &mut Shared,
    x: f64,
    t_x: f64,
    t: f64,
    with_grad: bool,
) -> Option<(f64, [f64; 4], f64, [f64; 4])> {
    let (r, alpha, s, beta) = (p.r, p.alpha, p.s, p.beta);
    let rx = r + x;
    let (lat, lbt) = ((alpha + t).ln(), (beta + t).ln());
    let l1 = -rx * lat - s * lbt;
    let g1 = if with_grad {
        [-lat, -rx / (alpha + t), -lbt, -s / (beta + t)]
    } else {
        [0.0; 4]
    };
    if t_x >= t {
        return Some((l1, g1, f64::NEG_INFINITY, [0.0; 4]));
    }
    let g_tx = sh.ln_g_tx(p, x, t_x)?;
    let g_t = ln_g(p, x, t)?;
    let (l2, g2) = death_term(p, x, s.ln(), (r + s + x).ln(), g_tx, g_t);
    Some((l1, g1, l2, g2))
}

/// ln L2 (died in (t_x, T\]) = ln s + ln(G(t_x) − G(T)) − ln(r+s+x) and its gradient, from
/// ln G(t_x), ln G(T) and their gradients (`ln_s` = ln s, `ln_w` = ln(r+s+x)); −∞ when t_x and T
/// are so close that G(t_x) − G(T) vanishes in floating point.
#[inline]
fn death_term(
    p: &ParetoNbdParams,
    x: f64,
    ln_s: f64,
    ln_w: f64,
    (lg1, d1): (f64, [f64; 4]),
    (lg2, d2): (f64, [f64; 4]),
) -> (f64, [f64; 4]) {
    if lg2 >= lg1 {
        return (f64::NEG_INFINITY, [0.0; 4]);
    }
    let u = lg2 - lg1;
    let q = u.exp();
    // ln(1 − q): a plain logarithm is accurate to ~1e-16 absolute for q ≤ 1/2
    let ln1mq = if q <= 0.5 {
        (1.0 - q).ln()
    } else {
        (-u.exp_m1()).ln()
    };
    let inv_w = 1.0 / (p.r + p.s + x);
    let mut g2 = [0.0; 4];
    for i in 0..4 {
        g2[i] = (d1[i] - q * d2[i]) / (1.0 - q);
    }
    g2[0] -= inv_w;
    g2[2] += 1.0 / p.s - inv_w;
    (ln_s + lg1 + ln1mq - ln_w, g2)
}

/// [`death_term`] from G(t_x) and G(T) as (pre, S, ∇ ln G) of [`g_parts_at`]: ln(G(t_x) − G(T))
/// = pre₁ + ln(S₁ − e^(pre₂ − pre₁) S₂), one logarithm per row and none per G. As accurate as
/// the logarithmic form near t_x = T: the difference carries ~ε S₁ absolute error either way.
#[inline]
fn death_term_parts(
    [ln_s, inv_s]: [f64; 2],
    [ln_w, inv_w]: [f64; 2],
    (pre1, s1, d1): (f64, f64, [f64; 4]),
    (pre2, s2, d2): (f64, f64, [f64; 4]),
) -> (f64, [f64; 4]) {
    let s2e = (pre2 - pre1).exp() * s2;
    match s2e.partial_cmp(&s1) {
        Some(std::cmp::Ordering::Less) => {}
        // G(T) ≥ G(t_x): t_x and T too close to tell apart, no death term
        Some(_) => return (f64::NEG_INFINITY, [0.0; 4]),
        None => return (f64::NAN, [f64::NAN; 4]),
    }
    let diff = s1 - s2e;
    // ∇ ln(G₁ − G₂) = (G₁ ∇ln G₁ − G₂ ∇ln G₂) / (G₁ − G₂), with one division
    let inv_diff = 1.0 / diff;
    let mut g2 = [0.0; 4];
    for i in 0..4 {
        g2[i] = (d1[i] * s1 - d2[i] * s2e) * inv_diff;
    }
    g2[0] -= inv_w;
    g2[2] += inv_s - inv_w;
    (ln_s + pre1 + diff.ln() - ln_w, g2)
}

/// One row of a fit's plan in linear form: with A₁ = G(t_x)/L1 and A₂ = G(T)/L1 (`a`), the
/// row's likelihood is e^base (1 + ρ), ρ = (s/(r+s+x)) (A₁ − A₂) the odds of having died in
/// (t_x, T\] against being alive, and its gradient (∇L1 + ρ ∇ln L2)/(1 + ρ) with
/// ρ ∇ln L2 = (s/(r+s+x)) (A₁ ∇ln G(t_x) − A₂ ∇ln G(T)) + ρ ∇ln(s/(r+s+x)): one exponential
/// and one division, where the logarithmic form takes two exponentials, a logarithm and two
/// divisions. Returns (base, 1 + ρ) for [`NllSum::add_factored`] (callers keep A₁ ≤ 1e140, so
/// 1 + ρ stays below 1e140 too).
#[inline]
fn linear_row(
    base: f64,
    [dc, g1, d1, d2]: [[f64; 4]; 4],
    [a1, a2]: [f64; 2],
    [inv_s, inv_w]: [f64; 2],
    s_w: f64,
    gr: &mut [f64; 4],
) -> (f64, f64) {
    let rho = s_w * (a1 - a2);
    let factor = 1.0 + rho;
    let inv = 1.0 / factor;
    let (k1, k2) = (s_w * a1, s_w * a2);
    for i in 0..4 {
        gr[i] = dc[i] + (g1[i] + k1 * d1[i] - k2 * d2[i]) * inv;
    }
    gr[0] -= rho * inv_w * inv;
    gr[2] += rho * (inv_s - inv_w) * inv;
    (base, factor)
}

/// One row's log-likelihood head + ln(e^L1 + e^L2), with its gradient into `gr` given the
/// gradient `dc` of the head: the log-sum-exp and the logistic weight of L2 share one exponential.
#[inline]
fn combine(
    head: f64,
    dc: [f64; 4],
    l1: (f64, [f64; 4]),
    l2: (f64, [f64; 4]),
    gr: &mut [f64; 4],
) -> f64 {
    let (base, factor) = combine_parts(head, dc, l1, l2, gr);
    base + factor.ln()
}

/// [`combine`] as (b, f) with the log-likelihood b + ln f, f = 1 + e ∈ \[1, 2\] (see
/// [`NllSum::add_factored`]).
#[inline]
fn combine_parts(
    head: f64,
    dc: [f64; 4],
    (l1, g1): (f64, [f64; 4]),
    (l2, g2): (f64, [f64; 4]),
    gr: &mut [f64; 4],
) -> (f64, f64) {
    let e = (-(l2 - l1).abs()).exp(); // 0 when l2 = −∞
    let factor = 1.0 + e;
    let inv = 1.0 / factor;
    let w2 = if l2 >= l1 { inv } else { e * inv };
    let w1 = 1.0 - w2;
    for i in 0..4 {
        gr[i] = dc[i] + w1 * g1[i] + w2 * g2[i];
    }
    (head + l1.max(l2), factor)
}

struct Shared {
    ln_gamma_r: f64,
    ln_alpha: f64,
    ln_beta: f64,
    psi_r: f64,
    /// (x, ln Γ(r+x), ψ(r+x)) of the last x seen (rows are sorted by x after compression).
    per_x: (f64, f64, f64),
    /// (x, t_x, ln G(t_x), ∇ ln G(t_x)) of the last row: all x = 0 rows share G(0).
    g_tx: (f64, f64, f64, [f64; 4]),
}

impl Shared {
    fn new(p: &ParetoNbdParams) -> Self {
        Self {
            ln_gamma_r: ln_gamma(p.r),
            ln_alpha: p.alpha.ln(),
            ln_beta: p.beta.ln(),
            psi_r: digamma(p.r),
            per_x: (f64::NAN, 0.0, 0.0),
            g_tx: (f64::NAN, f64::NAN, 0.0, [0.0; 4]),
        }
    }

    fn per_x(&mut self, p: &ParetoNbdParams, x: f64) -> (f64, f64) {
        if self.per_x.0 != x {
            self.per_x = (x, ln_gamma(p.r + x), digamma(p.r + x));
        }
        (self.per_x.1, self.per_x.2)
    }

    fn ln_g_tx(&mut self, p: &ParetoNbdParams, x: f64, t_x: f64) -> Option<(f64, [f64; 4])> {
        if self.g_tx.0 != x || self.g_tx.1 != t_x {
            let (v, g) = ln_g(p, x, t_x)?;
            self.g_tx = (x, t_x, v, g);
        }
        Some((self.g_tx.2, self.g_tx.3))
    }
}

/// Per-customer log-likelihood; with `grad`, adds `weight` × its gradient. NaN if the series fails.
fn row_log_likelihood(
    p: &ParetoNbdParams,
    sh: &mut Shared,
    x: f64,
    t_x: f64,
    t: f64,
    grad: Option<(&mut [f64; 4], f64)>,
) -> f64 {
    let Some((l1, g1, l2, g2)) = terms(p, sh, x, t_x, t, grad.is_some()) else {
        return f64::NAN;
    };
    let (ln_gamma_rx, psi_rx) = sh.per_x(p, x);
    let head = ln_gamma_rx - sh.ln_gamma_r + p.r * sh.ln_alpha + p.s * sh.ln_beta;
    let dc = [
        psi_rx - sh.psi_r + sh.ln_alpha,
        p.r / p.alpha,
        sh.ln_beta,
        p.s / p.beta,
    ];
    let mut gr = [0.0; 4];
    let value = combine(head, dc, (l1, g1), (l2, g2), &mut gr);
    if let Some((g, w)) = grad {
        for i in 0..4 {
            g[i] += w * gr[i];
        }
    }
    value
}

/// ln ₂F₁(1, b; c; z) of G(τ) (see [`g_series_args`]).
fn ln_f(p: &ParetoNbdParams, x: f64, tau: f64) -> Option<f64> {
    let (at, bt) = (p.alpha + tau, p.beta + tau);
    let times = [at, bt, at.ln(), bt.ln(), 1.0 / at, 1.0 / bt];
    let (b, c, z) = g_series_args(p, x, times[4], times[5]);
    if z > QUAD_LIMIT {
        unit_a_near_one(p, x, times).map(|v| v.0)
    } else {
        ln_hyp2f1_unit_a(b, c, z).map(|v| v.0)
    }
}

/// One customer's log-likelihood as (h, d, l) with ℓ = h + ln(1 + e^d) = l + ln(1 + e^(−d)):
/// h = ln(C · L1) (alive at T), l = ln(C · L2) (died in (t_x, T\]) and d = ln(L2/L1) (−∞ when
/// t_x = T); the caller takes the form whose first term is the larger, so that neither adds
/// two large terms of opposite sign. Each is formed from
/// differences that need no cancellation of large terms: ln(α/(α+T)) = −ln(1 + T/α),
/// ln((α+T)/(α+t_x)) = ln(1 + (T − t_x)/(α + t_x)) and ln Γ(r+x) − ln Γ(r) by
/// [`ln_gamma_ratio`] (Stirling's series differenced, not two log-gammas near 2e10 at r = 1e9). With r, α near 1e9
/// the textbook order (r ln α − (r+x) ln(α+T), ln Γ(r+x) − ln Γ(r)) loses six digits.
/// `f_tx` caches ln F(t_x) per (x, t_x). None if a ₂F₁ fails.
fn row_parts(
    p: &ParetoNbdParams,
    f_tx: &mut (f64, f64, f64),
    x: f64,
    t_x: f64,
    t: f64,
) -> Option<(f64, f64, f64)> {
    let (r, alpha, s, beta) = (p.r, p.alpha, p.s, p.beta);
    let ln_ratio = ln_gamma_ratio(r, x);
    let h = ln_ratio - r * (t / alpha).ln_1p() - x * (alpha + t).ln() - s * (t / beta).ln_1p();
    if t_x >= t {
        return Some((h, f64::NEG_INFINITY, f64::NEG_INFINITY));
    }
    if f_tx.0 != x || f_tx.1 != t_x {
        *f_tx = (x, t_x, ln_f(p, x, t_x)?);
    }
    let (lf_tx, lf_t) = (f_tx.2, ln_f(p, x, t)?);
    let gap = t - t_x;
    let (lr_a, lr_b) = ((gap / (alpha + t_x)).ln_1p(), (gap / (beta + t_x)).ln_1p());
    let rx = r + x;
    // ln G(t_x) − ln L1 and ln G(T) − ln G(t_x), G's prefactor as in g_parts_from
    // and ln(C · G(t_x)), C = Γ(r+x) α^r β^s / Γ(r)
    let head_tx = ln_ratio - r * (t_x / alpha).ln_1p() - s * (t_x / beta).ln_1p();
    let (g_over_l1, g_ratio, c_g_tx) = if alpha >= beta {
        (
            rx * lr_a + s * lr_b + lf_tx,
            -rx * lr_a - s * lr_b + lf_t - lf_tx,
            head_tx - x * (alpha + t_x).ln() + lf_tx,
        )
    } else {
        (
            rx * lr_a + s * lr_b + ((alpha + t_x) / (beta + t_x)).ln() + lf_tx,
            -(rx - 1.0) * lr_a - (s + 1.0) * lr_b + lf_t - lf_tx,
            head_tx - (x - 1.0) * (alpha + t_x).ln() - (beta + t_x).ln() + lf_tx,
        )
    };
    if g_ratio.is_nan() {
        return Some((h, f64::NAN, f64::NAN));
    }
    if g_ratio >= 0.0 {
        // G(T) ≥ G(t_x): t_x and T too close to tell apart
        return Some((h, f64::NEG_INFINITY, f64::NEG_INFINITY));
    }
    let tail = s.ln() - (r + s + x).ln() + log1m_exp(g_ratio);
    Some((h, g_over_l1 + tail, c_g_tx + tail))
}

/// ln(1 + e^d), accurate for every d (1 at d = −∞).
fn ln1p_exp(d: f64) -> f64 {
    if d > 0.0 {
        d + (-d).exp().ln_1p()
    } else {
        d.exp().ln_1p()
    }
}

/// One customer's log-likelihood from [`row_parts`]; NaN if a ₂F₁ fails.
fn row_value(p: &ParetoNbdParams, f_tx: &mut (f64, f64, f64), x: f64, t_x: f64, t: f64) -> f64 {
    row_parts(p, f_tx, x, t_x, t).map_or(f64::NAN, |(h, d, l)| {
        if d > 0.0 {
            l + ln1p_exp(-d)
        } else {
            h + ln1p_exp(d)
        }
    })
}

/// A fresh cache for [`row_parts`].
fn no_f_tx() -> (f64, f64, f64) {
    (f64::NAN, f64::NAN, 0.0)
}

/// The parts of the rows the fit's likelihood is split into ([`Plan::new_split`]), evaluated
/// on two threads from [`crate::math::optimize::THREADED_FIT_ROWS`] rows. Measured on CDNOW
/// (1,016 distinct rows, 2026-12-07): the summed work of an evaluation on one thread is 64 µs
/// in 2 parts, 70 µs in 4 and 77 µs in 8 (each part computes its own times and series where
/// it shares them with its neighbour), while 2 parts already keep two threads busy once the
/// second thread takes the parts as they come (see `help_while`): more parts would only add
/// work.
const FIT_PARTS: usize = 2;

/// The fitting data arranged for repeated likelihood evaluations. Each evaluation computes
/// ln(α + τ) and ln(β + τ) once per distinct time τ and ln G(τ) (the hypergeometric series, the
/// expensive part) once per distinct (x, τ) pair, then combines them per row. On CDNOW this is
/// 1,050 series per evaluation instead of about 1,600, and 2 × 290 logarithms instead of 6 per
/// row.
struct Plan {
    times: Vec<f64>,
    /// Distinct x values, ascending.
    xs: Vec<f64>,
    /// (index into `xs`, index into `times`) of every G(τ) some row needs, grouped by x.
    pairs: Vec<(usize, usize)>,
    rows: Vec<PlanRow>,
}

struct PlanRow {
    x: usize,
    t: usize,
    /// Indices into `pairs` of G(t_x) and G(T); `None` when t_x = T (no death term).
    g: Option<(usize, usize)>,
    w: f64,
}

/// Numbers the (x, τ) pairs whose G(τ) a plan needs, in order of first use; a pair seen last
/// under the same x keeps its number, so rows sorted by x (as compression leaves them) share
/// their series without a sort or a search.
struct PairNumbering {
    pairs: Vec<(usize, usize)>,
    /// Per time index: (x index, pair number) of its last pair.
    last: Vec<(usize, usize)>,
}

impl PairNumbering {
    fn new(times: usize) -> Self {
        Self {
            pairs: Vec::new(),
            last: vec![(usize::MAX, 0); times],
        }
    }

    fn index(&mut self, x: usize, tau: usize) -> usize {
        let (seen_x, k) = self.last[tau];
        if seen_x == x {
            return k;
        }
        let k = self.pairs.len();
        self.pairs.push((x, tau));
        self.last[tau] = (x, k);
        k
    }
}

/// Per-evaluation tables of a [`Plan`], kept between evaluations to reuse their allocations.
struct PlanScratch {
    /// Per time: α + τ, β + τ, ln(α + τ), ln(β + τ), 1/(α + τ), 1/(β + τ).
    times: Vec<[f64; 6]>,
    /// Per x: ln Γ(r+x), ψ(r+x), ln(r+s+x), 1/(r+s+x).
    xs: Vec<[f64; 4]>,
    /// Per pair: G(τ) as (pre, S) with G = e^pre · S, the gradient of ln G, and whether e^pre
    /// is the prefactor alone (the series' shift folded into S).
    g: Vec<(f64, f64, [f64; 4], bool)>,
    /// The z of one x's series, and their (shift, S, ∂b, ∂c, ∂z).
    z: Vec<f64>,
    evals: Vec<(f64, f64, f64, f64, f64)>,
    series: UnitASeries,
}

impl PlanScratch {
    fn new() -> Self {
        Self {
            times: Vec::new(),
            xs: Vec::new(),
            g: Vec::new(),
            z: Vec::new(),
            evals: Vec::new(),
            series: UnitASeries::new(),
        }
    }
}

impl Plan {
    #[cfg(test)]
    fn new(data: &BtydData) -> Self {
        let mut plans = Self::cut(data, &[]);
        plans.remove(0)
    }

    /// `parts` plans for consecutive rows of `data` whose evaluations cost about the same: a
    /// row costs 1 and each G(τ) series it is the first of all rows to need 1.3 (CDNOW, two
    /// parts: halves by rows need 322 and 624 series and took 80 and 114 µs; balanced, 417 and
    /// 570 series and 52 and 51 µs). A part that cuts through the rows of one x computes again
    /// the series its rows share with the part before.
    fn new_split(data: &BtydData, parts: usize) -> Vec<Self> {
        let numbered = Self::number_pairs(data);
        let (_, numbering, global) = &numbered;
        let mut seen = vec![false; numbering.pairs.len()];
        let cost: Vec<f64> = global
            .iter()
            .map(|(_, g)| {
                let mut c = 1.0;
                for p in g.iter().flat_map(|&(a, b)| [a, b]) {
                    if !std::mem::replace(&mut seen[p], true) {
                        c += 1.3;
                    }
                }
                c
            })
            .collect();
        let total: f64 = cost.iter().sum();
        let parts = parts.max(1);
        let mut cuts = Vec::with_capacity(parts - 1);
        let mut running = 0.0;
        let mut next = 1;
        for (row, c) in cost.iter().enumerate() {
            if next >= parts {
                break;
            }
            running += c;
            // the part ends after the row that reaches its share of the total
            while next < parts && running >= total * next as f64 / parts as f64 {
                cuts.push(row + 1);
                next += 1;
            }
        }
        while cuts.len() < parts - 1 {
            cuts.push(data.len());
        }
        Self::cut_numbered(data, numbered, &cuts)
    }

    /// The x index of every row and the numbers of the pairs (x, τ) of its G(t_x) and G(T)
    /// (none when t_x = T), numbered over all rows.
    #[allow(clippy::type_complexity)]
    fn number_pairs(
        data: &BtydData,
    ) -> (
        (Vec<f64>, TimeIndex),
        PairNumbering,
        Vec<(usize, Option<(usize, usize)>)>,
    ) {
        let ti = data.time_index();
        let (xs, x_index) = distinct_index(data.x());
        let mut numbering = PairNumbering::new(ti.times.len());
        let global = (0..data.len())
            .map(|row| {
                let x = x_index[row];
                let g = (data.t_x()[row] < data.t()[row]).then(|| {
                    (
                        numbering.index(x, ti.t_x[row]),
                        numbering.index(x, ti.t[row]),
                    )
                });
                (x, g)
            })
            .collect();
        ((xs, ti), numbering, global)
    }

    /// Plans for the rows of `data` cut before each row index of `cuts` (ascending): rows
    /// `0..cuts[0]`, `cuts[0]..cuts[1]`, …, `cuts[last]..`. One time index serves them all.
    #[cfg(test)]
    fn cut(data: &BtydData, cuts: &[usize]) -> Vec<Self> {
        Self::cut_numbered(data, Self::number_pairs(data), cuts)
    }

    /// [`Plan::cut`] given the pairs [`Plan::number_pairs`] numbered.
    #[allow(clippy::type_complexity)]
    fn cut_numbered(
        data: &BtydData,
        ((xs, ti), numbering, global): (
            (Vec<f64>, TimeIndex),
            PairNumbering,
            Vec<(usize, Option<(usize, usize)>)>,
        ),
        cuts: &[usize],
    ) -> Vec<Self> {
        let part = |range: std::ops::Range<usize>| {
            // local numbers of the times and pairs this part uses, in order of first use
            let mut time_local = vec![usize::MAX; ti.times.len()];
            let mut times = Vec::new();
            let mut local_time = |t: usize| {
                if time_local[t] == usize::MAX {
                    time_local[t] = times.len();
                    times.push(ti.times[t]);
                }
                time_local[t]
            };
            // the part's x values: the range of distinct x its rows span (rows sorted by x
            // after compression: each part computes Γ and ψ only for its own x)
            let (x0, x1) = global[range.clone()]
                .iter()
                .fold((usize::MAX, 0), |(lo, hi), &(x, _)| (lo.min(x), hi.max(x)));
            let x0 = x0.min(x1);
            let mut pair_local = vec![usize::MAX; numbering.pairs.len()];
            let mut pairs = Vec::new();
            let mut rows = Vec::with_capacity(range.len());
            for row in range {
                let (x, g) = global[row];
                let mut local_pair = |p: usize| {
                    if pair_local[p] == usize::MAX {
                        let (px, pt) = numbering.pairs[p];
                        pair_local[p] = pairs.len();
                        pairs.push((px - x0, local_time(pt)));
                    }
                    pair_local[p]
                };
                let g = g.map(|(a, b)| (local_pair(a), local_pair(b)));
                rows.push(PlanRow {
                    x: x - x0,
                    t: local_time(ti.t[row]),
                    g,
                    w: data.weights()[row],
                });
            }
            Self {
                times,
                xs: if rows.is_empty() {
                    Vec::new()
                } else {
                    xs[x0..=x1].to_vec()
                },
                pairs,
                rows,
            }
        };
        let mut start = 0;
        let mut plans = Vec::with_capacity(cuts.len() + 1);
        for &end in cuts.iter().chain([&data.len()]) {
            let end = end.clamp(start, data.len());
            plans.push(part(start..end));
            start = end;
        }
        plans
    }

    /// Total weighted negative log-likelihood, its gradient (and the outer product of per-row
    /// gradients); NaN when a series fails. Equal to the row-by-row sum (tested).
    fn nll(
        &self,
        p: &ParetoNbdParams,
        scratch: &mut PlanScratch,
        g: &mut [f64; 4],
        opg: Option<&mut [[f64; 4]; 4]>,
    ) -> f64 {
        let (r, alpha, s, beta) = (p.r, p.alpha, p.s, p.beta);
        scratch.times.clear();
        scratch.times.extend(self.times.iter().map(|&tau| {
            let (at, bt) = (alpha + tau, beta + tau);
            [at, bt, at.ln(), bt.ln(), 1.0 / at, 1.0 / bt]
        }));
        scratch.xs.clear();
        scratch.xs.extend(self.xs.iter().map(|&x| {
            let w = r + s + x;
            [ln_gamma(r + x), digamma(r + x), w.ln(), 1.0 / w]
        }));
        scratch.g.clear();
        // pairs are grouped by x: each group's series share their coefficients and run in
        // lockstep
        let mut rest = &self.pairs[..];
        while let Some(&(xi, _)) = rest.first() {
            let len = rest.iter().take_while(|pair| pair.0 == xi).count();
            let (group, tail) = rest.split_at(len);
            rest = tail;
            let x = self.xs[xi];
            scratch.z.clear();
            let (mut b, mut c) = (0.0, 0.0);
            let mut near_one = false;
            for &(_, ti) in group {
                let [.., inv_at, inv_bt] = scratch.times[ti];
                let z;
                (b, c, z) = g_series_args(p, x, inv_at, inv_bt);
                // z near 1 by quadrature below (z = 0 is a placeholder the series skips)
                near_one |= z > QUAD_LIMIT;
                scratch.z.push(if z > QUAD_LIMIT { 0.0 } else { z });
            }
            scratch.evals.clear();
            if scratch
                .series
                .eval_many(b, c, &scratch.z, &mut scratch.evals)
                .is_none()
            {
                return f64::NAN;
            }
            if near_one {
                for (&(_, ti), v) in group.iter().zip(scratch.evals.iter_mut()) {
                    let times = scratch.times[ti];
                    if g_series_args(p, x, times[4], times[5]).2 > QUAD_LIMIT {
                        match unit_a_near_one(p, x, times) {
                            Some(q) => *v = q,
                            None => return f64::NAN,
                        }
                    }
                }
            }
            for (&(_, ti), &v) in group.iter().zip(&scratch.evals) {
                let (pre, sum, d) = g_parts_from(p, x, scratch.times[ti], v);
                // the prefactor alone in e^pre when the series' shift fits into S (always,
                // but for a ₂F₁ beyond e^600): the rows then use the linear form
                let shift = v.0;
                scratch.g.push(if shift == 0.0 {
                    (pre, sum, d, true)
                } else if shift <= 600.0 {
                    (pre - shift, sum * shift.exp(), d, true)
                } else {
                    (pre, sum, d, false)
                });
            }
        }
        let (ln_alpha, ln_beta, ln_s) = (alpha.ln(), beta.ln(), s.ln());
        let (ln_gamma_r, psi_r) = (ln_gamma(r), digamma(r));
        let inv_s = 1.0 / s;
        let shape = [ln_s, inv_s];
        let beta_above = beta > alpha;
        let at_t = |t: usize| scratch.times[t][0];
        let head0 = r * ln_alpha + s * ln_beta - ln_gamma_r;
        let (r_alpha, s_beta) = (r / alpha, s / beta);
        let mut sum = NllSum::new(g, opg);
        for row in &self.rows {
            let x = self.xs[row.x];
            let [ln_gamma_rx, psi_rx, ln_w, inv_w] = scratch.xs[row.x];
            let [_, _, lat, lbt, inv_at, inv_bt] = scratch.times[row.t];
            let rx = r + x;
            let l1 = -rx * lat - s * lbt;
            let g1 = [-lat, -rx * inv_at, -lbt, -s * inv_bt];
            let head = ln_gamma_rx + head0;
            let dc = [psi_rx - psi_r + ln_alpha, r_alpha, ln_beta, s_beta];
            let (l2, g2) = match row.g {
                Some((i1, i2)) => {
                    let (pre1, s1, d1, linear1) = scratch.g[i1];
                    let (pre2, s2, d2, linear2) = scratch.g[i2];
                    // A₁ = G(t_x)/L1: its prefactor over L1 (≥ 1) times its series
                    let a1 = if linear1 && linear2 {
                        (pre1 - l1).exp() * s1
                    } else {
                        f64::INFINITY
                    };
                    if a1 <= 1e140 {
                        // G(T)'s prefactor over L1 is 1, or (α + T)/(β + T) (see g_parts_from)
                        let g2_l1 = if beta_above {
                            at_t(row.t) * inv_bt
                        } else {
                            1.0
                        };
                        let a2 = g2_l1 * s2;
                        if a2 < a1 {
                            sum.add_factored(row.w, |gr| {
                                linear_row(
                                    head + l1,
                                    [dc, g1, d1, d2],
                                    [a1, a2],
                                    [inv_s, inv_w],
                                    s * inv_w,
                                    gr,
                                )
                            });
                            continue;
                        }
                        (f64::NEG_INFINITY, [0.0; 4]) // G(T) ≥ G(t_x): no death term
                    } else {
                        death_term_parts(shape, [ln_w, inv_w], (pre1, s1, d1), (pre2, s2, d2))
                    }
                }
                None => (f64::NEG_INFINITY, [0.0; 4]), // t_x = T
            };
            sum.add_factored(row.w, |gr| combine_parts(head, dc, (l1, g1), (l2, g2), gr));
        }
        sum.finish()
    }
}

impl ParetoNbdParams {
    fn check(&self) -> Result<()> {
        check_params(&NAMES, &[self.r, self.alpha, self.s, self.beta])
    }

    /// Log-likelihood of one customer (without the t_x^(x−1)/Γ(x) factor).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::ParetoNbdParams;
    /// // NUMERICS.md regression vector: finite for x = 500
    /// let m = ParetoNbdParams { r: 10.465, alpha: 7.98565181e-03, s: 3.0516, beta: 2.820 };
    /// assert!(m.log_likelihood_one(500.0, 1.0, 37.0).unwrap().is_finite());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] for an invalid customer, [`CrmkitError::InvalidConfig`] for
    /// invalid parameters, [`CrmkitError::Numerical`] if the hypergeometric series fails.
    ///
    /// # Formula
    ///
    /// Fader & Hardie note 008 eq. 22 (lifetimes 0.11.3 `ParetoNBDFitter._conditional_log_likelihood`):
    /// L = Γ(r+x) α^r β^s / Γ(r) · \[1/((α+T)^(r+x) (β+T)^s) + s/(r+s+x) · A₀\] with
    /// A₀ = G(t_x) − G(T), G as in the ₂F₁ expressions of the note; evaluated in logs as a
    /// log-sum-exp of two positive terms, G after Euler's transformation and the difference as
    /// ln G(t_x) + ln(1 − G(T)/G(t_x)), every large difference formed as ln(1 + u) (so r, α up
    /// to 1e9 keep their digits), and the ₂F₁(1, b; c; z) of G by its positive series, or for
    /// z > 0.999 by Gauss–Legendre quadrature of its Euler integral.
    pub fn log_likelihood_one(&self, x: f64, t_x: f64, t: f64) -> Result<f64> {
        self.check()?;
        check_customer(0, x, t_x, t)?;
        finite(
            "Pareto/NBD log-likelihood",
            row_value(self, &mut no_f_tx(), x, t_x, t),
        )
    }

    /// Weighted log-likelihood of a data set.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BtydData, ParetoNbdParams};
    /// let m = ParetoNbdParams { r: 0.55, alpha: 10.6, s: 0.61, beta: 11.7 };
    /// let d = BtydData::new(&[0.0, 3.0], &[0.0, 20.0], &[38.0, 38.0]).unwrap();
    /// assert!(m.log_likelihood(&d).unwrap() < 0.0);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ParetoNbdParams::log_likelihood_one`].
    ///
    /// # Formula
    ///
    /// Σ wᵢ ℓᵢ, ℓ as in [`ParetoNbdParams::log_likelihood_one`].
    pub fn log_likelihood(&self, data: &BtydData) -> Result<f64> {
        self.check()?;
        let mut f_tx = no_f_tx();
        let v = data
            .rows()
            .map(|(x, r, t, w)| w * row_value(self, &mut f_tx, x, r, t))
            .sum();
        finite("Pareto/NBD log-likelihood", v)
    }

    /// Weighted log-likelihood of a data set and its gradient in the parameters (r, α, s, β), in one
    /// pass over the rows: what each iteration of the fit evaluates (benchmarked in
    /// `benches/benches/clv.rs`).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BtydData, ParetoNbdParams};
    /// let m = ParetoNbdParams { r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 };
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
    /// Σ wᵢ ℓᵢ and Σ wᵢ ∇ℓᵢ, ℓ as in [`ParetoNbdParams::log_likelihood_one`], ∇ from ∂ ln Γ = ψ.
    pub fn log_likelihood_and_gradient(&self, data: &BtydData) -> Result<(f64, [f64; 4])> {
        self.check()?;
        let mut sh = Shared::new(self);
        let mut grad = [0.0; 4];
        let mut value = 0.0;
        for (x, r, t, w) in data.rows() {
            value += w * row_log_likelihood(self, &mut sh, x, r, t, Some((&mut grad, w)));
        }
        if !value.is_finite() {
            return Err(CrmkitError::Numerical {
                context: "ParetoNbd log-likelihood".to_owned(),
                reason: format!("the result is not finite ({value})"),
            });
        }
        Ok((value, grad))
    }
}

/// (1 − q^(s−1)) / (s − 1) for q = c/(c + t) ∈ (0, 1\], with its limit −ln q at s = 1.
fn pareto_tail(s: f64, ln_q: f64) -> f64 {
    let sm1 = s - 1.0;
    if sm1.abs() < 1e-12 {
        -ln_q
    } else {
        -(sm1 * ln_q).exp_m1() / sm1
    }
}

impl TransactionModel for ParetoNbdParams {
    fn model_name(&self) -> &'static str {
        "Pareto/NBD"
    }

    /// # Formula
    ///
    /// Fader, Hardie & Lee (2005) "RFM and CLV" eq. 2:
    /// DERT = α^r β^s δ^(s−1) Γ(r+x+1) Ψ(s, s; δ(β+T)) / (Γ(r) (α+T)^(r+x+1) L)
    ///      = P(alive) · (r+x)/(α+T) · (β+T) · Γ(1−s, z) e^z z^(s−1), z = δ(β+T),
    /// with Ψ(s, s; z) = e^z Γ(1−s, z) (Tricomi's function) and the incomplete gamma function from
    /// its Legendre continued fraction (A&S 6.5.31), valid for every s.
    fn discounted_expected_transactions_one(
        &self,
        delta: f64,
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<f64> {
        if !(delta.is_finite() && delta > 0.0) {
            return Err(CrmkitError::invalid_config(
                "delta",
                delta,
                "must be finite and > 0",
            ));
        }
        let alive = self.probability_alive_one(x, t_x, t)?;
        let c = self.beta + t;
        let scaled =
            upper_gamma_scaled(1.0 - self.s, delta * c).ok_or_else(|| CrmkitError::Numerical {
                context: "Pareto/NBD DERT".to_owned(),
                reason: format!(
                    "the incomplete gamma continued fraction did not converge (z = {})",
                    delta * c
                ),
            })?;
        finite(
            "Pareto/NBD DERT",
            alive * (self.r + x) / (self.alpha + t) * c * scaled,
        )
    }

    /// # Formula
    ///
    /// Schmittlein, Morrison & Colombo (1987) eq. 17 (lifetimes 0.11.3
    /// `expected_number_of_purchases_up_to_time`): E\[X(t)\] = rβ/(α(s−1)) · \[1 − (β/(β+t))^(s−1)\],
    /// with the limit rβ/α · ln((β+t)/β) at s = 1.
    fn expected_purchases_new_customer(&self, horizon: f64) -> Result<f64> {
        self.check()?;
        check_horizon("horizon", horizon)?;
        let (r, alpha, s, beta) = (self.r, self.alpha, self.s, self.beta);
        let v = r * beta / alpha * pareto_tail(s, (beta / (beta + horizon)).ln());
        finite("Pareto/NBD expected purchases of a new customer", v)
    }

    /// # Formula
    ///
    /// Schmittlein, Morrison & Colombo (1987) eq. 22, Fader, Hardie & Lee (2005) (lifetimes 0.11.3
    /// `conditional_expected_number_of_purchases_up_to_time`):
    /// E\[Y(t) | x, t_x, T\] = P(alive) · (r+x)(β+T) / ((α+T)(s−1)) · \[1 − ((β+T)/(β+T+t))^(s−1)\].
    fn expected_purchases_one(&self, horizon: f64, x: f64, t_x: f64, t: f64) -> Result<f64> {
        check_horizon("horizon", horizon)?;
        let alive = self.probability_alive_one(x, t_x, t)?;
        let (r, alpha, s, beta) = (self.r, self.alpha, self.s, self.beta);
        let c = beta + t;
        let v = alive * (r + x) * c / (alpha + t) * pareto_tail(s, (c / (c + horizon)).ln());
        finite("Pareto/NBD conditional expected purchases", v)
    }

    /// # Formula
    ///
    /// Fader & Hardie note 008 eq. 24 (lifetimes 0.11.3 `conditional_probability_alive`):
    /// P(alive) = \[1/((α+T)^(r+x)(β+T)^s)\] / \[1/((α+T)^(r+x)(β+T)^s) + s/(r+s+x) A₀\], computed as the
    /// logistic function of the difference of the two log-terms of the likelihood (no inf · 0).
    fn probability_alive_one(&self, x: f64, t_x: f64, t: f64) -> Result<f64> {
        self.check()?;
        check_customer(0, x, t_x, t)?;
        let (_, d, _) =
            row_parts(self, &mut no_f_tx(), x, t_x, t).ok_or_else(|| CrmkitError::Numerical {
                context: "Pareto/NBD probability alive".to_owned(),
                reason: "the hypergeometric series did not converge".to_owned(),
            })?;
        if d == f64::NEG_INFINITY {
            return Ok(1.0);
        }
        finite("Pareto/NBD probability alive", logistic(-d))
    }
}

/// ln of ₂F₁(a, s+1; c; z) for 0 < a ≤ c, s > 0, 0 ≤ z < 1: the Gauss series, whose terms are all
/// positive and whose sum is at most (1 − z)^(−(s+1)), so nothing cancels or overflows. (The 1 − z
/// connection formula that [`hyp2f1`] uses above z = 0.9 cancels catastrophically when a, c are in
/// the thousands; it is only the fallback when the series would need more than 2e6 terms.)
fn ln_hyp2f1_count(a: f64, s1: f64, c: f64, z: f64) -> Result<f64> {
    let v = hyp2f1_series(a, s1, c, z).unwrap_or_else(|| hyp2f1(a, s1, c, z));
    if v.is_finite() && v > 0.0 {
        Ok(v.ln())
    } else {
        Err(CrmkitError::Numerical {
            context: "Pareto/NBD probability of n purchases".to_owned(),
            reason: format!("2F1({a}, {s1}; {c}; {z}) gave {v}"),
        })
    }
}

impl ParetoNbdParams {
    /// ln of the two parts of P(Y(T, T+h\] = n | x, T) × L (L the likelihood of the customer's
    /// history): alive at T + h with n purchases in (T, T+h\], and died in (T, T+h\] after n
    /// purchases. A new customer is x = T = 0 (then L = 1). Needs h > 0.
    fn ln_count_terms(&self, n: u32, h: f64, x: f64, t: f64) -> Result<(f64, f64)> {
        let (r, alpha, s, beta) = (self.r, self.alpha, self.s, self.beta);
        let nf = f64::from(n);
        let (ln_alpha, ln_b) = (alpha.ln(), beta.ln());
        let ln_gamma_r = ln_gamma(r);
        let (ln_h, end) = (h.ln(), t + h);
        // alive at T + h: λ | history ~ Gamma(r+x, α+T), Poisson(λh) purchases, survival e^{−μ(T+h)}
        let alive = ln_gamma(r + x + nf) - ln_gamma_r - ln_gamma(nf + 1.0)
            + r * ln_alpha
            + s * ln_b
            + nf * ln_h
            - (r + x + nf) * (alpha + end).ln()
            - s * (beta + end).ln();
        // died at T + u, u ∈ (0, h\]: the note's ₂F₁ terms F_i(τ) = ₂F₁(a0+i, b; c; z(τ)), with the
        // larger of α, β as the base so that z(τ) = |α − β|/(max + τ) lies in [0, 1). For α ≥ β
        // (b = s+1) the Gauss series of F_i has positive terms bounded by (1 − z)^(−(s+1)); for α < β
        // (b = r+x+n, which makes the series grow like (1 − z)^(−(r+x+n))) Euler's transformation
        // F_i = (1 − z)^(1−i−r−x) ₂F₁(n+1−i, s+1; c; z) gives the same kind of series.
        let base = alpha.max(beta);
        let d = (alpha - beta).abs();
        let a0 = r + s + x;
        let c = a0 + nf + 1.0;
        let ln_f = |i: f64, z: f64| -> Result<f64> {
            if alpha >= beta {
                ln_hyp2f1_count(a0 + i, s + 1.0, c, z)
            } else {
                let euler = if z == 0.0 {
                    0.0
                } else {
                    (1.0 - i - r - x) * (-z).ln_1p()
                };
                Ok(euler + ln_hyp2f1_count(nf + 1.0 - i, s + 1.0, c, z)?)
            }
        };
        let head =
            r * ln_alpha + s * ln_b + ln_beta(r + x + nf, s + 1.0) - ln_gamma_r - ln_gamma(s);
        let ln_full = ln_gamma(a0) + ln_f(0.0, d / (base + t))? - a0 * (base + t).ln();
        let (ln_end, z_end) = ((base + end).ln(), d / (base + end));
        let mut ln_partial = f64::NEG_INFINITY;
        for i in 0..=n {
            let fi = f64::from(i);
            let term = ln_gamma(a0 + fi) - ln_gamma(fi + 1.0) + fi * ln_h + ln_f(fi, z_end)?
                - (a0 + fi) * ln_end;
            ln_partial = log_add_exp(ln_partial, term);
        }
        // full − partial ≥ 0 in exact arithmetic; rounding can make it (slightly) negative when
        // the death term is negligible next to the full one.
        let died = if ln_partial < ln_full {
            head + ln_full + log1m_exp(ln_partial - ln_full)
        } else {
            f64::NEG_INFINITY
        };
        Ok((alive, died))
    }

    /// Probability that a new customer makes exactly `n` purchases in (0, `horizon`\]: P(X(t) = n).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{ParetoNbdParams, TransactionModel};
    /// // Fader, Hardie & Lee (2005), CDNOW, weeks
    /// let m = ParetoNbdParams { r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 };
    /// let p: Vec<f64> = (0..300).map(|n| m.probability_of_purchases(n, 39.0).unwrap()).collect();
    /// assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    /// let mean: f64 = p.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
    /// assert!((mean / m.expected_purchases_new_customer(39.0).unwrap() - 1.0).abs() < 1e-8);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for a negative or non-finite horizon or invalid parameters;
    /// [`CrmkitError::Numerical`] if a hypergeometric value is not finite.
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2006), "Deriving an expression for P(X(t) = x) under the Pareto/NBD model":
    /// P(X(t) = n) = Γ(r+n)/(Γ(r) n!) (α/(α+t))^r (t/(α+t))^n (β/(β+t))^s
    ///   \+ α^r β^s B(r+n, s+1)/B(r, s) · \[B₁ − Σ_{i=0}^{n} Γ(r+s+i)/(Γ(r+s) i!) t^i B₂(i)\],
    /// with, for α ≥ β, B₁ = ₂F₁(r+s, s+1; r+s+n+1; (α−β)/α) / α^(r+s) and
    /// B₂(i) = ₂F₁(r+s+i, s+1; r+s+n+1; (α−β)/(α+t)) / (α+t)^(r+s+i); for α < β the same with β in
    /// place of α as the base, second ₂F₁ parameter r+n and argument (β−α)/β, (β−α)/(β+t).
    /// The first term is "alive at t", the second "died before t after n purchases". Every piece
    /// is a logarithm (the sum over i a log-sum-exp) and the difference is B₁ (1 − e^(ln ΣB₂ − ln B₁)),
    /// so nothing overflows for large n or t; the difference is accurate to about 1e-16 of B₁
    /// (absolute), so values far below P(X(∞) = n) carry fewer correct digits. P(X(0) = 0) = 1.
    pub fn probability_of_purchases(&self, n: u32, horizon: f64) -> Result<f64> {
        self.conditional_probability_of_purchases_one(n, horizon, 0.0, 0.0, 0.0)
            .map_err(|e| match e {
                CrmkitError::Numerical { reason, .. } => CrmkitError::Numerical {
                    context: "Pareto/NBD probability of n purchases".to_owned(),
                    reason,
                },
                other => other,
            })
    }

    /// Probability that a customer with history (x, t_x, T) makes exactly `n` purchases in
    /// (T, T + `horizon`\].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{ParetoNbdParams, TransactionModel};
    /// let m = ParetoNbdParams { r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 };
    /// let p: Vec<f64> = (0..200)
    ///     .map(|n| m.conditional_probability_of_purchases_one(n, 39.0, 2.0, 30.43, 38.86).unwrap())
    ///     .collect();
    /// assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    /// let mean: f64 = p.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
    /// let expected = m.expected_purchases_one(39.0, 2.0, 30.43, 38.86).unwrap();
    /// assert!((mean / expected - 1.0).abs() < 1e-8);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] for an invalid customer, [`CrmkitError::InvalidConfig`] for an
    /// invalid horizon or parameters, [`CrmkitError::Numerical`] if a hypergeometric value is not
    /// finite.
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2014) note 028, "Deriving the conditional PMF of the Pareto/NBD model", eq. 16
    /// (lifetimes 0.11.3 `conditional_probability_of_n_purchases_up_to_time`), with L the
    /// customer's likelihood ([`ParetoNbdParams::log_likelihood_one`]) and m = max(α, β):
    /// P(Y = n | x, t_x, T) = \[n = 0\] (1 − P(alive))
    ///   \+ Γ(r+x+n)/(Γ(r) n!) α^r β^s t^n / ((α+T+t)^(r+x+n) (β+T+t)^s) / L
    ///   \+ α^r β^s B(r+x+n, s+1)/(Γ(r) Γ(s)) · \[Γ(r+s+x) F(T)/(m+T)^(r+s+x)
    ///       − Σ_{i=0}^{n} Γ(r+s+x+i) t^i/i! F_i(T+t)/(m+T+t)^(r+s+x+i)\] / L,
    /// F_i(τ) = ₂F₁(r+s+x+i, b; r+s+x+n+1; |α−β|/(m+τ)), b = s+1 (α ≥ β) or r+x+n (α < β).
    /// Evaluated in logs as in [`ParetoNbdParams::probability_of_purchases`] (x = T = 0 there);
    /// clamped to \[0, 1\].
    pub fn conditional_probability_of_purchases_one(
        &self,
        n: u32,
        horizon: f64,
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<f64> {
        check_horizon("horizon", horizon)?;
        if n > MAX_PURCHASES {
            return Err(CrmkitError::invalid_config(
                "n",
                n,
                format!(
                    "Pareto/NBD probabilities of n purchases are computed for n <= {MAX_PURCHASES} \
                     (the work grows with n)"
                ),
            ));
        }
        let alive = self.probability_alive_one(x, t_x, t)?;
        if horizon == 0.0 {
            return Ok(if n == 0 { 1.0 } else { 0.0 });
        }
        let ln_l = self.log_likelihood_one(x, t_x, t)?;
        let (ln_alive, ln_died) = self.ln_count_terms(n, horizon, x, t)?;
        let dead_before = if n == 0 { 1.0 - alive } else { 0.0 };
        let v = dead_before + (ln_alive - ln_l).exp() + (ln_died - ln_l).exp();
        finite(
            "Pareto/NBD conditional probability of n purchases",
            v.min(1.0),
        )
    }

    /// [`ParetoNbdParams::conditional_probability_of_purchases_one`] for each customer.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::ParetoNbdParams;
    /// let m = ParetoNbdParams { r: 0.5533, alpha: 10.5776, s: 0.6062, beta: 11.6679 };
    /// let p = m
    ///     .conditional_probability_of_purchases(0, 39.0, &[0.0, 7.0], &[0.0, 37.0], &[38.0, 38.0])
    ///     .unwrap();
    /// assert!(p[1] < p[0]); // a frequent, recent buyer is less likely to buy nothing
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`] or the first failing row's error (with its row).
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2014) note 028 eq. 16.
    pub fn conditional_probability_of_purchases(
        &self,
        n: u32,
        horizon: f64,
        x: &[f64],
        t_x: &[f64],
        t: &[f64],
    ) -> Result<Vec<f64>> {
        map_rows(x, t_x, t, |xi, ri, ti| {
            self.conditional_probability_of_purchases_one(n, horizon, xi, ri, ti)
        })
    }
}

/// The Pareto/NBD model, to be fitted.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BtydData, FitOptions, ParetoNbd};
/// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
/// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
/// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
/// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
/// let fit = ParetoNbd::fit(&d, &FitOptions::default()).unwrap();
/// assert!(fit.params.s > 0.0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ParetoNbd;

/// A fitted Pareto/NBD model.
///
/// # Examples
///
/// ```
/// use crmkit::clv::{BtydData, FitOptions, FittedParetoNbd, ParetoNbd, TransactionModel};
/// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
/// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
/// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
/// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
/// let fit = ParetoNbd::fit(&d, &FitOptions::default()).unwrap();
/// let back: FittedParetoNbd = serde_json::from_str(&serde_json::to_string(&fit).unwrap()).unwrap();
/// // serde_json's default float parser may differ from the written value in the last bit
/// assert!((back.params.beta / fit.params.beta - 1.0).abs() < 1e-15);
/// assert!(back.probability_alive_one(1.0, 5.0, 38.0).unwrap() < 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FittedParetoNbdRaw")]
pub struct FittedParetoNbd {
    /// Maximum-likelihood parameters.
    pub params: ParetoNbdParams,
    /// Delta-method standard errors.
    pub standard_errors: Option<ParetoNbdParams>,
    /// Covariance matrix of (r, α, s, β).
    pub covariance: Option<[[f64; 4]; 4]>,
    /// Log-likelihood at the parameters.
    pub log_likelihood: f64,
    /// How the optimiser ended.
    pub report: ConvergenceReport,
    /// Number of customers (sum of weights).
    pub n_customers: f64,
}

impl ParetoNbd {
    /// Fits the Pareto/NBD model by maximum likelihood: log-parameters, time rescaled to
    /// max T = 1, and the analytic gradient (derivatives of the ₂F₁ series term by term).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BtydData, FitOptions, ParetoNbd};
    /// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
    /// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
    /// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
    /// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
    /// assert!(ParetoNbd::fit(&d, &FitOptions::default()).unwrap().report.gradient_norm < 1e-6);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] for invalid options; [`CrmkitError::NotConverged`] when the
    /// optimiser stops without converging.
    ///
    /// # Formula
    ///
    /// Maximises Σ wᵢ ℓᵢ − λ Σ θ², ℓ as in [`ParetoNbdParams::log_likelihood_one`].
    pub fn fit(data: &BtydData, opts: &FitOptions) -> Result<FittedParetoNbd> {
        fit_model(&ParetoNbdFit, data, opts)
    }
}

/// The Pareto/NBD fit's parts (a type of its own: its likelihood tables are private).
struct ParetoNbdFit;

impl FitModel<4> for ParetoNbdFit {
    type Data = BtydData;
    type Params = ParetoNbdParams;
    type Fitted = FittedParetoNbd;
    type Part<'a> = (Plan, PlanScratch);
    const MODEL: &'static str = "Pareto/NBD";
    const NAMES: [&'static str; 4] = NAMES;
    const HETEROGENEITY: &'static [(usize, usize)] = &[(0, 1), (2, 3)];
    const SCALED: &'static [usize] = &[1, 3];

    /// The purchase process from moments; dropout on the same scale (β = α, so the series
    /// start short) with shape ½.
    fn default_start(&self, base: &BtydData, scale: f64) -> [f64; 4] {
        base.nbd_moments().map_or([1.0; 4], |(r, alpha)| {
            [r, alpha / scale, 0.5, alpha / scale]
        })
    }

    fn likelihood<'a>(&'a self, base: &'a BtydData, scale: f64) -> Likelihood<Self::Part<'a>> {
        let scaled = base.rescaled(scale);
        Likelihood::Split {
            parts: Plan::new_split(&scaled, FIT_PARTS)
                .into_iter()
                .map(|plan| (plan, PlanScratch::new()))
                .collect(),
            rows: scaled.len(),
        }
    }

    fn nll(
        &self,
        (plan, scratch): &mut Self::Part<'_>,
        th: &[f64; 4],
        g: &mut [f64; 4],
        opg: Option<&mut [[f64; 4]; 4]>,
    ) -> f64 {
        plan.nll(&Self::params(*th), scratch, g, opg)
    }

    fn params([r, alpha, s, beta]: [f64; 4]) -> ParetoNbdParams {
        ParetoNbdParams { r, alpha, s, beta }
    }

    fn log_likelihood(
        &self,
        base: &BtydData,
        _: &ParetoNbdParams,
        fitted: f64,
        scale: f64,
    ) -> Result<f64> {
        Ok(base.unscaled_log_likelihood(fitted, scale))
    }
}

fitted_from_model_fit!(FittedParetoNbd, ParetoNbdParams, 4, n_customers);

super::delegate_to_params!(FittedParetoNbd);

impl FittedParetoNbd {
    /// Probability that a new customer makes exactly `n` purchases in (0, `horizon`\]; see
    /// [`ParetoNbdParams::probability_of_purchases`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BtydData, FitOptions, ParetoNbd};
    /// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
    /// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
    /// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
    /// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
    /// let fit = ParetoNbd::fit(&d, &FitOptions::default()).unwrap();
    /// assert!(fit.probability_of_purchases(0, 38.0).unwrap() > 0.5);
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ParetoNbdParams::probability_of_purchases`].
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2006), "Deriving an expression for P(X(t) = x) under the Pareto/NBD model".
    pub fn probability_of_purchases(&self, n: u32, horizon: f64) -> Result<f64> {
        self.params.probability_of_purchases(n, horizon)
    }

    /// Per-customer P(Y(T, T + `horizon`\] = n | x, t_x, T); see
    /// [`ParetoNbdParams::conditional_probability_of_purchases`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::clv::{BtydData, FitOptions, ParetoNbd};
    /// let x = [0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 5.0, 7.0, 10.0];
    /// let t_x = [0.0, 5.0, 30.0, 10.0, 35.0, 20.0, 37.0, 25.0, 36.0, 37.0];
    /// let n = [1400.0, 300.0, 150.0, 100.0, 120.0, 60.0, 80.0, 40.0, 50.0, 20.0];
    /// let d = BtydData::with_weights(&x, &t_x, &[38.0; 10], &n).unwrap();
    /// let fit = ParetoNbd::fit(&d, &FitOptions::default()).unwrap();
    /// let p = fit.conditional_probability_of_purchases(1, 38.0, &x, &t_x, &[38.0; 10]).unwrap();
    /// assert!(p.iter().all(|p| (0.0..=1.0).contains(p)));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ParetoNbdParams::conditional_probability_of_purchases`].
    ///
    /// # Formula
    ///
    /// Fader & Hardie (2014) note 028 eq. 16.
    pub fn conditional_probability_of_purchases(
        &self,
        n: u32,
        horizon: f64,
        x: &[f64],
        t_x: &[f64],
        t: &[f64],
    ) -> Result<Vec<f64>> {
        self.params
            .conditional_probability_of_purchases(n, horizon, x, t_x, t)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Simpson's rule on ∫ (α+u)^(−(r+x)) (β+u)^(−(s+1)) du, for checking G(t_x) − G(T).
    fn integral(p: &ParetoNbdParams, x: f64, lo: f64, hi: f64) -> f64 {
        let n = 20_000;
        let h = (hi - lo) / f64::from(n);
        let f = |u: f64| (p.alpha + u).powf(-(p.r + x)) * (p.beta + u).powf(-(p.s + 1.0));
        let mut acc = f(lo) + f(hi);
        for i in 1..n {
            acc += f(lo + f64::from(i) * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        acc * h / 3.0
    }

    #[test]
    fn g_difference_matches_quadrature_both_branches() {
        for p in [
            ParetoNbdParams {
                r: 0.55,
                alpha: 10.6,
                s: 0.61,
                beta: 11.7,
            },
            ParetoNbdParams {
                r: 0.55,
                alpha: 14.0,
                s: 1.4,
                beta: 3.0,
            },
        ] {
            let (x, lo, hi) = (3.0, 12.0, 38.0);
            let w = p.r + p.s + x;
            let (g1, _) = ln_g(&p, x, lo).unwrap();
            let (g2, _) = ln_g(&p, x, hi).unwrap();
            let exact = integral(&p, x, lo, hi);
            assert!(
                ((g1.exp() - g2.exp()) / w / exact - 1.0).abs() < 1e-9,
                "{p:?}"
            );
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        for p in [
            ParetoNbdParams {
                r: 0.55,
                alpha: 10.6,
                s: 0.61,
                beta: 11.7,
            },
            ParetoNbdParams {
                r: 0.55,
                alpha: 14.0,
                s: 1.4,
                beta: 3.0,
            },
        ] {
            for (x, t_x, t) in [(0.0, 0.0, 38.0), (3.0, 12.0, 38.0), (40.0, 37.9, 38.0)] {
                let mut g = [0.0; 4];
                row_log_likelihood(&p, &mut Shared::new(&p), x, t_x, t, Some((&mut g, 1.0)));
                let th = [p.r, p.alpha, p.s, p.beta];
                for i in 0..4 {
                    let h = 1e-6 * th[i];
                    let mut up = th;
                    let mut dn = th;
                    up[i] += h;
                    dn[i] -= h;
                    let f = |v: [f64; 4]| {
                        let q = ParetoNbdParams {
                            r: v[0],
                            alpha: v[1],
                            s: v[2],
                            beta: v[3],
                        };
                        row_log_likelihood(&q, &mut Shared::new(&q), x, t_x, t, None)
                    };
                    let num = (f(up) - f(dn)) / (2.0 * h);
                    assert!(
                        (g[i] - num).abs() < 1e-6 * (1.0 + num.abs()),
                        "{p:?} x {x} i {i}: {} vs {num}",
                        g[i]
                    );
                }
            }
        }
    }

    #[test]
    fn plan_equals_the_row_by_row_sum() {
        // Rows with t_x = T, repeated (x, τ) pairs, x = 0, and large x; both branches α ≥ β and
        // α < β and the special case α = β; a ₂F₁ beyond the series (z > 0.999: its shift is
        // folded into the linear form), a death term whose odds pass 1e140 (x = 400 bought
        // early: the logarithmic form), and t_x within rounding of T. Tolerance: 1e-12
        // relative (the same terms summed in another order).
        let x = [0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 7.0, 40.0, 3.0, 400.0, 2.0];
        let t_x = [
            0.0,
            0.0,
            0.3,
            0.3,
            0.5,
            0.5,
            0.9,
            0.95,
            1.0,
            0.01,
            1.0 - 1e-15,
        ];
        let t = [1.0, 0.7, 1.0, 0.8, 1.0, 0.5, 1.0, 0.96, 1.0, 1.0, 1.0];
        let w = [3.0, 1.0, 2.0, 1.0, 1.0, 5.0, 1.0, 2.0, 1.0, 1.0, 1.0];
        let data = BtydData::with_weights(&x, &t_x, &t, &w).unwrap();
        let plan = Plan::new(&data);
        let mut scratch = PlanScratch::new();
        for (r, alpha, s, beta) in [
            (0.55, 0.27, 0.61, 0.30),
            (0.55, 0.9, 0.61, 0.1),
            (2.0, 0.5, 0.3, 0.5),
            (0.05, 3.0, 4.0, 0.01),
            (0.5, 1000.0, 0.7, 0.01),
            (0.5, 0.002, 0.7, 0.001),
        ] {
            let p = ParetoNbdParams { r, alpha, s, beta };
            let (ll, grad) = p.log_likelihood_and_gradient(&data).unwrap();
            let mut g = [0.0; 4];
            let mut opg = [[0.0; 4]; 4];
            let v = plan.nll(&p, &mut scratch, &mut g, Some(&mut opg));
            assert!((v + ll).abs() <= 1e-12 * ll.abs(), "{v} vs {ll}");
            for i in 0..4 {
                assert!(
                    (g[i] + grad[i]).abs() <= 1e-12 * (1.0 + grad[i].abs()),
                    "{i}: {} vs {}",
                    g[i],
                    grad[i]
                );
                assert!(opg[i][i] >= 0.0);
            }
            // split plans (every cut in two, and the balanced ones in 1 to 12 parts, more
            // parts than rows included) sum to the same
            let cuts = (0..=data.len()).map(|k| Plan::cut(&data, &[k]));
            for plans in cuts.chain((1..=12).map(|k| Plan::new_split(&data, k))) {
                assert_eq!(
                    plans.iter().map(|p| p.rows.len()).sum::<usize>(),
                    data.len()
                );
                let (mut v, mut gs) = (0.0, [0.0; 4]);
                for plan in &plans {
                    let mut gp = [0.0; 4];
                    v += plan.nll(&p, &mut scratch, &mut gp, None);
                    for i in 0..4 {
                        gs[i] += gp[i];
                    }
                }
                assert!(
                    (v + ll).abs() <= 1e-12 * ll.abs(),
                    "{}: {v} vs {ll}",
                    plans.len()
                );
                for i in 0..4 {
                    assert!((gs[i] + grad[i]).abs() <= 1e-12 * (1.0 + grad[i].abs()));
                }
            }
        }
    }

    #[test]
    fn plan_is_finite_and_accurate_at_the_box_corners() {
        // A fit's box reaches e^±15 on the fitting time scale (max T = 1): there ₂F₁(1, b; c; z)
        // has z within 1e-7 of 1 and goes through the quadrature. The plan (the fit's
        // objective) keeps the textbook order of its large terms (r ln α − (r+x) ln(α+T) with
        // r ln α near 5e7), so it is compared with the accurate log_likelihood to 1e-16 of
        // those terms' size per customer (measured: 4e-9 on 5e8 summed); its gradient is
        // compared with central differences of log_likelihood (1e-5 relative).
        let x = [0.0, 1.0, 3.0, 7.0, 40.0, 2.0];
        let t_x = [0.0, 0.3, 0.5, 0.9, 0.95, 0.999];
        let t = [1.0, 1.0, 0.8, 1.0, 0.96, 1.0];
        let w = [3.0, 2.0, 1.0, 1.0, 2.0, 1.0];
        let data = BtydData::with_weights(&x, &t_x, &t, &w).unwrap();
        let plan = Plan::new(&data);
        let mut scratch = PlanScratch::new();
        let e15 = 15f64.exp();
        for th in [
            [e15, e15, 0.5, 0.01],
            [e15, e15, e15, e15],
            [0.5, 0.01, 2.0, e15],
            [e15, 0.5 * e15, 1.0 / e15, 1.0 / e15],
            // r, s tiny with β large: c − 1 = r + s + x near 1e-6 for x = 0
            [1.0 / e15, 0.01, 1.0 / e15, e15],
        ] {
            let p = ParetoNbdParams {
                r: th[0],
                alpha: th[1],
                s: th[2],
                beta: th[3],
            };
            let ll = p.log_likelihood(&data).unwrap();
            let mut g = [0.0; 4];
            let v = plan.nll(&p, &mut scratch, &mut g, None);
            let size = (th[0] * th[1].ln().abs() + ln_gamma(th[0]).abs())
                + (th[2] * th[3].ln().abs() + ln_gamma(th[2]).abs());
            assert!(
                (v + ll).abs() <= 1e-16 * size * data.total_weight() + 1e-12 * ll.abs(),
                "{th:?}: {v} vs {ll}"
            );
            for i in 0..4 {
                let h = 1e-6 * th[i];
                let at = |d: f64| {
                    let mut v = th;
                    v[i] += d;
                    ParetoNbdParams {
                        r: v[0],
                        alpha: v[1],
                        s: v[2],
                        beta: v[3],
                    }
                };
                let (up, dn) = (at(h), at(-h));
                let num = (up.log_likelihood(&data).unwrap() - dn.log_likelihood(&data).unwrap())
                    / (2.0 * h);
                assert!(g[i].is_finite(), "{th:?} {i}");
                assert!(
                    (g[i] + num).abs() <= 1e-5 * (num.abs() + 1.0 / th[i]),
                    "{th:?} {i}: {} vs {num}",
                    -g[i]
                );
            }
        }
    }
}

validated_params!(ParetoNbdParams, ParetoNbdParamsRaw { r, alpha, s, beta });
validated_fit!(
    FittedParetoNbd,
    FittedParetoNbdRaw,
    ParetoNbdParams,
    4,
    n_customers
);
