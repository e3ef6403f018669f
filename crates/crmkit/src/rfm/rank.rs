//! The percentile-rank RFM score: each of R, F and M becomes its mid-rank percentile in the
//! fitted population before the weights.
//!
//! # Why percentile ranks are the default
//!
//! Min–max normalisation divides by the range, and customer data is heavy-tailed: one customer
//! with 40 purchases puts every one-time buyer at normF ≈ 0, and one huge order squeezes every
//! other normM towards 0. The weighted score then sits near 0 for almost everyone — on the
//! bundled CDNOW sample 98.9 % of customers land in the lowest min–max tier. A percentile rank
//! measures where a customer stands among the others, so each dimension is spread over [0, 1]
//! whatever the shape of its distribution, and a score of 0.8 means "ahead of most customers on
//! the weighted dimensions", not "close to the single largest buyer".
//!
//! # Formula
//!
//! Over a fitted population of n values, a value v has b(v) values strictly below it and e(v)
//! equal to it; its mid-rank percentile is
//!
//! p(v) = (b(v) + (e(v) − 1) / 2) / (n − 1), clipped to [0, 1],
//!
//! i.e. (mid-rank − 1) / (n − 1): the smallest distinct value scores 0, the largest 1, ties share
//! their mean rank, and a dimension where all values are equal scores 0.5 (so does n = 1). New
//! values (e(v) = 0) fall between their neighbours and clip to [0, 1] outside the fitted range.
//! R is reversed (fewer days since the last purchase is better):
//!
//! score = wR·(1 − p(R)) + wF·p(F) + wM·p(M).
//!
//! # Merging
//!
//! The fit keeps the sorted distinct values of each dimension with their counts, so the fits of
//! two partitions merge *exactly* into the fit of their union. Its size is the number of
//! distinct values per dimension: at most the days in the data for R, the largest purchase
//! count for F, and at most one entry per customer for M.

use serde::{Deserialize, Serialize};

use crate::rfm::score::{Numeric, RfmScore, RfmWeights};
use crate::{CrmkitError, Result};

/// The fitted distribution of one dimension: sorted distinct values with their counts.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::rank::Distribution;
/// let d = Distribution::fit("frequency", &[1, 1, 1, 3])?;
/// assert_eq!(d.values(), &[1.0, 3.0]);
/// assert_eq!(d.counts(), &[3, 1]);
/// // Mid-rank percentile: the three tied ones share rank 2 of 4 -> (2 - 1) / 3.
/// assert!((d.percentile(1.0) - 1.0 / 3.0).abs() < 1e-15);
/// assert_eq!(d.percentile(3.0), 1.0);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DistributionData", into = "DistributionData")]
pub struct Distribution {
    values: Vec<f64>,
    counts: Vec<u64>,
    /// Values strictly below each distinct value.
    below: Vec<u64>,
    total: u64,
}

#[derive(Serialize, Deserialize)]
struct DistributionData {
    values: Vec<f64>,
    counts: Vec<u64>,
}

impl TryFrom<DistributionData> for Distribution {
    type Error = CrmkitError;
    fn try_from(data: DistributionData) -> Result<Self> {
        Distribution::from_parts(data.values, data.counts)
    }
}

impl From<Distribution> for DistributionData {
    fn from(d: Distribution) -> Self {
        DistributionData {
            values: d.values,
            counts: d.counts,
        }
    }
}

impl Distribution {
    /// The distribution of `values`.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`] for no values; [`CrmkitError::InvalidValue`] naming
    /// `field` and the row of a NaN or infinite value.
    ///
    /// # Examples
    ///
    /// See [`Distribution`].
    pub fn fit<T: Numeric>(field: &str, values: &[T]) -> Result<Self> {
        if values.is_empty() {
            return Err(CrmkitError::empty(field));
        }
        if let Some(row) = values.iter().position(|v| !v.to_f64().is_finite()) {
            return Err(CrmkitError::invalid_value(
                field,
                row,
                values[row].to_f64(),
                "must be finite",
            ));
        }
        // + 0.0 turns −0 into +0 so that they are one value.
        let mut sorted: Vec<f64> = values.iter().map(|v| v.to_f64() + 0.0).collect();
        sorted.sort_unstable_by(f64::total_cmp);
        let (mut distinct, mut counts) = (Vec::new(), Vec::new());
        for v in sorted {
            if distinct.last() == Some(&v) {
                if let Some(c) = counts.last_mut() {
                    *c += 1;
                }
            } else {
                distinct.push(v);
                counts.push(1u64);
            }
        }
        Self::from_parts(distinct, counts)
    }

