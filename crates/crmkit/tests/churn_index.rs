//! Churn risk index: the worked examples of docs/churn.md, invariants and bad configuration.
#![allow(clippy::unwrap_used)]

use crmkit::churn::{
    AlertLevel, ChurnIndexOptions, ChurnRiskIndex, ChurnSignal, IndexComponent, SignalValues,
};
use proptest::prelude::*;

fn default_index() -> ChurnRiskIndex {
    ChurnRiskIndex::new(ChurnIndexOptions::default()).unwrap()
}

#[test]
fn spec_worked_example_one_gives_8_red_with_call_back() {
    // Baseline 10 active days per 30, 2 in the last 30; order value −40 %; 2 complaints;
    // competitor contact. 0.4·0.8 + 0.3·0.4 + 0.15·1 + 0.15·1 = 0.74; 9·0.74 = 6.66 → 7 → 8.
    let risk = default_index()
        .score(&SignalValues {
            activity_drop: Some(1.0 - 2.0 / 10.0),
            order_value_change: Some(-0.4),
            negative_feedback: Some(2.0),
            competitor_contact: Some(true),
            ..SignalValues::default()
        })
        .unwrap()
        .unwrap();
    assert_eq!(risk.index, 8);
    assert!((risk.weighted_strength - 0.74).abs() < 1e-12);
    assert_eq!(risk.alert, AlertLevel::Red);
    assert_eq!(
        risk.action.as_deref(),
        Some("personal_call_back_with_exclusive_offer")
    );
    assert_eq!(risk.contributions.len(), 4);
}

#[test]
fn spec_worked_example_two_gives_6_yellow_with_voucher() {
    // 1 active day against 10; order value −60 %; no complaints; no competitor contact.
    // 0.4·0.9 + 0.3·0.6 = 0.54; 9·0.54 = 4.86 → 5 → 6.
    let risk = default_index()
        .score(&SignalValues {
            activity_drop: Some(1.0 - 1.0 / 10.0),
            order_value_change: Some(-0.6),
            negative_feedback: Some(0.0),
            competitor_contact: Some(false),
            ..SignalValues::default()
        })
        .unwrap()
        .unwrap();
    assert_eq!(risk.index, 6);
    assert!((risk.weighted_strength - 0.54).abs() < 1e-12);
    assert_eq!(risk.alert, AlertLevel::Yellow);
    assert_eq!(risk.action.as_deref(), Some("new_product_trial_voucher"));
}

#[test]
fn missing_signals_drop_out_and_weights_renormalise() {
    // Only activity (0.4) and order value (0.3): (0.4·0.5 + 0.3·1) / 0.7 = 0.714…; 9· = 6.43 → 7.
    let risk = default_index()
        .score(&SignalValues {
            activity_drop: Some(0.5),
            order_value_change: Some(-1.5),
            ..SignalValues::default()
        })
        .unwrap()
        .unwrap();
    assert!((risk.weighted_strength - 0.5 / 0.7).abs() < 1e-12);
    assert_eq!(risk.index, 7);
    // Red without complaints or competitor contact: the fallback red action.
    let red = default_index()
        .score(&SignalValues {
            activity_drop: Some(1.0),
            ..SignalValues::default()
        })
        .unwrap()
        .unwrap();
    assert_eq!(
        (red.index, red.action.as_deref()),
        (10, Some("personal_call_back"))
    );
}

#[test]
fn exact_half_rounds_up() {
    // Single signal of strength 0.5 → 9 · 0.5 = 4.5 → 5 → index 6 (half away from zero).
    let risk = default_index()
        .score(&SignalValues {
            negative_feedback: Some(1.0),
            ..SignalValues::default()
        })
        .unwrap()
        .unwrap();
    assert_eq!(risk.index, 6);
    // Weights 0.1 and 0.2 strengths summing to an exact half that floats put below 0.5:
    // (0.1·1 + 0.2·0.25) / 0.3 = 0.5 mathematically.
    let mut o = ChurnIndexOptions::default();
    o.activity_drop.weight = 0.1;
    o.order_value_decline.weight = 0.2;
    let idx = ChurnRiskIndex::new(o).unwrap();
    let risk = idx
        .score(&SignalValues {
            activity_drop: Some(1.0),
            order_value_change: Some(-0.25),
            ..SignalValues::default()
        })
        .unwrap()
        .unwrap();
    assert_eq!(risk.index, 6);
}

#[test]
fn no_weighted_signal_gives_none() {
    let idx = default_index();
    assert_eq!(idx.score(&SignalValues::default()).unwrap(), None);
    // NPS is measured but has weight 0 by default.
    let v = SignalValues {
        nps_detractor: Some(true),
        ..SignalValues::default()
    };
    assert_eq!(idx.score(&v).unwrap(), None);
}

#[test]
fn playbook_can_react_to_unweighted_signal() {
    let mut o = ChurnIndexOptions::default();
    o.playbook.insert(
        0,
        crmkit::churn::PlaybookRule {
            alert: AlertLevel::Yellow,
            when_any: vec![ChurnSignal::NpsDetractor],
            action: "executive_sponsor_call".into(),
        },
    );
    let idx = ChurnRiskIndex::new(o).unwrap();
    let risk = idx
        .score(&SignalValues {
            activity_drop: Some(0.5),
            nps_detractor: Some(true),
            ..SignalValues::default()
        })
        .unwrap()
        .unwrap();
    assert_eq!(risk.alert, AlertLevel::Yellow);
    assert_eq!(risk.action.as_deref(), Some("executive_sponsor_call"));
}

