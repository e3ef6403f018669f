//! Churn warning signals and reason codes (SPEC §6.1).

use serde::{Deserialize, Serialize};

use crate::{CrmkitError, Result};

/// A churn warning signal; also the reason code of a fired warning rule.
///
/// The snake_case names ([`ChurnSignal::as_str`]) are stable and used in JSON.
///
/// # Examples
///
/// ```
/// use crmkit::churn::ChurnSignal;
/// assert_eq!(ChurnSignal::PurchaseGap.as_str(), "purchase_gap");
/// assert_eq!("nps_detractor".parse::<ChurnSignal>().unwrap(), ChurnSignal::NpsDetractor);
/// assert_eq!(serde_json::to_string(&ChurnSignal::ActivityDrop).unwrap(), "\"activity_drop\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChurnSignal {
    /// Activity in the current window fell against the customer's own baseline.
    ActivityDrop,
    /// Days since the last purchase exceed a multiple of the typical inter-purchase interval.
    PurchaseGap,
    /// Mean order value of the last period fell against the previous period.
    OrderValueDecline,
    /// Complaints and bad reviews in the window.
    NegativeFeedback,
    /// The customer was in contact with a competitor.
    CompetitorContact,
    /// A key customer went silent: no inbound contact and outreach unanswered.
    ServiceSilence,
    /// The latest NPS answer is a detractor's (0–6).
    NpsDetractor,
}

impl ChurnSignal {
    /// Every signal, in the order used by results.
    pub const ALL: [Self; 7] = [
        Self::ActivityDrop,
        Self::PurchaseGap,
        Self::OrderValueDecline,
        Self::NegativeFeedback,
        Self::CompetitorContact,
        Self::ServiceSilence,
        Self::NpsDetractor,
    ];

    /// The stable snake_case name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::churn::ChurnSignal::ServiceSilence.as_str(), "service_silence");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ActivityDrop => "activity_drop",
            Self::PurchaseGap => "purchase_gap",
            Self::OrderValueDecline => "order_value_decline",
            Self::NegativeFeedback => "negative_feedback",
            Self::CompetitorContact => "competitor_contact",
            Self::ServiceSilence => "service_silence",
            Self::NpsDetractor => "nps_detractor",
        }
    }
}

impl std::fmt::Display for ChurnSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ChurnSignal {
    type Err = CrmkitError;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                CrmkitError::invalid_config(
                    "churn_signal",
                    s,
                    "expected one of activity_drop, purchase_gap, order_value_decline, \
                     negative_feedback, competitor_contact, service_silence, nps_detractor",
                )
            })
    }
}

/// The measured churn signals of one customer; `None` = not available (the signal drops out
/// of the index).
///
/// # Examples
///
/// ```
/// use crmkit::churn::{ChurnSignal, SignalValues};
/// let v = SignalValues { order_value_change: Some(-0.4), competitor_contact: Some(true), ..Default::default() };
/// assert_eq!(v.measured(ChurnSignal::OrderValueDecline), Some(0.4));
/// assert_eq!(v.measured(ChurnSignal::CompetitorContact), Some(1.0));
/// assert_eq!(v.measured(ChurnSignal::ActivityDrop), None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignalValues {
    /// 1 − current activity / baseline activity (negative when activity grew).
    pub activity_drop: Option<f64>,
    /// Days since the last purchase / typical inter-purchase interval.
    pub purchase_gap_ratio: Option<f64>,
    /// Mean order value of the last period / that of the previous period − 1.
    pub order_value_change: Option<f64>,
    /// Count of negative feedback (complaints, bad reviews) in the window.
    pub negative_feedback: Option<f64>,
    /// Whether the customer was in contact with a competitor in the window.
    pub competitor_contact: Option<bool>,
    /// Whether a key customer went silent (`None` for customers who are not key customers).
    pub service_silence: Option<bool>,
    /// Whether the latest NPS answer is a detractor's.
    pub nps_detractor: Option<bool>,
}

impl SignalValues {
    /// The measured value of a signal as the index reads it: the activity drop, the purchase
    /// gap ratio, the order value *decline* (= −change), the negative feedback count, and 1 / 0
    /// for the yes/no signals.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{ChurnSignal, SignalValues};
    /// let v = SignalValues { nps_detractor: Some(false), ..Default::default() };
    /// assert_eq!(v.measured(ChurnSignal::NpsDetractor), Some(0.0));
    /// ```
    pub fn measured(&self, signal: ChurnSignal) -> Option<f64> {
        let flag = |b: Option<bool>| b.map(|b| if b { 1.0 } else { 0.0 });
        match signal {
            ChurnSignal::ActivityDrop => self.activity_drop,
            ChurnSignal::PurchaseGap => self.purchase_gap_ratio,
            ChurnSignal::OrderValueDecline => self.order_value_change.map(|c| -c),
            ChurnSignal::NegativeFeedback => self.negative_feedback,
            ChurnSignal::CompetitorContact => flag(self.competitor_contact),
            ChurnSignal::ServiceSilence => flag(self.service_silence),
            ChurnSignal::NpsDetractor => flag(self.nps_detractor),
        }
    }
}
