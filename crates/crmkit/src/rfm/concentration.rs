//! How concentrated revenue is: the share of the total held by the top customers
//! (the 80/20 check) and the Gini coefficient of spend.
//!
//! Every function takes one non-negative spend value per customer (normally `monetary`) and
//! validates it the same way: the input must not be empty, every value must be finite and
//! `>= 0` (NaN, infinities and negative values are errors naming the row), and the total must
//! be positive and finite (shares of a zero total are undefined). Results do not depend on
//! the order of the customers.
//!
//! # Examples
//!
//! ```
//! use crmkit::rfm::concentration::concentration;
//!
//! // Ten customers, one of whom brings 91 of the 100 units of revenue.
//! let spend = [91.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
//! let c = concentration(&spend, 0.2)?;
//! assert_eq!(c.top_customers, 2);
//! assert!((c.top_share - 0.92).abs() < 1e-12);
//! assert!((c.gini - 0.81).abs() < 1e-12);
//! # Ok::<(), crmkit::CrmkitError>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::{CrmkitError, Result};

/// The field named in errors about the spend values.
const FIELD: &str = "monetary";

/// A product `p·n` within this relative distance of an integer counts as that integer, so
/// that decimal fractions typed by users (0.07 · 100 = 7.000000000000001 in binary floating
/// point) do not round up to one customer too many.
const CEIL_TOLERANCE: f64 = 1e-12;

/// Revenue concentration of a population of customers.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::concentration::{concentration, Concentration};
///
/// let c = concentration(&[0.0, 0.0, 0.0, 1.0], 0.25)?;
/// assert_eq!(
///     c,
///     Concentration {
///         customers: 4,
///         total: 1.0,
///         top_fraction: 0.25,
///         top_customers: 1,
///         top_share: 1.0,
///         gini: 0.75,
///     }
/// );
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Concentration {
    /// Number of customers n.
    pub customers: usize,
    /// Total spend Σx.
    pub total: f64,
    /// The fraction p of customers counted as "top", as passed in.
    pub top_fraction: f64,
    /// The number of top customers, ceil(p·n) (see [`top_share`] for the rounding).
    pub top_customers: usize,
    /// The share of the total held by the top customers, in (0, 1].
    pub top_share: f64,
    /// The Gini coefficient of spend, in [0, (n−1)/n] (see [`gini`]).
    pub gini: f64,
}

/// Share of the total held by the top `ceil(top_fraction · n)` customers.
///
/// # Formula
///
/// With the values sorted descending, x₍₁₎ ≥ x₍₂₎ ≥ … ≥ x₍ₙ₎, and m = ceil(p·n):
///
/// top_share = (x₍₁₎ + … + x₍ₘ₎) / (x₍₁₎ + … + x₍ₙ₎)
///
/// Rounding of m: p·n is rounded **up** to a whole number of customers (the top 20 % of
/// 11 customers are 3), except that a product within a relative 1e-12 of an integer counts as
/// that integer (so the top 7 % of 100 customers are 7, although 0.07 · 100 evaluates to
/// 7.000000000000001); m is at least 1 and at most n. Ties at the boundary do not matter:
/// equal values contribute equally. Both sums run over the same descending order, so the share
/// is exactly 1 for p = 1 and never decreases as p grows.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::concentration::top_share;
///
/// // The top 20 % of five customers is the single biggest one: 50 of 100.
/// let share = top_share(&[10.0, 50.0, 20.0, 5.0, 15.0], 0.2)?;
/// assert!((share - 0.5).abs() < 1e-12);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// - [`CrmkitError::InvalidConfig`] (field `top_fraction`) when `top_fraction` is not in (0, 1];
/// - [`CrmkitError::EmptyInput`] (field `monetary`) when `values` is empty;
/// - [`CrmkitError::InvalidValue`] (field `monetary`, with row and value) for the first NaN,
///   infinite or negative value;
/// - [`CrmkitError::Numerical`] when the total is 0 or overflows.
pub fn top_share(values: &[f64], top_fraction: f64) -> Result<f64> {
    concentration(values, top_fraction).map(|c| c.top_share)
}

