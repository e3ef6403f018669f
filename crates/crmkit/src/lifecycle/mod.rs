//! Lifecycle stages, their migration between two snapshots and per-stage
//! report metrics.
//!
//! - [`assign_lifecycle_stages`] gives every customer one [`LifecycleStage`] from ordered,
//!   configurable [`LifecycleRules`] (first match wins), with the reason it was chosen;
//!   [`purchase_history`] reads its purchase days from the shared transaction log, and
//!   [`lifecycle_stages_of_log`] does both, joining a per-customer table ([`CustomerTable`]) to
//!   the customers of the log;
//! - [`migration`] / [`migration_with_labels`] / [`stage_migration`] compare two snapshots of
//!   any categorical label (stages, RFM tiers, segments): transition counts and rates, the
//!   non-empty flows (the data behind a Sankey diagram) and each customer's move;
//!   [`snapshot_migration`] does the same for two snapshots matched by customer id (the id
//!   join, duplicate and null checks, label order and counts of `crmkit.stage_migration`);
//! - [`metrics_by_group`] / [`stage_metrics`] aggregate per-customer metric columns by group;
//!   [`stage_metrics_by_id`] first matches a metric table to the stages by customer id.
//!
//! # Examples
//!
//! ```
//! use crmkit::lifecycle::{LifecycleInput, LifecycleRules, LifecycleStage, assign_lifecycle_stages};
//!
//! let input = LifecycleInput {
//!     as_of: 1000,
//!     first_contact: &[900, 100],
//!     first_purchase: &[None, Some(200)],
//!     last_purchase: &[None, Some(990)],
//!     previous_purchase: &[None, Some(960)],
//!     ..Default::default()
//! };
//! let stages = assign_lifecycle_stages(&input, &LifecycleRules::default()).unwrap();
//! assert_eq!(stages[0].stage, LifecycleStage::Prospect);
//! assert_eq!(stages[1].stage, LifecycleStage::Retained);
//! ```

use serde::{Deserialize, Serialize};

mod from_log;
mod snapshots;
mod stage_report;
pub use from_log::{CustomerTable, LifecycleReport, lifecycle_stages_of_log};
pub use snapshots::{
    ABSENT, LabelOrder, SnapshotMigration, SnapshotMigrationOptions, snapshot_migration,
    snapshot_migration_by_position,
};
pub use stage_report::stage_metrics_by_id;

use crate::churn::AlertLevel;
use crate::data::calendar::{Day, format_day};
use crate::data::rows_by_customer::RowsByCustomer;
#[cfg(doc)]
use crate::data::transactions::{AfterAsOf, NegativeAmounts};
use crate::data::transactions::{LogOptions, LogReport, TransactionLog};
use crate::names::named_enum;
use crate::{CrmkitError, Result};

named_enum! {
    /// A lifecycle stage. Snake_case names ([`LifecycleStage::as_str`]) are stable.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::lifecycle::LifecycleStage;
    /// assert_eq!(LifecycleStage::ChurnWarning.as_str(), "churn_warning");
    /// assert_eq!("reactivated".parse::<LifecycleStage>().unwrap(), LifecycleStage::Reactivated);
    /// ```
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum LifecycleStage parsed as "lifecycle_stage" {
        /// In contact, no purchase yet (acquisition).
        Prospect,
        /// First purchase recently (the first months).
        Onboarding,
        /// Buying steadily.
        Retained,
        /// Showing high-value behaviour (large orders, referrals, upgrades, cross-category buying).
        Expansion,
        /// Bought before, now at risk of churning.
        ChurnWarning,
        /// No purchase for longer than the lost horizon.
        Lost,
        /// Came back after a gap longer than the lost horizon.
        Reactivated,
    }
}

impl LifecycleStage {
    /// Every stage, in reporting order.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::lifecycle::LifecycleStage;
    /// assert_eq!(LifecycleStage::ALL[0], LifecycleStage::Prospect);
    /// ```
    pub const ALL: [Self; 7] = [
        Self::Prospect,
        Self::Onboarding,
        Self::Retained,
        Self::Expansion,
        Self::ChurnWarning,
        Self::Lost,
        Self::Reactivated,
    ];

    /// The stable snake_case name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::lifecycle::LifecycleStage::Lost.as_str(), "lost");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The lowest churn alert level a customer in this stage may have, so that the alert and
    /// the stage never contradict: `churn_warning` and `lost` are at least
    /// [`AlertLevel::Yellow`] (a customer we call at risk, or gone, is never green); every
    /// other stage leaves the alert of the churn index as it is. Why yellow and not red: red
    /// is reserved for an index of 8 or more (several strong signals at once), and a lost
    /// customer's treatment is a win-back offer rather than an urgent personal call
    /// (docs/churn.md, "How index, alert, stage and playbook relate").
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::AlertLevel;
    /// use crmkit::lifecycle::LifecycleStage;
    /// assert_eq!(LifecycleStage::Lost.minimum_alert(), AlertLevel::Yellow);
    /// assert_eq!(LifecycleStage::Retained.minimum_alert(), AlertLevel::Green);
    /// ```
    pub fn minimum_alert(self) -> AlertLevel {
        match self {
            Self::ChurnWarning | Self::Lost => AlertLevel::Yellow,
            _ => AlertLevel::Green,
        }
    }

    /// The alert of a customer in this stage: the index's alert raised to
    /// [`Self::minimum_alert`] (alert levels are ordered green < yellow < red).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::AlertLevel;
    /// use crmkit::lifecycle::LifecycleStage;
    /// assert_eq!(LifecycleStage::Lost.alert(AlertLevel::Green), AlertLevel::Yellow);
    /// assert_eq!(LifecycleStage::Lost.alert(AlertLevel::Red), AlertLevel::Red);
    /// assert_eq!(LifecycleStage::Onboarding.alert(AlertLevel::Green), AlertLevel::Green);
    /// ```
    pub fn alert(self, index_alert: AlertLevel) -> AlertLevel {
        index_alert.max(self.minimum_alert())
    }

