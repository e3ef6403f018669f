//! MBG/NBD acceptance tests on CDNOW (Batislam, Denizel & Filiztekin 2007 model; data/README.md).
#![allow(clippy::unwrap_used)]

mod clv_common;

use clv_common::{assert_abs, assert_rel, assert_rounds_to, cdnow};
use crmkit::clv::{BtydData, FitOptions, MbgNbd, MbgNbdParams, TransactionModel};

#[test]
fn cdnow_fit_reproduces_published_values() {
    // Source: data/README.md: r 0.5248, α 6.1830, a 0.8914, b 1.6140, LL −9582.13. Tolerance 1e-3
    // relative on the 4-decimal parameters (rounding ≤ 1e-4 relative), 0.01 on the LL; and, stricter,
    // each published parameter must be our estimate rounded to its 4 decimals.
    let c = cdnow();
    let data = BtydData::new(&c.x, &c.t_x, &c.t).unwrap();
    let fit = MbgNbd::fit(&data, &FitOptions::default()).unwrap();
    eprintln!("MBG/NBD CDNOW fit: {fit:?}");
    let p = fit.params;
    assert_rel("r", p.r, 0.5248, 1e-3);
    assert_rounds_to("r", p.r, 0.5248, 4);
    assert_rel("alpha", p.alpha, 6.1830, 1e-3);
    assert_rounds_to("alpha", p.alpha, 6.1830, 4);
    assert_rel("a", p.a, 0.8914, 1e-3);
    assert_rounds_to("a", p.a, 0.8914, 4);
    assert_rel("b", p.b, 1.6140, 1e-3);
    assert_rounds_to("b", p.b, 1.6140, 4);
    assert_abs("log-likelihood", fit.log_likelihood, -9582.13, 0.01);
}

#[test]
fn expectations_are_consistent() {
    let m = MbgNbdParams {
        r: 0.5248,
        alpha: 6.1830,
        a: 0.8914,
        b: 1.6140,
    };
    // A customer of age 0 without purchases: P(alive) = b/(a+b) and E[Y(t)|0,0,0] = E[X(t)].
    assert_rel(
        "P(alive)",
        m.probability_alive_one(0.0, 0.0, 0.0).unwrap(),
        1.6140 / 2.5054,
        1e-14,
    );
    assert_rel(
        "E[Y(t)]",
        m.expected_purchases_one(39.0, 0.0, 0.0, 0.0).unwrap(),
        m.expected_purchases_new_customer(39.0).unwrap(),
        1e-12,
    );
    // E[X(t)] from the rate: d/dt E[X(t)] at 0 equals r/α · b/(a+b) (alive at 0 with prob b/(a+b)).
    let h = 1e-6;
    let slope = m.expected_purchases_new_customer(h).unwrap() / h;
    assert_rel("E[X]'(0)", slope, 0.5248 / 6.1830 * 1.6140 / 2.5054, 1e-5);
    for x in [0.0, 10.0, 3000.0] {
        let tx = if x == 0.0 { 0.0 } else { 38.0 };
        let e = m.expected_purchases_one(52.0, x, tx, 39.0).unwrap();
        assert!(e.is_finite() && e >= 0.0);
    }
}

#[test]
fn probability_of_purchases_is_a_distribution_with_the_expected_mean() {
    // Σₙ P(X(t) = n) = 1 and Σₙ n P(X(t) = n) = E[X(t)] (the model's own expectation of a new
    // customer, computed through ₂F₁) to 1e-9, for the published CDNOW parameters (weeks). P(X(t) =
    // 0) includes the a/(a+b) of customers who drop out at time 0; as t → 0 it tends to 1.
    let m = MbgNbdParams {
        r: 0.5248,
        alpha: 6.1830,
        a: 0.8914,
        b: 1.6140,
    };
    for t in [1.0, 39.0, 78.0] {
        let p: Vec<f64> = (0..400)
            .map(|n| m.probability_of_purchases(n, t).unwrap())
            .collect();
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
        assert_abs("sum", p.iter().sum::<f64>(), 1.0, 1e-9);
        let mean: f64 = p.iter().zip(0u32..).map(|(v, n)| f64::from(n) * v).sum();
        assert_abs(
            "mean",
            mean,
            m.expected_purchases_new_customer(t).unwrap(),
            1e-9,
        );
    }
    let p0 = m.probability_of_purchases(0, 1e-9).unwrap();
    assert_abs("P(X(0+) = 0)", p0, 1.0, 1e-9);
    assert!(m.probability_of_purchases(1, -1.0).is_err());
}
