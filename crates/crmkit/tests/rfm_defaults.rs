//! The RFM defaults on the bundled CDNOW sample, from Rust: the percentile-rank score spreads the
//! tiers, min–max puts 98.9 % in churn risk and the diagnostics say so, and the layered reading
//! and the tier summary table agree with the three tiers.
//!
//! Expected counts: crmkit on `data/cdnow/CDNOW_sample.txt`, as of 1998-06-30, the same figures
//! the Python tests check against pandas' average ranks (tests/python/test_rfm_defaults.py).
//! Exact integers; shares to 1e-12.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use crmkit::data::calendar::{day_from_ymd, parse_day};
use crmkit::data::ids::CustomerIndex;
use crmkit::data::transactions::{Times, TransactionLog};
use crmkit::rfm::features::{FeatureOptions, RfmFeatures, rfm_features};
use crmkit::rfm::rank::PercentileRankFit;
use crmkit::rfm::score::{
    Direction, MinMaxFit, Normalization, QuantileBins, RfmScore, RfmWeights, TierThresholds,
    tier_codes,
};
use crmkit::rfm::segments::SegmentRules;
use crmkit::rfm::tiers::{
    LAYERED_TIER_NAMES, LayeredThresholds, RfmDiagnostics, TIER_NAMES, group_summary,
};

fn cdnow_features() -> RfmFeatures {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/cdnow/CDNOW_sample.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let (mut ids, mut days, mut amounts) = (vec![], vec![], vec![]);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        ids.push(f[1].parse::<i64>().unwrap());
        let d: u32 = f[2].parse().unwrap();
        days.push(day_from_ymd((d / 10_000) as i32, d / 100 % 100, d % 100));
        amounts.push(f[4].parse::<f64>().unwrap());
    }
    let index = CustomerIndex::from_i64("customer_id", &ids).unwrap();
    let log = TransactionLog::new(&index, Times::Days(&days), &amounts).unwrap();
    let as_of = parse_day("as_of", "1998-06-30").unwrap();
    rfm_features(&log, as_of, &FeatureOptions::default()).unwrap()
}

fn counts(codes: &[u8], n: usize) -> Vec<u64> {
    let mut c = vec![0u64; n];
    for &t in codes {
        c[usize::from(t)] += 1;
    }
    c
}

#[test]
fn cdnow_tiers_percentile_rank_versus_min_max() {
    let f = cdnow_features();
    let (r, fq, m) = (&f.days_since_last, &f.frequency, &f.monetary);
    let w = RfmWeights::default();
    let (rb, rs) =
        QuantileBins::fit_apply("days_since_last", r, 5, Direction::LowerIsBetter).unwrap();
    let (fb, fs) = QuantileBins::fit_apply("frequency", fq, 5, Direction::HigherIsBetter).unwrap();
    let (mb, ms) = QuantileBins::fit_apply("monetary", m, 5, Direction::HigherIsBetter).unwrap();
    let rules = SegmentRules::rf_grid();
    let segments = rules.assign_all(&rs, &fs, &ms).unwrap();

    let rank = PercentileRankFit::fit(r, fq, m).unwrap();
    let scores = rank.score(r, fq, m, &w).unwrap();
    let tiers = tier_codes(&scores, &TierThresholds::default());
    // Independently: monetary by math.fsum and pandas average ranks give the same 1545 / 347 / 465.
    assert_eq!(counts(&tiers, 3), [1545, 347, 465]);
    let d = RfmDiagnostics::new(&TIER_NAMES, &tiers, &rules, &segments, [&rb, &fb, &mb]).unwrap();
    assert_eq!(d.dominant_tier, None);
    assert_eq!(
        d.unreachable_segments,
        ["potential loyalist", "need attention"]
    );
    assert_eq!(d.empty_segments, ["new", "at risk", "cannot lose"]);

    let minmax = MinMaxFit::fit(r, fq, m, Normalization::MinMax).unwrap();
    let mm_tiers = tier_codes(
        &minmax.score(r, fq, m, &w).unwrap(),
        &TierThresholds::default(),
    );
    assert_eq!(counts(&mm_tiers, 3), [2330, 23, 4]);
    let d =
        RfmDiagnostics::new(&TIER_NAMES, &mm_tiers, &rules, &segments, [&rb, &fb, &mb]).unwrap();
    assert_eq!(d.dominant_tier.as_deref(), Some("churn risk"));
    assert!((d.largest_tier_share - 2330.0 / 2357.0).abs() < 1e-12);
    assert!(d.warnings()[0].starts_with("tier 'churn risk' holds 98.9 % of customers"));

    // The layered reading splits the three-tier churn risk into churn risk and general.
    let layered = LayeredThresholds::default().codes(&scores);
    assert_eq!(LAYERED_TIER_NAMES.len(), 4);
    assert_eq!(counts(&layered, 4), [554, 991, 347, 465]);

    // The tier summary: counts and shares agree with the tiers; revenue shares sum to 1, and
    // churn risk (no purchase in the window) holds no revenue.
    let codes: Vec<u32> = tiers.iter().map(|&t| u32::from(t)).collect();
    let to_f64 = |v: &[i64]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let rf: Vec<f64> = to_f64(r);
    let ff: Vec<f64> = to_f64(fq);
    let rows = group_summary(&codes, 3, &rf, &ff, m).unwrap();
    assert_eq!(
        rows.iter().map(|g| g.customers).collect::<Vec<_>>(),
        [1545, 347, 465]
    );
    assert!((rows[0].share - 1545.0 / 2357.0).abs() < 1e-12);
    assert_eq!(rows[0].revenue_share, 0.0);
    assert_eq!(rows[0].mean_frequency, 0.0);
    assert!((rows.iter().map(|g| g.revenue_share).sum::<f64>() - 1.0).abs() < 1e-12);
}
