//! Customer identities: from a column of ids (integers or strings) to dense customer codes.
//!
//! Every per-customer computation in crmkit works on dense codes `0..n_customers`. A
//! [`CustomerIndex`] assigns them **in ascending order of the id** (integers numerically,
//! strings by their UTF-8 bytes), so the order of customers in every result is fixed by the
//! ids alone and never by the order of the input rows. It also remembers the first row at
//! which each customer appears, which is how callers fetch the original id (of whatever
//! type) for an output row without crmkit copying or converting ids.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::data::transactions::{PREFETCH_DISTANCE, prefetch};
use crate::{CrmkitError, Result};

/// Dense customer codes for the rows of a log.
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::CustomerIndex;
///
/// let index = CustomerIndex::from_i64("customer_id", &[42, 7, 42, 9])?;
/// assert_eq!(index.n_customers(), 3);
/// assert_eq!(index.codes(), &[2, 0, 2, 1]); // 7 → 0, 9 → 1, 42 → 2
/// assert_eq!(index.first_rows(), &[1, 3, 0]); // where each customer first appears
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerIndex {
    codes: Vec<u32>,
    first_rows: Vec<usize>,
}

/// Integer ids spread over at most this many slots per row use a direct lookup table.
const DENSE_SLOTS_PER_ROW: u64 = 4;

impl CustomerIndex {
    /// Builds an index from integer ids.
    ///
    /// Ids spanning a range no wider than a few times the number of rows are looked up in a
    /// table (no hashing); others go through a hash map. Both give the same codes.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::ids::CustomerIndex;
    /// let index = CustomerIndex::from_i64("customer_id", &[-5, 1_000_000_000_000, -5])?;
    /// assert_eq!(index.codes(), &[0, 1, 0]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`] when `ids` is empty; [`CrmkitError::InvalidConfig`] when
    /// there are more than `u32::MAX` distinct customers.
    pub fn from_i64(field: &str, ids: &[i64]) -> Result<Self> {
        let Some(&first) = ids.first() else {
            return Err(CrmkitError::empty(field));
        };
        let (min, max) = ids
            .iter()
            .fold((first, first), |(lo, hi), &id| (lo.min(id), hi.max(id)));
        let span = (i128::from(max) - i128::from(min)) as u128 + 1;
        if span <= u128::from(DENSE_SLOTS_PER_ROW * ids.len() as u64 + 1024) {
            Self::dense(field, ids, min, span as usize)
        } else {
            Self::hashed(field, ids.len(), |row| ids[row])
        }
    }

    /// Builds an index from unsigned 64-bit ids (every value, also those >= 2^63, stays its
    /// own customer; codes follow ascending numeric order).
    ///
    /// The ids are mapped to `i64` by flipping the top bit, an order-preserving bijection, and
    /// indexed like [`Self::from_i64`] (one copy of the column).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::ids::CustomerIndex;
    /// let index = CustomerIndex::from_u64("customer_id", &[u64::MAX, 1 << 63, 0, (1 << 63) + 5])?;
    /// assert_eq!(index.codes(), &[3, 1, 0, 2]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Self::from_i64`].
    pub fn from_u64(field: &str, ids: &[u64]) -> Result<Self> {
        let shifted: Vec<i64> = ids.iter().map(|&id| (id ^ (1 << 63)) as i64).collect();
        Self::from_i64(field, &shifted)
    }

    /// Builds an index from 128-bit integer ids (codes in ascending numeric order).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::ids::CustomerIndex;
    /// let index = CustomerIndex::from_i128("customer_id", &[1 << 100, -(1 << 90), 1 << 100])?;
    /// assert_eq!(index.codes(), &[1, 0, 1]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Self::from_i64`].
    pub fn from_i128(field: &str, ids: &[i128]) -> Result<Self> {
        Self::hashed(field, ids.len(), |row| ids[row])
    }

    /// The row's slot in a dense table of `span` slots, or an error when the id lies outside
    /// `min..min + span`: the column was changed by another thread while it was read (ids are
    /// borrowed from Python with the GIL released), which must be an error and never a panic.
    #[inline]
    fn slot_of(field: &str, row: usize, id: i64, min: i64, span: usize) -> Result<usize> {
        let slot = id.wrapping_sub(min) as u64 as usize;
        if slot < span {
            Ok(slot)
        } else {
            Err(Self::changed(field, row))
        }
    }

    fn changed(field: &str, row: usize) -> CrmkitError {
        CrmkitError::invalid_value(
            field,
            row,
            "(customer id)",
            "the column changed while crmkit read it (written by another thread?)",
        )
    }