/// The Gini coefficient of spend: 0 when every customer spends the same, (n−1)/n when one
/// customer holds everything.
///
/// # Formula
///
/// With the values sorted ascending, x₍₁₎ ≤ … ≤ x₍ₙ₎, i = 1..n:
///
/// G = Σᵢ (2i − n − 1) · x₍ᵢ₎ / (n · Σᵢ xᵢ)
///
/// The sum is evaluated by pairing the i-th smallest with the i-th largest value,
/// Σᵢ₌₁..⌊n/2⌋ (n + 1 − 2i) · (x₍ₙ₊₁₋ᵢ₎ − x₍ᵢ₎), a sum of non-negative terms, so rounding never
/// makes G negative and equal values give exactly 0. This is the sample ("empirical") Gini
/// without the n/(n − 1) bias correction; a single customer gives 0.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::concentration::gini;
///
/// assert_eq!(gini(&[1.0, 1.0, 1.0, 1.0])?, 0.0);
/// assert_eq!(gini(&[0.0, 0.0, 0.0, 1.0])?, 0.75);
/// assert!((gini(&[1.0, 2.0, 3.0, 4.0])? - 0.25).abs() < 1e-15);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// - [`CrmkitError::EmptyInput`] (field `monetary`) when `values` is empty;
/// - [`CrmkitError::InvalidValue`] (field `monetary`, with row and value) for the first NaN,
///   infinite or negative value;
/// - [`CrmkitError::Numerical`] when the total is 0 (a total beyond `f64::MAX` is handled by
///   scaling: G is scale invariant).
pub fn gini(values: &[f64]) -> Result<f64> {
    let descending = sorted_descending(values)?;
    if descending[0] == 0.0 {
        // Every value is 0: the same error as the other measures of concentration.
        checked_total(&descending)?;
    }
    let total: f64 = descending.iter().sum();
    Ok(gini_of_sorted(&descending, total))
}

/// Total, top share and Gini coefficient of spend in one pass over one sort.
///
/// `top_share` and `gini` are exactly those of [`top_share()`] and [`gini()`].
///
/// # Formula
///
/// total = Σ xᵢ; top_customers = ceil(p·n) and top_share as in [`top_share()`]; gini as in
/// [`gini()`].
///
/// # Examples
///
/// ```
/// use crmkit::rfm::concentration::concentration;
///
/// let c = concentration(&[4.0, 1.0, 3.0, 2.0], 0.5)?;
/// assert_eq!((c.customers, c.total, c.top_customers), (4, 10.0, 2));
/// assert!((c.top_share - 0.7).abs() < 1e-12);
/// assert!((c.gini - 0.25).abs() < 1e-12);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// As [`top_share()`].
pub fn concentration(values: &[f64], top_fraction: f64) -> Result<Concentration> {
    check_top_fraction(top_fraction)?;
    let descending = sorted_descending(values)?;
    let total = checked_total(&descending)?;
    let n = descending.len();
    let top_customers = top_count(top_fraction, n);
    let top: f64 = descending.iter().take(top_customers).sum();
    Ok(Concentration {
        customers: n,
        total,
        top_fraction,
        top_customers,
        top_share: top / total,
        gini: gini_of_sorted(&descending, total),
    })
}

fn check_top_fraction(top_fraction: f64) -> Result<()> {
    if top_fraction > 0.0 && top_fraction <= 1.0 {
        Ok(())
    } else {
        Err(CrmkitError::invalid_config(
            "top_fraction",
            top_fraction,
            "must be in (0, 1], e.g. 0.2 for the top 20 % of customers",
        ))
    }
}

