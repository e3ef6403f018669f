//! RFM scoring: the min–max weighted score with tiers, and quantile scores 1..=k.
//!
//! Inputs are the marketing features of [`crate::rfm::features`]: R = `days_since_last` (smaller
//! is better), F = `frequency`, M = `monetary`. Every function accepts any numeric slice
//! (`f64`, `i64`, `i32`, `u32`) so integer feature columns need no conversion copy.

use serde::{Deserialize, Serialize};

use crate::math::weights::{validate_increasing, validate_weights};
use crate::names::named_enum;
use crate::runtime::parallel::MIN_PARALLEL_LEN;
use crate::{CrmkitError, Result};

/// A numeric column element that crmkit can score.
pub trait Numeric: Copy + Send + Sync {
    /// The value as `f64`.
    fn to_f64(self) -> f64;

    /// Minimum and maximum of `values` as `f64` and whether all values are finite, in one
    /// vectorisable pass; `(inf, -inf, true)` for no values. Integer types compare natively
    /// (conversion to `f64` is monotone, so converting the extremes gives the same result).
    fn min_max_finite(values: &[Self]) -> (f64, f64, bool) {
        float_min_max_finite(values)
    }

    /// Whether the type holds integers (then [`Numeric::to_i64`] is meaningful).
    const INTEGER: bool = false;

    /// The value as `i64` (integer types only; exact for values within ±2^53, which is
    /// checked before this is used).
    fn to_i64(self) -> i64 {
        self.to_f64() as i64
    }

    /// The value as `i128`, exact for every integer type (integer types only).
    fn to_i128(self) -> i128 {
        self.to_f64() as i128
    }
}

macro_rules! numeric_float {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            #[inline]
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
        }
    )*};
}
numeric_float!(f64, f32);

macro_rules! numeric_int {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            const INTEGER: bool = true;

            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }

            #[inline]
            fn to_i64(self) -> i64 {
                self as i64
            }

            #[inline]
            fn to_i128(self) -> i128 {
                self as i128
            }

            fn min_max_finite(values: &[Self]) -> (f64, f64, bool) {
                // Four independent lanes of plain comparisons so the loop vectorises.
                let (mut lo, mut hi) = ([<$t>::MAX; 4], [<$t>::MIN; 4]);
                let chunks = values.chunks_exact(4);
                let rest = chunks.remainder();
                for chunk in chunks {
                    for lane in 0..4 {
                        lo[lane] = lo[lane].min(chunk[lane]);
                        hi[lane] = hi[lane].max(chunk[lane]);
                    }
                }
                for (lane, &v) in rest.iter().enumerate() {
                    lo[lane] = lo[lane].min(v);
                    hi[lane] = hi[lane].max(v);
                }
                if values.is_empty() {
                    return (f64::INFINITY, f64::NEG_INFINITY, true);
                }
                let (lo, hi) = (lo.iter().fold(<$t>::MAX, |a, &b| a.min(b)), hi.iter().fold(<$t>::MIN, |a, &b| a.max(b)));
                (lo as f64, hi as f64, true)
            }
        }
    )*};
}
numeric_int!(i64, i32, u32, u64);

/// Weights of the recency, frequency and monetary dimensions in the min–max score.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::score::RfmWeights;
/// let w = RfmWeights::new(0.2, 0.5, 0.3)?;
/// assert_eq!(w.frequency(), 0.5);
/// assert!(RfmWeights::new(0.5, 0.5, 0.5).is_err());
/// assert_eq!(RfmWeights::default(), RfmWeights::new(0.3, 0.4, 0.3)?);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "[f64; 3]", into = "[f64; 3]")]
pub struct RfmWeights {
    recency: f64,
    frequency: f64,
    monetary: f64,
}

impl RfmWeights {
    /// Validated weights.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming `weights` when a weight is NaN, infinite or
    /// negative, or when they do not sum to 1 (within 1e-9).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(crmkit::rfm::score::RfmWeights::new(0.3, 0.4, 0.3).is_ok());
    /// ```
    pub fn new(recency: f64, frequency: f64, monetary: f64) -> Result<Self> {
        validate_weights("weights", &[recency, frequency, monetary])?;
        Ok(Self {
            recency,
            frequency,
            monetary,
        })
    }

    /// Weight of recency.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::rfm::score::RfmWeights::default().recency(), 0.3);
    /// ```
    pub fn recency(&self) -> f64 {
        self.recency
    }

    /// Weight of frequency.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::rfm::score::RfmWeights::default().frequency(), 0.4);
    /// ```
    pub fn frequency(&self) -> f64 {
        self.frequency
    }

    /// Weight of monetary value.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::rfm::score::RfmWeights::default().monetary(), 0.3);
    /// ```
    pub fn monetary(&self) -> f64 {
        self.monetary
    }
}

impl Default for RfmWeights {
    /// wR = 0.3, wF = 0.4, wM = 0.3.
    fn default() -> Self {
        Self {
            recency: 0.3,
            frequency: 0.4,
            monetary: 0.3,
        }
    }
}

impl TryFrom<[f64; 3]> for RfmWeights {
    type Error = CrmkitError;
    fn try_from(w: [f64; 3]) -> Result<Self> {
        Self::new(w[0], w[1], w[2])
    }
}

impl From<RfmWeights> for [f64; 3] {
    fn from(w: RfmWeights) -> Self {
        [w.recency, w.frequency, w.monetary]
    }
}

named_enum! {
    /// The value tier of a customer — the one tier type of crmkit, read by the RFM scores and
    /// the playbook.
    ///
    /// A min–max or percentile-rank score gives one of the three score tiers ([`Tier::ALL`]);
    /// [`Tier::LowValue`] exists only in the four-tier reading of R, F and M scores (recent but
    /// rare and small buyers) and comes last, so the codes of the score tiers stay 0, 1, 2. The
    /// names are derived once (`strum`, the same as the serde form).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::score::Tier;
    /// assert_eq!(Tier::HighValue.as_str(), "high value");
    /// assert_eq!("low value".parse::<Tier>()?, Tier::LowValue);
    /// assert_eq!(serde_json::to_string(&Tier::ChurnRisk).unwrap(), "\"churn risk\"");
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    #[derive(PartialOrd, Ord)]
    pub enum Tier parsed as "tier" {
        /// Score below the potential threshold: long gone, rare or small.
        #[serde(rename = "churn risk")]
        #[strum(serialize = "churn risk")]
        ChurnRisk,
        /// Between the thresholds: a base to develop.
        #[serde(rename = "potential")]
        #[strum(serialize = "potential")]
        Potential,
        /// At or above the high-value threshold.
        #[serde(rename = "high value")]
        #[strum(serialize = "high value")]
        HighValue,
        /// Recent but rare and small buyers (R ≥ 4, F ≤ 2, M ≤ 2; four-tier reading only, never
        /// from a score).
        #[serde(rename = "low value")]
        #[strum(serialize = "low value")]
        LowValue,
    }
}

impl Tier {
    /// The tiers of a score, in code order (codes are 0, 1, 2).
    pub const ALL: [Tier; 3] = [Tier::ChurnRisk, Tier::Potential, Tier::HighValue];

    /// The tier's stable name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::rfm::score::Tier::ChurnRisk.as_str(), "churn risk");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Score thresholds between the tiers.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::score::{Tier, TierThresholds};
/// let t = TierThresholds::default();
/// assert_eq!(t.tier(0.8), Tier::HighValue);
/// assert_eq!(t.tier(0.5), Tier::Potential);
/// assert_eq!(t.tier(0.49), Tier::ChurnRisk);
/// assert!(TierThresholds::new(0.8, 0.5).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "[f64; 2]", into = "[f64; 2]")]
pub struct TierThresholds {
    potential: f64,
    high_value: f64,
}

impl TierThresholds {
    /// Validated thresholds: `potential < high_value`, both finite.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] naming `thresholds` when they are not finite and
    /// strictly increasing.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(crmkit::rfm::score::TierThresholds::new(0.4, 0.7).is_ok());
    /// ```
    pub fn new(potential: f64, high_value: f64) -> Result<Self> {
        validate_increasing("thresholds", &[potential, high_value])?;
        Ok(Self {
            potential,
            high_value,
        })
    }

    /// The tier of a score: `≥ high_value` high value; `≥ potential` potential; else churn risk.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::score::{Tier, TierThresholds};
    /// assert_eq!(TierThresholds::default().tier(0.95), Tier::HighValue);
    /// ```
    #[inline]
    pub fn tier(&self, score: f64) -> Tier {
        if score >= self.high_value {
            Tier::HighValue
        } else if score >= self.potential {
            Tier::Potential
        } else {
            Tier::ChurnRisk
        }
    }

    /// The potential threshold.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::rfm::score::TierThresholds::default().potential(), 0.5);
    /// ```
    pub fn potential(&self) -> f64 {
        self.potential
    }

