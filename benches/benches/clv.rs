//! Criterion benchmarks of the buy-till-you-die likelihoods: log-likelihood plus gradient (what
//! each fit iteration evaluates) over 1 M customers, BG/NBD and Pareto/NBD, and the BG/NBD
//! Hessian as the fits form it (forward differences of the gradient); hashing 1 M daily
//! customers into their distinct rows once and a prediction on them; a whole BG/NBD fit
//! on those 1 M distinct rows (standard errors included); and the per-customer 90 % delta-method
//! intervals of P(alive) and expected purchases for all of them; and the predictions of
//! `bench_clv.py` on a CDNOW-like table of 2,357 summaries and on it repeated 100 times (P(alive)
//! on every row, remembering repeated rows' values, or merged first; the 12-month discounted
//! path).
//!
//! The customers are seeded synthetic summaries in weeks (x up to 40, continuous t_x and T, so
//! that compression merges nothing and every row is evaluated). Run briefly with e.g.
//! `cargo bench -p crmkit-benches --bench clv -- --warm-up-time 1 --measurement-time 5`.

#![allow(
    clippy::expect_used,
    reason = "benches run on known-good generated data"
)]
#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]

use std::hint::black_box;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use crmkit::clv::{
    BgNbd, BgNbdParams, BtydData, CompressedBtyd, FitOptions, Interrupt, IntervalOptions,
    MonthlyDiscounting, ParetoNbdParams, TransactionModel, discounted_purchases_monthly,
    expected_purchases_intervals, map_rows_remembered, probability_alive_intervals,
};
use crmkit_benches::SplitMix64;

const CUSTOMERS: usize = 1_000_000;

/// `CUSTOMERS` summaries: T uniform in (1, 78] weeks; 40% never repeat; repeaters buy
/// 1..=40 times with t_x uniform in (0, T].
fn customers(seed: u64) -> BtydData {
    let mut rng = SplitMix64::new(seed);
    let (mut x, mut t_x, mut t) = (
        Vec::with_capacity(CUSTOMERS),
        Vec::with_capacity(CUSTOMERS),
        Vec::with_capacity(CUSTOMERS),
    );
    for _ in 0..CUSTOMERS {
        let age = 1.0 + 77.0 * rng.next_f64();
        if rng.next_f64() < 0.4 {
            x.push(0.0);
            t_x.push(0.0);
        } else {
            x.push(1.0 + rng.below(40) as f64);
            t_x.push(age * (1.0 - rng.next_f64()));
        }
        t.push(age);
    }
    BtydData::new(&x, &t_x, &t).expect("valid synthetic summaries")
}