    /// The report metrics of the stage, by conventional column name (use these names
    /// for the columns given to [`stage_metrics`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::lifecycle::LifecycleStage;
    /// assert!(LifecycleStage::Expansion.spec_metrics().contains(&"cross_buy_rate"));
    /// ```
    pub fn spec_metrics(self) -> &'static [&'static str] {
        match self {
            Self::Prospect => &[
                "channel_cost",
                "first_interaction_length",
                "interest_tags",
                "region_mix",
            ],
            Self::Onboarding => &["repurchase_rate", "order_value_growth", "satisfaction"],
            Self::Retained => &["monthly_purchase_frequency", "clv", "nps", "referrals"],
            Self::Expansion => &["large_order_rate", "cross_buy_rate", "upgrade_rate"],
            Self::ChurnWarning => &[
                "activity_drop",
                "complaints",
                "competitor_contact",
                "win_back_response_rate",
            ],
            Self::Lost => &["win_back_response_rate"],
            Self::Reactivated => &["repurchase_rate", "order_value_growth"],
        }
    }
}

named_enum! {
    /// A high-value behaviour in the window (what the expansion stage looks for).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::lifecycle::HighValueBehaviour;
    /// assert_eq!(serde_json::to_string(&HighValueBehaviour::CrossCategory).unwrap(), "\"cross_category\"");
    /// ```
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum HighValueBehaviour parsed as "high_value_behaviour" {
        /// A large order.
        LargeOrder,
        /// A referral of a new customer.
        Referral,
        /// An upgrade (plan, tier, product line).
        Upgrade,
        /// A purchase in a new category.
        CrossCategory,
    }
}

/// One condition of a lifecycle rule. All day counts are whole days to `as_of`.
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::LifecycleCondition;
/// let c: LifecycleCondition =
///     serde_json::from_str(r#"{"days_since_last_purchase_over": {"days": 365}}"#).unwrap();
/// assert_eq!(c, LifecycleCondition::DaysSinceLastPurchaseOver { days: 365 });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum LifecycleCondition {
    /// The customer has no purchase. Reason: `no_purchase`, value = days since first contact.
    NoPurchase,
    /// as_of − last purchase > `days`. Reason: `days_since_last_purchase`.
    DaysSinceLastPurchaseOver {
        /// The horizon in days (≥ 1).
        days: u32,
    },
    /// The customer bought before and the churn index is ≥ `index` (1..=10). Reason:
    /// `churn_index`.
    ChurnIndexAtLeast {
        /// The lowest index that matches.
        index: u8,
    },
    /// The customer bought before and the purchase-gap rule fires. Reason: `purchase_gap`.
    PurchaseGapFires,
    /// The latest purchase came after a gap > `gap_over_days` since the previous purchase, and
    /// lies at most `within_days` before `as_of`. Reason: `reactivated_after_gap`, value = the
    /// gap.
    Reactivated {
        /// The gap that counts as a return from lost (the lost horizon).
        gap_over_days: u32,
        /// How long a customer stays reactivated (the onboarding period).
        within_days: u32,
    },
    /// as_of − first purchase ≤ `days`. Reason: `first_purchase_recent`.
    FirstPurchaseWithin {
        /// The onboarding period in days (≥ 1).
        days: u32,
    },
    /// Any of the listed behaviours is flagged. Reason: the behaviour (e.g. `large_order`).
    HighValueBehaviour {
        /// The behaviours that count (non-empty).
        any_of: Vec<HighValueBehaviour>,
    },
    /// Always matches (the catch-all). Reason: `default`, value = days since first purchase.
    Always,
}

/// A rule: the stage given when any of the conditions holds.
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::{LifecycleCondition, LifecycleRule, LifecycleStage};
/// let r = LifecycleRule { stage: LifecycleStage::Retained, when_any: vec![LifecycleCondition::Always] };
/// assert_eq!(r.when_any.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRule {
    /// The stage to assign.
    pub stage: LifecycleStage,
    /// The conditions, any of which suffices (non-empty).
    pub when_any: Vec<LifecycleCondition>,
}

/// Ordered lifecycle rules, first match wins; the last rule must be a catch-all
/// ([`LifecycleCondition::Always`]) so every customer gets a stage.
///
/// The default: prospect (no purchase); lost (no purchase for > 365 days); churn
/// warning (churn index ≥ 8, or the purchase-gap rule fires); reactivated (latest purchase
/// after a gap > 365 days, within the last 180 days); onboarding (first purchase within 180
/// days); expansion (large order, referral, upgrade or cross-category purchase); retained
/// (everyone else: buying for more than 180 days).
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::{LifecycleRules, LifecycleStage};
/// let rules = LifecycleRules::default();
/// assert_eq!(rules.rules.len(), 7);
/// let json = serde_json::to_string(&rules).unwrap();
/// let back: LifecycleRules = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, rules);
/// assert!(back.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRules {
    /// The rules in order.
    pub rules: Vec<LifecycleRule>,
}

impl Default for LifecycleRules {
    fn default() -> Self {
        use LifecycleCondition as C;
        use LifecycleStage as S;
        let rule = |stage, when_any| LifecycleRule { stage, when_any };
        Self {
            rules: vec![
                rule(S::Prospect, vec![C::NoPurchase]),
                rule(S::Lost, vec![C::DaysSinceLastPurchaseOver { days: 365 }]),
                rule(
                    S::ChurnWarning,
                    vec![C::ChurnIndexAtLeast { index: 8 }, C::PurchaseGapFires],
                ),
                rule(
                    S::Reactivated,
                    vec![C::Reactivated {
                        gap_over_days: 365,
                        within_days: 180,
                    }],
                ),
                rule(S::Onboarding, vec![C::FirstPurchaseWithin { days: 180 }]),
                rule(
                    S::Expansion,
                    vec![C::HighValueBehaviour {
                        any_of: vec![
                            HighValueBehaviour::LargeOrder,
                            HighValueBehaviour::Referral,
                            HighValueBehaviour::Upgrade,
                            HighValueBehaviour::CrossCategory,
                        ],
                    }],
                ),
                rule(S::Retained, vec![C::Always]),
            ],
        }
    }
}

