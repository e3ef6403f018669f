//! Property tests (proptest) of the buy-till-you-die models: bounded probabilities, monotone
//! expectations, and fits that do not depend on row order or compression.
#![allow(clippy::unwrap_used)]

mod clv_common;

use clv_common::cdnow;
use crmkit::clv::{
    BgBbParams, BgNbd, BgNbdParams, BtydData, FitOptions, MbgNbd, MbgNbdParams, ParetoNbd,
    ParetoNbdParams, SbgParams, TransactionModel,
};
use proptest::prelude::*;

/// A customer: x repeat purchases, t_x ≤ T (t_x = 0 when x = 0).
fn customer() -> impl Strategy<Value = (f64, f64, f64)> {
    (0u32..3000, 0.0f64..1.0, 0.01f64..400.0).prop_map(|(x, frac, t)| {
        let x = f64::from(x);
        let t_x = if x == 0.0 { 0.0 } else { frac * t };
        (x, t_x, t)
    })
}

fn check_model(
    m: &dyn TransactionModel,
    (x, t_x, t): (f64, f64, f64),
    h1: f64,
    h2: f64,
) -> Result<(), TestCaseError> {
    let p = m.probability_alive_one(x, t_x, t).unwrap();
    prop_assert!((0.0..=1.0).contains(&p), "{}: P(alive) {p}", m.model_name());
    let (lo, hi) = if h1 <= h2 { (h1, h2) } else { (h2, h1) };
    let e1 = m.expected_purchases_one(lo, x, t_x, t).unwrap();
    let e2 = m.expected_purchases_one(hi, x, t_x, t).unwrap();
    prop_assert!(e1 >= 0.0 && e2.is_finite(), "{}: {e1} {e2}", m.model_name());
    prop_assert!(
        e2 >= e1 * (1.0 - 1e-9),
        "{}: E[Y({lo})] = {e1} > E[Y({hi})] = {e2}",
        m.model_name()
    );
    let n1 = m.expected_purchases_new_customer(lo).unwrap();
    let n2 = m.expected_purchases_new_customer(hi).unwrap();
    prop_assert!(
        n1 >= 0.0 && n2 >= n1 * (1.0 - 1e-9),
        "{}: new {n1} {n2}",
        m.model_name()
    );
    Ok(())
}

