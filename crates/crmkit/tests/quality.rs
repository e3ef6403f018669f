//! The data-quality report: every rule on hand-made logs with known answers (counted by hand
//! from the inputs below), nulls in every column, and the invariant that a permutation of the
//! rows permutes the flagged row indices and never changes a count.

#![allow(clippy::unwrap_used, reason = "tests")]

use crmkit::CrmkitError;
use crmkit::data::ids::CustomerIndex;
use crmkit::data::transactions::{LogReport, Times};
use crmkit::quality::{
    CustomerRecords, Nulls, OutlierRule, QualityLog, QualityOptions, QualityReport, RecordField,
    Rule, Table, quality_report,
};
use proptest::prelude::*;

/// ids, id nulls, days, timestamp nulls, amounts, extra keys
type Columns = (Vec<i64>, Vec<bool>, Vec<i32>, Vec<bool>, Vec<f64>, Vec<u64>);

fn rows(report: &QualityReport, rule: Rule) -> Vec<usize> {
    report.rows(rule).unwrap().to_vec()
}

#[test]
fn every_log_rule_on_a_small_log() {
    // row: id, day, amount
    // 0: 1, 10, 10      clean
    // 1: 1, 10, 10      duplicate of 0
    // 2: 2, 11, -4      negative (refund)
    // 3: 2, 12, NaN     non-finite
    // 4: 3, 30, 20      after as_of (20)
    // 5: 3, 1,  20      before start (5)
    // 6: null, 12, 5    missing id
    // 7: null, 12, 5    missing id, duplicate of 6 (nulls compare equal)
    // 8: 4, null, 7     missing timestamp
    // 9: 4, 13, null    missing amount
    // 10: 5, 14, inf    non-finite
    // 11: 5, 14, 1000   outlier at factor 5 (see below)
    let ids = [1, 1, 2, 2, 3, 3, 0, 0, 4, 4, 5, 5];
    let days = [10, 10, 11, 12, 30, 1, 12, 12, 0, 13, 14, 14];
    let amounts = [
        10.0,
        10.0,
        -4.0,
        f64::NAN,
        20.0,
        20.0,
        5.0,
        5.0,
        7.0,
        0.0,
        f64::INFINITY,
        1000.0,
    ];
    let id_nulls = [
        false, false, false, false, false, false, true, true, false, false, false, false,
    ];
    let mut ts_nulls = [false; 12];
    ts_nulls[8] = true;
    let mut amount_nulls = [false; 12];
    amount_nulls[9] = true;
    let index = CustomerIndex::from_i64("customer_id", &ids).unwrap();
    let log = QualityLog::new(&index, Times::Days(&days), &amounts)
        .unwrap()
        .with_missing_customer_ids(Nulls::Flags(&id_nulls))
        .unwrap()
        .with_missing_timestamps(Nulls::Flags(&ts_nulls))
        .unwrap()
        .with_missing_amounts(Nulls::Flags(&amount_nulls))
        .unwrap();
    let options = QualityOptions {
        start: Some(5),
        // orders: 10, 10, 20, 20, 5, 5, 7, 1000 -> mean 1077 / 8 = 134.625; 5 × mean = 673.125
        outliers: OutlierRule::MeanMultiple { factor: 5.0 },
        ..QualityOptions::new(20)
    };
    let report = quality_report(&log, None, &options).unwrap();
    assert_eq!(rows(&report, Rule::MissingCustomerId), [6, 7]);
    assert_eq!(rows(&report, Rule::MissingTimestamp), [8]);
    assert_eq!(rows(&report, Rule::MissingAmount), [9]);
    assert_eq!(rows(&report, Rule::NonFiniteAmount), [3, 10]);
    assert_eq!(rows(&report, Rule::NegativeAmount), [2]);
    assert_eq!(rows(&report, Rule::TimestampAfterAsOf), [4]);
    assert_eq!(rows(&report, Rule::TimestampBeforeStart), [5]);
    assert_eq!(rows(&report, Rule::DuplicateRow), [1, 7]);
    assert_eq!(rows(&report, Rule::OutlierAmount), [11]);
    assert_eq!(report.outlier_cut, Some(673.125));
    assert_eq!(report.transactions, 12);
    assert!(!report.is_clean());
    // only log rules, in vocabulary order
    let checked: Vec<Rule> = report.findings.iter().map(|f| f.rule).collect();
    assert_eq!(checked, Rule::ALL[..9].to_vec());
    // the default factor 10: cut 1346.25, so 1000 is not an outlier
    let default = quality_report(&log, None, &QualityOptions::new(20)).unwrap();
    assert_eq!(rows(&default, Rule::OutlierAmount), Vec::<usize>::new());
    assert_eq!(default.count(Rule::TimestampBeforeStart), None);
}

