//! Churn warning signals and reason codes.
//!
//! [`compute_churn_signals`] measures, per customer and as of an observation date, the signals
//! from the shared transaction log ([`crate::data::transactions::TransactionLog`], read under
//! its refund and `as_of` policy) and an interaction log over the same customer index, and
//! returns the reason code of every warning rule that fires. Both logs are grouped by customer
//! with the one grouping routine ([`crate::data::rows_by_customer::RowsByCustomer`]: a counting
//! sort, O(rows + customers) memory and time, plus a sort of each customer's own rows), so the
//! cost grows linearly with the logs; the result does not depend on the order of the rows.

use serde::{Deserialize, Serialize};

use crate::data::calendar::{Day, format_day};
use crate::data::ids::CustomerIndex;
use crate::data::rows_by_customer::RowsByCustomer;
pub use crate::data::transactions::AfterAsOf;
use crate::data::transactions::{LogOptions, LogReport, NegativeAmounts, Times};
use crate::math::exact_sum::ExactSum;
use crate::names::named_enum;
use crate::{CrmkitError, Result};

named_enum! {
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
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum ChurnSignal parsed as "churn_signal" {
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
}

impl ChurnSignal {
    /// Every signal, in the order used by results.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::churn::ChurnSignal::ALL.len(), 7);
    /// ```
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
        self.into()
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

named_enum! {
    /// The kind of a customer interaction. The snake_case names ([`InteractionKind::as_str`]) are
    /// stable; [`InteractionKind::from_str`](std::str::FromStr) parses them.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::InteractionKind;
    /// let k: InteractionKind = "bad_review".parse().unwrap();
    /// assert_eq!(k, InteractionKind::BadReview);
    /// assert!(k.is_negative_feedback() && k.is_customer_activity());
    /// assert!(!InteractionKind::Outreach.is_customer_activity());
    /// ```
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum InteractionKind parsed as "interaction_kind" {
        /// A visit (store, website or app session).
        Visit,
        /// A login to the customer's account.
        Login,
        /// A consultation requested by the customer.
        Consultation,
        /// A service ticket opened by the customer.
        Ticket,
        /// A complaint (negative feedback).
        Complaint,
        /// A review that is not negative.
        Review,
        /// A negative review (negative feedback).
        BadReview,
        /// A response to a marketing campaign.
        CampaignResponse,
        /// Any other contact initiated by the customer (call, e-mail, chat).
        Inbound,
        /// Contact initiated by us (account manager, service); not customer activity.
        Outreach,
        /// The customer answered our outreach.
        OutreachAnswered,
        /// The customer was in contact with a competitor (as recorded by sales); not activity.
        CompetitorContact,
    }
}

impl InteractionKind {
    /// Every kind.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::InteractionKind;
    /// assert!(InteractionKind::ALL.iter().all(|k| k.as_str().parse::<InteractionKind>().unwrap() == *k));
    /// ```
    pub const ALL: [Self; 12] = [
        Self::Visit,
        Self::Login,
        Self::Consultation,
        Self::Ticket,
        Self::Complaint,
        Self::Review,
        Self::BadReview,
        Self::CampaignResponse,
        Self::Inbound,
        Self::Outreach,
        Self::OutreachAnswered,
        Self::CompetitorContact,
    ];

    /// The stable snake_case name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::churn::InteractionKind::OutreachAnswered.as_str(), "outreach_answered");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether the interaction is activity of the customer (counts for active days): every kind
    /// except [`Outreach`](Self::Outreach) (ours) and
    /// [`CompetitorContact`](Self::CompetitorContact) (with someone else).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(crmkit::churn::InteractionKind::Login.is_customer_activity());
    /// ```
    pub fn is_customer_activity(self) -> bool {
        !matches!(self, Self::Outreach | Self::CompetitorContact)
    }

    /// Whether the interaction is negative feedback: a complaint or a bad review.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(crmkit::churn::InteractionKind::Complaint.is_negative_feedback());
    /// ```
    pub fn is_negative_feedback(self) -> bool {
        matches!(self, Self::Complaint | Self::BadReview)
    }

    /// Whether the interaction is inbound contact for the service-silence rule: the customer
    /// reached out (inbound, ticket, complaint, consultation).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(crmkit::churn::InteractionKind::Ticket.is_inbound_contact());
    /// assert!(!crmkit::churn::InteractionKind::Visit.is_inbound_contact());
    /// ```
    pub fn is_inbound_contact(self) -> bool {
        matches!(
            self,
            Self::Inbound | Self::Ticket | Self::Complaint | Self::Consultation
        )
    }
}

/// Where the typical inter-purchase interval comes from for customers with fewer than two
/// distinct purchase days.
///
/// # Examples
///
/// ```
/// use crmkit::churn::IntervalFallback;
/// let f: IntervalFallback = serde_json::from_str(r#"{"fixed": {"days": 30.0}}"#).unwrap();
/// assert_eq!(f, IntervalFallback::Fixed { days: 30.0 });
/// assert_eq!(serde_json::to_string(&IntervalFallback::PopulationMean).unwrap(), "\"population_mean\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalFallback {
    /// The mean of the own intervals of the customers who have one.
    PopulationMean,
    /// A given interval (e.g. an industry norm), in days (> 0).
    Fixed {
        /// The interval in days.
        days: f64,
    },
    /// No fallback: the purchase gap is not available for such customers.
    None,
}

named_enum! {
    /// Where a customer's typical inter-purchase interval came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::IntervalSource;
    /// assert_eq!(serde_json::to_string(&IntervalSource::Own).unwrap(), "\"own\"");
    /// ```
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum IntervalSource parsed as "interval_source" {
        /// The customer's own mean gap between distinct purchase days (≥ 2 purchase days).
        Own,
        /// The population mean (the customer has fewer than 2 purchase days).
        PopulationMean,
        /// The user-given fixed interval (the customer has fewer than 2 purchase days).
        Fixed,
        /// No interval: no purchase, or no fallback available.
        Unavailable,
    }
}

/// Thresholds and windows of the warning signals; `Default` is the documented
/// configuration. All windows end on `as_of` (inclusive) and are counted in whole days.
///
/// # Examples
///
/// ```
/// use crmkit::churn::ChurnSignalOptions;
/// let o: ChurnSignalOptions = serde_json::from_str(r#"{"silence_days": 30}"#).unwrap();
/// assert_eq!((o.silence_days, o.activity_window_days), (30, 30));
/// assert!(o.validate().is_ok());
/// assert!(serde_json::from_str::<ChurnSignalOptions>(r#"{"silense_days": 30}"#).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChurnSignalOptions {
    /// Current activity window: the last N days up to `as_of` (default 30).
    pub activity_window_days: u32,
    /// Trailing baseline: the N days before the current window (default 180).
    pub baseline_days: u32,
    /// Fewest days of the baseline window the customer must have been known (since their
    /// first recorded activity or purchase) for a baseline (default 30).
    pub min_baseline_days: u32,
    /// The activity-drop rule fires at drop ≥ this (default 0.30).
    pub activity_drop_threshold: f64,
    /// The purchase-gap rule fires when days since last purchase > this × interval (1.5).
    pub purchase_gap_multiple: f64,
    /// Interval for customers with fewer than 2 purchase days (default population mean).
    pub interval_fallback: IntervalFallback,
    /// Length of the last and of the previous order-value period (default 90).
    pub order_value_period_days: u32,
    /// The order-value rule fires at change ≤ this (default −0.20).
    pub order_value_change_threshold: f64,
    /// Window for counting complaints and bad reviews (default 30).
    pub feedback_window_days: u32,
    /// The negative-feedback rule fires at count ≥ this (default 1).
    pub negative_feedback_min_count: u32,
    /// Window for competitor contact (default 30).
    pub competitor_window_days: u32,
    /// Service silence: more than this many days without inbound contact (default 15).
    pub silence_days: u32,
    /// NPS answers up to this are detractors (default 6).
    pub nps_detractor_max: u8,
    /// Rows after `as_of`: error (default) or exclude and count.
    pub after_as_of: AfterAsOf,
    /// Negative amounts: error (default) or refunds, which are netted against the order value
    /// of the period they fall in but are never purchases (no purchase day, no activity, no
    /// order); counted in [`ChurnSignalReport::refunds`].
    pub negative_amounts: NegativeAmounts,
}

