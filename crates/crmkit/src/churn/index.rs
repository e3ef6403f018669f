//! The churn risk index 1–10, its alert level and the suggested action.

use serde::{Deserialize, Serialize};

use super::signals::{ChurnSignal, SignalValues};
use crate::names::named_enum;
use crate::playbook::Action;
use crate::{CrmkitError, Result};

/// How one signal enters the index: its weight and the linear ramp from its measured value to
/// a strength in `[0, 1]`.
///
/// # Formula
///
/// strength = clamp((measured − zero_at) / (full_at − zero_at), 0, 1)
///
/// The measured value of each signal is described at [`SignalValues::measured`]
/// (booleans measure 0 or 1).
///
/// # Examples
///
/// ```
/// use crmkit::churn::IndexComponent;
/// // Default for negative feedback: min(count / 2, 1).
/// let c = IndexComponent { weight: 0.15, zero_at: 0.0, full_at: 2.0 };
/// assert_eq!(c.strength(1.0), 0.5);
/// assert_eq!(c.strength(5.0), 1.0);
/// assert_eq!(c.strength(-1.0), 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexComponent {
    /// Weight of the signal (finite, ≥ 0; 0 leaves the signal out of the index).
    pub weight: f64,
    /// Measured value at which the strength starts to rise from 0.
    pub zero_at: f64,
    /// Measured value at which the strength reaches 1 (must be greater than `zero_at`).
    pub full_at: f64,
}

impl IndexComponent {
    /// The strength in `[0, 1]` of a (finite) measured value; see the formula on the type.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::IndexComponent;
    /// let activity = IndexComponent { weight: 0.4, zero_at: 0.0, full_at: 1.0 };
    /// assert_eq!(activity.strength(0.8), 0.8);
    /// ```
    pub fn strength(&self, measured: f64) -> f64 {
        ((measured - self.zero_at) / (self.full_at - self.zero_at)).clamp(0.0, 1.0)
    }

    fn validate(&self, field: &str) -> Result<()> {
        if !self.weight.is_finite() || self.weight < 0.0 {
            return Err(CrmkitError::invalid_config(
                format!("{field}.weight"),
                self.weight,
                "must be finite and >= 0",
            ));
        }
        if !self.zero_at.is_finite() || !self.full_at.is_finite() || self.zero_at >= self.full_at {
            return Err(CrmkitError::invalid_config(
                field,
                self,
                "zero_at and full_at must be finite with zero_at < full_at",
            ));
        }
        Ok(())
    }
}

named_enum! {
    /// Alert level of a churn risk index — the one alert level of crmkit, read by the churn index,
    /// the lifecycle stages ([`crate::lifecycle::LifecycleStage::minimum_alert`]) and the playbook.
    ///
    /// Ordered by severity: green < yellow < red. The names are derived once (`strum`, the same
    /// as the serde form); [`std::str::FromStr`] goes through [`crate::names::parse`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::AlertLevel;
    /// assert_eq!(AlertLevel::Red.as_str(), "red");
    /// assert_eq!("yellow".parse::<AlertLevel>().unwrap(), AlertLevel::Yellow);
    /// assert!(AlertLevel::Green < AlertLevel::Yellow && AlertLevel::Yellow < AlertLevel::Red);
    /// ```
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum AlertLevel parsed as "alert" {
        /// Low risk (default index 1–4).
        Green,
        /// Medium risk (default index 5–7).
        Yellow,
        /// High risk (default index 8–10).
        Red,
    }
}

impl AlertLevel {
    /// The stable snake_case name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::churn::AlertLevel::Green.as_str(), "green");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One rule of the action playbook: at `alert`, when any of `when_any` signals has a strength
/// above 0 (or unconditionally when `when_any` is empty), suggest `action`.
///
/// # Examples
///
/// ```
/// use crmkit::churn::{AlertLevel, PlaybookRule};
/// use crmkit::playbook::Action;
/// let rule = PlaybookRule {
///     alert: AlertLevel::Yellow,
///     when_any: vec![],
///     action: Action::NewProductTrialVoucher,
/// };
/// assert!(rule.when_any.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookRule {
    /// The alert level the rule applies to.
    pub alert: AlertLevel,
    /// Signals of which at least one must have a strength above 0; empty = always.
    #[serde(default)]
    pub when_any: Vec<ChurnSignal>,
    /// The suggested action: a code of the shared vocabulary ([`Action`], also used by the
    /// playbook) or a short text of your own (non-empty).
    pub action: Action,
}

