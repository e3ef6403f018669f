//! Two-by-two matrices: value × potential for customers and importance × urgency
//! for customer needs.
//!
//! Both matrices use the same rule at the split: a value **greater than or equal to** the split
//! point counts as high. With the median split this puts the middle customer of an odd-sized
//! population (and everyone tied with the median) on the high side.

use serde::{Deserialize, Serialize};

use crate::math::stats::median;
use crate::names::named_enum;
use crate::{CrmkitError, Result};

// ---------------------------------------------------------------------------------------------
// Median
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Value–potential matrix
// ---------------------------------------------------------------------------------------------

named_enum! {
    /// The quadrant of a customer in the value–potential matrix, named by its treatment.
    ///
    /// Serialised in lower case: `"deepen"`, `"maintain"`, `"develop"`, `"automate"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::value::quadrant::ValueQuadrant;
    /// assert_eq!(ValueQuadrant::from_levels(true, false), ValueQuadrant::Maintain);
    /// assert!(ValueQuadrant::Deepen.is_high_value() && ValueQuadrant::Deepen.is_high_potential());
    /// assert_eq!(ValueQuadrant::Automate.as_str(), "automate");
    /// assert_eq!("develop".parse::<ValueQuadrant>()?, ValueQuadrant::Develop);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum ValueQuadrant parsed as "quadrant" {
        /// High value, high potential: deepen the relationship — a dedicated account manager,
        /// co-creation (joint product development, advisory boards), priority service.
        Deepen,
        /// High value, low potential: maintain — keep service levels and satisfaction high, protect
        /// the revenue, avoid over-investing in growth that is not there.
        Maintain,
        /// Low value, high potential: develop — product education, case studies, tiered incentives
        /// to grow spend.
        Develop,
        /// Low value, low potential: automate — low-cost automated contact (e-mail / SMS journeys),
        /// small incentives to find the few with hidden promise.
        Automate,
    }
}

impl ValueQuadrant {
    /// All quadrants in their report order.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::value::quadrant::ValueQuadrant;
    /// assert_eq!(ValueQuadrant::ALL[0], ValueQuadrant::Deepen);
    /// ```
    pub const ALL: [ValueQuadrant; 4] = [
        ValueQuadrant::Deepen,
        ValueQuadrant::Maintain,
        ValueQuadrant::Develop,
        ValueQuadrant::Automate,
    ];

    /// The quadrant from the two levels.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::value::quadrant::ValueQuadrant;
    /// assert_eq!(ValueQuadrant::from_levels(false, true), ValueQuadrant::Develop);
    /// ```
    pub fn from_levels(high_value: bool, high_potential: bool) -> Self {
        match (high_value, high_potential) {
            (true, true) => Self::Deepen,
            (true, false) => Self::Maintain,
            (false, true) => Self::Develop,
            (false, false) => Self::Automate,
        }
    }

    /// Whether the quadrant is on the high-value side.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(crmkit::value::quadrant::ValueQuadrant::Maintain.is_high_value());
    /// ```
    pub fn is_high_value(self) -> bool {
        matches!(self, Self::Deepen | Self::Maintain)
    }

    /// Whether the quadrant is on the high-potential side.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(crmkit::value::quadrant::ValueQuadrant::Develop.is_high_potential());
    /// ```
    pub fn is_high_potential(self) -> bool {
        matches!(self, Self::Deepen | Self::Develop)
    }

    /// The stable lower-case name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::value::quadrant::ValueQuadrant::Develop.as_str(), "develop");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The recommended treatment, one sentence for reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::value::quadrant::ValueQuadrant;
    /// assert!(ValueQuadrant::Deepen.recommended_treatment().contains("dedicated"));
    /// ```
    pub fn recommended_treatment(self) -> &'static str {
        match self {
            Self::Deepen => "dedicated account manager, co-creation, priority service",
            Self::Maintain => "keep service levels and satisfaction high; protect the revenue",
            Self::Develop => "product education, case studies, tiered incentives",
            Self::Automate => "low-cost automated contact (e-mail / SMS), small incentives",
        }
    }
}

