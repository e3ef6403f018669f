//! One string form per enum value (issue 11): the names derived by strum equal the serde
//! names, parse back, and the action vocabulary migrates the texts of saved playbooks.
#![allow(clippy::unwrap_used)]

use crmkit::churn::{AlertLevel, ChurnSignal, InteractionKind};
use crmkit::lifecycle::LifecycleStage;
use crmkit::playbook::{Action, Playbook, Tier};
use crmkit::value::quadrant::{NeedQuadrant, ValueQuadrant};
use serde::Serialize;
use strum::IntoEnumIterator;

fn same_names<T>(expected: &[&str])
where
    T: IntoEnumIterator + Into<&'static str> + Serialize + Copy + std::fmt::Display,
{
    let names: Vec<&str> = T::iter().map(Into::into).collect();
    assert_eq!(names, expected);
    for v in T::iter() {
        let name: &'static str = v.into();
        assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{name}\""));
        assert_eq!(v.to_string(), name);
    }
}

#[test]
fn strum_names_equal_serde_names_and_the_old_strings() {
    // The strings are those of the hand-written as_str before the move to strum.
    same_names::<AlertLevel>(&["green", "yellow", "red"]);
    same_names::<Tier>(&["churn risk", "potential", "high value", "low value"]);
    same_names::<LifecycleStage>(&[
        "prospect",
        "onboarding",
        "retained",
        "expansion",
        "churn_warning",
        "lost",
        "reactivated",
    ]);
    same_names::<ChurnSignal>(&[
        "activity_drop",
        "purchase_gap",
        "order_value_decline",
        "negative_feedback",
        "competitor_contact",
        "service_silence",
        "nps_detractor",
    ]);
    same_names::<InteractionKind>(&[
        "visit",
        "login",
        "consultation",
        "ticket",
        "complaint",
        "review",
        "bad_review",
        "campaign_response",
        "inbound",
        "outreach",
        "outreach_answered",
        "competitor_contact",
    ]);
    same_names::<ValueQuadrant>(&["deepen", "maintain", "develop", "automate"]);
    same_names::<NeedQuadrant>(&["do_now", "schedule", "delegate", "defer"]);
}

#[test]
fn parse_errors_name_the_field_and_every_accepted_name() {
    let e = "amber".parse::<AlertLevel>().unwrap_err();
    assert_eq!(e.field(), Some("alert"));
    assert!(e.to_string().contains("green, yellow, red"), "{e}");
    let e = "gold".parse::<Tier>().unwrap_err();
    assert_eq!(e.field(), Some("tier"));
    assert!(
        e.to_string()
            .contains("churn risk, potential, high value, low value")
    );
    assert_eq!(
        "lost".parse::<LifecycleStage>().unwrap(),
        LifecycleStage::Lost
    );
}

#[test]
fn one_action_vocabulary_for_the_index_and_the_playbook() {
    // The churn index's default actions are the playbook's alert actions, by the same code.
    let index = crmkit::churn::ChurnIndexOptions::default();
    let pb = Playbook::default();
    let index_actions: Vec<&Action> = index.playbook.iter().map(|r| &r.action).collect();
    assert!(index_actions.contains(&&Action::PersonalCallBack));
    assert!(
        pb.alerts[&AlertLevel::Red]
            .actions
            .contains(&Action::PersonalCallBack)
    );
    assert!(
        pb.alerts[&AlertLevel::Yellow]
            .actions
            .contains(&Action::NewProductTrialVoucher)
    );
    assert!(index_actions.contains(&&Action::NewProductTrialVoucher));

    // A playbook saved with the old texts loads with the codes and saves the codes.
    let old = r#"{"alerts": {"red": {"actions": ["personal call-back", "exclusive retention offer", "call the CEO"], "channels": ["phone"]},
                  "yellow": {"actions": ["new-product trial voucher"]}}}"#;
    let loaded = Playbook::from_json(old).unwrap();
    assert_eq!(
        loaded.alerts[&AlertLevel::Red].actions,
        [
            Action::PersonalCallBack,
            Action::ExclusiveRetentionOffer,
            Action::Custom("call the CEO".into())
        ]
    );
    let saved = loaded.to_json().unwrap();
    assert!(saved.contains("\"personal_call_back\"") && !saved.contains("call-back"));
    assert!(saved.contains("\"new_product_trial_voucher\""));
    assert_eq!(Playbook::from_json(&saved).unwrap(), loaded);

    // Churn index options saved with a text action read it the same way.
    let o: crmkit::churn::ChurnIndexOptions =
        serde_json::from_str(r#"{"playbook": [{"alert": "red", "action": "personal call-back"}]}"#)
            .unwrap();
    assert_eq!(o.playbook[0].action, Action::PersonalCallBack);
    // An empty action is refused on load.
    assert!(
        serde_json::from_str::<crmkit::churn::ChurnIndexOptions>(
            r#"{"playbook": [{"alert": "red", "action": " "}]}"#
        )
        .is_err()
    );
}
