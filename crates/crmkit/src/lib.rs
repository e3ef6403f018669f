//! # crmkit
//!
//! Customer analytics for CRM data: from transaction logs to RFM scores and segments,
//! customer lifetime value, churn risk, lifecycle stages and feedback scores.
//!
//! The crate is organised by business concept, one module each. Every function validates its
//! input once at the edge and reports bad input as a [`CrmkitError`] naming the field, the row
//! and the value; nothing panics on user data and nothing is dropped silently.

pub mod churn;
pub mod clv;
pub mod concentration;
pub mod customers;
pub mod error;
pub mod exact_sum;
pub mod features;
pub mod feedback;
pub mod lifecycle;
pub mod needs;
pub mod parallel;
pub mod playbook;
pub mod quadrant;
pub mod refunds;
pub mod rfm;
pub mod segments;
pub mod summary;
pub mod time;
pub mod transactions;
pub mod value;
pub mod weights;

pub use error::{CrmkitError, Result};
