//! What comes in: customer ids, the transaction log and the calendar.
//!
//! - [`ids`]: from a column of customer ids (integers or strings) to dense customer codes, in
//!   ascending id order, so results never depend on row order;
//! - [`transactions`]: the validated transaction log (ids, days, amounts) and the options every
//!   reader of a log shares (rows after `as_of`, refunds);
//! - [`customers`]: typed, validated customer records (size and revenue bands, industry code,
//!   region, contact role, first contact, channel), readable from a table or JSON;
//! - [`grouping`]: per-customer aggregation straight from an id column, radix-partitioned so
//!   each partition's records stay in cache (the fast path of the RFM features);
//! - [`calendar`]: whole calendar days since 1970-01-01;
//! - [`refunds`]: the one refund policy — which customers the spend models leave out, and why;
//! - [`rows_by_customer`]: each customer's rows of a log together (churn signals, lifecycle),
//!   and the join of a one-row-per-customer table to the customers of a log.

pub mod calendar;
pub mod customers;
pub mod grouping;
pub mod ids;
pub mod refunds;
pub mod rows_by_customer;
pub mod transactions;