    /// The high-value threshold.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::rfm::score::TierThresholds::default().high_value(), 0.8);
    /// ```
    pub fn high_value(&self) -> f64 {
        self.high_value
    }
}

impl Default for TierThresholds {
    /// 0.5 and 0.8.
    fn default() -> Self {
        Self {
            potential: 0.5,
            high_value: 0.8,
        }
    }
}

impl TryFrom<[f64; 2]> for TierThresholds {
    type Error = CrmkitError;
    fn try_from(t: [f64; 2]) -> Result<Self> {
        Self::new(t[0], t[1])
    }
}

impl From<TierThresholds> for [f64; 2] {
    fn from(t: TierThresholds) -> Self {
        [t.potential, t.high_value]
    }
}

/// The observed range of one dimension; ranges of partitions merge exactly.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::score::Range;
/// let a = Range { min: 1.0, max: 3.0, count: 2 };
/// let b = Range { min: 0.0, max: 2.0, count: 5 };
/// assert_eq!(a.merge(&b), Range { min: 0.0, max: 3.0, count: 7 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RangeFields")]
pub struct Range {
    /// Smallest value (after winsorising, when fitted with winsorising).
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Number of values seen.
    pub count: u64,
}

/// The serialised form of [`Range`]: a range is deserialised through it and validated like a
/// fitted one (finite, min <= max, at least one value), so a tampered [`MinMaxFit`] is an
/// error on load rather than silently flat scores.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeFields {
    min: f64,
    max: f64,
    count: u64,
}

impl TryFrom<RangeFields> for Range {
    type Error = CrmkitError;

    fn try_from(f: RangeFields) -> Result<Self> {
        if !(f.min.is_finite() && f.max.is_finite()) || f.min > f.max || f.count == 0 {
            return Err(CrmkitError::invalid_config(
                "range",
                (f.min, f.max, f.count),
                "a fitted range has finite min <= max and at least one value",
            ));
        }
        Ok(Range {
            min: f.min,
            max: f.max,
            count: f.count,
        })
    }
}

impl Range {
    /// The union of two ranges.
    ///
    /// # Examples
    ///
    /// See [`Range`].
    pub fn merge(&self, other: &Range) -> Range {
        Range {
            min: self.min.min(other.min),
            max: self.max.max(other.max),
            count: self.count + other.count,
        }
    }

    /// `(pre, offset, scale)` with normalised = clamp((v · pre − offset) · scale) — or `None`
    /// (0.5) when flat. `pre` is 1 except for ranges whose width is subnormal (1 / width would
    /// be infinite: pre = 2^600) or overflows (max − min = ∞: pre = 1/2); a power of two, so
    /// the result is the same as (v − min) / (max − min) up to rounding, never NaN.
    #[inline]
    fn affine(&self, reversed: bool) -> Option<(f64, f64, f64)> {
        if self.max <= self.min || self.max.is_nan() || self.min.is_nan() {
            return None;
        }
        let mut pre = 1.0;
        let mut width = self.max - self.min;
        if !width.is_finite() {
            pre = 0.5;
        } else if !(1.0 / width).is_finite() {
            pre = 2f64.powi(600);
        }
        if pre != 1.0 {
            width = self.max * pre - self.min * pre;
        }
        Some(if reversed {
            (pre, self.max * pre, -1.0 / width)
        } else {
            (pre, self.min * pre, 1.0 / width)
        })
    }
}

/// How raw values are brought to [0, 1] before weighting.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::score::Normalization;
/// let robust = Normalization::Winsorized { lower: 0.01, upper: 0.99 };
/// assert_ne!(robust, Normalization::default());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum Normalization {
    /// Plain min–max over the fitted population (the default; exactly mergeable).
    #[default]
    MinMax,
    /// Min–max between the `lower` and `upper` percentiles (linear interpolation between order
    /// statistics, as numpy's default): values beyond them clip to 0 or 1. Robust against one
    /// huge buyer squeezing everybody else towards 0. Percentiles of partitions do not merge,
    /// so fits with this method cannot be merged.
    Winsorized {
        /// Lower percentile in [0, 1).
        lower: f64,
        /// Upper percentile in (lower, 1].
        upper: f64,
    },
}

/// A fitted RFM normalisation — [`MinMaxFit`] or
/// [`PercentileRankFit`](crate::rfm::rank::PercentileRankFit) — that scores customers (the
/// fitted ones or new ones) with the given weights, each score in [0, 1].
///
/// # Examples
///
/// ```
/// use crmkit::rfm::rank::PercentileRankFit;
/// use crmkit::rfm::score::{MinMaxFit, Normalization, RfmScore, RfmWeights};
///
/// fn top<S: RfmScore>(fit: &S, r: &[f64], f: &[f64], m: &[f64]) -> crmkit::Result<f64> {
///     let scores = fit.score(r, f, m, &RfmWeights::default())?;
///     Ok(scores.into_iter().fold(0.0, f64::max))
/// }
/// let (r, f, m) = ([1.0, 30.0, 90.0], [10.0, 2.0, 1.0], [500.0, 80.0, 20.0]);
/// assert_eq!(top(&MinMaxFit::fit(&r, &f, &m, Normalization::MinMax)?, &r, &f, &m)?, 1.0);
/// assert_eq!(top(&PercentileRankFit::fit(&r, &f, &m)?, &r, &f, &m)?, 1.0);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub trait RfmScore {
    /// [`RfmScore::score`] writing into a caller-provided buffer of the same length.
    ///
    /// # Errors
    ///
    /// As [`RfmScore::score`]; also [`CrmkitError::LengthMismatch`] for `out`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::score::{MinMaxFit, Normalization, RfmScore, RfmWeights};
    /// let fit = MinMaxFit::fit(&[1, 9], &[1, 3], &[2.0, 4.0], Normalization::MinMax)?;
    /// let mut out = [0.0; 2];
    /// fit.score_into(&[1, 9], &[1, 3], &[2.0, 4.0], &RfmWeights::default(), &mut out)?;
    /// assert!((out[0] - 0.3).abs() < 1e-12);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    fn score_into<R: Numeric, F: Numeric, M: Numeric>(
        &self,
        recency: &[R],
        frequency: &[F],
        monetary: &[M],
        weights: &RfmWeights,
        out: &mut [f64],
    ) -> Result<()>;

    /// Scores customers (the fitted ones or new ones) with the given weights, in [0, 1].
    ///
    /// # Errors
    ///
    /// [`CrmkitError::LengthMismatch`]; [`CrmkitError::InvalidValue`] naming the field and
    /// row of a NaN or infinite value.
    ///
    /// # Examples
    ///
    /// See [`MinMaxFit`] and [`PercentileRankFit`](crate::rfm::rank::PercentileRankFit).
    fn score<R: Numeric, F: Numeric, M: Numeric>(
        &self,
        recency: &[R],
        frequency: &[F],
        monetary: &[M],
        weights: &RfmWeights,
    ) -> Result<Vec<f64>> {
        let mut out = vec![0.0; recency.len()];
        self.score_into(recency, frequency, monetary, weights, &mut out)?;
        Ok(out)
    }
}

/// The fitted statistics of the min–max RFM score: serialisable, applicable to new customers,
/// and (for plain min–max) mergeable across partitions.
///
/// # Formula
///
/// normR = (maxR − R) / (maxR − minR), normF = (F − minF) / (maxF − minF),
/// normM = (M − minM) / (maxM − minM), each clipped to [0, 1] and 0.5 when max = min;
/// score = wR·normR + wF·normF + wM·normM.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::score::{MinMaxFit, Normalization, RfmScore, RfmWeights};
///
/// let r = [1.0, 30.0, 90.0];
/// let f = [10.0, 2.0, 1.0];
/// let m = [500.0, 80.0, 20.0];
/// let fit = MinMaxFit::fit(&r, &f, &m, Normalization::MinMax)?;
/// let scores = fit.score(&r, &f, &m, &RfmWeights::default())?;
/// assert_eq!(scores[0], 1.0);
/// assert_eq!(scores[2], 0.0);
/// // Partitions merge exactly: fit(A ∪ B) == fit(A).merge(fit(B)).
/// let a = MinMaxFit::fit(&r[..1], &f[..1], &m[..1], Normalization::MinMax)?;
/// let b = MinMaxFit::fit(&r[1..], &f[1..], &m[1..], Normalization::MinMax)?;
/// assert_eq!(a.merge(&b)?, fit);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MinMaxFit {
    /// Range of `days_since_last`.
    pub recency: Range,
    /// Range of `frequency`.
    pub frequency: Range,
    /// Range of `monetary`.
    pub monetary: Range,
    /// The normalisation the ranges came from.
    pub normalization: Normalization,
}