#[test]
fn timestamps_compare_by_calendar_day_in_any_unit() {
    let seconds_per_day = 86_400;
    let as_of = 100;
    // last second of as_of, first second after, last second before start 90, first of start
    let ticks = [
        101 * seconds_per_day - 1,
        101 * seconds_per_day,
        90 * seconds_per_day - 1,
        90 * seconds_per_day,
    ];
    let index = CustomerIndex::from_i64("customer_id", &[1, 2, 3, 4]).unwrap();
    let times = Times::Ticks {
        values: &ticks,
        per_day: seconds_per_day,
    };
    let log = QualityLog::new(&index, times, &[1.0; 4]).unwrap();
    let options = QualityOptions {
        start: Some(90),
        ..QualityOptions::new(as_of)
    };
    let report = quality_report(&log, None, &options).unwrap();
    assert_eq!(rows(&report, Rule::TimestampAfterAsOf), [1]);
    assert_eq!(rows(&report, Rule::TimestampBeforeStart), [2]);
    // extreme ticks and dates do not overflow
    let extreme = [i64::MIN, i64::MAX];
    let index = CustomerIndex::from_i64("customer_id", &[1, 2]).unwrap();
    let times = Times::Ticks {
        values: &extreme,
        per_day: 86_400_000_000_000,
    };
    let log = QualityLog::new(&index, times, &[1.0, 1.0]).unwrap();
    let options = QualityOptions {
        start: Some(i32::MIN),
        ..QualityOptions::new(i32::MAX)
    };
    let report = quality_report(&log, None, &options).unwrap();
    assert_eq!(report.count(Rule::TimestampAfterAsOf), Some(0));
    assert_eq!(report.count(Rule::TimestampBeforeStart), Some(0));
}

#[test]
fn duplicates_need_every_key_to_agree() {
    // same customer / day / amount, but the timestamp differs by one tick in row 2;
    // -0.0 equals 0.0 and NaN equals NaN; row 5 differs in the extra key only
    let index = CustomerIndex::from_i64("customer_id", &[7, 7, 7, 7, 7, 7, 8, 8]).unwrap();
    let ticks = [1000, 1000, 1001, 1000, 1000, 1000, 5, 5];
    let amounts = [0.0, -0.0, 0.0, f64::NAN, f64::NAN, 0.0, 1.0, 2.0];
    let product = [1, 1, 1, 1, 1, 2, 1, 1];
    let times = Times::Ticks {
        values: &ticks,
        per_day: 86_400,
    };
    let log = QualityLog::new(&index, times, &amounts).unwrap();
    let report = quality_report(&log, None, &QualityOptions::new(0)).unwrap();
    assert_eq!(rows(&report, Rule::DuplicateRow), [1, 4, 5]);
    let log = log.with_duplicate_key("product", &product).unwrap();
    let report = quality_report(&log, None, &QualityOptions::new(0)).unwrap();
    assert_eq!(rows(&report, Rule::DuplicateRow), [1, 4]);
    // a null amount is its own value: equal to null, not to NaN or 0
    let index = CustomerIndex::from_i64("customer_id", &[1, 1, 1, 1]).unwrap();
    let amounts = [f64::NAN, f64::NAN, 0.0, 0.0];
    let nulls = [true, false, true, false];
    let log = QualityLog::new(&index, Times::Days(&[3; 4]), &amounts)
        .unwrap()
        .with_missing_amounts(Nulls::Flags(&nulls))
        .unwrap();
    let report = quality_report(&log, None, &QualityOptions::new(0)).unwrap();
    assert_eq!(report.count(Rule::DuplicateRow), Some(1)); // row 2 (null) copies row 0
    assert_eq!(rows(&report, Rule::DuplicateRow), [2]);
}

