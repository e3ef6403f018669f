//! Synthetic data for benches.
