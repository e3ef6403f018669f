//! RFM of the bundled CDNOW sample from Rust: features, min–max score and tiers, quantile scores
//! and segments. Run with `cargo run --release --example cdnow_rfm -p crmkit`.

use crmkit::data::calendar::{day_from_ymd, parse_day};
use crmkit::data::ids::CustomerIndex;
use crmkit::data::transactions::{Times, TransactionLog};
use crmkit::rfm::features::{FeatureOptions, rfm_features};
use crmkit::rfm::score::{
    Direction, MinMaxFit, Normalization, QuantileBins, RfmWeights, Tier, TierThresholds, tier_codes,
};
use crmkit::rfm::segments::SegmentRules;

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

    let fit = MinMaxFit::fit(
        &f.days_since_last,
        &f.frequency,
        &f.monetary,
        Normalization::MinMax,
    )?;
    let scores = fit.score(
        &f.days_since_last,
        &f.frequency,
        &f.monetary,
        &RfmWeights::default(),
    )?;
    let tiers = tier_codes(&scores, &TierThresholds::default());
    let (_, r) = QuantileBins::fit_apply(
        "days_since_last",
        &f.days_since_last,
        5,
        Direction::LowerIsBetter,
    )?;
    let (_, fq) = QuantileBins::fit_apply("frequency", &f.frequency, 5, Direction::HigherIsBetter)?;
    let (_, m) = QuantileBins::fit_apply("monetary", &f.monetary, 5, Direction::HigherIsBetter)?;
    let rules = SegmentRules::rf_grid();
    let segments = rules.assign_all(&r, &fq, &m)?;

    println!("{} customers as of 1998-06-30", f.customer.len());
    for (name, count) in rules.names().iter().zip(rules.rule_counts(&segments)) {
        println!("{name:>20}: {count}");
    }
    for tier in Tier::ALL {
        let n = tiers
            .iter()
            .filter(|&&t| Tier::ALL[usize::from(t)] == tier)
            .count();
        println!("{:>20}: {n}", tier.as_str());
    }
    Ok(())
}