/// Configuration of the churn risk index: one [`IndexComponent`] per signal, the alert-level
/// cut points and the action playbook. `Default` is the documented configuration (docs/churn.md).
///
/// Default components (weight, zero_at, full_at): activity drop (0.40, 0, 1); purchase gap
/// ratio (0.30, 1, 2); order value decline (0.30, 0, 1); negative feedback count (0.15, 0, 2);
/// competitor contact (0.15, 0, 1); service silence (0, 0, 1) and NPS detractor (0, 0, 1) are
/// measured but carry no weight by default.
///
/// Why the purchase gap counts (weight 0.30, as much as the order value decline): it is the one
/// signal every customer with a purchase has, even without an interaction log; without it a
/// customer who simply stopped buying (no orders in either order-value period, no activity in
/// the baseline) had no measured signal and so no index and no alert, while the lifecycle rules
/// called them `lost` or `churn_warning`. Its ramp starts at a gap of one typical interval
/// (strength 0) and is full at two (strength 1); the warning rule fires at 1.5 (strength 0.5). Alert: red from 8, yellow from 5, else green.
/// Playbook (first match wins): red with negative feedback or competitor contact →
/// `personal_call_back_with_exclusive_offer`; other red → `personal_call_back`; yellow →
/// `new_product_trial_voucher`; green → no action.
///
/// # Examples
///
/// ```
/// use crmkit::churn::ChurnIndexOptions;
/// let json = r#"{"red_from": 9, "competitor_contact": {"weight": 0.3, "zero_at": 0, "full_at": 1}}"#;
/// let options: ChurnIndexOptions = serde_json::from_str(json).unwrap();
/// assert_eq!(options.red_from, 9);
/// assert_eq!(options.activity_drop.weight, 0.40);
/// assert!(options.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChurnIndexOptions {
    /// Activity drop (measured: 1 − current / baseline activity).
    pub activity_drop: IndexComponent,
    /// Purchase gap (measured: days since last purchase / typical interval).
    pub purchase_gap: IndexComponent,
    /// Order value decline (measured: −order value change).
    pub order_value_decline: IndexComponent,
    /// Negative feedback (measured: count of complaints and bad reviews).
    pub negative_feedback: IndexComponent,
    /// Competitor contact (measured: 0 or 1).
    pub competitor_contact: IndexComponent,
    /// Service silence of a key customer (measured: 0 or 1).
    pub service_silence: IndexComponent,
    /// NPS detractor (measured: 0 or 1).
    pub nps_detractor: IndexComponent,
    /// Lowest index with a red alert (2..=10, greater than `yellow_from`).
    pub red_from: u8,
    /// Lowest index with a yellow alert (2..=10).
    pub yellow_from: u8,
    /// Suggested actions, first matching rule wins; no match → no action.
    pub playbook: Vec<PlaybookRule>,
}

impl Default for ChurnIndexOptions {
    fn default() -> Self {
        let c = |weight, zero_at, full_at| IndexComponent {
            weight,
            zero_at,
            full_at,
        };
        Self {
            activity_drop: c(0.40, 0.0, 1.0),
            purchase_gap: c(0.30, 1.0, 2.0),
            order_value_decline: c(0.30, 0.0, 1.0),
            negative_feedback: c(0.15, 0.0, 2.0),
            competitor_contact: c(0.15, 0.0, 1.0),
            service_silence: c(0.0, 0.0, 1.0),
            nps_detractor: c(0.0, 0.0, 1.0),
            red_from: 8,
            yellow_from: 5,
            playbook: vec![
                PlaybookRule {
                    alert: AlertLevel::Red,
                    when_any: vec![
                        ChurnSignal::NegativeFeedback,
                        ChurnSignal::CompetitorContact,
                    ],
                    action: Action::PersonalCallBackWithExclusiveOffer,
                },
                PlaybookRule {
                    alert: AlertLevel::Red,
                    when_any: vec![],
                    action: Action::PersonalCallBack,
                },
                PlaybookRule {
                    alert: AlertLevel::Yellow,
                    when_any: vec![],
                    action: Action::NewProductTrialVoucher,
                },
            ],
        }
    }
}

