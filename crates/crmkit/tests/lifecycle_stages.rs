//! Lifecycle stages: default rules, rule order, configuration, bad input, migration
//! between snapshots and per-stage metrics.
#![allow(clippy::unwrap_used)]

use crmkit::CrmkitError;
use crmkit::data::calendar::Day;
use crmkit::lifecycle::{
    LifecycleCondition, LifecycleInput, LifecycleReasonCode as R, LifecycleRules,
    LifecycleStage as S, MetricColumn, StageAssignment, assign_lifecycle_stages, metrics_by_group,
    migration, migration_with_labels, stage_metrics, stage_migration,
};
use proptest::prelude::*;

const AS_OF: Day = 2000;

/// One customer per case: (first contact, first, last, previous purchase, churn index,
/// gap fires, large order).
type Case = (
    Day,
    Option<Day>,
    Option<Day>,
    Option<Day>,
    Option<u8>,
    Option<bool>,
    Option<bool>,
);

const CASES: [Case; 13] = [
    // 0 prospect
    (1990, None, None, None, None, None, None),
    // 1 lost: 500 days since the last purchase
    (900, Some(1000), Some(1500), Some(1400), None, None, None),
    // 2 churn warning by index 9
    (900, Some(1000), Some(1900), Some(1800), Some(9), None, None),
    // 3 churn warning by the purchase-gap rule
    (
        900,
        Some(1000),
        Some(1900),
        Some(1800),
        Some(3),
        Some(true),
        None,
    ),
    // 4 reactivated: gap 900 before the latest purchase 100 days ago
    (900, Some(1000), Some(1900), Some(1000), None, None, None),
    // 5 onboarding: first purchase 100 days ago
    (1800, Some(1900), Some(1950), Some(1900), None, None, None),
    // 6 expansion: large order
    (
        900,
        Some(1000),
        Some(1990),
        Some(1960),
        Some(2),
        Some(false),
        Some(true),
    ),
    // 7 retained
    (
        900,
        Some(1000),
        Some(1990),
        Some(1960),
        Some(2),
        Some(false),
        Some(false),
    ),
    // 8 churn index 10 but never bought → prospect
    (1500, None, None, None, Some(10), Some(true), None),
    // 9 lost beats churn warning
    (900, Some(1000), Some(1500), None, Some(10), None, None),
    // 10 reactivated but index 8 → churn warning (rule order)
    (900, Some(1000), Some(1900), Some(1000), Some(8), None, None),
    // 11 first purchase exactly 180 days ago → still onboarding
    (1800, Some(1820), Some(1990), Some(1900), None, None, None),
    // 12 first purchase 181 days ago → retained
    (1800, Some(1819), Some(1990), Some(1900), None, None, None),
];

struct Columns {
    contact: Vec<Day>,
    first: Vec<Option<Day>>,
    last: Vec<Option<Day>>,
    previous: Vec<Option<Day>>,
    index: Vec<Option<u8>>,
    gap: Vec<Option<bool>>,
    large: Vec<Option<bool>>,
}

fn columns(cases: &[Case]) -> Columns {
    Columns {
        contact: cases.iter().map(|c| c.0).collect(),
        first: cases.iter().map(|c| c.1).collect(),
        last: cases.iter().map(|c| c.2).collect(),
        previous: cases.iter().map(|c| c.3).collect(),
        index: cases.iter().map(|c| c.4).collect(),
        gap: cases.iter().map(|c| c.5).collect(),
        large: cases.iter().map(|c| c.6).collect(),
    }
}

fn input(c: &Columns) -> LifecycleInput<'_> {
    LifecycleInput {
        as_of: AS_OF,
        first_contact: &c.contact,
        first_purchase: &c.first,
        last_purchase: &c.last,
        previous_purchase: &c.previous,
        churn_index: Some(&c.index),
        purchase_gap_fires: Some(&c.gap),
        large_order: Some(&c.large),
        ..LifecycleInput::default()
    }
}

