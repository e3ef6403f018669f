//! How work is spread over threads.
//!
//! - [`parallel`]: the global thread pool (rayon) and its size, chunked maps over it, and a
//!   helper for the model fits.
//! - [`hash`]: the fast hash map of crmkit's own keys.
//! - [`memory`]: up-front refusal of sizes that cannot fit in memory.

pub mod hash;
pub mod memory;
pub mod parallel;
