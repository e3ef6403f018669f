//! Migration between two snapshots of a per-customer label, matched by customer id.
//!
//! Two tables (before and after) each give one label per customer: a lifecycle stage, an RFM
//! tier, a segment. [`snapshot_migration`] joins them by customer through the one id grouping
//! of the crate ([`CustomerIndex`], built over the rows of both snapshots, before first), checks
//! that no customer appears twice in a snapshot and that no label is missing, codes the labels
//! in a documented order and counts the transitions: the non-empty flows (from label, to label,
//! customers, share of the `from` label's customers), optionally the dense label × label
//! count and rate tables, and each customer's move. A customer present in only one snapshot
//! moves from or to [`ABSENT`].

use serde::{Deserialize, Serialize};

use super::{Flow, LifecycleStage, MAX_MATRIX_LABELS};
use crate::data::ids::CustomerIndex;
use crate::runtime::hash::FxHashMap;
use crate::{CrmkitError, Result};

/// The label of a customer in a snapshot that does not contain them.
///
/// # Examples
///
/// ```
/// assert_eq!(crmkit::lifecycle::ABSENT, "(absent)");
/// ```
pub const ABSENT: &str = "(absent)";

/// The order of the labels (rows and columns of the tables, order of the flows).
///
/// [`ABSENT`] always comes last, and only when some customer is absent from a snapshot (a
/// label spelled `"(absent)"` is the same label).
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::LabelOrder;
/// assert_eq!(LabelOrder::default(), LabelOrder::Auto);
/// let json = serde_json::to_string(&LabelOrder::Given(vec!["gold".into()])).unwrap();
/// assert_eq!(json, r#"{"given":["gold"]}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelOrder {
    /// Lifecycle stage order ([`LifecycleStage::ALL`], stages seen only) when every label is a
    /// stage name, else the labels seen, sorted (by Unicode code point).
    #[default]
    Auto,
    /// Exactly these labels, in this order, also those nobody has; a label seen but not
    /// listed is an error.
    Given(Vec<String>),
    /// The categories of a categorical column, in their order (also those nobody has), then
    /// any other label seen, sorted.
    Categories(Vec<String>),
}

/// Options of [`snapshot_migration`].
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::SnapshotMigrationOptions;
/// let o: SnapshotMigrationOptions = serde_json::from_str(r#"{"label": "tier"}"#).unwrap();
/// assert!(o.matrices);
/// assert_eq!(o.label, "tier");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SnapshotMigrationOptions {
    /// The label column's name, used in errors (`before.stage`, `after.stage`).
    pub label: String,
    /// The label order.
    pub order: LabelOrder,
    /// Also build the dense label × label `counts` and `rates` (at most
    /// [`MAX_MATRIX_LABELS`] labels).
    pub matrices: bool,
}

impl Default for SnapshotMigrationOptions {
    fn default() -> Self {
        Self {
            label: "stage".to_owned(),
            order: LabelOrder::Auto,
            matrices: true,
        }
    }
}

/// The migration between two snapshots: see [`snapshot_migration`].
///
/// Per-customer columns (`customer_rows`, `from`, `to`) list customers in ascending id order
/// (the codes of the [`CustomerIndex`]).
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::CustomerIndex;
/// use crmkit::lifecycle::{SnapshotMigrationOptions, snapshot_migration};
/// let index = CustomerIndex::from_i64("customer_id", &[1, 2])?; // before: 1; after: 2
/// let m = snapshot_migration(&index, &[Some("gold")], &[Some("gold")], &SnapshotMigrationOptions::default())?;
/// assert_eq!(m.labels, ["gold", "(absent)"]);
/// assert_eq!((m.from.as_slice(), m.to.as_slice()), (&[0, 1][..], &[1, 0][..]));
/// assert_eq!(m.changed(), 2);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotMigration {
    /// The labels in order; [`ABSENT`] last when some customer is in one snapshot only.
    pub labels: Vec<String>,
    /// The non-empty transitions as indices into `labels`, ordered by `from`, then `to`;
    /// `rate` is the share of the `from` label's customers.
    pub flows: Vec<Flow<usize>>,
    /// `counts[i][j]`: customers labelled `labels[i]` before and `labels[j]` after (only
    /// with [`SnapshotMigrationOptions::matrices`]).
    pub counts: Option<Vec<Vec<u64>>>,
    /// `rates[i][j]` = `counts[i][j]` / row total; a row without customers is all 0.
    pub rates: Option<Vec<Vec<f64>>>,
    /// For each customer, the first row of the concatenated snapshots (before rows, then
    /// after rows) holding their id.
    pub customer_rows: Vec<usize>,
    /// For each customer, the index of their label before.
    pub from: Vec<u32>,
    /// For each customer, the index of their label after.
    pub to: Vec<u32>,
}

