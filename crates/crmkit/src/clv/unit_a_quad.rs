//! ₂F₁(1, b; c; z) near z = 1 by quadrature of an Euler-type integral, for Pareto/NBD's G(τ).
//!
//! With u = e^(−v) in Euler's integral ₂F₁(1, b; c; z) = (c − 1) ∫₀¹ (1 − t)^(c−2) (1 − z t)^(−b) dt
//! (A&S 15.3.1, t = 1 − u):
//!
//! ₂F₁(1, b; c; z) = (c − 1) ∫₀^∞ exp(−m v − b ln(1 + η (e^v − 1))) dv,  m = c − 1 − b, η = 1 − z,
//!
//! valid for b > 0, c > 1 and 0 < η ≤ 1. The exponent E(v) is concave (E'' = −b η (1 − η) e^v /
//! (1 + η (e^v − 1))² ≤ 0), so the integrand has one maximum and falls at least exponentially
//! beyond it; it is smooth on the scale of 1 in v. Nothing in it needs η = 1 − z formed by a
//! subtraction: the caller passes η (and m) directly, which keeps the digits the series' z
//! loses when z is within 1e-6 of 1 (Pareto/NBD with α ≫ β + τ: r, α ≳ 1e6). The series in z
//! needs about 40/η terms there and the 1 − z connection formula cancels (its two terms grow
//! like e^(bη)).

use std::sync::OnceLock;

/// Gauss–Legendre nodes per panel.
const NODES: usize = 16;

/// The 16 Gauss–Legendre nodes and weights on [−1, 1] (Newton's method on the Legendre
/// recurrence, to rounding).
fn gauss_legendre() -> &'static [(f64, f64); NODES] {
    static RULE: OnceLock<[(f64, f64); NODES]> = OnceLock::new();
    RULE.get_or_init(|| {
        let n = NODES;
        let mut rule = [(0.0, 0.0); NODES];
        for (i, slot) in rule.iter_mut().enumerate() {
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
            let mut dp = 1.0;
            for _ in 0..100 {
                let (mut p0, mut p1) = (1.0, x);
                for k in 2..=n {
                    let kf = k as f64;
                    (p0, p1) = (p1, ((2.0 * kf - 1.0) * x * p1 - (kf - 1.0) * p0) / kf);
                }
                dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
                let dx = p1 / dp;
                x -= dx;
                if dx.abs() < 1e-17 {
                    break;
                }
            }
            *slot = (x, 2.0 / ((1.0 - x * x) * dp * dp));
        }
        rule
    })
}

/// (e^v − 1) / (1 + η (e^v − 1)) = ∂L/∂η, also where e^v overflows.
#[inline]
fn dz_factor(eta: f64, v: f64) -> f64 {
    if v > 700.0 {
        let w = (-v).exp();
        (1.0 - w) / (eta + (1.0 - eta) * w)
    } else {
        let em1 = v.exp_m1();
        em1 / (1.0 + eta * em1)
    }
}

