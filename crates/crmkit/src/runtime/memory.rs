//! Up-front refusal of sizes that cannot fit in memory.
//!
//! A count given by the caller (a number of rows to score, of labels, of periods) can ask for
//! more memory than the machine has. Rust aborts the process when an allocation fails, so
//! such sizes are checked before anything is allocated and refused with a
//! [`CrmkitError::InvalidConfig`] naming the field.
//!
//! # The limit
//!
//! A request of `n` items of `bytes_per_item` bytes is refused when `n · bytes_per_item`
//! overflows, exceeds `isize::MAX` (the largest allocation Rust allows) or exceeds the
//! physical memory of the machine (`MemTotal` of `/proc/meminfo` on Linux; elsewhere only the
//! `isize::MAX` bound applies).

use crate::error::{CrmkitError, Result};
use std::sync::OnceLock;

/// The physical memory of the machine in bytes, when it can be read (Linux), else `None`.
///
/// # Examples
///
/// ```
/// if let Some(bytes) = crmkit::runtime::memory::physical_memory() {
///     assert!(bytes > 0);
/// }
/// ```
pub fn physical_memory() -> Option<u64> {
    static TOTAL: OnceLock<Option<u64>> = OnceLock::new();
    *TOTAL.get_or_init(|| {
        let text = std::fs::read_to_string("/proc/meminfo").ok()?;
        let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        kib.checked_mul(1024)
    })
}

/// Checks that `n` items of `bytes_per_item` bytes can be held in memory (see the module
/// documentation for the limit).
///
/// # Errors
///
/// [`CrmkitError::InvalidConfig`] naming `field` and `n` when they cannot.
///
/// # Examples
///
/// ```
/// use crmkit::runtime::memory::check_rows;
/// assert!(check_rows("n", 1000, 64).is_ok());
/// assert!(check_rows("n", 1 << 33, 72).is_err()); // 618 GB
/// assert!(check_rows("n", usize::MAX, 2).is_err());
/// ```
pub fn check_rows(field: &str, n: usize, bytes_per_item: usize) -> Result<()> {
    let limit = physical_memory().map_or(isize::MAX as u64, |m| m.min(isize::MAX as u64));
    let need = (n as u64).checked_mul(bytes_per_item as u64);
    match need {
        Some(bytes) if bytes <= limit => Ok(()),
        _ => Err(CrmkitError::invalid_config(
            field,
            n,
            format!(
                "needs {} bytes, more than the memory of this machine ({limit} bytes)",
                need.map_or_else(|| "over 2^64".to_owned(), |b| b.to_string())
            ),
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn huge_sizes_are_refused_small_ones_pass() {
        assert!(check_rows("n", 0, 1 << 40).is_ok());
        assert!(check_rows("n", 1 << 20, 8).is_ok());
        let err = check_rows("n", 1 << 33, 72).unwrap_err();
        assert_eq!(err.field(), Some("n"));
        assert!(err.to_string().contains("memory"), "{err}");
        assert!(check_rows("n", usize::MAX, usize::MAX).is_err());
    }
}
