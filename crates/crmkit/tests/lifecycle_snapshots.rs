//! Migration between two snapshots matched by customer id (`snapshot_migration`): counts
//! worked by hand, bad input naming field and row (never the id), and properties against a
//! direct reference (a BTreeMap join, the algorithm `crmkit.stage_migration` used in Python
//! before it moved to the core).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use crmkit::CrmkitError;
use crmkit::data::ids::CustomerIndex;
use crmkit::lifecycle::{
    ABSENT, LabelOrder, SnapshotMigration, SnapshotMigrationOptions, snapshot_migration,
    snapshot_migration_by_position,
};
use proptest::prelude::*;

fn run(
    before: &[(&str, Option<&str>)],
    after: &[(&str, Option<&str>)],
    options: &SnapshotMigrationOptions,
) -> Result<SnapshotMigration, CrmkitError> {
    let ids: Vec<&str> = before.iter().chain(after).map(|r| r.0).collect();
    let index = CustomerIndex::from_strs("customer_id", ids.len(), |r| ids[r])?;
    let b: Vec<Option<&str>> = before.iter().map(|r| r.1).collect();
    let a: Vec<Option<&str>> = after.iter().map(|r| r.1).collect();
    snapshot_migration(&index, &b, &a, options)
}

#[test]
fn counts_rates_and_absent_by_hand() {
    // C1 retained -> lost, C2 retained -> retained, C3 only before (lost -> absent),
    // C4 only after (absent -> onboarding).
    let before = [
        ("C3", Some("lost")),
        ("C1", Some("retained")),
        ("C2", Some("retained")),
    ];
    let after = [
        ("C4", Some("onboarding")),
        ("C2", Some("retained")),
        ("C1", Some("lost")),
    ];
    let m = run(&before, &after, &SnapshotMigrationOptions::default()).unwrap();
    // Every label is a stage: stage order, stages seen only, then "(absent)".
    assert_eq!(m.labels, ["onboarding", "retained", "lost", ABSENT]);
    let flows: Vec<_> = m
        .flows
        .iter()
        .map(|f| (f.from, f.to, f.count, f.rate))
        .collect();
    assert_eq!(
        flows,
        [
            (1, 1, 1, 0.5),
            (1, 2, 1, 0.5),
            (2, 3, 1, 1.0),
            (3, 0, 1, 1.0)
        ]
    );
    let counts = m.counts.as_ref().unwrap();
    assert_eq!(counts[1], [0, 1, 1, 0]);
    assert_eq!(m.rates.as_ref().unwrap()[0], [0.0; 4]);
    // Customers in id order C1..C4; their first row in before ++ after.
    assert_eq!(m.customer_rows, [1, 2, 0, 3]);
    assert_eq!((m.from, m.to), (vec![1, 1, 2, 3], vec![2, 1, 3, 0]));
}

#[test]
fn label_orders() {
    let before = [("a", Some("silver")), ("b", Some("gold"))];
    let after = [("a", Some("gold")), ("b", Some("bronze"))];
    let auto = run(&before, &after, &SnapshotMigrationOptions::default()).unwrap();
    assert_eq!(auto.labels, ["bronze", "gold", "silver"]);
    let given = SnapshotMigrationOptions {
        order: LabelOrder::Given(vec![
            "gold".into(),
            "silver".into(),
            "bronze".into(),
            "tin".into(),
        ]),
        ..Default::default()
    };
    let m = run(&before, &after, &given).unwrap();
    assert_eq!(m.labels, ["gold", "silver", "bronze", "tin"]);
    assert_eq!(m.counts.unwrap()[3], [0, 0, 0, 0]);
    let categories = SnapshotMigrationOptions {
        order: LabelOrder::Categories(vec!["silver".into(), "platinum".into()]),
        ..Default::default()
    };
    let m = run(&before, &after, &categories).unwrap();
    assert_eq!(m.labels, ["silver", "platinum", "bronze", "gold"]);
    let missing = SnapshotMigrationOptions {
        order: LabelOrder::Given(vec!["gold".into()]),
        ..Default::default()
    };
    let e = run(&before, &after, &missing).unwrap_err();
    assert!(matches!(e, CrmkitError::InvalidConfig { ref field, .. } if field == "labels"));
    assert!(e.to_string().contains("silver") && e.to_string().contains("bronze"));
    let repeated = SnapshotMigrationOptions {
        order: LabelOrder::Given(vec!["gold".into(), "gold".into()]),
        ..Default::default()
    };
    assert!(run(&before, &after, &repeated).is_err());
}