    fn dense(field: &str, ids: &[i64], min: i64, span: usize) -> Result<Self> {
        // One u32 table: first the first row + 1 of each id (0 = unseen), then its code
        // (u32::MAX = unseen, which only a concurrently changed column can hit).
        let mut slots = vec![0u32; span];
        let fits_u32 = ids.len() < u32::MAX as usize;
        if !fits_u32 {
            return Self::dense_wide(field, ids, min, span);
        }
        let base = slots.as_ptr() as usize;
        let ahead = |row: usize| {
            if let Some(&id) = ids.get(row + PREFETCH_DISTANCE) {
                let slot = (id.wrapping_sub(min)) as u64 as usize;
                if slot < span {
                    prefetch(base + slot * 4);
                }
            }
        };
        for (row, &id) in ids.iter().enumerate() {
            ahead(row);
            let slot = &mut slots[Self::slot_of(field, row, id, min, span)?];
            if *slot == 0 {
                *slot = row as u32 + 1;
            }
        }
        let mut first_rows = Vec::new();
        for slot in slots.iter_mut() {
            if *slot != 0 {
                first_rows.push(*slot as usize - 1);
                *slot = first_rows.len() as u32 - 1;
            } else {
                *slot = u32::MAX;
            }
        }
        let mut codes = Vec::with_capacity(ids.len());
        for (row, &id) in ids.iter().enumerate() {
            ahead(row);
            let code = slots[Self::slot_of(field, row, id, min, span)?];
            if code == u32::MAX {
                return Err(Self::changed(field, row));
            }
            codes.push(code);
        }
        Ok(Self { codes, first_rows })
    }

    /// [`Self::dense`] for logs of 2³² rows or more (row numbers do not fit the u32 table).
    fn dense_wide(field: &str, ids: &[i64], min: i64, span: usize) -> Result<Self> {
        let mut slot_first_row = vec![usize::MAX; span];
        for (row, &id) in ids.iter().enumerate() {
            let slot = Self::slot_of(field, row, id, min, span)?;
            if slot_first_row[slot] == usize::MAX {
                slot_first_row[slot] = row;
            }
        }
        let mut slot_code = vec![u32::MAX; span];
        let mut first_rows = Vec::new();
        for (slot, &first) in slot_first_row.iter().enumerate() {
            if first != usize::MAX {
                slot_code[slot] = first_rows.len() as u32;
                first_rows.push(first);
            }
        }
        let mut codes = Vec::with_capacity(ids.len());
        for (row, &id) in ids.iter().enumerate() {
            let code = slot_code[Self::slot_of(field, row, id, min, span)?];
            if code == u32::MAX {
                return Err(Self::changed(field, row));
            }
            codes.push(code);
        }
        Ok(Self { codes, first_rows })
    }

    /// Builds an index from string ids; `id(row)` returns the id of a row.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::ids::CustomerIndex;
    /// let ids = ["CUS-2", "CUS-1", "CUS-2"];
    /// let index = CustomerIndex::from_strs("customer_id", ids.len(), |row| ids[row])?;
    /// assert_eq!(index.codes(), &[1, 0, 1]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`] when there are no rows; [`CrmkitError::InvalidConfig`] when
    /// there are more than `u32::MAX` distinct customers.
    pub fn from_strs<'a>(field: &str, rows: usize, id: impl Fn(usize) -> &'a str) -> Result<Self> {
        Self::hashed(field, rows, id)
    }

    fn hashed<K: std::hash::Hash + Eq + Ord + Copy>(
        field: &str,
        rows: usize,
        id: impl Fn(usize) -> K,
    ) -> Result<Self> {
        if rows == 0 {
            return Err(CrmkitError::empty(field));
        }
        let mut seen: HashMap<K, u32, BuildHasherDefault<FoldHasher>> =
            HashMap::with_capacity_and_hasher(rows.min(1 << 20), Default::default());
        let mut first_rows: Vec<usize> = Vec::new();
        // Each customer's id as it was read: sorting by these (not by re-reading the rows)
        // keeps the order total even if another thread changes a borrowed column meanwhile.
        let mut keys: Vec<K> = Vec::new();
        let mut codes = Vec::with_capacity(rows);
        for row in 0..rows {
            let next = first_rows.len();
            let key = id(row);
            let code = *seen.entry(key).or_insert_with(|| {
                first_rows.push(row);
                keys.push(key);
                next as u32
            });
            codes.push(code);
        }
        if first_rows.len() > u32::MAX as usize {
            return Err(CrmkitError::invalid_config(
                field,
                first_rows.len(),
                "more distinct customers than crmkit supports (u32::MAX)",
            ));
        }
        // Renumber from first-appearance order to ascending id order.
        let mut order: Vec<u32> = (0..first_rows.len() as u32).collect();
        order.sort_unstable_by_key(|&code| keys[code as usize]);
        let mut rank = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            rank[old as usize] = new as u32;
        }
        for code in &mut codes {
            *code = rank[*code as usize];
        }
        let first_rows = order.iter().map(|&old| first_rows[old as usize]).collect();
        Ok(Self { codes, first_rows })
    }

    /// Builds an index from codes that are already dense (`0..n_customers`), e.g. categorical
    /// codes. Customers that never occur keep their code; their first row is `usize::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::ids::CustomerIndex;
    /// let index = CustomerIndex::from_codes("customer_id", vec![1, 0, 1], 2)?;
    /// assert_eq!(index.first_rows(), &[1, 0]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] naming the row of a code `>= n_customers`.
    pub fn from_codes(field: &str, codes: Vec<u32>, n_customers: usize) -> Result<Self> {
        let mut first_rows = vec![usize::MAX; n_customers];
        for (row, &code) in codes.iter().enumerate() {
            match first_rows.get_mut(code as usize) {
                Some(first) if *first == usize::MAX => *first = row,
                Some(_) => {}
                None => {
                    return Err(CrmkitError::invalid_value(
                        field,
                        row,
                        code,
                        format!("customer code must be < {n_customers}"),
                    ));
                }
            }
        }
        Ok(Self { codes, first_rows })
    }

    /// The number of distinct customers.
    ///
    /// # Examples
    ///
    /// ```
    /// let index = crmkit::data::ids::CustomerIndex::from_i64("id", &[3, 3])?;
    /// assert_eq!(index.n_customers(), 1);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn n_customers(&self) -> usize {
        self.first_rows.len()
    }

    /// The customer code of each row.
    ///
    /// # Examples
    ///
    /// ```
    /// let index = crmkit::data::ids::CustomerIndex::from_i64("id", &[3, 1])?;
    /// assert_eq!(index.codes(), &[1, 0]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// For each customer code, the first row at which the customer appears.
    ///
    /// # Examples
    ///
    /// ```
    /// let index = crmkit::data::ids::CustomerIndex::from_i64("id", &[3, 1, 1])?;
    /// assert_eq!(index.first_rows(), &[1, 0]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn first_rows(&self) -> &[usize] {
        &self.first_rows
    }
}

