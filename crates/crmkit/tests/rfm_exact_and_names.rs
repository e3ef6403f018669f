//! Quantile scores of integer columns beyond ±2^53 are exact, and the string names of the
//! option and label enums (derived with strum) are exactly the names serde writes.

#![allow(clippy::expect_used, reason = "tests")]

use crmkit::feedback::{NpsGroup, NpsIntervalMethod, ProportionIntervalMethod};
use crmkit::needs::{NeedScope, NeedSource, NeedStatus, NeedType};
use crmkit::quality::{RecordField, Rule, Table};
use crmkit::rfm::score::{Direction, QuantileBins, Tier};
use proptest::prelude::*;

/// The rule of `QuantileBins`, computed by brute force over exact integers:
/// score = 1 + ⌊k · b(v) / n⌋ with b(v) the number of values strictly worse than v.
fn brute_force(values: &[i64], k: u8, direction: Direction) -> Vec<u8> {
    let n = values.len();
    values
        .iter()
        .map(|&v| {
            let worse = values
                .iter()
                .filter(|&&w| match direction {
                    Direction::HigherIsBetter => w < v,
                    Direction::LowerIsBetter => w > v,
                })
                .count();
            1 + (usize::from(k) * worse / n) as u8
        })
        .collect()
}

#[test]
fn two_to_the_62_and_its_successor_do_not_tie() {
    let big = 1i64 << 62;
    let values = [big, big + 1];
    // As f64 both are 2^62, so the old float path scored them equal ([1, 1]).
    assert_eq!(big as f64, (big + 1) as f64);
    let (bins, scores) =
        QuantileBins::fit_apply("m", &values, 2, Direction::HigherIsBetter).expect("valid input");
    assert_eq!(scores, vec![1, 2]);
    assert_eq!(bins.counts(), &[1, 1]);
    let (_, lower) =
        QuantileBins::fit_apply("r", &values, 2, Direction::LowerIsBetter).expect("valid input");
    assert_eq!(lower, vec![2, 1]);
    // The exact cut survives JSON and scores new values exactly.
    let text = serde_json::to_string(&bins).expect("serialisable");
    let loaded: QuantileBins = serde_json::from_str(&text).expect("loads");
    assert_eq!(loaded, bins);
    assert_eq!(
        loaded
            .apply("m", &[big - 1, big, big + 1, i64::MAX])
            .expect("finite"),
        vec![1, 1, 2, 2]
    );
}

#[test]
fn two_to_the_53_plus_one_is_not_read_as_two_to_the_53() {
    // 2^53 + 1 rounds to 2^53 as f64; it once slipped into the small-range histogram and
    // indexed past its end (a panic). Found by proptest.
    let v = (1i64 << 53) + 1;
    let (_, scores) =
        QuantileBins::fit_apply("m", &[v], 2, Direction::HigherIsBetter).expect("valid");
    assert_eq!(scores, vec![1]);
    let (_, scores) =
        QuantileBins::fit_apply("m", &[v - 2, v, v - 1], 3, Direction::HigherIsBetter)
            .expect("valid");
    assert_eq!(scores, vec![1, 3, 2]);
}

#[test]
fn tampered_bins_do_not_load() {
    let (bins, _) =
        QuantileBins::fit_apply("m", &[1.0, 2.0, 3.0, 4.0], 4, Direction::HigherIsBetter)
            .expect("valid");
    let good = serde_json::to_value(&bins).expect("serialisable");
    assert!(serde_json::from_value::<QuantileBins>(good.clone()).is_ok());
    let tamper = |key: &str, value: serde_json::Value| {
        let mut v = good.clone();
        v[key] = value;
        serde_json::from_value::<QuantileBins>(v).is_err()
    };
    assert!(tamper("k", serde_json::json!(1)));
    assert!(tamper("k", serde_json::json!(250)));
    assert!(tamper("cuts", serde_json::json!([1.0, 2.0])));
    assert!(tamper("cuts", serde_json::json!([3.0, 2.0, 1.0])));
    assert!(tamper("counts", serde_json::json!([1, 1, 1])));
    assert!(tamper("exact_cuts", serde_json::json!([1, 2, 4])));
    assert!(tamper("shoe_size", serde_json::json!(9)));
}

#[test]
fn extremes_of_i64_score_exactly() {
    let values = [i64::MIN, i64::MIN + 1, 0, i64::MAX - 1, i64::MAX];
    for direction in [Direction::HigherIsBetter, Direction::LowerIsBetter] {
        let (_, scores) = QuantileBins::fit_apply("m", &values, 5, direction).expect("valid");
        assert_eq!(scores, brute_force(&values, 5, direction), "{direction:?}");
    }
}