impl MinMaxFit {
    /// Fits the ranges of R, F and M.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`] for no customers; [`CrmkitError::LengthMismatch`];
    /// [`CrmkitError::InvalidValue`] naming the field and row of a NaN or infinite value;
    /// [`CrmkitError::InvalidConfig`] for winsorising percentiles outside
    /// `0 <= lower < upper <= 1`.
    ///
    /// # Examples
    ///
    /// See [`MinMaxFit`].
    pub fn fit<R: Numeric, F: Numeric, M: Numeric>(
        recency: &[R],
        frequency: &[F],
        monetary: &[M],
        normalization: Normalization,
    ) -> Result<Self> {
        check_columns(recency, frequency, monetary)?;
        let (recency, frequency, monetary) = match normalization {
            Normalization::MinMax => {
                // One parallel pass over the three columns (one set of threads, not three), in
                // blocks that any number of threads share evenly (minima and maxima do not
                // depend on the split).
                let n = recency.len();
                let parts = crate::runtime::parallel::map_blocks(
                    n,
                    PASS_BLOCK,
                    MIN_PARALLEL_LEN,
                    |start, end| {
                        [
                            R::min_max_finite(&recency[start..end]),
                            F::min_max_finite(&frequency[start..end]),
                            M::min_max_finite(&monetary[start..end]),
                        ]
                    },
                );
                let range = |dim: usize| {
                    let (mut min, mut max, mut finite) = (f64::INFINITY, f64::NEG_INFINITY, true);
                    for part in &parts {
                        let (lo, hi, ok) = part[dim];
                        min = min.min(lo);
                        max = max.max(hi);
                        finite &= ok;
                    }
                    (
                        Range {
                            min,
                            max,
                            count: n as u64,
                        },
                        finite,
                    )
                };
                let ((r, r_ok), (f, f_ok), (m, m_ok)) = (range(0), range(1), range(2));
                if !(r_ok && f_ok && m_ok) {
                    first_non_finite("days_since_last", recency)?;
                    first_non_finite("frequency", frequency)?;
                    first_non_finite("monetary", monetary)?;
                }
                (r, f, m)
            }
            Normalization::Winsorized { lower, upper } => {
                if !((0.0..1.0).contains(&lower) && upper > lower && upper <= 1.0) {
                    return Err(CrmkitError::invalid_config(
                        "winsorize",
                        (lower, upper),
                        "percentiles must satisfy 0 <= lower < upper <= 1",
                    ));
                }
                (
                    winsorized_range("days_since_last", recency, lower, upper)?,
                    winsorized_range("frequency", frequency, lower, upper)?,
                    winsorized_range("monetary", monetary, lower, upper)?,
                )
            }
        };
        Ok(Self {
            recency,
            frequency,
            monetary,
            normalization,
        })
    }

    /// Merges the fits of two partitions; equal to fitting their union.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] when either fit is winsorised (percentiles of
    /// partitions do not combine into the percentile of the union).
    ///
    /// # Examples
    ///
    /// See [`MinMaxFit`].
    pub fn merge(&self, other: &MinMaxFit) -> Result<MinMaxFit> {
        if self.normalization != Normalization::MinMax
            || other.normalization != Normalization::MinMax
        {
            return Err(CrmkitError::invalid_config(
                "normalization",
                (self.normalization, other.normalization),
                "only plain min-max fits merge exactly; refit winsorised fits on the union",
            ));
        }
        Ok(MinMaxFit {
            recency: self.recency.merge(&other.recency),
            frequency: self.frequency.merge(&other.frequency),
            monetary: self.monetary.merge(&other.monetary),
            normalization: Normalization::MinMax,
        })
    }

    /// Scores and tiers in one pass: `out` gets the scores and `tiers` the tier codes (see
    /// [`tier_codes`]) when `thresholds` is given.
    ///
    /// # Errors
    ///
    /// As [`RfmScore::score`]; also [`CrmkitError::LengthMismatch`] for the outputs.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::score::{MinMaxFit, Normalization, RfmWeights, TierThresholds};
    /// let fit = MinMaxFit::fit(&[1, 9], &[1, 3], &[2.0, 4.0], Normalization::MinMax)?;
    /// let (mut scores, mut tiers) = ([0.0; 2], [0u8; 2]);
    /// let t = TierThresholds::default();
    /// fit.score_tiers_into(&[1, 9], &[1, 3], &[2.0, 4.0], &RfmWeights::default(), Some(&t), &mut scores, &mut tiers)?;
    /// assert_eq!(tiers, [0, 1]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn score_tiers_into<R: Numeric, F: Numeric, M: Numeric>(
        &self,
        recency: &[R],
        frequency: &[F],
        monetary: &[M],
        weights: &RfmWeights,
        thresholds: Option<&TierThresholds>,
        out: &mut [f64],
        tiers: &mut [u8],
    ) -> Result<()> {
        check_columns(recency, frequency, monetary)?;
        CrmkitError::check_len("out", recency.len(), out.len())?;
        if thresholds.is_some() {
            CrmkitError::check_len("tiers", recency.len(), tiers.len())?;
        }
        let term = |range: &Range, weight: f64, reversed: bool| match range.affine(reversed) {
            Some((pre, offset, scale)) => (pre, offset, scale, weight, 0.0),
            None => (1.0, 0.0, 0.0, 0.0, 0.5 * weight),
        };
        let (rp, r0, rs, rw, rc) = term(&self.recency, weights.recency, true);
        let (fp, f0, fs, fw, fc) = term(&self.frequency, weights.frequency, false);
        let (mp, m0, ms, mw, mc) = term(&self.monetary, weights.monetary, false);
        let constant = rc + fc + mc;
        // A value far outside a rescaled range may give ±∞ here, which clamps to 0 or 1.
        let score_one = move |r: f64, f: f64, m: f64| {
            constant
                + rw * ((r * rp - r0) * rs).clamp(0.0, 1.0)
                + fw * ((f * fp - f0) * fs).clamp(0.0, 1.0)
                + mw * ((m * mp - m0) * ms).clamp(0.0, 1.0)
        };
        let all_finite = std::sync::atomic::AtomicBool::new(true);
        let thresholds = thresholds.map(|t| (t.potential, t.high_value));
        // Blocks that any number of threads share evenly (each score depends on its row only).
        let pass = crate::runtime::parallel::for_block_pairs_mut;
        pass(
            out,
            tiers,
            PASS_BLOCK,
            MIN_PARALLEL_LEN,
            |offset, scores: &mut [f64], tiers: &mut [u8]| {
                // Small blocks: scores in one branch-free loop, then the block's tiers from the
                // scores while they are in L1. Each loop vectorises on its own; fused, the packing
                // of two tier bytes per iteration cost more than the arithmetic.
                const BLOCK: usize = 512;
                let mut finite = true;
                for (b, block) in scores.chunks_mut(BLOCK).enumerate() {
                    let start = offset + b * BLOCK;
                    let end = start + block.len();
                    let columns = recency[start..end]
                        .iter()
                        .zip(&frequency[start..end])
                        .zip(&monetary[start..end]);
                    for (o, ((r, f), m)) in block.iter_mut().zip(columns) {
                        let (r, f, m) = (r.to_f64(), f.to_f64(), m.to_f64());
                        // Summed, not branched on.
                        finite &= (r - f + m).is_finite();
                        *o = score_one(r, f, m);
                    }
                    if let Some((potential, high)) = thresholds {
                        let tiers = &mut tiers[b * BLOCK..b * BLOCK + block.len()];
                        for (tier, &s) in tiers.iter_mut().zip(block.iter()) {
                            *tier = u8::from(s >= potential) + u8::from(s >= high);
                        }
                    }
                }
                if !finite {
                    all_finite.store(false, std::sync::atomic::Ordering::Relaxed);
                }
            },
        );
        if !all_finite.into_inner() {
            // Either a value is NaN / infinite (reported with its row), or finite values only
            // overflowed the cheap finiteness probe and the scores are right as computed.
            first_non_finite("days_since_last", recency)?;
            first_non_finite("frequency", frequency)?;
            first_non_finite("monetary", monetary)?;
        }
        Ok(())
    }
}

/// Values per task of the min–max fit and score passes: 1 M customers make 16 tasks, which two
/// threads share 8 and 8 (the length-fixed chunks of `map_chunks` made 7: 4 and 3, an eighth
/// slower than an even split).
const PASS_BLOCK: usize = 1 << 16;

/// Min–max scores: values outside the fitted range clip to [0, 1].
impl RfmScore for MinMaxFit {
    fn score_into<R: Numeric, F: Numeric, M: Numeric>(
        &self,
        recency: &[R],
        frequency: &[F],
        monetary: &[M],
        weights: &RfmWeights,
        out: &mut [f64],
    ) -> Result<()> {
        self.score_tiers_into(recency, frequency, monetary, weights, None, out, &mut [])
    }
}