fn assign(cases: &[Case], rules: &LifecycleRules) -> crmkit::Result<Vec<StageAssignment>> {
    let c = columns(cases);
    assign_lifecycle_stages(&input(&c), rules)
}

#[test]
fn default_rules_give_every_stage_with_its_reason() {
    let a = assign(&CASES, &LifecycleRules::default()).unwrap();
    let stages: Vec<S> = a.iter().map(|a| a.stage).collect();
    assert_eq!(
        stages,
        [
            S::Prospect,
            S::Lost,
            S::ChurnWarning,
            S::ChurnWarning,
            S::Reactivated,
            S::Onboarding,
            S::Expansion,
            S::Retained,
            S::Prospect,
            S::Lost,
            S::ChurnWarning,
            S::Onboarding,
            S::Retained,
        ]
    );
    let reason = |i: usize| (a[i].reason.code, a[i].reason.value, a[i].reason.threshold);
    assert_eq!(reason(0), (R::NoPurchase, Some(10.0), None));
    assert_eq!(
        reason(1),
        (R::DaysSinceLastPurchase, Some(500.0), Some(365.0))
    );
    assert_eq!(reason(2), (R::ChurnIndex, Some(9.0), Some(8.0)));
    assert_eq!(reason(3), (R::PurchaseGap, Some(1.0), None));
    assert_eq!(
        reason(4),
        (R::ReactivatedAfterGap, Some(900.0), Some(365.0))
    );
    assert_eq!(
        reason(5),
        (R::FirstPurchaseRecent, Some(100.0), Some(180.0))
    );
    assert_eq!(reason(6), (R::LargeOrder, Some(1.0), None));
    assert_eq!(reason(7), (R::Default, Some(1000.0), None));
    assert_eq!(reason(10), (R::ChurnIndex, Some(8.0), Some(8.0)));
    assert_eq!(
        reason(11),
        (R::FirstPurchaseRecent, Some(180.0), Some(180.0))
    );
}

#[test]
fn reactivation_expires_after_the_onboarding_period() {
    // Latest purchase after a 900-day gap, but 181 days ago: no longer reactivated.
    let case: Case = (800, Some(900), Some(1819), Some(900), None, None, None);
    let a = assign(&[case], &LifecycleRules::default()).unwrap();
    assert_eq!(a[0].stage, S::Retained);
}

#[test]
fn rules_are_configuration() {
    let json = r#"{"rules": [
        {"stage": "prospect", "when_any": ["no_purchase"]},
        {"stage": "lost", "when_any": [{"days_since_last_purchase_over": {"days": 90}}]},
        {"stage": "churn_warning", "when_any": [{"churn_index_at_least": {"index": 5}}]},
        {"stage": "retained", "when_any": ["always"]}
    ]}"#;
    let rules: LifecycleRules = serde_json::from_str(json).unwrap();
    let a = assign(&CASES, &rules).unwrap();
    // Customer 2: last purchase 100 days ago → lost with a 90-day horizon.
    assert_eq!(a[2].stage, S::Lost);
    // Customer 6: last purchase 10 days ago, index 2 → retained (no expansion rule).
    assert_eq!(a[6].stage, S::Retained);
    // Customer 3 with index 3: not ≥ 5; lost? last purchase 100 days ago → lost.
    assert_eq!(a[3].stage, S::Lost);
}

