//! E[Y(t) | alive] of the BG/NBD family (BG/NBD, MBG/NBD), on the whole parameter domain.
//!
//! With p ~ Beta(a, b′) the dropout probability of an alive customer and λ ~ Gamma(R, α + T)
//! the purchase rate, an alive customer buys (1 − e^(−λpt))/p in expectation, so
//!
//! E = (1/B(a, b′)) ∫₀¹ p^(a−2) (1 − p)^(b′−1) (1 − (1 + pu)^(−R)) dp,   u = t/(α + T),
//!   = c/(a − 1) · [1 − (1 − z)^(a−1) ₂F₁(a − 1, c − R; c; z)],          z = u/(1 + u),
//!
//! c = a + b′ − 1 (Fader, Hardie & Lee 2005 eq. 10 after Euler's transformation; BG/NBD has
//! b′ = b + x, MBG/NBD b′ = b + x + 1). The form has removable singularities at a = 1 and
//! c = 0 (a + b = 1 for x = 0). Three evaluations, each used only where its rounding error is
//! provably small (an error estimate is carried along and checked against 1e-11 relative):
//!
//! 1. z ≤ 0.9: the Gauss series with ε = a − 1 and c divided out of its terms analytically,
//!    E = c·φ − (1 − z)^ε Σ_{k≥1} (ε+1)_{k−1} (c−R)_k / ((c+1)_{k−1} k!) z^k,
//!    φ = (1 − (1 − z)^ε)/ε (= −ln(1 − z) at ε = 0): no singularity at a = 1 or c = 0.
//! 2. z > 0.9: the connection formula to 1 − z (A&S 15.3.6) on the same ₂F₁.
//! 3. Otherwise (large R, whose series alternate; c − R close to an integer; a near 1 with
//!    z near 1): the integral above by tanh-sinh quadrature in ln p, with the piece below
//!    p₀ = 1e-4 / max(1, (R+2)u, b′) from the first three terms of the Taylor series of the
//!    integrand (relative error below 1e-12).

use crate::math::special::{ln_gamma, ln_gamma_ratio, ln_gamma_signed};

/// Relative error the closed forms must provably stay below, else the next method is used.
const ACCEPT: f64 = 1e-11;

/// E[Y(t) | alive] given a, b′, R and z = t/(α + T + t) ∈ [0, 1).
pub(crate) fn given_alive(a: f64, bp: f64, big_r: f64, z: f64) -> f64 {
    if z <= 0.0 {
        return 0.0;
    }
    let closed = if z <= 0.9 {
        series(a, bp, big_r, z)
    } else {
        connection(a, bp, big_r, z)
    };
    closed.unwrap_or_else(|| quadrature(a, bp, big_r, z))
}

/// φ = (1 − (1 − z)^ε)/ε and (1 − z)^ε.
#[inline]
fn phi(eps: f64, z: f64) -> (f64, f64) {
    let l = (-z).ln_1p();
    let y = eps * l;
    let phi = if y == 0.0 { -l } else { -y.exp_m1() / eps };
    (phi, y.exp())
}

/// Slots of a [`PhiMemo`] (a power of two): room for the 12 monthly horizons of a few hundred
/// distinct ages T (CDNOW: 84 ages, 1,008 values of z for a 12-month CLV).
const PHI_SLOTS: usize = 4096;

/// [`phi`] of the z a thread met before, for one ε: a CLV path takes the same z = h/(α + T + h)
/// for every customer of age T (whatever x), so the logarithm and exponentials of φ are taken
/// once per distinct T and horizon instead of once per customer. Direct-mapped on the bits of
/// z; a slot holds the value [`phi`] returned, so the values are the same bits.
struct PhiMemo {
    eps: u64,
    keys: Vec<u64>,
    values: Vec<(f64, f64)>,
}

/// A key no z of the lockstep series has (they lie in (0, 0.9]).
const NO_Z: u64 = u64::MAX;

impl PhiMemo {
    fn new() -> Self {
        Self {
            eps: NO_Z,
            keys: vec![NO_Z; PHI_SLOTS],
            values: vec![(0.0, 0.0); PHI_SLOTS],
        }
    }