#[test]
fn bad_input_names_field_and_row_never_the_id() {
    let o = SnapshotMigrationOptions {
        label: "tier".into(),
        ..Default::default()
    };
    let e = run(
        &[("jane@example.com", Some("a"))],
        &[
            ("x", Some("a")),
            ("jane@example.com", Some("b")),
            ("jane@example.com", Some("b")),
        ],
        &o,
    )
    .unwrap_err();
    assert!(
        matches!(e, CrmkitError::InvalidValue { ref field, row: 2, .. } if field == "after.customer_id")
    );
    assert!(e.to_string().contains("(customer id)") && !e.to_string().contains("jane"));
    let e = run(&[("a", Some("x")), ("b", None)], &[("a", Some("x"))], &o).unwrap_err();
    assert!(matches!(e, CrmkitError::MissingValue { ref field, row: 1 } if field == "before.tier"));
    let index = CustomerIndex::from_i64("customer_id", &[1, 2]).unwrap();
    assert!(matches!(
        snapshot_migration(&index, &[Some("a")], &[], &o),
        Err(CrmkitError::LengthMismatch { .. })
    ));
    assert!(matches!(
        snapshot_migration_by_position(&[Some("a")], &[Some("a"), Some("b")], &o),
        Err(CrmkitError::LengthMismatch { .. })
    ));
}

#[test]
fn many_labels_need_matrices_off() {
    let labels: Vec<String> = (0..5000).map(|i| format!("l{i}")).collect();
    let before: Vec<Option<&str>> = labels.iter().map(|l| Some(l.as_str())).collect();
    let after: Vec<Option<&str>> = before.iter().cycle().skip(1).take(5000).copied().collect();
    let e = snapshot_migration_by_position(&before, &after, &SnapshotMigrationOptions::default())
        .unwrap_err();
    assert!(matches!(e, CrmkitError::InvalidConfig { ref field, .. } if field == "labels"));
    let o = SnapshotMigrationOptions {
        matrices: false,
        ..Default::default()
    };
    let m = snapshot_migration_by_position(&before, &after, &o).unwrap();
    assert!(m.counts.is_none() && m.flows.len() == 5000);
    assert!(m.flows.iter().all(|f| f.count == 1 && f.rate == 1.0));
}

#[test]
fn serde_round_trip() {
    let m = run(
        &[("a", Some("x"))],
        &[("b", Some("y"))],
        &SnapshotMigrationOptions::default(),
    )
    .unwrap();
    let back: SnapshotMigration =
        serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(back, m);
}

/// The reference: join by id in a BTreeMap, absent as "(absent)", count pairs.
fn reference(
    before: &[(String, String)],
    after: &[(String, String)],
) -> BTreeMap<String, (String, String)> {
    let mut out: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (id, l) in before {
        out.insert(id.clone(), (l.clone(), ABSENT.to_owned()));
    }
    for (id, l) in after {
        out.entry(id.clone())
            .or_insert_with(|| (ABSENT.to_owned(), String::new()))
            .1 = l.clone();
    }
    out
}

