//! One churn story: warning signals, the risk index, the lifecycle stage, the alert and the
//! suggested action of every customer, computed together from one transaction log so that
//! they never contradict.
//!
//! [`assess_churn`] runs [`compute_churn_signals`], scores the signals with a
//! [`ChurnRiskIndex`], assigns [`LifecycleRules`] stages from the same log (with the index and
//! the purchase-gap rule as inputs), raises the alert to the stage's floor
//! ([`LifecycleStage::minimum_alert`]) and takes the action of the raised alert from the index's
//! playbook. Every customer gets an index and an alert: a customer with no measured signal
//! (no purchase and no interaction in the windows) gets index 1 and the stage's floor.

use serde::{Deserialize, Serialize};

use super::index::{AlertLevel, ChurnRiskIndex};
use super::signals::{
    ChurnSignal, ChurnSignalInput, ChurnSignalOptions, CustomerSignals, compute_churn_signals,
};
use crate::Result;
use crate::data::calendar::Day;
use crate::data::transactions::LogOptions;
use crate::lifecycle::{
    LifecycleInput, LifecycleRules, LifecycleStage, StageAssignment, assign_lifecycle_stages,
    purchase_history,
};
use crate::playbook::Action;

/// The churn story of one customer.
///
/// # Examples
///
/// ```
/// use crmkit::churn::{AlertLevel, ChurnAssessment};
/// use crmkit::lifecycle::LifecycleStage;
/// # use crmkit::data::{ids::CustomerIndex, transactions::{Times, TransactionLog}};
/// # let index = CustomerIndex::from_i64("customer_id", &[1])?;
/// # let log = TransactionLog::of_rows(&index, 0..0, Times::Days(&[]), &[])?;
/// # let a = crmkit::churn::assess_churn(
/// #     &crmkit::churn::ChurnSignalInput::new(1000, log),
/// #     &Default::default(), &crmkit::churn::ChurnRiskIndex::new(Default::default())?,
/// #     &Default::default(), None)?;
/// let first: &ChurnAssessment = &a[0];
/// assert_eq!((first.index, first.alert, first.stage.stage), (1, AlertLevel::Green, LifecycleStage::Prospect));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnAssessment {
    /// The measured signals and fired rules.
    pub signals: CustomerSignals,
    /// The churn risk index 1..=10 (1 when no weighted signal could be measured).
    pub index: u8,
    /// Σ wᵢ·sᵢ / Σ wᵢ of the index; `None` when no weighted signal could be measured.
    pub weighted_strength: Option<f64>,
    /// The alert level of the index alone.
    pub index_alert: AlertLevel,
    /// The lifecycle stage and its reason.
    pub stage: StageAssignment,
    /// The alert: the index's alert raised to the stage's floor (never green for
    /// `churn_warning` or `lost`).
    pub alert: AlertLevel,
    /// The playbook's action at [`Self::alert`], if a rule matched.
    pub action: Option<Action>,
}

/// Signals, index, lifecycle stage, alert and action of every customer, from one log.
///
/// `first_contact` (one day per customer code) feeds the lifecycle rules; when `None`, a
/// customer's first contact is taken as their first purchase day, or `as_of` for customers
/// without a purchase. Stages use the transaction log of `input` read with the same
/// `after_as_of` and `negative_amounts` options as the signals (refunds are never purchases).
///
/// # Formula
///
/// index = the churn risk index of the signals ([`ChurnRiskIndex`]), or 1 when none is
/// measured; stage = the first matching rule, with the index and whether the purchase-gap rule
/// fired as inputs; alert = max(alert of the index, floor of the stage) in the order
/// green < yellow < red.
///
/// # Examples
///
/// ```
/// use crmkit::churn::{
///     AlertLevel, ChurnIndexOptions, ChurnRiskIndex, ChurnSignalInput, TransactionLog, assess_churn,
/// };
/// use crmkit::data::{ids::CustomerIndex, transactions::Times};
/// use crmkit::lifecycle::LifecycleStage;
/// // The customer bought every 10 days, then nothing for 400 days: lost, and never green.
/// let index = CustomerIndex::from_i64("customer_id", &[7, 7])?;
/// let log = TransactionLog::new(&index, Times::Days(&[590, 600]), &[10.0, 10.0])?;
/// let report = assess_churn(
///     &ChurnSignalInput::new(1000, log),
///     &Default::default(),
///     &ChurnRiskIndex::new(ChurnIndexOptions::default())?,
///     &Default::default(),
///     None,
/// )?;
/// assert_eq!(report[0].stage.stage, LifecycleStage::Lost);
/// assert_eq!(report[0].index, 10); // 400 days against a 10-day interval: full purchase-gap strength
/// assert_eq!(report[0].alert, AlertLevel::Red);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// As [`compute_churn_signals`], [`purchase_history`] and
/// [`assign_lifecycle_stages`]; [`crate::CrmkitError::LengthMismatch`] when `first_contact`
/// does not have one day per customer.
pub fn assess_churn(
    input: &ChurnSignalInput<'_>,
    signal_options: &ChurnSignalOptions,
    index: &ChurnRiskIndex,
    rules: &LifecycleRules,
    first_contact: Option<&[Day]>,
) -> Result<Vec<ChurnAssessment>> {
    let n = input.n_customers();
    if let Some(fc) = first_contact {
        crate::CrmkitError::check_len("first_contact", n, fc.len())?;
    }
    let report = compute_churn_signals(input, signal_options)?;
    assess_signals(
        input,
        signal_options,
        report.customers,
        index,
        rules,
        first_contact,
    )
}

