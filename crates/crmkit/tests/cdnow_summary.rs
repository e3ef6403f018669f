//! Golden test: the buy-till-you-die summary of CDNOW_sample.txt reproduces the published
//! `cdnow_customers_summary_with_transactions.csv` for every customer.
//!
//! Source: the CDNOW sample (Fader, Hardie & Lee 2005) as redistributed with the CLV packages;
//! recipe in data/README.md. Tolerance: the file rounds to 2 decimals, so every value must lie
//! within 0.005 (+1e-9 for binary floating point) of the file.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use crmkit::clv::summary::{SummaryOptions, TimeUnit, btyd_summary};
use crmkit::data::calendar::{Day, day_from_ymd};
use crmkit::data::ids::CustomerIndex;
use crmkit::data::transactions::{AfterAsOf, LogOptions, Times, TransactionLog};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cdnow/");

fn read_log() -> (Vec<i64>, Vec<i32>, Vec<f64>) {
    let text = std::fs::read_to_string(format!("{DATA}CDNOW_sample.txt")).unwrap();
    let (mut ids, mut days, mut amounts) = (vec![], vec![], vec![]);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        ids.push(f[1].parse::<i64>().unwrap());
        let d: u32 = f[2].parse().unwrap();
        days.push(day_from_ymd((d / 10_000) as i32, d / 100 % 100, d % 100));
        amounts.push(f[4].parse::<f64>().unwrap());
    }
    (ids, days, amounts)
}

fn summary(calibration_end: Option<Day>, as_of: Day) -> crmkit::clv::summary::BtydSummary {
    let (ids, days, amounts) = read_log();
    let index = CustomerIndex::from_i64("customer_id", &ids).unwrap();
    let log = TransactionLog::new(&index, Times::Days(&days), &amounts).unwrap();
    let options = SummaryOptions {
        unit: TimeUnit::Weeks,
        calibration_end,
        log: LogOptions {
            after_as_of: AfterAsOf::Exclude,
            ..LogOptions::default()
        },
    };
    btyd_summary(&log, as_of, &options).unwrap()
}

#[test]
fn cdnow_summary_matches_the_published_file() {
    let (ids, _, _) = read_log();
    let s = summary(None, day_from_ymd(1997, 9, 30));
    let text = std::fs::read_to_string(format!(
        "{DATA}cdnow_customers_summary_with_transactions.csv"
    ))
    .unwrap();
    let expected: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(expected.len(), 2357);
    assert_eq!(
        s.x.len(),
        2357,
        "every CDNOW customer first bought in Q1 1997"
    );
    for (i, row) in expected.iter().enumerate() {
        assert_eq!(
            ids[s.first_row[i] as usize] as f64, row[0],
            "customers come in id order"
        );
        assert_eq!(s.x[i] as f64, row[1], "x of customer {}", row[0]);
        for (name, ours, theirs) in [
            ("t_x", s.t_x[i], row[2]),
            ("T", s.t[i], row[3]),
            ("zbar", s.m_x[i], row[4]),
        ] {
            assert!(
                (ours - theirs).abs() <= 0.005 + 1e-9,
                "{name} of customer {}: {ours} vs {theirs}",
                row[0]
            );
        }
    }
}

#[test]
fn cdnow_holdout_has_1882_repeat_purchase_days() {
    // data/README.md: weeks 40–78 (to 1998-06-30) hold 1,882 repeat purchase days.
    let s = summary(Some(day_from_ymd(1997, 9, 30)), day_from_ymd(1998, 6, 30));
    assert_eq!(s.x_holdout.as_ref().unwrap().iter().sum::<i64>(), 1882);
    assert!((s.holdout_duration.unwrap() - 273.0 / 7.0).abs() < 1e-12);
    assert_eq!(s.report.holdout_only_customers, 0);
}