impl SnapshotMigration {
    /// Customers whose label changed (also from or to [`ABSENT`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::lifecycle::{SnapshotMigrationOptions, snapshot_migration_by_position};
    /// let m = snapshot_migration_by_position(&[Some("a"), Some("b")], &[Some("a"), Some("a")],
    ///     &SnapshotMigrationOptions::default())?;
    /// assert_eq!(m.changed(), 1);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn changed(&self) -> usize {
        self.from
            .iter()
            .zip(&self.to)
            .filter(|(f, t)| f != t)
            .count()
    }
}

/// No label (yet) for a customer in a snapshot.
const NONE: u32 = u32::MAX;

/// The label order of the labels seen (in first-seen order), with `absent` appended.
fn order_labels(seen: &[&str], absent: bool, order: &LabelOrder) -> Result<Vec<String>> {
    let mut labels: Vec<String> = match order {
        LabelOrder::Given(given) => {
            let mut sorted: Vec<&str> = given.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
                return Err(CrmkitError::invalid_config(
                    "labels",
                    w[0],
                    "labels must be distinct",
                ));
            }
            let mut missing: Vec<&str> = seen
                .iter()
                .copied()
                .filter(|l| *l != ABSENT && sorted.binary_search(l).is_err())
                .collect();
            if !missing.is_empty() {
                missing.sort_unstable();
                return Err(CrmkitError::invalid_config(
                    "labels",
                    missing,
                    "labels seen in the snapshots but missing from `labels`",
                ));
            }
            given.clone()
        }
        LabelOrder::Categories(categories) => {
            let mut out: Vec<String> = Vec::with_capacity(categories.len() + seen.len());
            let mut known: FxHashMap<&str, ()> = FxHashMap::default();
            for c in categories {
                if known.insert(c.as_str(), ()).is_none() {
                    out.push(c.clone());
                }
            }
            let mut rest: Vec<&str> = seen
                .iter()
                .copied()
                .filter(|l| !known.contains_key(l))
                .collect();
            rest.sort_unstable();
            out.extend(rest.into_iter().map(str::to_owned));
            out
        }
        LabelOrder::Auto => {
            let stages = LifecycleStage::ALL.map(LifecycleStage::as_str);
            let real: Vec<&str> = seen.iter().copied().filter(|l| *l != ABSENT).collect();
            if real.iter().all(|l| stages.contains(l)) {
                stages
                    .iter()
                    .filter(|s| real.contains(s))
                    .map(|s| (*s).to_owned())
                    .collect()
            } else {
                let mut sorted = real;
                sorted.sort_unstable();
                sorted.into_iter().map(str::to_owned).collect()
            }
        }
    };
    labels.retain(|l| l != ABSENT);
    if absent {
        labels.push(ABSENT.to_owned());
    }
    Ok(labels)
}