impl LifecycleRules {
    /// Checks the rules.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::lifecycle::LifecycleRules;
    /// let mut rules = LifecycleRules::default();
    /// rules.rules.pop(); // no catch-all any more
    /// assert!(rules.validate().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming the rule (`rules[i]`): no rules, a rule without
    /// conditions, a day count of 0, a churn index outside 1..=10, an empty behaviour list, or
    /// a last rule that is not a catch-all.
    pub fn validate(&self) -> Result<()> {
        if self.rules.is_empty() {
            return Err(CrmkitError::empty("rules"));
        }
        for (i, rule) in self.rules.iter().enumerate() {
            let field = format!("rules[{i}]");
            if rule.when_any.is_empty() {
                return Err(CrmkitError::invalid_config(
                    field,
                    rule,
                    "a rule needs at least one condition",
                ));
            }
            for c in &rule.when_any {
                let bad = match c {
                    LifecycleCondition::DaysSinceLastPurchaseOver { days }
                    | LifecycleCondition::FirstPurchaseWithin { days } => *days == 0,
                    LifecycleCondition::Reactivated {
                        gap_over_days,
                        within_days,
                    } => *gap_over_days == 0 || *within_days == 0,
                    LifecycleCondition::ChurnIndexAtLeast { index } => !(1..=10).contains(index),
                    LifecycleCondition::HighValueBehaviour { any_of } => any_of.is_empty(),
                    LifecycleCondition::NoPurchase
                    | LifecycleCondition::PurchaseGapFires
                    | LifecycleCondition::Always => false,
                };
                if bad {
                    return Err(CrmkitError::invalid_config(
                        field,
                        c,
                        "day counts must be >= 1, churn index in 1..=10, behaviour list non-empty",
                    ));
                }
            }
        }
        let last = self.rules.len() - 1;
        if !self.rules[last]
            .when_any
            .contains(&LifecycleCondition::Always)
        {
            return Err(CrmkitError::invalid_config(
                format!("rules[{last}]"),
                &self.rules[last],
                "the last rule must be a catch-all (condition `always`) so every customer gets a stage",
            ));
        }
        Ok(())
    }
}

named_enum! {
    /// Why a stage was chosen. Snake_case names are stable.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::lifecycle::LifecycleReasonCode;
    /// assert_eq!(serde_json::to_string(&LifecycleReasonCode::ReactivatedAfterGap).unwrap(), "\"reactivated_after_gap\"");
    /// ```
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum LifecycleReasonCode parsed as "lifecycle_reason" {
        /// No purchase yet.
        NoPurchase,
        /// Days since the last purchase exceeded the horizon.
        DaysSinceLastPurchase,
        /// The churn index reached the threshold.
        ChurnIndex,
        /// The purchase-gap rule fired.
        PurchaseGap,
        /// The latest purchase followed a long gap.
        ReactivatedAfterGap,
        /// The first purchase is recent.
        FirstPurchaseRecent,
        /// A large order.
        LargeOrder,
        /// A referral.
        Referral,
        /// An upgrade.
        Upgrade,
        /// A cross-category purchase.
        CrossCategory,
        /// The catch-all rule.
        Default,
    }
}

/// The reason code with the measured value and the threshold it was compared with.
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::{LifecycleReason, LifecycleReasonCode};
/// let r = LifecycleReason { code: LifecycleReasonCode::ChurnIndex, value: Some(9.0), threshold: Some(8.0) };
/// assert_eq!(r.value, Some(9.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LifecycleReason {
    /// The reason code.
    pub code: LifecycleReasonCode,
    /// The measured value (days, index, gap; 1 for a flag), if any.
    pub value: Option<f64>,
    /// The threshold, if any.
    pub threshold: Option<f64>,
}

/// A customer's stage and why.
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::{LifecycleReason, LifecycleReasonCode, LifecycleStage, StageAssignment};
/// let a = StageAssignment {
///     stage: LifecycleStage::Prospect,
///     reason: LifecycleReason { code: LifecycleReasonCode::NoPurchase, value: Some(3.0), threshold: None },
/// };
/// assert_eq!(a.stage.as_str(), "prospect");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StageAssignment {
    /// The stage.
    pub stage: LifecycleStage,
    /// Why.
    pub reason: LifecycleReason,
}

/// Per-customer inputs of [`assign_lifecycle_stages`], as parallel columns (one entry per
/// customer, the length of `first_contact`). Optional columns may be left out (`None`): their
/// conditions then never match.
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::LifecycleInput;
/// let input = LifecycleInput { as_of: 10, first_contact: &[1], first_purchase: &[None],
///     last_purchase: &[None], previous_purchase: &[None], ..Default::default() };
/// assert!(input.churn_index.is_none());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct LifecycleInput<'a> {
    /// The observation date.
    pub as_of: Day,
    /// First contact day.
    pub first_contact: &'a [Day],
    /// First purchase day (`None` = never bought).
    pub first_purchase: &'a [Option<Day>],
    /// Latest purchase day (`Some` exactly when `first_purchase` is).
    pub last_purchase: &'a [Option<Day>],
    /// The purchase day before the latest one (`None` with a single purchase day).
    pub previous_purchase: &'a [Option<Day>],
    /// Churn risk index 1..=10.
    pub churn_index: Option<&'a [Option<u8>]>,
    /// Whether the purchase-gap warning rule fires.
    pub purchase_gap_fires: Option<&'a [Option<bool>]>,
    /// A large order in the window.
    pub large_order: Option<&'a [Option<bool>]>,
    /// A referral in the window.
    pub referral: Option<&'a [Option<bool>]>,
    /// An upgrade in the window.
    pub upgrade: Option<&'a [Option<bool>]>,
    /// A cross-category purchase in the window.
    pub cross_category: Option<&'a [Option<bool>]>,
}

fn flag(column: Option<&[Option<bool>]>, c: usize) -> bool {
    column.and_then(|col| col.get(c).copied().flatten()) == Some(true)
}

fn check_column<T>(field: &str, column: Option<&[T]>, n: usize) -> Result<()> {
    match column {
        Some(col) => CrmkitError::check_len(field, n, col.len()),
        None => Ok(()),
    }
}

