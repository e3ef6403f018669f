//! Rough timings of the CDNOW fits and predictions (ignored by default; run with
//! `cargo test --release -p crmkit --test clv_timing -- --ignored --nocapture`). The speed claims
//! against lifetimes belong to the bench crate; this only keeps an eye on regressions.
#![allow(clippy::unwrap_used)]

mod clv_common;

use std::time::Instant;

use clv_common::cdnow;
use crmkit::clv::{
    BgNbd, BtydData, FitOptions, GammaGamma, MbgNbd, ParetoNbd, SpendData, TransactionModel,
};

#[test]
#[ignore = "timing only"]
fn cdnow_timings() {
    let c = cdnow();
    let data = BtydData::new(&c.x, &c.t_x, &c.t).unwrap();
    let opts = FitOptions::default();
    let reps = 20;
    let time = |name: &str, f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..reps {
            f();
        }
        eprintln!(
            "{name}: {:.3} ms",
            start.elapsed().as_secs_f64() * 1e3 / f64::from(reps)
        );
    };
    time("BG/NBD fit", &mut || {
        BgNbd::fit(&data, &opts).unwrap();
    });
    time("MBG/NBD fit", &mut || {
        MbgNbd::fit(&data, &opts).unwrap();
    });
    time("Pareto/NBD fit", &mut || {
        ParetoNbd::fit(&data, &opts).unwrap();
    });
    let spend = SpendData::repeaters(&c.x, &c.zbar).unwrap();
    time("Gamma-Gamma fit", &mut || {
        GammaGamma::fit(&spend, &opts).unwrap();
    });
    let bg = BgNbd::fit(&data, &opts).unwrap();
    let pn = ParetoNbd::fit(&data, &opts).unwrap();
    time("BG/NBD E[Y(39)] x 2357", &mut || {
        bg.expected_purchases(39.0, &c.x, &c.t_x, &c.t).unwrap();
    });
    let gg = GammaGamma::fit(&spend, &opts).unwrap();
    let months = crmkit::clv::MonthlyDiscounting::weekly(12, 0.01);
    time("BG/NBD 12-month CLV x 2357", &mut || {
        gg.customer_lifetime_value(&bg, &c.x, &c.t_x, &c.t, &c.zbar, &months)
            .unwrap();
    });
    let mbg = MbgNbd::fit(&data, &opts).unwrap();
    time("MBG/NBD E[Y(39)] x 2357", &mut || {
        mbg.expected_purchases(39.0, &c.x, &c.t_x, &c.t).unwrap();
    });
    time("Pareto/NBD P(alive) x 2357", &mut || {
        pn.probability_alive(&c.x, &c.t_x, &c.t).unwrap();
    });
}
