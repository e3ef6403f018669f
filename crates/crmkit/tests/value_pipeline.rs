//! End to end through the public API: value scores → quadrants → playbook, and feedback
//! scores feeding the same customers.
#![allow(clippy::unwrap_used)]

use crmkit::feedback::{NpsGroup, NpsIntervalMethod, nps, nps_group_outcomes};
use crmkit::playbook::{AlertLevel, Playbook, Tier};
use crmkit::value::quadrant::{QuadrantSplit, ValueQuadrant, value_potential_matrix};
use crmkit::value::scores::{
    CoreListSize, MarginTiming, RetentionClv, ValueWeights, composite_value_scores, core_list,
    simple_clv_batch,
};

#[test]
fn scores_to_quadrants_to_actions() {
    let ids: Vec<String> = (1..=6).map(|i| format!("CUS-2024-{i:03}")).collect();
    // Historical value from the simple CLV; potential: predicted minus historical CLV.
    let historical = simple_clv_batch(
        &[500.0, 80.0, 300.0, 40.0, 900.0, 120.0],
        &[4.0],
        &[3.0],
        &[0.3],
    )
    .unwrap();
    assert!((historical[0] - 1800.0).abs() < 1e-9);
    let model = RetentionClv::new(0.8, 0.1, Some(5)).unwrap();
    let margins: Vec<f64> = historical.iter().map(|h| h / 3.0).collect();
    let predicted = model.values(&margins, MarginTiming::EndOfPeriod).unwrap();
    let potential: Vec<f64> = predicted
        .iter()
        .zip(&historical)
        .zip([1.5, 3.0, 0.2, 0.1, 0.4, 2.5])
        .map(|((p, h), boost)| p * boost - h)
        .collect();
    let strategic = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];

    let scores = composite_value_scores(
        &ids,
        &historical,
        &potential,
        &strategic,
        &ValueWeights::default(),
    )
    .unwrap();
    let core = core_list(&scores, CoreListSize::TopPercent(34.0)).unwrap(); // ⌈2.04⌉ = 3
    assert_eq!(core.len(), 3);
    assert_eq!(core[0].rank, 1);
    assert!(core.windows(2).all(|w| w[0].composite >= w[1].composite));

    let matrix = value_potential_matrix(&historical, &potential, QuadrantSplit::Median).unwrap();
    assert_eq!(matrix.summary.iter().map(|s| s.customers).sum::<usize>(), 6);
    let quadrants: Vec<Option<ValueQuadrant>> =
        matrix.quadrants.iter().copied().map(Some).collect();
    let tiers: Vec<Option<Tier>> = scores
        .iter()
        .map(|s| {
            Some(if s.composite >= 0.8 {
                Tier::HighValue
            } else if s.composite >= 0.5 {
                Tier::Potential
            } else {
                Tier::ChurnRisk
            })
        })
        .collect();
    let alerts = [None, Some(AlertLevel::Red), None, None, None, None];
    let recs = Playbook::default()
        .apply(
            Some(&tiers),
            None::<&[Option<&str>]>,
            Some(&quadrants),
            Some(&alerts),
        )
        .unwrap();
    assert_eq!(recs.len(), 6);
    // One action vocabulary with the churn index (issue 11): the code, not the old text.
    assert_eq!(recs[1].actions[0], "personal_call_back");
    for (rec, q) in recs.iter().zip(&matrix.quadrants) {
        assert!(rec.matched.contains(&format!("quadrants.{}", q.as_str())));
        assert!(!rec.actions.is_empty());
    }
}

#[test]
fn feedback_reference_through_public_api() {
    // Reference: the worked example (100 promoters, 60 passives, 40 detractors):
    // NPS 30.0, Wald 95 % [19.18, 40.82]. Tolerance 0.005 (values given to 2 dp).
    let mut answers: Vec<u8> = vec![9; 100];
    answers.extend([7_u8; 60]);
    answers.extend([6_u8; 40]);
    let s = nps(&answers, NpsIntervalMethod::Wald, 0.95).unwrap();
    assert_eq!(s.nps, 30.0);
    assert!((s.interval.lower - 19.18).abs() < 0.005);
    assert!((s.interval.upper - 40.82).abs() < 0.005);
    let repurchased: Vec<bool> = answers.iter().map(|&a| a >= 9).collect();
    let clv: Vec<f64> = answers.iter().map(|&a| f64::from(a) * 100.0).collect();
    let rows = nps_group_outcomes(&answers, &repurchased, &clv).unwrap();
    assert_eq!(rows[2].group, NpsGroup::Promoter);
    assert_eq!(rows[2].repurchase_rate, Some(1.0));
    assert_eq!(rows[0].mean_clv, Some(600.0));
}