/// m = ceil(p·n), snapped to a nearby integer, clamped to 1..=n (n ≥ 1, p in (0, 1]).
fn top_count(top_fraction: f64, n: usize) -> usize {
    let product = top_fraction * n as f64;
    let nearest = product.round();
    let m = if (product - nearest).abs() <= CEIL_TOLERANCE * nearest.max(1.0) {
        nearest
    } else {
        product.ceil()
    };
    // `as` saturates for floats; the clamp keeps m in 1..=n.
    (m as usize).clamp(1, n)
}

/// Validates the values and returns them sorted descending.
fn sorted_descending(values: &[f64]) -> Result<Vec<f64>> {
    if values.is_empty() {
        return Err(CrmkitError::empty(FIELD));
    }
    if let Some((row, value)) = values
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite() || **v < 0.0)
    {
        return Err(CrmkitError::invalid_value(
            FIELD,
            row,
            value,
            "spend must be finite and >= 0",
        ));
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(|a, b| b.total_cmp(a));
    Ok(sorted)
}

/// The total of validated values, in the given order; an error unless positive and finite.
fn checked_total(values: &[f64]) -> Result<f64> {
    let total: f64 = values.iter().sum();
    if total > 0.0 && total.is_finite() {
        Ok(total)
    } else {
        Err(CrmkitError::Numerical {
            context: format!("concentration of `{FIELD}`"),
            reason: if total == 0.0 {
                "the total is 0 (every value is 0): shares of the total are undefined".to_owned()
            } else {
                format!("the total overflows ({total})")
            },
        })
    }
}