    /// [`phi`]`(eps, z)`, remembered.
    #[inline]
    fn get(&mut self, eps: f64, z: f64) -> (f64, f64) {
        if self.eps != eps.to_bits() {
            self.eps = eps.to_bits();
            self.keys.fill(NO_Z);
        }
        let key = z.to_bits();
        // Fibonacci hashing: the top bits of the product spread nearby z over the slots
        let slot =
            (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - PHI_SLOTS.trailing_zeros())) as usize;
        if self.keys[slot] == key {
            return self.values[slot];
        }
        let v = phi(eps, z);
        self.keys[slot] = key;
        self.values[slot] = v;
        v
    }
}

thread_local! {
    /// Each thread's [`PhiMemo`] (a pool thread keeps its own).
    static PHI_MEMO: std::cell::RefCell<PhiMemo> = std::cell::RefCell::new(PhiMemo::new());
}

/// Method 1; `None` when the rounding estimate exceeds [`ACCEPT`].
pub(crate) fn series(a: f64, bp: f64, big_r: f64, z: f64) -> Option<f64> {
    let (eps, c) = (a - 1.0, a + bp - 1.0);
    let (phi, w) = phi(eps, z);
    let (sum, abs) = series_sum(eps, c, c - big_r, z)?;
    combine(c * phi, w, sum, abs)
}

/// c·φ − w·S with its rounding estimate.
#[inline]
fn combine(head: f64, w: f64, sum: f64, abs: f64) -> Option<f64> {
    let v = head - w * sum;
    let noise = 8e-16 * (head.abs() + w * abs);
    (v.is_finite() && noise <= ACCEPT * v.abs()).then_some(v)
}

/// Σ_{k≥1} tₖ, t₁ = bb·z, tₖ₊₁/tₖ = (ε+k)(bb+k)/((c+k)(k+1))·z, and Σ|tₖ|.
#[inline]
pub(crate) fn series_sum(eps: f64, c: f64, bb: f64, z: f64) -> Option<(f64, f64)> {
    let mut term = bb * z;
    let (mut sum, mut abs) = (term, term.abs());
    let tail = 1.0 / (1.0 - z);
    let mut k = 1.0;
    while k < 1e6 {
        if term == 0.0 {
            return Some((sum, abs));
        }
        let ratio = (eps + k) * (bb + k) / ((c + k) * (k + 1.0)) * z;
        term *= ratio;
        sum += term;
        abs += term.abs();
        if !abs.is_finite() {
            return None;
        }
        if bb + k > 0.0 && ratio.abs() < 1.0 && term.abs() * tail <= 1e-17 * sum.abs() {
            return Some((sum, abs));
        }
        k += 1.0;
    }
    None
}

/// Gauss series Σ (A)ₖ(B)ₖ/((C)ₖ k!) wᵏ with Σ|terms|, for small w.
fn gauss_abs(a: f64, b: f64, c: f64, w: f64) -> Option<(f64, f64)> {
    let (mut term, mut sum, mut abs) = (1.0, 1.0, 1.0);
    let mut k = 0.0;
    while k < 1e5 {
        let ratio = (a + k) * (b + k) / ((c + k) * (k + 1.0)) * w;
        term *= ratio;
        sum += term;
        abs += term.abs();
        if term == 0.0 {
            return Some((sum, abs));
        }
        if !abs.is_finite() {
            return None;
        }
        if a + k > 0.0
            && b + k > 0.0
            && c + k > 0.0
            && ratio.abs() < 1.0
            && term.abs() <= 1e-17 * sum.abs() * (1.0 - w)
        {
            return Some((sum, abs));
        }
        k += 1.0;
    }
    None
}

