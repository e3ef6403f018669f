//! The rows of a table grouped by customer, and the join of a per-customer table to the
//! customers of a log.
//!
//! [`RowsByCustomer`] is the one per-customer row grouping of the readers that need each
//! customer's own rows together (churn signals, lifecycle purchase history): a counting sort of
//! the row indices by customer code, O(rows + customers) in time and memory, rows of a customer
//! kept in input order. [`CustomerRows`] joins a table with at most one row per customer (the
//! attribute or customer table) to the customer codes of a shared
//! [`CustomerIndex`](crate::data::ids::CustomerIndex), so customers present only in that
//! table (no purchases) get their own code, and any column of that table can be read per
//! customer.
//!
//! # Examples
//!
//! ```
//! use crmkit::data::rows_by_customer::{CustomerRows, RowsByCustomer};
//!
//! // Customer codes of a log of five rows; row 3 is out of scope.
//! let groups = RowsByCustomer::new("customer_id", &[1, 0, 1, 2, 1], 3, |row| row != 3)?;
//! assert_eq!(groups.of(1), &[0, 2, 4]);
//! assert_eq!(groups.of(2), &[] as &[usize]);
//!
//! // An attribute table naming customers 2 and 0.
//! let rows = CustomerRows::new("attributes.customer_id", &[2, 0], 3)?;
//! assert_eq!(rows.gather(&[Some(7), None]), vec![None, None, Some(7)]);
//! # Ok::<(), crmkit::CrmkitError>(())
//! ```

use crate::{CrmkitError, Result};

/// Row indices grouped by customer code: `of(c)` lists customer `c`'s rows in input order.
///
/// # Examples
///
/// ```
/// use crmkit::data::rows_by_customer::RowsByCustomer;
/// let groups = RowsByCustomer::new("customer_id", &[0, 0, 1], 2, |_| true)?;
/// assert_eq!((groups.of(0), groups.len(), groups.n_customers()), (&[0, 1][..], 3, 2));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowsByCustomer {
    offsets: Vec<usize>,
    rows: Vec<usize>,
}

impl RowsByCustomer {
    /// Groups the rows `row` with `keep(row)` true by their customer code `codes[row]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::rows_by_customer::RowsByCustomer;
    /// let groups = RowsByCustomer::new("customer_id", &[2, 0, 2], 3, |row| row > 0)?;
    /// assert_eq!((groups.of(0), groups.of(2)), (&[1][..], &[2][..]));
    /// assert!(RowsByCustomer::new("customer_id", &[3], 3, |_| true).is_err());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] naming `field` and the row of a code `>= n_customers`.
    pub fn new(
        field: &str,
        codes: &[u32],
        n_customers: usize,
        keep: impl Fn(usize) -> bool,
    ) -> Result<Self> {
        let mut offsets = vec![0usize; n_customers + 1];
        for (row, &c) in codes.iter().enumerate() {
            let c = c as usize;
            if c >= n_customers {
                return Err(CrmkitError::invalid_value(
                    field,
                    row,
                    c,
                    format!("customer code must be below n_customers = {n_customers}"),
                ));
            }
            if keep(row) {
                offsets[c + 1] += 1;
            }
        }
        for c in 0..n_customers {
            offsets[c + 1] += offsets[c];
        }
        let mut cursor = offsets.clone();
        let mut rows = vec![0usize; offsets[n_customers]];
        for (row, &c) in codes.iter().enumerate() {
            if keep(row) {
                let slot = &mut cursor[c as usize];
                rows[*slot] = row;
                *slot += 1;
            }
        }
        Ok(Self { offsets, rows })
    }

    /// Customer `customer`'s rows, in input order (empty for a customer without rows or a code
    /// out of range).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::rows_by_customer::RowsByCustomer;
    /// let groups = RowsByCustomer::new("id", &[1, 1], 2, |_| true)?;
    /// assert_eq!((groups.of(0), groups.of(1), groups.of(9)), (&[][..], &[0, 1][..], &[][..]));
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn of(&self, customer: usize) -> &[usize] {
        match (self.offsets.get(customer), self.offsets.get(customer + 1)) {
            (Some(&a), Some(&b)) => self.rows.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The number of customers (codes `0..n_customers`).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::rows_by_customer::RowsByCustomer;
    /// assert_eq!(RowsByCustomer::new("id", &[], 4, |_| true)?.n_customers(), 4);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn n_customers(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The number of rows kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::rows_by_customer::RowsByCustomer;
    /// assert_eq!(RowsByCustomer::new("id", &[0, 0, 0], 1, |r| r != 1)?.len(), 2);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row was kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::rows_by_customer::RowsByCustomer;
    /// assert!(RowsByCustomer::new("id", &[0], 1, |_| false)?.is_empty());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// The join of a table with at most one row per customer (attributes, first contact, signal
/// overrides) to the customers of a shared index: the row of each customer code, if any.
///
/// The ids of that table are encoded with those of the log (one
/// [`CustomerIndex`](crate::data::ids::CustomerIndex) over the concatenated id columns), so a
/// customer present only in the table — a prospect without purchases — has a code and gets a
/// result row like every other customer.
///
/// # Examples
///
/// ```
/// use crmkit::data::rows_by_customer::CustomerRows;
/// let rows = CustomerRows::new("customers.customer_id", &[1, 3], 4)?;
/// assert_eq!(rows.row_of(3), Some(1));
/// assert_eq!(rows.row_of(0), None);
/// assert_eq!(rows.gather_values(&[10, 30]), vec![None, Some(10), None, Some(30)]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerRows {
    rows: Vec<Option<usize>>,
    table_rows: usize,
}

impl CustomerRows {
    /// The row of each customer in a table whose rows have customer codes `codes`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::rows_by_customer::CustomerRows;
    /// let err = CustomerRows::new("attributes.customer_id", &[0, 0], 1).unwrap_err();
    /// assert_eq!((err.field(), err.row()), (Some("attributes.customer_id"), Some(1)));
    /// assert!(err.to_string().contains("(customer id)"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] naming `field` and the row of a second row of one
    /// customer (the value shown is "(customer id)", never the id), or of a code
    /// `>= n_customers`.
    pub fn new(field: &str, codes: &[u32], n_customers: usize) -> Result<Self> {
        let mut rows = vec![None; n_customers];
        for (row, &c) in codes.iter().enumerate() {
            let Some(slot) = rows.get_mut(c as usize) else {
                return Err(CrmkitError::invalid_value(
                    field,
                    row,
                    c,
                    format!("customer code must be below n_customers = {n_customers}"),
                ));
            };
            if slot.replace(row).is_some() {
                return Err(CrmkitError::invalid_value(
                    field,
                    row,
                    "(customer id)",
                    "duplicate customer: give at most one row per customer",
                ));
            }
        }
        Ok(Self {
            rows,
            table_rows: codes.len(),
        })
    }

    /// The table's row of customer `customer`, if it has one.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::rows_by_customer::CustomerRows;
    /// assert_eq!(CustomerRows::new("id", &[0], 2)?.row_of(1), None);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn row_of(&self, customer: usize) -> Option<usize> {
        self.rows.get(customer).copied().flatten()
    }

    /// The number of customers.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::rows_by_customer::CustomerRows;
    /// assert_eq!(CustomerRows::new("id", &[0], 2)?.n_customers(), 2);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn n_customers(&self) -> usize {
        self.rows.len()
    }