#[test]
fn invalid_rules_are_rejected_naming_the_rule() {
    let mut r = LifecycleRules::default();
    r.rules.pop();
    assert_eq!(assign(&CASES, &r).unwrap_err().field(), Some("rules[5]"));
    let mut r = LifecycleRules::default();
    r.rules[1].when_any = vec![LifecycleCondition::DaysSinceLastPurchaseOver { days: 0 }];
    assert_eq!(r.validate().unwrap_err().field(), Some("rules[1]"));
    let mut r = LifecycleRules::default();
    r.rules[2].when_any = vec![LifecycleCondition::ChurnIndexAtLeast { index: 11 }];
    assert_eq!(r.validate().unwrap_err().field(), Some("rules[2]"));
    let mut r = LifecycleRules::default();
    r.rules[5].when_any = vec![LifecycleCondition::HighValueBehaviour { any_of: vec![] }];
    assert!(r.validate().is_err());
    let mut r = LifecycleRules::default();
    r.rules[0].when_any.clear();
    assert!(r.validate().is_err());
    assert!(LifecycleRules { rules: vec![] }.validate().is_err());
    let unknown = r#"{"rules": [{"stage": "retained", "when_any": ["always"], "colour": 1}]}"#;
    assert!(serde_json::from_str::<LifecycleRules>(unknown).is_err());
    let unknown_stage = r#"{"rules": [{"stage": "vip", "when_any": ["always"]}]}"#;
    assert!(serde_json::from_str::<LifecycleRules>(unknown_stage).is_err());
}

#[test]
fn bad_input_names_column_and_row() {
    let rules = LifecycleRules::default();
    let mut cases = CASES;
    cases[4].1 = Some(1950); // first purchase after last 1900
    let e = assign(&cases, &rules).unwrap_err();
    assert_eq!((e.field(), e.row()), (Some("first_purchase"), Some(4)));

    let mut cases = CASES;
    cases[7].3 = Some(1990); // previous = last
    let e = assign(&cases, &rules).unwrap_err();
    assert_eq!((e.field(), e.row()), (Some("previous_purchase"), Some(7)));

    let mut cases = CASES;
    cases[5].2 = None; // first without last
    let e = assign(&cases, &rules).unwrap_err();
    assert!(matches!(e, CrmkitError::MissingValue { row: 5, .. }));

    let mut cases = CASES;
    cases[0].3 = Some(1000); // previous without purchase
    assert_eq!(assign(&cases, &rules).unwrap_err().row(), Some(0));

    let mut cases = CASES;
    cases[2].4 = Some(0);
    let e = assign(&cases, &rules).unwrap_err();
    assert_eq!((e.field(), e.row()), (Some("churn_index"), Some(2)));

    let mut cases = CASES;
    cases[6].2 = Some(AS_OF + 1);
    let e = assign(&cases, &rules).unwrap_err();
    assert!(matches!(e, CrmkitError::AfterObservation { row: 6, .. }));

    let c = columns(&CASES);
    let short = [None];
    let bad = LifecycleInput {
        referral: Some(&short),
        ..input(&c)
    };
    assert!(matches!(
        assign_lifecycle_stages(&bad, &rules).unwrap_err(),
        CrmkitError::LengthMismatch { .. }
    ));
}

#[test]
fn stage_migration_counts_rates_and_moves() {
    let before = [
        S::Onboarding,
        S::Onboarding,
        S::Onboarding,
        S::Retained,
        S::Retained,
    ];
    let after = [
        S::Retained,
        S::Retained,
        S::ChurnWarning,
        S::Retained,
        S::Lost,
    ];
    let m = stage_migration(&before, &after).unwrap();
    assert_eq!(m.labels, S::ALL);
    let (on, re, cw, lo) = (1, 2, 4, 5);
    assert_eq!(m.counts[on][re], 2);
    assert_eq!(m.counts[on][cw], 1);
    assert_eq!(m.counts[re][re], 1);
    assert_eq!(m.counts[re][lo], 1);
    assert!((m.rates[on][re] - 2.0 / 3.0).abs() < 1e-15);
    assert_eq!(m.rates[0], [0.0; 7]);
    assert_eq!(m.flows.len(), 4);
    assert_eq!(m.changed(), 4);
    assert_eq!(m.moves[4].from, re);
    assert_eq!(m.moves[4].to, lo);
    let json = serde_json::to_string(&m).unwrap();
    assert!(json.contains("\"churn_warning\""));
}