#[test]
fn duplicates_of_a_heavy_customer_are_not_quadratic() {
    // 200 k rows of one customer, every row twice: half are duplicates, found in well under
    // a second (a pairwise check would take 2e10 comparisons).
    let n = 200_000;
    let ids = vec![1i64; n];
    let days: Vec<i32> = (0..n as i32).map(|i| i / 2).collect();
    let amounts = vec![3.5; n];
    let index = CustomerIndex::from_i64("customer_id", &ids).unwrap();
    let log = QualityLog::new(&index, Times::Days(&days), &amounts).unwrap();
    let start = std::time::Instant::now();
    let report = quality_report(&log, None, &QualityOptions::new(i32::MAX)).unwrap();
    assert_eq!(report.count(Rule::DuplicateRow), Some(n / 2));
    assert!(start.elapsed().as_secs_f64() < 5.0);
}

#[test]
fn arrow_validity_bitmaps_are_read_bit_by_bit() {
    // bits 3..=10 of the bitmap (least significant first): 1 1 0 1 1 1 1 1 -> row 2 is null
    let bits = [0b1101_1000u8, 0b0000_0111];
    let nulls = Nulls::Validity {
        bits: &bits,
        offset: 3,
    };
    let flags: Vec<bool> = (0..8).map(|r| nulls.is_null(r)).collect();
    assert_eq!(
        flags,
        [false, false, true, false, false, false, false, false]
    );
    let index = CustomerIndex::from_i64("customer_id", &[1; 8]).unwrap();
    let days: Vec<i32> = (0..8).collect();
    let log = QualityLog::new(&index, Times::Days(&days), &[1.0; 8])
        .unwrap()
        .with_missing_customer_ids(nulls)
        .unwrap();
    let report = quality_report(&log, None, &QualityOptions::new(100)).unwrap();
    assert_eq!(rows(&report, Rule::MissingCustomerId), [2]);
    // a bitmap too short for the log is an error, not a silent "present"
    let short = Nulls::Validity {
        bits: &bits,
        offset: 9,
    };
    let log = QualityLog::new(&index, Times::Days(&days), &[1.0; 8]).unwrap();
    assert!(matches!(
        log.with_missing_customer_ids(short),
        Err(CrmkitError::LengthMismatch { .. })
    ));
}

#[test]
fn mad_rule_matches_a_hand_computation() {
    // orders 1..=9 and 100: median 5.5; |x - 5.5| = 4.5 3.5 2.5 1.5 .5 .5 1.5 2.5 3.5 94.5,
    // MAD = median = 2.5; cut = 5.5 + 3.5 · 2.5 / 0.6745 = 18.4725...
    let amounts = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0, -50.0];
    let ids: Vec<i64> = (0..amounts.len() as i64).collect();
    let index = CustomerIndex::from_i64("customer_id", &ids).unwrap();
    let days = [0; 11];
    let log = QualityLog::new(&index, Times::Days(&days), &amounts).unwrap();
    let options = QualityOptions {
        outliers: OutlierRule::mad(),
        ..QualityOptions::new(0)
    };
    let report = quality_report(&log, None, &options).unwrap();
    let cut = report.outlier_cut.unwrap();
    assert!((cut - (5.5 + 3.5 * 2.5 / 0.6745)).abs() < 1e-12, "{cut}");
    assert_eq!(rows(&report, Rule::OutlierAmount), [9]);
    // mean multiple on the same orders: mean 14.5, cut 145: nothing
    let report = quality_report(&log, None, &QualityOptions::new(0)).unwrap();
    assert_eq!(report.outlier_cut, Some(145.0));
    assert_eq!(report.count(Rule::OutlierAmount), Some(0));
    // MAD 0 (most orders equal): the mean-absolute-deviation fallback;
    // orders 10 × 6, 11, 40: median 10, |dev| 0 × 6, 1, 30 -> MAD 0, MeanAD 31/8 = 3.875,
    // cut = 10 + 3.5 · 1.253314 · 3.875 = 26.9980...
    let cut = OutlierRule::mad()
        .cut(&[10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 11.0, 40.0])
        .unwrap();
    assert!((cut - (10.0 + 3.5 * 1.253_314 * 3.875)).abs() < 1e-12);
    // invalid options are the only errors
    let bad = QualityOptions {
        outliers: OutlierRule::Mad { threshold: -1.0 },
        ..QualityOptions::new(0)
    };
    assert!(matches!(
        quality_report(&log, None, &bad),
        Err(CrmkitError::InvalidConfig { .. })
    ));
}