/// Where the value–potential matrix is split.
///
/// Serialised as `"median"` or `{"thresholds": {"value": 100.0, "potential": 0.3}}`.
///
/// # Examples
///
/// ```
/// use crmkit::value::quadrant::QuadrantSplit;
/// assert_eq!(QuadrantSplit::default(), QuadrantSplit::Median);
/// let t: QuadrantSplit = serde_json::from_str(r#"{"thresholds":{"value":100.0,"potential":0.3}}"#).unwrap();
/// assert_eq!(t, QuadrantSplit::Thresholds { value: 100.0, potential: 0.3 });
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum QuadrantSplit {
    /// Split each axis at its median over the population (the default).
    #[default]
    Median,
    /// Split at given points.
    Thresholds {
        /// Current value at or above which a customer is high value.
        value: f64,
        /// Potential at or above which a customer is high potential.
        potential: f64,
    },
}

/// Count and value of one quadrant.
///
/// # Examples
///
/// ```
/// use crmkit::value::quadrant::{value_potential_matrix, QuadrantSplit, ValueQuadrant};
/// let m = value_potential_matrix(&[10.0, 0.0], &[1.0, 1.0], QuadrantSplit::Median)?;
/// assert_eq!(m.summary[0].quadrant, ValueQuadrant::Deepen);
/// assert_eq!(m.summary[0].value_share, Some(1.0));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QuadrantSummary {
    /// The quadrant.
    pub quadrant: ValueQuadrant,
    /// Customers in it.
    pub customers: usize,
    /// `customers / n`.
    pub customer_share: f64,
    /// Sum of the current value of its customers.
    pub total_value: f64,
    /// `total_value / Σ value`; `None` when the population's total value is 0.
    pub value_share: Option<f64>,
}

/// The value–potential matrix of a population.
///
/// # Examples
///
/// ```
/// use crmkit::value::quadrant::{value_potential_matrix, QuadrantSplit, ValueQuadrant};
/// let m = value_potential_matrix(&[5.0, 1.0, 9.0, 3.0], &[0.1, 0.9, 0.8, 0.2], QuadrantSplit::Median)?;
/// assert_eq!((m.value_split, m.potential_split), (4.0, 0.5));
/// assert_eq!(m.quadrants, [ValueQuadrant::Maintain, ValueQuadrant::Develop, ValueQuadrant::Deepen, ValueQuadrant::Automate]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValuePotentialMatrix {
    /// The value split point used (the median, or the given threshold).
    pub value_split: f64,
    /// The potential split point used.
    pub potential_split: f64,
    /// Quadrant of each customer, in input order.
    pub quadrants: Vec<ValueQuadrant>,
    /// One row per quadrant, in order deepen, maintain, develop, automate (empty quadrants
    /// included).
    pub summary: Vec<QuadrantSummary>,
}