    /// A distribution from sorted distinct values and their counts (as serialised).
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming `distribution` when the lists are empty, of
    /// different lengths, the values not finite and strictly increasing, or a count is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::rank::Distribution;
    /// assert!(Distribution::from_parts(vec![1.0, 2.0], vec![4, 1]).is_ok());
    /// assert!(Distribution::from_parts(vec![2.0, 1.0], vec![4, 1]).is_err());
    /// ```
    pub fn from_parts(values: Vec<f64>, counts: Vec<u64>) -> Result<Self> {
        let bad = |why: &str| Err(CrmkitError::invalid_config("distribution", "values", why));
        if values.is_empty() || values.len() != counts.len() {
            return bad("needs one count per value and at least one value");
        }
        if !values.iter().all(|v| v.is_finite()) || values.windows(2).any(|w| w[0] >= w[1]) {
            return bad("values must be finite and strictly increasing");
        }
        if counts.contains(&0) {
            return bad("counts must be positive");
        }
        let mut below = Vec::with_capacity(counts.len());
        let mut total = 0u64;
        for &c in &counts {
            below.push(total);
            total = match total.checked_add(c) {
                Some(t) => t,
                None => return bad("counts overflow"),
            };
        }
        Ok(Self {
            values,
            counts,
            below,
            total,
        })
    }

    /// The sorted distinct values.
    ///
    /// # Examples
    ///
    /// See [`Distribution`].
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// How often each distinct value occurs.
    ///
    /// # Examples
    ///
    /// See [`Distribution`].
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The number of values fitted, n.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::rfm::rank::Distribution;
    /// assert_eq!(Distribution::fit("m", &[2.0, 2.0, 5.0])?.count(), 3);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The exact distribution of the union of two populations.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::rfm::rank::Distribution;
    /// let a = Distribution::fit("f", &[1, 2])?;
    /// let b = Distribution::fit("f", &[2, 7])?;
    /// assert_eq!(a.merge(&b), Distribution::fit("f", &[1, 2, 2, 7])?);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn merge(&self, other: &Distribution) -> Distribution {
        let (mut values, mut counts) = (Vec::new(), Vec::new());
        let (mut i, mut j) = (0, 0);
        while i < self.values.len() || j < other.values.len() {
            let take_left = j >= other.values.len()
                || (i < self.values.len() && self.values[i] <= other.values[j]);
            let take_right = i >= self.values.len()
                || (j < other.values.len() && other.values[j] <= self.values[i]);
            let mut count = 0;
            let mut value = 0.0;
            if take_left {
                value = self.values[i];
                count += self.counts[i];
                i += 1;
            }
            if take_right {
                value = other.values[j];
                count += other.counts[j];
                j += 1;
            }
            values.push(value);
            counts.push(count);
        }
        let mut below = Vec::with_capacity(counts.len());
        let mut total = 0u64;
        for &c in &counts {
            below.push(total);
            total = total.saturating_add(c);
        }
        Distribution {
            values,
            counts,
            below,
            total,
        }
    }

    /// The mid-rank percentile of `v` in [0, 1] (see the [module documentation](self)).
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::rfm::rank::Distribution;
    /// let d = Distribution::fit("m", &[10.0, 20.0, 30.0])?;
    /// assert_eq!(d.percentile(20.0), 0.5);
    /// assert_eq!(d.percentile(25.0), 0.75);   // a new value between its neighbours
    /// assert_eq!(d.percentile(1e9), 1.0);     // beyond the fitted range
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    #[inline]
    pub fn percentile(&self, v: f64) -> f64 {
        if self.total <= 1 || self.values.len() == 1 {
            return 0.5;
        }
        let idx = self.values.partition_point(|&x| x < v);
        let below = if idx < self.below.len() {
            self.below[idx]
        } else {
            self.total
        } as f64;
        let equal = if idx < self.values.len() && self.values[idx] == v {
            self.counts[idx] as f64
        } else {
            0.0
        };
        ((below + (equal - 1.0) / 2.0) / (self.total - 1) as f64).clamp(0.0, 1.0)
    }
}