/// [`assess_churn`] for signals already computed by [`compute_churn_signals`] from the same
/// `input` and `signal_options` (one entry per customer code), e.g. to keep the report's
/// counts as well.
///
/// # Examples
///
/// ```
/// use crmkit::churn::{ChurnRiskIndex, ChurnSignalInput, assess_signals, compute_churn_signals};
/// use crmkit::data::{ids::CustomerIndex, transactions::{Times, TransactionLog}};
/// let index = CustomerIndex::from_i64("customer_id", &[1])?;
/// let input = ChurnSignalInput::new(10, TransactionLog::new(&index, Times::Days(&[10]), &[1.0])?);
/// let report = compute_churn_signals(&input, &Default::default())?;
/// let index = ChurnRiskIndex::new(Default::default())?;
/// let a = assess_signals(&input, &Default::default(), report.customers, &index, &Default::default(), None)?;
/// assert_eq!(a[0].index, 1); // one purchase today: nothing to score
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// As [`assess_churn`]; [`crate::CrmkitError::LengthMismatch`] when `signals` does not have
/// one entry per customer.
pub fn assess_signals(
    input: &ChurnSignalInput<'_>,
    signal_options: &ChurnSignalOptions,
    signals: Vec<CustomerSignals>,
    index: &ChurnRiskIndex,
    rules: &LifecycleRules,
    first_contact: Option<&[Day]>,
) -> Result<Vec<ChurnAssessment>> {
    let n = input.n_customers();
    crate::CrmkitError::check_len("signals", n, signals.len())?;
    if let Some(fc) = first_contact {
        crate::CrmkitError::check_len("first_contact", n, fc.len())?;
    }
    let report = SignalsOnly { customers: signals };
    let history = purchase_history(
        &input.transactions,
        input.as_of,
        LogOptions {
            after_as_of: signal_options.after_as_of,
            negative_amounts: signal_options.negative_amounts,
        },
    )?;
    let risks = index.score_all(
        &report
            .customers
            .iter()
            .map(|c| c.values)
            .collect::<Vec<_>>(),
    )?;
    let indices: Vec<Option<u8>> = risks
        .iter()
        .map(|r| Some(r.as_ref().map_or(1, |r| r.index)))
        .collect();
    let gap_fires: Vec<Option<bool>> = report
        .customers
        .iter()
        .map(|c| c.fired(ChurnSignal::PurchaseGap))
        .collect();
    let contacts: Vec<Day> = match first_contact {
        Some(fc) => fc.to_vec(),
        None => history
            .first_purchase
            .iter()
            .map(|f| f.unwrap_or(input.as_of))
            .collect(),
    };
    let stages = assign_lifecycle_stages(
        &LifecycleInput {
            as_of: input.as_of,
            first_contact: &contacts,
            first_purchase: &history.first_purchase,
            last_purchase: &history.last_purchase,
            previous_purchase: &history.previous_purchase,
            churn_index: Some(&indices),
            purchase_gap_fires: Some(&gap_fires),
            ..Default::default()
        },
        rules,
    )?;
    Ok(report
        .customers
        .into_iter()
        .zip(risks)
        .zip(stages)
        .map(|((signals, risk), stage)| {
            let (index_value, weighted_strength, index_alert) = match &risk {
                Some(r) => (r.index, Some(r.weighted_strength), r.alert),
                None => (1, None, index.alert_level(1)),
            };
            let alert = stage.stage.alert(index_alert);
            let action = index.action(alert, &signals.values);
            ChurnAssessment {
                signals,
                index: index_value,
                weighted_strength,
                index_alert,
                stage,
                alert,
                action,
            }
        })
        .collect())
}

/// Checks the one-story invariants of an assessment: an index in 1..=10, an alert at least
/// the index's and at least the stage's floor. Used by the tests; cheap enough to call on any
/// result.
///
/// # Examples
///
/// ```
/// use crmkit::churn::{ChurnRiskIndex, ChurnSignalInput, assess_churn, is_consistent};
/// use crmkit::data::{ids::CustomerIndex, transactions::{Times, TransactionLog}};
/// let index = CustomerIndex::from_i64("customer_id", &[1, 2])?;
/// let log = TransactionLog::new(&index, Times::Days(&[1, 9]), &[5.0, 5.0])?;
/// let a = assess_churn(
///     &ChurnSignalInput::new(10, log),
///     &Default::default(),
///     &ChurnRiskIndex::new(Default::default())?,
///     &Default::default(),
///     None,
/// )?;
/// assert!(a.iter().all(is_consistent));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn is_consistent(a: &ChurnAssessment) -> bool {
    (1..=10).contains(&a.index)
        && a.alert >= a.index_alert
        && a.alert >= a.stage.stage.minimum_alert()
        && !(matches!(
            a.stage.stage,
            LifecycleStage::Lost | LifecycleStage::ChurnWarning
        ) && a.alert == AlertLevel::Green)
}

/// The per-customer part of a signal report.
struct SignalsOnly {
    customers: Vec<CustomerSignals>,
}