/// Migration between two snapshots of a label, matched by customer id.
///
/// `customers` groups the ids of both snapshots: the rows of `before` first, then the rows
/// of `after` (build it with [`CustomerIndex::from_strs`] / [`CustomerIndex::from_i64`] over the
/// two id columns one after the other). `before[r]` and `after[r]` are the labels of those rows
/// (`None` = null, an error). Labels are coded in the order of
/// [`SnapshotMigrationOptions::order`]; a customer found in one snapshot only moves from or to
/// [`ABSENT`]. The result does not depend on the order of the rows within a snapshot.
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::CustomerIndex;
/// use crmkit::lifecycle::{SnapshotMigrationOptions, snapshot_migration};
///
/// let before_ids = ["C1", "C2", "C3"];
/// let after_ids = ["C3", "C2", "C1"];
/// let index = CustomerIndex::from_strs("customer_id", 6, |r| {
///     if r < 3 { before_ids[r] } else { after_ids[r - 3] }
/// })?;
/// let before = [Some("high value"), Some("potential"), Some("potential")];
/// let after = [Some("churn risk"), Some("high value"), Some("high value")];
/// let options = SnapshotMigrationOptions { label: "tier".into(), ..Default::default() };
/// let m = snapshot_migration(&index, &before, &after, &options)?;
/// assert_eq!(m.labels, ["churn risk", "high value", "potential"]); // sorted
/// // high value -> high value: 1 (rate 1); potential -> churn risk: 1 and -> high value: 1 (0.5 each)
/// let flows: Vec<_> = m.flows.iter().map(|f| (f.from, f.to, f.count, f.rate)).collect();
/// assert_eq!(flows, [(1, 1, 1, 1.0), (2, 0, 1, 0.5), (2, 1, 1, 0.5)]);
/// assert_eq!(m.counts.as_ref().unwrap()[2], [1, 1, 0]);
/// assert_eq!(m.changed(), 2);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// - [`CrmkitError::LengthMismatch`] when `customers` does not hold one row per label of both
///   snapshots;
/// - [`CrmkitError::InvalidValue`] (field `before.customer_id` or `after.customer_id`, the row
///   within that snapshot, the value shown as "(customer id)") for a customer given twice in a
///   snapshot;
/// - [`CrmkitError::MissingValue`] (field `before.<label>` or `after.<label>`, the row) for a
///   null label;
/// - [`CrmkitError::InvalidConfig`] (field `labels`) for [`LabelOrder::Given`] labels that
///   repeat or miss a label seen, and for more than [`MAX_MATRIX_LABELS`] labels with
///   [`SnapshotMigrationOptions::matrices`].
pub fn snapshot_migration(
    customers: &CustomerIndex,
    before: &[Option<&str>],
    after: &[Option<&str>],
    options: &SnapshotMigrationOptions,
) -> Result<SnapshotMigration> {
    let codes = customers.codes();
    CrmkitError::check_len("customer_id", before.len() + after.len(), codes.len())?;
    let n = customers.n_customers();
    let (before_codes, after_codes) = codes.split_at(before.len());
    // Label strings -> local codes in first-seen order.
    let mut dictionary: FxHashMap<&str, u32> = FxHashMap::default();
    let mut seen: Vec<&str> = Vec::new();
    let mut from = vec![NONE; n];
    let mut to = vec![NONE; n];
    for (name, labels, part_codes, slots) in [
        ("before", before, before_codes, &mut from),
        ("after", after, after_codes, &mut to),
    ] {
        let mut last: Option<(&str, u32)> = None;
        for (row, (label, &c)) in labels.iter().zip(part_codes).enumerate() {
            let slot = &mut slots[c as usize];
            if *slot != NONE {
                return Err(CrmkitError::invalid_value(
                    format!("{name}.customer_id"),
                    row,
                    "(customer id)",
                    "duplicate id",
                ));
            }
            let Some(label) = *label else {
                return Err(CrmkitError::MissingValue {
                    field: format!("{name}.{}", options.label),
                    row,
                });
            };
            // Runs of one label are common (sorted or grouped snapshots): skip the hash.
            *slot = match last {
                Some((l, code)) if l == label => code,
                _ => {
                    let next = seen.len() as u32;
                    let code = *dictionary.entry(label).or_insert_with(|| {
                        seen.push(label);
                        next
                    });
                    last = Some((label, code));
                    code
                }
            };
        }
    }
    let absent = from.iter().chain(&to).any(|&c| c == NONE);
    let labels = order_labels(&seen, absent, &options.order)?;
    let k = labels.len();
    if options.matrices && k > MAX_MATRIX_LABELS {
        return Err(CrmkitError::invalid_config(
            "labels",
            k,
            format!(
                "at most {MAX_MATRIX_LABELS} labels for the `counts` and `rates` matrices; \
                 pass matrices=False for `flows` and `moves` only"
            ),
        ));
    }
    // Local code -> final index.
    let position: FxHashMap<&str, u32> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i as u32))
        .collect();
    let absent_code = position.get(ABSENT).copied().unwrap_or(NONE);
    let remap: Vec<u32> = seen
        .iter()
        .map(|l| position.get(l).copied().unwrap_or(absent_code))
        .collect();
    for c in from.iter_mut().chain(to.iter_mut()) {
        *c = if *c == NONE {
            absent_code
        } else {
            remap[*c as usize]
        };
    }
    let cells = count_pairs(&from, &to, k);
    let mut flows = Vec::with_capacity(cells.len());
    let mut start = 0;
    while start < cells.len() {
        let row = cells[start].0;
        let end = cells[start..]
            .iter()
            .position(|c| c.0 != row)
            .map_or(cells.len(), |p| start + p);
        let total: u64 = cells[start..end].iter().map(|c| c.2).sum();
        flows.extend(cells[start..end].iter().map(|&(f, t, count)| Flow {
            from: f,
            to: t,
            count,
            rate: count as f64 / total as f64,
        }));
        start = end;
    }
    let (counts, rates) = if options.matrices {
        let mut counts = vec![vec![0u64; k]; k];
        let mut rates = vec![vec![0.0f64; k]; k];
        for f in &flows {
            counts[f.from][f.to] = f.count;
            rates[f.from][f.to] = f.rate;
        }
        (Some(counts), Some(rates))
    } else {
        (None, None)
    };
    Ok(SnapshotMigration {
        labels,
        flows,
        counts,
        rates,
        customer_rows: customers.first_rows().to_vec(),
        from,
        to,
    })
}