#[test]
fn customer_record_rules() {
    // records: 0 id 1 "Acme Ltd"; 1 id 1 " acme  LTD" (same after normalising);
    // 2 id 2 "Beta"; 3 id 2 "Gamma" (conflict); 4 id null "Delta"; 5 id 2 no name
    let ids = [1, 1, 2, 2, 0, 2];
    let index = CustomerIndex::from_i64("customer_id", &ids).unwrap();
    let id_nulls = [false, false, false, false, true, false];
    let names = [
        Some("Acme Ltd"),
        Some(" acme  LTD"),
        Some("Beta"),
        Some("Gamma"),
        Some("Delta"),
        None,
    ];
    let contact = vec![
        Some("a@example.com".to_string()),
        Some(String::new()),
        None,
        Some("+1 555".to_string()),
        Some("d".to_string()),
        Some("e".to_string()),
    ];
    let industry = [
        Some("x"),
        Some("x"),
        Some("x"),
        Some("\t"),
        Some("x"),
        Some("x"),
    ];
    let core_need = [Some("y"); 6];
    let records = CustomerRecords::new(&index)
        .with_missing_customer_ids(Nulls::Flags(&id_nulls))
        .unwrap()
        .with_field(RecordField::Name, &names)
        .unwrap()
        .with_field(RecordField::Contact, &contact)
        .unwrap()
        .with_field(RecordField::Industry, &industry)
        .unwrap()
        .with_field(RecordField::CoreNeed, &core_need)
        .unwrap();
    let log_index = CustomerIndex::from_i64("customer_id", &[1]).unwrap();
    let log = QualityLog::new(&log_index, Times::Days(&[0]), &[1.0]).unwrap();
    let report = quality_report(&log, Some(&records), &QualityOptions::new(0)).unwrap();
    assert_eq!(rows(&report, Rule::RecordMissingCustomerId), [4]);
    assert_eq!(rows(&report, Rule::ConflictingNames), [2, 3]);
    assert_eq!(rows(&report, Rule::MissingName), [5]);
    assert_eq!(rows(&report, Rule::MissingContact), [1, 2]);
    assert_eq!(rows(&report, Rule::MissingIndustry), [3]);
    assert_eq!(rows(&report, Rule::MissingCoreNeed), Vec::<usize>::new());
    assert_eq!(report.customer_records, Some(6));
    for finding in &report.findings {
        let table = finding.rule.table();
        assert_eq!(
            table == Table::CustomerRecords,
            finding.rule >= Rule::RecordMissingCustomerId
        );
    }
    // the Debug output of records never shows their values
    let debug = format!("{records:?}");
    assert!(!debug.contains("Acme") && !debug.contains("example"));
}

#[test]
fn an_empty_log_gives_an_empty_report() {
    let index = CustomerIndex::from_codes("customer_id", vec![], 0).unwrap();
    let log = QualityLog::new(&index, Times::Days(&[]), &[]).unwrap();
    let report = quality_report(&log, None, &QualityOptions::new(0)).unwrap();
    assert!(report.is_clean());
    assert_eq!(report.outlier_cut, None);
    assert_eq!(report.findings.len(), 8);
}