/// Method 2: ₂F₁(ε, c − R; c; z) by A&S 15.3.6 with an error estimate; `None` when the terms
/// cancel, a gamma function has a pole, or c ≤ 0.
fn connection(a: f64, bp: f64, big_r: f64, z: f64) -> Option<f64> {
    let (eps, c) = (a - 1.0, a + bp - 1.0);
    if c <= 0.0 || eps == 0.0 {
        return None;
    }
    let (fa, fb) = (eps, c - big_r);
    let d = c - fa - fb; // = R − ε
    let w = 1.0 - z;
    let (lc, sc) = ln_gamma_signed(c);
    let (ld, sd) = ln_gamma_signed(d);
    let (lmd, smd) = ln_gamma_signed(-d);
    let (lca, sca) = ln_gamma_signed(c - fa);
    let (lcb, scb) = ln_gamma_signed(c - fb);
    let (la, sa) = ln_gamma_signed(fa);
    let (lb, sb) = ln_gamma_signed(fb);
    if sc * sd * smd * sca * scb == 0.0 {
        return None;
    }
    let (s1, abs1) = gauss_abs(fa, fb, 1.0 - d, w)?;
    let g1 = sc * sd * sca * scb * (lc + ld - lca - lcb).exp();
    // 1/Γ(A) or 1/Γ(B) = 0 at a pole: the second term vanishes
    let (g2, abs2, s2) = if sa == 0.0 || sb == 0.0 {
        (0.0, 0.0, 0.0)
    } else {
        let (s2, abs2) = gauss_abs(c - fa, c - fb, 1.0 + d, w)?;
        let e2 = lc + lmd - la - lb + d * w.ln();
        (sc * smd * sa * sb * e2.exp(), abs2, s2)
    };
    let f = g1 * s1 + g2 * s2;
    // rounding of each product: its series (Σ|t|) and its exponent (|terms| · ulp)
    let log_terms1 = lc.abs() + ld.abs() + lca.abs() + lcb.abs();
    let log_terms2 = lc.abs() + lmd.abs() + la.abs() + lb.abs() + (d * w.ln()).abs();
    let noise_f = 4e-16
        * (g1.abs() * (abs1 + s1.abs() * log_terms1) + g2.abs() * (abs2 + s2.abs() * log_terms2));
    let wf = (eps * w.ln()).exp();
    let v = c * (1.0 - wf * f) / eps;
    let noise = c / eps.abs() * (wf * noise_f + 4e-16 * (1.0 + (wf * f).abs()));
    (v.is_finite() && noise <= ACCEPT * v.abs()).then_some(v)
}

/// Method 3: the integral in four pieces: Taylor series of the integrand below p₀ and above
/// 1 − δ₁ (the end singularities p^(a−1), (1 − p)^(b′−1) integrated exactly), and tanh-sinh
/// quadrature in ln p on \[p₀, ½\] and in −ln(1 − p) on \[½, 1 − δ₁\] (features at p ≈ 1/(Ru)
/// and p ≈ 1/b′ become unit-width bumps), each halving its step until two levels agree to
/// 1e-13 (Takahasi & Mori 1974).
pub(crate) fn quadrature(a: f64, bp: f64, big_r: f64, z: f64) -> f64 {
    let u = z / (1.0 - z);
    let ln_norm = -ln_beta_large(a, bp);
    let (r, b1) = (big_r, bp - 1.0);
    // below p₀: ∫₀^p₀ p^(a−1) (h0 + h1 p + h2 p²) dp, h the Taylor coefficients of
    // (1−p)^(b′−1)(1 − (1+pu)^(−R))/p
    let p0 = 1e-4 / (1.0_f64).max((r + 2.0) * u).max(bp.abs() + 2.0);
    let h0 = r * u;
    let h1 = -r * (r + 1.0) * u * u / 2.0 - b1 * r * u;
    let h2 = r * (r + 1.0) * (r + 2.0) * u * u * u / 6.0
        + b1 * r * (r + 1.0) * u * u / 2.0
        + b1 * (b1 - 1.0) / 2.0 * r * u;
    let ln_p0 = p0.ln();
    let low = (a * ln_p0 + ln_norm).exp() * (h0 / a + p0 * (h1 / (a + 1.0) + p0 * h2 / (a + 2.0)));
    // above 1 − δ₁: ∫₀^δ₁ s^(b′−1) (H(1) − H′(1) s) ds, H(p) = p^(a−2) (1 − (1+pu)^(−R))
    let d1 = 1e-6 / (1.0_f64).max(a.abs() + 2.0).max(r + 1.0);
    let ln_1u = u.ln_1p();
    let g1 = -(-r * ln_1u).exp_m1();
    let dh1 = (a - 2.0) * g1 + r * u * (-(r + 1.0) * ln_1u).exp();
    let ln_d1 = d1.ln();
    let high = (bp * ln_d1 + ln_norm).exp() * (g1 / bp - dh1 * d1 / (bp + 1.0));
    // the integrand p^(a−2) (1−p)^(b′−1) (1 − (1+pu)^(−R)) / B(a, b′) given ln p, ln(1 − p)
    let f = |ln_p: f64, ln_q: f64| {
        let g = -(-r * (ln_p.exp() * u).ln_1p()).exp_m1();
        ((a - 2.0) * ln_p + b1 * ln_q + ln_norm).exp() * g
    };
    let ln_half = -std::f64::consts::LN_2;
    // [p₀, ½] in v = ln p (dp = p dv); [½, 1 − δ₁] in w = −ln(1 − p) (dp = (1 − p) dw)
    let left = tanh_sinh(ln_p0, ln_half, |v| {
        let q = (-v.exp()).ln_1p();
        f(v, q) * v.exp()
    });
    let right = tanh_sinh(-ln_half, -ln_d1, |w| {
        let ln_q = -w;
        let ln_p = (-(-w).exp()).ln_1p();
        f(ln_p, ln_q) * ln_q.exp()
    });
    low + left + right + high
}