#[test]
fn generic_migration_for_tiers_and_segments() {
    let before = ["high value", "potential", "churn risk", "potential"];
    let after = ["potential", "potential", "high value", "churn risk"];
    let order = ["high value", "potential", "churn risk"];
    let m = migration_with_labels(&before, &after, &order).unwrap();
    assert_eq!(m.counts, [[0, 1, 0], [0, 1, 1], [1, 0, 0]]);
    assert_eq!(m.rates[1], [0.0, 0.5, 0.5]);
    let e = migration_with_labels(&before, &after, &["high value", "potential"]).unwrap_err();
    assert_eq!((e.field(), e.row()), (Some("before"), Some(2)));
    assert!(migration_with_labels(&before, &after, &["a", "a"]).is_err());
    assert!(migration(&before, &after[..2]).is_err());
    // Segment codes, customers absent in a snapshot as None.
    let m = migration(&[Some(3u8), None, Some(1)], &[Some(1), Some(3), None]).unwrap();
    assert_eq!(m.labels, [None, Some(1), Some(3)]);
    assert_eq!(m.counts, [[0, 0, 1], [1, 0, 0], [0, 1, 0]]);
}

#[test]
fn metrics_by_stage_and_group() {
    let stages = [
        S::Onboarding,
        S::Onboarding,
        S::ChurnWarning,
        S::ChurnWarning,
        S::Retained,
    ];
    let repurchase = [Some(1.0), Some(0.0), None, None, Some(1.0)];
    let complaints = [None, None, Some(2.0), Some(0.0), Some(1.0)];
    let columns = [
        MetricColumn {
            name: "repurchase_rate",
            values: &repurchase,
        },
        MetricColumn {
            name: "complaints",
            values: &complaints,
        },
    ];
    let m = stage_metrics(&stages, &columns, false).unwrap();
    assert_eq!(m.len(), 7);
    assert_eq!((m[1].group, m[1].customers), (S::Onboarding, 2));
    assert_eq!(m[1].metrics.len(), 1);
    assert_eq!(m[1].metrics[0].mean, Some(0.5));
    assert_eq!(m[4].metrics[0].name, "complaints");
    assert_eq!(m[4].metrics[0].mean, Some(1.0));
    assert!(m[2].metrics.is_empty()); // retained reports neither column
    assert_eq!(m[0].customers, 0);
    let all = stage_metrics(&stages, &columns, true).unwrap();
    assert_eq!(all[2].metrics[1].sum, 1.0);
    assert_eq!(all[5].metrics[0].mean, None);

    let bad = [Some(f64::NAN), None, None, None, None];
    let e = metrics_by_group(
        &stages,
        &[MetricColumn {
            name: "clv",
            values: &bad,
        }],
    )
    .unwrap_err();
    assert_eq!((e.field(), e.row()), (Some("clv"), Some(0)));
    let short = [Some(1.0)];
    assert!(
        metrics_by_group(
            &stages,
            &[MetricColumn {
                name: "clv",
                values: &short
            }]
        )
        .is_err()
    );
}

fn arb_case() -> impl Strategy<Value = Case> {
    (
        0i32..AS_OF,
        proptest::option::of((
            0i32..=AS_OF,
            0i32..=AS_OF,
            proptest::option::of(0i32..=AS_OF),
        )),
        proptest::option::of(1u8..=10),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(contact, purchases, index, gap, large)| {
            let (first, last, previous) = match purchases {
                None => (None, None, None),
                Some((a, b, p)) => {
                    let (f, l) = (a.min(b), a.max(b));
                    let prev = p.filter(|p| *p >= f && *p < l);
                    (Some(f), Some(l), prev)
                }
            };
            (contact, first, last, previous, index, gap, large)
        })
}