/// Tiers of scores as codes (index into [`Tier::ALL`]: 0 churn risk, 1 potential, 2 high value).
///
/// # Examples
///
/// ```
/// use crmkit::rfm::score::{tier_codes, TierThresholds};
/// assert_eq!(tier_codes(&[0.1, 0.5, 0.9], &TierThresholds::default()), vec![0, 1, 2]);
/// ```
pub fn tier_codes(scores: &[f64], thresholds: &TierThresholds) -> Vec<u8> {
    scores
        .iter()
        .map(|&s| u8::from(s >= thresholds.potential) + u8::from(s >= thresholds.high_value))
        .collect()
}

named_enum! {
    /// Which end of a dimension is better.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::score::Direction;
    /// assert_ne!(Direction::HigherIsBetter, Direction::LowerIsBetter);
    /// ```
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum Direction parsed as "direction" {
        /// Larger values get larger scores (frequency, monetary).
        HigherIsBetter,
        /// Smaller values get larger scores (`days_since_last`).
        LowerIsBetter,
    }
}

/// Fitted quantile bins for one dimension: integer scores 1..=k by percentile rank.
///
/// # Rule
///
/// Over the fitted population of n values, a value v scores
/// `1 + ⌊k · b(v) / n⌋`, where b(v) is the number of values that are strictly *worse* than v
/// (smaller for [`Direction::HigherIsBetter`], larger for [`Direction::LowerIsBetter`]).
/// Equal values therefore always share a score, the result does not depend on row order, and
/// with distinct values each score holds ⌈n/k⌉ or ⌊n/k⌋ customers.
///
/// Equivalently, the k − 1 realised cut points are the order statistics
/// `c_j = s_(⌈j·n/k⌉)` (1-based, s sorted from worst to best), and a value scores 1 plus the
/// number of cut points it is strictly better than. New customers are scored against the
/// same cut points.
///
/// # Ties
///
/// Heavy ties collapse bins: if 60 % of customers bought once, F = 1 is below no cut point
/// and every one-time buyer scores 1, while scores 2 and 3 hold nobody. Such unreachable
/// scores are listed by [`QuantileBins::empty_scores`] (the Python package warns) — rule sets
/// over the scores should not depend on them.
///
/// # Examples
///
/// ```
/// use crmkit::rfm::score::{Direction, QuantileBins};
/// let f = [1, 1, 1, 1, 1, 1, 2, 3, 5, 8];
/// let (bins, scores) = QuantileBins::fit_apply("frequency", &f, 5, Direction::HigherIsBetter)?;
/// assert_eq!(scores, vec![1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
/// assert_eq!(bins.cuts(), &[1.0, 1.0, 1.0, 3.0]);
/// assert_eq!(bins.empty_scores(), vec![2, 3]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "QuantileBinsFields")]
pub struct QuantileBins {
    k: u8,
    direction: Direction,
    cuts: Vec<f64>,
    /// The cut points as integers, exactly, when the bins were fitted on an integer column
    /// reaching beyond ±2^53 (where `f64` merges neighbouring integers); `cuts` then holds
    /// them rounded to the nearest `f64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exact_cuts: Option<Vec<i64>>,
    counts: Vec<u64>,
}

/// The serialised form of [`QuantileBins`]: loaded bins are checked like fitted ones (k in
/// 2..=100, k − 1 finite non-decreasing cut points, k counts, exact cut points that match), so
/// tampered JSON cannot give scores outside 1..=k.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuantileBinsFields {
    k: u8,
    direction: Direction,
    cuts: Vec<f64>,
    #[serde(default)]
    exact_cuts: Option<Vec<i64>>,
    counts: Vec<u64>,
}

impl TryFrom<QuantileBinsFields> for QuantileBins {
    type Error = CrmkitError;

    fn try_from(f: QuantileBinsFields) -> Result<Self> {
        let bad =
            |reason: &str| CrmkitError::invalid_config("QuantileBins", f.k, reason.to_owned());
        if !(2..=100).contains(&f.k) {
            return Err(bad("k must be between 2 and 100"));
        }
        let k = usize::from(f.k);
        if f.cuts.len() != k - 1 || f.counts.len() != k {
            return Err(bad("k - 1 cut points and k counts are needed"));
        }
        let ordered = match f.direction {
            Direction::HigherIsBetter => f.cuts.windows(2).all(|w| w[0] <= w[1]),
            Direction::LowerIsBetter => f.cuts.windows(2).all(|w| w[0] >= w[1]),
        };
        if !f.cuts.iter().all(|c| c.is_finite()) || !ordered {
            return Err(bad(
                "cut points must be finite and ordered from the worst end to the best",
            ));
        }
        if let Some(exact) = &f.exact_cuts {
            let matches = exact.len() == f.cuts.len()
                && exact.iter().zip(&f.cuts).all(|(&e, &c)| e as f64 == c);
            if !matches {
                return Err(bad("exact cut points must match the cut points"));
            }
        }
        Ok(Self {
            k: f.k,
            direction: f.direction,
            cuts: f.cuts,
            exact_cuts: f.exact_cuts,
            counts: f.counts,
        })
    }
}

impl QuantileBins {
    /// Fits the bins and scores the fitted values in one go.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`]; [`CrmkitError::InvalidValue`] naming `field` and the row
    /// of a NaN or infinite value; [`CrmkitError::InvalidConfig`] for k outside 2..=100.
    ///
    /// # Examples
    ///
    /// See [`QuantileBins`].
    pub fn fit_apply<T: Numeric>(
        field: &str,
        values: &[T],
        k: u8,
        direction: Direction,
    ) -> Result<(Self, Vec<u8>)> {
        if !(2..=100).contains(&k) {
            return Err(CrmkitError::invalid_config(
                "k",
                k,
                "the number of quantile scores must be between 2 and 100",
            ));
        }
        if values.is_empty() {
            return Err(CrmkitError::empty(field));
        }
        let n = values.len();
        // 0-based positions of the ⌈j·n/k⌉-th smallest keys, j = 1..k−1 (never decreasing).
        let positions: Vec<usize> = (1..usize::from(k))
            .map(|j| (j * n).div_ceil(usize::from(k)) - 1)
            .collect();
        if T::INTEGER {
            if let Some(fitted) = Self::fit_apply_small_integers(values, k, direction, &positions) {
                return Ok(fitted);
            }
            if let Some(fitted) = Self::fit_apply_wide_integers(values, k, direction, &positions) {
                return Ok(fitted);
            }
        }
        let parts = crate::runtime::parallel::map_chunks(n, |start, end| {
            T::min_max_finite(&values[start..end])
        });
        if !parts.iter().all(|p| p.2) {
            first_non_finite(field, values)?;
        }
        // Keys are monotone in the value (−0 and +0 equal), so the extreme keys are the keys
        // of the extreme values.
        let lo = parts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let hi = parts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        let (min_key, max_key) = match direction {
            Direction::HigherIsBetter => (oriented_key(lo, direction), oriented_key(hi, direction)),
            Direction::LowerIsBetter => (oriented_key(hi, direction), oriented_key(lo, direction)),
        };
        let selected = select_keys(values, min_key, max_key, &positions, |v: T| {
            oriented_key(v.to_f64(), direction)
        });
        let cuts: Vec<f64> = selected
            .iter()
            .map(|&(key, _)| key_value(key, direction))
            .collect();
        // Score s holds the values above cut s − 1 and at or below cut s.
        let mut at_or_below: Vec<usize> = selected.iter().map(|&(_, le)| le).collect();
        at_or_below.push(n);
        let counts = at_or_below
            .iter()
            .scan(0usize, |below, &le| {
                let count = le - *below;
                *below = le;
                Some(count as u64)
            })
            .collect();
        let bins = Self {
            k,
            direction,
            cuts,
            exact_cuts: None,
            counts,
        };
        let scores = bins.apply_finite(values);
        Ok((bins, scores))
    }

