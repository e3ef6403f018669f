//! RFM: from a transaction log to features, scores, tiers and segments.
//!
//! - [`features`]: marketing RFM features per customer (days since last purchase, frequency
//!   and monetary value in a window);
//! - [`score`]: the min–max weighted score with its tiers, and quantile scores 1..=k;
//! - [`rank`]: the percentile-rank weighted score (the default of the Python `rfm`);
//! - [`tiers`]: the layered four-tier reading, the tier summary table and diagnostics;
//! - [`segments`]: named segments as rules over the quantile scores;
//! - [`concentration`]: the revenue share of the top customers and the Gini coefficient.

pub mod concentration;
pub mod features;
pub mod rank;
pub mod score;
pub mod segments;
pub mod tiers;