#[test]
fn bad_configuration_is_rejected_naming_the_field() {
    let mut o = ChurnIndexOptions::default();
    o.activity_drop.weight = -0.1;
    let e = ChurnRiskIndex::new(o).unwrap_err();
    assert_eq!(e.field(), Some("activity_drop.weight"));

    let o = ChurnIndexOptions {
        negative_feedback: IndexComponent {
            weight: 0.15,
            zero_at: 2.0,
            full_at: 2.0,
        },
        ..ChurnIndexOptions::default()
    };
    assert_eq!(
        ChurnRiskIndex::new(o).unwrap_err().field(),
        Some("negative_feedback")
    );

    let mut o = ChurnIndexOptions::default();
    for s in ChurnSignal::ALL {
        match s {
            ChurnSignal::ActivityDrop => o.activity_drop.weight = 0.0,
            ChurnSignal::OrderValueDecline => o.order_value_decline.weight = 0.0,
            ChurnSignal::NegativeFeedback => o.negative_feedback.weight = 0.0,
            ChurnSignal::CompetitorContact => o.competitor_contact.weight = 0.0,
            // Weighted by default since the purchase gap joined the index (docs/churn.md).
            ChurnSignal::PurchaseGap => o.purchase_gap.weight = 0.0,
            _ => {}
        }
    }
    assert_eq!(ChurnRiskIndex::new(o).unwrap_err().field(), Some("weights"));

    let o = ChurnIndexOptions {
        yellow_from: 8,
        red_from: 8,
        ..ChurnIndexOptions::default()
    };
    assert!(ChurnRiskIndex::new(o).is_err());

    let json = r#"{"activity_drop": {"weight": 0.4, "zero_at": 0, "full_at": 1, "extra": 1}}"#;
    assert!(serde_json::from_str::<ChurnIndexOptions>(json).is_err());
    // The validated index refuses invalid options on deserialisation too.
    let json = r#"{"red_from": 11}"#;
    assert!(serde_json::from_str::<ChurnRiskIndex>(json).is_err());
}

#[test]
fn non_finite_measured_value_is_an_error_naming_the_signal() {
    let e = default_index()
        .score(&SignalValues {
            order_value_change: Some(f64::INFINITY),
            ..SignalValues::default()
        })
        .unwrap_err();
    assert_eq!(e.field(), Some("order_value_decline"));
}

#[test]
fn index_round_trips_through_json() {
    let idx = default_index();
    let json = serde_json::to_string(&idx).unwrap();
    let back: ChurnRiskIndex = serde_json::from_str(&json).unwrap();
    assert_eq!(back, idx);
    let risk = idx
        .score(&SignalValues {
            activity_drop: Some(0.3),
            ..SignalValues::default()
        })
        .unwrap()
        .unwrap();
    let json = serde_json::to_string(&risk).unwrap();
    assert_eq!(
        serde_json::from_str::<crmkit::churn::ChurnRisk>(&json).unwrap(),
        risk
    );
}

fn arb_values() -> impl Strategy<Value = SignalValues> {
    (
        proptest::option::of(-2.0f64..2.0),
        proptest::option::of(0.0f64..5.0),
        proptest::option::of(-2.0f64..2.0),
        proptest::option::of(0.0f64..6.0),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(a, g, o, n, c, s, d)| SignalValues {
            activity_drop: a,
            purchase_gap_ratio: g,
            order_value_change: o,
            negative_feedback: n,
            competitor_contact: c,
            service_silence: s,
            nps_detractor: d,
        })
}

fn all_weights_options() -> ChurnIndexOptions {
    let mut o = ChurnIndexOptions::default();
    o.purchase_gap.weight = 0.2;
    o.service_silence.weight = 0.1;
    o.nps_detractor.weight = 0.1;
    o
}

proptest! {
    #[test]
    fn index_is_in_1_to_10(v in arb_values()) {
        let idx = ChurnRiskIndex::new(all_weights_options()).unwrap();
        if let Some(risk) = idx.score(&v).unwrap() {
            prop_assert!((1..=10).contains(&risk.index));
            prop_assert!((0.0..=1.0).contains(&risk.weighted_strength));
        }
    }

    #[test]
    fn index_is_monotone_in_each_numeric_signal(v in arb_values(), bump in 0.0f64..3.0) {
        let idx = ChurnRiskIndex::new(all_weights_options()).unwrap();
        let base = idx.score(&v).unwrap().map(|r| r.index);
        let bumped = [
            SignalValues { activity_drop: v.activity_drop.map(|x| x + bump), ..v },
            SignalValues { purchase_gap_ratio: v.purchase_gap_ratio.map(|x| x + bump), ..v },
            SignalValues { order_value_change: v.order_value_change.map(|x| x - bump), ..v },
            SignalValues { negative_feedback: v.negative_feedback.map(|x| x + bump), ..v },
            SignalValues { competitor_contact: v.competitor_contact.map(|_| true), ..v },
            SignalValues { service_silence: v.service_silence.map(|_| true), ..v },
            SignalValues { nps_detractor: v.nps_detractor.map(|_| true), ..v },
        ];
        for b in bumped {
            let after = idx.score(&b).unwrap().map(|r| r.index);
            prop_assert!(after >= base, "{:?} -> {:?}", base, after);
        }
    }
}