    /// The exact path for integer columns that reach beyond ±2^53, where converting to `f64`
    /// would merge neighbouring integers (2^62 and 2^62 + 1 would tie): the same selection as
    /// the float path, over keys made from the integers themselves, and cut points kept as
    /// integers. `None` when every value is within ±2^53 (the float path is exact there) or a
    /// value is beyond `i64` (a `u64` of 2^63 or more: such columns are compared as `f64`).
    fn fit_apply_wide_integers<T: Numeric>(
        values: &[T],
        k: u8,
        direction: Direction,
        positions: &[usize],
    ) -> Option<(Self, Vec<u8>)> {
        const EXACT: i128 = 1 << 53;
        // A vectorised look first: rounding to f64 is monotone and keeps ±2^53, so the column
        // stays within ±2^53 exactly when its rounded extremes do.
        let rounded = crate::runtime::parallel::map_chunks(values.len(), |start, end| {
            T::min_max_finite(&values[start..end])
        });
        let lo = rounded.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let hi = rounded
            .iter()
            .map(|p| p.1)
            .fold(f64::NEG_INFINITY, f64::max);
        if lo > -(EXACT as f64) && hi < EXACT as f64 {
            return None;
        }
        let parts = crate::runtime::parallel::map_chunks(values.len(), |start, end| {
            values[start..end]
                .iter()
                .fold((i128::MAX, i128::MIN), |(lo, hi), v| {
                    let v = v.to_i128();
                    (lo.min(v), hi.max(v))
                })
        });
        let lo = parts.iter().map(|p| p.0).min()?;
        let hi = parts.iter().map(|p| p.1).max()?;
        if (lo >= -EXACT && hi <= EXACT) || hi > i128::from(i64::MAX) {
            return None;
        }
        let key = move |v: T| integer_key(v.to_i128() as i64, direction);
        let (lo, hi) = (lo as i64, hi as i64);
        let (min_key, max_key) = match direction {
            Direction::HigherIsBetter => (integer_key(lo, direction), integer_key(hi, direction)),
            Direction::LowerIsBetter => (integer_key(hi, direction), integer_key(lo, direction)),
        };
        let selected = select_keys(values, min_key, max_key, positions, key);
        let exact_cuts: Vec<i64> = selected
            .iter()
            .map(|&(key, _)| integer_key_value(key, direction))
            .collect();
        let mut at_or_below: Vec<usize> = selected.iter().map(|&(_, le)| le).collect();
        at_or_below.push(values.len());
        let counts = at_or_below
            .iter()
            .scan(0usize, |below, &le| {
                let count = le - *below;
                *below = le;
                Some(count as u64)
            })
            .collect();
        let bins = Self {
            k,
            direction,
            cuts: exact_cuts.iter().map(|&c| c as f64).collect(),
            exact_cuts: Some(exact_cuts),
            counts,
        };
        let scores = bins.apply_finite(values);
        Some((bins, scores))
    }

    /// The exact path for integer columns whose range spans at most [`EXACT_RANGE`] values
    /// (days, purchase counts): one histogram of the values themselves gives the cut points and
    /// a score for every value in the range, so no keys are gathered or selected and scoring
    /// is a table lookup. `None` when the range is wider or beyond ±2^53 (where `f64` would
    /// merge distinct integers).
    fn fit_apply_small_integers<T: Numeric>(
        values: &[T],
        k: u8,
        direction: Direction,
        positions: &[usize],
    ) -> Option<(Self, Vec<u8>)> {
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        let parts = crate::runtime::parallel::map_chunks(values.len(), |start, end| {
            T::min_max_finite(&values[start..end])
        });
        let lo = parts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let hi = parts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        // Strict bounds: 2^53 + 1 rounds to 2^53, so a rounded extreme of ±2^53 may hide an
        // integer beyond it (and an offset into the histogram past its end).
        if !(lo > -EXACT && hi < EXACT && hi - lo < EXACT_RANGE as f64) {
            return None;
        }
        let (offset, width) = (lo as i64, (hi - lo) as usize + 1);
        let partial = crate::runtime::parallel::map_chunks(values.len(), |start, end| {
            // Small ranges count into four interleaved histograms, so that runs of equal values
            // do not serialise on one counter.
            let lanes = if width <= 1 << 13 { 4 } else { 1 };
            let mut counts = vec![0u64; lanes * width];
            let groups = values[start..end].chunks_exact(lanes);
            let tail = groups.remainder();
            for group in groups {
                for (lane, v) in group.iter().enumerate() {
                    counts[lane * width + (v.to_i64() - offset) as usize] += 1;
                }
            }
            for v in tail {
                counts[(v.to_i64() - offset) as usize] += 1;
            }
            counts
        });
        // Counts per value, from the worst value to the best.
        let mut hist = vec![0u64; width];
        for part in &partial {
            for lane in part.chunks_exact(width) {
                for (h, c) in hist.iter_mut().zip(lane) {
                    *h += c;
                }
            }
        }
        if direction == Direction::LowerIsBetter {
            hist.reverse();
        }
        // The index (worst = 0) of the value at each position.
        let mut cut_index = Vec::with_capacity(positions.len());
        let (mut index, mut before) = (0usize, 0u64);
        for &p in positions {
            while before + hist[index] <= p as u64 {
                before += hist[index];
                index += 1;
            }
            cut_index.push(index);
        }
        // A value scores 1 plus the number of cut points it is strictly better than.
        let mut table = vec![1u8; width];
        let mut counts = vec![0u64; usize::from(k)];
        for (i, (score, &count)) in table.iter_mut().zip(&hist).enumerate() {
            *score += cut_index.iter().map(|&c| u8::from(i > c)).sum::<u8>();
            counts[usize::from(*score - 1)] += count;
        }
        let value_at = |i: usize| match direction {
            Direction::HigherIsBetter => (offset + i as i64) as f64,
            Direction::LowerIsBetter => (offset + (width - 1 - i) as i64) as f64,
        };
        let cuts = cut_index.iter().map(|&i| value_at(i)).collect();
        if direction == Direction::LowerIsBetter {
            table.reverse(); // back to value order
        }
        let mut scores = vec![0u8; values.len()];
        crate::runtime::parallel::for_chunks_mut(&mut scores, |start, chunk| {
            for (score, &v) in chunk.iter_mut().zip(&values[start..]) {
                *score = table[(v.to_i64() - offset) as usize];
            }
        });
        Some((
            Self {
                k,
                direction,
                cuts,
                exact_cuts: None,
                counts,
            },
            scores,
        ))
    }

    /// Scores values against the fitted cut points.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] naming `field` and the row of a NaN or infinite value.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::rfm::score::{Direction, QuantileBins};
    /// let (bins, _) = QuantileBins::fit_apply("days_since_last", &[1, 10, 100, 1000], 4, Direction::LowerIsBetter)?;
    /// assert_eq!(bins.apply("days_since_last", &[0, 50, 5000])?, vec![4, 3, 1]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn apply<T: Numeric>(&self, field: &str, values: &[T]) -> Result<Vec<u8>> {
        first_non_finite(field, values)?;
        Ok(self.apply_finite(values))
    }

    /// Scores finite values: 1 plus the number of cut points each is strictly better than.
    /// For finite values, comparing floats is comparing their keys (−0 and +0 are equal in
    /// both), so this agrees with the rule exactly.
    fn apply_finite<T: Numeric>(&self, values: &[T]) -> Vec<u8> {
        const BLOCK: usize = 256;
        if let (true, Some(exact)) = (T::INTEGER, &self.exact_cuts) {
            return self.apply_exact_integers(values, exact);
        }
        // Oriented so that larger is better in both directions.
        let sign = match self.direction {
            Direction::HigherIsBetter => 1.0,
            Direction::LowerIsBetter => -1.0,
        };
        let cuts: Vec<f64> = self.cuts.iter().map(|&c| sign * c).collect();
        let mut scores = vec![0u8; values.len()];
        crate::runtime::parallel::for_chunks_mut(&mut scores, |offset, chunk| {
            let mut oriented = [0.0f64; BLOCK];
            for (block, out) in values[offset..offset + chunk.len()]
                .chunks(BLOCK)
                .zip(chunk.chunks_mut(BLOCK))
            {
                for (o, &v) in oriented.iter_mut().zip(block) {
                    *o = sign * v.to_f64();
                }
                out.fill(1);
                for &cut in &cuts {
                    for (s, &v) in out.iter_mut().zip(&oriented) {
                        *s += u8::from(v > cut);
                    }
                }
            }
        });
        scores
    }

    /// Integer values against integer cut points, compared as integers (no rounding). A value
    /// beyond `i64` is better than every cut point on its side.
    fn apply_exact_integers<T: Numeric>(&self, values: &[T], exact: &[i64]) -> Vec<u8> {
        let direction = self.direction;
        let cuts: Vec<i128> = exact.iter().map(|&c| i128::from(c)).collect();
        let mut scores = vec![0u8; values.len()];
        crate::runtime::parallel::for_chunks_mut(&mut scores, |offset, chunk| {
            for (s, v) in chunk.iter_mut().zip(&values[offset..]) {
                let v = v.to_i128();
                *s = 1 + cuts
                    .iter()
                    .map(|&c| match direction {
                        Direction::HigherIsBetter => u8::from(v > c),
                        Direction::LowerIsBetter => u8::from(v < c),
                    })
                    .sum::<u8>();
            }
        });
        scores
    }

    /// The number of scores, k.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::rfm::score::{Direction, QuantileBins};
    /// let (bins, _) = QuantileBins::fit_apply("m", &[1.0, 2.0], 5, Direction::HigherIsBetter)?;
    /// assert_eq!(bins.k(), 5);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn k(&self) -> u8 {
        self.k
    }

    /// The realised cut points `c_1..c_{k−1}`, from the worst end to the best end.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::rfm::score::{Direction, QuantileBins};
    /// let (bins, _) = QuantileBins::fit_apply("m", &[1.0, 2.0, 3.0, 4.0], 4, Direction::HigherIsBetter)?;
    /// assert_eq!(bins.cuts(), &[1.0, 2.0, 3.0]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn cuts(&self) -> &[f64] {
        &self.cuts
    }

    /// The direction the bins were fitted with.
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::rfm::score::{Direction, QuantileBins};
    /// let (bins, _) = QuantileBins::fit_apply("r", &[1.0, 2.0], 2, Direction::LowerIsBetter)?;
    /// assert_eq!(bins.direction(), Direction::LowerIsBetter);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Customers of the fitted population per score (index 0 is score 1).
    ///
    /// # Examples
    ///
    /// ```
    /// # use crmkit::rfm::score::{Direction, QuantileBins};
    /// let (bins, _) = QuantileBins::fit_apply("m", &[1.0, 2.0, 3.0, 4.0], 2, Direction::HigherIsBetter)?;
    /// assert_eq!(bins.counts(), &[2, 2]);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Scores that no customer of the fitted population reached (because of ties).
    ///
    /// # Examples
    ///
    /// See [`QuantileBins`].
    pub fn empty_scores(&self) -> Vec<u8> {
        (1..=self.k)
            .filter(|&s| self.counts[usize::from(s - 1)] == 0)
            .collect()
    }
}

