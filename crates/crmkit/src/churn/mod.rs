//! Churn: warning signals with reason codes, the 1–10 churn risk index, a logistic churn
//! probability model and the metrics to evaluate it.
//!
//! The pieces are independent and compose:
//!
//! - [`signals`] turns a transaction log and an interaction log into per-customer measured
//!   signals ([`SignalValues`]) and the reason codes of the rules that fired;
//! - [`index`] turns measured signals into the risk index, an alert level and a suggested action;
//! - [`logistic`] fits a (penalised) logistic regression of churn on customer features;
//! - [`assessment`] tells one story per customer: signals, index, lifecycle stage, an alert
//!   that never contradicts the stage, and the playbook's action (docs/churn.md);
//! - [`evaluation`] scores predicted probabilities: ROC AUC, log loss, Brier score, calibration
//!   by decile, lift and capture rate in the top decile.
//!
//! # Examples
//!
//! ```
//! use crmkit::churn::{ChurnIndexOptions, ChurnRiskIndex, SignalValues};
//!
//! let index = ChurnRiskIndex::new(ChurnIndexOptions::default()).unwrap();
//! let risk = index
//!     .score(&SignalValues {
//!         activity_drop: Some(0.8),
//!         order_value_change: Some(-0.4),
//!         negative_feedback: Some(2.0),
//!         competitor_contact: Some(true),
//!         ..SignalValues::default()
//!     })
//!     .unwrap()
//!     .unwrap();
//! assert_eq!(risk.index, 8);
//! ```

pub mod assessment;
pub mod evaluation;
pub mod index;
pub mod logistic;
pub mod signals;

pub use assessment::{ChurnAssessment, assess_churn, assess_signals, is_consistent};
pub use evaluation::{
    CalibrationBin, ClassificationReport, TopFractionLift, brier_score, calibration_by_quantile,
    evaluate_probabilities, log_loss, roc_auc, top_fraction_lift,
};
pub use index::{
    AlertLevel, ChurnIndexOptions, ChurnRisk, ChurnRiskIndex, IndexComponent, PlaybookRule,
    SignalContribution,
};
pub use logistic::{CoefficientInference, FitWarning, LogisticOptions, LogisticRegression};
pub use signals::{
    AfterAsOf, ChurnReason, ChurnSignal, ChurnSignalInput, ChurnSignalOptions, ChurnSignalReport,
    CustomerSignals, InteractionKind, InteractionLog, IntervalFallback, IntervalSource,
    SignalOverrides, SignalValues, TransactionLog, compute_churn_signals,
};