impl Default for ChurnSignalOptions {
    fn default() -> Self {
        Self {
            activity_window_days: 30,
            baseline_days: 180,
            min_baseline_days: 30,
            activity_drop_threshold: 0.30,
            purchase_gap_multiple: 1.5,
            interval_fallback: IntervalFallback::PopulationMean,
            order_value_period_days: 90,
            order_value_change_threshold: -0.20,
            feedback_window_days: 30,
            negative_feedback_min_count: 1,
            competitor_window_days: 30,
            silence_days: 15,
            nps_detractor_max: 6,
            after_as_of: AfterAsOf::Error,
            negative_amounts: NegativeAmounts::Error,
        }
    }
}

impl ChurnSignalOptions {
    /// Checks the options.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::ChurnSignalOptions;
    /// let o = ChurnSignalOptions { purchase_gap_multiple: 0.0, ..Default::default() };
    /// assert_eq!(o.validate().unwrap_err().field(), Some("purchase_gap_multiple"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming the option: a window of 0 days (or over 100 years),
    /// `min_baseline_days` above `baseline_days`, a threshold that is not finite, a gap multiple
    /// or fixed interval ≤ 0, an order-value threshold outside (−1, 0], a negative-feedback
    /// minimum count of 0, `nps_detractor_max` > 10.
    pub fn validate(&self) -> Result<()> {
        const MAX_DAYS: u32 = 36_600;
        for (field, days) in [
            ("activity_window_days", self.activity_window_days),
            ("baseline_days", self.baseline_days),
            ("order_value_period_days", self.order_value_period_days),
            ("feedback_window_days", self.feedback_window_days),
            ("competitor_window_days", self.competitor_window_days),
        ] {
            if days == 0 || days > MAX_DAYS {
                return Err(CrmkitError::invalid_config(
                    field,
                    days,
                    "must be between 1 and 36600 days",
                ));
            }
        }
        if self.silence_days > MAX_DAYS {
            return Err(CrmkitError::invalid_config(
                "silence_days",
                self.silence_days,
                "must be at most 36600 days",
            ));
        }
        if self.min_baseline_days > self.baseline_days {
            return Err(CrmkitError::invalid_config(
                "min_baseline_days",
                self.min_baseline_days,
                "must not exceed baseline_days",
            ));
        }
        if !self.activity_drop_threshold.is_finite() {
            return Err(CrmkitError::invalid_config(
                "activity_drop_threshold",
                self.activity_drop_threshold,
                "must be finite",
            ));
        }
        if !(self.purchase_gap_multiple.is_finite() && self.purchase_gap_multiple > 0.0) {
            return Err(CrmkitError::invalid_config(
                "purchase_gap_multiple",
                self.purchase_gap_multiple,
                "must be finite and > 0",
            ));
        }
        if let IntervalFallback::Fixed { days } = self.interval_fallback {
            if !(days.is_finite() && days > 0.0) {
                return Err(CrmkitError::invalid_config(
                    "interval_fallback.fixed.days",
                    days,
                    "must be finite and > 0",
                ));
            }
        }
        let t = self.order_value_change_threshold;
        if !(t.is_finite() && t > -1.0 && t <= 0.0) {
            return Err(CrmkitError::invalid_config(
                "order_value_change_threshold",
                t,
                "must be in (-1, 0]",
            ));
        }
        if self.negative_feedback_min_count == 0 {
            return Err(CrmkitError::invalid_config(
                "negative_feedback_min_count",
                self.negative_feedback_min_count,
                "must be >= 1 (0 would fire for every customer)",
            ));
        }
        if self.nps_detractor_max > 10 {
            return Err(CrmkitError::invalid_config(
                "nps_detractor_max",
                self.nps_detractor_max,
                "must be in 0..=10",
            ));
        }
        Ok(())
    }
}

pub use crate::data::transactions::TransactionLog;

/// Interactions: customer codes (rows of the [`CustomerIndex`] shared with the transaction
/// log), times and kinds. Built with [`InteractionLog::of_rows`] from the rows of the index
/// that hold the interactions' ids, so both logs number customers the same way.
///
/// # Examples
///
/// ```
/// use crmkit::churn::{InteractionKind, InteractionLog};
/// use crmkit::data::{ids::CustomerIndex, transactions::Times};
/// // One transaction of customer 7, then one interaction of customer 7.
/// let index = CustomerIndex::from_i64("customer_id", &[7, 7])?;
/// let log = InteractionLog::of_rows(&index, 1..2, Times::Days(&[100]), &[InteractionKind::Login])?;
/// assert_eq!((log.len(), log.kinds()[0].as_str()), (1, "login"));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct InteractionLog<'a> {
    customers: &'a CustomerIndex,
    codes: &'a [u32],
    times: Times<'a>,
    kinds: &'a [InteractionKind],
}