/// The keys at sorted `positions` (ascending) without sorting, each with the number of keys
/// at or below it: a histogram of the keys over [min_key, max_key] finds the bucket of each
/// position, and only the keys of those few buckets are gathered and selected. Two streaming
/// passes plus small selections.
fn select_keys<T: Numeric>(
    values: &[T],
    min_key: u64,
    max_key: u64,
    positions: &[usize],
    key_of: impl Fn(T) -> u64 + Sync,
) -> Vec<(u64, usize)> {
    const BUCKET_BITS: u32 = 16;
    let span = max_key - min_key;
    let shift = (64 - span.leading_zeros()).saturating_sub(BUCKET_BITS);
    let bucket_of = |key: u64| ((key - min_key) >> shift) as usize;
    let buckets = (span >> shift) as usize + 1;
    let partial = crate::runtime::parallel::map_chunks(values.len(), |start, end| {
        let mut counts = vec![0usize; buckets];
        for &v in &values[start..end] {
            counts[bucket_of(key_of(v))] += 1;
        }
        counts
    });
    let mut counts = vec![0usize; buckets];
    for part in &partial {
        for (c, p) in counts.iter_mut().zip(part) {
            *c += p;
        }
    }
    // The bucket of each position, its rank inside the bucket and the keys before the bucket.
    let mut targets: Vec<(usize, usize, usize)> = Vec::with_capacity(positions.len());
    let (mut bucket, mut before) = (0usize, 0usize);
    for &p in positions {
        while before + counts[bucket] <= p {
            before += counts[bucket];
            bucket += 1;
        }
        targets.push((bucket, p - before, before));
    }
    // Gather the keys of the (at most k − 1 distinct) target buckets.
    let mut slot_of = vec![u8::MAX; counts.len()];
    let mut slots = 0usize;
    for &(b, _, _) in &targets {
        if slot_of[b] == u8::MAX {
            slot_of[b] = slots as u8;
            slots += 1;
        }
    }
    let parts = crate::runtime::parallel::map_chunks(values.len(), |start, end| {
        let mut gathered: Vec<Vec<u64>> = vec![Vec::new(); slots];
        for &v in &values[start..end] {
            let key = key_of(v);
            let slot = slot_of[bucket_of(key)];
            if slot != u8::MAX {
                gathered[usize::from(slot)].push(key);
            }
        }
        gathered
    });
    let mut gathered: Vec<Vec<u64>> = vec![Vec::new(); slots];
    for part in parts {
        for (all, some) in gathered.iter_mut().zip(part) {
            all.extend(some);
        }
    }
    targets
        .iter()
        .map(|&(b, rank, before)| {
            let keys = &mut gathered[usize::from(slot_of[b])];
            let key = *keys.select_nth_unstable(rank).1;
            (
                key,
                before + keys.iter().filter(|&&other| other <= key).count(),
            )
        })
        .collect()
}

/// Maps a finite float to a u64 whose unsigned order is the float order (−0 and +0 equal),
/// flipped for lower-is-better so that larger keys are always better.
#[inline]
fn oriented_key(v: f64, direction: Direction) -> u64 {
    let bits = (v + 0.0).to_bits();
    let key = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    match direction {
        Direction::HigherIsBetter => key,
        Direction::LowerIsBetter => !key,
    }
}

/// Maps an integer to a u64 whose unsigned order is the integer order, flipped for
/// lower-is-better so that larger keys are always better.
#[inline]
fn integer_key(v: i64, direction: Direction) -> u64 {
    let key = (v as u64) ^ (1 << 63);
    match direction {
        Direction::HigherIsBetter => key,
        Direction::LowerIsBetter => !key,
    }
}

/// The integer of an [`integer_key`].
fn integer_key_value(key: u64, direction: Direction) -> i64 {
    let key = match direction {
        Direction::HigherIsBetter => key,
        Direction::LowerIsBetter => !key,
    };
    (key ^ (1 << 63)) as i64
}

/// Integer columns whose range spans fewer values than this take the exact histogram path.
const EXACT_RANGE: usize = 1 << 16;

fn key_value(key: u64, direction: Direction) -> f64 {
    let key = match direction {
        Direction::HigherIsBetter => key,
        Direction::LowerIsBetter => !key,
    };
    let bits = if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    };
    f64::from_bits(bits)
}

fn winsorized_range<T: Numeric>(
    field: &str,
    values: &[T],
    lower: f64,
    upper: f64,
) -> Result<Range> {
    first_non_finite(field, values)?;
    let mut sorted: Vec<f64> = values.iter().map(|v| v.to_f64()).collect();
    sorted.sort_unstable_by(f64::total_cmp);
    Ok(Range {
        min: percentile(&sorted, lower),
        max: percentile(&sorted, upper),
        count: values.len() as u64,
    })
}

/// Minimum, maximum and whether all values are finite, in one vectorisable pass.
fn float_min_max_finite<T: Numeric>(values: &[T]) -> (f64, f64, bool) {
    // Four independent lanes of plain comparisons (minpd / maxpd, which pass NaN over) so the
    // loop vectorises. Finiteness is summed, not branched on: v · 0 is ±0 for finite values and
    // NaN for NaN and ±inf, and NaN sticks.
    let (mut lo, mut hi) = ([f64::INFINITY; 4], [f64::NEG_INFINITY; 4]);
    let mut probe = [0.0f64; 4];
    let chunks = values.chunks_exact(4);
    let rest = chunks.remainder();
    for chunk in chunks {
        for lane in 0..4 {
            let v = chunk[lane].to_f64();
            probe[lane] += v * 0.0;
            lo[lane] = if v < lo[lane] { v } else { lo[lane] };
            hi[lane] = if v > hi[lane] { v } else { hi[lane] };
        }
    }
    for (lane, &v) in rest.iter().enumerate() {
        let v = v.to_f64();
        probe[lane] += v * 0.0;
        lo[lane] = if v < lo[lane] { v } else { lo[lane] };
        hi[lane] = if v > hi[lane] { v } else { hi[lane] };
    }
    (
        lo.iter().fold(f64::INFINITY, |a, &b| a.min(b)),
        hi.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b)),
        probe.iter().all(|&p| p == 0.0),
    )
}

/// Linear-interpolation percentile of sorted values (numpy's default, "type 7").
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else {
        return f64::NAN;
    };
    let h = q * last as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(last);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn check_columns<R, F, M>(recency: &[R], frequency: &[F], monetary: &[M]) -> Result<()> {
    if recency.is_empty() {
        return Err(CrmkitError::empty("days_since_last"));
    }
    CrmkitError::check_len("frequency", recency.len(), frequency.len())?;
    CrmkitError::check_len("monetary", recency.len(), monetary.len())
}