impl ChurnIndexOptions {
    /// The component of one signal.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{ChurnIndexOptions, ChurnSignal};
    /// assert_eq!(ChurnIndexOptions::default().component(ChurnSignal::ActivityDrop).weight, 0.40);
    /// ```
    pub fn component(&self, signal: ChurnSignal) -> &IndexComponent {
        match signal {
            ChurnSignal::ActivityDrop => &self.activity_drop,
            ChurnSignal::PurchaseGap => &self.purchase_gap,
            ChurnSignal::OrderValueDecline => &self.order_value_decline,
            ChurnSignal::NegativeFeedback => &self.negative_feedback,
            ChurnSignal::CompetitorContact => &self.competitor_contact,
            ChurnSignal::ServiceSilence => &self.service_silence,
            ChurnSignal::NpsDetractor => &self.nps_detractor,
        }
    }

    /// Checks every component, the alert cut points and the playbook.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::ChurnIndexOptions;
    /// let mut o = ChurnIndexOptions::default();
    /// o.yellow_from = 9;
    /// assert!(o.validate().is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming the field: a weight that is negative or not
    /// finite, a ramp with `zero_at >= full_at`, all weights zero, cut points outside 2..=10 or
    /// not `yellow_from < red_from`, an empty action.
    pub fn validate(&self) -> Result<()> {
        let mut total = 0.0;
        for signal in ChurnSignal::ALL {
            self.component(signal).validate(signal.as_str())?;
            total += self.component(signal).weight;
        }
        if total <= 0.0 {
            return Err(CrmkitError::invalid_config(
                "weights",
                ChurnSignal::ALL.map(|s| self.component(s).weight),
                "at least one signal weight must be > 0",
            ));
        }
        if !(2..=10).contains(&self.yellow_from)
            || !(2..=10).contains(&self.red_from)
            || self.yellow_from >= self.red_from
        {
            return Err(CrmkitError::invalid_config(
                "yellow_from, red_from",
                (self.yellow_from, self.red_from),
                "need 2 <= yellow_from < red_from <= 10",
            ));
        }
        if let Some(i) = self
            .playbook
            .iter()
            .position(|r| r.action.as_str().trim().is_empty())
        {
            return Err(CrmkitError::invalid_config(
                format!("playbook[{i}].action"),
                "",
                "action must not be empty",
            ));
        }
        Ok(())
    }
}

/// How one signal contributed to a customer's index.
///
/// # Examples
///
/// ```
/// use crmkit::churn::{ChurnSignal, SignalContribution};
/// let c = SignalContribution { signal: ChurnSignal::ActivityDrop, measured: 0.8, strength: 0.8, weight: 0.4 };
/// assert_eq!(c.strength * c.weight, 0.32000000000000006);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SignalContribution {
    /// The signal.
    pub signal: ChurnSignal,
    /// Its measured value (see [`SignalValues::measured`]).
    pub measured: f64,
    /// Its strength in `[0, 1]`.
    pub strength: f64,
    /// Its configured (not renormalised) weight.
    pub weight: f64,
}

/// The churn risk of one customer.
///
/// # Examples
///
/// ```
/// use crmkit::churn::{AlertLevel, ChurnIndexOptions, ChurnRiskIndex, SignalValues};
/// let index = ChurnRiskIndex::new(ChurnIndexOptions::default()).unwrap();
/// let risk = index
///     .score(&SignalValues { activity_drop: Some(0.0), ..Default::default() })
///     .unwrap()
///     .unwrap();
/// assert_eq!((risk.index, risk.alert, risk.action), (1, AlertLevel::Green, None));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnRisk {
    /// The index, 1..=10.
    pub index: u8,
    /// Σ wᵢ·sᵢ / Σ wᵢ over the signals present, in `[0, 1]`.
    pub weighted_strength: f64,
    /// The alert level.
    pub alert: AlertLevel,
    /// The suggested action from the playbook, if a rule matched.
    pub action: Option<Action>,
    /// The signals present with a weight above 0, in [`ChurnSignal::ALL`] order.
    pub contributions: Vec<SignalContribution>,
}