/// First, latest and previous purchase day of every customer of a transaction log: the inputs
/// [`LifecycleInput`] needs. The log is the shared
/// [`TransactionLog`] read with the same [`LogOptions`] as every other reader of a log and
/// grouped by the one per-customer routine ([`TransactionLog::rows_by_customer`]); a row with a
/// negative amount is a refund, never a purchase — an error naming its row by default, or
/// (with [`NegativeAmounts::Net`]) left out of the purchase days and counted in
/// [`PurchaseHistory::refunds`]. Every customer of the log's index gets an entry, also those
/// without rows in the log (no purchase).
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::CustomerIndex;
/// use crmkit::data::transactions::{AfterAsOf, LogOptions, NegativeAmounts, Times, TransactionLog};
/// use crmkit::lifecycle::purchase_history;
/// // Customer 10 bought on days 900, 100 and 900 again; customer 20 (an attribute row) never.
/// let index = CustomerIndex::from_i64("customer_id", &[10, 10, 10, 20])?;
/// let log = TransactionLog::of_rows(&index, 0..3, Times::Days(&[900, 100, 900]), &[1.0, 2.0, 3.0])?;
/// let h = purchase_history(&log, 1000, LogOptions::default())?;
/// assert_eq!(h.first_purchase, vec![Some(100), None]);
/// assert_eq!(h.last_purchase, vec![Some(900), None]);
/// assert_eq!(h.previous_purchase, vec![Some(100), None]);
/// // A refund (netted) is not a purchase; a row after as_of is excluded on request.
/// let log = TransactionLog::of_rows(&index, 0..3, Times::Days(&[100, 900, 1001]), &[20.0, -20.0, 5.0])?;
/// let options = LogOptions { after_as_of: AfterAsOf::Exclude, negative_amounts: NegativeAmounts::Net };
/// let h = purchase_history(&log, 1000, options)?;
/// assert_eq!((h.last_purchase[0], h.refunds, h.rows_after_as_of), (Some(100), 1, 1));
/// assert!(purchase_history(&log, 1000, LogOptions::default()).is_err());
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// As [`TransactionLog::rows_by_customer`]: [`CrmkitError::InvalidValue`] naming `amount` or
/// `timestamp` and the row for an amount that is not finite, above 2^53 in magnitude or
/// (unless refunds are netted) negative, or a day out of range;
/// [`CrmkitError::AfterObservation`] for a row after `as_of` unless `options.after_as_of` is
/// [`AfterAsOf::Exclude`].
pub fn purchase_history(
    log: &TransactionLog<'_>,
    as_of: Day,
    options: LogOptions,
) -> Result<PurchaseHistory> {
    let (groups, report) = log.rows_by_customer(as_of, options)?;
    Ok(PurchaseHistory::from_groups(log, &groups, &report))
}

/// The result of [`purchase_history`], one entry per customer code.
///
/// # Examples
///
/// ```
/// use crmkit::data::{ids::CustomerIndex, transactions::{Times, TransactionLog}};
/// let index = CustomerIndex::from_i64("customer_id", &[3])?;
/// let log = TransactionLog::new(&index, Times::Days(&[5]), &[1.0])?;
/// let h = crmkit::lifecycle::purchase_history(&log, 5, Default::default())?;
/// assert_eq!((h.first_purchase[0], h.previous_purchase[0]), (Some(5), None));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseHistory {
    /// First purchase day.
    pub first_purchase: Vec<Option<Day>>,
    /// Latest purchase day.
    pub last_purchase: Vec<Option<Day>>,
    /// The distinct purchase day before the latest one.
    pub previous_purchase: Vec<Option<Day>>,
    /// Rows after `as_of` that were excluded.
    pub rows_after_as_of: usize,
    /// Refund rows (negative amounts, netted) on or before `as_of`: not purchases.
    #[serde(default)]
    pub refunds: usize,
}

impl PurchaseHistory {
    /// What was left out or netted, as a sentence for a warning; `None` when nothing was
    /// (the sentence of [`crate::churn::ChurnSignalReport::describe`], about transactions).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::{ids::CustomerIndex, transactions::{AfterAsOf, LogOptions, Times, TransactionLog}};
    /// let index = CustomerIndex::from_i64("customer_id", &[1, 1])?;
    /// let log = TransactionLog::new(&index, Times::Days(&[1, 9]), &[1.0, 1.0])?;
    /// let exclude = LogOptions { after_as_of: AfterAsOf::Exclude, ..LogOptions::default() };
    /// let h = crmkit::lifecycle::purchase_history(&log, 5, exclude)?;
    /// assert_eq!(h.describe().unwrap(), "timestamp_after_as_of: 1 transactions dated after as_of were left out");
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn describe(&self) -> Option<String> {
        crate::churn::signals::describe_log("transactions", self.rows_after_as_of, self.refunds)
    }

    /// The purchase days of each customer from the log's rows grouped by customer (refund
    /// rows, negative amounts, are skipped: never purchases) and the log's report.
    pub(crate) fn from_groups(
        log: &TransactionLog<'_>,
        groups: &RowsByCustomer,
        report: &LogReport,
    ) -> Self {
        let n = groups.n_customers();
        let (times, amounts) = (log.times(), log.amounts());
        let mut first: Vec<Option<Day>> = vec![None; n];
        let mut last: Vec<Option<Day>> = vec![None; n];
        let mut previous: Vec<Option<Day>> = vec![None; n];
        for c in 0..n {
            let (mut f, mut l, mut p): (Option<Day>, Option<Day>, Option<Day>) = (None, None, None);
            for &row in groups.of(c) {
                if amounts[row] < 0.0 {
                    continue; // a refund is never a purchase
                }
                let d = times.day(row);
                f = Some(f.map_or(d, |f| f.min(d)));
                match l {
                    None => l = Some(d),
                    Some(x) if d > x => {
                        p = Some(x);
                        l = Some(d);
                    }
                    Some(x) if d < x && p.is_none_or(|p| d > p) => p = Some(d),
                    Some(_) => {}
                }
            }
            (first[c], last[c], previous[c]) = (f, l, p);
        }
        Self {
            first_purchase: first,
            last_purchase: last,
            previous_purchase: previous,
            rows_after_as_of: report.rows_after_as_of,
            refunds: report.refunds,
        }
    }
}

