//! Linear algebra and link functions used by more than one domain: the Cholesky factorisation
//! of a symmetric positive definite matrix and its solve (the Newton steps and standard errors of
//! the logistic churn model, the correlated parameter draws of the CLV intervals), and the
//! logistic sigmoid.
//!
//! Matrices are dense, square and stored row-major in a slice of `k × k` values: entry (i, j)
//! is `a[i * k + j]`.

/// The logistic sigmoid σ(x) = 1 / (1 + e^−x), evaluated without overflow.
///
/// # Formula
///
/// For x ≥ 0, 1 / (1 + e^−x); for x < 0 the equal form e^x / (1 + e^x), so e^{|x|} is never
/// formed and the result underflows to 0 (x → −∞) or rounds to 1 (x → +∞) instead of giving NaN.
///
/// # Examples
///
/// ```
/// use crmkit::math::linalg::sigmoid;
/// assert_eq!(sigmoid(0.0), 0.5);
/// assert_eq!(sigmoid(-800.0), 0.0);
/// assert_eq!(sigmoid(800.0), 1.0);
/// // σ(−x) = 1 − σ(x)
/// assert!((sigmoid(-2.0) - (1.0 - sigmoid(2.0))).abs() < 1e-15);
/// ```
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// In-place Cholesky factorisation A = L·Lᵀ of the symmetric `k × k` row-major matrix `a`.
///
/// Only the lower triangle of `a` is read. On success `a` holds L: the lower triangle and
/// diagonal are the factor and the strict upper triangle is set to zero.
///
/// # Formula
///
/// Column by column (the Cholesky–Banachiewicz order), with d_j = a_jj − Σ_{m<j} l_jm²:
/// l_jj = √d_j and l_ij = (a_ij − Σ_{m<j} l_im·l_jm) / l_jj for i > j
/// (Golub & Van Loan, *Matrix Computations*, 4th ed., algorithm 4.2.1).
///
/// # Errors
///
/// `Err(j)`, the index of the first column whose pivot d_j is not a positive finite number or
/// is at most `rel_pivot` times the original diagonal entry a_jj. With `rel_pivot = 0` only a
/// matrix that is not positive definite (in floating point) fails; a small positive
/// `rel_pivot` (such as 1e-10) also flags a column that is numerically a combination of the
/// columns before it. What is left in `a` after an error is unspecified.
///
/// # Panics
///
/// If `a.len() < k * k` (a programming error, never user data).
///
/// # Examples
///
/// ```
/// use crmkit::math::linalg::cholesky;
/// let mut a = vec![4.0, 2.0, 2.0, 3.0];
/// assert_eq!(cholesky(&mut a, 2, 0.0), Ok(()));
/// assert_eq!(a, vec![2.0, 0.0, 1.0, 2f64.sqrt()]);
///
/// // Two equal columns: the second pivot is 0.
/// let mut singular = vec![1.0, 1.0, 1.0, 1.0];
/// assert_eq!(cholesky(&mut singular, 2, 1e-10), Err(1));
/// ```
pub fn cholesky(a: &mut [f64], k: usize, rel_pivot: f64) -> Result<(), usize> {
    assert!(
        a.len() >= k * k,
        "cholesky: matrix slice shorter than k * k"
    );
    for j in 0..k {
        let original = a[j * k + j];
        let mut d = original;
        for m in 0..j {
            d -= a[j * k + m] * a[j * k + m];
        }
        if !(d > 0.0 && d.is_finite() && d > rel_pivot * original) {
            return Err(j);
        }
        let d = d.sqrt();
        a[j * k + j] = d;
        for i in (j + 1)..k {
            let mut s = a[i * k + j];
            for m in 0..j {
                s -= a[i * k + m] * a[j * k + m];
            }
            a[i * k + j] = s / d;
        }
        for i in 0..j {
            a[i * k + j] = 0.0;
        }
    }
    Ok(())
}

