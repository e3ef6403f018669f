//! The hash maps of crmkit's own keys (customer ids, f64 bit patterns of model inputs).
//!
//! Keys come from the caller's data, not from an adversary of the process, so the denial-of-
//! service resistance of the standard library's SipHash buys nothing and costs most of a
//! lookup. The maps use `rustc-hash`'s `FxHasher` (version 2: a multiply-rotate hash with a
//! fast string path, kept by the Rust project, no dependencies): fixed seeds, so every run
//! visits a map in the same order.

/// A hash map with the fast `FxHasher` of the `rustc-hash` crate.
///
/// # Examples
///
/// ```
/// use crmkit::runtime::hash::FxHashMap;
/// // f64 keys by bit pattern: 1.0 and 2.0 differ only in high bits
/// let mut m: FxHashMap<[u64; 2], u32> = FxHashMap::default();
/// m.insert([1.0f64.to_bits(), 2.0f64.to_bits()], 7);
/// assert_eq!(m.get(&[1.0f64.to_bits(), 2.0f64.to_bits()]), Some(&7));
/// ```
pub type FxHashMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// The hash of one key under `FxHasher` (what [`FxHashMap`] computes).
///
/// # Examples
///
/// ```
/// use crmkit::runtime::hash::hash_one;
/// assert_eq!(hash_one(&42_i64), hash_one(&42_i64));
/// assert_ne!(hash_one("CUS-1"), hash_one("CUS-2"));
/// ```
#[inline]
pub fn hash_one<K: std::hash::Hash + ?Sized>(key: &K) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(key)
}