proptest! {
    #[test]
    fn bgnbd_bounded_and_monotone(
        r in 0.05f64..5.0, alpha in 0.1f64..100.0, a in 0.05f64..5.0, b in 0.05f64..10.0,
        c in customer(), h1 in 0.0f64..2000.0, h2 in 0.0f64..2000.0,
    ) {
        check_model(&BgNbdParams { r, alpha, a, b }, c, h1, h2)?;
    }

    #[test]
    fn mbgnbd_bounded_and_monotone(
        r in 0.05f64..5.0, alpha in 0.1f64..100.0, a in 0.05f64..5.0, b in 0.05f64..10.0,
        c in customer(), h1 in 0.0f64..2000.0, h2 in 0.0f64..2000.0,
    ) {
        check_model(&MbgNbdParams { r, alpha, a, b }, c, h1, h2)?;
    }

    #[test]
    fn paretonbd_bounded_and_monotone(
        r in 0.05f64..5.0, alpha in 0.1f64..100.0, s in 0.05f64..5.0, beta in 0.1f64..100.0,
        c in customer(), h1 in 0.0f64..2000.0, h2 in 0.0f64..2000.0,
    ) {
        check_model(&ParetoNbdParams { r, alpha, s, beta }, c, h1, h2)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn dert_is_finite_positive_and_falls_with_discounting(
        r in 0.05f64..5.0, alpha in 0.1f64..100.0, a in 0.2f64..5.0, b in 0.2f64..10.0,
        c in customer(), annual in 0.02f64..0.5,
    ) {
        let m = BgNbdParams { r, alpha, a, b };
        let (x, t_x, t) = c;
        let low = m.discounted_expected_transactions_one(annual.ln_1p() / 52.0, x, t_x, t).unwrap();
        let high = m.discounted_expected_transactions_one((2.0 * annual).ln_1p() / 52.0, x, t_x, t).unwrap();
        prop_assert!(low.is_finite() && high >= 0.0 && high <= low * (1.0 + 1e-9), "{low} {high}");
    }

    #[test]
    fn bgbb_bounded_and_monotone(
        alpha in 0.05f64..5.0, beta in 0.05f64..5.0, gamma in 0.05f64..5.0, delta in 0.05f64..5.0,
        n in 0u32..60, x_frac in 0.0f64..1.0, t_frac in 0.0f64..1.0, m1 in 0u32..50, m2 in 0u32..50,
    ) {
        use crmkit::clv::BgBbParams;
        let m = BgBbParams { alpha, beta, gamma, delta };
        let n = f64::from(n);
        let t_x = (t_frac * n).floor();
        let x = if t_x == 0.0 { 0.0 } else { (x_frac * t_x).floor().max(1.0) };
        let (lo, hi) = (m1.min(m2), m1.max(m2));
        let p = m.probability_alive_one(lo, x, t_x, n).unwrap();
        prop_assert!((0.0..=1.0).contains(&p), "P(alive) {p}");
        let e1 = m.expected_purchases_one(lo, x, t_x, n).unwrap();
        let e2 = m.expected_purchases_one(hi, x, t_x, n).unwrap();
        prop_assert!(e1 >= 0.0 && e2 >= e1 * (1.0 - 1e-9) && e2 <= f64::from(hi) + 1e-9, "{e1} {e2}");
    }
}

/// A customer almost surely gone (1,813 purchases in 121 weeks, none in the last 61) expects
/// about 1e-313 purchases, below the smallest normal number, where no sum holds 11 digits: the
/// DERT quadrature settles there on absolute agreement instead of reporting "did not settle"
/// (a case proptest found; expected values: the two levels' estimates, which agree with
/// E[Y(∞)] ≈ 9.2e-314 as an upper bound).
#[test]
fn dert_settles_for_a_customer_almost_surely_gone() {
    let m = BgNbdParams {
        r: 1.411_158_462_189_288_8,
        alpha: 1.489_377_756_614_176_2,
        a: 4.179_778_530_359_096,
        b: 9.235_305_438_993_146,
    };
    let (x, t_x, t) = (1813.0, 120.751_130_887_468_5, 181.622_843_629_130_98);
    let ceiling = m.expected_purchases_one(1e6, x, t_x, t).unwrap();
    assert!(ceiling > 0.0 && ceiling < f64::MIN_POSITIVE);
    let annual: f64 = 0.061_039_092_237_637_635;
    let low = m
        .discounted_expected_transactions_one(annual.ln_1p() / 52.0, x, t_x, t)
        .unwrap();
    let high = m
        .discounted_expected_transactions_one((2.0 * annual).ln_1p() / 52.0, x, t_x, t)
        .unwrap();
    assert!(
        high > 0.0 && high <= low && low <= ceiling,
        "{low} {high} {ceiling}"
    );
}

/// Fisher–Yates shuffle of 0..n driven by a 64-bit LCG (Knuth's MMIX constants).
fn permutation(n: usize, mut seed: u64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = usize::try_from((seed >> 33) % (i as u64 + 1)).unwrap();
        idx.swap(i, j);
    }
    idx
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn fit_does_not_depend_on_row_order_or_compression(seed in any::<u64>()) {
        let c = cdnow();
        let baseline = BgNbd::fit(&BtydData::new(&c.x, &c.t_x, &c.t).unwrap(), &FitOptions::default()).unwrap();
        let order = permutation(c.x.len(), seed);
        let pick = |v: &[f64]| order.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let data = BtydData::new(&pick(&c.x), &pick(&c.t_x), &pick(&c.t)).unwrap();
        // The same data, compressed or not, in another order: the same maximum (1e-6 absolute on
        // a log-likelihood of about −9582, i.e. the optimiser's precision, not a model difference).
        for compress in [true, false] {
            let opts = FitOptions { compress, ..FitOptions::default() };
            let fit = BgNbd::fit(&data, &opts).unwrap();
            prop_assert!((fit.log_likelihood - baseline.log_likelihood).abs() < 1e-6,
                "{} vs {}", fit.log_likelihood, baseline.log_likelihood);
            prop_assert!((fit.params.r / baseline.params.r - 1.0).abs() < 1e-5);
        }
        // The log-likelihood at fixed parameters is exactly a sum over rows: equal up to rounding.
        let m = ParetoNbdParams { r: 0.55, alpha: 10.6, s: 0.61, beta: 11.7 };
        let a = m.log_likelihood(&data).unwrap();
        let b = m.log_likelihood(&data.compress()).unwrap();
        prop_assert!((a - b).abs() < 1e-8, "{a} vs {b}");
    }
}

#[test]
fn paretonbd_fit_ignores_compression() {
    let c = cdnow();
    let data = BtydData::new(&c.x, &c.t_x, &c.t).unwrap();
    let packed = ParetoNbd::fit(&data, &FitOptions::default()).unwrap();
    let raw = ParetoNbd::fit(
        &data,
        &FitOptions {
            compress: false,
            ..FitOptions::default()
        },
    )
    .unwrap();
    assert!((packed.log_likelihood - raw.log_likelihood).abs() < 1e-6);
}