fn likelihoods(c: &mut Criterion) {
    let data = customers(5);
    let bg = BgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.7930,
        b: 2.4261,
    };
    let pareto = ParetoNbdParams {
        r: 0.5533,
        alpha: 10.5776,
        s: 0.6062,
        beta: 11.6679,
    };
    let mut group = c.benchmark_group("clv_log_likelihood_and_gradient");
    group.throughput(Throughput::Elements(CUSTOMERS as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.bench_function("bgnbd_1M", |b| {
        b.iter(|| {
            bg.log_likelihood_and_gradient(black_box(&data))
                .expect("finite")
        });
    });
    group.bench_function("paretonbd_1M", |b| {
        b.iter(|| {
            pareto
                .log_likelihood_and_gradient(black_box(&data))
                .expect("finite")
        });
    });
    // The Hessian as the fits compute it for standard errors and the Newton phase: forward
    // differences of the analytic gradient in log-parameters (one gradient per parameter).
    group.bench_function("bgnbd_hessian_1M", |b| {
        b.iter(|| {
            let theta = [bg.r, bg.alpha, bg.a, bg.b];
            let (_, g0) = bg
                .log_likelihood_and_gradient(black_box(&data))
                .expect("finite");
            let mut h = [[0.0; 4]; 4];
            for (i, row) in h.iter_mut().enumerate() {
                let mut t = theta;
                t[i] *= (1e-6f64).exp();
                let p = BgNbdParams {
                    r: t[0],
                    alpha: t[1],
                    a: t[2],
                    b: t[3],
                };
                let (_, g) = p.log_likelihood_and_gradient(&data).expect("finite");
                for j in 0..4 {
                    row[j] = (g[j] * t[j] - g0[j] * theta[j]) / 1e-6;
                }
            }
            h
        });
    });
    group.finish();
}

/// `CUSTOMERS` summaries at daily resolution as a simulated BG/NBD population gives them
/// (T = 1..730 days, x and t_x in whole days): about a third of the rows are distinct.
fn daily_customers(seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut rng = SplitMix64::new(seed);
    let (mut x, mut t_x, mut t) = (
        Vec::with_capacity(CUSTOMERS),
        Vec::with_capacity(CUSTOMERS),
        Vec::with_capacity(CUSTOMERS),
    );
    for _ in 0..CUSTOMERS {
        let age = 1.0 + rng.below(730) as f64;
        if rng.next_f64() < 0.55 {
            x.push(0.0);
            t_x.push(0.0);
        } else {
            x.push(1.0 + rng.below(12) as f64);
            t_x.push((1.0 + rng.below(age as u64) as f64).min(age));
        }
        t.push(age);
    }
    (x, t_x, t)
}

/// Hashing 1 M customers into their distinct rows once (`CompressedBtyd`), and a prediction
/// (P(alive) and the 12-month path of expected purchases) on them, spread to every customer.
fn compression(c: &mut Criterion) {
    let (x, t_x, t) = daily_customers(13);
    let mut group = c.benchmark_group("clv_compression");
    group.throughput(Throughput::Elements(CUSTOMERS as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    let none = Interrupt::default();
    group.bench_function("compress_1M_daily", |b| {
        b.iter(|| CompressedBtyd::new(black_box(&x), &t_x, &t, None, &none).expect("valid"));
    });
    let rows = CompressedBtyd::new(&x, &t_x, &t, None, &none).expect("valid");
    let bg = BgNbdParams {
        r: 0.25,
        alpha: 30.0,
        a: 0.8,
        b: 2.5,
    };
    group.bench_function("bgnbd_expected_purchases_90d_1M_daily", |b| {
        b.iter(|| {
            rows.map(0, &none, |x, t_x, t| bg.expected_purchases(90.0, x, t_x, t))
                .expect("finite")
        });
    });
    group.finish();
}

fn fit_and_intervals(c: &mut Criterion) {
    let data = customers(5);
    let mut group = c.benchmark_group("clv_fit_and_intervals");
    group.throughput(Throughput::Elements(CUSTOMERS as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    // These summaries are not drawn from a BG/NBD population (x is uniform whatever the age),
    // and without a penalty the dropout shapes a and b run off together along a ridge
    // (a, b → ∞ with a / b fixed): the fit ends NotConverged, rightly. A small L2 penalty
    // (as lifetimes' `penalizer_coef`) holds them back, so the bench times a fit that ends.
    let opts = FitOptions {
        penalty: 1e-3,
        ..FitOptions::default()
    };
    group.bench_function("bgnbd_fit_1M_distinct", |b| {
        b.iter(|| BgNbd::fit(black_box(&data), &opts).expect("converges"));
    });
    let fit = BgNbd::fit(&data, &opts).expect("converges");
    let (x, t_x, t) = (data.x(), data.t_x(), data.t());
    let opts = IntervalOptions::default();
    group.bench_function("bgnbd_alive_intervals_1M", |b| {
        b.iter(|| probability_alive_intervals(&fit, black_box(x), t_x, t, &opts).expect("finite"));
    });
    group.bench_function("bgnbd_expected_purchases_intervals_1M", |b| {
        b.iter(|| {
            expected_purchases_intervals(&fit, 13.0, black_box(x), t_x, t, &opts).expect("finite")
        });
    });
    group.finish();
}

/// 2,357 summaries shaped like CDNOW's in weeks (a 12-week cohort seen for 39 weeks: T in
/// 27..39 in whole days, 60 % without a repeat purchase, x up to 29, t_x in whole days), about
/// 1,000 of them distinct, repeated `times` times.
fn cdnow_like(times: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut rng = SplitMix64::new(21);
    let (mut x, mut t_x, mut t) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..2357 {
        let days = 189 + rng.below(84);
        if rng.next_f64() < 0.6 {
            x.push(0.0);
            t_x.push(0.0);
        } else {
            x.push((1 + rng.below(4) * rng.below(8)) as f64);
            t_x.push((1 + rng.below(days)) as f64 / 7.0);
        }
        t.push(days as f64 / 7.0);
    }
    let repeat = |v: &[f64]| v.repeat(times);
    (repeat(&x), repeat(&t_x), repeat(&t))
}

/// The predictions of `bench_clv.py`: P(alive) on the rows as given, remembering the values
/// of repeated rows (`map_rows_remembered`, what arrays get) and merged first, and the 12-month
/// discounted path once per distinct row (the lockstep series of the expectation given alive,
/// blocks shared by the threads).
fn predictions(c: &mut Criterion) {
    let mut group = c.benchmark_group("clv_predictions");
    group.sample_size(20);
    let none = Interrupt::default();
    let bg = BgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.7930,
        b: 2.4261,
    };
    let (x, t_x, t) = cdnow_like(100);
    group.bench_function("bgnbd_alive_cdnow_x100/every_row", |b| {
        b.iter(|| {
            bg.probability_alive(black_box(&x), &t_x, &t)
                .expect("finite")
        });
    });
    group.bench_function("bgnbd_alive_cdnow_x100/remembered", |b| {
        b.iter(|| {
            map_rows_remembered(black_box(&x), &t_x, &t, &none, |x, t_x, t| {
                bg.probability_alive_one(x, t_x, t)
            })
            .expect("finite")
        });
    });
    group.bench_function("bgnbd_alive_cdnow_x100/merged", |b| {
        b.iter(|| {
            CompressedBtyd::new(black_box(&x), &t_x, &t, None, &none)
                .and_then(|c| c.map(32_768, &none, |x, t_x, t| bg.probability_alive(x, t_x, t)))
                .expect("finite")
        });
    });
    let (x, t_x, t) = cdnow_like(1);
    let rows = CompressedBtyd::new(&x, &t_x, &t, None, &none).expect("valid");
    let months = MonthlyDiscounting::weekly(12, 0.01);
    group.bench_function("bgnbd_monthly_path_12m_cdnow", |b| {
        b.iter(|| {
            rows.map(0, &none, |x, t_x, t| {
                discounted_purchases_monthly(&bg, x, t_x, t, &months)
            })
            .expect("finite")
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    likelihoods,
    compression,
    fit_and_intervals,
    predictions
);
criterion_main!(benches);
