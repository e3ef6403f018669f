//! How work is spread over threads.
//!
//! - [`parallel`]: chunked maps over the cores, and a helper thread for the model fits.

pub mod parallel;
