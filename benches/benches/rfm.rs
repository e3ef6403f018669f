//! Criterion benchmarks of crmkit's RFM hot loops on seeded synthetic data.
//!
//! - `features`: from raw log columns to per-customer tables, at 1 M transactions
//!   (100 k customers) and 10 M transactions (1 M customers); throughput is rows per second.
//! - `scoring`: min–max score + tiers, quantile scores and segment lookup on per-customer
//!   features, at 1 M and 10 M customers; throughput is customers per second.
//!
//! All data are generated once, before timing. Run briefly on a shared machine with e.g.
//! `cargo bench -p crmkit-benches -- --warm-up-time 1 --measurement-time 3`.

// A failure on generated data is a bug in the bench or the core: abort loudly.
#![allow(
    clippy::expect_used,
    reason = "benches run on known-good generated data"
)]
#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main, measurement::WallTime,
};
use crmkit::clv::summary::{SummaryOptions, btyd_summary};
use crmkit::data::ids::CustomerIndex;
use crmkit::data::transactions::{Times, TransactionLog};
use crmkit::rfm::features::{FeatureOptions, rfm_features};
use crmkit::rfm::score::tier_codes;
use crmkit::rfm::score::{
    Direction, MinMaxFit, Normalization, QuantileBins, RfmScore, RfmWeights, TierThresholds,
};
use crmkit::rfm::segments::SegmentRules;
use crmkit_benches::{
    AS_OF_DAY, MICROS_PER_DAY, SyntheticLog, shuffled, synthetic_features, synthetic_log,
};

/// `(transactions, customers)` of the log sizes benchmarked.
const LOG_SIZES: [(usize, usize); 2] = [(1_000_000, 100_000), (10_000_000, 1_000_000)];

/// Customers of the scoring benchmarks.
const CUSTOMER_SIZES: [usize; 2] = [1_000_000, 10_000_000];

/// Customers from which one scoring iteration takes long enough (tens of milliseconds or
/// more) that flat sampling, a fixed number of iterations per sample, keeps a run within its
/// measurement time. Every `features` case is that slow already.
const LARGE_SCORING: usize = 5_000_000;

fn configure(group: &mut BenchmarkGroup<'_, WallTime>, elements: usize, flat: bool) {
    group.throughput(Throughput::Elements(elements as u64));
    group.sampling_mode(if flat {
        SamplingMode::Flat
    } else {
        SamplingMode::Auto
    });
}

fn index_of(log: &SyntheticLog) -> CustomerIndex {
    CustomerIndex::from_i64("customer_id", &log.customer_id).expect("non-empty log")
}

fn features(c: &mut Criterion) {
    let mut group = c.benchmark_group("features");
    for (transactions, customers) in LOG_SIZES {
        let ordered = synthetic_log(transactions, customers, 1);
        let unordered = shuffled(&ordered, 2);
        let ordered_index = index_of(&ordered);
        let unordered_index = index_of(&unordered);
        configure(&mut group, transactions, true);
        let id = |name: &str| BenchmarkId::new(name, format!("{transactions}tx_{customers}cust"));

        group.bench_function(id("customer_index"), |b| {
            b.iter(|| CustomerIndex::from_i64("customer_id", black_box(&ordered.customer_id)))
        });

        // From raw columns: the index is part of what a caller pays for the features.
        group.bench_function(id("index+rfm_features/days"), |b| {
            b.iter(|| {
                let index = CustomerIndex::from_i64("customer_id", black_box(&ordered.customer_id))
                    .expect("non-empty log");
                let log = TransactionLog::new(&index, Times::Days(&ordered.day), &ordered.amount)
                    .expect("columns of one length");
                rfm_features(&log, AS_OF_DAY, &FeatureOptions::default()).expect("valid log")
            })
        });
        group.bench_function(id("index+rfm_features/micros"), |b| {
            b.iter(|| {
                let index = CustomerIndex::from_i64("customer_id", black_box(&ordered.customer_id))
                    .expect("non-empty log");
                let times = Times::Ticks {
                    values: &ordered.timestamp_us,
                    per_day: MICROS_PER_DAY,
                };
                let log = TransactionLog::new(&index, times, &ordered.amount)
                    .expect("columns of one length");
                rfm_features(&log, AS_OF_DAY, &FeatureOptions::default()).expect("valid log")
            })
        });

        // The summary alone (index built before timing): one pass over a time-ordered log, a
        // counting-sort regrouping after the failed first pass over a shuffled one.
        for (order, data, index) in [
            ("time_ordered", &ordered, &ordered_index),
            ("shuffled", &unordered, &unordered_index),
        ] {
            let log = TransactionLog::new(index, Times::Days(&data.day), &data.amount)
                .expect("columns of one length");
            group.bench_function(id(&format!("btyd_summary/{order}")), |b| {
                b.iter(|| {
                    btyd_summary(black_box(&log), AS_OF_DAY, &SummaryOptions::default())
                        .expect("valid log")
                })
            });
        }
    }
    group.finish();
}

fn scoring(c: &mut Criterion) {
    let mut group = c.benchmark_group("scoring");
    let weights = RfmWeights::default();
    let thresholds = TierThresholds::default();
    let grid = SegmentRules::rf_grid();
    for customers in CUSTOMER_SIZES {
        let (recency, frequency, monetary) = synthetic_features(customers, 3);
        configure(&mut group, customers, customers >= LARGE_SCORING);
        let id = |name: &str| BenchmarkId::new(name, format!("{customers}cust"));

        let mut scores = vec![0.0; customers];
        group.bench_function(id("minmax_fit+score+tiers"), |b| {
            b.iter(|| {
                let fit = MinMaxFit::fit(
                    black_box(&recency),
                    black_box(&frequency),
                    black_box(&monetary),
                    Normalization::MinMax,
                )
                .expect("finite features");
                fit.score_into(&recency, &frequency, &monetary, &weights, &mut scores)
                    .expect("columns of one length");
                tier_codes(&scores, &thresholds)
            })
        });

        group.bench_function(id("quantile_bins_k5/days_since_last"), |b| {
            b.iter(|| {
                QuantileBins::fit_apply(
                    "days_since_last",
                    black_box(&recency),
                    5,
                    Direction::LowerIsBetter,
                )
                .expect("finite features")
            })
        });
        group.bench_function(id("quantile_bins_k5/frequency"), |b| {
            b.iter(|| {
                QuantileBins::fit_apply(
                    "frequency",
                    black_box(&frequency),
                    5,
                    Direction::HigherIsBetter,
                )
                .expect("finite features")
            })
        });
        group.bench_function(id("quantile_bins_k5/monetary"), |b| {
            b.iter(|| {
                QuantileBins::fit_apply(
                    "monetary",
                    black_box(&monetary),
                    5,
                    Direction::HigherIsBetter,
                )
                .expect("finite features")
            })
        });

        let (_, r_scores) =
            QuantileBins::fit_apply("r", &recency, 5, Direction::LowerIsBetter).expect("finite");
        let (_, f_scores) =
            QuantileBins::fit_apply("f", &frequency, 5, Direction::HigherIsBetter).expect("finite");
        let (_, m_scores) =
            QuantileBins::fit_apply("m", &monetary, 5, Direction::HigherIsBetter).expect("finite");
        group.bench_function(id("segments_rf_grid/assign_all"), |b| {
            b.iter(|| {
                grid.assign_all(
                    black_box(&r_scores),
                    black_box(&f_scores),
                    black_box(&m_scores),
                )
                .expect("scores in 1..=5")
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Short by default: the 10 M cases take a second or more per iteration on a small machine.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = features, scoring
}
criterion_main!(benches);
