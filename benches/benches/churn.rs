//! Criterion benchmarks of the churn hot loops on seeded synthetic data.
//!
//! - `signals`: the warning signals from 1 M transactions and 10 M interactions
//!   over 1 M customers (encoded columns; throughput is interactions per second), and the
//!   same including the customer-id encoding of both logs;
//! - `logistic`: an unpenalised and a penalised Newton fit on 1 M rows × 20 features.
//!
//! All data are generated once, before timing. Run briefly on a shared machine with e.g.
//! `cargo bench -p crmkit-benches --bench churn -- --warm-up-time 1 --measurement-time 5`.

// A failure on generated data is a bug in the bench or the core: abort loudly.
#![allow(
    clippy::expect_used,
    reason = "benches run on known-good generated data"
)]
#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]

use std::hint::black_box;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use crmkit::churn::{
    ChurnSignalInput, ChurnSignalOptions, InteractionKind, InteractionLog, LogisticOptions,
    LogisticRegression, TransactionLog, compute_churn_signals,
};
use crmkit::data::ids::CustomerIndex;
use crmkit::data::transactions::Times;
use crmkit_benches::{AS_OF_DAY, SplitMix64, synthetic_log};
use ndarray::{Array1, Array2};

const INTERACTIONS: usize = 10_000_000;
const TRANSACTIONS: usize = 1_000_000;
const CUSTOMERS: usize = 1_000_000;

fn signals(c: &mut Criterion) {
    let tx = synthetic_log(TRANSACTIONS, CUSTOMERS, 1);
    let ix = synthetic_log(INTERACTIONS, CUSTOMERS, 2);
    let mut rng = SplitMix64::new(3);
    // Mostly visits and logins, some service contacts, rare complaints and competitor contacts.
    let kinds: Vec<InteractionKind> = (0..INTERACTIONS)
        .map(|_| match rng.below(100) {
            0..=44 => InteractionKind::Visit,
            45..=79 => InteractionKind::Login,
            80..=86 => InteractionKind::Ticket,
            87..=90 => InteractionKind::Outreach,
            91..=93 => InteractionKind::OutreachAnswered,
            94..=96 => InteractionKind::Complaint,
            97..=98 => InteractionKind::BadReview,
            _ => InteractionKind::CompetitorContact,
        })
        .collect();
    let ids: Vec<i64> = tx
        .customer_id
        .iter()
        .chain(&ix.customer_id)
        .copied()
        .collect();
    let index = CustomerIndex::from_i64("customer_id", &ids).expect("non-empty");
    let key: Vec<bool> = (0..index.n_customers()).map(|c| c % 10 == 0).collect();
    let mut input = inputs(&index, (&tx.day, &tx.amount), &ix.day, &kinds);
    input.key_customer = Some(&key);
    let options = ChurnSignalOptions::default();

    let mut group = c.benchmark_group("signals");
    group.throughput(Throughput::Elements(INTERACTIONS as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    let id = |name: &str| BenchmarkId::new(name, "1Mtx_10Mix_1Mcust");
    group.bench_function(id("compute_churn_signals"), |b| {
        b.iter(|| compute_churn_signals(black_box(&input), &options).expect("valid input"))
    });
    group.bench_function(id("index+compute_churn_signals"), |b| {
        b.iter(|| {
            let index = CustomerIndex::from_i64("customer_id", black_box(&ids)).expect("ids");
            let mut fresh = inputs(&index, (&tx.day, &tx.amount), &ix.day, &kinds);
            fresh.key_customer = Some(&key);
            compute_churn_signals(&fresh, &options).expect("valid input")
        })
    });
    group.finish();
}

/// The churn input over `index`: the transactions are its first rows, the interactions the rest.
fn inputs<'a>(
    index: &'a CustomerIndex,
    (tx_day, tx_amount): (&'a [i32], &'a [f64]),
    ix_day: &'a [i32],
    kinds: &'a [InteractionKind],
) -> ChurnSignalInput<'a> {
    let mut input = ChurnSignalInput::new(
        AS_OF_DAY,
        TransactionLog::of_rows(index, 0..TRANSACTIONS, Times::Days(tx_day), tx_amount)
            .expect("valid log"),
    );
    input.interactions = Some(
        InteractionLog::of_rows(
            index,
            TRANSACTIONS..TRANSACTIONS + INTERACTIONS,
            Times::Days(ix_day),
            kinds,
        )
        .expect("valid log"),
    );
    input
}

/// Seeded 1 M × 20 design with a known logistic model behind the outcomes.
fn design(rows: usize, features: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = SplitMix64::new(seed);
    let x = Array2::from_shape_fn((rows, features), |(_, j)| {
        let z: f64 = (0..4).map(|_| rng.next_f64()).sum::<f64>() - 2.0;
        z * 3f64.sqrt() * (1.0 + j as f64 / 10.0)
    });
    let beta: Vec<f64> = (0..features)
        .map(|j| 0.3 * (if j % 2 == 0 { 1.0 } else { -1.0 }) / (1.0 + j as f64 / 10.0))
        .collect();
    let y = Array1::from_shape_fn(rows, |i| {
        let eta: f64 = -0.5 + x.row(i).iter().zip(&beta).map(|(v, b)| v * b).sum::<f64>();
        f64::from(rng.next_f64() < 1.0 / (1.0 + (-eta).exp()))
    });
    (x, y)
}

fn logistic(c: &mut Criterion) {
    let (x, y) = design(1_000_000, 20, 7);
    let mut group = c.benchmark_group("logistic");
    group.throughput(Throughput::Elements(x.nrows() as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for (name, options) in [
        ("fit_unpenalised", LogisticOptions::default()),
        ("fit_sklearn_c1", LogisticOptions::sklearn_c(1.0)),
    ] {
        group.bench_function(BenchmarkId::new(name, "1Mx20"), |b| {
            b.iter(|| {
                LogisticRegression::fit(black_box(x.view()), y.view(), None, &options)
                    .expect("well-posed data")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, signals, logistic);
criterion_main!(benches);