#[test]
fn deserialised_reports_are_checked() {
    let index = CustomerIndex::from_i64("customer_id", &[1, 1]).unwrap();
    let log = QualityLog::new(&index, Times::Days(&[0, 0]), &[1.0, 1.0]).unwrap();
    let report = quality_report(&log, None, &QualityOptions::new(0)).unwrap();
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"duplicate_row\""));
    assert_eq!(
        serde_json::from_str::<QualityReport>(&json).unwrap(),
        report
    );
    let out_of_range = json.replace("\"rows\":[1]", "\"rows\":[2]");
    assert!(serde_json::from_str::<QualityReport>(&out_of_range).is_err());
    let unsorted = json.replace("\"rows\":[1]", "\"rows\":[1,0]");
    assert!(serde_json::from_str::<QualityReport>(&unsorted).is_err());
    let customer_rule = json.replace("\"duplicate_row\"", "\"missing_name\"");
    assert!(serde_json::from_str::<QualityReport>(&customer_rule).is_err());
}

#[test]
fn log_warnings_name_the_rules() {
    let report = LogReport {
        rows: 10,
        rows_after_as_of: 2,
        refunds: 3,
        ..LogReport::default()
    };
    let message = report.describe().unwrap();
    assert!(message.contains(Rule::TimestampAfterAsOf.as_str()));
    assert!(message.contains(Rule::NegativeAmount.as_str()));
    for rule in Rule::ALL {
        assert_eq!(rule.as_str().parse::<Rule>(), Ok(rule));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_permutation_changes_row_indices_not_counts(
        rows in proptest::collection::vec(
            (0i64..6, any::<bool>(), 0i32..12, any::<bool>(), -2i8..6, 0u8..4),
            1..60,
        ),
        seed in any::<u64>(),
        mad in any::<bool>(),
    ) {
        // amounts from a small set so that duplicates and ties happen; code 5 = NaN
        let amount = |a: i8| match a { 5 => f64::NAN, -2 => -1.5, a => f64::from(a) * 10.0 };
        let n = rows.len();
        let mut perm: Vec<usize> = (0..n).collect();
        let mut state = seed | 1;
        for i in (1..n).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            perm.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let build = |order: &[usize]| {
            let ids: Vec<i64> = order.iter().map(|&r| rows[r].0).collect();
            let id_null: Vec<bool> = order.iter().map(|&r| rows[r].1 && rows[r].5 == 0).collect();
            let days: Vec<i32> = order.iter().map(|&r| rows[r].2).collect();
            let ts_null: Vec<bool> = order.iter().map(|&r| rows[r].3 && rows[r].5 == 1).collect();
            let amounts: Vec<f64> = order.iter().map(|&r| amount(rows[r].4)).collect();
            let keys: Vec<u64> = order.iter().map(|&r| u64::from(rows[r].5)).collect();
            (ids, id_null, days, ts_null, amounts, keys)
        };
        let identity: Vec<usize> = (0..n).collect();
        let (a, b) = (build(&identity), build(&perm));
        let options = QualityOptions {
            start: Some(2),
            outliers: if mad { OutlierRule::mad() } else { OutlierRule::MeanMultiple { factor: 2.0 } },
            ..QualityOptions::new(9)
        };
        let report = |cols: &Columns| {
            let index = CustomerIndex::from_i64("customer_id", &cols.0).unwrap();
            let log = QualityLog::new(&index, Times::Days(&cols.2), &cols.4).unwrap()
                .with_missing_customer_ids(Nulls::Flags(&cols.1)).unwrap()
                .with_missing_timestamps(Nulls::Flags(&cols.3)).unwrap()
                .with_duplicate_key("k", &cols.5).unwrap();
            quality_report(&log, None, &options).unwrap()
        };
        let (ra, rb) = (report(&a), report(&b));
        prop_assert_eq!(ra.outlier_cut, rb.outlier_cut);
        for (fa, fb) in ra.findings.iter().zip(&rb.findings) {
            prop_assert_eq!(fa.rule, fb.rule);
            prop_assert_eq!(fa.count(), fb.count(), "{}", fa.rule);
            if fa.rule != Rule::DuplicateRow {
                // the same input rows, renumbered by the permutation
                let mut mapped: Vec<usize> = fb.rows.iter().map(|&r| perm[r]).collect();
                mapped.sort_unstable();
                prop_assert_eq!(&mapped, &fa.rows, "{}", fa.rule);
            }
        }
    }
}
