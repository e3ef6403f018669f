//! One churn story (docs/churn.md): every customer of a log gets a churn index and an alert,
//! and the alert never contradicts the lifecycle stage (a `lost` or `churn_warning` customer
//! is never green) — on CDNOW and on random logs.
#![allow(clippy::unwrap_used)]

use crmkit::churn::{
    AlertLevel, ChurnIndexOptions, ChurnRiskIndex, ChurnSignalInput, ChurnSignalOptions,
    InteractionKind, InteractionLog, TransactionLog, assess_churn, is_consistent,
};
use crmkit::data::calendar::{Day, day_from_ymd};
use crmkit::data::ids::CustomerIndex;
use crmkit::data::transactions::Times;
use crmkit::lifecycle::{LifecycleRules, LifecycleStage};
use proptest::prelude::*;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cdnow/");

fn cdnow() -> (CustomerIndex, Vec<Day>, Vec<f64>) {
    let text = std::fs::read_to_string(format!("{DATA}CDNOW_sample.txt")).unwrap();
    let (mut ids, mut days, mut amounts) = (vec![], vec![], vec![]);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        ids.push(f[1].parse::<i64>().unwrap());
        let d: u32 = f[2].parse().unwrap();
        days.push(day_from_ymd((d / 10_000) as i32, d / 100 % 100, d % 100));
        amounts.push(f[4].parse::<f64>().unwrap());
    }
    (
        CustomerIndex::from_i64("customer_id", &ids).unwrap(),
        days,
        amounts,
    )
}

#[test]
fn cdnow_every_customer_gets_an_index_and_lapsed_customers_are_never_green() {
    let (index, days, amounts) = cdnow();
    let n = index.n_customers();
    assert_eq!(n, 2357); // the CDNOW sample (Fader, Hardie & Lee 2005): 2,357 customers
    let input = ChurnSignalInput::new(
        day_from_ymd(1998, 6, 30),
        TransactionLog::new(&index, Times::Days(&days), &amounts).unwrap(),
    );
    let risk = ChurnRiskIndex::new(ChurnIndexOptions::default()).unwrap();
    let a = assess_churn(
        &input,
        &ChurnSignalOptions::default(),
        &risk,
        &LifecycleRules::default(),
        None,
    )
    .unwrap();
    // Every customer bought, so every one has a purchase-gap ratio and a measured index.
    assert!(a.iter().all(|c| c.weighted_strength.is_some()));
    assert!(a.iter().all(is_consistent));
    let lapsed = a
        .iter()
        .filter(|c| {
            matches!(
                c.stage.stage,
                LifecycleStage::Lost | LifecycleStage::ChurnWarning
            )
        })
        .count();
    assert!(lapsed * 10 > n * 7, "most CDNOW customers lapsed: {lapsed}");
    assert!(
        a.iter()
            .filter(|c| matches!(
                c.stage.stage,
                LifecycleStage::Lost | LifecycleStage::ChurnWarning
            ))
            .all(|c| c.alert != AlertLevel::Green)
    );

    // Before the purchase gap counted (weight 0), these lapsed customers had no index at all.
    let mut old = ChurnIndexOptions::default();
    old.purchase_gap.weight = 0.0;
    let old = ChurnRiskIndex::new(old).unwrap();
    let unscored = a
        .iter()
        .filter(|c| old.score(&c.signals.values).unwrap().is_none())
        .count();
    assert!(
        unscored * 100 > n * 70,
        "without the gap {unscored} of {n} had no index"
    );
}

fn kind() -> impl Strategy<Value = InteractionKind> {
    proptest::sample::select(InteractionKind::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_logs_tell_one_story(
        n in 1usize..12,
        tx in proptest::collection::vec((0u32..12, 0i32..1500, 0.0f64..500.0), 0..60),
        ix in proptest::collection::vec((0u32..12, 0i32..1500, kind()), 0..60),
        fallback_none in any::<bool>(),
    ) {
        let as_of: Day = 1500;
        let clip = |c: u32| c % n as u32;
        let tx_c: Vec<u32> = tx.iter().map(|r| clip(r.0)).collect();
        let tx_d: Vec<Day> = tx.iter().map(|r| r.1).collect();
        let tx_a: Vec<f64> = tx.iter().map(|r| r.2).collect();
        let ix_c: Vec<u32> = ix.iter().map(|r| clip(r.0)).collect();
        let ix_d: Vec<Day> = ix.iter().map(|r| r.1).collect();
        let ix_k: Vec<InteractionKind> = ix.iter().map(|r| r.2).collect();
        // One index over both logs' codes; customers without rows keep their codes.
        let index = CustomerIndex::from_codes("customer_id", [tx_c.as_slice(), &ix_c].concat(), n).unwrap();
        let mut input = ChurnSignalInput::new(
            as_of,
            TransactionLog::of_rows(&index, 0..tx_c.len(), Times::Days(&tx_d), &tx_a).unwrap(),
        );
        input.interactions = Some(
            InteractionLog::of_rows(&index, tx_c.len()..tx_c.len() + ix_c.len(), Times::Days(&ix_d), &ix_k).unwrap(),
        );
        let mut options = ChurnSignalOptions::default();
        if fallback_none {
            options.interval_fallback = crmkit::churn::IntervalFallback::None;
        }
        let risk = ChurnRiskIndex::new(ChurnIndexOptions::default()).unwrap();
        let a = assess_churn(&input, &options, &risk, &LifecycleRules::default(), None).unwrap();
        prop_assert_eq!(a.len(), n);
        for c in &a {
            prop_assert!(is_consistent(c));
            prop_assert!((1..=10).contains(&c.index));
            let stage = c.stage.stage;
            if matches!(stage, LifecycleStage::Lost | LifecycleStage::ChurnWarning) {
                prop_assert_ne!(c.alert, AlertLevel::Green);
            }
            // Under the default rules an index of 8+ makes a buyer churn_warning unless lost.
            if c.index >= 8 {
                prop_assert!(matches!(
                    stage,
                    LifecycleStage::ChurnWarning | LifecycleStage::Lost | LifecycleStage::Prospect
                ));
            }
            // A customer who bought has a purchase-gap ratio with the population fallback.
            if !fallback_none && c.signals.purchase_days > 0 && a.iter().any(|o| o.signals.purchase_days >= 2) {
                prop_assert!(c.weighted_strength.is_some());
            }
        }
    }
}