impl<'a> InteractionLog<'a> {
    /// The interactions whose ids are rows `rows` of the id column `customers` was built from.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{InteractionKind, InteractionLog};
    /// use crmkit::data::{ids::CustomerIndex, transactions::Times};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// let kinds = [InteractionKind::Visit, InteractionKind::Visit];
    /// assert!(InteractionLog::of_rows(&index, 0..1, Times::Days(&[1, 2]), &kinds).is_err());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] when `rows` is not a range of the index's rows or for
    /// ticks with `per_day <= 0`; [`CrmkitError::LengthMismatch`] when `times` or `kinds` do
    /// not have one value per row.
    pub fn of_rows(
        customers: &'a CustomerIndex,
        rows: std::ops::Range<usize>,
        times: Times<'a>,
        kinds: &'a [InteractionKind],
    ) -> Result<Self> {
        let codes = crate::data::transactions::codes_of_rows(customers, rows, "interactions.rows")?;
        CrmkitError::check_len("interactions.timestamp", codes.len(), times.len())?;
        CrmkitError::check_len("interactions.kind", codes.len(), kinds.len())?;
        times.check_unit("interactions.timestamp")?;
        Ok(Self {
            customers,
            codes,
            times,
            kinds,
        })
    }

    /// Number of interactions.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::churn::{InteractionKind, InteractionLog};
    /// # use crmkit::data::{ids::CustomerIndex, transactions::Times};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// assert!(InteractionLog::of_rows(&index, 1..1, Times::Days(&[]), &[])?.is_empty());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    /// Whether there are no interactions.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::churn::{InteractionKind, InteractionLog};
    /// # use crmkit::data::{ids::CustomerIndex, transactions::Times};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// let kinds = [InteractionKind::Visit];
    /// assert!(!InteractionLog::of_rows(&index, 0..1, Times::Days(&[3]), &kinds)?.is_empty());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// The customer code of each interaction.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::churn::{InteractionKind, InteractionLog};
    /// # use crmkit::data::{ids::CustomerIndex, transactions::Times};
    /// let index = CustomerIndex::from_i64("customer_id", &[5, 2])?;
    /// let kinds = [InteractionKind::Visit];
    /// assert_eq!(InteractionLog::of_rows(&index, 0..1, Times::Days(&[3]), &kinds)?.codes(), &[1]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn codes(&self) -> &'a [u32] {
        self.codes
    }

    /// The kind of each interaction.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::churn::{InteractionKind, InteractionLog};
    /// # use crmkit::data::{ids::CustomerIndex, transactions::Times};
    /// let index = CustomerIndex::from_i64("customer_id", &[5])?;
    /// let kinds = [InteractionKind::Ticket];
    /// let log = InteractionLog::of_rows(&index, 0..1, Times::Days(&[3]), &kinds)?;
    /// assert_eq!(log.kinds(), &[InteractionKind::Ticket]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn kinds(&self) -> &'a [InteractionKind] {
        self.kinds
    }

    /// The customer index the codes belong to.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::churn::{InteractionKind, InteractionLog};
    /// # use crmkit::data::{ids::CustomerIndex, transactions::Times};
    /// let index = CustomerIndex::from_i64("customer_id", &[5, 6])?;
    /// let log = InteractionLog::of_rows(&index, 2..2, Times::Days(&[]), &[])?;
    /// assert_eq!(log.customers().n_customers(), 2);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn customers(&self) -> &'a CustomerIndex {
        self.customers
    }

    /// The time column.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::churn::{InteractionKind, InteractionLog};
    /// # use crmkit::data::{ids::CustomerIndex, transactions::Times};
    /// let index = CustomerIndex::from_i64("customer_id", &[5])?;
    /// let kinds = [InteractionKind::Ticket];
    /// assert_eq!(InteractionLog::of_rows(&index, 0..1, Times::Days(&[3]), &kinds)?.times().day(0), 3);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn times(&self) -> Times<'a> {
        self.times
    }

    /// Each customer's interactions in scope (grouped by the one routine,
    /// [`RowsByCustomer`]) and the number left out for being after `as_of`.
    fn rows_by_customer(&self, as_of: Day, after: AfterAsOf) -> Result<(RowsByCustomer, usize)> {
        let mut after_as_of = 0;
        let mut out_of_scope: Option<Vec<bool>> = None;
        for row in 0..self.len() {
            let day = self.times.checked_day("interactions.timestamp", row)?;
            if day > as_of {
                if after == AfterAsOf::Error {
                    return Err(CrmkitError::AfterObservation {
                        field: "interactions.day".into(),
                        row,
                        value: format_day(day),
                        as_of: format_day(as_of),
                    });
                }
                after_as_of += 1;
                out_of_scope.get_or_insert_with(|| vec![false; self.len()])[row] = true;
            }
        }
        let n = self.customers.n_customers();
        let groups = match &out_of_scope {
            None => RowsByCustomer::new("interactions.customer", self.codes, n, |_| true)?,
            Some(mask) => {
                RowsByCustomer::new("interactions.customer", self.codes, n, |r| !mask[r])?
            }
        };
        Ok((groups, after_as_of))
    }
}

/// Per-customer values that replace the computed measurement of a signal (`Some` in the column
/// overrides, `None` keeps the computed value). Each column, when given, has one entry per
/// customer. The reason codes are derived from the values after the override.
///
/// # Examples
///
/// ```
/// use crmkit::churn::SignalOverrides;
/// let competitor = [Some(true), None];
/// let o = SignalOverrides { competitor_contact: Some(&competitor), ..Default::default() };
/// assert!(o.activity_drop.is_none());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SignalOverrides<'a> {
    /// Activity drop (1 − current / baseline).
    pub activity_drop: Option<&'a [Option<f64>]>,
    /// Purchase gap ratio (days since last purchase / interval).
    pub purchase_gap_ratio: Option<&'a [Option<f64>]>,
    /// Order value change (last / previous − 1).
    pub order_value_change: Option<&'a [Option<f64>]>,
    /// Negative feedback count.
    pub negative_feedback: Option<&'a [Option<f64>]>,
    /// Competitor contact.
    pub competitor_contact: Option<&'a [Option<bool>]>,
    /// Service silence.
    pub service_silence: Option<&'a [Option<bool>]>,
}

