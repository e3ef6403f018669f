//! The log options and the value quadrant parse through `crmkit::names` (issue 11): their
//! names equal the serde names, and the keyword messages are those the bindings wrote by hand
//! before (expected strings copied from the removed `log_options` / `quadrant_from_str`).
#![allow(clippy::unwrap_used)]

use crmkit::churn::AlertLevel;
use crmkit::data::transactions::{AfterAsOf, NegativeAmounts};
use crmkit::names::{all, parse_categories, parse_keyword};
use crmkit::value::quadrant::ValueQuadrant;

#[test]
fn log_option_names_equal_serde_names() {
    assert_eq!(all::<AfterAsOf>(), ["error", "exclude"]);
    assert_eq!(all::<NegativeAmounts>(), ["error", "net"]);
    for v in [AfterAsOf::Error, AfterAsOf::Exclude] {
        assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{v}\""));
        assert_eq!(v.to_string().parse::<AfterAsOf>().unwrap(), v);
    }
    for v in [NegativeAmounts::Error, NegativeAmounts::Net] {
        assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{v}\""));
        assert_eq!(v.to_string().parse::<NegativeAmounts>().unwrap(), v);
    }
}

#[test]
fn keyword_messages_are_unchanged() {
    let e = parse_keyword::<AfterAsOf>("after_as_of", "drop").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"invalid `after_as_of`: "drop" (expected 'error' or 'exclude')"#
    );
    let e = parse_keyword::<NegativeAmounts>("negative_amounts", "refund").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"invalid `negative_amounts`: "refund" (expected 'error' or 'net')"#
    );
}

#[test]
fn quadrants_parse_by_name() {
    for q in ValueQuadrant::ALL {
        assert_eq!(q.as_str().parse::<ValueQuadrant>().unwrap(), q);
    }
    let e = "grow".parse::<ValueQuadrant>().unwrap_err();
    assert_eq!(e.field(), Some("quadrant"));
    assert!(
        e.to_string()
            .contains("expected one of deepen, maintain, develop, automate")
    );
}

#[test]
fn categories_parse_once_and_name_the_first_row_of_an_unknown_name() {
    let names = ["green", "red", "amber"];
    // "amber" (code 2) first used at row 3
    let e = parse_categories::<AlertLevel>("alert", &[1, -1, 0, 2, 2], &names).unwrap_err();
    assert_eq!((e.field(), e.row()), (Some("alert"), Some(3)));
    assert!(
        e.to_string()
            .contains(r#"expected one of ["green", "yellow", "red"]"#)
    );
    // an unused unknown name is still an error, at row 0
    let e = parse_categories::<AlertLevel>("alert", &[0, 0], &names).unwrap_err();
    assert_eq!(e.row(), Some(0));
    let ok = parse_categories::<AlertLevel>("alert", &[1, 0], &["green", "red"]).unwrap();
    assert_eq!(ok, [AlertLevel::Green, AlertLevel::Red]);
}
