//! Customer identities: from a column of ids (integers or strings) to dense customer codes.
//!
//! Every per-customer computation in crmkit works on dense codes `0..n_customers`. A
//! [`CustomerIndex`] assigns them **in ascending order of the id** (integers numerically,
//! strings by their UTF-8 bytes), so the order of customers in every result is fixed by the
//! ids alone and never by the order of the input rows. It also remembers the first row at
//! which each customer appears, which is how callers fetch the original id (of whatever
//! type) for an output row without crmkit copying or converting ids.

use std::collections::hash_map::Entry;
use std::hash::Hash;

use rayon::prelude::*;

use crate::data::grouping::{all_short, short_key};
use crate::data::transactions::{PREFETCH_DISTANCE, prefetch};
use crate::runtime::hash::{FxHashMap, hash_one};
use crate::runtime::parallel;
use crate::{CrmkitError, Result};

/// A string id with its hash, computed once: tables hash the stored hash and compare the
/// strings only when the hashes agree; the order is the strings' (UTF-8 bytes).
#[derive(Clone, Copy, Debug)]
struct HashedStr<'a> {
    hash: u64,
    text: &'a str,
}

impl Hash for HashedStr<'_> {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl PartialEq for HashedStr<'_> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.text == other.text
    }
}

impl Eq for HashedStr<'_> {}

impl PartialOrd for HashedStr<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for HashedStr<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.text.cmp(other.text)
    }
}

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

