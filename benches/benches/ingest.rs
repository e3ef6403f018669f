//! Criterion benchmarks of the way in: grouping a log's customer ids (the radix-partitioned
//! hash grouping of `CustomerIndex`) and the whole `rfm_features` from raw columns — through a
//! `CustomerIndex`, and fused (`rfm_features_by_id` / `rfm_features_by_str`: partition rows by
//! id hash, aggregate each partition in its own cache-resident table) — for ids
//! spread over a wide integer range and for string ids like `CUS-0000123456`, on one thread
//! and on two (`crmkit::runtime::parallel::set_num_threads`).
//!
//! Data: the seeded synthetic log of `crmkit_benches` (10 M transactions over 1 M customers, in
//! time order), its ids mapped to wide integers by an odd multiplier (a bijection) and to
//! zero-padded strings. Run briefly on a shared machine with e.g.
//! `cargo bench -p crmkit-benches --bench ingest -- --warm-up-time 1 --measurement-time 5`.
//! `benches/bench_ingest.py` compares the same path against DuckDB and polars.

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
use crmkit::rfm::features::{
    FeatureOptions, IntIds, rfm_features, rfm_features_by_id, rfm_features_by_str,
};
use crmkit::runtime::parallel::set_num_threads;
use crmkit_benches::{AS_OF_DAY, MICROS_PER_DAY, synthetic_log};

const TRANSACTIONS: usize = 10_000_000;
const CUSTOMERS: usize = 1_000_000;

fn grouping(c: &mut Criterion) {
    let log = synthetic_log(TRANSACTIONS, CUSTOMERS, 1);
    // wide: an odd multiplier spreads 1..=1 M over about 2^62 (a bijection on i64)
    let wide: Vec<i64> = log
        .customer_id
        .iter()
        .map(|&id| id.wrapping_mul(0x3FFF_FFFF_FFFF_FFFB))
        .collect();
    let strings: Vec<String> = log
        .customer_id
        .iter()
        .map(|id| format!("CUS-{id:010}"))
        .collect();
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(TRANSACTIONS as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    for threads in [1, 2] {
        set_num_threads(threads).expect("1 or 2 threads");
        let id = |name: &str| BenchmarkId::new(name, format!("{threads}threads"));
        group.bench_function(id("customer_index/wide_ints"), |b| {
            b.iter(|| CustomerIndex::from_i64("customer_id", black_box(&wide)))
        });
        group.bench_function(id("customer_index/strings"), |b| {
            b.iter(|| {
                CustomerIndex::from_strs("customer_id", strings.len(), |row| strings[row].as_str())
            })
        });
        let features = |index: &CustomerIndex| {
            let times = Times::Ticks {
                values: &log.timestamp_us,
                per_day: MICROS_PER_DAY,
            };
            let log =
                TransactionLog::new(index, times, &log.amount).expect("columns of one length");
            rfm_features(&log, AS_OF_DAY, &FeatureOptions::default()).expect("valid log")
        };
        group.bench_function(id("index+rfm_features/wide_ints"), |b| {
            b.iter(|| {
                let index = CustomerIndex::from_i64("customer_id", black_box(&wide))
                    .expect("non-empty log");
                features(&index)
            })
        });
        // the fused path the bindings take: grouping and aggregation in one partitioned pass
        let times = Times::Ticks {
            values: &log.timestamp_us,
            per_day: MICROS_PER_DAY,
        };
        group.bench_function(id("rfm_features_by_id/wide_ints"), |b| {
            b.iter(|| {
                rfm_features_by_id(
                    IntIds::I64(black_box(&wide)),
                    times,
                    &log.amount,
                    AS_OF_DAY,
                    &FeatureOptions::default(),
                )
                .expect("valid log")
            })
        });
        group.bench_function(id("rfm_features_by_str/strings"), |b| {
            b.iter(|| {
                rfm_features_by_str(
                    strings.len(),
                    |row| strings[row].as_str(),
                    times,
                    &log.amount,
                    AS_OF_DAY,
                    &FeatureOptions::default(),
                )
                .expect("valid log")
            })
        });
        group.bench_function(id("index+rfm_features/strings"), |b| {
            b.iter(|| {
                let index = CustomerIndex::from_strs("customer_id", strings.len(), |row| {
                    strings[row].as_str()
                })
                .expect("non-empty log");
                features(&index)
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = grouping
}
criterion_main!(benches);