/// Assigns every customer a lifecycle stage: the stage of the first rule with a matching
/// condition (conditions of a rule are tried in order; the first that matches gives the reason).
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::{
///     LifecycleInput, LifecycleReasonCode, LifecycleRules, LifecycleStage, assign_lifecycle_stages,
/// };
/// // Bought on day 100, nothing until day 600, bought again on day 900; as of day 1000.
/// let input = LifecycleInput {
///     as_of: 1000,
///     first_contact: &[50],
///     first_purchase: &[Some(100)],
///     last_purchase: &[Some(900)],
///     previous_purchase: &[Some(100)],
///     ..Default::default()
/// };
/// let a = assign_lifecycle_stages(&input, &LifecycleRules::default()).unwrap();
/// assert_eq!(a[0].stage, LifecycleStage::Reactivated);
/// assert_eq!(a[0].reason.code, LifecycleReasonCode::ReactivatedAfterGap);
/// assert_eq!(a[0].reason.value, Some(800.0));
/// ```
///
/// # Errors
///
/// - [`CrmkitError::InvalidConfig`] for invalid rules;
/// - [`CrmkitError::LengthMismatch`] for a column of the wrong length;
/// - [`CrmkitError::MissingValue`] when only one of first and last purchase is given;
/// - [`CrmkitError::InvalidValue`] naming the column and row: first purchase after the last,
///   previous purchase not in [first, last), previous purchase without a purchase, churn index
///   outside 1..=10;
/// - [`CrmkitError::AfterObservation`] for a day after `as_of`.
pub fn assign_lifecycle_stages(
    input: &LifecycleInput<'_>,
    rules: &LifecycleRules,
) -> Result<Vec<StageAssignment>> {
    rules.validate()?;
    let n = input.first_contact.len();
    CrmkitError::check_len("first_purchase", n, input.first_purchase.len())?;
    CrmkitError::check_len("last_purchase", n, input.last_purchase.len())?;
    CrmkitError::check_len("previous_purchase", n, input.previous_purchase.len())?;
    check_column("churn_index", input.churn_index, n)?;
    check_column("purchase_gap_fires", input.purchase_gap_fires, n)?;
    check_column("large_order", input.large_order, n)?;
    check_column("referral", input.referral, n)?;
    check_column("upgrade", input.upgrade, n)?;
    check_column("cross_category", input.cross_category, n)?;
    let as_of = input.as_of;
    let after = |field: &str, row: usize, day: Day| -> Result<()> {
        if day > as_of {
            Err(CrmkitError::AfterObservation {
                field: field.to_owned(),
                row,
                value: format_day(day),
                as_of: format_day(as_of),
            })
        } else {
            Ok(())
        }
    };
    for c in 0..n {
        after("first_contact", c, input.first_contact[c])?;
        let (first, last, previous) = (
            input.first_purchase[c],
            input.last_purchase[c],
            input.previous_purchase[c],
        );
        match (first, last) {
            (Some(f), Some(l)) => {
                after("last_purchase", c, l)?;
                if f > l {
                    return Err(CrmkitError::invalid_value(
                        "first_purchase",
                        c,
                        format_day(f),
                        format!("after the last purchase {}", format_day(l)),
                    ));
                }
                if let Some(p) = previous {
                    if p < f || p >= l {
                        return Err(CrmkitError::invalid_value(
                            "previous_purchase",
                            c,
                            format_day(p),
                            "must be on or after the first purchase and before the last",
                        ));
                    }
                }
            }
            (None, None) => {
                if let Some(p) = previous {
                    return Err(CrmkitError::invalid_value(
                        "previous_purchase",
                        c,
                        format_day(p),
                        "given for a customer without purchases",
                    ));
                }
            }
            (Some(_), None) => return Err(missing("last_purchase", c)),
            (None, Some(_)) => return Err(missing("first_purchase", c)),
        }
        if let Some(i) = input
            .churn_index
            .and_then(|col| col.get(c).copied().flatten())
        {
            if !(1..=10).contains(&i) {
                return Err(CrmkitError::invalid_value(
                    "churn_index",
                    c,
                    i,
                    "must be in 1..=10",
                ));
            }
        }
    }

    let mut out = Vec::with_capacity(n);
    for c in 0..n {
        let assignment = rules.rules.iter().find_map(|rule| {
            rule.when_any
                .iter()
                .find_map(|cond| matches(cond, input, c))
                .map(|reason| StageAssignment {
                    stage: rule.stage,
                    reason,
                })
        });
        // validate() guarantees a catch-all last rule, so this never takes the fallback.
        out.push(assignment.unwrap_or(StageAssignment {
            stage: LifecycleStage::Retained,
            reason: LifecycleReason {
                code: LifecycleReasonCode::Default,
                value: None,
                threshold: None,
            },
        }));
    }
    Ok(out)
}

fn missing(field: &str, row: usize) -> CrmkitError {
    CrmkitError::MissingValue {
        field: field.to_owned(),
        row,
    }
}

/// The reason when `cond` holds for customer `c`.
fn matches(
    cond: &LifecycleCondition,
    input: &LifecycleInput<'_>,
    c: usize,
) -> Option<LifecycleReason> {
    let as_of = i64::from(input.as_of);
    let first = input.first_purchase[c].map(i64::from);
    let last = input.last_purchase[c].map(i64::from);
    let previous = input.previous_purchase[c].map(i64::from);
    let reason = |code, value: f64, threshold: Option<f64>| LifecycleReason {
        code,
        value: Some(value),
        threshold,
    };
    match cond {
        LifecycleCondition::NoPurchase => last.is_none().then(|| {
            reason(
                LifecycleReasonCode::NoPurchase,
                (as_of - i64::from(input.first_contact[c])) as f64,
                None,
            )
        }),
        LifecycleCondition::DaysSinceLastPurchaseOver { days } => {
            let since = as_of - last?;
            (since > i64::from(*days)).then(|| {
                reason(
                    LifecycleReasonCode::DaysSinceLastPurchase,
                    since as f64,
                    Some(f64::from(*days)),
                )
            })
        }
        LifecycleCondition::ChurnIndexAtLeast { index } => {
            last?;
            let i = input.churn_index?.get(c).copied().flatten()?;
            (i >= *index).then(|| {
                reason(
                    LifecycleReasonCode::ChurnIndex,
                    f64::from(i),
                    Some(f64::from(*index)),
                )
            })
        }
        LifecycleCondition::PurchaseGapFires => {
            last?;
            flag(input.purchase_gap_fires, c)
                .then(|| reason(LifecycleReasonCode::PurchaseGap, 1.0, None))
        }
        LifecycleCondition::Reactivated {
            gap_over_days,
            within_days,
        } => {
            let (l, p) = (last?, previous?);
            (l - p > i64::from(*gap_over_days) && as_of - l <= i64::from(*within_days)).then(|| {
                reason(
                    LifecycleReasonCode::ReactivatedAfterGap,
                    (l - p) as f64,
                    Some(f64::from(*gap_over_days)),
                )
            })
        }
        LifecycleCondition::FirstPurchaseWithin { days } => {
            let since = as_of - first?;
            (since <= i64::from(*days)).then(|| {
                reason(
                    LifecycleReasonCode::FirstPurchaseRecent,
                    since as f64,
                    Some(f64::from(*days)),
                )
            })
        }
        LifecycleCondition::HighValueBehaviour { any_of } => any_of.iter().find_map(|b| {
            let (column, code) = match b {
                HighValueBehaviour::LargeOrder => {
                    (input.large_order, LifecycleReasonCode::LargeOrder)
                }
                HighValueBehaviour::Referral => (input.referral, LifecycleReasonCode::Referral),
                HighValueBehaviour::Upgrade => (input.upgrade, LifecycleReasonCode::Upgrade),
                HighValueBehaviour::CrossCategory => {
                    (input.cross_category, LifecycleReasonCode::CrossCategory)
                }
            };
            flag(column, c).then(|| reason(code, 1.0, None))
        }),
        LifecycleCondition::Always => Some(LifecycleReason {
            code: LifecycleReasonCode::Default,
            value: first.map(|f| (as_of - f) as f64),
            threshold: None,
        }),
    }
}

/// One customer's move between two snapshots, as indices into [`Migration::labels`].
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::LabelMove;
/// let m = LabelMove { from: 0, to: 2 };
/// assert!(m.from != m.to);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelMove {
    /// Label index in the first snapshot.
    pub from: usize,
    /// Label index in the second snapshot.
    pub to: usize,
}