/// Logs from this many rows on are grouped by partitions on the thread pool.
const MIN_PARTITIONED_ROWS: usize = 1 << 16;
/// Logs from this many rows on are grouped in one pass (local codes need 31 bits).
const MAX_PARTITIONED_ROWS: usize = 1 << 31;
/// log2 of the partitions: 256 keep each partition's table of a million customers in cache.
const PARTITION_BITS: u32 = 8;
/// The bit of a local code that marks a key's first row.
const FIRST_ROW: u32 = 1 << 31;

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
            Self::grouped(field, ids.len(), |row| ids[row], |id| id)
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
        Self::grouped(field, ids.len(), |row| ids[row], |id| id)
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
    pub fn from_strs<'a>(
        field: &str,
        rows: usize,
        id: impl Fn(usize) -> &'a str + Sync,
    ) -> Result<Self> {
        // Ids of at most 15 bytes travel as 128-bit integers that hold them whole and order
        // like their bytes (the numbering of the longer path, tested), so no id is read twice.
        if all_short(rows, &id) {
            return Self::grouped(field, rows, |row| short_key(id(row).as_bytes()), |k| k);
        }
        // Rows travel through the partitions as their row number and the string's hash (each
        // string is hashed once); the string is read again (not copied) where its partition
        // is grouped, and compared only when the hashes agree.
        Self::grouped(
            field,
            rows,
            |row| (row as u32, hash_one(id(row))),
            |(row, hash)| HashedStr {
                hash,
                text: id(row as usize),
            },
        )
    }

    /// Groups rows by key, on the pool when the log is large (see [`Self::partitioned`]),
    /// else in one pass on the calling thread. `payload(row)` is what travels with a row
    /// through the partitions and `key` recovers the row's key from it.
    fn grouped<K, E>(
        field: &str,
        rows: usize,
        payload: impl Fn(usize) -> E + Sync,
        key: impl Fn(E) -> K + Sync,
    ) -> Result<Self>
    where
        K: Hash + Eq + Ord + Copy + Send + Sync,
        E: Copy + Send + Sync + Default,
    {
        if (MIN_PARTITIONED_ROWS..MAX_PARTITIONED_ROWS).contains(&rows) {
            Self::partitioned(field, rows, &payload, &key, PARTITION_BITS)
        } else {
            Self::hashed(field, rows, |row| key(payload(row)))
        }
    }

    /// Radix-partitioned hash grouping, the way column stores aggregate: the rows are split
    /// into `2^bits` partitions by the top bits of their key's hash (one counting-sort pass
    /// per chunk of rows), each partition is grouped in its own small hash table (a few
    /// thousand keys for a million customers: it stays in cache) on the pool, and the distinct
    /// keys are sorted once to number customers in ascending id order. The result is the same
    /// for any `bits` and any number of threads (tested against [`Self::hashed`]).
    fn partitioned<K, E>(
        field: &str,
        rows: usize,
        payload: &(impl Fn(usize) -> E + Sync),
        key: &(impl Fn(E) -> K + Sync),
        bits: u32,
    ) -> Result<Self>
    where
        K: Hash + Eq + Ord + Copy + Send + Sync,
        E: Copy + Send + Sync + Default,
    {
        if rows == 0 {
            return Err(CrmkitError::empty(field));
        }
        let parts = 1usize << bits;
        // The partition comes from a remix of the hash: the tables inside a partition take
        // their buckets from the hash's low bits and their tags from its top 7 bits, which
        // must not be the same for every key of a partition (all would collide).
        let part_of = |k: &K| {
            if bits == 0 {
                0
            } else {
                let h = hash_one(k);
                ((h ^ (h >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
            }
        };
        // Chunks of rows; their number depends only on the length, never on the threads.
        let chunk_len = rows
            .div_ceil(parallel::MAX_CHUNKS)
            .max(parallel::MIN_PARALLEL_LEN / 2);
        let starts: Vec<usize> = (0..rows).step_by(chunk_len).collect();
        struct Chunk<E> {
            /// The partition of each row of the chunk.
            part: Vec<u8>,
            /// The payloads of the chunk's rows, by partition (rows in order within each).
            payload: Vec<E>,
            /// Where each partition starts in `payload` (`parts + 1` bounds).
            bounds: Vec<usize>,
        }
        // 1. Partition each chunk (a counting sort by partition, stable).
        let chunks: Vec<Chunk<E>> = parallel::install(|| {
            starts
                .par_iter()
                .map(|&start| {
                    let end = (start + chunk_len).min(rows);
                    let mut part = Vec::with_capacity(end - start);
                    let mut counts = vec![0usize; parts + 1];
                    for row in start..end {
                        let p = part_of(&key(payload(row)));
                        counts[p + 1] += 1;
                        part.push(p as u8);
                    }
                    for p in 0..parts {
                        counts[p + 1] += counts[p];
                    }
                    let bounds = counts.clone();
                    let mut cursor = counts;
                    let mut out = vec![E::default(); end - start];
                    for (row, &p) in (start..end).zip(&part) {
                        out[cursor[p as usize]] = payload(row);
                        cursor[p as usize] += 1;
                    }
                    Chunk {
                        part,
                        payload: out,
                        bounds,
                    }
                })
                .collect()
        });
        // 2. Group each partition in its own table. Local codes go to `locals`, laid out like
        //    the payloads; the top bit marks a key's first row (rows are met in row order).
        let mut locals: Vec<Vec<u32>> =
            chunks.iter().map(|c| vec![0u32; c.payload.len()]).collect();
        let mut by_part: Vec<Vec<&mut [u32]>> = (0..parts)
            .map(|_| Vec::with_capacity(chunks.len()))
            .collect();
        for (chunk, local) in chunks.iter().zip(locals.iter_mut()) {
            let mut rest: &mut [u32] = local;
            for (p, slices) in by_part.iter_mut().enumerate() {
                let (this, tail) = rest.split_at_mut(chunk.bounds[p + 1] - chunk.bounds[p]);
                slices.push(this);
                rest = tail;
            }
        }
        let expected = rows / parts / 4 + 16;
        let keys: Vec<Vec<K>> = parallel::install(|| {
            by_part
                .into_par_iter()
                .enumerate()
                .map(|(p, mut outs)| {
                    let mut table: FxHashMap<K, u32> = FxHashMap::default();
                    table.reserve(expected);
                    let mut keys = Vec::with_capacity(expected);
                    for (chunk, out) in chunks.iter().zip(outs.iter_mut()) {
                        let segment = &chunk.payload[chunk.bounds[p]..chunk.bounds[p + 1]];
                        for (slot, &e) in out.iter_mut().zip(segment) {
                            let k = key(e);
                            *slot = match table.entry(k) {
                                Entry::Occupied(o) => *o.get(),
                                Entry::Vacant(v) => {
                                    let next = keys.len() as u32;
                                    v.insert(next);
                                    keys.push(k);
                                    next | FIRST_ROW
                                }
                            };
                        }
                    }
                    keys
                })
                .collect()
        });
        // 3. Number the distinct keys in ascending order.
        let mut base = Vec::with_capacity(parts + 1);
        base.push(0usize);
        for k in &keys {
            base.push(base[base.len() - 1] + k.len());
        }
        let total = base[parts];
        if total > u32::MAX as usize {
            return Err(CrmkitError::invalid_config(
                field,
                total,
                "more distinct customers than crmkit supports (u32::MAX)",
            ));
        }
        let mut sorted: Vec<(K, u32)> = Vec::with_capacity(total);
        for (p, k) in keys.iter().enumerate() {
            sorted.extend(
                k.iter()
                    .enumerate()
                    .map(|(i, &k)| (k, (base[p] + i) as u32)),
            );
        }
        drop(keys);
        parallel::install(|| sorted.par_sort_unstable_by(|a, b| a.0.cmp(&b.0)));
        let mut rank = vec![0u32; total];
        for (new, &(_, old)) in sorted.iter().enumerate() {
            rank[old as usize] = new as u32;
        }
        drop(sorted);
        // 4. Codes in row order: each chunk walks its rows, one cursor per partition.
        let mut codes = vec![0u32; rows];
        let firsts: Vec<Vec<(u32, usize)>> = parallel::install(|| {
            codes
                .par_chunks_mut(chunk_len)
                .zip(chunks.par_iter().zip(locals.par_iter()))
                .enumerate()
                .map(|(c, (codes, (chunk, local)))| {
                    let start = c * chunk_len;
                    let mut cursor = chunk.bounds.clone();
                    let mut firsts = Vec::new();
                    for (i, (code, &p)) in codes.iter_mut().zip(&chunk.part).enumerate() {
                        let p = p as usize;
                        let l = local[cursor[p]];
                        cursor[p] += 1;
                        *code = rank[base[p] + (l & !FIRST_ROW) as usize];
                        if l & FIRST_ROW != 0 {
                            firsts.push((*code, start + i));
                        }
                    }
                    firsts
                })
                .collect()
        });
        let mut first_rows = vec![0usize; total];
        for (code, row) in firsts.into_iter().flatten() {
            first_rows[code as usize] = row;
        }
        Ok(Self { codes, first_rows })
    }

    /// Hash grouping in one pass on the calling thread (small logs, and logs too long for
    /// row numbers in 31 bits).
    fn hashed<K: Hash + Eq + Ord + Copy>(
        field: &str,
        rows: usize,
        id: impl Fn(usize) -> K,
    ) -> Result<Self> {
        if rows == 0 {
            return Err(CrmkitError::empty(field));
        }
        let mut seen: FxHashMap<K, u32> = FxHashMap::default();
        seen.reserve(rows.min(1 << 20));
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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

    /// The partitioned grouping at `bits` against the one-pass grouping.
    fn same_grouping<K: Hash + Eq + Ord + Copy + Send + Sync + Default>(
        ids: &[K],
        bits: u32,
    ) -> std::result::Result<(), TestCaseError> {
        let one_pass = CustomerIndex::hashed("id", ids.len(), |r| ids[r])
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parts = CustomerIndex::partitioned("id", ids.len(), &|r| ids[r], &|k| k, bits)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&parts, &one_pass);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Any partition count gives the one-pass result: equal ids share a code, codes follow
        /// id order, every row has exactly one code and first rows are first.
        #[test]
        fn partitions_do_not_change_the_grouping(
            ids in proptest::collection::vec(any::<i64>(), 1..400),
            repeat in proptest::collection::vec(0usize..400, 0..400),
            bits in 0u32..=8,
        ) {
            // repeat some ids so groups have several rows
            let mut ids = ids;
            let n = ids.len();
            let again: Vec<i64> = repeat.iter().map(|&r| ids[r % n]).collect();
            ids.extend(again);
            same_grouping(&ids, bits)?;
            let strings: Vec<String> = ids.iter().map(|i| format!("CUS-{i:x}")).collect();
            let strs: Vec<&str> = strings.iter().map(String::as_str).collect();
            same_grouping(&strs, bits)?;
            let wide: Vec<i128> = ids.iter().map(|&i| i128::from(i) << 40).collect();
            same_grouping(&wide, bits)?;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// String ids number customers in ascending order of their bytes whether every id is
        /// short enough to be packed into an integer (at most 15 bytes: prefixes of one another,
        /// zero bytes, non-ASCII) or some are longer, for small and partitioned logs.
        #[test]
        fn string_ids_are_numbered_by_their_bytes(
            picks in proptest::collection::vec(0usize..64, 1..300),
            long in any::<bool>(),
            large in any::<bool>(),
        ) {
            let pool: Vec<String> = (0..64).map(|i| match i % 6 {
                0 => format!("CUS-{i:010}"),
                1 => "CUS-0000000000".chars().take(i % 15).collect(),
                2 => format!("a{}", "\0".repeat(i % 5)),
                3 => format!("é{i}"),
                4 => "\u{10FFFF}".repeat(i % 4),
                _ => format!("{i}"),
            }).collect();
            let mut ids: Vec<String> = picks.iter().map(|&p| pool[p].clone()).collect();
            if long {
                ids.push("CUSTOMER-0000000-long".to_string());
            }
            if large {
                let n = ids.len();
                ids = (0..MIN_PARTITIONED_ROWS + 5).map(|r| ids[r % n].clone()).collect();
            }
            let index = CustomerIndex::from_strs("id", ids.len(), |r| ids[r].as_str())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut unique: Vec<&[u8]> = ids.iter().map(|s| s.as_bytes()).collect();
            unique.sort_unstable();
            unique.dedup();
            prop_assert_eq!(index.n_customers(), unique.len());
            for (row, &code) in index.codes().iter().enumerate() {
                prop_assert_eq!(unique[code as usize], ids[row].as_bytes());
                prop_assert_eq!(&ids[index.first_rows()[code as usize]], &ids[row]);
                prop_assert!(index.first_rows()[code as usize] <= row);
            }
            // first rows are first
            for (code, &first) in index.first_rows().iter().enumerate() {
                prop_assert!(index.codes()[..first].iter().all(|&c| c as usize != code));
            }
        }
    }

    /// A log large enough for the partitioned path, in row order and shuffled, with one thread
    /// and two: equal ids grouped together, each row counted once, codes in id order.
    #[test]
    fn large_logs_group_the_same_in_any_order_and_thread_count() {
        let rows = 3 * MIN_PARTITIONED_ROWS + 17;
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let ids: Vec<i64> = (0..rows)
            .map(|_| (next() % 20_000) as i64 * 100_003_007)
            .collect();
        let strings: Vec<String> = ids.iter().map(|i| format!("CUS-{i:015}")).collect();
        let mut perm: Vec<usize> = (0..rows).collect();
        for i in (1..rows).rev() {
            perm.swap(i, (next() % (i as u64 + 1)) as usize);
        }
        let mut results = Vec::new();
        for threads in [1, 2] {
            crate::runtime::parallel::set_num_threads(threads).unwrap();
            let index = CustomerIndex::from_i64("id", &ids).unwrap();
            let by_str = CustomerIndex::from_strs("id", rows, |r| strings[r].as_str()).unwrap();
            assert_eq!(index, by_str, "zero-padded strings sort like the numbers");
            let mut unique = ids.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(index.n_customers(), unique.len());
            let mut counts = vec![0usize; unique.len()];
            for (row, &code) in index.codes().iter().enumerate() {
                assert_eq!(unique[code as usize], ids[row]);
                counts[code as usize] += 1;
                assert!(index.first_rows()[code as usize] <= row);
            }
            assert_eq!(counts.iter().sum::<usize>(), rows);
            let shuffled: Vec<i64> = perm.iter().map(|&r| ids[r]).collect();
            let other = CustomerIndex::from_i64("id", &shuffled).unwrap();
            for (i, &r) in perm.iter().enumerate() {
                assert_eq!(
                    other.codes()[i],
                    index.codes()[r],
                    "codes do not depend on row order"
                );
            }
            results.push(index);
        }
        assert_eq!(results[0], results[1]);
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
