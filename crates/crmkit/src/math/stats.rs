//! Statistics used by more than one domain: the standard normal distribution (intervals of
//! feedback scores and of CLV predictions) and the median (quadrant splits, robust outlier
//! rules).

use crate::{CrmkitError, Result};

/// Standard normal cumulative distribution function Φ(x).
///
/// # Formula
///
/// Φ(x) = erfc(−x / √2) / 2, evaluated with `libm::erfc`, which keeps full relative precision
/// in the lower tail.
///
/// # Examples
///
/// ```
/// use crmkit::math::stats::normal_cdf;
/// assert!((normal_cdf(1.959963984540054) - 0.975).abs() < 1e-15);
/// assert_eq!(normal_cdf(0.0), 0.5);
/// ```
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Inverse of the standard normal CDF: the z with Φ(z) = `p`.
///
/// # Formula
///
/// Acklam's rational approximation (relative error below 1.15e-9), refined by one Halley step
/// on Φ(z) − p with Φ evaluated by `libm::erfc`; the result agrees with reference values to
/// about 1e-15. For p > 0.5 the symmetry z(p) = −z(1 − p) is used (1 − p is exact there), so
/// the refinement always works in the accurate lower tail.
///
/// # Errors
///
/// [`CrmkitError::InvalidConfig`] naming `p` unless 0 < p < 1.
///
/// # Examples
///
/// ```
/// use crmkit::math::stats::normal_quantile;
/// let z = normal_quantile(0.975)?;
/// assert!((z - 1.959963984540054).abs() < 1e-14);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn normal_quantile(p: f64) -> Result<f64> {
    if !(p > 0.0 && p < 1.0) {
        return Err(CrmkitError::invalid_config(
            "p",
            p,
            "a probability strictly between 0 and 1 is needed",
        ));
    }
    if p > 0.5 {
        return Ok(-lower_quantile(1.0 - p));
    }
    Ok(lower_quantile(p))
}

/// Quantile for 0 < p <= 0.5 (Acklam + one Halley step).
fn lower_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.024_25;

    let x = if p < P_LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley step: e = Φ(x) − p, u = e / φ(x), x ← x − u / (1 + x·u/2).
    let e = normal_cdf(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (0.5 * x * x).exp();
    let refined = x - u / (1.0 + 0.5 * x * u);
    // In the far tail (p near the smallest subnormal) 1/φ(x) overflows: keep Acklam's value.
    if refined.is_finite() { refined } else { x }
}

/// The median of a column.
///
/// # Formula
///
/// For odd n the middle value, for even n the mean of the two middle values.
///
/// # Errors
///
/// [`CrmkitError::EmptyInput`] naming `field` for no values; [`CrmkitError::InvalidValue`]
/// naming `field` and the row of the first NaN or infinite value.
///
/// # Examples
///
/// ```
/// use crmkit::math::stats::median;
/// assert_eq!(median("value", &[3.0, 1.0, 2.0])?, 2.0);
/// assert_eq!(median("value", &[4.0, 1.0, 2.0, 3.0])?, 2.5);
/// assert!(median("value", &[]).is_err());
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn median(field: &str, values: &[f64]) -> Result<f64> {
    if values.is_empty() {
        return Err(CrmkitError::empty(field));
    }
    crate::error::check_finite(field, values)?;
    Ok(median_in_place(&mut values.to_vec()))
}

/// The median of `values`, reordered in place (a selection, not a full sort; O(n)): the middle
/// value for an odd count, the mean of the two middle values for an even one, written so that it
/// cannot overflow for huge values of the same sign.
///
/// `values` must be non-empty and free of NaN (the caller checks; an empty slice panics like
/// slice indexing). [`median`] is the checked form.
///
/// # Examples
///
/// ```
/// use crmkit::math::stats::median_in_place;
/// assert_eq!(median_in_place(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
/// assert_eq!(median_in_place(&mut [f64::MAX, f64::MAX]), f64::MAX);
/// ```
pub fn median_in_place(values: &mut [f64]) -> f64 {
    let mid = values.len() / 2;
    let odd = values.len() % 2 == 1;
    let (lower, upper, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    let upper = *upper;
    if odd {
        upper
    } else {
        let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        below + (upper - below) / 2.0
    }
}