/// The fitted percentile-rank RFM score: serialisable, applicable to new customers and
/// exactly mergeable across partitions (see the [module documentation](self)).
///
/// # Formula
///
/// score = wR·(1 − p(R)) + wF·p(F) + wM·p(M), with p the mid-rank percentile in the fitted
/// population: p(v) = (b(v) + (e(v) − 1)/2) / (n − 1), b values below v, e equal to it.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::rank::PercentileRankFit;
/// use crmkit::rfm::score::{RfmScore, RfmWeights};
///
/// let r = [1, 30, 90, 200];
/// let f = [10, 2, 1, 1];
/// let m = [5000.0, 80.0, 20.0, 25.0];
/// let fit = PercentileRankFit::fit(&r, &f, &m)?;
/// let scores = fit.score(&r, &f, &m, &RfmWeights::default())?;
/// assert_eq!(scores[0], 1.0);
/// // The one huge buyer does not push the others to 0: customer 2 is second on every dimension.
/// let expected = 0.3 * (2.0 / 3.0) + 0.4 * (2.0 / 3.0) + 0.3 * (2.0 / 3.0);
/// assert!((scores[1] - expected).abs() < 1e-12);
/// // Partitions merge exactly: fit(A ∪ B) == fit(A).merge(fit(B)).
/// let a = PercentileRankFit::fit(&r[..1], &f[..1], &m[..1])?;
/// let b = PercentileRankFit::fit(&r[1..], &f[1..], &m[1..])?;
/// assert_eq!(a.merge(&b), fit);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PercentileRankFit {
    /// Distribution of `days_since_last`.
    pub recency: Distribution,
    /// Distribution of `frequency`.
    pub frequency: Distribution,
    /// Distribution of `monetary`.
    pub monetary: Distribution,
}

impl PercentileRankFit {
    /// Fits the distributions of R, F and M.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`] for no customers; [`CrmkitError::LengthMismatch`];
    /// [`CrmkitError::InvalidValue`] naming the field and row of a NaN or infinite value.
    ///
    /// # Examples
    ///
    /// See [`PercentileRankFit`].
    pub fn fit<R: Numeric, F: Numeric, M: Numeric>(
        recency: &[R],
        frequency: &[F],
        monetary: &[M],
    ) -> Result<Self> {
        check_columns(recency.len(), frequency.len(), monetary.len())?;
        Ok(Self {
            recency: Distribution::fit("days_since_last", recency)?,
            frequency: Distribution::fit("frequency", frequency)?,
            monetary: Distribution::fit("monetary", monetary)?,
        })
    }

    /// Merges the fit of another partition; equal to fitting the union.
    ///
    /// # Examples
    ///
    /// See [`PercentileRankFit`].
    pub fn merge(&self, other: &PercentileRankFit) -> PercentileRankFit {
        PercentileRankFit {
            recency: self.recency.merge(&other.recency),
            frequency: self.frequency.merge(&other.frequency),
            monetary: self.monetary.merge(&other.monetary),
        }
    }
}

/// Percentile-rank scores: each dimension's mid-rank percentile, R reversed, weighted.
impl RfmScore for PercentileRankFit {
    fn score_into<R: Numeric, F: Numeric, M: Numeric>(
        &self,
        recency: &[R],
        frequency: &[F],
        monetary: &[M],
        weights: &RfmWeights,
        out: &mut [f64],
    ) -> Result<()> {
        check_columns(recency.len(), frequency.len(), monetary.len())?;
        CrmkitError::check_len("out", recency.len(), out.len())?;
        for (field, bad) in [
            ("days_since_last", first_bad(recency)),
            ("frequency", first_bad(frequency)),
            ("monetary", first_bad(monetary)),
        ] {
            if let Some((row, value)) = bad {
                return Err(CrmkitError::invalid_value(
                    field,
                    row,
                    value,
                    "must be finite",
                ));
            }
        }
        let (wr, wf, wm) = (weights.recency(), weights.frequency(), weights.monetary());
        crate::runtime::parallel::for_chunks_mut(out, |start, chunk| {
            let columns = recency[start..]
                .iter()
                .zip(&frequency[start..])
                .zip(&monetary[start..]);
            for (o, ((r, f), m)) in chunk.iter_mut().zip(columns) {
                let s = wr * (1.0 - self.recency.percentile(r.to_f64()))
                    + wf * self.frequency.percentile(f.to_f64())
                    + wm * self.monetary.percentile(m.to_f64());
                *o = s.clamp(0.0, 1.0);
            }
        });
        Ok(())
    }
}