/// A non-empty flow between two labels (one link of a Sankey diagram).
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::Flow;
/// let f = Flow { from: "a", to: "b", count: 3, rate: 0.75 };
/// assert_eq!(f.count, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow<T> {
    /// Label in the first snapshot.
    pub from: T,
    /// Label in the second snapshot.
    pub to: T,
    /// Customers moving so.
    pub count: u64,
    /// Share of the `from` label's customers moving so.
    pub rate: f64,
}

/// Migration of customers between the labels of two snapshots.
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::migration;
/// let m = migration(&["gold", "gold", "silver"], &["gold", "silver", "silver"]).unwrap();
/// assert_eq!(m.labels, ["gold", "silver"]);
/// assert_eq!(m.counts, [[1, 1], [0, 1]]);
/// assert_eq!(m.rates[0], [0.5, 0.5]);
/// assert_eq!(m.changed(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Migration<T> {
    /// The labels, indexing rows (first snapshot) and columns (second snapshot).
    pub labels: Vec<T>,
    /// `counts[i][j]`: customers labelled `labels[i]` before and `labels[j]` after.
    pub counts: Vec<Vec<u64>>,
    /// `rates[i][j]` = `counts[i][j]` / row total (a row without customers is all 0).
    pub rates: Vec<Vec<f64>>,
    /// The non-zero cells in row-major order.
    pub flows: Vec<Flow<T>>,
    /// Each customer's move, in input order.
    pub moves: Vec<LabelMove>,
}

impl<T> Migration<T> {
    /// Customers whose label changed.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = crmkit::lifecycle::migration(&[1, 2], &[1, 2]).unwrap();
    /// assert_eq!(m.changed(), 0);
    /// ```
    pub fn changed(&self) -> usize {
        self.moves.iter().filter(|m| m.from != m.to).count()
    }
}

/// Migration between two snapshots of any ordered labels (RFM tiers, segment names or codes,
/// stages). Row `i` of both slices is the same customer; the labels are the sorted union of
/// the labels seen. Customers present in one snapshot only can be labelled with `Option<T>`
/// (`None` = absent).
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::migration;
/// let before = [Some("new"), None, Some("loyal")];
/// let after = [Some("loyal"), Some("new"), None];
/// let m = migration(&before, &after).unwrap();
/// assert_eq!(m.labels, [None, Some("loyal"), Some("new")]);
/// assert_eq!(m.flows.len(), 3);
/// ```
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`] when the snapshots differ in length.
pub fn migration<T: Ord + Clone>(before: &[T], after: &[T]) -> Result<Migration<T>> {
    let mut labels: Vec<T> = before.iter().chain(after).cloned().collect();
    labels.sort();
    labels.dedup();
    migration_with_labels(before, after, &labels)
}

/// The largest number of labels for which [`migration_with_labels`] builds the dense
/// label × label matrices (4096, i.e. 16.8 M cells); more labels are refused there, and
/// [`migration_flows`] (counts of the observed pairs only) serves any number.
///
/// # Examples
///
/// ```
/// assert_eq!(crmkit::lifecycle::MAX_MATRIX_LABELS, 4096);
/// ```
pub const MAX_MATRIX_LABELS: usize = 4096;

