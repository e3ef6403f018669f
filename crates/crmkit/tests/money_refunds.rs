//! Money exact and one refund policy through the pipeline: per-customer sums are the correctly
//! rounded sums of their amounts (whatever the row order), and a refund is never a purchase.
//!
//! Expected sums come from [`crmkit::math::exact_sum::exact_sum`], itself checked against an
//! independent bit-by-bit big-integer reference in its unit tests (and against Python's
//! `math.fsum` in tests/python/test_money_refunds.py); literal expectations are exact decimal
//! doubles (tolerance 0: bit-for-bit).
#![allow(clippy::unwrap_used)]

use crmkit::churn::compute_churn_signals;
use crmkit::churn::{ChurnSignalInput, ChurnSignalOptions};
use crmkit::clv::summary::{SummaryOptions, btyd_summary};
use crmkit::data::ids::CustomerIndex;
use crmkit::data::transactions::{LogOptions, NegativeAmounts, Times, TransactionLog};
use crmkit::lifecycle::purchase_history;
use crmkit::math::exact_sum::exact_sum;
use crmkit::rfm::features::{FeatureOptions, rfm_features};
use proptest::prelude::*;

fn net() -> LogOptions {
    LogOptions {
        negative_amounts: NegativeAmounts::Net,
        ..LogOptions::default()
    }
}

fn features(
    ids: &[i64],
    days: &[i32],
    amounts: &[f64],
    log: LogOptions,
) -> crmkit::rfm::features::RfmFeatures {
    let index = CustomerIndex::from_i64("customer_id", ids).unwrap();
    let tx = TransactionLog::new(&index, Times::Days(days), amounts).unwrap();
    rfm_features(
        &tx,
        400,
        &FeatureOptions {
            window_days: 365,
            log,
        },
    )
    .unwrap()
}