/// ln B(a, b) = ln Γ(min) − (ln Γ(a + b) − ln Γ(max)), the bracket without cancellation: the
/// textbook ln Γ(a) + ln Γ(b) − ln Γ(a + b) loses |ln Γ(max)| · 1e-16 (absolute), 8e-12 at
/// b′ = 8945 (MBG/NBD with x in the thousands), which made the quadrature's E\[Y(t) | alive\]
/// exceed its own limit c/(a − 1) and break its monotonicity in t.
fn ln_beta_large(a: f64, b: f64) -> f64 {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    ln_gamma(lo) - ln_gamma_ratio(hi, lo)
}

/// ∫ₗᵒʰⁱ g by tanh-sinh quadrature, halving the step from ½ until two levels agree to 1e-13.
fn tanh_sinh(lo: f64, hi: f64, g: impl Fn(f64) -> f64) -> f64 {
    let half_pi = std::f64::consts::FRAC_PI_2;
    let half = 0.5 * (hi - lo);
    let node = |tau: f64| -> f64 {
        let y = half_pi * tau.sinh();
        let e = (-2.0 * y.abs()).exp();
        // distance to the nearer end as a fraction of the half-width: 2e/(1+e)
        let near = 2.0 * e / (1.0 + e);
        let weight = half * 2.0 * e / ((1.0 + e) * (1.0 + e)) * 2.0 * half_pi * tau.cosh();
        if weight == 0.0 {
            return 0.0;
        }
        let t = if y >= 0.0 {
            hi - half * near
        } else {
            lo + half * near
        };
        weight * g(t)
    };
    const TAU_MAX: f64 = 3.2;
    let mut h = 0.5;
    let mut sum = node(0.0);
    let mut k = 1.0;
    while k * h <= TAU_MAX {
        sum += node(k * h) + node(-k * h);
        k += 1.0;
    }
    let mut estimate = h * sum;
    for _ in 0..8 {
        h *= 0.5;
        let mut k = 1.0;
        while k * h <= TAU_MAX {
            sum += node(k * h) + node(-k * h);
            k += 2.0;
        }
        let next = h * sum;
        let done = (next - estimate).abs() <= 1e-13 * next.abs();
        estimate = next;
        if done {
            break;
        }
    }
    estimate
}

/// Lanes of [`given_alive_many`].
const LANES: usize = 16;

/// [`given_alive`] at every z of `zs` (same a, b′, R), into `out`: the series of the z in
/// (0, 0.9\] run in lockstep, sharing each term ratio: the lane of the largest z meets the
/// stopping rule last (its terms dominate the others'), so it runs first and sets the number
/// of terms of every lane, which then sum that many terms four at a time in a loop without
/// branches that the compiler vectorises (see [`lockstep`]). A lane whose
/// rounding estimate fails, and every other z, go through [`given_alive`]. Equal to
/// [`given_alive`] to rounding (tested).
pub(crate) fn given_alive_many(a: f64, bp: f64, big_r: f64, zs: &[f64], out: &mut Vec<f64>) {
    PHI_MEMO.with(|memo| match memo.try_borrow_mut() {
        Ok(mut memo) => given_alive_many_memo(a, bp, big_r, zs, out, Some(&mut memo)),
        // (only if a call were nested in another on the same thread)
        Err(_) => given_alive_many_memo(a, bp, big_r, zs, out, None),
    });
}