proptest! {
    #[test]
    fn every_customer_gets_exactly_one_stage_and_migration_adds_up(
        a in proptest::collection::vec(arb_case(), 0..30),
        b in proptest::collection::vec(arb_case(), 0..30),
    ) {
        let n = a.len().min(b.len());
        let before = assign(&a[..n], &LifecycleRules::default()).unwrap();
        let after = assign(&b[..n], &LifecycleRules::default()).unwrap();
        prop_assert_eq!(before.len(), n);
        for (case, s) in a[..n].iter().zip(&before) {
            // Prospect exactly when there is no purchase.
            prop_assert_eq!(case.2.is_none(), s.stage == S::Prospect);
        }
        let from: Vec<S> = before.iter().map(|s| s.stage).collect();
        let to: Vec<S> = after.iter().map(|s| s.stage).collect();
        let m = stage_migration(&from, &to).unwrap();
        let total: u64 = m.counts.iter().flatten().sum();
        prop_assert_eq!(total as usize, n);
        for (i, row) in m.rates.iter().enumerate() {
            let sum: f64 = row.iter().sum();
            let has = m.counts[i].iter().any(|c| *c > 0);
            let ok = if has { (sum - 1.0).abs() < 1e-12 } else { sum == 0.0 };
            prop_assert!(ok, "row {} sums to {}", i, sum);
        }
        for (mv, (f, t)) in m.moves.iter().zip(from.iter().zip(&to)) {
            prop_assert_eq!(m.labels[mv.from], *f);
            prop_assert_eq!(m.labels[mv.to], *t);
        }
    }
}

#[test]
fn churn_signals_and_index_feed_the_stages() {
    use crmkit::churn::{
        ChurnIndexOptions, ChurnRiskIndex, ChurnSignal, ChurnSignalInput, ChurnSignalOptions,
        InteractionKind, InteractionLog, TransactionLog, compute_churn_signals,
    };
    // Customer 0 bought every 30 days until day 760 (240 days ago): the gap rule fires.
    // Customer 1 first bought 100 days ago and again 10 days ago. Customer 2 only visited.
    let index = crmkit::data::ids::CustomerIndex::from_i64(
        "customer_id",
        &[0, 0, 0, 1, 1, 2, 2], // the transactions' ids, then the interactions'
    )
    .unwrap();
    let days = crmkit::data::transactions::Times::Days;
    let mut input = ChurnSignalInput::new(
        1000,
        TransactionLog::of_rows(
            &index,
            0..5,
            days(&[700, 730, 760, 900, 990]),
            &[20.0, 20.0, 20.0, 50.0, 55.0],
        )
        .unwrap(),
    );
    let kinds = [InteractionKind::Visit, InteractionKind::Login];
    input.interactions =
        Some(InteractionLog::of_rows(&index, 5..7, days(&[950, 980]), &kinds).unwrap());
    let report = compute_churn_signals(&input, &ChurnSignalOptions::default()).unwrap();
    let index = ChurnRiskIndex::new(ChurnIndexOptions::default()).unwrap();
    let churn_index: Vec<Option<u8>> = report
        .customers
        .iter()
        .map(|c| index.score(&c.values).unwrap().map(|r| r.index))
        .collect();
    let gap: Vec<Option<bool>> = report
        .customers
        .iter()
        .map(|c| c.fired(ChurnSignal::PurchaseGap))
        .collect();
    assert_eq!(gap, [Some(true), Some(false), None]);
    let input = LifecycleInput {
        as_of: 1000,
        first_contact: &[650, 880, 940],
        first_purchase: &[Some(700), Some(900), None],
        last_purchase: &[Some(760), Some(990), None],
        previous_purchase: &[Some(730), Some(900), None],
        churn_index: Some(&churn_index),
        purchase_gap_fires: Some(&gap),
        ..LifecycleInput::default()
    };
    let stages: Vec<S> = assign_lifecycle_stages(&input, &LifecycleRules::default())
        .unwrap()
        .iter()
        .map(|a| a.stage)
        .collect();
    assert_eq!(stages, [S::ChurnWarning, S::Onboarding, S::Prospect]);
}
