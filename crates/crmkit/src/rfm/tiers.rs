//! Tier readings, the tier summary table and the diagnostics that say when tiers or segments
//! do not tell much.
//!
//! - [`LayeredThresholds`]: the layered four-tier reading of a score — high value / potential /
//!   general / churn risk — the three-tier thresholds with one more cut below potential;
//! - [`group_summary`]: per tier (or segment) the customers and their share, the revenue share
//!   and the mean R, F and M — the table handed to the business;
//! - [`RfmDiagnostics`]: one tier holding more than [`DOMINANT_TIER_SHARE`] of the customers,
//!   segments that no realised score combination reaches, segments that hold nobody.

use serde::{Deserialize, Serialize};

use crate::math::weights::validate_increasing;
use crate::rfm::score::QuantileBins;
use crate::rfm::segments::SegmentRules;
use crate::{CrmkitError, Result};

/// Names of the layered tiers by code: 0 churn risk, 1 general, 2 potential, 3 high value.
pub const LAYERED_TIER_NAMES: [&str; 4] = ["churn risk", "general", "potential", "high value"];

/// Names of the three score tiers by code (as [`crate::rfm::score::Tier::ALL`]).
pub const TIER_NAMES: [&str; 3] = ["churn risk", "potential", "high value"];

/// A tier holding more than this share of the customers is reported by [`RfmDiagnostics`].
pub const DOMINANT_TIER_SHARE: f64 = 0.9;

/// Score cuts of the layered four-tier reading: `≥ high_value` high value, `≥ potential`
/// potential, `≥ general` general, else churn risk.
///
/// The default cuts are 0.3, 0.5 and 0.8: the three-tier thresholds (0.5, 0.8) with "general"
/// as the band [0.3, 0.5) that the three-tier reading calls churn risk. With the
/// percentile-rank score, 0.3 is roughly "behind about three quarters of the customers on the
/// weighted dimensions"; below it a customer is behind on all three.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::tiers::LayeredThresholds;
/// let t = LayeredThresholds::default();
/// assert_eq!(t.codes(&[0.1, 0.3, 0.6, 0.8]), vec![0, 1, 2, 3]);
/// assert!(LayeredThresholds::new(0.5, 0.5, 0.8).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "[f64; 3]", into = "[f64; 3]")]
pub struct LayeredThresholds {
    general: f64,
    potential: f64,
    high_value: f64,
}

impl LayeredThresholds {
    /// Validated cuts: finite and strictly increasing.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming `thresholds` otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(crmkit::rfm::tiers::LayeredThresholds::new(0.2, 0.5, 0.8).is_ok());
    /// ```
    pub fn new(general: f64, potential: f64, high_value: f64) -> Result<Self> {
        validate_increasing("thresholds", &[general, potential, high_value])?;
        Ok(Self {
            general,
            potential,
            high_value,
        })
    }

    /// The tier codes of scores (index into [`LAYERED_TIER_NAMES`]).
    ///
    /// # Examples
    ///
    /// See [`LayeredThresholds`].
    pub fn codes(&self, scores: &[f64]) -> Vec<u8> {
        scores
            .iter()
            .map(|&s| {
                u8::from(s >= self.general)
                    + u8::from(s >= self.potential)
                    + u8::from(s >= self.high_value)
            })
            .collect()
    }
}

impl Default for LayeredThresholds {
    /// 0.3, 0.5 and 0.8.
    fn default() -> Self {
        Self {
            general: 0.3,
            potential: 0.5,
            high_value: 0.8,
        }
    }
}

impl TryFrom<[f64; 3]> for LayeredThresholds {
    type Error = CrmkitError;
    fn try_from(t: [f64; 3]) -> Result<Self> {
        Self::new(t[0], t[1], t[2])
    }
}

impl From<LayeredThresholds> for [f64; 3] {
    fn from(t: LayeredThresholds) -> Self {
        [t.general, t.potential, t.high_value]
    }
}

/// One row of the tier summary table.
///
/// # Examples
///
/// See [`group_summary`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    /// Customers in the group.
    pub customers: u64,
    /// Their share of all customers.
    pub share: f64,
    /// The group's monetary total over the total of all customers (0 when that total is 0).
    pub revenue_share: f64,
    /// Mean `days_since_last` (NaN for an empty group).
    pub mean_days_since_last: f64,
    /// Mean `frequency` (NaN for an empty group).
    pub mean_frequency: f64,
    /// Mean `monetary` (NaN for an empty group).
    pub mean_monetary: f64,
}

