//! Mathematics shared by the domains, each piece written once.
//!
//! - [`special`]: log-gamma, digamma, the Gauss hypergeometric function and friends;
//! - `optimize`: the bounded quasi-Newton optimiser behind every model fit;
//! - [`weights`]: validation of the weights of a weighted score.

pub(crate) mod optimize;
pub mod special;
pub mod weights;
