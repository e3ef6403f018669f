//! # crmkit
//!
//! Customer analytics for CRM data: from transaction logs to RFM scores and segments,
//! customer lifetime value, churn risk, lifecycle stages and feedback scores.
//!
//! The crate is organised by what a piece of code is for (see `docs/architecture.md`):
//!
//! - [`data`]: what comes in — customer ids, the transaction log, the calendar;
//! - [`math`]: special functions, optimisation and weight validation, each written once;
//! - [`runtime`]: how work is spread over threads;
//! - one module per business domain: [`rfm`], [`value`], [`clv`], [`churn`], [`lifecycle`],
//!   [`needs`], [`feedback`], [`playbook`], and [`quality`] (the data-quality report).
//!
//! Every function validates its input once at the edge and reports bad input as a
//! [`CrmkitError`] naming the field, the row and the value; nothing panics on user data and
//! nothing is dropped silently.

pub mod churn;
pub mod clv;
pub mod data;
pub mod error;
pub mod feedback;
pub mod lifecycle;
pub mod math;
pub mod names;
pub mod needs;
pub mod playbook;
pub mod quality;
pub mod rfm;
pub mod runtime;
pub mod value;

pub use error::{CrmkitError, Result};