/// The churn risk index: validated [`ChurnIndexOptions`] that score [`SignalValues`].
///
/// # Formula
///
/// index = 1 + round(9 · Σ wᵢ·sᵢ / Σ wᵢ), the sums running over the signals that are present
/// (not `None`) and have a weight above 0; sᵢ is the strength of [`IndexComponent::strength`].
/// Rounding is half away from zero (`f64::round`; the argument is never negative, so halves
/// round up), applied after adding 1e-9 so that a mathematically exact half that floating
/// point lands just below (e.g. 4.499999999999999) still rounds up. The worked
/// examples: 9 · 0.74 = 6.66 → 7 → index 8; 9 · 0.54 = 4.86 → 5 → index 6.
///
/// # Examples
///
/// ```
/// use crmkit::churn::{AlertLevel, ChurnIndexOptions, ChurnRiskIndex, SignalValues};
///
/// let index = ChurnRiskIndex::new(ChurnIndexOptions::default()).unwrap();
/// // Second worked example of docs/churn.md: 1 active day against a baseline of 10, order value −60 %.
/// let risk = index
///     .score(&SignalValues {
///         activity_drop: Some(1.0 - 1.0 / 10.0),
///         order_value_change: Some(-0.6),
///         negative_feedback: Some(0.0),
///         competitor_contact: Some(false),
///         ..Default::default()
///     })
///     .unwrap()
///     .unwrap();
/// assert_eq!(risk.index, 6);
/// assert_eq!(risk.alert, AlertLevel::Yellow);
/// assert_eq!(risk.action.as_ref().map(|a| a.as_str()), Some("new_product_trial_voucher"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ChurnIndexOptions", into = "ChurnIndexOptions")]
pub struct ChurnRiskIndex {
    options: ChurnIndexOptions,
}

impl TryFrom<ChurnIndexOptions> for ChurnRiskIndex {
    type Error = CrmkitError;

    fn try_from(options: ChurnIndexOptions) -> Result<Self> {
        Self::new(options)
    }
}

impl From<ChurnRiskIndex> for ChurnIndexOptions {
    fn from(index: ChurnRiskIndex) -> Self {
        index.options
    }
}

impl ChurnRiskIndex {
    /// Validates the options.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{ChurnIndexOptions, ChurnRiskIndex};
    /// assert!(ChurnRiskIndex::new(ChurnIndexOptions::default()).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ChurnIndexOptions::validate`].
    pub fn new(options: ChurnIndexOptions) -> Result<Self> {
        options.validate()?;
        Ok(Self { options })
    }

    /// The validated options.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{ChurnIndexOptions, ChurnRiskIndex};
    /// let index = ChurnRiskIndex::new(ChurnIndexOptions::default()).unwrap();
    /// assert_eq!(index.options().red_from, 8);
    /// ```
    pub fn options(&self) -> &ChurnIndexOptions {
        &self.options
    }

    /// The alert level of an index value.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{AlertLevel, ChurnIndexOptions, ChurnRiskIndex};
    /// let index = ChurnRiskIndex::new(ChurnIndexOptions::default()).unwrap();
    /// assert_eq!(index.alert_level(8), AlertLevel::Red);
    /// assert_eq!(index.alert_level(7), AlertLevel::Yellow);
    /// assert_eq!(index.alert_level(4), AlertLevel::Green);
    /// ```
    pub fn alert_level(&self, index: u8) -> AlertLevel {
        if index >= self.options.red_from {
            AlertLevel::Red
        } else if index >= self.options.yellow_from {
            AlertLevel::Yellow
        } else {
            AlertLevel::Green
        }
    }