fn summary(
    ids: &[i64],
    days: &[i32],
    amounts: &[f64],
    log: LogOptions,
    calibration_end: Option<i32>,
) -> crmkit::clv::summary::BtydSummary {
    let index = CustomerIndex::from_i64("customer_id", ids).unwrap();
    let tx = TransactionLog::new(&index, Times::Days(days), amounts).unwrap();
    btyd_summary(
        &tx,
        400,
        &SummaryOptions {
            log,
            calibration_end,
            ..SummaryOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn one_purchase_is_its_own_amount() {
    // The fixed-point sums gave 0.0999999999994543, 9.99999429e-7 and 0 here.
    for amount in [0.1, 1e-6, 5e-13, 49.09, 19.99, 1e-300, 9.007199254740992e15] {
        let f = features(&[1], &[100], &[amount], LogOptions::default());
        assert_eq!(f.monetary[0].to_bits(), amount.to_bits(), "{amount}");
        assert_eq!(f.avg_order_value[0].to_bits(), amount.to_bits());
        let s = summary(
            &[1, 1],
            &[100, 200],
            &[1.0, amount],
            LogOptions::default(),
            None,
        );
        assert_eq!(s.m_x[0].to_bits(), amount.to_bits(), "{amount}");
    }
    let f = features(&[1; 10], &[100; 10], &[0.1; 10], LogOptions::default());
    assert_eq!(f.monetary[0], 1.0); // a running sum gives 0.9999999999999999
}

#[test]
fn refunds_net_exactly_and_are_never_purchases() {
    // customer 1: 100 then a refund of 99.99; customer 2: refunds exceed purchases
    let ids = [1, 1, 2, 2, 2];
    let days = [100, 150, 100, 200, 300];
    let amounts = [100.0, -99.99, 10.0, 30.0, -50.0];
    let f = features(&ids, &days, &amounts, net());
    assert_eq!(f.frequency, vec![1, 2]);
    assert_eq!(
        f.last_purchase,
        vec![100, 200],
        "a refund moves no purchase date"
    );
    assert_eq!(f.monetary, vec![exact_sum([100.0, -99.99]), -10.0]);
    assert_eq!(f.monetary[0], 0.010000000000005116);
    assert_eq!(f.report.refunds, 2);
    let s = summary(&ids, &days, &amounts, net(), None);
    assert_eq!(s.x, vec![0, 1], "refund days are not repeat purchases");
    assert_eq!(s.t_x, vec![0.0, 100.0]);
    // customer 2: repeat spend 30 − 50 over x = 1
    assert_eq!(s.m_x, vec![0.0, -20.0]);
    // holdout spend is exact too and nets refunds
    let s = summary(&ids, &days, &amounts, net(), Some(120));
    assert_eq!(s.spend_holdout.unwrap(), vec![-99.99, -20.0]);
    assert_eq!(s.x_holdout.unwrap(), vec![0, 1]);
}

#[test]
fn churn_signals_take_the_refund_option() {
    let index = CustomerIndex::from_i64("customer_id", &[1, 1, 1, 1]).unwrap();
    let days = [830, 850, 950, 990];
    let input = |amounts: &'static [f64]| {
        ChurnSignalInput::new(
            1000,
            TransactionLog::new(&index, Times::Days(&days), amounts).unwrap(),
        )
    };
    let amounts: &'static [f64] = &[40.0, 20.0, 30.0, -15.0];
    let err = compute_churn_signals(&input(amounts), &ChurnSignalOptions::default()).unwrap_err();
    assert_eq!(
        (err.field(), err.row()),
        (Some("transactions.amount"), Some(3))
    );
    let options = ChurnSignalOptions {
        negative_amounts: NegativeAmounts::Net,
        ..ChurnSignalOptions::default()
    };
    let r = compute_churn_signals(&input(amounts), &options).unwrap();
    let c = &r.customers[0];
    assert_eq!(r.refunds, 1);
    assert_eq!(c.purchase_days, 3, "the refund day is not a purchase day");
    assert_eq!(c.days_since_last_purchase, Some(50));
    // last 90 days (911..=1000): (30 − 15) / 1 order; the 90 before: (40 + 20) / 2
    assert_eq!(c.order_value_last_period, Some(15.0));
    assert_eq!(c.order_value_previous_period, Some(30.0));
    assert_eq!(c.values.order_value_change, Some(-0.5));
    // and order values are exact: ten orders of 0.1
    let tenth: &'static [f64] = &[0.1, 0.1, 0.1, 0.1];
    let r = compute_churn_signals(&input(tenth), &options).unwrap();
    assert_eq!(r.customers[0].order_value_previous_period, Some(0.1));
}

#[test]
fn lifecycle_purchases_leave_refunds_out() {
    let history = |ids: &[i64], days: &[i32], amounts: &[f64], as_of, options| {
        let index = CustomerIndex::from_i64("customer_id", ids).unwrap();
        let log = TransactionLog::new(&index, Times::Days(days), amounts).unwrap();
        purchase_history(&log, as_of, options)
    };
    // a refund after the last purchase made the refund day the "last purchase" before
    let h = history(
        &[0, 0, 0],
        &[100, 500, 900],
        &[20.0, 30.0, -30.0],
        1000,
        net(),
    )
    .unwrap();
    assert_eq!(h.last_purchase, vec![Some(500)]);
    assert_eq!(h.previous_purchase, vec![Some(100)]);
    assert_eq!(h.refunds, 1);
    let err = history(
        &[0, 0],
        &[100, 900],
        &[20.0, -30.0],
        1000,
        LogOptions::default(),
    )
    .unwrap_err();
    assert_eq!((err.field(), err.row()), (Some("amount"), Some(1)));
    for bad in [f64::NAN, f64::INFINITY, 1e17] {
        assert!(history(&[0], &[1], &[bad], 5, net()).is_err());
    }
    // a customer with refunds only has no purchase
    let h = history(&[0, 1], &[1, 2], &[-5.0, 5.0], 5, net()).unwrap();
    assert_eq!(h.first_purchase, vec![None, Some(2)]);
}

fn money() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1_000_000i64..10_000_000).prop_map(|c| c as f64 / 100.0),
        (-20i32..16, 0.0f64..1.0).prop_map(|(e, m)| m * 10f64.powi(e)),
        Just(0.1),
        Just(1e-6),
        Just(5e-13),
        Just(-0.1),
        (-300i32..-250, 0.0f64..1.0).prop_map(|(e, m)| m * 10f64.powi(e)),
    ]
}

proptest! {
    /// Every per-customer sum equals the exact sum of the customer's amounts, bit for bit,
    /// in the original order, shuffled and reversed.
    #[test]
    fn per_customer_sums_are_exact_in_any_order(
        rows in proptest::collection::vec((0i64..6, 0i32..400, money()), 1..120),
        seed in any::<u64>(),
    ) {
        let mut orders = vec![rows.clone(), rows.iter().rev().cloned().collect::<Vec<_>>()];
        let mut shuffled = rows.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        orders.push(shuffled);
        let mut seen: Option<Vec<u64>> = None;
        for rows in orders {
            let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
            let days: Vec<i32> = rows.iter().map(|r| r.1).collect();
            let amounts: Vec<f64> = rows.iter().map(|r| r.2).collect();
            let index = CustomerIndex::from_i64("customer_id", &ids).unwrap();
            let tx = TransactionLog::new(&index, Times::Days(&days), &amounts).unwrap();
            let Ok(f) = rfm_features(&tx, 400, &FeatureOptions { window_days: 365, log: net() }) else {
                // every row a refund: nobody has a purchase
                prop_assert!(amounts.iter().all(|a| *a < 0.0));
                continue;
            };
            for (k, &code) in f.customer.iter().enumerate() {
                let id = ids[index.first_rows()[code as usize]];
                let expected = exact_sum(rows.iter().filter(|r| r.0 == id && r.1 > 35).map(|r| r.2));
                prop_assert_eq!(f.monetary[k].to_bits(), expected.to_bits());
            }
            let bits: Vec<u64> = f.monetary.iter().map(|m| m.to_bits()).collect();
            if let Some(previous) = &seen {
                prop_assert_eq!(previous, &bits);
            }
            seen = Some(bits);
        }
    }
}