/// Migration between two snapshots as its non-empty flows only (sparse): memory and time grow
/// with the number of customers, not with the square of the number of labels.
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::migration_flows;
/// let m = migration_flows(&["gold", "gold", "silver"], &["gold", "silver", "silver"], &["gold", "silver"]).unwrap();
/// assert_eq!(m.flows.len(), 3);
/// assert_eq!((m.flows[1].from, m.flows[1].to, m.flows[1].count, m.flows[1].rate), ("gold", "silver", 1, 0.5));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MigrationFlows<T> {
    /// The labels, in the given order.
    pub labels: Vec<T>,
    /// The non-empty flows, ordered by the index of `from`, then of `to`.
    pub flows: Vec<Flow<T>>,
    /// Each customer's move, in input order.
    pub moves: Vec<LabelMove>,
}

/// Migration with a given label order, as flows only; see [`MigrationFlows`].
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::migration_flows;
/// let labels: Vec<u32> = (0..100_000).collect();
/// let m = migration_flows(&[5, 7], &[99_999, 7], &labels).unwrap();
/// assert_eq!(m.flows.len(), 2);
/// ```
///
/// # Errors
///
/// As [`migration_with_labels`], without the limit on the number of labels.
pub fn migration_flows<T: Ord + Clone>(
    before: &[T],
    after: &[T],
    labels: &[T],
) -> Result<MigrationFlows<T>> {
    CrmkitError::check_len("after", before.len(), after.len())?;
    let mut index: Vec<(&T, usize)> = labels.iter().enumerate().map(|(i, l)| (l, i)).collect();
    index.sort();
    if index.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(CrmkitError::invalid_config(
            "labels",
            labels.len(),
            "labels must be distinct",
        ));
    }
    let find = |field: &str, row: usize, label: &T| -> Result<usize> {
        index
            .binary_search_by(|(l, _)| (*l).cmp(label))
            .map(|k| index[k].1)
            .map_err(|_| {
                CrmkitError::invalid_value(
                    field,
                    row,
                    "(label)",
                    "label not among the given labels",
                )
            })
    };
    let mut moves = Vec::with_capacity(before.len());
    for (row, (b, a)) in before.iter().zip(after).enumerate() {
        let from = find("before", row, b)?;
        let to = find("after", row, a)?;
        moves.push(LabelMove { from, to });
    }
    let mut pairs: Vec<(usize, usize)> = moves.iter().map(|m| (m.from, m.to)).collect();
    pairs.sort_unstable();
    // (from, to, count) of each distinct pair, and the customers of each `from` label.
    let mut cells: Vec<(usize, usize, u64)> = Vec::new();
    for &(f, t) in &pairs {
        match cells.last_mut() {
            Some(last) if last.0 == f && last.1 == t => last.2 += 1,
            _ => cells.push((f, t, 1)),
        }
    }
    let mut flows = Vec::with_capacity(cells.len());
    let mut i = 0;
    while i < cells.len() {
        let from = cells[i].0;
        let end = cells[i..]
            .iter()
            .position(|c| c.0 != from)
            .map_or(cells.len(), |p| i + p);
        let total: u64 = cells[i..end].iter().map(|c| c.2).sum();
        for &(f, t, count) in &cells[i..end] {
            flows.push(Flow {
                from: labels[f].clone(),
                to: labels[t].clone(),
                count,
                rate: count as f64 / total as f64,
            });
        }
        i = end;
    }
    Ok(MigrationFlows {
        labels: labels.to_vec(),
        flows,
        moves,
    })
}