fn snapshot() -> impl Strategy<Value = Vec<(String, String)>> {
    // Distinct ids out of 40, labels out of 5 (stage names and others).
    (
        proptest::sample::subsequence((0..40).collect::<Vec<u32>>(), 0..40),
        proptest::collection::vec(0usize..5, 40),
    )
        .prop_flat_map(|(ids, labels)| {
            let names = ["lost", "retained", "gold", "onboarding", "z"];
            let rows: Vec<(String, String)> = ids
                .iter()
                .zip(&labels)
                .map(|(i, l)| (format!("C{i}"), names[*l].to_owned()))
                .collect();
            Just(rows).prop_shuffle()
        })
}

proptest! {
    #[test]
    fn matches_the_reference_join_in_any_row_order(
        before in snapshot(),
        after in snapshot(),
        seed in any::<u64>(),
    ) {
        prop_assume!(!before.is_empty() || !after.is_empty());
        let as_refs = |s: &[(String, String)]| -> Vec<(String, String)> { s.to_vec() };
        let (b, a) = (as_refs(&before), as_refs(&after));
        let b_rows: Vec<(&str, Option<&str>)> = b.iter().map(|(i, l)| (i.as_str(), Some(l.as_str()))).collect();
        let a_rows: Vec<(&str, Option<&str>)> = a.iter().map(|(i, l)| (i.as_str(), Some(l.as_str()))).collect();
        let m = run(&b_rows, &a_rows, &SnapshotMigrationOptions::default()).unwrap();
        let expected = reference(&b, &a);
        // Per customer (ascending id order), the same move as the reference.
        let ids: Vec<&str> = b_rows.iter().chain(&a_rows).map(|r| r.0).collect();
        let got: BTreeMap<String, (String, String)> = m.customer_rows.iter().zip(m.from.iter().zip(&m.to))
            .map(|(&r, (&f, &t))| (ids[r].to_owned(), (m.labels[f as usize].clone(), m.labels[t as usize].clone())))
            .collect();
        prop_assert_eq!(&got, &expected);
        let order: Vec<&str> = m.customer_rows.iter().map(|&r| ids[r]).collect();
        prop_assert!(order.windows(2).all(|w| w[0] < w[1]));
        // Pair counts and rates as the reference counts them.
        let mut pairs: BTreeMap<(String, String), u64> = BTreeMap::new();
        for v in expected.values() {
            *pairs.entry(v.clone()).or_default() += 1;
        }
        let total = m.flows.iter().map(|f| f.count).sum::<u64>();
        prop_assert_eq!(total as usize, expected.len());
        for f in &m.flows {
            let key = (m.labels[f.from].clone(), m.labels[f.to].clone());
            prop_assert_eq!(pairs.get(&key).copied(), Some(f.count));
            let row: u64 = pairs.iter().filter(|(k, _)| k.0 == key.0).map(|(_, c)| c).sum();
            prop_assert!((f.rate - f.count as f64 / row as f64).abs() < 1e-15);
        }
        prop_assert_eq!(m.flows.len(), pairs.len());
        // Labels: each seen once; "(absent)" last exactly when someone is absent.
        let seen: BTreeSet<&String> = expected.values().flat_map(|(x, y)| [x, y]).collect();
        prop_assert_eq!(m.labels.len(), seen.len());
        prop_assert_eq!(m.labels.last().map(String::as_str) == Some(ABSENT), seen.iter().any(|l| l.as_str() == ABSENT));
        // Shuffling the rows of each snapshot changes nothing.
        let mut rng = seed;
        let mut shuffle = |rows: &mut Vec<(&str, Option<&str>)>| {
            for i in (1..rows.len()).rev() {
                rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                rows.swap(i, (rng >> 33) as usize % (i + 1));
            }
        };
        let (mut b2, mut a2) = (b_rows.clone(), a_rows.clone());
        shuffle(&mut b2);
        shuffle(&mut a2);
        let m2 = run(&b2, &a2, &SnapshotMigrationOptions::default()).unwrap();
        prop_assert_eq!((&m2.labels, &m2.flows, &m2.counts, &m2.from, &m2.to), (&m.labels, &m.flows, &m.counts, &m.from, &m.to));
    }
}
