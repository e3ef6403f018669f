//! Bounded work: no CLV prediction's time or memory grows without bound with an argument that
//! has no natural bound (purchase count n, months, opportunity counts, periods). Each call
//! either returns within a generous wall-clock budget (debug build, shared machine) or fails
//! with a typed error naming the field.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use crmkit::CrmkitError;
use crmkit::clv::{
    BgBbParams, BgNbdParams, GammaGammaParams, MbgNbdParams, MonthlyDiscounting, ParetoNbdParams,
    SbgParams, TransactionModel,
};

/// Runs `f` and asserts it took less than `budget`.
fn quick<T>(what: &str, budget: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let v = f();
    let took = start.elapsed();
    assert!(took < budget, "{what} took {took:?}");
    v
}

const BUDGET: Duration = Duration::from_secs(2);

#[test]
fn probability_of_n_purchases_is_bounded_in_n() {
    let bg = BgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.793,
        b: 2.4261,
    };
    let mbg = MbgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.793,
        b: 2.4261,
    };
    for n in [1_000_000_000, u32::MAX] {
        // the NBD tail is a regularised incomplete beta function, not a sum over j < n
        let p = quick("BG/NBD P(X = n)", BUDGET, || {
            bg.probability_of_purchases(n, 39.0)
        })
        .unwrap();
        assert!((0.0..1e-300).contains(&p), "{p}");
        let p = quick("MBG/NBD P(X = n)", BUDGET, || {
            mbg.probability_of_purchases(n, 39.0)
        })
        .unwrap();
        assert!((0.0..1e-300).contains(&p), "{p}");
    }
    // Pareto/NBD's formula is a sum of n + 1 terms: refused beyond MAX_PURCHASES
    let pn = ParetoNbdParams {
        r: 0.5533,
        alpha: 10.5776,
        s: 0.6062,
        beta: 11.6679,
    };
    let err = quick("Pareto/NBD P(X = n)", BUDGET, || {
        pn.probability_of_purchases(u32::MAX, 39.0)
    })
    .unwrap_err();
    assert!(matches!(err, CrmkitError::InvalidConfig { .. }), "{err}");
    assert!(err.to_string().contains("n"), "{err}");
}

#[test]
fn monthly_clv_refuses_absurd_horizons() {
    let bg = BgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.793,
        b: 2.4261,
    };
    let gg = GammaGammaParams {
        p: 6.25,
        q: 3.74,
        gamma: 15.44,
    };
    let spend = gg.expected_spend(&[2.0], &[30.0]).unwrap();
    let err = quick("CLV, 4294967295 months", BUDGET, || {
        crmkit::clv::clv_monthly_steps(
            &bg,
            &spend,
            &[2.0],
            &[30.43],
            &[38.86],
            &MonthlyDiscounting::weekly(u32::MAX, 0.01),
        )
    })
    .unwrap_err();
    assert!(matches!(err, CrmkitError::InvalidConfig { .. }) && err.to_string().contains("months"));
    // the longest accepted horizon is computed
    let v = quick("CLV, 1200 months", BUDGET, || {
        crmkit::clv::clv_monthly_steps(
            &bg,
            &spend,
            &[2.0],
            &[30.43],
            &[38.86],
            &MonthlyDiscounting::weekly(MonthlyDiscounting::MAX_MONTHS, 0.01),
        )
    })
    .unwrap();
    assert!(v[0].is_finite() && v[0] > 0.0);
}

#[test]
fn bgbb_predictions_are_bounded_in_the_opportunity_counts() {
    let m = BgBbParams {
        alpha: 1.2035,
        beta: 0.7497,
        gamma: 0.6567,
        delta: 2.7834,
    };
    // future opportunities enter through closed forms
    let e = quick("BG/BB E[X(n, n + 2^32)]", BUDGET, || {
        m.expected_purchases_one(u32::MAX, 3.0, 5.0, 6.0)
    })
    .unwrap();
    assert!(e.is_finite() && e > 0.0);
    let e = quick("BG/BB E[X(2^32)]", BUDGET, || {
        m.expected_purchases_new_customer(u32::MAX)
    })
    .unwrap();
    assert!(e.is_finite() && e > 0.0);
    let p = quick("BG/BB P(alive at n + 2^32)", BUDGET, || {
        m.probability_alive_one(u32::MAX, 3.0, 5.0, 6.0)
    })
    .unwrap();
    assert!((0.0..=1.0).contains(&p));
    // past opportunities: a sum since the last transaction, refused beyond MAX_OPPORTUNITIES
    let err = quick("BG/BB with n = 1e7", BUDGET, || {
        m.probability_alive_one(0, 3.0, 5.0, 1e7)
    })
    .unwrap_err();
    assert!(
        matches!(err, CrmkitError::InvalidValue { .. }) && err.to_string().contains('n'),
        "{err}"
    );
    let err = quick("BG/BB P(X(n) = x), n = 2^32 − 1", BUDGET, || {
        m.probability_of_purchases(3, u32::MAX)
    })
    .unwrap_err();
    assert!(matches!(err, CrmkitError::InvalidValue { .. }), "{err}");
    // the largest accepted count returns in time
    let p = quick("BG/BB with n = 1e6", BUDGET, || {
        m.probability_alive_one(0, 3.0, 5.0, 1e6)
    })
    .unwrap();
    assert!((0.0..=1.0).contains(&p));
}

#[test]
fn sbg_predictions_are_bounded_in_the_period() {
    let m = SbgParams {
        alpha: 0.704,
        beta: 1.182,
    };
    let s = quick("sBG S(2^32 − 1)", BUDGET, || m.survival(u32::MAX)).unwrap();
    let c = quick("sBG P(T = 2^32 − 1)", BUDGET, || {
        m.churn_probability(u32::MAX)
    })
    .unwrap();
    assert!((0.0..=1.0).contains(&s) && (0.0..=1.0).contains(&c));
    let d = quick("sBG DERL, 2^32 − 1 renewals", BUDGET, || {
        m.discounted_expected_residual_lifetime(0.1, u32::MAX)
    })
    .unwrap();
    assert!(d.is_finite() && d > 0.0);
}

#[test]
fn expectations_at_huge_horizons_and_counts_return_quickly() {
    let bg = BgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.793,
        b: 2.4261,
    };
    let e = quick("BG/NBD E[Y(1e300)]", BUDGET, || {
        bg.expected_purchases_one(1e300, 5.0, 20.0, 38.0)
    });
    // either a finite value or a typed error, never a hang or NaN
    if let Ok(v) = e {
        assert!(v.is_finite() && v > 0.0);
    }
    let p = quick("BG/NBD P(alive), x = 1.79e308", BUDGET, || {
        bg.probability_alive_one(1.79e308, 30.0, 38.0)
    })
    .unwrap();
    assert_eq!(p, 0.0);
    let p = bg.probability_alive_one(1.79e308, 38.0, 38.0).unwrap();
    assert_eq!(p, 1.0);
}
