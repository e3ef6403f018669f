//! Issue 12, "bad input anywhere": each finding of the adversarial probe, reproduced on the
//! public API of the core (the Python tests are in tests/python/test_bad_input.py).

#![allow(clippy::unwrap_used)]

use crmkit::CrmkitError;
use crmkit::lifecycle::{
    LifecycleStage, MetricColumn, migration_flows, migration_with_labels, stage_metrics,
};
use proptest::prelude::*;

#[test]
fn metric_sums_beyond_f64_max_are_an_error() {
    // Totals of 1.7e308 gave an infinite sum and mean.
    let v = [Some(1.7e308), Some(1.7e308)];
    let columns = [MetricColumn {
        name: "clv",
        values: &v,
    }];
    let stages = [LifecycleStage::Retained, LifecycleStage::Retained];
    let err = stage_metrics(&stages, &columns, true).unwrap_err();
    assert!(matches!(err, CrmkitError::Numerical { .. }));
    assert!(err.to_string().contains("clv"));
}

#[test]
fn migration_of_many_labels_is_sparse() {
    // 30 k distinct labels allocated two label x label matrices (7.2 GB) and aborted.
    let n = 30_000u32;
    let labels: Vec<u32> = (0..n).collect();
    let before: Vec<u32> = (0..n).collect();
    let after: Vec<u32> = (0..n).map(|i| (i + 1) % n).collect();
    let m = migration_flows(&before, &after, &labels).unwrap();
    assert_eq!(m.flows.len(), n as usize);
    assert!(m.flows.iter().all(|f| f.count == 1 && f.rate == 1.0));
    let err = migration_with_labels(&before, &after, &labels).unwrap_err();
    assert!(matches!(&err, CrmkitError::InvalidConfig { field, .. } if field == "labels"));
}

#[test]
fn errors_never_echo_a_customer_id_and_cap_long_values() {
    use crmkit::value::scores::{ValueWeights, composite_value_scores};
    let ids = [
        "john.doe@example.com",
        "+1 555 123 4567",
        "john.doe@example.com",
    ];
    let err = composite_value_scores(
        &ids,
        &[1.0; 3],
        &[1.0; 3],
        &[1.0; 3],
        &ValueWeights::default(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        !text.contains("john") && text.contains("(customer id)"),
        "{text}"
    );
    assert_eq!(err.row(), Some(2));
    // Any echoed value is cut to MAX_SHOWN_CHARS characters.
    let long = "x".repeat(1 << 20);
    let err = CrmkitError::invalid_value("label", 0, &long, "unknown");
    assert!(err.to_string().len() < 300);
    let err = CrmkitError::invalid_config("label", &long, "unknown");
    assert!(err.to_string().len() < 300);
}

#[test]
fn sizes_beyond_the_memory_are_refused() {
    // ChurnIndexOptions().score({}, 2**33) tried to allocate 618 GB and aborted.
    let err = crmkit::runtime::memory::check_rows("n", 1 << 33, 72).unwrap_err();
    assert_eq!(err.field(), Some("n"));
}

proptest! {
    #[test]
    fn sparse_flows_equal_the_dense_matrix(
        pairs in proptest::collection::vec((0u8..6, 0u8..6), 0..200)
    ) {
        let before: Vec<u8> = pairs.iter().map(|p| p.0).collect();
        let after: Vec<u8> = pairs.iter().map(|p| p.1).collect();
        let labels: Vec<u8> = (0..6).collect();
        let dense = migration_with_labels(&before, &after, &labels).unwrap();
        let mut expected = Vec::new();
        for i in 0..6 {
            for j in 0..6 {
                if dense.counts[i][j] > 0 {
                    let total: u64 = dense.counts[i].iter().sum();
                    expected.push((i as u8, j as u8, dense.counts[i][j], dense.counts[i][j] as f64 / total as f64));
                }
            }
        }
        let got: Vec<_> = dense.flows.iter().map(|f| (f.from, f.to, f.count, f.rate)).collect();
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn playbook_deduplication_is_linear() {
    // Playbook.recommend de-duplicated with a list search per action: 2e5 actions > 5 s.
    use crmkit::playbook::{AlertLevel, CustomerContext, Playbook, PlaybookEntry};
    let n = 200_000;
    let actions: Vec<crmkit::playbook::Action> = (0..n)
        .map(|i| crmkit::playbook::Action::Custom(format!("action {}", i % (n / 2))))
        .collect();
    let mut pb = Playbook::default();
    pb.alerts.insert(
        AlertLevel::Red,
        PlaybookEntry {
            actions,
            channels: vec!["phone".into(), "phone".into()],
        },
    );
    let ctx = CustomerContext {
        alert: Some(AlertLevel::Red),
        ..Default::default()
    };
    let start = std::time::Instant::now();
    let rec = pb.recommend(&ctx);
    let took = start.elapsed();
    assert_eq!(rec.actions.len(), n / 2);
    assert_eq!(rec.actions[0], "action 0");
    assert_eq!(
        rec.actions[n / 2 - 1].as_str(),
        format!("action {}", n / 2 - 1)
    );
    assert_eq!(rec.channels, ["phone"]);
    // Generous even for a debug build on a loaded machine; the quadratic version needed
    // ~5e9 string comparisons here.
    assert!(took.as_secs_f64() < 20.0, "{took:?}");
}
