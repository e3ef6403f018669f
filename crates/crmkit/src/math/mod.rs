//! Mathematics shared by the domains, each piece written once.
//!
//! - [`special`]: log-gamma, digamma, the Gauss hypergeometric function and friends;
//! - `optimize`: the bounded quasi-Newton optimiser behind every model fit;
//! - [`exact_sum`]: correctly rounded sums whatever the order of the terms (per-customer money);
//! - [`linalg`]: the Cholesky factorisation and solve, the logistic sigmoid;
//! - [`stats`]: the standard normal CDF and quantile, the median;
//! - [`weights`]: validation of the weights of a weighted score.

pub mod exact_sum;
pub mod linalg;
pub(crate) mod optimize;
pub mod special;
pub mod stats;
pub mod weights;