/// Everything [`compute_churn_signals`] reads.
///
/// # Examples
///
/// ```
/// use crmkit::churn::ChurnSignalInput;
/// use crmkit::data::{ids::CustomerIndex, transactions::{Times, TransactionLog}};
/// let index = CustomerIndex::from_i64("customer_id", &[42])?;
/// let log = TransactionLog::new(&index, Times::Days(&[150]), &[10.0])?;
/// let input = ChurnSignalInput::new(200, log);
/// assert!(input.interactions.is_none());
/// assert_eq!(input.n_customers(), 1);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ChurnSignalInput<'a> {
    /// The observation date.
    pub as_of: Day,
    /// The transaction log (the shared log, possibly empty); its [`CustomerIndex`] numbers
    /// the customers, one result per customer code.
    pub transactions: TransactionLog<'a>,
    /// The interaction log over the same customer index; `None` = not available, and the
    /// signals that need it (negative feedback, competitor contact, service silence) are
    /// `None` unless overridden. Active days then come from purchases alone.
    pub interactions: Option<InteractionLog<'a>>,
    /// Per customer: whether they are a key customer (service silence applies to them only);
    /// `None` = service silence is not computed.
    pub key_customer: Option<&'a [bool]>,
    /// Per customer: the latest NPS answer (0..=10), if any.
    pub latest_nps: Option<&'a [Option<u8>]>,
    /// Directly supplied signal values.
    pub overrides: SignalOverrides<'a>,
}

impl<'a> ChurnSignalInput<'a> {
    /// The input of a transaction log alone (no interactions, key customers, NPS answers or
    /// overrides; set those fields as needed).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::ChurnSignalInput;
    /// use crmkit::data::{ids::CustomerIndex, transactions::{Times, TransactionLog}};
    /// let index = CustomerIndex::from_i64("customer_id", &[1, 2])?;
    /// let input = ChurnSignalInput::new(9, TransactionLog::new(&index, Times::Days(&[1, 2]), &[1.0, 1.0])?);
    /// assert_eq!((input.as_of, input.key_customer), (9, None));
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn new(as_of: Day, transactions: TransactionLog<'a>) -> Self {
        Self {
            as_of,
            transactions,
            interactions: None,
            key_customer: None,
            latest_nps: None,
            overrides: SignalOverrides::default(),
        }
    }

    /// The number of customers: those of the log's customer index.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::ChurnSignalInput;
    /// use crmkit::data::{ids::CustomerIndex, transactions::{Times, TransactionLog}};
    /// // Customer 3 has an attribute row only (row 1 of the index), no transaction.
    /// let index = CustomerIndex::from_i64("customer_id", &[1, 3])?;
    /// let log = TransactionLog::of_rows(&index, 0..1, Times::Days(&[1]), &[1.0])?;
    /// assert_eq!(ChurnSignalInput::new(9, log).n_customers(), 2);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn n_customers(&self) -> usize {
        self.transactions.customers().n_customers()
    }
}

/// A fired warning rule: the reason code with its measured value and threshold.
///
/// Value and threshold per code: activity drop (drop, threshold; fires at ≥); purchase gap
/// (days since last purchase / interval, multiple; fires at >); order value decline (change,
/// threshold; fires at ≤); negative feedback (count, minimum count; ≥); NPS detractor (the
/// answer, the detractor maximum; ≤); competitor contact and service silence (1, 1).
///
/// # Examples
///
/// ```
/// use crmkit::churn::{ChurnReason, ChurnSignal};
/// let r = ChurnReason { code: ChurnSignal::ActivityDrop, value: 0.8, threshold: 0.3 };
/// assert_eq!(
///     serde_json::to_string(&r).unwrap(),
///     r#"{"code":"activity_drop","value":0.8,"threshold":0.3}"#
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChurnReason {
    /// The rule that fired.
    pub code: ChurnSignal,
    /// The measured value.
    pub value: f64,
    /// The threshold it crossed.
    pub threshold: f64,
}

impl ChurnReason {
    /// The fired rule as one line of text: the code, the measured value, the comparison and
    /// the threshold, numbers to 4 significant digits (as C's `%.4g`); competitor contact and
    /// service silence are the code alone.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{ChurnReason, ChurnSignal};
    /// let r = |code, value, threshold| ChurnReason { code, value, threshold }.describe();
    /// assert_eq!(r(ChurnSignal::ActivityDrop, 1.0, 0.3), "activity_drop 1 >= 0.3");
    /// assert_eq!(r(ChurnSignal::PurchaseGap, 3.7333333, 1.5), "purchase_gap 3.733 > 1.5x interval");
    /// assert_eq!(r(ChurnSignal::OrderValueDecline, -0.4, -0.2), "order_value_decline -0.4 <= -0.2");
    /// assert_eq!(r(ChurnSignal::CompetitorContact, 1.0, 1.0), "competitor_contact");
    /// ```
    pub fn describe(&self) -> String {
        let code = self.code.as_str();
        let (value, threshold) = (format_g4(self.value), format_g4(self.threshold));
        match self.code {
            ChurnSignal::CompetitorContact | ChurnSignal::ServiceSilence => code.to_owned(),
            ChurnSignal::PurchaseGap => format!("{code} {value} > {threshold}x interval"),
            ChurnSignal::ActivityDrop | ChurnSignal::NegativeFeedback => {
                format!("{code} {value} >= {threshold}")
            }
            ChurnSignal::OrderValueDecline | ChurnSignal::NpsDetractor => {
                format!("{code} {value} <= {threshold}")
            }
        }
    }
}

/// `x` to 4 significant digits, trailing zeros removed, in exponent form below 1e-4 or from
/// 1e4 on (the `%.4g` of C and Python, so reports read the same in every layer).
fn format_g4(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{x:.3e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |t: &str| -> String {
        if t.contains('.') {
            t.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            t.to_owned()
        }
    };
    if (-4..4).contains(&exp) {
        trim(&format!("{x:.*}", (3 - exp) as usize))
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exp.abs())
    }
}

/// The warning signals of one customer, with the measurements behind them.
///
/// # Examples
///
/// ```
/// use crmkit::churn::{ChurnSignalInput, ChurnSignalOptions, TransactionLog, compute_churn_signals};
/// use crmkit::data::{ids::CustomerIndex, transactions::Times};
/// let index = CustomerIndex::from_i64("customer_id", &[5, 5])?;
/// let log = TransactionLog::new(&index, Times::Days(&[100, 130]), &[10.0, 10.0])?;
/// let report = compute_churn_signals(&ChurnSignalInput::new(200, log), &ChurnSignalOptions::default())?;
/// let c = &report.customers[0];
/// assert_eq!((c.days_since_last_purchase, c.typical_interval_days), (Some(70), Some(30.0)));
/// assert_eq!(c.values.purchase_gap_ratio, Some(70.0 / 30.0));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerSignals {
    /// The measured signals (after overrides) that feed the index.
    pub values: SignalValues,
    /// Fired rules, in [`ChurnSignal::ALL`] order.
    pub reasons: Vec<ChurnReason>,
    /// Signals whose value was supplied rather than computed.
    pub overridden: Vec<ChurnSignal>,
    /// Distinct active days (purchases or customer interactions) in the current window.
    pub active_days_current: u32,
    /// Mean active days per window-length period over the trailing baseline, if available.
    pub baseline_active_days: Option<f64>,
    /// Distinct purchase days up to `as_of`.
    pub purchase_days: u32,
    /// Days from the last purchase to `as_of`.
    pub days_since_last_purchase: Option<i32>,
    /// The typical inter-purchase interval used, in days.
    pub typical_interval_days: Option<f64>,
    /// Where that interval came from.
    pub interval_source: IntervalSource,
    /// Mean order value in the last period.
    pub order_value_last_period: Option<f64>,
    /// Mean order value in the period before.
    pub order_value_previous_period: Option<f64>,
    /// Days since the last inbound contact (interactions given and at least one such contact).
    pub days_since_inbound_contact: Option<i32>,
}