/// The tier (or segment) summary table: for each group code `0..groups`, the customers and
/// their share, the revenue share and the mean R, F and M.
///
/// # Formula
///
/// share = n_g / n; revenue share = Σ_g M / Σ M (0 when Σ M = 0); means are plain averages
/// over the group (NaN for a group without customers, so the table keeps every tier).
///
/// # Errors
///
/// [`CrmkitError::EmptyInput`] for no customers; [`CrmkitError::LengthMismatch`];
/// [`CrmkitError::InvalidValue`] naming `group` and the row of a code `>= groups`, or the
/// field and row of a NaN or infinite R, F or M.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::tiers::group_summary;
/// let rows = group_summary(&[0, 1, 1], 3, &[90.0, 5.0, 15.0], &[1.0, 4.0, 2.0], &[10.0, 60.0, 30.0])?;
/// assert_eq!(rows[1].customers, 2);
/// assert!((rows[1].revenue_share - 0.9).abs() < 1e-15);
/// assert_eq!(rows[1].mean_days_since_last, 10.0);
/// assert_eq!(rows[2].customers, 0);
/// assert!(rows[2].mean_monetary.is_nan());
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn group_summary(
    codes: &[u32],
    groups: usize,
    days_since_last: &[f64],
    frequency: &[f64],
    monetary: &[f64],
) -> Result<Vec<GroupSummary>> {
    let n = codes.len();
    if n == 0 {
        return Err(CrmkitError::empty("group"));
    }
    CrmkitError::check_len("days_since_last", n, days_since_last.len())?;
    CrmkitError::check_len("frequency", n, frequency.len())?;
    CrmkitError::check_len("monetary", n, monetary.len())?;
    crate::error::check_finite("days_since_last", days_since_last)?;
    crate::error::check_finite("frequency", frequency)?;
    crate::error::check_finite("monetary", monetary)?;
    let mut sums = vec![(0u64, 0.0f64, 0.0f64, 0.0f64); groups];
    for (row, &code) in codes.iter().enumerate() {
        let Some(s) = sums.get_mut(code as usize) else {
            return Err(CrmkitError::invalid_value(
                "group",
                row,
                code,
                format!("group codes run from 0 to {}", groups.saturating_sub(1)),
            ));
        };
        s.0 += 1;
        s.1 += days_since_last[row];
        s.2 += frequency[row];
        s.3 += monetary[row];
    }
    let total: f64 = sums.iter().map(|s| s.3).sum();
    Ok(sums
        .into_iter()
        .map(|(count, r, f, m)| {
            let c = count as f64;
            let mean = |x: f64| if count == 0 { f64::NAN } else { x / c };
            GroupSummary {
                customers: count,
                share: c / n as f64,
                revenue_share: if total == 0.0 { 0.0 } else { m / total },
                mean_days_since_last: mean(r),
                mean_frequency: mean(f),
                mean_monetary: mean(m),
            }
        })
        .collect())
}

/// What the tiers and segments of one scoring run tell and what they hide.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::score::{Direction, QuantileBins};
/// use crmkit::rfm::segments::SegmentRules;
/// use crmkit::rfm::tiers::{RfmDiagnostics, TIER_NAMES};
///
/// // Ten customers; six bought once, so frequency scores 2 and 3 hold nobody.
/// let f = [1, 1, 1, 1, 1, 1, 2, 3, 5, 8];
/// let r = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
/// let (rb, rs) = QuantileBins::fit_apply("days_since_last", &r, 5, Direction::LowerIsBetter)?;
/// let (fb, fs) = QuantileBins::fit_apply("frequency", &f, 5, Direction::HigherIsBetter)?;
/// let (mb, ms) = QuantileBins::fit_apply("monetary", &r, 5, Direction::HigherIsBetter)?;
/// let rules = SegmentRules::rf_grid();
/// let segments = rules.assign_all(&rs, &fs, &ms)?;
/// let tiers = [0u8; 10]; // everybody in tier 0
/// let d = RfmDiagnostics::new(&TIER_NAMES, &tiers, &rules, &segments, [&rb, &fb, &mb])?;
/// assert_eq!(d.dominant_tier.as_deref(), Some("churn risk"));
/// assert!(d.unreachable_segments.contains(&"need attention".to_owned())); // needs F = 3
/// assert_eq!(d.warnings().len(), 3);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RfmDiagnostics {
    /// Tier names by code.
    pub tier_names: Vec<String>,
    /// Customers per tier, by code.
    pub tier_counts: Vec<u64>,
    /// The tier holding more than [`DOMINANT_TIER_SHARE`] of the customers, if any.
    pub dominant_tier: Option<String>,
    /// The largest tier's share of the customers.
    pub largest_tier_share: f64,
    /// Segment names by code.
    pub segment_names: Vec<String>,
    /// Customers per segment, by code.
    pub segment_counts: Vec<u64>,
    /// Segments that no combination of the realised quantile scores reaches (ties left some
    /// scores empty, or earlier rules take every reachable cell): they hold nobody now and
    /// cannot hold anybody scored against the same fit.
    pub unreachable_segments: Vec<String>,
    /// Reachable segments that hold nobody in this population.
    pub empty_segments: Vec<String>,
}