fn first_non_finite<T: Numeric>(field: &str, values: &[T]) -> Result<()> {
    match values.iter().position(|v| !v.to_f64().is_finite()) {
        None => Ok(()),
        Some(row) => Err(CrmkitError::invalid_value(
            field,
            row,
            values[row].to_f64(),
            "must be finite",
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_tampered_fit_is_refused_on_load() {
        let fit =
            MinMaxFit::fit(&[1.0, 9.0], &[1.0, 3.0], &[2.0, 4.0], Normalization::MinMax).unwrap();
        let text = serde_json::to_string(&fit).unwrap();
        assert_eq!(serde_json::from_str::<MinMaxFit>(&text).unwrap(), fit);
        for bad in [
            text.replace("\"min\":2.0", "\"min\":5.0"),
            text.replacen("\"count\":2", "\"count\":0", 1),
        ] {
            assert_ne!(bad, text);
            assert!(serde_json::from_str::<MinMaxFit>(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn extreme_ranges_score_finite() {
        // Issue 12: a MinMaxFit on [0, 5e-324] scored NaN (1 / width = inf, 0 · inf = NaN).
        let w = RfmWeights::default();
        for m in [[0.0, 5e-324], [-f64::MAX, f64::MAX], [0.0, f64::MAX]] {
            let fit = MinMaxFit::fit(&[1.0, 1.0], &[1.0, 1.0], &m, Normalization::MinMax).unwrap();
            let s = fit.score(&[1.0, 1.0], &[1.0, 1.0], &m, &w).unwrap();
            // R and F are flat (0.5 each); M is 0 then 1.
            let flat = 0.5 * (w.recency + w.frequency);
            assert!((s[0] - flat).abs() < 1e-12, "{m:?}: {s:?}");
            assert!((s[1] - (flat + w.monetary)).abs() < 1e-12, "{m:?}: {s:?}");
        }
    }

    proptest! {
        #[test]
        fn scores_are_in_unit_interval_for_any_finite_range(
            a in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
            b in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO,
            t in 0.0f64..=1.0,
        ) {
            let (lo, hi) = (a.min(b), a.max(b));
            let mid = lo + (hi - lo) * t;
            let mid = if mid.is_finite() { mid.clamp(lo, hi) } else { lo };
            let m = [lo, hi, mid];
            let fit = MinMaxFit::fit(&[1.0; 3], &[1.0; 3], &m, Normalization::MinMax).unwrap();
            let s = fit.score(&[1.0; 3], &[1.0; 3], &m, &RfmWeights::default()).unwrap();
            for v in s {
                prop_assert!((0.0..=1.0).contains(&v), "{:?} -> {}", m, v);
            }
        }
    }

    /// Hand-computed: R = (1, 30, 90), F = (10, 2, 1), M = (500, 80, 20).
    /// normR = (89, 60, 0)/89, normF = (9, 1, 0)/9, normM = (480, 60, 0)/480.
    #[test]
    fn min_max_matches_hand_computation() {
        let fit = MinMaxFit::fit(
            &[1.0, 30.0, 90.0],
            &[10, 2, 1],
            &[500.0, 80.0, 20.0],
            Normalization::MinMax,
        )
        .unwrap();
        let s = fit
            .score(
                &[1.0, 30.0, 90.0],
                &[10, 2, 1],
                &[500.0, 80.0, 20.0],
                &RfmWeights::default(),
            )
            .unwrap();
        let expected = 0.3 * 60.0 / 89.0 + 0.4 / 9.0 + 0.3 * 60.0 / 480.0;
        assert!((s[1] - expected).abs() < 1e-15);
        assert_eq!(tier_codes(&s, &TierThresholds::default()), vec![2, 0, 0]);
    }

    /// Integer columns take the native min/max; it must equal converting every value first.
    #[test]
    fn integer_min_max_equals_the_float_pass() {
        let columns: [&[i64]; 4] = [
            &[5, -3, 9, 9, 0, 7],
            &[i64::MAX, i64::MIN, 1 << 53, (1 << 53) + 1, -1],
            &[42],
            &[3, 1, 2, 8, 6, 4, 5, 7, 0],
        ];
        for values in columns {
            let floats: Vec<f64> = values.iter().map(|&v| v as f64).collect();
            assert_eq!(i64::min_max_finite(values), f64::min_max_finite(&floats));
            let small: Vec<i32> = values
                .iter()
                .map(|&v| v.clamp(-1000, 1000) as i32)
                .collect();
            let small_f: Vec<f64> = small.iter().map(|&v| f64::from(v)).collect();
            assert_eq!(i32::min_max_finite(&small), f64::min_max_finite(&small_f));
        }
        assert_eq!(
            u64::min_max_finite(&[]),
            (f64::INFINITY, f64::NEG_INFINITY, true)
        );
        assert!(!f64::min_max_finite(&[1.0, f64::NAN]).2);
        // Every lane and the remainder: NaN and ±inf are caught, huge finite values are not.
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for at in 0..7 {
                let mut v = vec![1.0, -2.0, f64::MAX, -f64::MAX, 0.0, -0.0, 3.0];
                v[at] = bad;
                assert!(!f64::min_max_finite(&v).2, "{bad} at {at}");
            }
        }
        let huge = [f64::MAX, -f64::MAX, 5e-324, 1.0, 2.0];
        assert_eq!(f64::min_max_finite(&huge), (-f64::MAX, f64::MAX, true));
    }

    #[test]
    fn flat_dimensions_score_one_half() {
        let fit = MinMaxFit::fit(&[5, 5], &[1, 1], &[3.0, 3.0], Normalization::MinMax).unwrap();
        let s = fit
            .score(&[5, 5], &[1, 1], &[3.0, 3.0], &RfmWeights::default())
            .unwrap();
        assert_eq!(s, vec![0.5, 0.5]);
    }

    #[test]
    fn new_customers_clip_to_the_unit_interval() {
        let fit = MinMaxFit::fit(
            &[10.0, 20.0],
            &[1.0, 2.0],
            &[1.0, 2.0],
            Normalization::MinMax,
        )
        .unwrap();
        let s = fit
            .score(
                &[0.0, 100.0],
                &[10.0, 0.0],
                &[10.0, 0.0],
                &RfmWeights::default(),
            )
            .unwrap();
        assert_eq!(s, vec![1.0, 0.0]);
    }

    #[test]
    fn winsorizing_resists_one_huge_buyer() {
        let m: Vec<f64> = (1..=100).map(f64::from).chain([1e9]).collect();
        let r = vec![1.0; m.len()];
        let f = vec![1.0; m.len()];
        let plain = MinMaxFit::fit(&r, &f, &m, Normalization::MinMax).unwrap();
        let robust = MinMaxFit::fit(
            &r,
            &f,
            &m,
            Normalization::Winsorized {
                lower: 0.0,
                upper: 0.99,
            },
        )
        .unwrap();
        // numpy.percentile(m, 99) = 100 (index 99 of 101 values, no interpolation needed).
        assert_eq!(robust.monetary.max, 100.0);
        let w = RfmWeights::new(0.0, 0.0, 1.0).unwrap();
        assert!(plain.score(&r, &f, &m, &w).unwrap()[50] < 1e-6);
        assert!((robust.score(&r, &f, &m, &w).unwrap()[50] - 50.0 / 99.0).abs() < 1e-12);
        assert!(robust.merge(&plain).is_err());
    }

    #[test]
    fn bad_input_names_field_and_row() {
        let err = MinMaxFit::fit(
            &[1.0, f64::NAN],
            &[1, 2],
            &[1.0, 2.0],
            Normalization::MinMax,
        );
        assert!(
            matches!(err, Err(CrmkitError::InvalidValue { row: 1, ref field, .. }) if field == "days_since_last")
        );
        let fit = MinMaxFit::fit(&[1.0, 2.0], &[1, 2], &[1.0, 2.0], Normalization::MinMax).unwrap();
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
        assert!(MinMaxFit::fit::<f64, f64, f64>(&[], &[], &[], Normalization::MinMax).is_err());
        assert!(
            MinMaxFit::fit(
                &[1.0],
                &[1.0],
                &[1.0],
                Normalization::Winsorized {
                    lower: 0.5,
                    upper: 0.5
                }
            )
            .is_err()
        );
        assert!(RfmWeights::new(f64::NAN, 0.5, 0.5).is_err());
        assert!(TierThresholds::new(0.5, f64::INFINITY).is_err());
        assert!(QuantileBins::fit_apply("f", &[1.0], 1, Direction::HigherIsBetter).is_err());
        assert!(QuantileBins::fit_apply::<f64>("f", &[], 5, Direction::HigherIsBetter).is_err());
    }

    #[test]
    fn serde_round_trips_and_validates() {
        let fit = MinMaxFit::fit(
            &[1.0, 2.0],
            &[1, 2],
            &[1.0, 2.0],
            Normalization::Winsorized {
                lower: 0.1,
                upper: 0.9,
            },
        )
        .unwrap();
        let json = serde_json::to_string(&fit).unwrap();
        assert_eq!(serde_json::from_str::<MinMaxFit>(&json).unwrap(), fit);
        assert!(serde_json::from_str::<RfmWeights>("[0.5, 0.5, 0.5]").is_err());
        assert!(serde_json::from_str::<TierThresholds>("[0.9, 0.1]").is_err());
        let (bins, _) =
            QuantileBins::fit_apply("f", &[3.0, 1.0, 2.0], 3, Direction::LowerIsBetter).unwrap();
        assert_eq!(
            serde_json::from_str::<QuantileBins>(&serde_json::to_string(&bins).unwrap()).unwrap(),
            bins
        );
    }

    fn brute_force(values: &[f64], k: u8, direction: Direction) -> Vec<u8> {
        let n = values.len();
        values
            .iter()
            .map(|&v| {
                let worse = values
                    .iter()
                    .filter(|&&w| match direction {
                        Direction::HigherIsBetter => w < v,
                        Direction::LowerIsBetter => w > v,
                    })
                    .count();
                1 + (usize::from(k) * worse / n) as u8
            })
            .collect()
    }

    fn score_counts(scores: &[u8], k: u8) -> Vec<u64> {
        (1..=k)
            .map(|s| scores.iter().filter(|&&x| x == s).count() as u64)
            .collect()
    }

    /// The multi-threaded path (inputs above `parallel::MIN_PARALLEL_LEN`) against a sort-based
    /// oracle of the documented rule, and min–max scores against the plain formula.
    #[test]
    fn large_inputs_take_the_parallel_path_and_agree() {
        let n = 600_000;
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let values: Vec<f64> = (0..n).map(|_| (next() % 10_000) as f64 / 7.0).collect();
        let ints: Vec<i64> = (0..n).map(|_| (next() % 50) as i64).collect();
        for direction in [Direction::HigherIsBetter, Direction::LowerIsBetter] {
            let (_, scores) = QuantileBins::fit_apply("v", &values, 5, direction).unwrap();
            let mut sorted = values.clone();
            sorted.sort_unstable_by(f64::total_cmp);
            for (i, &v) in values.iter().enumerate().step_by(997) {
                let worse = match direction {
                    Direction::HigherIsBetter => sorted.partition_point(|&w| w < v),
                    Direction::LowerIsBetter => n - sorted.partition_point(|&w| w <= v),
                };
                assert_eq!(scores[i], 1 + (5 * worse / n) as u8, "row {i}");
            }
        }
        // Integer columns: the exact histogram path (small range) and the key path (wide
        // range), each equal to the float path on the same values, counts included.
        let wide: Vec<i64> = (0..n)
            .map(|_| (next() % 1_000_000) as i64 - 500_000)
            .collect();
        for column in [&ints, &wide] {
            let floats: Vec<f64> = column.iter().map(|&v| v as f64).collect();
            for direction in [Direction::HigherIsBetter, Direction::LowerIsBetter] {
                let (bins, scores) = QuantileBins::fit_apply("v", column, 5, direction).unwrap();
                let expected = QuantileBins::fit_apply("v", &floats, 5, direction).unwrap();
                assert_eq!((&bins, &scores), (&expected.0, &expected.1));
                assert_eq!(bins.counts(), &score_counts(&scores, 5)[..]);
                assert_eq!(bins.apply("v", column).unwrap(), scores);
            }
        }
        let fit = MinMaxFit::fit(&ints, &ints, &values, Normalization::MinMax).unwrap();
        assert_eq!((fit.recency.min, fit.recency.max), (0.0, 49.0));
        let t = TierThresholds::default();
        let (mut scores, mut tiers) = (vec![0.0; n], vec![0u8; n]);
        fit.score_tiers_into(
            &ints,
            &ints,
            &values,
            &RfmWeights::default(),
            Some(&t),
            &mut scores,
            &mut tiers,
        )
        .unwrap();
        let m = &fit.monetary;
        for i in (0..n).step_by(991) {
            let r = ints[i] as f64;
            let expected = 0.3 * (49.0 - r) / 49.0
                + 0.4 * r / 49.0
                + 0.3 * (values[i] - m.min) / (m.max - m.min);
            assert!((scores[i] - expected).abs() < 1e-12);
            assert_eq!(tiers[i], t.tier(scores[i]) as u8);
        }
        let mut bad = values.clone();
        bad[400_000] = f64::NAN;
        let err = QuantileBins::fit_apply("v", &bad, 5, Direction::HigherIsBetter);
        assert!(matches!(
            err,
            Err(CrmkitError::InvalidValue { row: 400_000, .. })
        ));
        let err = fit.score(&ints, &ints, &bad, &RfmWeights::default());
        assert!(matches!(
            err,
            Err(CrmkitError::InvalidValue { row: 400_000, .. })
        ));
    }

    proptest! {
        #[test]
        fn quantile_scores_follow_the_documented_rule(
            values in proptest::collection::vec(prop_oneof![(-5i32..5).prop_map(f64::from), -1e6f64..1e6], 1..300),
            k in 2u8..11,
            lower in any::<bool>(),
        ) {
            let direction = if lower { Direction::LowerIsBetter } else { Direction::HigherIsBetter };
            let (bins, scores) = QuantileBins::fit_apply("v", &values, k, direction).unwrap();
            prop_assert_eq!(&scores, &brute_force(&values, k, direction));
            prop_assert_eq!(&bins.apply("v", &values).unwrap(), &scores);
            prop_assert_eq!(bins.counts(), &score_counts(&scores, k)[..]);
            let mut reversed = values.clone();
            reversed.reverse();
            let (_, rs) = QuantileBins::fit_apply("v", &reversed, k, direction).unwrap();
            let mut back = rs.clone();
            back.reverse();
            prop_assert_eq!(back, scores);
        }

        /// Integer columns with a small range take the exact histogram path; it must agree
        /// with the float path (and the rule) on everything: scores, cut points and counts.
        /// Columns beyond ±2^53 follow the rule over the exact integers.
        #[test]
        fn integer_quantile_scores_equal_the_float_path(
            values in proptest::collection::vec(prop_oneof![
                3 => -40i64..40,
                1 => (0i64..70_000).prop_map(|v| v * 3),
                1 => any::<i64>(),
            ], 1..300),
            k in 2u8..11,
            lower in any::<bool>(),
        ) {
            let direction = if lower { Direction::LowerIsBetter } else { Direction::HigherIsBetter };
            let floats: Vec<f64> = values.iter().map(|&v| v as f64).collect();
            let (bins, scores) = QuantileBins::fit_apply("v", &values, k, direction).unwrap();
            const EXACT: i64 = 1 << 53;
            if values.iter().all(|v| v.abs() < EXACT) {
                let (float_bins, float_scores) = QuantileBins::fit_apply("v", &floats, k, direction).unwrap();
                prop_assert_eq!(&scores, &float_scores);
                prop_assert_eq!(&bins, &float_bins);
                prop_assert_eq!(&scores, &brute_force(&floats, k, direction));
            } else {
                // Beyond ±2^53 the integer path compares the integers themselves (f64 would
                // merge neighbours): the rule over exact integers.
                let n = values.len();
                let exact: Vec<u8> = values.iter().map(|&v| {
                    let worse = values.iter().filter(|&&w| if lower { w > v } else { w < v }).count();
                    1 + (usize::from(k) * worse / n) as u8
                }).collect();
                prop_assert_eq!(&scores, &exact);
            }
            prop_assert_eq!(bins.counts(), &score_counts(&scores, k)[..]);
            prop_assert_eq!(&bins.apply("v", &values).unwrap(), &scores);
        }

        #[test]
        fn min_max_scores_stay_in_range_and_merge_exactly(
            rows in proptest::collection::vec((0.0f64..400.0, 0u32..50, -100.0f64..1e5), 2..200),
            cut in 1usize..199,
        ) {
            let r: Vec<f64> = rows.iter().map(|x| x.0).collect();
            let f: Vec<u32> = rows.iter().map(|x| x.1).collect();
            let m: Vec<f64> = rows.iter().map(|x| x.2).collect();
            let cut = cut.min(rows.len() - 1);
            let whole = MinMaxFit::fit(&r, &f, &m, Normalization::MinMax).unwrap();
            let a = MinMaxFit::fit(&r[..cut], &f[..cut], &m[..cut], Normalization::MinMax).unwrap();
            let b = MinMaxFit::fit(&r[cut..], &f[cut..], &m[cut..], Normalization::MinMax).unwrap();
            prop_assert_eq!(a.merge(&b).unwrap(), whole);
            let s = whole.score(&r, &f, &m, &RfmWeights::default()).unwrap();
            prop_assert!(s.iter().all(|&x| (0.0..=1.0 + 1e-12).contains(&x)));
            // Monotone: more recent (smaller R) never scores lower, all else equal.
            let probe = whole.score(&[r[0], r[0] + 1.0], &[f[0], f[0]], &[m[0], m[0]], &RfmWeights::default()).unwrap();
            prop_assert!(probe[0] >= probe[1]);
        }
    }
}
