//! How work is spread over threads.
//!
//! - [`parallel`]: chunked maps over the cores, and a helper thread for the model fits.
//! - [`memory`]: up-front refusal of sizes that cannot fit in memory.

pub mod memory;
pub mod parallel;