/// Places customers in the value–potential matrix.
///
/// `value` is the current value (e.g. ARPU or monetary, ≥ 0), `potential` any finite measure
/// of growth room (repurchase rate, up-sell room, predicted minus historical CLV — may be
/// negative). A customer is high value when value ≥ value split, high potential when
/// potential ≥ potential split.
///
/// # Formula
///
/// Median split: the median of each column (mean of the two middle values for even n).
/// value share of a quadrant = Σ value in the quadrant / Σ value.
///
/// # Errors
///
/// [`CrmkitError::EmptyInput`] for no customers; [`CrmkitError::LengthMismatch`] (field
/// `potential`); [`CrmkitError::InvalidValue`] for a NaN / infinite value or potential, or a
/// negative value; [`CrmkitError::InvalidConfig`] for a non-finite threshold.
///
/// # Examples
///
/// ```
/// use crmkit::value::quadrant::{value_potential_matrix, QuadrantSplit, ValueQuadrant};
/// let split = QuadrantSplit::Thresholds { value: 100.0, potential: 0.5 };
/// let m = value_potential_matrix(&[100.0, 50.0], &[0.2, 0.5], split)?;
/// assert_eq!(m.quadrants, [ValueQuadrant::Maintain, ValueQuadrant::Develop]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn value_potential_matrix(
    value: &[f64],
    potential: &[f64],
    split: QuadrantSplit,
) -> Result<ValuePotentialMatrix> {
    let n = value.len();
    if n == 0 {
        return Err(CrmkitError::empty("value"));
    }
    CrmkitError::check_len("potential", n, potential.len())?;
    crate::error::check_finite("value", value)?;
    if let Some(row) = value.iter().position(|&v| v < 0.0) {
        return Err(CrmkitError::invalid_value(
            "value",
            row,
            value[row],
            "current value must be >= 0",
        ));
    }
    crate::error::check_finite("potential", potential)?;
    let (value_split, potential_split) = match split {
        QuadrantSplit::Median => (median("value", value)?, median("potential", potential)?),
        QuadrantSplit::Thresholds {
            value: v,
            potential: p,
        } => {
            for (field, t) in [("value_threshold", v), ("potential_threshold", p)] {
                if !t.is_finite() {
                    return Err(CrmkitError::invalid_config(
                        field,
                        t,
                        "a threshold must be finite",
                    ));
                }
            }
            (v, p)
        }
    };
    let quadrants: Vec<ValueQuadrant> = value
        .iter()
        .zip(potential)
        .map(|(&v, &p)| ValueQuadrant::from_levels(v >= value_split, p >= potential_split))
        .collect();
    let grand_total: f64 = value.iter().sum();
    // Shares from values divided by the largest when the grand total overflows f64 (shares
    // are scale invariant), so they stay exact and finite.
    let scale = if grand_total.is_finite() {
        1.0
    } else {
        value.iter().fold(0.0_f64, |a, &b| a.max(b))
    };
    let grand_scaled: f64 = value.iter().map(|v| v / scale).sum();
    let mut summary = Vec::with_capacity(4);
    for &q in &ValueQuadrant::ALL {
        let (customers, total_value, scaled) = quadrants
            .iter()
            .zip(value)
            .filter(|(qq, _)| **qq == q)
            .fold((0_usize, 0.0_f64, 0.0_f64), |(c, s, t), (_, &v)| {
                (c + 1, s + v, t + v / scale)
            });
        if !total_value.is_finite() {
            return Err(CrmkitError::Numerical {
                context: format!("value_potential_matrix, quadrant {q:?}"),
                reason: "the total value of the quadrant overflows f64".to_owned(),
            });
        }
        summary.push(QuadrantSummary {
            quadrant: q,
            customers,
            customer_share: customers as f64 / n as f64,
            total_value,
            value_share: (grand_scaled > 0.0).then(|| scaled / grand_scaled),
        });
    }
    Ok(ValuePotentialMatrix {
        value_split,
        potential_split,
        quadrants,
        summary,
    })
}

// ---------------------------------------------------------------------------------------------
// Importance–urgency matrix
// ---------------------------------------------------------------------------------------------

named_enum! {
    /// The quadrant of a need in the importance–urgency matrix.
    ///
    /// Ordered do now < schedule < delegate < defer, the order of a work list. Serialised as
    /// `"do_now"`, `"schedule"`, `"delegate"`, `"defer"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::value::quadrant::NeedQuadrant;
    /// assert_eq!(NeedQuadrant::from_flags(true, true), NeedQuadrant::DoNow);
    /// assert_eq!(NeedQuadrant::from_flags(false, true), NeedQuadrant::Delegate);
    /// assert!(NeedQuadrant::DoNow < NeedQuadrant::Defer);
    /// ```
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum NeedQuadrant {
        /// Important and urgent.
        DoNow,
        /// Important, not urgent.
        Schedule,
        /// Urgent, not important.
        Delegate,
        /// Neither.
        Defer,
    }
}