impl CustomerSignals {
    /// Whether the rule of `signal` fired: `None` when the signal could not be measured,
    /// e.g. to feed [`LifecycleInput::purchase_gap_fires`](crate::lifecycle::LifecycleInput).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{ChurnSignal, ChurnSignalInput, TransactionLog, compute_churn_signals};
    /// use crmkit::data::{ids::CustomerIndex, transactions::Times};
    /// // Two purchases of customer 1; customer 2 has an attribute row only (row 2 of the index).
    /// let index = CustomerIndex::from_i64("customer_id", &[1, 1, 2])?;
    /// let log = TransactionLog::of_rows(&index, 0..2, Times::Days(&[100, 110]), &[5.0, 5.0])?;
    /// let report = compute_churn_signals(&ChurnSignalInput::new(200, log), &Default::default())?;
    /// // 90 days since the last purchase against a 10-day interval.
    /// assert_eq!(report.customers[0].fired(ChurnSignal::PurchaseGap), Some(true));
    /// assert_eq!(report.customers[1].fired(ChurnSignal::PurchaseGap), None);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn fired(&self, signal: ChurnSignal) -> Option<bool> {
        self.values
            .measured(signal)
            .map(|_| self.reasons.iter().any(|r| r.code == signal))
    }

    /// The fired rules as one line: each [`ChurnReason::describe`], joined by "; " (empty when
    /// no rule fired).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{ChurnReason, ChurnSignal, CustomerSignals};
    /// # use crmkit::churn::{ChurnSignalInput, TransactionLog, compute_churn_signals};
    /// # use crmkit::data::{ids::CustomerIndex, transactions::Times};
    /// # let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// # let log = TransactionLog::new(&index, Times::Days(&[1]), &[1.0])?;
    /// let mut c: CustomerSignals = compute_churn_signals(&ChurnSignalInput::new(1, log), &Default::default())?.customers.remove(0);
    /// assert_eq!(c.describe_reasons(), "");
    /// c.reasons = vec![
    ///     ChurnReason { code: ChurnSignal::ActivityDrop, value: 1.0, threshold: 0.3 },
    ///     ChurnReason { code: ChurnSignal::CompetitorContact, value: 1.0, threshold: 1.0 },
    /// ];
    /// assert_eq!(c.describe_reasons(), "activity_drop 1 >= 0.3; competitor_contact");
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn describe_reasons(&self) -> String {
        let parts: Vec<String> = self.reasons.iter().map(ChurnReason::describe).collect();
        parts.join("; ")
    }
}

/// The result of [`compute_churn_signals`].
///
/// # Examples
///
/// ```
/// use crmkit::churn::{ChurnSignalInput, ChurnSignalOptions, TransactionLog, compute_churn_signals};
/// use crmkit::data::{ids::CustomerIndex, transactions::Times};
/// // No transactions: two customers known from another table (rows 0 and 1 of the index).
/// let index = CustomerIndex::from_i64("customer_id", &[8, 9])?;
/// let log = TransactionLog::of_rows(&index, 2..2, Times::Days(&[]), &[])?;
/// let r = compute_churn_signals(&ChurnSignalInput::new(0, log), &Default::default())?;
/// assert_eq!(r.customers.len(), 2);
/// assert_eq!(r.population_interval_days, None);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnSignalReport {
    /// The observation date.
    pub as_of: Day,
    /// One entry per customer code.
    pub customers: Vec<CustomerSignals>,
    /// Mean of the customers' own inter-purchase intervals (the population fallback), if any
    /// customer has one.
    pub population_interval_days: Option<f64>,
    /// Transactions dated after `as_of` that were excluded.
    pub transactions_after_as_of: usize,
    /// Interactions dated after `as_of` that were excluded.
    pub interactions_after_as_of: usize,
    /// Transactions with a negative amount (on or before `as_of`) netted as refunds (only with
    /// [`ChurnSignalOptions::negative_amounts`] = `Net`): not purchases.
    #[serde(default)]
    pub refunds: usize,
}

impl ChurnSignalReport {
    /// What was left out or netted, as a sentence for a warning; `None` when nothing was. Each
    /// part starts with the data-quality rule its rows fall under ([`crate::quality::Rule`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{ChurnSignalInput, TransactionLog, compute_churn_signals};
    /// use crmkit::data::{ids::CustomerIndex, transactions::Times};
    /// let index = CustomerIndex::from_i64("customer_id", &[1])?;
    /// let log = TransactionLog::new(&index, Times::Days(&[1]), &[1.0])?;
    /// let mut r = compute_churn_signals(&ChurnSignalInput::new(5, log), &Default::default())?;
    /// assert!(r.describe().is_none());
    /// (r.transactions_after_as_of, r.refunds) = (2, 1);
    /// assert_eq!(
    ///     r.describe().unwrap(),
    ///     "timestamp_after_as_of: 2 log rows dated after as_of were left out; \
    ///      negative_amount: 1 refund rows were netted (negative_amounts='net'); refunds are not purchases"
    /// );
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn describe(&self) -> Option<String> {
        describe_log(
            "log rows",
            self.transactions_after_as_of + self.interactions_after_as_of,
            self.refunds,
        )
    }
}