/// Gini of values sorted descending with a positive total (see [`gini`]). When the total or
/// the weighted sum overflows `f64` (values near `f64::MAX`), the values are divided by the
/// largest first: G is scale invariant, so the result is the same, finite number.
fn gini_of_sorted(descending: &[f64], total: f64) -> f64 {
    let n = descending.len();
    let weighted = |scale: f64| -> f64 {
        let pairs = descending.iter().zip(descending.iter().rev()).take(n / 2);
        // Pair i (1-based) couples the i-th largest with the i-th smallest, weight n + 1 − 2i.
        pairs
            .enumerate()
            .map(|(i, (large, small))| (n - 1 - 2 * i) as f64 * (large / scale - small / scale))
            .sum()
    };
    let sum = weighted(1.0);
    if sum.is_finite() && total.is_finite() {
        return sum / total / n as f64;
    }
    let scale = descending[0];
    let scaled_total: f64 = descending.iter().map(|x| x / scale).sum();
    weighted(scale) / scaled_total / n as f64
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn gini_near_f64_max_is_finite_and_exact() {
        // Issue 12: concentration([0, 0, 8.98e307]) gave Gini inf. One holder of everything
        // among n = 3 has G = (n − 1)/n = 2/3 (definition above).
        let c = concentration(&[0.0, 0.0, 8.98e307], 0.2).unwrap();
        assert!((c.gini - 2.0 / 3.0).abs() < 1e-15, "{}", c.gini);
        assert!((gini(&[f64::MAX, f64::MAX, 0.0, 0.0]).unwrap() - 0.5).abs() < 1e-15);
        // The total itself overflows: gini still answers (scale invariance), concentration
        // refuses to report an infinite total.
        assert!(concentration(&[f64::MAX, f64::MAX], 0.5).is_err());
        assert_eq!(gini(&[f64::MAX, f64::MAX]).unwrap(), 0.0);
    }

    proptest! {
        #[test]
        fn gini_is_scale_invariant_up_to_f64_max(v in proptest::collection::vec(0.0f64..1.0, 1..50)) {
            prop_assume!(v.iter().any(|x| *x > 0.0));
            let g = gini(&v).unwrap();
            let big: Vec<f64> = v.iter().map(|x| x * 1.7e308).collect();
            let g_big = gini(&big).unwrap();
            prop_assert!(g_big.is_finite());
            prop_assert!((g - g_big).abs() < 1e-12, "{} vs {}", g, g_big);
        }
    }

    /// Gini from its definition as the relative mean absolute difference,
    /// G = Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄) — an independent O(n²) reference.
    fn gini_by_pairs(values: &[f64]) -> f64 {
        let n = values.len() as f64;
        let total: f64 = values.iter().sum();
        let pairs: f64 = values
            .iter()
            .flat_map(|a| values.iter().map(move |b| (a - b).abs()))
            .sum();
        pairs / (2.0 * n * total)
    }

    /// Expected values worked by hand from the formulas in the docs; exact in binary floating
    /// point (small integers and dyadic fractions), so compared exactly unless noted.
    #[test]
    fn hand_computed_values() {
        let c = concentration(&[0.0, 0.0, 0.0, 1.0], 0.25).unwrap();
        assert_eq!((c.gini, c.top_share, c.top_customers), (0.75, 1.0, 1));
        let c = concentration(&[1.0, 1.0, 1.0, 1.0], 0.5).unwrap();
        assert_eq!((c.gini, c.top_share, c.top_customers), (0.0, 0.5, 2));
        // [1, 2, 3, 4]: Σ (2i − 5)·xᵢ = −3 − 2 + 3 + 12 = 10, G = 10 / (4 · 10) = 0.25;
        // top 25 % = {4}: 4 / 10 (tolerance 1e-15: 0.4 is not dyadic).
        let c = concentration(&[3.0, 1.0, 4.0, 2.0], 0.25).unwrap();
        assert_eq!(c.gini, 0.25);
        assert!((c.top_share - 0.4).abs() < 1e-15);
        assert_eq!((c.customers, c.total), (4, 10.0));
        // One customer: no inequality, holds everything.
        let c = concentration(&[7.5], 0.2).unwrap();
        assert_eq!((c.gini, c.top_share, c.top_customers), (0.0, 1.0, 1));
        // One of n holding everything: (n − 1) / n.
        let mut spend = vec![0.0; 9];
        spend.push(3.0);
        assert!((gini(&spend).unwrap() - 0.9).abs() < 1e-15);
    }

    #[test]
    fn functions_agree_with_concentration() {
        let spend = [12.0, 0.5, 300.0, 7.25, 7.25, 41.0, 0.0];
        let c = concentration(&spend, 0.3).unwrap();
        assert_eq!(c.top_share, top_share(&spend, 0.3).unwrap());
        assert_eq!(c.gini, gini(&spend).unwrap());
        assert!((c.gini - gini_by_pairs(&spend)).abs() < 1e-12);
        // ceil(0.3 · 7) = ceil(2.1) = 3: 300 + 41 + 12 of 368.
        assert_eq!(c.top_customers, 3);
        assert!((c.top_share - 353.0 / 368.0).abs() < 1e-15);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Concentration>(&json).unwrap(), c);
    }

    /// Expected: ceil(p·n) by hand, with decimal fractions read as the decimals users typed.
    #[test]
    fn top_count_rounding() {
        assert_eq!(top_count(0.2, 11), 3); // 2.2 → 3
        assert_eq!(top_count(0.2, 10), 2);
        assert_eq!(top_count(0.07, 100), 7); // 0.07 · 100 = 7.000000000000001 in f64
        assert_eq!(top_count(0.29, 100), 29); // 28.999999999999996 in f64
        assert_eq!(top_count(0.7, 10), 7);
        assert_eq!(top_count(0.1, 30), 3);
        assert_eq!(top_count(0.8, 1_000_003), 800_003); // 800002.4 → 800003
        assert_eq!(top_count(1e-9, 10), 1); // at least one customer
        assert_eq!(top_count(f64::MIN_POSITIVE, 5), 1);
        assert_eq!(top_count(1.0, 5), 5);
    }

    #[test]
    fn invalid_input_is_reported() {
        assert_eq!(gini(&[]).unwrap_err(), CrmkitError::empty("monetary"));
        assert_eq!(
            concentration(&[], 0.2).unwrap_err(),
            CrmkitError::empty("monetary")
        );
        for (values, row) in [
            (vec![1.0, 2.0, f64::NAN], 2),
            (vec![f64::INFINITY, 1.0], 0),
            (vec![1.0, -0.5, 2.0], 1),
            (vec![1.0, f64::NEG_INFINITY], 1),
        ] {
            for err in [
                gini(&values).unwrap_err(),
                top_share(&values, 0.5).unwrap_err(),
            ] {
                match err {
                    CrmkitError::InvalidValue {
                        field,
                        row: got,
                        value,
                        ..
                    } => {
                        assert_eq!((field.as_str(), got), ("monetary", row));
                        assert_eq!(value, values[row].to_string());
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
        assert!(matches!(
            gini(&[0.0, 0.0]).unwrap_err(),
            CrmkitError::Numerical { .. }
        ));
        // An overflowing total is scaled (issue 12), not an error.
        assert_eq!(gini(&[f64::MAX, f64::MAX]).unwrap(), 0.0);
        for p in [0.0, -0.2, 1.0 + 1e-12, 20.0, f64::NAN, f64::INFINITY] {
            let err = top_share(&[1.0, 2.0], p).unwrap_err();
            assert_eq!(err.field(), Some("top_fraction"), "{p}");
            assert!(matches!(err, CrmkitError::InvalidConfig { .. }));
        }
    }

    fn spend() -> impl Strategy<Value = Vec<f64>> {
        prop::collection::vec(prop_oneof![Just(0.0), 0.0..1e6_f64, 0.0..10.0_f64], 1..150)
            .prop_filter("positive total", |v| v.iter().sum::<f64>() > 0.0)
    }

    proptest! {
        #[test]
        fn gini_in_range_and_matches_definition(values in spend()) {
            let g = gini(&values).unwrap();
            let n = values.len() as f64;
            prop_assert!((0.0..1.0).contains(&g), "{}", g);
            prop_assert!(g <= (n - 1.0) / n + 1e-12, "{}", g);
            // Reference: mean-absolute-difference form; tolerance for rounding only.
            prop_assert!((g - gini_by_pairs(&values)).abs() < 1e-9);
        }

        /// Multiplying every value by c > 0 changes neither share; tolerance 1e-12 (the scaled
        /// sums round differently).
        #[test]
        fn scale_invariant(values in spend(), scale in 1e-3..1e3_f64, p in 0.01..=1.0_f64) {
            let scaled: Vec<f64> = values.iter().map(|v| v * scale).collect();
            let (a, b) = (concentration(&values, p).unwrap(), concentration(&scaled, p).unwrap());
            prop_assert!((a.gini - b.gini).abs() < 1e-12);
            prop_assert!((a.top_share - b.top_share).abs() < 1e-12);
        }

        /// Row order does not matter, exactly: the computation runs on the sorted values.
        #[test]
        fn permutation_invariant(
            (values, shuffled) in spend()
                .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
            p in 0.01..=1.0_f64,
        ) {
            let (a, b) = (concentration(&values, p), concentration(&shuffled, p));
            prop_assert_eq!(a.unwrap(), b.unwrap());
        }

        /// A larger top fraction never holds a smaller share; the whole population holds 1.
        #[test]
        fn top_share_monotone(values in spend(), p in 0.001..=1.0_f64, q in 0.001..=1.0_f64) {
            let (lo, hi) = (p.min(q), p.max(q));
            let (a, b) = (top_share(&values, lo).unwrap(), top_share(&values, hi).unwrap());
            prop_assert!(a <= b, "{} > {}", a, b);
            prop_assert!(a > 0.0, "the biggest customer has a positive share");
            prop_assert_eq!(top_share(&values, 1.0).unwrap(), 1.0);
        }
    }
}