impl NeedQuadrant {
    /// All quadrants in work-list order.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::value::quadrant::NeedQuadrant;
    /// assert_eq!(NeedQuadrant::ALL[3], NeedQuadrant::Defer);
    /// ```
    pub const ALL: [NeedQuadrant; 4] = [
        NeedQuadrant::DoNow,
        NeedQuadrant::Schedule,
        NeedQuadrant::Delegate,
        NeedQuadrant::Defer,
    ];

    /// The quadrant from yes/no importance and urgency.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::value::quadrant::NeedQuadrant;
    /// assert_eq!(NeedQuadrant::from_flags(true, false), NeedQuadrant::Schedule);
    /// ```
    pub fn from_flags(important: bool, urgent: bool) -> Self {
        match (important, urgent) {
            (true, true) => Self::DoNow,
            (true, false) => Self::Schedule,
            (false, true) => Self::Delegate,
            (false, false) => Self::Defer,
        }
    }

    /// The quadrant from scores: important when importance ≥ its threshold, urgent when
    /// urgency ≥ its threshold. NaN scores are neither (validate first; the batch functions
    /// reject them).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::value::quadrant::{NeedQuadrant, PriorityThresholds};
    /// let t = PriorityThresholds { importance: 3.0, urgency: 3.0 };
    /// assert_eq!(NeedQuadrant::from_scores(4.0, 2.0, &t), NeedQuadrant::Schedule);
    /// ```
    pub fn from_scores(importance: f64, urgency: f64, thresholds: &PriorityThresholds) -> Self {
        Self::from_flags(
            importance >= thresholds.importance,
            urgency >= thresholds.urgency,
        )
    }

    /// The stable snake-case name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::value::quadrant::NeedQuadrant::DoNow.as_str(), "do_now");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Score thresholds of the importance–urgency matrix (a score ≥ its threshold is high).
///
/// The default, 0.5 and 0.5, suits scores on a 0–1 scale; for 1–5 ratings use e.g. 4 and 4.
///
/// # Examples
///
/// ```
/// use crmkit::value::quadrant::PriorityThresholds;
/// let t = PriorityThresholds::default();
/// assert_eq!((t.importance, t.urgency), (0.5, 0.5));
/// assert!(PriorityThresholds { importance: f64::NAN, urgency: 1.0 }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityThresholds {
    /// Importance at or above which a need is important.
    pub importance: f64,
    /// Urgency at or above which a need is urgent.
    pub urgency: f64,
}

impl Default for PriorityThresholds {
    fn default() -> Self {
        Self {
            importance: 0.5,
            urgency: 0.5,
        }
    }
}

impl PriorityThresholds {
    /// Checks that both thresholds are finite.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming `importance_threshold` or `urgency_threshold`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::value::quadrant::PriorityThresholds;
    /// assert!(PriorityThresholds { importance: 4.0, urgency: 3.0 }.validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<()> {
        for (field, t) in [
            ("importance_threshold", self.importance),
            ("urgency_threshold", self.urgency),
        ] {
            if !t.is_finite() {
                return Err(CrmkitError::invalid_config(
                    field,
                    t,
                    "a threshold must be finite",
                ));
            }
        }
        Ok(())
    }
}

/// One entry of a work list.
///
/// # Examples
///
/// ```
/// use crmkit::value::quadrant::{prioritise_needs_by_flags, NeedQuadrant};
/// let list = prioritise_needs_by_flags(&[false, true], &[false, true])?;
/// assert_eq!((list[0].row, list[0].quadrant), (1, NeedQuadrant::DoNow));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NeedPriority {
    /// Row of the need in the input.
    pub row: usize,
    /// Its quadrant.
    pub quadrant: NeedQuadrant,
    /// Its priority score (importance + urgency) when scores were given, else `None`.
    pub score: Option<f64>,
}