#[test]
fn fitted_log_likelihood_is_that_of_the_fitted_parameters() {
    // The fits take the log-likelihood from the optimiser's last value on the fitting scale
    // (times divided by max T) instead of a last pass over the rows: both agree to rounding
    // (1e-9 relative on about −9,600), with and without a penalty.
    let c = cdnow();
    let data = BtydData::new(&c.x, &c.t_x, &c.t).unwrap();
    for penalty in [0.0, 0.05] {
        let opts = FitOptions {
            penalty,
            ..FitOptions::default()
        };
        let close = |name: &str, fitted: f64, direct: f64| {
            assert!(
                (fitted / direct - 1.0).abs() < 1e-9,
                "{name} penalty {penalty}: {fitted} vs {direct}"
            );
        };
        let bg = BgNbd::fit(&data, &opts).unwrap();
        close(
            "BG/NBD",
            bg.log_likelihood,
            bg.params.log_likelihood(&data).unwrap(),
        );
        let mbg = MbgNbd::fit(&data, &opts).unwrap();
        close(
            "MBG/NBD",
            mbg.log_likelihood,
            mbg.params.log_likelihood(&data).unwrap(),
        );
        let pn = ParetoNbd::fit(&data, &opts).unwrap();
        close(
            "Pareto/NBD",
            pn.log_likelihood,
            pn.params.log_likelihood(&data).unwrap(),
        );
    }
}

/// A parameter log-uniform in [1e-3, 1e3], the domain the accuracy tests cover.
fn param() -> impl Strategy<Value = f64> {
    (-3.0f64..3.0).prop_map(|e| 10f64.powf(e))
}

/// Relative slack for monotonicity: the values are computed independently, each to ~1e-12.
const SLACK: f64 = 1e-11;

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Over the whole parameter domain (not only CDNOW's corner): P(alive) in [0, 1] and
    /// nondecreasing in t_x (a later last purchase is better news), expectations finite, ≥ 0
    /// and nondecreasing in the horizon, for BG/NBD and MBG/NBD.
    #[test]
    fn bg_family_in_range_and_monotone_on_the_whole_domain(
        r in param(), alpha in param(), a in param(), b in param(),
        x in 0u32..10_000, frac in 0.0f64..1.0, t in 0.01f64..1e4,
        h1 in 0.0f64..1e4, h2 in 0.0f64..1e4,
    ) {
        let x = f64::from(x);
        let (t_x, t_x2) = if x == 0.0 { (0.0, 0.0) } else { (frac * t, t) };
        let bg = BgNbdParams { r, alpha, a, b };
        let mbg = MbgNbdParams { r, alpha, a, b };
        let (lo, hi) = if h1 <= h2 { (h1, h2) } else { (h2, h1) };
        for m in [&bg as &dyn TransactionModel, &mbg] {
            let p = m.probability_alive_one(x, t_x, t).unwrap();
            let p2 = m.probability_alive_one(x, t_x2, t).unwrap();
            prop_assert!((0.0..=1.0).contains(&p) && (0.0..=1.0).contains(&p2));
            prop_assert!(p2 >= p * (1.0 - SLACK), "{}: {p} then {p2}", m.model_name());
            let e1 = m.expected_purchases_one(lo, x, t_x, t).unwrap();
            let e2 = m.expected_purchases_one(hi, x, t_x, t).unwrap();
            prop_assert!(e1 >= 0.0 && e2.is_finite() && e2 >= e1 * (1.0 - SLACK), "{}: {e1} {e2}", m.model_name());
            let n1 = m.expected_purchases_new_customer(lo).unwrap();
            let n2 = m.expected_purchases_new_customer(hi).unwrap();
            prop_assert!(n1 >= 0.0 && n2.is_finite() && n2 >= n1 * (1.0 - SLACK), "{}: {n1} {n2}", m.model_name());
        }
    }

    /// sBG: survival in [0, 1] and nonincreasing, for β up to 1e16 (where the textbook
    /// log-gamma form gave S(t) > 1).
    #[test]
    fn sbg_survival_in_range_and_nonincreasing(
        alpha in param(), beta_exp in -3.0f64..16.0, t in 1u32..100_000, step in 1u32..1000,
    ) {
        let m = SbgParams { alpha, beta: 10f64.powf(beta_exp) };
        let s1 = m.survival(t).unwrap();
        let s2 = m.survival(t + step).unwrap();
        prop_assert!((0.0..=1.0).contains(&s1) && (0.0..=1.0).contains(&s2));
        prop_assert!(s2 <= s1 * (1.0 + SLACK), "{s1} then {s2}");
        let c = m.churn_probability(t).unwrap();
        prop_assert!((0.0..=1.0).contains(&c));
    }

    /// BG/BB: P(alive at n + m) in [0, 1] and nonincreasing in m; expected transactions
    /// nondecreasing in m; also at γ = 1 exactly.
    #[test]
    fn bgbb_in_range_and_monotone(
        alpha in param(), beta in param(), gamma in param(), delta in param(), unit_gamma in any::<bool>(),
        n in 1u32..5000, xf in 0.0f64..1.0, tf in 0.0f64..1.0, m1 in 0u32..100_000, m2 in 0u32..100_000,
    ) {
        let gamma = if unit_gamma { 1.0 } else { gamma };
        let p = BgBbParams { alpha, beta, gamma, delta };
        let nf = f64::from(n);
        let x = (xf * nf).floor();
        let t_x = if x == 0.0 { 0.0 } else { x + (tf * (nf - x)).floor() };
        let (lo, hi) = if m1 <= m2 { (m1, m2) } else { (m2, m1) };
        let a1 = p.probability_alive_one(lo, x, t_x, nf).unwrap();
        let a2 = p.probability_alive_one(hi, x, t_x, nf).unwrap();
        prop_assert!((0.0..=1.0).contains(&a1) && (0.0..=1.0).contains(&a2));
        prop_assert!(a2 <= a1 * (1.0 + SLACK), "{a1} then {a2}");
        let e1 = p.expected_purchases_one(lo, x, t_x, nf).unwrap();
        let e2 = p.expected_purchases_one(hi, x, t_x, nf).unwrap();
        prop_assert!(e1 >= 0.0 && e2.is_finite() && e2 >= e1 * (1.0 - SLACK), "{e1} {e2}");
        prop_assert!(e2 <= f64::from(hi) * (1.0 + SLACK)); // at most one transaction per opportunity
    }
}