    /// The suggested action of the playbook at an alert level: the first rule of that level
    /// whose `when_any` is empty or names a signal with a strength above 0 (weight-free: a
    /// playbook may react to a signal the index ignores); `None` when no rule matches.
    ///
    /// The alert need not be the index's own: [`crate::churn::assess_churn`] asks for the
    /// action of the alert raised to the floor of the lifecycle stage.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{AlertLevel, ChurnIndexOptions, ChurnRiskIndex, SignalValues};
    /// use crmkit::playbook::Action;
    /// let index = ChurnRiskIndex::new(ChurnIndexOptions::default()).unwrap();
    /// let none = SignalValues::default();
    /// assert_eq!(index.action(AlertLevel::Yellow, &none), Some(Action::NewProductTrialVoucher));
    /// assert_eq!(index.action(AlertLevel::Green, &none), None);
    /// ```
    pub fn action(&self, alert: AlertLevel, values: &SignalValues) -> Option<Action> {
        self.options
            .playbook
            .iter()
            .find(|rule| {
                rule.alert == alert
                    && (rule.when_any.is_empty()
                        || rule.when_any.iter().any(|&signal| {
                            values
                                .measured(signal)
                                .is_some_and(|m| self.options.component(signal).strength(m) > 0.0)
                        }))
            })
            .map(|rule| rule.action.clone())
    }

    /// Scores one customer; `Ok(None)` when no signal with a weight above 0 is present.
    ///
    /// See the formula on [`ChurnRiskIndex`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{ChurnIndexOptions, ChurnRiskIndex, SignalValues};
    /// let index = ChurnRiskIndex::new(ChurnIndexOptions::default()).unwrap();
    /// assert_eq!(index.score(&SignalValues::default()).unwrap(), None);
    /// // Only competitor contact known: it alone carries the (renormalised) weight.
    /// let only = SignalValues { competitor_contact: Some(true), ..Default::default() };
    /// assert_eq!(index.score(&only).unwrap().unwrap().index, 10);
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] (row 0) when a measured value is NaN or infinite.
    pub fn score(&self, values: &SignalValues) -> Result<Option<ChurnRisk>> {
        self.score_row(values, 0)
    }

    /// Scores many customers; the error names the row.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::churn::{ChurnIndexOptions, ChurnRiskIndex, SignalValues};
    /// let index = ChurnRiskIndex::new(ChurnIndexOptions::default()).unwrap();
    /// let rows = [SignalValues::default(), SignalValues { activity_drop: Some(f64::NAN), ..Default::default() }];
    /// assert_eq!(index.score_all(&rows).unwrap_err().row(), Some(1));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] for the first row with a NaN or infinite measured value.
    pub fn score_all(&self, values: &[SignalValues]) -> Result<Vec<Option<ChurnRisk>>> {
        values
            .iter()
            .enumerate()
            .map(|(row, v)| self.score_row(v, row))
            .collect()
    }

    fn score_row(&self, values: &SignalValues, row: usize) -> Result<Option<ChurnRisk>> {
        let mut contributions = Vec::new();
        let (mut weighted, mut total) = (0.0, 0.0);
        for signal in ChurnSignal::ALL {
            let Some(measured) = values.measured(signal) else {
                continue;
            };
            if !measured.is_finite() {
                return Err(CrmkitError::invalid_value(
                    signal.as_str(),
                    row,
                    measured,
                    "measured signal must be finite",
                ));
            }
            let component = self.options.component(signal);
            if component.weight <= 0.0 {
                continue;
            }
            let strength = component.strength(measured);
            weighted += component.weight * strength;
            total += component.weight;
            contributions.push(SignalContribution {
                signal,
                measured,
                strength,
                weight: component.weight,
            });
        }
        if total <= 0.0 {
            return Ok(None);
        }
        let weighted_strength = (weighted / total).clamp(0.0, 1.0);
        // In 0..=9 by the clamp above, so the cast cannot truncate.
        let index = 1 + (9.0 * weighted_strength + 1e-9).round() as u8;
        let alert = self.alert_level(index);
        let action = self.action(alert, values);
        Ok(Some(ChurnRisk {
            index,
            weighted_strength,
            alert,
            action,
            contributions,
        }))
    }
}
