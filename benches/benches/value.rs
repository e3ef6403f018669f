//! Criterion benchmarks of crmkit's vectorised value and feedback paths on seeded synthetic
//! data (issue 3).
//!
//! - `value`: composite value score + ranking, and the core list (top 10 %), at 1 M customers;
//!   the value–potential matrix (median split and summary) at 1 M customers.
//! - `feedback`: NPS (Wald and adjusted Wald) and CSAT (Wilson) over 1 M answers, and NPS by
//!   segment (100 segments) over 1 M answers.
//!
//! Throughput is customers (or answers) per second. All data are generated once, before
//! timing. Run briefly on a shared machine with e.g.
//! `cargo bench -p crmkit-benches --bench value -- --warm-up-time 1 --measurement-time 3`.

#![allow(
    clippy::expect_used,
    reason = "benches run on known-good generated data"
)]
#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use crmkit::feedback::{NpsIntervalMethod, ProportionIntervalMethod, csat, nps, nps_by_segment};
use crmkit::value::quadrant::{QuadrantSplit, value_potential_matrix};
use crmkit::value::scores::{CoreListSize, ValueWeights, composite_value_scores, core_list};
use crmkit_benches::SplitMix64;

/// Customers (or answers) of every case.
const SIZE: usize = 1_000_000;

/// Sub-score columns: heavy-tailed historical value, potential in [0, 1), a coarse strategic
/// score with many ties (so tie-breaking by id is exercised), and shuffled unique ids.
fn value_columns(n: usize, seed: u64) -> (Vec<u64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut rng = SplitMix64::new(seed);
    let mut ids: Vec<u64> = (0..n as u64)
        .map(|i| i * 2_654_435_761 % (1 << 40))
        .collect();
    for i in (1..n).rev() {
        ids.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let historical = (0..n)
        .map(|_| (-(1.0 - rng.next_f64()).ln() * 500.0).powf(1.5))
        .collect();
    let potential = (0..n).map(|_| rng.next_f64()).collect();
    let strategic = (0..n).map(|_| rng.below(5) as f64).collect();
    (ids, historical, potential, strategic)
}

/// 0–10 answers skewed towards the top like real NPS surveys, and 1–5 CSAT answers.
fn answers(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<u32>) {
    let mut rng = SplitMix64::new(seed);
    let nps_answers = (0..n)
        .map(|_| (10.0 - (rng.below(4) + rng.below(4) + rng.below(4)) as f64).max(0.0))
        .collect();
    let csat_answers = (0..n).map(|_| 1.0 + rng.below(5) as f64).collect();
    let segments = (0..n).map(|_| rng.below(100) as u32).collect();
    (nps_answers, csat_answers, segments)
}

fn value(c: &mut Criterion) {
    let mut group = c.benchmark_group("value");
    group.throughput(Throughput::Elements(SIZE as u64));
    group.sample_size(10);
    let id = |name: &str| BenchmarkId::new(name, format!("{SIZE}cust"));
    let (ids, historical, potential, strategic) = value_columns(SIZE, 1);
    let weights = ValueWeights::default();

    group.bench_function(id("composite_score+rank"), |b| {
        b.iter(|| {
            composite_value_scores(
                black_box(&ids),
                black_box(&historical),
                black_box(&potential),
                black_box(&strategic),
                &weights,
            )
            .expect("valid columns")
        })
    });
    let scores = composite_value_scores(&ids, &historical, &potential, &strategic, &weights)
        .expect("valid columns");
    group.bench_function(id("core_list/top10pct"), |b| {
        b.iter(|| core_list(black_box(&scores), CoreListSize::TopPercent(10.0)).expect("valid"))
    });
    group.bench_function(id("value_potential_matrix/median"), |b| {
        b.iter(|| {
            value_potential_matrix(
                black_box(&historical),
                black_box(&potential),
                QuadrantSplit::Median,
            )
            .expect("valid columns")
        })
    });
    group.finish();
}

fn feedback(c: &mut Criterion) {
    let mut group = c.benchmark_group("feedback");
    group.throughput(Throughput::Elements(SIZE as u64));
    group.sample_size(20);
    let id = |name: &str| BenchmarkId::new(name, format!("{SIZE}answers"));
    let (nps_answers, csat_answers, segments) = answers(SIZE, 2);

    for (name, method) in [
        ("nps/wald", NpsIntervalMethod::Wald),
        ("nps/adjusted_wald", NpsIntervalMethod::AdjustedWald),
    ] {
        group.bench_function(id(name), |b| {
            b.iter(|| nps(black_box(&nps_answers), method, 0.95).expect("valid answers"))
        });
    }
    group.bench_function(id("csat/wilson"), |b| {
        b.iter(|| {
            csat(
                black_box(&csat_answers),
                ProportionIntervalMethod::Wilson,
                0.95,
            )
            .expect("valid answers")
        })
    });
    group.bench_function(id("nps_by_segment/100seg"), |b| {
        b.iter(|| {
            nps_by_segment(
                black_box(&segments),
                black_box(&nps_answers),
                NpsIntervalMethod::Wald,
                0.95,
            )
            .expect("valid answers")
        })
    });
    group.finish();
}

criterion_group!(benches, value, feedback);
criterion_main!(benches);