proptest! {
    /// Values clustered just above 2^60 (many neighbours closer than f64's spacing of 256
    /// there) score as the exact rule says, in both directions.
    #[test]
    fn wide_integer_scores_follow_the_exact_rule(
        offsets in proptest::collection::vec(0i64..64, 1..200),
        k in 2u8..8,
        lower in any::<bool>(),
    ) {
        let values: Vec<i64> = offsets.iter().map(|&o| (1i64 << 60) + o).collect();
        let direction = if lower { Direction::LowerIsBetter } else { Direction::HigherIsBetter };
        let (bins, scores) = QuantileBins::fit_apply("m", &values, k, direction).expect("valid");
        prop_assert_eq!(&scores, &brute_force(&values, k, direction));
        prop_assert_eq!(bins.apply("m", &values).expect("finite"), scores);
    }
}

/// Asserts that the derived string names (Display, `as_str` where present, FromStr) are the
/// serde names, listed here literally so that a change of any name fails.
macro_rules! names {
    ($t:ty: $($variant:expr => $name:literal),+ $(,)?) => {{
        $(
            assert_eq!($variant.to_string(), $name);
            assert_eq!(<&'static str>::from($variant), $name);
            assert_eq!(serde_json::to_string(&$variant).expect("serialisable"), format!("\"{}\"", $name));
        )+
        assert_eq!(crmkit::names::all::<$t>(), &[$($name),+]);
    }};
}

macro_rules! parses {
    ($t:ty: $($variant:expr => $name:literal),+ $(,)?) => {{
        $( assert_eq!($name.parse::<$t>().expect("a known name"), $variant); )+
        assert!("no such name".parse::<$t>().is_err());
    }};
}

#[test]
fn enum_names_are_the_serde_names() {
    names!(Tier: Tier::ChurnRisk => "churn risk", Tier::Potential => "potential", Tier::HighValue => "high value", Tier::LowValue => "low value");
    parses!(Tier: Tier::ChurnRisk => "churn risk", Tier::HighValue => "high value");
    assert_eq!(Tier::Potential.as_str(), "potential");
    names!(Direction: Direction::HigherIsBetter => "higher_is_better", Direction::LowerIsBetter => "lower_is_better");
    names!(NpsGroup: NpsGroup::Detractor => "detractor", NpsGroup::Passive => "passive", NpsGroup::Promoter => "promoter");
    assert_eq!(NpsGroup::Promoter.as_str(), "promoter");
    names!(NpsIntervalMethod: NpsIntervalMethod::Wald => "wald", NpsIntervalMethod::AdjustedWald => "adjusted_wald");
    parses!(NpsIntervalMethod: NpsIntervalMethod::Wald => "wald", NpsIntervalMethod::AdjustedWald => "adjusted_wald");
    names!(ProportionIntervalMethod: ProportionIntervalMethod::Wilson => "wilson", ProportionIntervalMethod::Wald => "wald", ProportionIntervalMethod::AgrestiCoull => "agresti_coull");
    parses!(ProportionIntervalMethod: ProportionIntervalMethod::AgrestiCoull => "agresti_coull");
    names!(NeedSource: NeedSource::SalesCall => "sales_call", NeedSource::Ticket => "ticket", NeedSource::Survey => "survey", NeedSource::Other => "other");
    parses!(NeedSource: NeedSource::SalesCall => "sales_call");
    names!(NeedType: NeedType::Product => "product", NeedType::Service => "service", NeedType::Price => "price", NeedType::Experience => "experience");
    parses!(NeedType: NeedType::Experience => "experience");
    names!(NeedStatus: NeedStatus::Unmet => "unmet", NeedStatus::PartlyMet => "partly_met", NeedStatus::Met => "met");
    parses!(NeedStatus: NeedStatus::PartlyMet => "partly_met");
    names!(NeedScope: NeedScope::Common => "common", NeedScope::Individual => "individual");
    names!(Table: Table::Transactions => "transactions", Table::CustomerRecords => "customers");
    assert_eq!(Table::CustomerRecords.as_str(), "customers");
    names!(RecordField: RecordField::Name => "name", RecordField::Contact => "contact", RecordField::Industry => "industry", RecordField::CoreNeed => "core_need");
    for rule in Rule::ALL {
        assert_eq!(rule.to_string(), rule.as_str());
        assert_eq!(
            serde_json::to_string(&rule).expect("serialisable"),
            format!("\"{}\"", rule.as_str())
        );
        assert_eq!(rule.as_str().parse::<Rule>(), Ok(rule));
    }
    assert_eq!(Rule::TimestampAfterAsOf.as_str(), "timestamp_after_as_of");
    assert_eq!(Rule::MissingCoreNeed.as_str(), "missing_core_need");
}