fn first_bad<T: Numeric>(values: &[T]) -> Option<(usize, f64)> {
    values
        .iter()
        .position(|v| !v.to_f64().is_finite())
        .map(|row| (row, values[row].to_f64()))
}

fn check_columns(r: usize, f: usize, m: usize) -> Result<()> {
    if r == 0 {
        return Err(CrmkitError::empty("days_since_last"));
    }
    CrmkitError::check_len("frequency", r, f)?;
    CrmkitError::check_len("monetary", r, m)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Brute force of the documented formula: (mid-rank − 1) / (n − 1), mid-rank the mean
    /// of the 1-based ranks of the tied values.
    fn brute_percentile(values: &[f64], v: f64) -> f64 {
        let n = values.len() as f64;
        if n <= 1.0 || values.iter().all(|&x| x == values[0]) {
            return 0.5;
        }
        let below = values.iter().filter(|&&x| x < v).count() as f64;
        let equal = values.iter().filter(|&&x| x == v).count() as f64;
        ((below + (equal - 1.0) / 2.0) / (n - 1.0)).clamp(0.0, 1.0)
    }

    /// Hand-computed: R = (1, 30, 90, 90), F = (5, 1, 1, 1), M = (100, 10, 20, 30).
    /// p(R) = (0, 1/3, 5/6, 5/6) (the two 90s share mid-rank 3.5), p(F) = (1, 1/3, 1/3, 1/3)
    /// (three ones share mid-rank 2), p(M) = (1, 0, 1/3, 2/3).
    #[test]
    fn matches_hand_computation() {
        let r = [1, 30, 90, 90];
        let f = [5, 1, 1, 1];
        let m = [100.0, 10.0, 20.0, 30.0];
        let fit = PercentileRankFit::fit(&r, &f, &m).unwrap();
        let s = fit.score(&r, &f, &m, &RfmWeights::default()).unwrap();
        let expected = [
            1.0,
            0.3 * (2.0 / 3.0) + 0.4 / 3.0,
            0.3 / 6.0 + 0.4 / 3.0 + 0.3 / 3.0,
            0.3 / 6.0 + 0.4 / 3.0 + 0.3 * 2.0 / 3.0,
        ];
        for (a, b) in s.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
    }

    #[test]
    fn flat_and_single_dimensions_score_one_half() {
        let fit = PercentileRankFit::fit(&[5, 5], &[1, 1], &[3.0, 3.0]).unwrap();
        assert_eq!(
            fit.score(&[5, 5], &[1, 1], &[3.0, 3.0], &RfmWeights::default())
                .unwrap(),
            vec![0.5, 0.5]
        );
        let one = PercentileRankFit::fit(&[5], &[1], &[3.0]).unwrap();
        assert_eq!(
            one.score(&[0], &[9], &[1.0], &RfmWeights::default())
                .unwrap(),
            vec![0.5]
        );
    }

    #[test]
    fn bad_input_names_field_and_row() {
        let err = PercentileRankFit::fit(&[1.0, f64::NAN], &[1, 2], &[1.0, 2.0]);
        assert!(
            matches!(err, Err(CrmkitError::InvalidValue { row: 1, ref field, .. }) if field == "days_since_last")
        );
        let fit = PercentileRankFit::fit(&[1.0, 2.0], &[1, 2], &[1.0, 2.0]).unwrap();
        let err = fit.score(
            &[1.0, 2.0],
            &[1, 2],
            &[1.0, f64::INFINITY],
            &RfmWeights::default(),
        );
        assert!(
            matches!(err, Err(CrmkitError::InvalidValue { row: 1, ref field, .. }) if field == "monetary")
        );
        assert!(matches!(
            fit.score(&[1.0], &[1, 2], &[1.0], &RfmWeights::default()),
            Err(CrmkitError::LengthMismatch { .. })
        ));
        assert!(PercentileRankFit::fit::<f64, f64, f64>(&[], &[], &[]).is_err());
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let fit = PercentileRankFit::fit(&[1.0, 2.0, 2.0], &[1, 2, 3], &[1.0, -0.0, 0.0]).unwrap();
        assert_eq!(fit.monetary.values(), &[0.0, 1.0]);
        let json = serde_json::to_string(&fit).unwrap();
        assert_eq!(
            serde_json::from_str::<PercentileRankFit>(&json).unwrap(),
            fit
        );
        let bad = json.replace("[1.0,2.0]", "[2.0,1.0]");
        assert_ne!(bad, json);
        assert!(serde_json::from_str::<PercentileRankFit>(&bad).is_err());
        assert!(serde_json::from_str::<Distribution>(r#"{"values":[1.0],"counts":[0]}"#).is_err());
        assert!(serde_json::from_str::<Distribution>(r#"{"values":[],"counts":[]}"#).is_err());
    }

    fn rows() -> impl Strategy<Value = Vec<(u32, u32, f64)>> {
        proptest::collection::vec(
            (
                0u32..400,
                1u32..20,
                prop_oneof![(0u32..50).prop_map(f64::from), 0.0f64..1e5],
            ),
            1..150,
        )
    }

    fn columns(rows: &[(u32, u32, f64)]) -> (Vec<u32>, Vec<u32>, Vec<f64>) {
        (
            rows.iter().map(|x| x.0).collect(),
            rows.iter().map(|x| x.1).collect(),
            rows.iter().map(|x| x.2).collect(),
        )
    }

    proptest! {
        /// Scores lie in [0, 1], each percentile equals the brute-force formula, fits of two
        /// partitions merge into the fit of the union exactly, and row order does not matter.
        #[test]
        fn scores_are_bounded_exact_mergeable_and_order_free(rows in rows(), cut in 0usize..150, seed in any::<u64>()) {
            let (r, f, m) = columns(&rows);
            let fit = PercentileRankFit::fit(&r, &f, &m).unwrap();
            let w = RfmWeights::default();
            let s = fit.score(&r, &f, &m, &w).unwrap();
            prop_assert!(s.iter().all(|&x| (0.0..=1.0).contains(&x)));
            let mf: Vec<f64> = m.clone();
            for (i, &v) in m.iter().enumerate() {
                prop_assert!((fit.monetary.percentile(v) - brute_percentile(&mf, v)).abs() < 1e-12, "row {}", i);
            }
            let cut = cut.min(rows.len());
            if cut > 0 && cut < rows.len() {
                let a = PercentileRankFit::fit(&r[..cut], &f[..cut], &m[..cut]).unwrap();
                let b = PercentileRankFit::fit(&r[cut..], &f[cut..], &m[cut..]).unwrap();
                prop_assert_eq!(&a.merge(&b), &fit);
                prop_assert_eq!(&b.merge(&a), &fit);
            }
            // A permutation of the rows: same fit, and each customer keeps its score.
            let mut order: Vec<usize> = (0..rows.len()).collect();
            let mut state = seed | 1;
            for i in (1..order.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                order.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let shuffled: Vec<(u32, u32, f64)> = order.iter().map(|&i| rows[i]).collect();
            let (r2, f2, m2) = columns(&shuffled);
            let fit2 = PercentileRankFit::fit(&r2, &f2, &m2).unwrap();
            prop_assert_eq!(&fit2, &fit);
            let s2 = fit2.score(&r2, &f2, &m2, &w).unwrap();
            for (k, &i) in order.iter().enumerate() {
                prop_assert_eq!(s2[k], s[i]);
            }
        }

        /// Monotone in each dimension, for fitted and new values: fewer days since the last
        /// purchase never scores lower, more purchases or more spend never score lower.
        #[test]
        fn score_is_monotone_in_each_dimension(rows in rows(), probe in (0u32..450, 0u32..25, 0.0f64..2e5), step in 1u32..50, mstep in 0.001f64..1e4) {
            let (r, f, m) = columns(&rows);
            let fit = PercentileRankFit::fit(&r, &f, &m).unwrap();
            let w = RfmWeights::default();
            let (pr, pf, pm) = probe;
            let base = fit.score(&[pr], &[pf], &[pm], &w).unwrap()[0];
            let later = fit.score(&[pr + step], &[pf], &[pm], &w).unwrap()[0];
            let more_f = fit.score(&[pr], &[pf + step], &[pm], &w).unwrap()[0];
            let more_m = fit.score(&[pr], &[pf], &[pm + mstep], &w).unwrap()[0];
            prop_assert!(later <= base);
            prop_assert!(more_f >= base);
            prop_assert!(more_m >= base);
        }
    }
}