/// Quadrants of needs from yes/no flags, as a sorted work list.
///
/// Sorted by quadrant (do now, schedule, delegate, defer), then by input row.
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`] (field `urgent`) when the slices differ in length.
/// Empty input gives an empty list.
///
/// # Examples
///
/// ```
/// use crmkit::value::quadrant::{prioritise_needs_by_flags, NeedQuadrant};
/// let list = prioritise_needs_by_flags(&[false, true, true], &[true, false, true])?;
/// let rows: Vec<usize> = list.iter().map(|p| p.row).collect();
/// assert_eq!(rows, [2, 1, 0]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn prioritise_needs_by_flags(important: &[bool], urgent: &[bool]) -> Result<Vec<NeedPriority>> {
    CrmkitError::check_len("urgent", important.len(), urgent.len())?;
    let mut list: Vec<NeedPriority> = important
        .iter()
        .zip(urgent)
        .enumerate()
        .map(|(row, (&i, &u))| NeedPriority {
            row,
            quadrant: NeedQuadrant::from_flags(i, u),
            score: None,
        })
        .collect();
    // Stable sort keeps input order inside a quadrant.
    list.sort_by_key(|p| p.quadrant);
    Ok(list)
}

/// Quadrants of needs from importance and urgency scores, as a sorted work list.
///
/// # Formula
///
/// important ⇔ importance ≥ threshold; urgent ⇔ urgency ≥ threshold; score = importance +
/// urgency (put both on the same scale). Sorted by quadrant (do now, schedule, delegate,
/// defer), then score descending, then input row.
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`] (field `urgency`); [`CrmkitError::InvalidValue`] naming
/// `importance` or `urgency` and the row of a NaN or infinite score;
/// [`CrmkitError::InvalidConfig`] for a non-finite threshold. Empty input gives an empty list.
///
/// # Examples
///
/// ```
/// use crmkit::value::quadrant::{prioritise_needs_by_scores, NeedQuadrant, PriorityThresholds};
/// let t = PriorityThresholds { importance: 3.0, urgency: 3.0 };
/// let list = prioritise_needs_by_scores(&[5.0, 3.0, 1.0, 4.0], &[3.0, 5.0, 5.0, 1.0], &t)?;
/// let rows: Vec<usize> = list.iter().map(|p| p.row).collect();
/// // do now: rows 0 and 1 (both score 8: input order); schedule: 3; delegate: 2
/// assert_eq!(rows, [0, 1, 3, 2]);
/// assert_eq!(list[2].quadrant, NeedQuadrant::Schedule);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn prioritise_needs_by_scores(
    importance: &[f64],
    urgency: &[f64],
    thresholds: &PriorityThresholds,
) -> Result<Vec<NeedPriority>> {
    CrmkitError::check_len("urgency", importance.len(), urgency.len())?;
    thresholds.validate()?;
    crate::error::check_finite("importance", importance)?;
    crate::error::check_finite("urgency", urgency)?;
    let mut list: Vec<NeedPriority> = importance
        .iter()
        .zip(urgency)
        .enumerate()
        .map(|(row, (&i, &u))| NeedPriority {
            row,
            quadrant: NeedQuadrant::from_scores(i, u, thresholds),
            score: Some(i + u),
        })
        .collect();
    list.sort_by(|a, b| {
        a.quadrant.cmp(&b.quadrant).then_with(|| {
            let (sa, sb) = (a.score.unwrap_or(0.0), b.score.unwrap_or(0.0));
            sb.total_cmp(&sa)
        })
    });
    Ok(list)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shares_of_totals_beyond_f64_max_are_finite() {
        // Issue 12: totals of 1.7e308 gave inf / NaN shares.
        let split = QuadrantSplit::Thresholds {
            value: 1.0,
            potential: 0.5,
        };
        let m = value_potential_matrix(&[1.7e308, 1.7e308], &[0.9, 0.1], split).unwrap();
        let shares: Vec<f64> = m.summary.iter().filter_map(|s| s.value_share).collect();
        assert!(shares.iter().all(|s| s.is_finite()), "{shares:?}");
        assert!(shares.contains(&0.5), "{shares:?}");
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // One quadrant's own total overflows: an error, not inf.
        let err = value_potential_matrix(&[1.7e308, 1.7e308], &[0.9, 0.9], split).unwrap_err();
        assert!(matches!(err, CrmkitError::Numerical { .. }));
    }

    #[test]
    fn median_cases() {
        assert_eq!(median("x", &[1.0]).unwrap(), 1.0);
        assert_eq!(median("x", &[2.0, 1.0]).unwrap(), 1.5);
        assert_eq!(median("x", &[5.0, 1.0, 1.0, 9.0, 3.0]).unwrap(), 3.0);
        assert_eq!(median("x", &[f64::MAX, f64::MAX]).unwrap(), f64::MAX);
        let err = median("x", &[1.0, f64::NAN]).unwrap_err();
        assert!(matches!(&err, CrmkitError::InvalidValue { field, row: 1, .. } if field == "x"));
    }

    #[test]
    fn value_matrix_hand_computed() {
        // value median of [10, 20, 30, 40, 50, 60] = 35; potential median of
        // [0.9, 0.1, 0.5, 0.8, 0.2, 0.5] = 0.5 (the two middle values are both 0.5).
        let value = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0];
        let potential = [0.9, 0.1, 0.5, 0.8, 0.2, 0.5];
        let m = value_potential_matrix(&value, &potential, QuadrantSplit::Median).unwrap();
        assert_eq!((m.value_split, m.potential_split), (35.0, 0.5));
        use ValueQuadrant::*;
        assert_eq!(
            m.quadrants,
            [Develop, Automate, Develop, Deepen, Maintain, Deepen]
        );
        let total = 210.0;
        let expect = [
            (Deepen, 2, 100.0),
            (Maintain, 1, 50.0),
            (Develop, 2, 40.0),
            (Automate, 1, 20.0),
        ];
        for (row, (q, c, v)) in m.summary.iter().zip(expect) {
            assert_eq!((row.quadrant, row.customers, row.total_value), (q, c, v));
            assert!((row.customer_share - c as f64 / 6.0).abs() < 1e-12);
            assert!((row.value_share.unwrap() - v / total).abs() < 1e-12);
        }
        // Ties at the split go high: every customer equal → all deepen.
        let m = value_potential_matrix(&[5.0; 3], &[1.0; 3], QuadrantSplit::Median).unwrap();
        assert!(m.quadrants.iter().all(|q| *q == Deepen));
        // All-zero value → no value share.
        let m = value_potential_matrix(&[0.0; 2], &[1.0, 2.0], QuadrantSplit::Median).unwrap();
        assert!(m.summary.iter().all(|s| s.value_share.is_none()));
    }

    #[test]
    fn value_matrix_errors() {
        assert!(matches!(
            value_potential_matrix(&[], &[], QuadrantSplit::Median),
            Err(CrmkitError::EmptyInput { .. })
        ));
        assert!(matches!(
            value_potential_matrix(&[1.0], &[1.0, 2.0], QuadrantSplit::Median),
            Err(CrmkitError::LengthMismatch { .. })
        ));
        let err =
            value_potential_matrix(&[1.0, -2.0], &[1.0, 2.0], QuadrantSplit::Median).unwrap_err();
        assert!(
            matches!(&err, CrmkitError::InvalidValue { field, row: 1, value, .. } if field == "value" && value == "-2")
        );
        let err = value_potential_matrix(&[1.0, 2.0], &[f64::INFINITY, 2.0], QuadrantSplit::Median)
            .unwrap_err();
        assert_eq!((err.field(), err.row()), (Some("potential"), Some(0)));
        let err = value_potential_matrix(
            &[1.0],
            &[1.0],
            QuadrantSplit::Thresholds {
                value: 1.0,
                potential: f64::NAN,
            },
        )
        .unwrap_err();
        assert_eq!(err.field(), Some("potential_threshold"));
        assert!(
            serde_json::from_str::<QuadrantSplit>(
                r#"{"thresholds":{"value":1.0,"potential":0.3,"x":2}}"#
            )
            .is_err()
        );
    }

    #[test]
    fn need_work_list_and_errors() {
        let t = PriorityThresholds::default();
        let imp = [0.2, 0.9, 0.6, 0.9, 0.1, 0.7];
        let urg = [0.9, 0.9, 0.8, 0.1, 0.1, 0.3];
        let list = prioritise_needs_by_scores(&imp, &urg, &t).unwrap();
        let got: Vec<(usize, NeedQuadrant)> = list.iter().map(|p| (p.row, p.quadrant)).collect();
        use NeedQuadrant::*;
        assert_eq!(
            got,
            [
                (1, DoNow),
                (2, DoNow),
                (3, Schedule),
                (5, Schedule),
                (0, Delegate),
                (4, Defer)
            ]
        );
        assert!(matches!(
            prioritise_needs_by_scores(&[0.1], &[0.1, 0.2], &t),
            Err(CrmkitError::LengthMismatch { .. })
        ));
        let err = prioritise_needs_by_scores(&[0.1, f64::NAN], &[0.1, 0.2], &t).unwrap_err();
        assert_eq!((err.field(), err.row()), (Some("importance"), Some(1)));
        let err = prioritise_needs_by_scores(&[0.1], &[f64::NAN], &t).unwrap_err();
        assert_eq!(err.field(), Some("urgency"));
        let bad = PriorityThresholds {
            importance: 0.5,
            urgency: f64::INFINITY,
        };
        assert_eq!(
            prioritise_needs_by_scores(&[0.1], &[0.1], &bad)
                .unwrap_err()
                .field(),
            Some("urgency_threshold")
        );
        assert!(prioritise_needs_by_flags(&[true], &[]).is_err());
        assert!(prioritise_needs_by_flags(&[], &[]).unwrap().is_empty());
        assert_eq!(serde_json::to_string(&DoNow).unwrap(), "\"do_now\"");
    }

    proptest! {
        #[test]
        fn work_list_is_sorted_permutation(
            rows in proptest::collection::vec((0.0_f64..1.0, 0.0_f64..1.0), 0..60)
        ) {
            let (imp, urg): (Vec<f64>, Vec<f64>) = rows.iter().copied().unzip();
            let list = prioritise_needs_by_scores(&imp, &urg, &PriorityThresholds::default()).unwrap();
            let mut seen: Vec<usize> = list.iter().map(|p| p.row).collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..rows.len()).collect::<Vec<_>>());
            for w in list.windows(2) {
                let (a, b) = (&w[0], &w[1]);
                prop_assert!(a.quadrant <= b.quadrant);
                if a.quadrant == b.quadrant {
                    let (sa, sb) = (a.score.unwrap(), b.score.unwrap());
                    prop_assert!(sa > sb || (sa == sb && a.row < b.row));
                }
            }
        }

        #[test]
        fn median_split_halves_population(
            pairs in proptest::collection::vec((0.0_f64..1e6, -1.0_f64..1.0), 1..80)
        ) {
            let (value, potential): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
            let m = value_potential_matrix(&value, &potential, QuadrantSplit::Median).unwrap();
            let n = value.len();
            let high_value = m.quadrants.iter().filter(|q| q.is_high_value()).count();
            // At least half are at or above the median.
            prop_assert!(2 * high_value >= n);
            let counted: usize = m.summary.iter().map(|s| s.customers).sum();
            prop_assert_eq!(counted, n);
            let share: f64 = m.summary.iter().filter_map(|s| s.value_share).sum();
            let total: f64 = value.iter().sum();
            if total > 0.0 { prop_assert!((share - 1.0).abs() < 1e-9); }
            // Permutation invariance: reversing the input reverses the quadrants.
            let rv: Vec<f64> = value.iter().rev().copied().collect();
            let rp: Vec<f64> = potential.iter().rev().copied().collect();
            let r = value_potential_matrix(&rv, &rp, QuadrantSplit::Median).unwrap();
            let mut back = r.quadrants.clone();
            back.reverse();
            prop_assert_eq!(back, m.quadrants);
        }
    }
}