/// Solves L·Lᵀ·x = b given the lower Cholesky factor `l` of a `k × k` matrix (as left by
/// [`cholesky`]): one forward substitution with L, then one back substitution with Lᵀ.
///
/// # Panics
///
/// If `l.len() < k * k` or `b.len() < k` (a programming error, never user data).
///
/// # Examples
///
/// ```
/// use crmkit::math::linalg::{cholesky, cholesky_solve};
/// // [[4, 2], [2, 3]] · [1, 1] = [6, 5]
/// let mut a = vec![4.0, 2.0, 2.0, 3.0];
/// assert_eq!(cholesky(&mut a, 2, 0.0), Ok(()));
/// let x = cholesky_solve(&a, 2, &[6.0, 5.0]);
/// assert!((x[0] - 1.0).abs() < 1e-15 && (x[1] - 1.0).abs() < 1e-15);
/// ```
pub fn cholesky_solve(l: &[f64], k: usize, b: &[f64]) -> Vec<f64> {
    assert!(
        l.len() >= k * k && b.len() >= k,
        "cholesky_solve: factor or right-hand side too short"
    );
    let mut x = b[..k].to_vec();
    for i in 0..k {
        let mut s = x[i];
        for m in 0..i {
            s -= l[i * k + m] * x[m];
        }
        x[i] = s / l[i * k + i];
    }
    for i in (0..k).rev() {
        let mut s = x[i];
        for m in (i + 1)..k {
            s -= l[m * k + i] * x[m];
        }
        x[i] = s / l[i * k + i];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn factor_of_a_known_matrix() {
        // A = L·Lᵀ with L = [[2, 0, 0], [6, 1, 0], [-8, 5, 3]] (Golub & Van Loan's style of
        // worked example; every entry exact in binary floating point).
        let mut a = vec![4.0, 12.0, -16.0, 12.0, 37.0, -43.0, -16.0, -43.0, 98.0];
        assert_eq!(cholesky(&mut a, 3, 0.0), Ok(()));
        assert_eq!(a, vec![2.0, 0.0, 0.0, 6.0, 1.0, 0.0, -8.0, 5.0, 3.0]);
        // A·[1, 2, 3] = [-20, -43, 192]
        let x = cholesky_solve(&a, 3, &[-20.0, -43.0, 192.0]);
        for (got, want) in x.iter().zip([1.0, 2.0, 3.0]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
    }

    #[test]
    fn flags_singular_indefinite_and_non_finite() {
        let mut s = vec![1.0, 1.0, 1.0, 1.0];
        assert_eq!(cholesky(&mut s, 2, 1e-10), Err(1));
        let mut neg = vec![-1.0];
        assert_eq!(cholesky(&mut neg, 1, 0.0), Err(0));
        let mut nan = vec![1.0, 0.0, 0.0, f64::NAN];
        assert_eq!(cholesky(&mut nan, 2, 0.0), Err(1));
        let mut inf = vec![f64::INFINITY];
        assert_eq!(cholesky(&mut inf, 1, 0.0), Err(0));
        // Nearly dependent: passes the bare positivity test, fails the relative pivot rule.
        let mut near = vec![1.0, 1.0, 1.0, 1.0 + 1e-12];
        assert!(cholesky(&mut near.clone(), 2, 0.0).is_ok());
        assert_eq!(cholesky(&mut near, 2, 1e-10), Err(1));
        // An empty matrix factors trivially.
        assert_eq!(cholesky(&mut [], 0, 0.0), Ok(()));
    }

    #[test]
    fn sigmoid_is_stable_and_symmetric() {
        assert_eq!(sigmoid(-800.0), 0.0);
        assert_eq!(sigmoid(800.0), 1.0);
        assert_eq!(sigmoid(0.0), 0.5);
        // σ(1) = 1 / (1 + e^-1) = 0.7310585786300049 (mpmath, 30 digits, rounded to f64).
        assert!((sigmoid(1.0) - 0.731_058_578_630_004_9).abs() < 1e-16);
        assert!(sigmoid(f64::NAN).is_nan());
    }

    proptest! {
        /// For A = M·Mᵀ + I (symmetric positive definite), the factor reproduces A and the solve
        /// recovers x from A·x.
        #[test]
        fn factor_and_solve_invert_spd_matrices(
            k in 1usize..6,
            entries in proptest::collection::vec(-3.0f64..3.0, 36),
            x in proptest::collection::vec(-10.0f64..10.0, 6),
        ) {
            let m = |i: usize, j: usize| entries[i * 6 + j];
            let mut a = vec![0.0; k * k];
            for i in 0..k {
                for j in 0..k {
                    let dot: f64 = (0..k).map(|t| m(i, t) * m(j, t)).sum();
                    a[i * k + j] = dot + if i == j { 1.0 } else { 0.0 };
                }
            }
            let original = a.clone();
            let b: Vec<f64> = (0..k)
                .map(|i| (0..k).map(|j| original[i * k + j] * x[j]).sum())
                .collect();
            prop_assert!(cholesky(&mut a, k, 0.0).is_ok());
            for i in 0..k {
                for j in 0..k {
                    let llt: f64 = (0..k).map(|t| a[i * k + t] * a[j * k + t]).sum();
                    prop_assert!((llt - original[i * k + j]).abs() < 1e-9 * (1.0 + original[i * k + j].abs()));
                }
            }
            let solved = cholesky_solve(&a, k, &b);
            for i in 0..k {
                prop_assert!((solved[i] - x[i]).abs() < 1e-6 * (1.0 + x[i].abs()), "{} vs {}", solved[i], x[i]);
            }
        }
    }
}