/// [`given_alive_many`] with φ from `memo` when there is one.
fn given_alive_many_memo(
    a: f64,
    bp: f64,
    big_r: f64,
    zs: &[f64],
    out: &mut Vec<f64>,
    mut memo: Option<&mut PhiMemo>,
) {
    out.clear();
    out.extend_from_slice(zs);
    let mut index = [0usize; LANES];
    let mut lane_z = [0.0; LANES];
    let mut n = 0;
    for (i, &z) in zs.iter().enumerate() {
        if z > 0.0 && z <= 0.9 {
            (index[n], lane_z[n]) = (i, z);
            n += 1;
            if n == LANES {
                lockstep(a, bp, big_r, &index, &lane_z, out, memo.as_deref_mut());
                n = 0;
            }
        } else {
            out[i] = given_alive(a, bp, big_r, z);
        }
    }
    if n > 0 {
        lane_z[n..].fill(0.0);
        // as few lanes as hold the rest, in steps of 4 (one horizon: 4 lanes, not 16)
        let index = &index[..n];
        match n.div_ceil(4) {
            1 => lockstep::<4>(a, bp, big_r, index, &lanes(&lane_z), out, memo),
            2 => lockstep::<8>(a, bp, big_r, index, &lanes(&lane_z), out, memo),
            3 => lockstep::<12>(a, bp, big_r, index, &lanes(&lane_z), out, memo),
            _ => lockstep(a, bp, big_r, index, &lane_z, out, memo),
        }
    }
}

/// The first `L` lanes of `z`.
fn lanes<const L: usize>(z: &[f64; LANES]) -> [f64; L] {
    std::array::from_fn(|j| z[j])
}

/// Lanes of one group of a lockstep run: a group's terms, sums and z stay in registers.
const GROUP: usize = 4;

/// Terms whose ratios one lockstep run keeps for its groups (longer runs recompute them).
const KEPT_RATIOS: usize = 256;

