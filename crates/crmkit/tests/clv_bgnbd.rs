//! BG/NBD acceptance tests on CDNOW (Fader, Hardie & Lee 2005) and the NUMERICS.md vectors.
#![allow(clippy::unwrap_used)]

mod clv_common;

use clv_common::{assert_abs, assert_rel, cdnow};
use crmkit::clv::{BgNbd, BgNbdParams, BtydData, FitOptions, TransactionModel};

/// Published parameters have 4 decimals: their rounding error is at most 5e-5 / 0.2426 = 2.1e-4
/// relative, so a 1e-3 relative tolerance tests the fit to about 3 significant digits while
/// allowing for the rounding of the published figure. Unlike the other models, the published
/// BG/NBD figures are not all our optimum rounded: we find α 4.41353, a 0.79289, b 2.42575 (the
/// paper's 4.4136, 0.7930, 2.4261 differ by 1–4 units of the last decimal). The likelihood is flat
/// along that direction: the published parameters' log-likelihood is only 5e-7 below ours
/// (−9582.4255611 vs −9582.4255606), so the paper's optimiser stopped slightly early and the
/// rounding check is not used here.
const PARAM_REL: f64 = 1e-3;

fn fitted() -> crmkit::clv::FittedBgNbd {
    let c = cdnow();
    let data = BtydData::new(&c.x, &c.t_x, &c.t).unwrap();
    BgNbd::fit(&data, &FitOptions::default()).unwrap()
}

#[test]
fn cdnow_fit_reproduces_fader_hardie_lee_2005() {
    // Source: Fader, Hardie & Lee (2005), CDNOW 2357 customers, weeks; data/README.md.
    let fit = fitted();
    eprintln!("BG/NBD CDNOW fit: {fit:?}");
    let p = fit.params;
    assert_rel("r", p.r, 0.2426, PARAM_REL);
    assert_rel("alpha", p.alpha, 4.4136, PARAM_REL);
    assert_rel("a", p.a, 0.7930, PARAM_REL);
    assert_rel("b", p.b, 2.4261, PARAM_REL);
    // Published LL −9582.43 (2 decimals): tolerance 0.01.
    assert_abs("log-likelihood", fit.log_likelihood, -9582.43, 0.01);
    assert!(fit.report.gradient_norm < 1e-6);
    assert_eq!(fit.n_customers, 2357.0);
    // Optimiser efficiency guard: 13 iterations / 14 evaluations when written (31 from the old
    // neutral start at r = α = a = b = 1 before the moment start; before the approximate-Wolfe
    // acceptance the line search spent 30 more at the noise floor of f).
    assert!(fit.report.function_evaluations <= 20, "{:?}", fit.report);
}

#[test]
fn cdnow_standard_errors_match_numerics_md() {
    // Source: NUMERICS.md (delta method on the inverse Hessian in log-parameters):
    // 0.012557, 0.378221, 0.185719, 0.705345. Tolerance 1e-4 relative: 6 published digits, so
    // rounding is ≤ 4e-5 relative; the Hessian is a forward difference of the analytic gradient
    // (error ~1e-6 relative) and the optimum is known to ~1e-7.
    let se = fitted().standard_errors.unwrap();
    assert_rel("se r", se.r, 0.012557, 1e-4);
    assert_rel("se alpha", se.alpha, 0.378221, 1e-4);
    assert_rel("se a", se.a, 0.185719, 1e-4);
    assert_rel("se b", se.b, 0.705345, 1e-4);
}

#[test]
fn cdnow_known_prediction_39_weeks() {
    // Source: Fader, Hardie & Lee (2005) / data/README.md: 1.226 for (x 2, t_x 30.43, T 38.86),
    // 39 weeks, with the fitted parameters. Published to 3 decimals: tolerance 5e-4.
    let fit = fitted();
    let e = fit.expected_purchases_one(39.0, 2.0, 30.43, 38.86).unwrap();
    assert_abs("E[Y(39)]", e, 1.226, 5e-4);
}

#[test]
fn published_parameters_give_published_log_likelihood() {
    // The published (rounded) parameters reproduce −9582.43 to within rounding (0.01).
    let c = cdnow();
    let data = BtydData::new(&c.x, &c.t_x, &c.t).unwrap();
    let m = BgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.7930,
        b: 2.4261,
    };
    let published = m.log_likelihood(&data).unwrap();
    assert_abs("LL", published, -9582.43, 0.01);
    // Our optimum is at least as likely as the published parameters.
    let fit = fitted();
    eprintln!(
        "LL at published parameters {published}, at ours {}",
        fit.log_likelihood
    );
    assert!(fit.log_likelihood >= published);
}