impl RfmDiagnostics {
    /// The diagnostics of tier codes (index into `tier_names`) and segment codes (index into
    /// `rules.names()`), with the quantile bins (R, F, M) the segment scores came from.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`] for no customers; [`CrmkitError::LengthMismatch`];
    /// [`CrmkitError::InvalidValue`] naming `tier` or `segment` and the row of a code out of
    /// range; [`CrmkitError::InvalidConfig`] naming `segments` when the rules' k differs from
    /// the bins'.
    ///
    /// # Examples
    ///
    /// See [`RfmDiagnostics`].
    pub fn new(
        tier_names: &[&str],
        tier_codes: &[u8],
        rules: &SegmentRules,
        segment_codes: &[u16],
        bins: [&QuantileBins; 3],
    ) -> Result<Self> {
        let n = tier_codes.len();
        if n == 0 {
            return Err(CrmkitError::empty("tier"));
        }
        CrmkitError::check_len("segment", n, segment_codes.len())?;
        if bins.iter().any(|b| b.k() != rules.k()) {
            return Err(CrmkitError::invalid_config(
                "segments",
                rules.k(),
                "the rules' k must equal the number of quantile scores",
            ));
        }
        let mut tier_counts = vec![0u64; tier_names.len()];
        for (row, &code) in tier_codes.iter().enumerate() {
            match tier_counts.get_mut(usize::from(code)) {
                Some(c) => *c += 1,
                None => {
                    return Err(CrmkitError::invalid_value(
                        "tier",
                        row,
                        code,
                        "not a tier code",
                    ));
                }
            }
        }
        let names = rules.names();
        let mut segment_counts = vec![0u64; names.len()];
        for (row, &code) in segment_codes.iter().enumerate() {
            match segment_counts.get_mut(usize::from(code)) {
                Some(c) => *c += 1,
                None => {
                    return Err(CrmkitError::invalid_value(
                        "segment",
                        row,
                        code,
                        "not a segment code",
                    ));
                }
            }
        }
        // Every combination of scores that some fitted customer reached on its own dimension.
        let realised = |b: &QuantileBins| -> Vec<u8> {
            (1..=b.k())
                .filter(|&s| b.counts()[usize::from(s - 1)] > 0)
                .collect()
        };
        let (rr, fr, mr) = (realised(bins[0]), realised(bins[1]), realised(bins[2]));
        let mut reachable = vec![false; names.len()];
        for &r in &rr {
            for &f in &fr {
                for &m in &mr {
                    if let Some(code) = rules.assign(r, f, m) {
                        reachable[usize::from(code)] = true;
                    }
                }
            }
        }
        let (largest, largest_count) = tier_counts
            .iter()
            .enumerate()
            .max_by_key(|&(_, &c)| c)
            .map_or((0, 0), |(i, &c)| (i, c));
        let largest_tier_share = largest_count as f64 / n as f64;
        let pick = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
            (0..names.len())
                .filter(|&i| keep(i))
                .map(|i| names[i].clone())
                .collect()
        };
        Ok(Self {
            tier_names: tier_names.iter().map(|s| (*s).to_owned()).collect(),
            dominant_tier: (largest_tier_share > DOMINANT_TIER_SHARE)
                .then(|| tier_names[largest].to_owned()),
            largest_tier_share,
            tier_counts,
            unreachable_segments: pick(&|i| !reachable[i]),
            empty_segments: pick(&|i| reachable[i] && segment_counts[i] == 0),
            segment_names: names.to_vec(),
            segment_counts,
        })
    }

    /// One sentence per finding, for logs and warnings (no customer data in them).
    ///
    /// # Examples
    ///
    /// See [`RfmDiagnostics`].
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(tier) = &self.dominant_tier {
            out.push(format!(
                "tier '{tier}' holds {:.1} % of customers (more than {:.0} %): the tiers do not separate this population; \
                 the percentile-rank score (normalization='percentile_rank') or other thresholds spread them",
                100.0 * self.largest_tier_share,
                100.0 * DOMINANT_TIER_SHARE
            ));
        }
        let list = |v: &[String]| {
            v.iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.unreachable_segments.is_empty() {
            let one = self.unreachable_segments.len() == 1;
            out.push(format!(
                "{} {} cannot be reached: no combination of the realised quantile scores falls in {} \
                 (ties leave some scores empty, or earlier rules take {} cells)",
                if one { "segment" } else { "segments" },
                list(&self.unreachable_segments),
                if one { "it" } else { "them" },
                if one { "its" } else { "their" },
            ));
        }
        if !self.empty_segments.is_empty() {
            let one = self.empty_segments.len() == 1;
            out.push(format!(
                "{} {} {} no customers",
                if one { "segment" } else { "segments" },
                list(&self.empty_segments),
                if one { "holds" } else { "hold" },
            ));
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::rfm::score::Direction;

    /// Expected values worked by hand from the three rows.
    #[test]
    fn group_summary_by_hand_and_bad_codes() {
        let rows = group_summary(
            &[1, 0, 1],
            2,
            &[10.0, 20.0, 30.0],
            &[1.0, 2.0, 3.0],
            &[0.0, 25.0, 75.0],
        )
        .unwrap();
        assert_eq!(rows[0].customers, 1);
        assert!((rows[0].share - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(rows[0].revenue_share, 0.25);
        assert_eq!(rows[1].mean_days_since_last, 20.0);
        assert_eq!(rows[1].mean_frequency, 2.0);
        assert_eq!(rows[1].mean_monetary, 37.5);
        let err = group_summary(&[0, 2], 2, &[1.0; 2], &[1.0; 2], &[1.0; 2]).unwrap_err();
        assert!(
            matches!(err, CrmkitError::InvalidValue { row: 1, ref field, .. } if field == "group")
        );
        let zero = group_summary(&[0], 1, &[1.0], &[0.0], &[0.0]).unwrap();
        assert_eq!(zero[0].revenue_share, 0.0);
        assert!(group_summary(&[0], 1, &[f64::NAN], &[0.0], &[0.0]).is_err());
    }

    #[test]
    fn no_warnings_when_tiers_spread_and_segments_reached() {
        let v: Vec<i64> = (1..=100).collect();
        let (rb, rs) = QuantileBins::fit_apply("r", &v, 5, Direction::LowerIsBetter).unwrap();
        let (fb, fs) = QuantileBins::fit_apply("f", &v, 5, Direction::HigherIsBetter).unwrap();
        let rules = SegmentRules::rf_grid();
        // Pair every R score with every F score: all 25 cells are filled.
        let r: Vec<u8> = (0..100).map(|i| rs[i]).collect();
        let f: Vec<u8> = (0..100).map(|i| fs[(i * 7 + i / 20) % 100]).collect();
        let codes = rules.assign_all(&r, &f, &f).unwrap();
        let tiers: Vec<u8> = (0..100).map(|i| (i % 3) as u8).collect();
        let d = RfmDiagnostics::new(&TIER_NAMES, &tiers, &rules, &codes, [&rb, &fb, &fb]).unwrap();
        assert_eq!(d.dominant_tier, None);
        assert!(d.unreachable_segments.is_empty());
        assert_eq!(d.segment_counts.iter().sum::<u64>(), 100);
        assert!(d.warnings().is_empty(), "{:?}", d.warnings());
        // 91 of 100 in one tier: more than 90 %, reported; exactly 90 is not.
        let mut t = vec![0u8; 100];
        t[..9].fill(1);
        let d = RfmDiagnostics::new(&TIER_NAMES, &t, &rules, &codes, [&rb, &fb, &fb]).unwrap();
        assert_eq!(d.dominant_tier.as_deref(), Some("churn risk"));
        t[9] = 2;
        let d = RfmDiagnostics::new(&TIER_NAMES, &t, &rules, &codes, [&rb, &fb, &fb]).unwrap();
        assert_eq!(d.dominant_tier, None);
        assert_eq!(d.largest_tier_share, 0.9);
        let err = RfmDiagnostics::new(&TIER_NAMES, &[3], &rules, &[0], [&rb, &fb, &fb]);
        assert!(err.is_err());
    }

    #[test]
    fn empty_but_reachable_segments_are_told_apart() {
        let v: Vec<i64> = (1..=10).collect();
        let (b, s) = QuantileBins::fit_apply("v", &v, 5, Direction::HigherIsBetter).unwrap();
        let rules = SegmentRules::four_tier();
        // R = F = M: only the diagonal is filled, so "low value" (R high, F and M low) is
        // reachable but empty.
        let codes = rules.assign_all(&s, &s, &s).unwrap();
        let d = RfmDiagnostics::new(&TIER_NAMES, &[0; 10], &rules, &codes, [&b, &b, &b]).unwrap();
        assert_eq!(d.empty_segments, ["low value"]);
        assert!(d.unreachable_segments.is_empty());
    }
}