/// A deterministic sweep of the region where
/// `bg_family_in_range_and_monotone_on_the_whole_domain` once failed for MBG/NBD (r = α = 1,
/// a = 37.29…, x = 8944): with b′ = b + x + 1 near 9,000 the quadrature of E[Y(t) | alive]
/// normalised by ln B(a, b′) from three log-gammas near 7e4, which put the expectation 1.3e-11
/// above its limit c/(a − 1) at moderate horizons (z just above 0.9) while longer horizons
/// (connection formula) hit the limit exactly: E[Y(10)] > E[Y(1000)]. Expected: monotone in
/// the horizon within `SLACK`, and never above the t → ∞ limit P(alive) · c/(a − 1) (c = a +
/// b′ − 1, Fader, Hardie & Lee 2005 eq. 10 as z → 1) by more than 1e-12 relative.
#[test]
fn bg_family_expectation_monotone_and_below_its_limit_for_large_x() {
    for a in [37.29, 10.0, 100.0] {
        for bi in 0..=24 {
            let b = 10f64.powf(-3.0 + 0.25 * f64::from(bi));
            for ti in 0..=12 {
                let t = 10f64.powf(-2.0 + 0.5 * f64::from(ti));
                for (x, frac) in [(8944.0, 0.0), (8944.0, 0.5), (8944.0, 0.999), (2000.0, 0.9)] {
                    let t_x = frac * t;
                    let bg = BgNbdParams {
                        r: 1.0,
                        alpha: 1.0,
                        a,
                        b,
                    };
                    let mbg = MbgNbdParams {
                        r: 1.0,
                        alpha: 1.0,
                        a,
                        b,
                    };
                    for (m, extra) in [(&bg as &dyn TransactionModel, 0.0), (&mbg, 1.0)] {
                        let c = a + b + x + extra - 1.0;
                        let limit = m.probability_alive_one(x, t_x, t).unwrap() * c / (a - 1.0);
                        let e: Vec<f64> = [1.0, 10.0, 1000.0, 1e4]
                            .iter()
                            .map(|&h| m.expected_purchases_one(h, x, t_x, t).unwrap())
                            .collect();
                        for w in e.windows(2) {
                            assert!(
                                w[1] >= w[0] * (1.0 - SLACK),
                                "{} a {a} b {b} t {t} x {x} t_x {t_x}: {e:?}",
                                m.model_name()
                            );
                        }
                        assert!(
                            e[3] <= limit * (1.0 + 1e-12),
                            "{} a {a} b {b} t {t} x {x} t_x {t_x}: {e:?} vs {limit}",
                            m.model_name()
                        );
                    }
                }
            }
        }
    }
}
