//! RFM of the bundled CDNOW sample from Rust: features, the percentile-rank score and tiers (the
//! min–max tiers beside them), quantile scores, segments, the diagnostics and the tier summary.
//! Run with `cargo run --release --example cdnow_rfm -p crmkit`.

use crmkit::data::calendar::{day_from_ymd, parse_day};
use crmkit::data::ids::CustomerIndex;
use crmkit::data::transactions::{Times, TransactionLog};
use crmkit::rfm::features::{FeatureOptions, rfm_features};
use crmkit::rfm::rank::PercentileRankFit;
use crmkit::rfm::score::{
    Direction, MinMaxFit, Normalization, QuantileBins, RfmScore, RfmWeights, Tier, TierThresholds,
    tier_codes,
};
use crmkit::rfm::segments::SegmentRules;
use crmkit::rfm::tiers::{RfmDiagnostics, TIER_NAMES, group_summary};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/cdnow/CDNOW_sample.txt"
    );
    let text = std::fs::read_to_string(path)?;
    let (mut ids, mut days, mut amounts) = (Vec::new(), Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, id, date, _, amount] = fields[..] else {
            return Err(format!("malformed line: {line}").into());
        };
        let date: u32 = date.parse()?;
        ids.push(id.parse::<i64>()?);
        days.push(day_from_ymd(
            (date / 10_000) as i32,
            date / 100 % 100,
            date % 100,
        ));
        amounts.push(amount.parse::<f64>()?);
    }
    let as_of = parse_day("as_of", "1998-06-30")?;
    let index = CustomerIndex::from_i64("customer_id", &ids)?;
    let log = TransactionLog::new(&index, Times::Days(&days), &amounts)?;
    let f = rfm_features(&log, as_of, &FeatureOptions::default())?;

    let (r_, f_, m_) = (&f.days_since_last, &f.frequency, &f.monetary);
    let w = RfmWeights::default();
    let scores = PercentileRankFit::fit(r_, f_, m_)?.score(r_, f_, m_, &w)?;
    let tiers = tier_codes(&scores, &TierThresholds::default());
    let minmax = MinMaxFit::fit(r_, f_, m_, Normalization::MinMax)?.score(r_, f_, m_, &w)?;
    let minmax_tiers = tier_codes(&minmax, &TierThresholds::default());
    let (rb, r) = QuantileBins::fit_apply(
        "days_since_last",
        &f.days_since_last,
        5,
        Direction::LowerIsBetter,
    )?;
    let (fb, fq) =
        QuantileBins::fit_apply("frequency", &f.frequency, 5, Direction::HigherIsBetter)?;
    let (mb, m) = QuantileBins::fit_apply("monetary", &f.monetary, 5, Direction::HigherIsBetter)?;
    let rules = SegmentRules::rf_grid();
    let segments = rules.assign_all(&r, &fq, &m)?;

    println!("{} customers as of 1998-06-30", f.customer.len());
    for (name, count) in rules.names().iter().zip(rules.rule_counts(&segments)) {
        println!("{name:>20}: {count}");
    }
    let codes: Vec<u32> = tiers.iter().map(|&t| u32::from(t)).collect();
    let as_f64 = |v: &[i64]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let summary = group_summary(&codes, 3, &as_f64(r_), &as_f64(f_), m_)?;
    println!(
        "tier (percentile rank)  customers  share  revenue share  mean R  mean F  mean M  | min-max customers"
    );
    for tier in Tier::ALL {
        let g = &summary[tier as usize];
        let minmax_n = minmax_tiers.iter().filter(|&&t| t == tier as u8).count();
        println!(
            "{:>22}  {:>9}  {:>5.1}%  {:>12.1}%  {:>6.0}  {:>6.2}  {:>6.2}  | {minmax_n}",
            tier.as_str(),
            g.customers,
            100.0 * g.share,
            100.0 * g.revenue_share,
            g.mean_days_since_last,
            g.mean_frequency,
            g.mean_monetary
        );
    }
    let diagnostics = RfmDiagnostics::new(&TIER_NAMES, &tiers, &rules, &segments, [&rb, &fb, &mb])?;
    for warning in diagnostics.warnings() {
        println!("warning: {warning}");
    }
    Ok(())
}