/// Migration with a given label order (e.g. tiers from best to worst, including labels nobody
/// has, which get empty rows and columns).
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::migration_with_labels;
/// let m = migration_with_labels(&["high"], &["low"], &["high", "potential", "low"]).unwrap();
/// assert_eq!(m.counts[0], [0, 0, 1]);
/// assert_eq!(m.rates[1], [0.0, 0.0, 0.0]);
/// ```
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`] when the snapshots differ in length;
/// [`CrmkitError::InvalidConfig`] when `labels` has duplicates or more than
/// [`MAX_MATRIX_LABELS`] labels (use [`migration_flows`] then);
/// [`CrmkitError::InvalidValue`] (field `before` or `after`, the row) for a label not in
/// `labels`.
pub fn migration_with_labels<T: Ord + Clone>(
    before: &[T],
    after: &[T],
    labels: &[T],
) -> Result<Migration<T>> {
    let k = labels.len();
    if k > MAX_MATRIX_LABELS {
        return Err(CrmkitError::invalid_config(
            "labels",
            k,
            format!(
                "at most {MAX_MATRIX_LABELS} labels for the label x label matrices; \
                 migration_flows gives the flows of any number of labels"
            ),
        ));
    }
    let sparse = migration_flows(before, after, labels)?;
    let mut counts = vec![vec![0u64; k]; k];
    let mut rates = vec![vec![0.0f64; k]; k];
    for m in &sparse.moves {
        counts[m.from][m.to] += 1;
    }
    for (count_row, rate_row) in counts.iter().zip(rates.iter_mut()) {
        let total: u64 = count_row.iter().sum();
        if total > 0 {
            for (c, r) in count_row.iter().zip(rate_row.iter_mut()) {
                *r = *c as f64 / total as f64;
            }
        }
    }
    Ok(Migration {
        labels: sparse.labels,
        counts,
        rates,
        flows: sparse.flows,
        moves: sparse.moves,
    })
}

/// Stage-to-stage migration with every stage as a label, in [`LifecycleStage::ALL`] order.
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::{LifecycleStage as S, stage_migration};
/// let m = stage_migration(&[S::Onboarding, S::Retained], &[S::Retained, S::ChurnWarning]).unwrap();
/// assert_eq!(m.labels.len(), 7);
/// assert_eq!(m.flows.len(), 2);
/// assert_eq!(m.flows[0].from, S::Onboarding);
/// ```
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`] when the snapshots differ in length.
pub fn stage_migration(
    before: &[LifecycleStage],
    after: &[LifecycleStage],
) -> Result<Migration<LifecycleStage>> {
    migration_with_labels(before, after, &LifecycleStage::ALL)
}

/// A per-customer metric column to aggregate (`None` = not available for that customer).
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::MetricColumn;
/// let c = MetricColumn { name: "repurchase_rate", values: &[Some(1.0), None] };
/// assert_eq!(c.values.len(), 2);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct MetricColumn<'a> {
    /// The metric's name (see [`LifecycleStage::spec_metrics`] for the conventional names).
    pub name: &'a str,
    /// One value per customer. A 0/1 column aggregates to a rate.
    pub values: &'a [Option<f64>],
}

/// The aggregate of one metric over a group.
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::MetricSummary;
/// let s = MetricSummary { name: "clv".into(), n: 2, sum: 30.0, mean: Some(15.0) };
/// assert_eq!(s.mean, Some(15.0));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    /// The metric's name.
    pub name: String,
    /// Customers of the group with a value.
    pub n: usize,
    /// Sum of the values.
    pub sum: f64,
    /// Mean of the values (`None` when `n` = 0).
    pub mean: Option<f64>,
}

/// The metrics of one group.
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::GroupMetrics;
/// let g = GroupMetrics { group: "a", customers: 0, metrics: vec![] };
/// assert_eq!(g.customers, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMetrics<T> {
    /// The group label.
    pub group: T,
    /// Customers in the group.
    pub customers: usize,
    /// One summary per metric column, in the order given.
    pub metrics: Vec<MetricSummary>,
}

/// Aggregates metric columns by group label over the given groups (in that order; a group with
/// no customers gets zero counts).
fn aggregate<T: Ord + Clone>(
    groups: &[T],
    labels: &[T],
    columns: &[MetricColumn<'_>],
) -> Result<Vec<GroupMetrics<T>>> {
    let mut index: Vec<(&T, usize)> = labels.iter().enumerate().map(|(i, l)| (l, i)).collect();
    index.sort();
    let slot: Vec<usize> = groups
        .iter()
        .map(|g| {
            index
                .binary_search_by(|(l, _)| (*l).cmp(g))
                .map(|k| index[k].1)
        })
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| CrmkitError::invalid_config("labels", labels.len(), "a group is missing"))?;
    let mut out: Vec<GroupMetrics<T>> = labels
        .iter()
        .map(|l| GroupMetrics {
            group: l.clone(),
            customers: 0,
            metrics: columns
                .iter()
                .map(|c| MetricSummary {
                    name: c.name.to_owned(),
                    n: 0,
                    sum: 0.0,
                    mean: None,
                })
                .collect(),
        })
        .collect();
    for s in &slot {
        out[*s].customers += 1;
    }
    for (m, column) in columns.iter().enumerate() {
        CrmkitError::check_len(column.name, groups.len(), column.values.len())?;
        for (row, (v, s)) in column.values.iter().zip(&slot).enumerate() {
            if let Some(v) = v {
                if !v.is_finite() {
                    return Err(CrmkitError::invalid_value(
                        column.name,
                        row,
                        v,
                        "must be finite",
                    ));
                }
                let summary = &mut out[*s].metrics[m];
                summary.n += 1;
                summary.sum += v;
            }
        }
    }
    for g in &mut out {
        for s in &mut g.metrics {
            if !s.sum.is_finite() {
                return Err(CrmkitError::Numerical {
                    context: format!("metrics by group, column `{}`", s.name),
                    reason: "the sum of a group overflows f64 (values near f64::MAX)".to_owned(),
                });
            }
            s.mean = (s.n > 0).then(|| s.sum / s.n as f64);
        }
    }
    Ok(out)
}

/// Aggregates per-customer metric columns by any group label (segment, tier, stage): per group
/// the customer count and, per column, the count, sum and mean of the values present. Groups
/// are the sorted distinct labels.
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::{MetricColumn, metrics_by_group};
/// let groups = ["b", "a", "b"];
/// let clv = [Some(10.0), Some(4.0), None];
/// let m = metrics_by_group(&groups, &[MetricColumn { name: "clv", values: &clv }]).unwrap();
/// assert_eq!((m[0].group, m[0].metrics[0].mean), ("a", Some(4.0)));
/// assert_eq!((m[1].customers, m[1].metrics[0].n, m[1].metrics[0].mean), (2, 1, Some(10.0)));
/// ```
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`] (field: the column's name) for a column of the wrong length;
/// [`CrmkitError::InvalidValue`] naming the column and row for a NaN or infinite value;
/// [`CrmkitError::Numerical`] naming the column when a group's sum overflows `f64` (never an
/// infinite sum or mean).
pub fn metrics_by_group<T: Ord + Clone>(
    groups: &[T],
    columns: &[MetricColumn<'_>],
) -> Result<Vec<GroupMetrics<T>>> {
    let mut labels = groups.to_vec();
    labels.sort();
    labels.dedup();
    aggregate(groups, &labels, columns)
}

/// The per-stage metrics: [`metrics_by_group`] over every stage in
/// [`LifecycleStage::ALL`] order (stages without customers included), where each stage reports
/// only the columns named in its [`LifecycleStage::spec_metrics`] — or every column when
/// `all_columns` is true.
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::{LifecycleStage as S, MetricColumn, stage_metrics};
/// let stages = [S::Onboarding, S::Onboarding, S::Expansion];
/// let repurchased = [Some(1.0), Some(0.0), Some(1.0)];
/// let cross = [None, None, Some(1.0)];
/// let columns = [
///     MetricColumn { name: "repurchase_rate", values: &repurchased },
///     MetricColumn { name: "cross_buy_rate", values: &cross },
/// ];
/// let m = stage_metrics(&stages, &columns, false).unwrap();
/// let onboarding = &m[1];
/// assert_eq!(onboarding.group, S::Onboarding);
/// assert_eq!(onboarding.metrics.len(), 1);
/// assert_eq!(onboarding.metrics[0].mean, Some(0.5));
/// assert_eq!(m[3].metrics[0].name, "cross_buy_rate");
/// ```
///
/// # Errors
///
/// As [`metrics_by_group`].
pub fn stage_metrics(
    stages: &[LifecycleStage],
    columns: &[MetricColumn<'_>],
    all_columns: bool,
) -> Result<Vec<GroupMetrics<LifecycleStage>>> {
    let mut out = aggregate(stages, &LifecycleStage::ALL, columns)?;
    if !all_columns {
        for g in &mut out {
            let names = g.group.spec_metrics();
            g.metrics.retain(|m| names.contains(&m.name.as_str()));
        }
    }
    Ok(out)
}
