//! Per-stage metrics from two tables matched by customer id: one stage per customer, and a
//! table of per-customer metric columns.

use super::{GroupMetrics, LifecycleStage, MetricColumn, stage_metrics};
use crate::data::ids::CustomerIndex;
use crate::{CrmkitError, Result};

/// [`stage_metrics`] of customers whose metrics come in their own table, matched by id.
///
/// `customers` groups the ids of both tables: the rows of `stages` first, then the rows of
/// the metric table. `stages[r]` is the stage name of row `r` (`None` = null, an error); each
/// column of `metrics` has one value per metric row. A customer without a metric row has no
/// value for any metric; a metric row whose customer has no stage is not counted.
///
/// # Examples
///
/// ```
/// use crmkit::data::ids::CustomerIndex;
/// use crmkit::lifecycle::{LifecycleStage as S, MetricColumn, stage_metrics_by_id};
/// // Stages of customers 1, 2, 3; repurchase rates of customers 3 and 1.
/// let index = CustomerIndex::from_i64("customer_id", &[1, 2, 3, 3, 1])?;
/// let stages = [Some("onboarding"), Some("onboarding"), Some("expansion")];
/// let rate = [Some(1.0), Some(0.0)];
/// let m = stage_metrics_by_id(&index, "stage", &stages,
///     &[MetricColumn { name: "repurchase_rate", values: &rate }], false)?;
/// let onboarding = &m[1];
/// assert_eq!((onboarding.group, onboarding.customers), (S::Onboarding, 2));
/// assert_eq!((onboarding.metrics[0].n, onboarding.metrics[0].mean), (1, Some(0.0)));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
///
/// # Errors
///
/// - [`CrmkitError::LengthMismatch`] when `customers` does not hold one row per stage and per
///   metric row, or a column has another length;
/// - [`CrmkitError::MissingValue`] / [`CrmkitError::InvalidValue`] (field `stage_field`, the
///   row) for a null stage or one that is not a stage name;
/// - [`CrmkitError::InvalidValue`] (field `metrics.customer_id`, the row of the metric table,
///   the value shown as "(customer id)") for a customer with two metric rows;
/// - as [`stage_metrics`] for the values.
pub fn stage_metrics_by_id(
    customers: &CustomerIndex,
    stage_field: &str,
    stages: &[Option<&str>],
    metrics: &[MetricColumn<'_>],
    all_columns: bool,
) -> Result<Vec<GroupMetrics<LifecycleStage>>> {
    let codes = customers.codes();
    if codes.len() < stages.len() {
        return Err(CrmkitError::LengthMismatch {
            field: "customer_id".to_owned(),
            expected: stages.len(),
            found: codes.len(),
        });
    }
    let (stage_codes, metric_codes) = codes.split_at(stages.len());
    let metric_rows = metric_codes.len();
    let parsed = stages
        .iter()
        .enumerate()
        .map(|(row, s)| {
            let s = s.ok_or_else(|| CrmkitError::MissingValue {
                field: stage_field.to_owned(),
                row,
            })?;
            s.parse::<LifecycleStage>().map_err(|_| {
                CrmkitError::invalid_value(
                    stage_field,
                    row,
                    s,
                    format!(
                        "expected one of {}",
                        LifecycleStage::ALL.map(LifecycleStage::as_str).join(", ")
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    for column in metrics {
        CrmkitError::check_len(column.name, metric_rows, column.values.len())?;
    }
    // The metric row of each customer.
    let mut row_of = vec![usize::MAX; customers.n_customers()];
    for (row, &c) in metric_codes.iter().enumerate() {
        let slot = &mut row_of[c as usize];
        if *slot != usize::MAX {
            return Err(CrmkitError::invalid_value(
                "metrics.customer_id",
                row,
                "(customer id)",
                "duplicate id",
            ));
        }
        *slot = row;
    }
    let taken: Vec<Vec<Option<f64>>> = metrics
        .iter()
        .map(|column| {
            stage_codes
                .iter()
                .map(|&c| {
                    let r = row_of[c as usize];
                    if r == usize::MAX {
                        None
                    } else {
                        column.values[r]
                    }
                })
                .collect()
        })
        .collect();
    let columns: Vec<MetricColumn<'_>> = metrics
        .iter()
        .zip(&taken)
        .map(|(c, values)| MetricColumn {
            name: c.name,
            values,
        })
        .collect();
    stage_metrics(&parsed, &columns, all_columns)
}