/// The distinct (from, to) pairs with their counts, in row-major order: a dense table when
/// it is small, else a sort.
fn count_pairs(from: &[u32], to: &[u32], k: usize) -> Vec<(usize, usize, u64)> {
    if k.saturating_mul(k) <= 1 << 20 {
        let mut table = vec![0u64; k * k];
        for (&f, &t) in from.iter().zip(to) {
            table[f as usize * k + t as usize] += 1;
        }
        table
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, &c)| (i / k, i % k, c))
            .collect()
    } else {
        let mut pairs: Vec<u64> = from
            .iter()
            .zip(to)
            .map(|(&f, &t)| (u64::from(f) << 32) | u64::from(t))
            .collect();
        pairs.sort_unstable();
        let mut cells: Vec<(usize, usize, u64)> = Vec::new();
        for p in pairs {
            let (f, t) = ((p >> 32) as usize, (p & 0xffff_ffff) as usize);
            match cells.last_mut() {
                Some(last) if last.0 == f && last.1 == t => last.2 += 1,
                _ => cells.push((f, t, 1)),
            }
        }
        cells
    }
}

/// [`snapshot_migration`] for snapshots matched by position: row `r` of both is the same
/// customer (customers are the rows, `customer_rows` is `0..n`).
///
/// # Examples
///
/// ```
/// use crmkit::lifecycle::{SnapshotMigrationOptions, snapshot_migration_by_position};
/// let m = snapshot_migration_by_position(
///     &[Some("a"), Some("b"), Some("b")],
///     &[Some("b"), Some("b"), Some("a")],
///     &SnapshotMigrationOptions::default(),
/// )?;
/// assert_eq!(m.counts.unwrap()[1], [1, 1]); // b -> a: 1, b -> b: 1
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`] (field `after`) when the snapshots differ in length;
/// [`CrmkitError::EmptyInput`] when they are empty; otherwise as [`snapshot_migration`].
pub fn snapshot_migration_by_position(
    before: &[Option<&str>],
    after: &[Option<&str>],
    options: &SnapshotMigrationOptions,
) -> Result<SnapshotMigration> {
    CrmkitError::check_len("after", before.len(), after.len())?;
    let n = before.len();
    if n == 0 {
        return Err(CrmkitError::empty("before"));
    }
    let rows = u32::try_from(n).map_err(|_| {
        CrmkitError::invalid_config(
            "before",
            n,
            "at most 2^32 - 1 rows when matched by position",
        )
    })?;
    let codes: Vec<u32> = (0..rows).chain(0..rows).collect();
    let index = CustomerIndex::from_codes("customer_id", codes, n)?;
    snapshot_migration(&index, before, after, options)
}
