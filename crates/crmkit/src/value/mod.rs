//! Customer value: simple and retention-based CLV, the composite value score, the core list
//! ([`scores`]) and the value–potential and importance–urgency matrices ([`quadrant`]).
//!
//! The probabilistic (buy-till-you-die) CLV lives in [`crate::clv`].

pub mod quadrant;
pub mod scores;