/// A small multiplicative hasher for ids (integers and short strings) and the bit patterns of
/// floats. Keys are not chosen by an adversary of the process, so the DoS resistance of SipHash
/// buys nothing here; bytes are mixed 8 at a time and the high bits folded into the low ones,
/// which hash tables take their bucket from.
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::FoldMap;
/// // float keys by bit pattern: 1.0 and 2.0 differ only in high bits
/// let mut m: FoldMap<[u64; 2], u32> = FoldMap::default();
/// m.insert([1.0f64.to_bits(), 2.0f64.to_bits()], 7);
/// assert_eq!(m.get(&[1.0f64.to_bits(), 2.0f64.to_bits()]), Some(&7));
/// ```
#[derive(Default, Clone, Copy)]
pub struct FoldHasher {
    state: u64,
}

/// A hash map hashed by [`FoldHasher`] (integers and f64 bit patterns from our own data).
///
/// # Examples
///
/// ```
/// let mut m: crmkit::data::ids::FoldMap<u64, &str> = Default::default();
/// m.insert(42, "answer");
/// assert_eq!(m[&42], "answer");
/// ```
pub type FoldMap<K, V> = HashMap<K, V, BuildHasherDefault<FoldHasher>>;

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

impl FoldHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.state = (self.state.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER);
    }
}

impl Hasher for FoldHasher {
    #[inline]
    fn finish(&self) -> u64 {
        // Fold the high bits down: hashbrown takes its bucket from the low bits.
        self.state ^ (self.state >> 29)
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.mix(i as u64);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_is_an_error() {
        assert!(matches!(
            CustomerIndex::from_i64("customer_id", &[]),
            Err(CrmkitError::EmptyInput { .. })
        ));
        assert!(CustomerIndex::from_strs("customer_id", 0, |_| "").is_err());
    }

    #[test]
    fn extreme_integers_use_the_hashed_path() {
        let index = CustomerIndex::from_i64("id", &[i64::MAX, i64::MIN, 0, i64::MAX]);
        assert_eq!(index.map(|i| i.codes().to_vec()), Ok(vec![2, 0, 1, 2]));
    }

    #[test]
    fn bad_codes_name_the_row() {
        let err = CustomerIndex::from_codes("customer_id", vec![0, 5], 2);
        assert!(matches!(err, Err(CrmkitError::InvalidValue { row: 1, .. })));
    }

    proptest! {
        #[test]
        fn codes_follow_id_order(ids in proptest::collection::vec(-50i64..50, 1..200), wide in any::<bool>()) {
            let ids: Vec<i64> = ids.iter().map(|&i| if wide { i * 1_000_000_007 } else { i }).collect();
            let index = CustomerIndex::from_i64("id", &ids).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut unique = ids.clone();
            unique.sort_unstable();
            unique.dedup();
            prop_assert_eq!(index.n_customers(), unique.len());
            for (row, &code) in index.codes().iter().enumerate() {
                prop_assert_eq!(unique[code as usize], ids[row]);
                prop_assert!(index.first_rows()[code as usize] <= row);
                prop_assert_eq!(ids[index.first_rows()[code as usize]], ids[row]);
            }
            let strings: Vec<String> = ids.iter().map(|i| format!("C{i:+08}")).collect();
            let by_str = CustomerIndex::from_strs("id", strings.len(), |r| strings[r].as_str())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(by_str.n_customers(), unique.len());
        }
    }
}