    /// The number of rows of the table.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::rows_by_customer::CustomerRows;
    /// assert_eq!(CustomerRows::new("id", &[1, 0], 2)?.table_rows(), 2);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn table_rows(&self) -> usize {
        self.table_rows
    }

    /// A column of the table with optional values (`None` = not given), per customer: `None`
    /// for customers without a row.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::rows_by_customer::CustomerRows;
    /// let rows = CustomerRows::new("id", &[1], 2)?;
    /// assert_eq!(rows.gather(&[Some(true)]), vec![None, Some(true)]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn gather<T: Copy>(&self, column: &[Option<T>]) -> Vec<Option<T>> {
        self.rows
            .iter()
            .map(|r| r.and_then(|r| column.get(r).copied().flatten()))
            .collect()
    }

    /// A column of the table with a value on every row, per customer: `None` for customers
    /// without a row.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::data::rows_by_customer::CustomerRows;
    /// let rows = CustomerRows::new("id", &[1], 2)?;
    /// assert_eq!(rows.gather_values(&[5]), vec![None, Some(5)]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn gather_values<T: Copy>(&self, column: &[T]) -> Vec<Option<T>> {
        self.rows
            .iter()
            .map(|r| r.and_then(|r| column.get(r).copied()))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_table_and_no_customers() {
        let g = RowsByCustomer::new("id", &[], 0, |_| true).unwrap();
        assert_eq!((g.len(), g.n_customers(), g.of(0)), (0, 0, &[][..]));
        assert!(g.is_empty());
        let r = CustomerRows::new("id", &[], 0).unwrap();
        assert_eq!(r.gather::<u8>(&[]), vec![]);
    }

    #[test]
    fn codes_out_of_range_name_their_row() {
        let e = RowsByCustomer::new("transactions.customer", &[0, 5], 2, |_| true).unwrap_err();
        assert_eq!(
            (e.field(), e.row()),
            (Some("transactions.customer"), Some(1))
        );
        let e = CustomerRows::new("attributes.customer_id", &[0, 5], 2).unwrap_err();
        assert_eq!(
            (e.field(), e.row()),
            (Some("attributes.customer_id"), Some(1))
        );
    }

    proptest! {
        // Invariant (no reference values): every kept row lands in its own customer's group,
        // exactly once, in input order.
        #[test]
        fn groups_partition_the_kept_rows(
            codes in proptest::collection::vec(0u32..20, 0..200),
            dropped in proptest::collection::vec(any::<bool>(), 200),
        ) {
            let keep = |row: usize| !dropped[row];
            let g = RowsByCustomer::new("id", &codes, 20, keep).unwrap();
            let mut seen = vec![false; codes.len()];
            for c in 0..20 {
                let rows = g.of(c);
                prop_assert!(rows.windows(2).all(|w| w[0] < w[1]));
                for &r in rows {
                    prop_assert_eq!(codes[r] as usize, c);
                    prop_assert!(keep(r));
                    prop_assert!(!std::mem::replace(&mut seen[r], true));
                }
            }
            for (r, s) in seen.iter().enumerate() {
                prop_assert_eq!(*s, keep(r));
            }
        }

        // Invariant: the join finds each row's customer, and only theirs.
        #[test]
        fn join_finds_each_row(mut codes in proptest::collection::vec(0u32..50, 0..50)) {
            codes.sort_unstable();
            codes.dedup();
            let rows = CustomerRows::new("id", &codes, 50).unwrap();
            let values: Vec<usize> = (0..codes.len()).collect();
            let per_customer = rows.gather_values(&values);
            for (c, v) in per_customer.iter().enumerate() {
                match codes.iter().position(|&k| k as usize == c) {
                    Some(r) => prop_assert_eq!(*v, Some(r)),
                    None => prop_assert_eq!(*v, None),
                }
            }
        }
    }
}