#[test]
fn stability_vectors() {
    // Source: NUMERICS.md, Hardie's note 027 convention; values to the printed digits.
    let m = BgNbdParams {
        r: 0.25,
        alpha: 4.0,
        a: 0.8,
        b: 2.5,
    };
    assert_abs(
        "x 0",
        m.log_likelihood_one(0.0, 0.0, 40.0).unwrap(),
        -0.59947382,
        5e-9,
    );
    assert_abs(
        "x 200",
        m.log_likelihood_one(200.0, 38.0, 40.0).unwrap(),
        100.7957,
        5e-5,
    );
    // finite for x in the thousands
    for x in [1e3, 5e3, 2e4] {
        let ll = m.log_likelihood_one(x, 39.0, 40.0).unwrap();
        let p = m.probability_alive_one(x, 39.0, 40.0).unwrap();
        let e = m.expected_purchases_one(52.0, x, 39.0, 40.0).unwrap();
        assert!(
            ll.is_finite() && (0.0..=1.0).contains(&p) && e.is_finite() && e > 0.0,
            "x {x}: {ll} {p} {e}"
        );
    }
}

#[test]
fn expectations_are_consistent() {
    let m = BgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.7930,
        b: 2.4261,
    };
    // E[X(t)] of a new customer = Σ n P(X(t) = n) (Fader, Hardie & Lee 2005 eqs. 7 and 8)
    let t = 39.0;
    let mean: f64 = (0..3000)
        .map(|n| f64::from(n) * m.probability_of_purchases(n, t).unwrap())
        .sum();
    assert_rel(
        "E[X(t)]",
        m.expected_purchases_new_customer(t).unwrap(),
        mean,
        1e-8,
    );
    // A customer of age 0 with no purchase is a new customer: E[Y(t)|0,0,0] = E[X(t)]
    assert_rel(
        "E[Y(t)|0,0,0]",
        m.expected_purchases_one(t, 0.0, 0.0, 0.0).unwrap(),
        m.expected_purchases_new_customer(t).unwrap(),
        1e-12,
    );
    // long horizons (z → 1) stay finite and increase
    let mut last = 0.0;
    for h in [10.0, 100.0, 1e3, 1e4, 1e5] {
        let e = m.expected_purchases_one(h, 2.0, 30.43, 38.86).unwrap();
        assert!(e > last, "h {h}: {e} <= {last}");
        last = e;
    }
    // a = 1 is a removable singularity
    let m1 = BgNbdParams { a: 1.0, ..m };
    let lo = BgNbdParams { a: 1.0 - 1e-4, ..m }
        .expected_purchases_one(39.0, 2.0, 30.43, 38.86)
        .unwrap();
    let hi = BgNbdParams { a: 1.0 + 1e-4, ..m }
        .expected_purchases_one(39.0, 2.0, 30.43, 38.86)
        .unwrap();
    let mid = m1.expected_purchases_one(39.0, 2.0, 30.43, 38.86).unwrap();
    assert!((mid - 0.5 * (lo + hi)).abs() < 1e-7, "{lo} {mid} {hi}");
}

#[test]
fn time_unit_agnostic() {
    // Fitting in days gives the same r, a, b and α × 7 (up to the optimiser's tolerance), and the
    // log-likelihood shifts by −Σ x ln 7.
    let c = cdnow();
    let days = |v: &[f64]| v.iter().map(|w| w * 7.0).collect::<Vec<_>>();
    let weeks = fitted();
    let data = BtydData::new(&c.x, &days(&c.t_x), &days(&c.t)).unwrap();
    let fit = BgNbd::fit(&data, &FitOptions::default()).unwrap();
    assert_rel("r", fit.params.r, weeks.params.r, 1e-6);
    assert_rel("alpha", fit.params.alpha, 7.0 * weeks.params.alpha, 1e-6);
    let shift: f64 = c.x.iter().sum::<f64>() * 7f64.ln();
    assert_rel("LL", fit.log_likelihood, weeks.log_likelihood - shift, 1e-9);
}

#[test]
fn bad_input_names_field_and_row() {
    let e = BtydData::new(&[1.0, 2.0], &[1.0, f64::NAN], &[3.0, 3.0]).unwrap_err();
    assert_eq!(e.row(), Some(1));
    assert_eq!(e.field(), Some("t_x"));
    let m = BgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.7930,
        b: 2.4261,
    };
    let e = m
        .probability_alive(&[1.0, -1.0], &[1.0, 0.0], &[3.0, 3.0])
        .unwrap_err();
    assert_eq!(e.row(), Some(1));
    assert!(
        BgNbdParams { r: -1.0, ..m }
            .probability_alive_one(1.0, 1.0, 2.0)
            .is_err()
    );
}

#[test]
fn non_identified_data_is_not_converged() {
    // Every customer buys at a steady rate until the end: no evidence of dropout, b → ∞.
    let n = 40;
    let x: Vec<f64> = (0..n).map(|i| f64::from(10 + i % 5)).collect();
    let t = vec![52.0; n as usize];
    let data = BtydData::new(&x, &t, &t).unwrap();
    match BgNbd::fit(&data, &FitOptions::default()) {
        Err(crmkit::CrmkitError::NotConverged { reason, .. }) => {
            eprintln!("not converged: {reason}");
            assert!(!reason.is_empty());
        }
        other => panic!("expected NotConverged, got {other:?}"),
    }
}