/// ln ₂F₁(1, b; c; 1 − η), c = b + m + 1, and the derivatives of that logarithm in b (c fixed),
/// in c (b fixed) and in z = 1 − η, for b > 0, c − 1 = `c1` > 0 and 0 < η ≤ 1. `c1` = b + m is
/// passed separately so that a caller who knows it exactly (Pareto/NBD: r + s + x) keeps its
/// digits when it is far below b and |m|. `None` when the
/// quadrature does not settle within its panel budget.
///
/// The integral is taken by adaptive 16-point Gauss–Legendre: a panel is accepted when its rule
/// agrees with the sum over its halves to 2e-16 of the total (of the integrand and of the three
/// derivative integrands) and the halves are kept; their error is far below that difference
/// (the rule's error falls by orders of magnitude per halving on these analytic integrands), so
/// the result is accurate to a few units of 1e-16 relative (a tolerance of 1e-17 only chased
/// rounding, five times slower).
pub(super) fn ln_hyp2f1_unit_a_quad(
    b: f64,
    m: f64,
    c1: f64,
    eta: f64,
) -> Option<(f64, f64, f64, f64)> {
    if !(b > 0.0 && c1 > 0.0 && eta > 0.0 && eta <= 1.0 && m.is_finite() && b.is_finite()) {
        return None;
    }
    // E(v) and v − L(v) in the form without cancellation: −m v − b L(v) while η e^v ≤ 1 (L is
    // at most ln 2 there); beyond, L(v) = v + λ(v) with λ = ln(η + (1 − η) e^(−v)) ∈ [ln η, 0]
    // and E = −(c − 1) v − b λ (with c − 1 = b + m ≪ b, as at r + s + x ≈ 1e-6, −m v − b L
    // would subtract two terms near v)
    let split = -eta.ln();
    let parts = |v: f64| -> (f64, f64) {
        if v <= split {
            let l = (eta * v.exp_m1()).ln_1p();
            (-m * v - b * l, v - l)
        } else {
            let lambda = (eta + (1.0 - eta) * (-v).exp()).ln();
            (-c1 * v - b * lambda, -lambda)
        }
    };
    let exponent = |v: f64| parts(v).0;
    // the maximum of E: 0 unless E'(0) = −m − bη > 0, then where η e^v / (1 + η (e^v − 1)) = −m/b
    let top = if -m - b * eta > 0.0 {
        let rho = -m / b;
        (rho * (1.0 - eta) / (eta * (1.0 - rho))).ln().max(0.0)
    } else {
        0.0
    };
    let peak = exponent(top);
    // the local scale at the maximum: 1/|E'| at an end, the Gaussian width 1/√|E''| inside
    let w = (-top).exp();
    let q = eta + (1.0 - eta) * w;
    let slope = if top == 0.0 { m + b * eta } else { 0.0 };
    let curve = b * eta * (1.0 - eta) * w / (q * q);
    let unit = 1.0_f64.min(1.0 / slope).min(1.0 / curve.sqrt());
    // break points at geometric distances from the maximum, out to where E has fallen by 45
    // on the right (by concavity the tail beyond lies below e^−45 of the integral over the
    // last piece: the integrand lies above the chord there) and on the left (or to 0)
    let mut edges = vec![top];
    for dir in [1.0, -1.0] {
        let mut step = 0.25 * unit;
        for _ in 0..200 {
            let v = top + dir * step;
            if v <= 0.0 {
                if top > 0.0 {
                    edges.push(0.0);
                }
                break;
            }
            edges.push(v);
            if exponent(v) - peak <= -45.0 {
                break;
            }
            step *= 2.0;
        }
    }
    edges.sort_by(f64::total_cmp);
    let right_end = edges.last().copied().unwrap_or(top);
    let fallen = exponent(right_end) - peak;
    if fallen.is_nan() || fallen > -45.0 {
        return None;
    }
    let panels: Vec<(f64, f64)> = edges
        .windows(2)
        .filter(|w| w[1] > w[0])
        .map(|w| (w[0], w[1]))
        .collect();
    let rule = gauss_legendre();
    // per node: the integrand e^(E − peak) and its factors for ∂/∂b (c fixed), ∂/∂c (b fixed)
    // and ∂/∂z: (v − L), −v and b (e^v − 1)/(1 + η (e^v − 1))
    let panel = |a: f64, z: f64| -> [f64; 4] {
        let (mid, half) = (0.5 * (a + z), 0.5 * (z - a));
        let mut acc = [0.0; 4];
        for &(x, w) in rule {
            let v = mid + half * x;
            let (e, v_minus_l) = parts(v);
            let f = w * (e - peak).exp();
            acc[0] += f;
            acc[1] += f * v_minus_l;
            acc[2] -= f * v;
            acc[3] += f * b * dz_factor(eta, v);
        }
        acc.map(|s| s * half)
    };
    let coarse: Vec<[f64; 4]> = panels.iter().map(|&(a, z)| panel(a, z)).collect();
    let total0: f64 = coarse.iter().map(|q| q[0]).sum();
    let scale = [
        total0,
        coarse.iter().map(|q| q[1].abs()).sum::<f64>(),
        coarse.iter().map(|q| q[2].abs()).sum::<f64>(),
        coarse.iter().map(|q| q[3].abs()).sum::<f64>(),
    ];
    let mut stack: Vec<(f64, f64, [f64; 4])> = panels
        .iter()
        .zip(coarse)
        .map(|(&(a, z), q)| (a, z, q))
        .collect();
    let mut sum = [0.0; 4];
    let mut budget = 4000;
    while let Some((a, z, whole)) = stack.pop() {
        let mid = 0.5 * (a + z);
        let (l, r) = (panel(a, mid), panel(mid, z));
        let ok = (0..4).all(|i| (whole[i] - l[i] - r[i]).abs() <= 2e-16 * scale[i]);
        if ok || z - a <= 1e-12 * (1.0 + z.abs()) {
            for i in 0..4 {
                sum[i] += l[i] + r[i];
            }
        } else {
            budget -= 1;
            if budget == 0 {
                return None;
            }
            stack.push((a, mid, l));
            stack.push((mid, z, r));
        }
    }
    let j = sum[0];
    if !(j > 0.0 && j.is_finite()) {
        return None;
    }
    let value = c1.ln() + peak + j.ln();
    Some((value, sum[1] / j, 1.0 / c1 + sum[2] / j, sum[3] / j))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::math::special::ln_hyp2f1_unit_a;

    #[test]
    fn gauss_legendre_integrates_polynomials_exactly() {
        // Σ w = 2, Σ w x^30 = 2/31 (degree ≤ 31 is exact for 16 nodes)
        let rule = gauss_legendre();
        let s0: f64 = rule.iter().map(|p| p.1).sum();
        let s30: f64 = rule.iter().map(|p| p.1 * p.0.powi(30)).sum();
        assert!((s0 - 2.0).abs() < 1e-15 && (s30 - 2.0 / 31.0).abs() < 1e-15);
    }

    #[test]
    fn agrees_with_the_series_where_both_work() {
        // the positive Gauss series (1e-17 stopping rule) is the reference at z ≤ 0.99;
        // tolerance 1e-14 relative on ₂F₁ (3e-15 measured) and 1e-10 on the log-derivatives
        for (b, m) in [
            (0.5, 0.3),
            (3.0, 2.0),
            (1e4, 0.6),
            (2.0, -0.7),
            (1.6, 1e3),
            (0.01, 0.02),
        ] {
            for eta in [0.9, 0.5, 0.1, 0.01] {
                let (lf, hb, hc, hz) = ln_hyp2f1_unit_a_quad(b, m, b + m, eta).unwrap();
                let (sf, sb, sc, sz) = ln_hyp2f1_unit_a(b, b + m + 1.0, 1.0 - eta).unwrap();
                assert!(
                    (lf - sf).abs() < 1e-14 * (1.0 + sf.abs()),
                    "{b} {m} {eta}: {lf} {sf}"
                );
                for (q, s) in [(hb, sb), (hc, sc), (hz, sz)] {
                    assert!(
                        (q - s).abs() < 1e-10 * (1.0 + s.abs()),
                        "{b} {m} {eta}: {q} {s}"
                    );
                }
            }
        }
    }

    #[test]
    fn closed_form_at_b_one() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z, m = 0, exact for η down to 1e-12
        for eta in [1e-3_f64, 1e-6, 1e-9, 1e-12] {
            let z = 1.0 - eta;
            let exact = (-eta.ln() / z).ln();
            let (lf, _, _, _) = ln_hyp2f1_unit_a_quad(1.0, 0.0, 1.0, eta).unwrap();
            assert!((lf - exact).abs() < 1e-14, "{eta}: {lf} vs {exact}");
        }
    }
}
