//! # crmkit
//!
//! Customer analytics for CRM data: from transaction logs to RFM scores and segments,
//! customer lifetime value, churn risk, lifecycle stages and feedback scores.
//!
//! The crate is organised by business concept, one module each. Every function validates its
//! input once at the edge and reports bad input as a [`CrmkitError`] naming the field, the row
//! and the value; nothing panics on user data and nothing is dropped silently.

pub mod clv;
pub mod error;

pub use error::{CrmkitError, Result};
pub mod time;
pub mod weights;