/// One lockstep run of [`given_alive_many`] (lanes with z = 0 idle), in two passes with the
/// values of one pass over all lanes: the lane of the largest z first, alone, which decides
/// how many terms the run takes and whether it finished (keeping the term ratios), then the
/// lanes in groups of [`GROUP`], each summing exactly that many terms. A lane's sum depends
/// only on its z, the ratios and the number of terms, so the split changes no bit; it keeps
/// every group's state in registers (one pass over twelve or sixteen lanes indexed its top
/// lane at run time and spilled its arrays to memory on every term).
fn lockstep<const L: usize>(
    a: f64,
    bp: f64,
    big_r: f64,
    index: &[usize],
    z: &[f64; L],
    out: &mut [f64],
    mut memo: Option<&mut PhiMemo>,
) {
    let (eps, c) = (a - 1.0, a + bp - 1.0);
    let bb = c - big_r;
    let ratio_at = |k: f64| (eps + k) * (bb + k) / ((c + k) * (k + 1.0));
    let z_top = z.iter().copied().fold(0.0, f64::max);
    let tail = 1.0 / (1.0 - z_top);
    // pass 1: the top lane, with the stopping rule
    let mut ratios = [0.0; KEPT_RATIOS];
    let mut term = bb * z_top;
    let (mut sum, mut abs) = (term, term.abs());
    let mut finished = term == 0.0;
    let mut steps = 0usize;
    let mut k = 1.0;
    while !finished && k < 1e6 {
        let ratio = ratio_at(k);
        if steps < KEPT_RATIOS {
            ratios[steps] = ratio;
        }
        steps += 1;
        term *= ratio * z_top;
        sum += term;
        abs += term.abs();
        if term == 0.0 || !abs.is_finite() {
            finished = term == 0.0;
            break;
        }
        finished =
            bb + k > 0.0 && (ratio * z_top).abs() < 1.0 && term.abs() * tail <= 1e-17 * sum.abs();
        k += 1.0;
    }
    if !finished {
        for (j, &i) in index.iter().enumerate() {
            out[i] = given_alive(a, bp, big_r, z[j]);
        }
        return;
    }
    let mut finish = |j: usize, sum: f64, abs: f64, out: &mut [f64]| {
        let zj = z[j];
        let (phi, w) = match memo.as_deref_mut() {
            Some(m) => m.get(eps, zj),
            None => phi(eps, zj),
        };
        out[index[j]] =
            combine(c * phi, w, sum, abs).unwrap_or_else(|| given_alive(a, bp, big_r, zj));
    };
    if index.len() == 1 {
        // the one lane is the top lane
        finish(0, sum, abs, out);
        return;
    }
    // pass 2: every lane, GROUP at a time, `steps` terms
    for g in (0..index.len()).step_by(GROUP) {
        let zg: [f64; GROUP] = std::array::from_fn(|j| z.get(g + j).copied().unwrap_or(0.0));
        let mut term = zg.map(|v| bb * v);
        let mut sum = term;
        let mut abs = term.map(f64::abs);
        let mut step = |ratio: f64| {
            for j in 0..GROUP {
                term[j] *= ratio * zg[j];
                sum[j] += term[j];
                abs[j] += term[j].abs();
            }
        };
        for &ratio in &ratios[..steps.min(KEPT_RATIOS)] {
            step(ratio);
        }
        for s in KEPT_RATIOS..steps {
            step(ratio_at((s + 1) as f64));
        }
        for j in 0..GROUP.min(index.len() - g) {
            finish(g + j, sum[j], abs[j], out);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The memo gives [`phi`]'s bits: cold, warm, after slot collisions (more z than slots)
    /// and after a change of ε; and a lockstep run with it equals one without, bit for bit.
    #[test]
    fn phi_memo_is_bit_identical() {
        let mut memo = PhiMemo::new();
        let zs: Vec<f64> = (1..=3 * PHI_SLOTS)
            .map(|i| 0.9 * (i as f64) / (3 * PHI_SLOTS) as f64)
            .collect();
        for eps in [-0.2071, 0.0, 1.5, -0.2071] {
            for _ in 0..2 {
                for &z in zs.iter().chain(zs.iter().rev().step_by(7)) {
                    let (p0, w0) = phi(eps, z);
                    let (p1, w1) = memo.get(eps, z);
                    assert_eq!(
                        (p0.to_bits(), w0.to_bits()),
                        (p1.to_bits(), w1.to_bits()),
                        "{eps} {z}"
                    );
                }
            }
        }
        // a CLV path: 12 monthly horizons for ages T, customers of the same age sharing z
        let (a, r, alpha) = (0.79, 0.24, 4.41);
        for x in [0.0, 1.0, 2.0, 7.0] {
            for t in [27.0, 31.5, 38.86] {
                let zs: Vec<f64> = (1..=12)
                    .map(|i| {
                        let h = 4.345 * f64::from(i);
                        h / (alpha + t + h)
                    })
                    .collect();
                let (mut with, mut without) = (Vec::new(), Vec::new());
                given_alive_many(a, 2.43 + x, r + x, &zs, &mut with);
                given_alive_many_memo(a, 2.43 + x, r + x, &zs, &mut without, None);
                assert_eq!(
                    with.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    without.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn lockstep_agrees_with_one_at_a_time() {
        // 1 to 40 horizons (partial and whole sets of lanes), z beyond 0.9 mixed in; 1e-14
        // relative (extra terms below 1e-17 of each lane's sum)
        for (a, bp, big_r) in [
            (0.79, 4.43, 2.24),
            (1.0, 2.4, 0.24),
            (0.3, 0.7, 20.0),
            (3.0, 50.0, 7.5),
        ] {
            for n in 1..=40 {
                let zs: Vec<f64> = (1..=n)
                    .map(|i| 0.97 * f64::from(i) / f64::from(n))
                    .collect();
                let mut out = Vec::new();
                given_alive_many(a, bp, big_r, &zs, &mut out);
                for (&z, &v) in zs.iter().zip(&out) {
                    let one = given_alive(a, bp, big_r, z);
                    assert!(
                        (v - one).abs() <= 1e-14 * one.abs(),
                        "{a} {bp} {big_r} {z}: {v} vs {one}"
                    );
                }
            }
        }
    }

    /// The one-pass lockstep run that [`lockstep`] replaced (all lanes per term, the top
    /// lane indexed at run time): the reference its values must equal bit for bit.
    fn one_pass<const L: usize>(
        a: f64,
        bp: f64,
        big_r: f64,
        index: &[usize],
        z: &[f64; L],
        out: &mut [f64],
    ) {
        let (eps, c) = (a - 1.0, a + bp - 1.0);
        let bb = c - big_r;
        let z_top = z.iter().copied().fold(0.0, f64::max);
        let top = z.iter().position(|&v| v == z_top).unwrap_or(0);
        let tail = 1.0 / (1.0 - z_top);
        let mut term = z.map(|v| bb * v);
        let mut sum = term;
        let mut abs = term.map(f64::abs);
        let mut finished = term[top] == 0.0;
        let mut k = 1.0;
        while !finished && k < 1e6 {
            let ratio = (eps + k) * (bb + k) / ((c + k) * (k + 1.0));
            for j in 0..L {
                term[j] *= ratio * z[j];
                sum[j] += term[j];
                abs[j] += term[j].abs();
            }
            let t = term[top];
            if t == 0.0 || !abs[top].is_finite() {
                finished = t == 0.0;
                break;
            }
            finished = bb + k > 0.0
                && (ratio * z_top).abs() < 1.0
                && t.abs() * tail <= 1e-17 * sum[top].abs();
            k += 1.0;
        }
        for (j, &i) in index.iter().enumerate() {
            let zj = z[j];
            let v = if finished {
                let (phi, w) = phi(eps, zj);
                combine(c * phi, w, sum[j], abs[j])
            } else {
                None
            };
            out[i] = v.unwrap_or_else(|| given_alive(a, bp, big_r, zj));
        }
    }

    #[test]
    fn two_pass_lockstep_equals_one_pass_bit_for_bit() {
        // 1 to 16 lanes, the largest z anywhere among them, z up to 0.9 (over KEPT_RATIOS
        // terms: the ratios recomputed), series that stop at once (c = R) or never settle
        let params = [
            (0.79, 4.43, 2.24),
            (1.0, 2.4, 0.24),
            (0.3, 0.7, 20.0),
            (3.0, 50.0, 7.5),
            (0.8, 2.2, 2.0),
            (0.5, 3000.0, 4000.5),
            (1.0000001, 0.2, 30.0),
        ];
        for (a, bp, big_r) in params {
            for n in 1..=LANES {
                for top in [0, n / 2, n - 1] {
                    for z_max in [0.05, 0.55, 0.9] {
                        let mut z = [0.0; LANES];
                        for (j, v) in z.iter_mut().enumerate().take(n) {
                            *v = z_max * (j + 1) as f64 / (n + 1) as f64;
                        }
                        z[top] = z_max;
                        let index: Vec<usize> = (0..n).rev().collect();
                        let (mut new, mut old) = (vec![f64::NAN; n], vec![f64::NAN; n]);
                        lockstep(a, bp, big_r, &index, &z, &mut new, None);
                        one_pass(a, bp, big_r, &index, &z, &mut old);
                        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&new), bits(&old), "{a} {bp} {big_r} {n} {top} {z_max}");
                        // and with the memo, twice (cold, then warm)
                        let mut memo = PhiMemo::new();
                        for _ in 0..2 {
                            let mut remembered = vec![f64::NAN; n];
                            lockstep(a, bp, big_r, &index, &z, &mut remembered, Some(&mut memo));
                            assert_eq!(bits(&remembered), bits(&old));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_three_methods_agree_where_they_overlap() {
        // series (z ≤ 0.9) and connection (z > 0.9) against the quadrature: 1e-11 relative
        for (a, bp, big_r) in [(0.79, 4.43, 2.24), (2.5, 2.4, 0.24), (0.3, 10.7, 1.5)] {
            for z in [0.2, 0.6, 0.9, 0.95, 0.999] {
                let q = quadrature(a, bp, big_r, z);
                let closed = if z <= 0.9 {
                    series(a, bp, big_r, z)
                } else {
                    connection(a, bp, big_r, z)
                };
                let v = closed.unwrap();
                assert!(
                    (v / q - 1.0).abs() < 1e-11,
                    "{a} {bp} {big_r} {z}: {v} vs {q}"
                );
            }
        }
    }
}