/// The warning sentence of a churn or lifecycle reader of a log: rows (called `rows`) after
/// `as_of` left out and refund rows netted; `None` when there were neither.
pub(crate) fn describe_log(rows: &str, after_as_of: usize, refunds: usize) -> Option<String> {
    use crate::quality::Rule;
    let mut parts = Vec::new();
    if after_as_of > 0 {
        parts.push(format!(
            "{}: {after_as_of} {rows} dated after as_of were left out",
            Rule::TimestampAfterAsOf
        ));
    }
    if refunds > 0 {
        parts.push(format!(
            "{}: {refunds} refund rows were netted (negative_amounts='net'); refunds are not purchases",
            Rule::NegativeAmount
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Both logs of a churn input, checked and grouped by customer with the one grouping routine
/// ([`RowsByCustomer`]); the transaction log's report counts its refunds and rows after `as_of`.
pub(crate) struct GroupedLogs {
    pub(crate) transactions: RowsByCustomer,
    pub(crate) report: LogReport,
    /// The interactions' groups and their rows after `as_of`.
    pub(crate) interactions: Option<(RowsByCustomer, usize)>,
}

/// Reads the logs of `input` under the options' log policy (rows after `as_of`, refunds).
/// Errors name the churn input's columns: `transactions.amount`, `transactions.day` (a row
/// after `as_of`), `interactions.day`.
pub(crate) fn group_logs(
    input: &ChurnSignalInput<'_>,
    options: &ChurnSignalOptions,
) -> Result<GroupedLogs> {
    let tx = &input.transactions;
    let log_options = LogOptions {
        after_as_of: options.after_as_of,
        negative_amounts: options.negative_amounts,
    };
    let (transactions, report) =
        tx.rows_by_customer(input.as_of, log_options)
            .map_err(|e| match e {
                CrmkitError::AfterObservation { .. } => {
                    e.rename_field("timestamp", "transactions.day")
                }
                e => e.rename_field("amount", "transactions.amount"),
            })?;
    let interactions = match &input.interactions {
        Some(ix) => {
            if !std::ptr::eq(ix.customers(), tx.customers()) {
                return Err(CrmkitError::invalid_config(
                    "interactions",
                    "(customer index)",
                    "the interaction log must share the transaction log's customer index \
                     (encode the ids of both logs in one CustomerIndex)",
                ));
            }
            Some(ix.rows_by_customer(input.as_of, options.after_as_of)?)
        }
        None => None,
    };
    Ok(GroupedLogs {
        transactions,
        report,
        interactions,
    })
}

fn check_override<T: Copy>(
    field: &str,
    column: Option<&[Option<T>]>,
    n: usize,
    valid: impl Fn(T) -> Option<&'static str>,
    show: impl Fn(T) -> String,
) -> Result<()> {
    if let Some(column) = column {
        CrmkitError::check_len(field, n, column.len())?;
        for (row, v) in column.iter().enumerate() {
            if let Some(v) = v {
                if let Some(reason) = valid(*v) {
                    return Err(CrmkitError::invalid_value(field, row, show(*v), reason));
                }
            }
        }
    }
    Ok(())
}

fn finite(v: f64) -> Option<&'static str> {
    (!v.is_finite()).then_some("must be finite")
}

/// Per-customer override lookup.
fn pick<T: Copy>(column: Option<&[Option<T>]>, c: usize) -> Option<T> {
    column.and_then(|col| col.get(c).copied().flatten())
}

/// Computes the churn warning signals and reason codes of every customer.
///
/// Windows are whole days ending on `as_of` inclusive; with window length W the current
/// window is `as_of − W + 1 ..= as_of`.
///
/// # Formula
///
/// - **Activity drop** = 1 − current / baseline. Current = distinct active days (a purchase or
///   an interaction of a customer-activity kind, see [`InteractionKind::is_customer_activity`])
///   in the current window (`activity_window_days`, W). Baseline = active days in the
///   `baseline_days` (B) before the current window × W / E, where E = the days of that baseline
///   window on or after the customer's first recorded activity or purchase (E = B for long-
///   standing customers), i.e. the mean active days per W-day period while the customer was
///   known. `None` when E < `min_baseline_days` or the baseline is 0. Fires at ≥ 0.30.
/// - **Purchase gap ratio** = (as_of − last purchase day) / interval, the interval being the
///   customer's mean gap between distinct purchase days ((last − first) / (distinct days − 1)),
///   or, below 2 purchase days, the fallback ([`IntervalFallback`], reported in
///   [`CustomerSignals::interval_source`]). `None` without any purchase. Fires at > 1.5.
/// - **Order value change** = mean order value (amount per transaction) in the last
///   `order_value_period_days` (P) / that in the P days before − 1; `None` unless both periods
///   have orders and the previous mean is > 0. Fires at ≤ −0.20. With refunds netted, a
///   period's mean order value is (its purchases + its refunds, summed exactly) / its
///   purchases; refunds are never purchases, purchase days or activity.
/// - **Negative feedback** = complaints + bad reviews in the last `feedback_window_days`.
///   Fires at ≥ 1.
/// - **Competitor contact** = any competitor-contact interaction in the last
///   `competitor_window_days`. Fires when true.
/// - **Service silence** (key customers only, else `None`) = no inbound contact
///   ([`InteractionKind::is_inbound_contact`]) for more than `silence_days` days (or never),
///   and our latest outreach, made on or after the last inbound contact, has no answer on or
///   after its day. Fires when true.
/// - **NPS detractor** = latest answer ≤ 6. Fires when true (value: the answer).
///
/// Overrides replace the measured value before the rules are applied. Empty logs are fine
/// (every measured signal is then `None` or zero).
///
/// # Examples
///
/// ```
/// use crmkit::churn::{
///     ChurnSignal, ChurnSignalInput, ChurnSignalOptions, InteractionKind, InteractionLog,
///     TransactionLog, compute_churn_signals,
/// };
/// use crmkit::data::{ids::CustomerIndex, transactions::Times};
/// // One index over the ids of both logs: two transactions, then two interactions.
/// let index = CustomerIndex::from_i64("customer_id", &[3, 3, 3, 3])?;
/// let kinds = [InteractionKind::Complaint, InteractionKind::CompetitorContact];
/// let mut input = ChurnSignalInput::new(
///     1000,
///     TransactionLog::of_rows(&index, 0..2, Times::Days(&[900, 990]), &[30.0, 30.0])?,
/// );
/// input.interactions = Some(InteractionLog::of_rows(&index, 2..4, Times::Days(&[995, 998]), &kinds)?);
/// let report = compute_churn_signals(&input, &ChurnSignalOptions::default())?;
/// let codes: Vec<_> = report.customers[0].reasons.iter().map(|r| r.code).collect();
/// assert_eq!(codes, [ChurnSignal::NegativeFeedback, ChurnSignal::CompetitorContact]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// - [`CrmkitError::InvalidConfig`] for invalid options;
/// - [`CrmkitError::LengthMismatch`] when the columns of a log, or a per-customer column, have
///   the wrong length;
/// - [`CrmkitError::InvalidConfig`] when the interaction log does not share the transaction
///   log's customer index;
/// - [`CrmkitError::InvalidValue`] naming the column and row: an amount that is not finite, above 2^53 in magnitude or (unless
///   refunds are netted) negative, an NPS answer above 10, an
///   override that is not finite (or a negative feedback count below 0);
/// - [`CrmkitError::AfterObservation`] for a row dated after `as_of` unless
///   `after_as_of = exclude`.
pub fn compute_churn_signals(
    input: &ChurnSignalInput<'_>,
    options: &ChurnSignalOptions,
) -> Result<ChurnSignalReport> {
    options.validate()?;
    let n = input.n_customers();
    let tx = &input.transactions;
    let logs = group_logs(input, options)?;
    let (tx_groups, ix_groups) = (&logs.transactions, &logs.interactions);
    if let Some(key) = input.key_customer {
        CrmkitError::check_len("key_customer", n, key.len())?;
    }
    check_override(
        "latest_nps",
        input.latest_nps,
        n,
        |v: u8| (v > 10).then_some("NPS answers are 0..=10"),
        |v| v.to_string(),
    )?;
    let o = &input.overrides;
    let show = |v: f64| v.to_string();
    check_override("activity_drop", o.activity_drop, n, finite, show)?;
    check_override("purchase_gap_ratio", o.purchase_gap_ratio, n, finite, show)?;
    check_override("order_value_change", o.order_value_change, n, finite, show)?;
    check_override(
        "negative_feedback",
        o.negative_feedback,
        n,
        |v| finite(v).or((v < 0.0).then_some("a count must be >= 0")),
        show,
    )?;
    let show_bool = |v: bool| v.to_string();
    let ok_bool = |_| None;
    check_override(
        "competitor_contact",
        o.competitor_contact,
        n,
        ok_bool,
        show_bool,
    )?;
    check_override("service_silence", o.service_silence, n, ok_bool, show_bool)?;

    let as_of = i64::from(input.as_of);
    let window = i64::from(options.activity_window_days);
    let current_start = as_of - window + 1;
    let baseline_len = i64::from(options.baseline_days);
    let baseline_start = current_start - baseline_len;
    let period = i64::from(options.order_value_period_days);
    let last_period_start = as_of - period + 1;
    let previous_period_start = last_period_start - period;
    let feedback_start = as_of - i64::from(options.feedback_window_days) + 1;
    let competitor_start = as_of - i64::from(options.competitor_window_days) + 1;

    let mut customers = Vec::with_capacity(n);
    let mut own_intervals = Vec::with_capacity(n);
    let mut purchases: Vec<(i64, f64)> = Vec::new();
    let mut active: Vec<i64> = Vec::new();
    for c in 0..n {
        purchases.clear();
        let (times, amounts) = (tx.times(), tx.amounts());
        purchases.extend(
            tx_groups
                .of(c)
                .iter()
                .map(|&r| (i64::from(times.day(r)), amounts[r])),
        );
        // Sorting the customer's own rows makes every sum independent of the input order.
        purchases.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut distinct = 0u32;
        let mut previous_day = None;
        let (mut last_sum, mut last_n) = (ExactSum::ZERO, 0u32);
        let (mut prev_sum, mut prev_n) = (ExactSum::ZERO, 0u32);
        active.clear();
        let mut first_seen = i64::MAX;
        let (mut first_purchase, mut last_purchase) = (None, None);
        for &(d, amount) in &purchases {
            if amount < 0.0 {
                // A refund: netted against its period's order value, never a purchase.
                if d >= last_period_start {
                    last_sum.add(amount);
                } else if d >= previous_period_start {
                    prev_sum.add(amount);
                }
                continue;
            }
            first_purchase.get_or_insert(d);
            last_purchase = Some(d);
            if previous_day != Some(d) {
                distinct += 1;
                previous_day = Some(d);
            }
            if d >= last_period_start {
                last_sum.add(amount);
                last_n += 1;
            } else if d >= previous_period_start {
                prev_sum.add(amount);
                prev_n += 1;
            }
            if d >= baseline_start {
                active.push(d);
            }
            first_seen = first_seen.min(d);
        }

        let mut negative = 0u32;
        let mut competitor = false;
        let (mut last_inbound, mut last_outreach, mut last_answer) =
            (None::<i64>, None::<i64>, None::<i64>);
        if let (Some(ix), Some((groups, _))) = (&input.interactions, ix_groups) {
            let (times, kinds) = (ix.times(), ix.kinds());
            for &r in groups.of(c) {
                let d = i64::from(times.day(r));
                let kind = kinds[r];
                if kind.is_customer_activity() {
                    first_seen = first_seen.min(d);
                    if d >= baseline_start {
                        active.push(d);
                    }
                }
                if kind.is_negative_feedback() && d >= feedback_start {
                    negative += 1;
                }
                if kind == InteractionKind::CompetitorContact && d >= competitor_start {
                    competitor = true;
                }
                if kind.is_inbound_contact() {
                    last_inbound = last_inbound.max(Some(d));
                }
                match kind {
                    InteractionKind::Outreach => last_outreach = last_outreach.max(Some(d)),
                    InteractionKind::OutreachAnswered => last_answer = last_answer.max(Some(d)),
                    _ => {}
                }
            }
        }
        active.sort_unstable();
        active.dedup();
        let current = active.iter().filter(|&&d| d >= current_start).count() as u32;
        let in_baseline = active.len() as u32 - current;
        // Days of the baseline window on or after the customer's first record.
        let known = if first_seen == i64::MAX {
            0
        } else {
            (current_start - first_seen).clamp(0, baseline_len)
        };
        let baseline = (known > 0 && known >= i64::from(options.min_baseline_days))
            .then(|| f64::from(in_baseline) * window as f64 / known as f64);
        let activity_drop = baseline
            .filter(|b| *b > 0.0)
            .map(|b| 1.0 - f64::from(current) / b);

        let order_value_last = (last_n > 0).then(|| last_sum.value() / f64::from(last_n));
        let order_value_previous = (prev_n > 0).then(|| prev_sum.value() / f64::from(prev_n));
        let order_value_change = match (order_value_last, order_value_previous) {
            (Some(l), Some(p)) if p > 0.0 => Some(l / p - 1.0),
            _ => None,
        };
        let own_interval = match (first_purchase, last_purchase) {
            (Some(f), Some(l)) if distinct >= 2 => Some((l - f) as f64 / f64::from(distinct - 1)),
            _ => None,
        };
        own_intervals.push(own_interval);

        let service_silence = match (input.key_customer, &input.interactions) {
            (Some(key), Some(_)) if key.get(c).copied().unwrap_or(false) => {
                let quiet =
                    last_inbound.is_none_or(|i| as_of - i > i64::from(options.silence_days));
                let unanswered = last_outreach.is_some_and(|out| {
                    last_inbound.is_none_or(|i| out >= i) && last_answer.is_none_or(|a| a < out)
                });
                Some(quiet && unanswered)
            }
            _ => None,
        };
        let has_interactions = input.interactions.is_some();
        customers.push(CustomerSignals {
            values: SignalValues {
                activity_drop,
                purchase_gap_ratio: None,
                order_value_change,
                negative_feedback: has_interactions.then_some(f64::from(negative)),
                competitor_contact: has_interactions.then_some(competitor),
                service_silence,
                nps_detractor: pick(input.latest_nps, c).map(|s| s <= options.nps_detractor_max),
            },
            reasons: Vec::new(),
            overridden: Vec::new(),
            active_days_current: current,
            baseline_active_days: baseline,
            purchase_days: distinct,
            days_since_last_purchase: last_purchase.map(|l| (as_of - l) as i32),
            typical_interval_days: None,
            interval_source: IntervalSource::Unavailable,
            order_value_last_period: order_value_last,
            order_value_previous_period: order_value_previous,
            days_since_inbound_contact: last_inbound.map(|i| (as_of - i) as i32),
        });
    }

    let (sum, count) = own_intervals
        .iter()
        .flatten()
        .fold((0.0, 0usize), |(s, k), v| (s + v, k + 1));
    let population_interval_days = (count > 0).then(|| sum / count as f64);
    for (c, (signals, own)) in customers.iter_mut().zip(&own_intervals).enumerate() {
        if let Some(days) = signals.days_since_last_purchase {
            let (interval, source) = match (own, options.interval_fallback) {
                (Some(own), _) => (Some(*own), IntervalSource::Own),
                (None, IntervalFallback::PopulationMean) => (
                    population_interval_days,
                    if population_interval_days.is_some() {
                        IntervalSource::PopulationMean
                    } else {
                        IntervalSource::Unavailable
                    },
                ),
                (None, IntervalFallback::Fixed { days }) => (Some(days), IntervalSource::Fixed),
                (None, IntervalFallback::None) => (None, IntervalSource::Unavailable),
            };
            signals.typical_interval_days = interval;
            signals.interval_source = source;
            signals.values.purchase_gap_ratio = interval.map(|i| f64::from(days) / i);
        }
        apply_overrides(signals, o, c);
        signals.reasons = reasons(
            &signals.values,
            input.latest_nps.and_then(|n| n.get(c).copied().flatten()),
            options,
        );
    }
    Ok(ChurnSignalReport {
        as_of: input.as_of,
        customers,
        population_interval_days,
        transactions_after_as_of: logs.report.rows_after_as_of,
        interactions_after_as_of: ix_groups.as_ref().map_or(0, |g| g.1),
        refunds: logs.report.refunds,
    })
}

fn apply_overrides(signals: &mut CustomerSignals, o: &SignalOverrides<'_>, c: usize) {
    let v = &mut signals.values;
    let mut set_f = |target: &mut Option<f64>, column, signal| {
        if let Some(x) = pick(column, c) {
            *target = Some(x);
            signals.overridden.push(signal);
        }
    };
    set_f(
        &mut v.activity_drop,
        o.activity_drop,
        ChurnSignal::ActivityDrop,
    );
    set_f(
        &mut v.purchase_gap_ratio,
        o.purchase_gap_ratio,
        ChurnSignal::PurchaseGap,
    );
    set_f(
        &mut v.order_value_change,
        o.order_value_change,
        ChurnSignal::OrderValueDecline,
    );
    set_f(
        &mut v.negative_feedback,
        o.negative_feedback,
        ChurnSignal::NegativeFeedback,
    );
    if let Some(x) = pick(o.competitor_contact, c) {
        v.competitor_contact = Some(x);
        signals.overridden.push(ChurnSignal::CompetitorContact);
    }
    if let Some(x) = pick(o.service_silence, c) {
        v.service_silence = Some(x);
        signals.overridden.push(ChurnSignal::ServiceSilence);
    }
}

fn reasons(
    values: &SignalValues,
    nps: Option<u8>,
    options: &ChurnSignalOptions,
) -> Vec<ChurnReason> {
    let mut out = Vec::new();
    let mut fire = |code, value, threshold| {
        out.push(ChurnReason {
            code,
            value,
            threshold,
        })
    };
    if let Some(drop) = values.activity_drop {
        if drop >= options.activity_drop_threshold {
            fire(
                ChurnSignal::ActivityDrop,
                drop,
                options.activity_drop_threshold,
            );
        }
    }
    if let Some(ratio) = values.purchase_gap_ratio {
        if ratio > options.purchase_gap_multiple {
            fire(
                ChurnSignal::PurchaseGap,
                ratio,
                options.purchase_gap_multiple,
            );
        }
    }
    if let Some(change) = values.order_value_change {
        if change <= options.order_value_change_threshold {
            fire(
                ChurnSignal::OrderValueDecline,
                change,
                options.order_value_change_threshold,
            );
        }
    }
    if let Some(count) = values.negative_feedback {
        let min = f64::from(options.negative_feedback_min_count);
        if count >= min {
            fire(ChurnSignal::NegativeFeedback, count, min);
        }
    }
    if values.competitor_contact == Some(true) {
        fire(ChurnSignal::CompetitorContact, 1.0, 1.0);
    }
    if values.service_silence == Some(true) {
        fire(ChurnSignal::ServiceSilence, 1.0, 1.0);
    }
    if values.nps_detractor == Some(true) {
        let answer = nps.map_or(0.0, f64::from);
        fire(
            ChurnSignal::NpsDetractor,
            answer,
            f64::from(options.nps_detractor_max),
        );
    }
    out
}

#[cfg(test)]
mod format_tests {
    use super::format_g4;

    #[test]
    fn four_significant_digits_as_python_g() {
        // Expected values: Python 3.12 `f"{x:.4g}"`.
        for (x, want) in [
            (1.0, "1"),
            (0.3, "0.3"),
            (3.7333333333333334, "3.733"),
            (-0.2, "-0.2"),
            (12345.0, "1.234e+04"),
            (9999.5, "1e+04"),
            (9.9996, "10"),
            (0.00012345, "0.0001234"),
            (0.000012345, "1.234e-05"),
            (123.456, "123.5"),
            (2.0, "2"),
            (1e300, "1e+300"),
            (-1234.5, "-1234"),
            (0.0, "0"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(format_g4(x), want, "{x}");
        }
    }
}
