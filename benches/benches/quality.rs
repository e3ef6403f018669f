//! Criterion benchmark of the data-quality report against `rfm_features` on the same log.
//!
//! Both run from raw columns (the customer index, when one is built, is part of what a caller
//! pays; the `by_id` variants group by a hash of the ids and build none), at 1 M
//! transactions (100 k customers) and 10 M transactions (1 M customers), on integer ids
//! spread over a wide range (a random 62-bit id per customer: hashed, not a dense table),
//! time-ordered and shuffled. The target is a report within 2× the features' time. Run briefly on a shared
//! machine with e.g. `cargo bench -p crmkit-benches --bench quality -- --warm-up-time 1
//! --measurement-time 3`.

#![allow(
    clippy::expect_used,
    reason = "benches run on known-good generated data"
)]
#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use crmkit::data::ids::CustomerIndex;
use crmkit::data::transactions::{Times, TransactionLog};
use crmkit::quality::{OutlierRule, QualityLog, QualityOptions, quality_report};
use crmkit::rfm::features::{FeatureOptions, IntIds, rfm_features, rfm_features_by_id};
use crmkit_benches::{AS_OF_DAY, MICROS_PER_DAY, SplitMix64, shuffled, synthetic_log};

const LOG_SIZES: [(usize, usize); 2] = [(1_000_000, 100_000), (10_000_000, 1_000_000)];

fn quality(c: &mut Criterion) {
    let mut group = c.benchmark_group("quality");
    for (transactions, customers) in LOG_SIZES {
        let ordered = synthetic_log(transactions, customers, 1);
        let unordered = shuffled(&ordered, 2);
        // one random 62-bit id per customer: spread over a wide range, no arithmetic pattern
        let mut rng = SplitMix64::new(5);
        let random_ids: Vec<i64> = (0..=customers)
            .map(|_| (rng.next_u64() >> 2) as i64)
            .collect();
        group.throughput(Throughput::Elements(transactions as u64));
        group.sampling_mode(SamplingMode::Flat);
        for (order, data) in [("time_ordered", &ordered), ("shuffled", &unordered)] {
            let wide: Vec<i64> = data
                .customer_id
                .iter()
                .map(|&id| random_ids[id as usize])
                .collect();
            let times = Times::Ticks {
                values: &data.timestamp_us,
                per_day: MICROS_PER_DAY,
            };
            let id = |name: &str| {
                BenchmarkId::new(name, format!("{transactions}tx_{customers}cust/{order}"))
            };
            group.bench_function(id("by_id+rfm_features"), |b| {
                b.iter(|| {
                    rfm_features_by_id(
                        IntIds::I64(black_box(&wide)),
                        times,
                        &data.amount,
                        AS_OF_DAY,
                        &FeatureOptions::default(),
                    )
                    .expect("valid log")
                })
            });
            group.bench_function(id("index+rfm_features"), |b| {
                b.iter(|| {
                    let index = CustomerIndex::from_i64("customer_id", black_box(&wide))
                        .expect("non-empty log");
                    let log = TransactionLog::new(&index, times, &data.amount)
                        .expect("columns of one length");
                    rfm_features(&log, AS_OF_DAY, &FeatureOptions::default()).expect("valid log")
                })
            });
            for (rule, outliers) in [
                ("mean_multiple", OutlierRule::default()),
                ("mad", OutlierRule::mad()),
            ] {
                let options = QualityOptions {
                    outliers,
                    ..QualityOptions::new(AS_OF_DAY)
                };
                group.bench_function(id(&format!("by_id+quality_report/{rule}")), |b| {
                    b.iter(|| {
                        let log =
                            QualityLog::by_id(IntIds::I64(black_box(&wide)), times, &data.amount)
                                .expect("columns of one length");
                        quality_report(&log, None, &options).expect("valid options")
                    })
                });
                group.bench_function(id(&format!("index+quality_report/{rule}")), |b| {
                    b.iter(|| {
                        let index = CustomerIndex::from_i64("customer_id", black_box(&wide))
                            .expect("non-empty log");
                        let log = QualityLog::new(&index, times, &data.amount)
                            .expect("columns of one length");
                        quality_report(&log, None, &options).expect("valid options")
                    })
                });
            }
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = quality
}
criterion_main!(benches);
