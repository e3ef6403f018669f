//! Feedback scores: Net Promoter Score (NPS) and customer satisfaction (CSAT).
//!
//! - NPS asks "how likely are you to recommend us" on a 0–10 scale. Promoters answer 9–10,
//!   passives 7–8, detractors 0–6; NPS = 100 · (promoters − detractors) / n, in [−100, 100].
//! - CSAT asks for satisfaction on a 1–5 scale; the headline is the top-two-box share (answers
//!   ≥ 4), reported with the mean answer.
//!
//! Answers are taken as slices of any type that converts losslessly to `f64` (`f64`, `f32`, `u8`,
//! `i32`, …). An answer that is NaN, infinite, not a whole number or outside the scale is a
//! [`CrmkitError::InvalidValue`] naming the field `answers`, the row and the value: nothing is
//! dropped silently. Empty input is a [`CrmkitError::EmptyInput`].
//!
//! Intervals are two-sided at a selectable confidence level ([`DEFAULT_CONFIDENCE`] = 0.95); the
//! normal quantile comes from [`crate::math::stats::normal_quantile`], so other levels are exact, not table look-ups.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::math::stats::normal_quantile;
use crate::names::named_enum;
use crate::{CrmkitError, Result};

/// The default two-sided confidence level of every interval in this module.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::{z_for_confidence, DEFAULT_CONFIDENCE};
/// assert!((z_for_confidence(DEFAULT_CONFIDENCE)? - 1.96).abs() < 1e-3);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// The two-sided critical value z for a confidence level: z = Φ⁻¹(1 − (1 − confidence)/2).
///
/// # Errors
///
/// [`CrmkitError::InvalidConfig`] naming `confidence` unless 0 < confidence < 1.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::z_for_confidence;
/// assert!((z_for_confidence(0.95)? - 1.959963984540054).abs() < 1e-14);
/// assert!((z_for_confidence(0.90)? - 1.6448536269514722).abs() < 1e-14);
/// assert!(z_for_confidence(1.0).is_err());
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn z_for_confidence(confidence: f64) -> Result<f64> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(CrmkitError::invalid_config(
            "confidence",
            confidence,
            "the confidence level must lie strictly between 0 and 1 (e.g. 0.95)",
        ));
    }
    // Φ⁻¹(1 − α/2) = −Φ⁻¹(α/2); α/2 is exact, 1 − α/2 may not be.
    Ok(-normal_quantile((1.0 - confidence) / 2.0)?)
}

/// A two-sided confidence interval.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::ConfidenceInterval;
/// let ci = ConfidenceInterval { lower: 0.8, upper: 0.9, confidence: 0.95 };
/// assert!(ci.contains(0.85));
/// assert!((ci.width() - 0.1).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
    /// The two-sided confidence level, e.g. 0.95.
    pub confidence: f64,
}

impl ConfidenceInterval {
    /// Whether `value` lies in the closed interval.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::ConfidenceInterval;
    /// let ci = ConfidenceInterval { lower: -1.0, upper: 1.0, confidence: 0.9 };
    /// assert!(ci.contains(1.0) && !ci.contains(1.5));
    /// ```
    pub fn contains(&self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }

    /// Upper minus lower bound.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::ConfidenceInterval;
    /// let ci = ConfidenceInterval { lower: 2.0, upper: 5.0, confidence: 0.9 };
    /// assert_eq!(ci.width(), 3.0);
    /// ```
    pub fn width(&self) -> f64 {
        self.upper - self.lower
    }
}

// ---------------------------------------------------------------------------------------------
// Answer validation
// ---------------------------------------------------------------------------------------------

/// Converts one answer and checks it is a whole number in `min..=max`.
fn checked_answer<A: Copy + Into<f64>>(row: usize, answer: A, min: u8, max: u8) -> Result<u8> {
    let v: f64 = answer.into();
    if !v.is_finite() || v.fract() != 0.0 || v < f64::from(min) || v > f64::from(max) {
        return Err(CrmkitError::invalid_value(
            "answers",
            row,
            v,
            format!("answers must be whole numbers from {min} to {max}"),
        ));
    }
    // In range and whole, so the cast is exact.
    Ok(v as u8)
}

// ---------------------------------------------------------------------------------------------
// NPS
// ---------------------------------------------------------------------------------------------

named_enum! {
    /// The NPS group of one answer.
    ///
    /// Variants are ordered detractor < passive < promoter; their serde and display form is
    /// lower case (`"detractor"`, `"passive"`, `"promoter"`).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::NpsGroup;
    /// assert_eq!(NpsGroup::from_answer(9.0_f64, 0)?, NpsGroup::Promoter);
    /// assert_eq!(NpsGroup::from_answer(7_u8, 0)?, NpsGroup::Passive);
    /// assert_eq!(NpsGroup::from_answer(6_u8, 0)?.as_str(), "detractor");
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    #[derive(PartialOrd, Ord)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum NpsGroup parsed as "nps_group" {
        /// Answered 0–6.
        Detractor,
        /// Answered 7–8.
        Passive,
        /// Answered 9–10.
        Promoter,
    }
}

impl NpsGroup {
    /// All groups, in order detractor, passive, promoter.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::NpsGroup;
    /// assert_eq!(NpsGroup::ALL[2], NpsGroup::Promoter);
    /// ```
    pub const ALL: [NpsGroup; 3] = [NpsGroup::Detractor, NpsGroup::Passive, NpsGroup::Promoter];

    /// The group of an answer on the 0–10 scale; `row` is only used in the error.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] (field `answers`) when the answer is not a whole number
    /// from 0 to 10.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::NpsGroup;
    /// assert_eq!(NpsGroup::from_answer(10_u8, 0)?, NpsGroup::Promoter);
    /// assert!(NpsGroup::from_answer(11_u8, 4).is_err());
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn from_answer<A: Copy + Into<f64>>(answer: A, row: usize) -> Result<Self> {
        Ok(match checked_answer(row, answer, 0, 10)? {
            9..=10 => Self::Promoter,
            7..=8 => Self::Passive,
            _ => Self::Detractor,
        })
    }

    /// The stable lower-case name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(crmkit::feedback::NpsGroup::Passive.as_str(), "passive");
    /// ```
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Counts of promoters, passives and detractors.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::NpsCounts;
/// let counts = NpsCounts::from_answers(&[10_u8, 9, 8, 3])?;
/// assert_eq!(counts, NpsCounts { promoters: 2, passives: 1, detractors: 1 });
/// assert_eq!(counts.total(), 4);
/// assert_eq!(counts.nps()?, 25.0);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NpsCounts {
    /// Answers 9–10.
    pub promoters: u64,
    /// Answers 7–8.
    pub passives: u64,
    /// Answers 0–6.
    pub detractors: u64,
}

/// The largest number of respondents of one NPS count (2^53): every count, share and score is
/// exact in `f64` up to it; larger totals are refused with [`CrmkitError::InvalidConfig`].
///
/// # Examples
///
/// ```
/// assert_eq!(crmkit::feedback::MAX_RESPONDENTS, 1 << 53);
/// ```
pub const MAX_RESPONDENTS: u64 = 1 << 53;

impl NpsCounts {
    /// Counts the groups of a slice of 0–10 answers (`f64`, `u8`, … slices).
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidValue`] (field `answers`) naming the first row whose answer is NaN,
    /// infinite, not whole or outside 0..=10. An empty slice gives zero counts (no error).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::NpsCounts;
    /// assert_eq!(NpsCounts::from_answers(&[9.0, 6.0])?.promoters, 1);
    /// let err = NpsCounts::from_answers(&[9.0, 7.5]).unwrap_err();
    /// assert_eq!(err.row(), Some(1));
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn from_answers<A: Copy + Into<f64>>(answers: &[A]) -> Result<Self> {
        let mut counts = Self::default();
        for (row, &a) in answers.iter().enumerate() {
            counts.add(NpsGroup::from_answer(a, row)?);
        }
        Ok(counts)
    }

    /// Adds one respondent of `group`.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::{NpsCounts, NpsGroup};
    /// let mut c = NpsCounts::default();
    /// c.add(NpsGroup::Promoter);
    /// assert_eq!(c.promoters, 1);
    /// ```
    pub fn add(&mut self, group: NpsGroup) {
        match group {
            NpsGroup::Promoter => self.promoters += 1,
            NpsGroup::Passive => self.passives += 1,
            NpsGroup::Detractor => self.detractors += 1,
        }
    }

    /// Number of respondents.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::NpsCounts;
    /// assert_eq!(NpsCounts { promoters: 1, passives: 2, detractors: 3 }.total(), 6);
    /// ```
    pub fn total(&self) -> u64 {
        self.promoters
            .saturating_add(self.passives)
            .saturating_add(self.detractors)
    }

    /// The number of respondents, checked against [`MAX_RESPONDENTS`] (2^53, the largest count
    /// every share and score of which is computed exactly in `f64`).
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] (field `counts`) when the total exceeds 2^53.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::NpsCounts;
    /// let c = NpsCounts { promoters: 1 << 63, passives: 1 << 63, detractors: 5 };
    /// assert!(c.checked_total().is_err());
    /// ```
    pub fn checked_total(&self) -> Result<u64> {
        let total = self
            .promoters
            .checked_add(self.passives)
            .and_then(|t| t.checked_add(self.detractors));
        match total {
            Some(t) if t <= MAX_RESPONDENTS => Ok(t),
            _ => Err(CrmkitError::invalid_config(
                "counts",
                [self.promoters, self.passives, self.detractors],
                format!("at most {MAX_RESPONDENTS} respondents (2^53) in total"),
            )),
        }
    }

    /// The Net Promoter Score.
    ///
    /// # Formula
    ///
    /// NPS = 100 · (promoters − detractors) / n.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`] (field `answers`) when there are no respondents.
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::NpsCounts;
    /// let c = NpsCounts { promoters: 100, passives: 60, detractors: 40 };
    /// assert_eq!(c.nps()?, 30.0);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn nps(&self) -> Result<f64> {
        let n = self.checked_total()?;
        if n == 0 {
            return Err(CrmkitError::empty("answers"));
        }
        Ok(100.0 * (self.promoters as f64 - self.detractors as f64) / n as f64)
    }

    /// NPS with its confidence interval.
    ///
    /// # Formula
    ///
    /// With shares pP = P/n and pD = D/n, var = (pP + pD − (pP − pD)²) / n and the interval is
    /// centre ± z · 100 · √var, with z = [`z_for_confidence`]`(confidence)`.
    /// - [`NpsIntervalMethod::Wald`]: centre = NPS, shares from the raw counts.
    /// - [`NpsIntervalMethod::AdjustedWald`] (Sauro & Lewis): add 0.75 detractor, 1.5 passives
    ///   and 0.75 promoter (n + 3) before computing the shares, the centre
    ///   100 · (pP − pD) and the variance with n + 3 — better coverage for small n and
    ///   extreme scores.
    ///
    /// The bounds are clipped to [−100, 100]. The raw NPS is always reported in
    /// [`NpsSummary::nps`]; the interval is around [`NpsSummary::center`].
    ///
    /// # Errors
    ///
    /// [`CrmkitError::EmptyInput`] without respondents; [`CrmkitError::InvalidConfig`] for a
    /// confidence level outside (0, 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::{NpsCounts, NpsIntervalMethod};
    /// let c = NpsCounts { promoters: 100, passives: 60, detractors: 40 };
    /// let s = c.summary(NpsIntervalMethod::Wald, 0.95)?;
    /// assert!((s.interval.lower - 19.18).abs() < 0.005);
    /// assert!((s.interval.upper - 40.82).abs() < 0.005);
    /// # Ok::<(), crmkit::CrmkitError>(())
    /// ```
    pub fn summary(&self, method: NpsIntervalMethod, confidence: f64) -> Result<NpsSummary> {
        let nps = self.nps()?;
        let z = z_for_confidence(confidence)?;
        let (p, pa, d, n) = match method {
            NpsIntervalMethod::Wald => (
                self.promoters as f64,
                self.passives as f64,
                self.detractors as f64,
                self.total() as f64,
            ),
            NpsIntervalMethod::AdjustedWald => (
                self.promoters as f64 + 0.75,
                self.passives as f64 + 1.5,
                self.detractors as f64 + 0.75,
                self.total() as f64 + 3.0,
            ),
        };
        debug_assert!((p + pa + d - n).abs() < 1e-9);
        let (share_p, share_d) = (p / n, d / n);
        let diff = share_p - share_d;
        // Rounding can make the variance a hair below 0 when the shares are 0 or 1.
        let variance = ((share_p + share_d - diff * diff) / n).max(0.0);
        let standard_error = 100.0 * variance.sqrt();
        // From the counts, not the shares, so that the Wald centre equals `nps` exactly.
        let center = 100.0 * (p - d) / n;
        let interval = ConfidenceInterval {
            lower: (center - z * standard_error).max(-100.0),
            upper: (center + z * standard_error).min(100.0),
            confidence,
        };
        Ok(NpsSummary {
            counts: *self,
            respondents: self.total(),
            nps,
            center,
            standard_error,
            interval,
            method,
        })
    }
}

named_enum! {
    /// How the NPS interval is computed; see [`NpsCounts::summary`].
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::NpsIntervalMethod;
    /// assert_eq!(NpsIntervalMethod::default(), NpsIntervalMethod::Wald);
    /// assert_eq!(serde_json::to_string(&NpsIntervalMethod::AdjustedWald).unwrap(), "\"adjusted_wald\"");
    /// ```
    #[derive(Default)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum NpsIntervalMethod parsed as "method" {
        /// Normal approximation on the raw counts (the textbook margin of error).
        #[default]
        Wald,
        /// Adjusted Wald: 0.75 / 1.5 / 0.75 pseudo-respondents added (n + 3).
        AdjustedWald,
    }
}

/// NPS of a set of answers with its interval.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::{nps, NpsIntervalMethod};
/// let s = nps(&[10_u8, 10, 9, 8, 2], NpsIntervalMethod::Wald, 0.95)?;
/// assert_eq!(s.nps, 40.0);
/// assert_eq!(s.respondents, 5);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NpsSummary {
    /// Group counts.
    pub counts: NpsCounts,
    /// Number of respondents n.
    pub respondents: u64,
    /// The NPS from the raw counts, in [−100, 100].
    pub nps: f64,
    /// The centre of the interval: equal to `nps` for Wald, the adjusted NPS for adjusted Wald.
    pub center: f64,
    /// Standard error in NPS points (100 · √var).
    pub standard_error: f64,
    /// The interval around `center`, clipped to [−100, 100].
    pub interval: ConfidenceInterval,
    /// The interval method used.
    pub method: NpsIntervalMethod,
}

/// NPS of 0–10 answers with a confidence interval; see [`NpsCounts::summary`] for the formulas.
///
/// # Formula
///
/// NPS = 100 · (promoters − detractors) / n; interval NPS ± z · 100 · √((pP + pD − (pP − pD)²)/n)
/// (Wald), or the adjusted-Wald variant.
///
/// # Errors
///
/// [`CrmkitError::InvalidValue`] (field `answers`) for the first answer that is NaN, not
/// whole or outside 0..=10; [`CrmkitError::EmptyInput`] for no answers;
/// [`CrmkitError::InvalidConfig`] for a confidence level outside (0, 1).
///
/// # Examples
///
/// ```
/// use crmkit::feedback::{nps, NpsIntervalMethod};
/// let mut answers = vec![10.0; 100];
/// answers.extend(vec![7.0; 60]);
/// answers.extend(vec![0.0; 40]);
/// let s = nps(&answers, NpsIntervalMethod::AdjustedWald, 0.95)?;
/// assert_eq!(s.nps, 30.0);
/// assert!((s.center - 29.56).abs() < 0.005);
/// assert!(nps(&[11.0], NpsIntervalMethod::Wald, 0.95).is_err());
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn nps<A: Copy + Into<f64>>(
    answers: &[A],
    method: NpsIntervalMethod,
    confidence: f64,
) -> Result<NpsSummary> {
    NpsCounts::from_answers(answers)?.summary(method, confidence)
}

/// Two NPS values compared: difference, its Wald interval and a two-sided z-test.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::{compare_nps, NpsCounts};
/// let a = NpsCounts { promoters: 100, passives: 60, detractors: 40 };
/// let b = NpsCounts { promoters: 80, passives: 60, detractors: 60 };
/// let cmp = compare_nps(&a, &b, 0.95)?;
/// assert_eq!(cmp.difference, 20.0);
/// assert!(cmp.p_value < 0.05);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NpsComparison {
    /// NPS of the first sample.
    pub nps_a: f64,
    /// NPS of the second sample.
    pub nps_b: f64,
    /// `nps_a − nps_b`, in NPS points.
    pub difference: f64,
    /// Standard error of the difference, in NPS points.
    pub standard_error: f64,
    /// Wald interval of the difference (clipped to [−200, 200]).
    pub interval: ConfidenceInterval,
    /// The z statistic `difference / standard_error` (±∞ when the error is 0 and the
    /// difference is not; 0 when both are 0).
    pub z: f64,
    /// Two-sided p-value of H0: equal NPS.
    pub p_value: f64,
}

/// Compares the NPS of two independent samples.
///
/// # Formula
///
/// diff = NPS_a − NPS_b; SE = 100 · √(var_a + var_b) with var = (pP + pD − (pP − pD)²)/n of each
/// sample (unpooled); interval diff ± z·SE; z-statistic diff / SE, p = 2·(1 − Φ(|z|)) = erfc(|z|/√2).
/// When SE = 0 (each sample all one group) and the NPS are equal, z = 0 and p = 1; when they
/// differ the test is undefined and an error is returned (never z = ±∞).
///
/// # Errors
///
/// [`CrmkitError::EmptyInput`] when a sample has no respondents (field `answers_a` /
/// `answers_b`); [`CrmkitError::InvalidConfig`] for a confidence outside (0, 1) or more than
/// [`MAX_RESPONDENTS`] respondents in a sample (field `counts`); [`CrmkitError::Numerical`]
/// when SE = 0 and the NPS differ.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::{compare_nps, NpsCounts};
/// let a = NpsCounts { promoters: 10, passives: 5, detractors: 5 };
/// let cmp = compare_nps(&a, &a, 0.95)?;
/// assert_eq!(cmp.difference, 0.0);
/// assert_eq!(cmp.p_value, 1.0);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn compare_nps(a: &NpsCounts, b: &NpsCounts, confidence: f64) -> Result<NpsComparison> {
    if a.total() == 0 {
        return Err(CrmkitError::empty("answers_a"));
    }
    if b.total() == 0 {
        return Err(CrmkitError::empty("answers_b"));
    }
    let sa = a.summary(NpsIntervalMethod::Wald, confidence)?;
    let sb = b.summary(NpsIntervalMethod::Wald, confidence)?;
    if sa.standard_error.hypot(sb.standard_error) == 0.0 && sa.nps != sb.nps {
        return Err(CrmkitError::Numerical {
            context: "compare_nps".into(),
            reason: format!(
                "both groups are unanimous (NPS {} and {}): the standard error is 0 and the \
                 z test is undefined",
                sa.nps, sb.nps
            ),
        });
    }
    let z_crit = z_for_confidence(confidence)?;
    let difference = sa.nps - sb.nps;
    let standard_error = sa.standard_error.hypot(sb.standard_error);
    let interval = ConfidenceInterval {
        lower: (difference - z_crit * standard_error).max(-200.0),
        upper: (difference + z_crit * standard_error).min(200.0),
        confidence,
    };
    let (z, p_value) = if standard_error > 0.0 {
        let z = difference / standard_error;
        (z, libm::erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0))
    } else {
        // Equal unanimous groups (a different pair is refused above).
        (0.0, 1.0)
    };
    Ok(NpsComparison {
        nps_a: sa.nps,
        nps_b: sb.nps,
        difference,
        standard_error,
        interval,
        z,
        p_value,
    })
}

// ---------------------------------------------------------------------------------------------
// Proportions and CSAT
// ---------------------------------------------------------------------------------------------

named_enum! {
    /// Interval method for a proportion (CSAT top-two-box share).
    ///
    /// # Examples
    ///
    /// ```
    /// use crmkit::feedback::ProportionIntervalMethod;
    /// assert_eq!(ProportionIntervalMethod::default(), ProportionIntervalMethod::Wilson);
    /// assert_eq!(serde_json::to_string(&ProportionIntervalMethod::AgrestiCoull).unwrap(), "\"agresti_coull\"");
    /// ```
    #[derive(Default)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum ProportionIntervalMethod parsed as "method" {
        /// Wilson score interval (the default: good coverage, never outside [0, 1]).
        #[default]
        Wilson,
        /// Wald p̂ ± z·√(p̂(1 − p̂)/n) — poor near 0 and 1; clipped to [0, 1].
        Wald,
        /// Agresti–Coull: Wald around (x + z²/2)/(n + z²) with ñ = n + z²; clipped to [0, 1].
        AgrestiCoull,
    }
}

/// Confidence interval of a binomial proportion `successes / trials`.
///
/// # Formula
///
/// With p̂ = x/n and z = [`z_for_confidence`]`(confidence)`:
/// - Wilson: (p̂ + z²/2n ± z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n)
/// - Wald: p̂ ± z·√(p̂(1 − p̂)/n)
/// - Agresti–Coull: ñ = n + z², p̃ = (x + z²/2)/ñ, p̃ ± z·√(p̃(1 − p̃)/ñ)
///
/// Wald and Agresti–Coull bounds are clipped to [0, 1].
///
/// # Errors
///
/// [`CrmkitError::EmptyInput`] (field `trials`) when `trials` is 0;
/// [`CrmkitError::InvalidConfig`] when `successes > trials` or the confidence is outside (0, 1).
///
/// # Examples
///
/// ```
/// use crmkit::feedback::{proportion_interval, ProportionIntervalMethod};
/// let ci = proportion_interval(172, 200, ProportionIntervalMethod::Wilson, 0.95)?;
/// assert!((ci.lower - 0.8051).abs() < 5e-5 && (ci.upper - 0.9013).abs() < 5e-5);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn proportion_interval(
    successes: u64,
    trials: u64,
    method: ProportionIntervalMethod,
    confidence: f64,
) -> Result<ConfidenceInterval> {
    if trials == 0 {
        return Err(CrmkitError::empty("trials"));
    }
    if successes > trials {
        return Err(CrmkitError::invalid_config(
            "successes",
            successes,
            format!("cannot exceed the number of trials ({trials})"),
        ));
    }
    let z = z_for_confidence(confidence)?;
    let n = trials as f64;
    let x = successes as f64;
    let p = x / n;
    let z2 = z * z;
    let (lower, upper) = match method {
        ProportionIntervalMethod::Wilson => {
            let denom = 1.0 + z2 / n;
            let centre = (p + z2 / (2.0 * n)) / denom;
            let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
            // Exact at the edges: x = 0 gives lower 0, x = n gives upper 1.
            let lower = if successes == 0 { 0.0 } else { centre - half };
            let upper = if successes == trials {
                1.0
            } else {
                centre + half
            };
            (lower, upper)
        }
        ProportionIntervalMethod::Wald => {
            let half = z * (p * (1.0 - p) / n).sqrt();
            (p - half, p + half)
        }
        ProportionIntervalMethod::AgrestiCoull => {
            let n_tilde = n + z2;
            let p_tilde = (x + z2 / 2.0) / n_tilde;
            let half = z * (p_tilde * (1.0 - p_tilde) / n_tilde).sqrt();
            (p_tilde - half, p_tilde + half)
        }
    };
    Ok(ConfidenceInterval {
        lower: lower.clamp(0.0, 1.0),
        upper: upper.clamp(0.0, 1.0),
        confidence,
    })
}

/// CSAT of 1–5 answers.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::{csat, ProportionIntervalMethod};
/// let s = csat(&[5_u8, 4, 3, 1], ProportionIntervalMethod::Wilson, 0.95)?;
/// assert_eq!(s.top_two_box, 0.5);
/// assert_eq!(s.mean, 3.25);
/// assert_eq!(s.distribution, [1, 0, 1, 1, 1]);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CsatSummary {
    /// Number of answers n.
    pub respondents: u64,
    /// Number of answers 4 or 5.
    pub satisfied: u64,
    /// Top-two-box share `satisfied / n`, in [0, 1].
    pub top_two_box: f64,
    /// Interval of the top-two-box share.
    pub interval: ConfidenceInterval,
    /// The interval method used.
    pub method: ProportionIntervalMethod,
    /// Mean answer, in [1, 5].
    pub mean: f64,
    /// Count of answers 1, 2, 3, 4, 5 (index 0 is answer 1).
    pub distribution: [u64; 5],
}

/// CSAT top-two-box share (answers ≥ 4), its interval and the mean answer.
///
/// # Formula
///
/// top-two-box = #{answers ≥ 4} / n; mean = Σ answers / n; interval from
/// [`proportion_interval`] (Wilson by default).
///
/// # Errors
///
/// [`CrmkitError::InvalidValue`] (field `answers`) for the first answer that is NaN, not
/// whole or outside 1..=5; [`CrmkitError::EmptyInput`] for no answers;
/// [`CrmkitError::InvalidConfig`] for a confidence outside (0, 1).
///
/// # Examples
///
/// ```
/// use crmkit::feedback::{csat, ProportionIntervalMethod};
/// let mut answers = vec![5.0; 172];
/// answers.extend(vec![2.0; 28]);
/// let s = csat(&answers, ProportionIntervalMethod::Wilson, 0.95)?;
/// assert_eq!(s.top_two_box, 0.86);
/// assert!((s.interval.lower - 0.8051).abs() < 5e-5);
/// assert!(csat(&[0.0], ProportionIntervalMethod::Wilson, 0.95).is_err());
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn csat<A: Copy + Into<f64>>(
    answers: &[A],
    method: ProportionIntervalMethod,
    confidence: f64,
) -> Result<CsatSummary> {
    let mut distribution = [0_u64; 5];
    for (row, &a) in answers.iter().enumerate() {
        let v = checked_answer(row, a, 1, 5)?;
        if let Some(slot) = distribution.get_mut(usize::from(v - 1)) {
            *slot += 1;
        }
    }
    csat_from_distribution(distribution, method, confidence)
}

fn csat_from_distribution(
    distribution: [u64; 5],
    method: ProportionIntervalMethod,
    confidence: f64,
) -> Result<CsatSummary> {
    let respondents: u64 = distribution.iter().sum();
    if respondents == 0 {
        return Err(CrmkitError::empty("answers"));
    }
    let satisfied = distribution[3] + distribution[4];
    let total: f64 = distribution
        .iter()
        .zip(1_u32..)
        .map(|(&c, score)| c as f64 * f64::from(score))
        .sum();
    Ok(CsatSummary {
        respondents,
        satisfied,
        top_two_box: satisfied as f64 / respondents as f64,
        interval: proportion_interval(satisfied, respondents, method, confidence)?,
        method,
        mean: total / respondents as f64,
        distribution,
    })
}

// ---------------------------------------------------------------------------------------------
// By segment, and NPS group against outcomes
// ---------------------------------------------------------------------------------------------

/// One segment's score.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::{nps_by_segment, NpsIntervalMethod};
/// let rows = nps_by_segment(&["a", "b", "a"], &[10_u8, 0, 9], NpsIntervalMethod::Wald, 0.95)?;
/// assert_eq!(rows[0].segment, "a");
/// assert_eq!(rows[0].score.nps, 100.0);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentScore<K, S> {
    /// The segment key.
    pub segment: K,
    /// The segment's summary ([`NpsSummary`] or [`CsatSummary`]).
    pub score: S,
}

fn check_segments<K, A>(segments: &[K], answers: &[A]) -> Result<()> {
    CrmkitError::check_len("segments", answers.len(), segments.len())?;
    if answers.is_empty() {
        return Err(CrmkitError::empty("answers"));
    }
    Ok(())
}

/// NPS per segment (one segment key per response), segments in ascending key order.
///
/// All answers are validated first, so an error names the row of the whole input.
///
/// # Formula
///
/// As [`nps`], within each segment.
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`] (field `segments`) when the slices differ in length;
/// [`CrmkitError::EmptyInput`] for no answers; [`CrmkitError::InvalidValue`] for a bad answer;
/// [`CrmkitError::InvalidConfig`] for a bad confidence.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::{nps_by_segment, NpsIntervalMethod};
/// let rows = nps_by_segment(&[2_u64, 1, 2], &[10.0, 0.0, 6.0], NpsIntervalMethod::Wald, 0.95)?;
/// assert_eq!(rows.len(), 2);
/// assert_eq!((rows[0].segment, rows[0].score.nps), (1, -100.0));
/// assert_eq!((rows[1].segment, rows[1].score.nps), (2, 0.0));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn nps_by_segment<K: Ord + Clone, A: Copy + Into<f64>>(
    segments: &[K],
    answers: &[A],
    method: NpsIntervalMethod,
    confidence: f64,
) -> Result<Vec<SegmentScore<K, NpsSummary>>> {
    check_segments(segments, answers)?;
    z_for_confidence(confidence)?;
    let mut groups: BTreeMap<&K, NpsCounts> = BTreeMap::new();
    for (row, (key, &a)) in segments.iter().zip(answers).enumerate() {
        groups
            .entry(key)
            .or_default()
            .add(NpsGroup::from_answer(a, row)?);
    }
    groups
        .into_iter()
        .map(|(key, counts)| {
            Ok(SegmentScore {
                segment: key.clone(),
                score: counts.summary(method, confidence)?,
            })
        })
        .collect()
}

/// CSAT per segment (one segment key per response), segments in ascending key order.
///
/// # Formula
///
/// As [`csat`], within each segment.
///
/// # Errors
///
/// As [`nps_by_segment`], with answers on the 1–5 scale.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::{csat_by_segment, ProportionIntervalMethod};
/// let rows = csat_by_segment(&["web", "store", "web"], &[5_u8, 2, 3], ProportionIntervalMethod::Wilson, 0.95)?;
/// assert_eq!(rows[0].segment, "store");
/// assert_eq!(rows[1].score.top_two_box, 0.5);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn csat_by_segment<K: Ord + Clone, A: Copy + Into<f64>>(
    segments: &[K],
    answers: &[A],
    method: ProportionIntervalMethod,
    confidence: f64,
) -> Result<Vec<SegmentScore<K, CsatSummary>>> {
    check_segments(segments, answers)?;
    z_for_confidence(confidence)?;
    let mut groups: BTreeMap<&K, [u64; 5]> = BTreeMap::new();
    for (row, (key, &a)) in segments.iter().zip(answers).enumerate() {
        let v = checked_answer(row, a, 1, 5)?;
        if let Some(slot) = groups.entry(key).or_default().get_mut(usize::from(v - 1)) {
            *slot += 1;
        }
    }
    groups
        .into_iter()
        .map(|(key, distribution)| {
            Ok(SegmentScore {
                segment: key.clone(),
                score: csat_from_distribution(distribution, method, confidence)?,
            })
        })
        .collect()
}

/// Outcomes of one NPS group.
///
/// # Examples
///
/// ```
/// use crmkit::feedback::{nps_group_outcomes, NpsGroup};
/// let rows = nps_group_outcomes(&[10_u8, 3], &[true, false], &[500.0, 80.0])?;
/// assert_eq!(rows[2].group, NpsGroup::Promoter);
/// assert_eq!(rows[2].mean_clv, Some(500.0));
/// assert_eq!(rows[1].respondents, 0);
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NpsGroupOutcome {
    /// The NPS group.
    pub group: NpsGroup,
    /// Respondents in the group.
    pub respondents: u64,
    /// Share of the group's respondents who repurchased (`None` for an empty group).
    pub repurchase_rate: Option<f64>,
    /// Mean CLV of the group's respondents (`None` for an empty group).
    pub mean_clv: Option<f64>,
}

/// Repurchase rate and mean CLV per NPS group: the evidence that promoters are worth more.
///
/// Always returns three rows, detractor, passive, promoter; a group without respondents has
/// `None` rate and mean.
///
/// # Formula
///
/// repurchase rate = #{repurchased} / respondents of the group; mean CLV = Σ CLV / respondents
/// (computed on CLVs scaled by 2^-64 when the sum overflows f64, so a finite mean is always
/// reported finite).
///
/// # Errors
///
/// [`CrmkitError::LengthMismatch`] (fields `repurchased`, `clv`) for slices of different length;
/// [`CrmkitError::EmptyInput`] for no answers; [`CrmkitError::InvalidValue`] for a bad answer
/// (field `answers`) or a non-finite CLV (field `clv`).
///
/// # Examples
///
/// ```
/// use crmkit::feedback::nps_group_outcomes;
/// let rows = nps_group_outcomes(&[9.0, 10.0, 0.0], &[true, false, false], &[100.0, 300.0, 50.0])?;
/// assert_eq!(rows[2].repurchase_rate, Some(0.5));
/// assert_eq!(rows[2].mean_clv, Some(200.0));
/// assert_eq!(rows[0].repurchase_rate, Some(0.0));
/// # Ok::<(), crmkit::CrmkitError>(())
/// ```
pub fn nps_group_outcomes<A: Copy + Into<f64>>(
    answers: &[A],
    repurchased: &[bool],
    clv: &[f64],
) -> Result<Vec<NpsGroupOutcome>> {
    CrmkitError::check_len("repurchased", answers.len(), repurchased.len())?;
    CrmkitError::check_len("clv", answers.len(), clv.len())?;
    if answers.is_empty() {
        return Err(CrmkitError::empty("answers"));
    }
    crate::error::check_finite("clv", clv)?;
    // Per group: respondents, repurchases, CLV sum, and the CLV sum scaled by 2^-64 (exact: a
    // power of two) for groups whose sum overflows f64 while their mean does not.
    const DOWN: f64 = 1.0 / 18_446_744_073_709_551_616.0; // 2^-64
    let mut acc = [(0_u64, 0_u64, 0.0_f64, 0.0_f64); 3];
    for (row, ((&a, &bought), &value)) in answers.iter().zip(repurchased).zip(clv).enumerate() {
        let group = NpsGroup::from_answer(a, row)?;
        let slot = &mut acc[group as usize];
        slot.0 += 1;
        slot.1 += u64::from(bought);
        slot.2 += value;
        slot.3 += value * DOWN;
    }
    Ok(NpsGroup::ALL
        .iter()
        .zip(acc)
        .map(|(&group, (n, bought, sum, scaled))| NpsGroupOutcome {
            group,
            respondents: n,
            repurchase_rate: (n > 0).then(|| bought as f64 / n as f64),
            mean_clv: (n > 0).then(|| {
                if sum.is_finite() {
                    sum / n as f64
                } else {
                    scaled / n as f64 / DOWN
                }
            }),
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::math::stats::normal_cdf;
    use proptest::prelude::*;

    #[test]
    fn mean_clv_near_f64_max_is_finite() {
        // Issue 12: CLVs of 1.7e308 gave an infinite mean.
        let rows = nps_group_outcomes(
            &[10.0, 9.0, 0.0],
            &[true, true, false],
            &[1.7e308, 1.7e308, 1.0],
        )
        .unwrap();
        assert_eq!(rows[2].mean_clv, Some(1.7e308));
        assert_eq!(rows[0].mean_clv, Some(1.0));
    }

    #[test]
    fn nps_counts_beyond_2_pow_53_are_refused_and_unanimous_groups_give_no_infinite_z() {
        // Issue 12: compare_nps((2^63, 2^63, 5), (1, 1, 1)) wrapped (NPS 1.8e20, lower > upper).
        let huge = NpsCounts {
            promoters: 1 << 63,
            passives: 1 << 63,
            detractors: 5,
        };
        let one = NpsCounts {
            promoters: 1,
            passives: 1,
            detractors: 1,
        };
        let err = compare_nps(&huge, &one, 0.95).unwrap_err();
        assert!(matches!(&err, CrmkitError::InvalidConfig { field, .. } if field == "counts"));
        assert!(huge.nps().is_err());
        let max = NpsCounts {
            promoters: MAX_RESPONDENTS,
            passives: 0,
            detractors: 0,
        };
        assert_eq!(max.nps().unwrap(), 100.0);
        // z = inf for a zero standard error with different NPS: now an error.
        let all_p = NpsCounts {
            promoters: 5,
            passives: 0,
            detractors: 0,
        };
        let all_d = NpsCounts {
            promoters: 0,
            passives: 0,
            detractors: 5,
        };
        assert!(matches!(
            compare_nps(&all_p, &all_d, 0.95),
            Err(CrmkitError::Numerical { .. })
        ));
        let same = compare_nps(&all_p, &all_p, 0.95).unwrap();
        assert_eq!((same.z, same.p_value), (0.0, 1.0));
    }

    proptest! {
        #[test]
        fn nps_comparison_is_finite_and_ordered(
            a in (0u64..1000, 0u64..1000, 0u64..1000),
            b in (0u64..1000, 0u64..1000, 0u64..1000),
        ) {
            let ca = NpsCounts { promoters: a.0, passives: a.1, detractors: a.2 };
            let cb = NpsCounts { promoters: b.0, passives: b.1, detractors: b.2 };
            if let Ok(c) = compare_nps(&ca, &cb, 0.95) {
                prop_assert!(c.z.is_finite() && c.difference.is_finite());
                prop_assert!(c.interval.lower <= c.interval.upper);
                prop_assert!((-200.0..=200.0).contains(&c.difference));
            }
        }
    }

    fn reference_counts() -> NpsCounts {
        NpsCounts {
            promoters: 100,
            passives: 60,
            detractors: 40,
        }
    }

    #[test]
    fn normal_quantile_matches_reference_values() {
        // Reference values: R 4.x qnorm() / scipy.stats.norm.ppf, printed to 16 digits.
        let cases = [
            (0.975, 1.959_963_984_540_054),
            (0.995, 2.575_829_303_548_900_4),
            (0.95, 1.644_853_626_951_472_2),
            (0.5, 0.0),
            (0.001, -3.090_232_306_167_813_6),
            (0.841_344_746_068_542_9, 1.0),
            (1e-10, -6.361_340_902_404_056),
        ];
        for (p, z) in cases {
            let got = normal_quantile(p).unwrap();
            assert!(
                (got - z).abs() <= 1e-13 * z.abs().max(1.0),
                "p={p}: {got} vs {z}"
            );
        }
        assert!((z_for_confidence(0.99).unwrap() - 2.575_829_303_548_900_4).abs() < 1e-13);
        for p in [f64::MIN_POSITIVE, 5e-324, 1e-300] {
            let z = normal_quantile(p).unwrap();
            assert!(z.is_finite() && z < -37.0, "{p}: {z}");
        }
        for bad in [0.0, 1.0, -0.1, f64::NAN, 1.5] {
            assert!(normal_quantile(bad).is_err());
            assert!(matches!(
                z_for_confidence(bad),
                Err(CrmkitError::InvalidConfig { ref field, .. }) if field == "confidence"
            ));
        }
    }

    #[test]
    fn nps_reference_wald() {
        // Reference: the worked example, the NPS margin-of-error formula, hand-computed:
        // var = (0.5 + 0.2 − 0.09)/200 = 0.00305, 1.959964·100·√var = 10.824. Tolerance 0.005 (2 dp).
        let s = reference_counts()
            .summary(NpsIntervalMethod::Wald, 0.95)
            .unwrap();
        assert_eq!(s.nps, 30.0);
        assert_eq!(s.center, 30.0);
        assert!((s.interval.lower - 19.18).abs() < 0.005, "{s:?}");
        assert!((s.interval.upper - 40.82).abs() < 0.005, "{s:?}");
        assert!((s.standard_error - 100.0 * 0.00305_f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn nps_reference_adjusted_wald() {
        // Reference: the issue's worked example (Sauro & Lewis adjusted Wald, n + 3 = 203):
        // centre 100·60/203 = 29.557, interval [18.82, 40.30]. Tolerance 0.005 (2 dp).
        let s = reference_counts()
            .summary(NpsIntervalMethod::AdjustedWald, 0.95)
            .unwrap();
        assert_eq!(s.nps, 30.0);
        assert!((s.center - 100.0 * 60.0 / 203.0).abs() < 1e-12);
        assert!((s.center - 29.56).abs() < 0.005);
        assert!((s.interval.lower - 18.82).abs() < 0.005, "{s:?}");
        assert!((s.interval.upper - 40.30).abs() < 0.005, "{s:?}");
    }

    #[test]
    fn nps_from_answers_matches_counts_and_u8_equals_f64() {
        let f: Vec<f64> = (0..=10).map(f64::from).collect();
        let u: Vec<u8> = (0..=10).collect();
        let cf = NpsCounts::from_answers(&f).unwrap();
        assert_eq!(cf, NpsCounts::from_answers(&u).unwrap());
        assert_eq!(
            cf,
            NpsCounts {
                promoters: 2,
                passives: 2,
                detractors: 7
            }
        );
        // 100·(2 − 7)/11
        assert!((cf.nps().unwrap() - (-500.0 / 11.0)).abs() < 1e-12);
    }

    #[test]
    fn nps_bad_answers_name_field_row_and_value() {
        for (bad, shown) in [
            (11.0, "11"),
            (-1.0, "-1"),
            (7.5, "7.5"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
        ] {
            let err = nps(&[9.0, 8.0, bad], NpsIntervalMethod::Wald, 0.95).unwrap_err();
            match err {
                CrmkitError::InvalidValue {
                    field, row, value, ..
                } => {
                    assert_eq!((field.as_str(), row, value.as_str()), ("answers", 2, shown));
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(matches!(
            nps(&[11_u8], NpsIntervalMethod::Wald, 0.95),
            Err(CrmkitError::InvalidValue { row: 0, .. })
        ));
        assert!(matches!(
            nps::<f64>(&[], NpsIntervalMethod::Wald, 0.95),
            Err(CrmkitError::EmptyInput { .. })
        ));
        assert!(matches!(
            nps(&[9.0], NpsIntervalMethod::Wald, 0.0),
            Err(CrmkitError::InvalidConfig { .. })
        ));
    }

    #[test]
    fn nps_edge_cases_all_promoters() {
        let s = nps(&[10_u8; 5], NpsIntervalMethod::Wald, 0.95).unwrap();
        assert_eq!((s.nps, s.standard_error), (100.0, 0.0));
        assert_eq!((s.interval.lower, s.interval.upper), (100.0, 100.0));
        let a = nps(&[10_u8; 5], NpsIntervalMethod::AdjustedWald, 0.95).unwrap();
        // centre 100·(5.75 − 0.75)/8 = 62.5
        assert!((a.center - 62.5).abs() < 1e-12);
        assert!(a.interval.upper <= 100.0 && a.interval.lower < 62.5);
    }

    #[test]
    fn wald_centre_equals_nps_exactly() {
        // Regression: the centre was once computed from the shares (P/n − D/n), which can differ
        // from 100·(P − D)/n in the last bit (e.g. 0 promoters, 1 passive, 2 detractors).
        for p in 0..25_u64 {
            for pa in 0..25_u64 {
                for d in 0..25_u64 {
                    let c = NpsCounts {
                        promoters: p,
                        passives: pa,
                        detractors: d,
                    };
                    if c.total() == 0 {
                        continue;
                    }
                    let s = c.summary(NpsIntervalMethod::Wald, 0.95).unwrap();
                    assert_eq!(s.center, s.nps, "{c:?}");
                }
            }
        }
    }

    #[test]
    fn confidence_level_changes_width() {
        let c = reference_counts();
        let w90 = c.summary(NpsIntervalMethod::Wald, 0.90).unwrap();
        let w99 = c.summary(NpsIntervalMethod::Wald, 0.99).unwrap();
        // Half-width is z·SE: check exactly with the reference quantiles.
        let se = w90.standard_error;
        assert!((w90.interval.upper - 30.0 - 1.644_853_626_951_472_2 * se).abs() < 1e-9);
        assert!((w99.interval.upper - 30.0 - 2.575_829_303_548_900_4 * se).abs() < 1e-9);
    }

    #[test]
    fn compare_nps_hand_computed() {
        let a = reference_counts();
        let b = NpsCounts {
            promoters: 80,
            passives: 60,
            detractors: 60,
        };
        let cmp = compare_nps(&a, &b, 0.95).unwrap();
        // var_a = 0.00305; var_b = (0.4 + 0.3 − 0.01)/200 = 0.00345; SE = 100·√0.0065
        let se = 100.0 * 0.0065_f64.sqrt();
        assert!((cmp.standard_error - se).abs() < 1e-12);
        assert!((cmp.difference - 20.0).abs() < 1e-12);
        let z = 20.0 / se;
        assert!((cmp.z - z).abs() < 1e-12);
        // p = 2·(1 − Φ(2.4807)) ≈ 0.013111 (hand-computed with the normal table / R pnorm).
        assert!((cmp.p_value - 2.0 * (1.0 - normal_cdf(z))).abs() < 1e-12);
        assert!((cmp.p_value - 0.013_11).abs() < 5e-5, "{}", cmp.p_value);
        assert!((cmp.interval.lower - (20.0 - 1.959_963_984_540_054 * se)).abs() < 1e-9);
        // Degenerate: all promoters vs all detractors.
        let all_p = NpsCounts {
            promoters: 3,
            ..Default::default()
        };
        let all_d = NpsCounts {
            detractors: 3,
            ..Default::default()
        };
        // SE = 0 with different NPS: the z test is undefined (issue 12: was z = +inf).
        assert!(matches!(
            compare_nps(&all_p, &all_d, 0.95),
            Err(CrmkitError::Numerical { .. })
        ));
        assert!(matches!(
            compare_nps(&NpsCounts::default(), &all_d, 0.95),
            Err(CrmkitError::EmptyInput { ref field }) if field == "answers_a"
        ));
        assert!(matches!(
            compare_nps(&all_d, &NpsCounts::default(), 0.95),
            Err(CrmkitError::EmptyInput { ref field }) if field == "answers_b"
        ));
    }

    #[test]
    fn wilson_reference() {
        // Reference: the issue's example, 172 of 200 → Wilson [0.8051, 0.9013] (Wilson 1927
        // formula, hand-computed: centre 0.85321, half-width 0.04812). Tolerance 5e-5 (4 dp).
        let ci = proportion_interval(172, 200, ProportionIntervalMethod::Wilson, 0.95).unwrap();
        assert!((ci.lower - 0.8051).abs() < 5e-5, "{ci:?}");
        assert!((ci.upper - 0.9013).abs() < 5e-5, "{ci:?}");
    }

    #[test]
    fn wald_and_agresti_coull_hand_computed() {
        let z = 1.959_963_984_540_054_f64;
        let wald = proportion_interval(172, 200, ProportionIntervalMethod::Wald, 0.95).unwrap();
        let half = z * (0.86_f64 * 0.14 / 200.0).sqrt();
        assert!((wald.lower - (0.86 - half)).abs() < 1e-12);
        assert!((wald.upper - (0.86 + half)).abs() < 1e-12);
        let ac =
            proportion_interval(172, 200, ProportionIntervalMethod::AgrestiCoull, 0.95).unwrap();
        let nt = 200.0 + z * z;
        let pt = (172.0 + z * z / 2.0) / nt;
        let half = z * (pt * (1.0 - pt) / nt).sqrt();
        assert!((ac.lower - (pt - half)).abs() < 1e-12);
        assert!((ac.upper - (pt + half)).abs() < 1e-12);
        // Edges: Wald at 0 successes collapses to [0, 0]; Wilson gives [0, z²/(n + z²)].
        let w0 = proportion_interval(0, 10, ProportionIntervalMethod::Wald, 0.95).unwrap();
        assert_eq!((w0.lower, w0.upper), (0.0, 0.0));
        let wi0 = proportion_interval(0, 10, ProportionIntervalMethod::Wilson, 0.95).unwrap();
        assert_eq!(wi0.lower, 0.0);
        assert!((wi0.upper - z * z / (10.0 + z * z)).abs() < 1e-12);
        let wi1 = proportion_interval(10, 10, ProportionIntervalMethod::Wilson, 0.95).unwrap();
        assert_eq!(wi1.upper, 1.0);
        assert!(proportion_interval(3, 2, ProportionIntervalMethod::Wilson, 0.95).is_err());
        assert!(proportion_interval(0, 0, ProportionIntervalMethod::Wilson, 0.95).is_err());
    }

    #[test]
    fn csat_reference_and_mean() {
        let mut answers = vec![5_u8; 100];
        answers.extend([4_u8; 72]);
        answers.extend([3_u8; 20]);
        answers.extend([1_u8; 8]);
        let s = csat(&answers, ProportionIntervalMethod::Wilson, 0.95).unwrap();
        assert_eq!((s.respondents, s.satisfied), (200, 172));
        assert_eq!(s.distribution, [8, 0, 20, 72, 100]);
        assert!((s.mean - (500.0 + 288.0 + 60.0 + 8.0) / 200.0).abs() < 1e-12);
        assert!((s.interval.lower - 0.8051).abs() < 5e-5);
        assert!((s.interval.upper - 0.9013).abs() < 5e-5);
    }

    #[test]
    fn csat_bad_answers() {
        for (bad, shown) in [(0.0, "0"), (6.0, "6"), (4.5, "4.5"), (f64::NAN, "NaN")] {
            let err = csat(&[5.0, bad], ProportionIntervalMethod::Wilson, 0.95).unwrap_err();
            assert!(
                matches!(&err, CrmkitError::InvalidValue { field, row: 1, value, .. }
                    if field == "answers" && value == shown),
                "{err:?}"
            );
        }
        assert!(matches!(
            csat::<u8>(&[], ProportionIntervalMethod::Wilson, 0.95),
            Err(CrmkitError::EmptyInput { .. })
        ));
    }

    #[test]
    fn by_segment_and_errors() {
        let seg = ["b", "a", "b", "a", "c"];
        let ans = [10.0, 0.0, 8.0, 9.0, 7.0];
        let rows = nps_by_segment(&seg, &ans, NpsIntervalMethod::Wald, 0.95).unwrap();
        let got: Vec<(&str, f64)> = rows.iter().map(|r| (r.segment, r.score.nps)).collect();
        assert_eq!(got, vec![("a", 0.0), ("b", 50.0), ("c", 0.0)]);
        let err = nps_by_segment(
            &seg,
            &[10.0, 0.0, 8.0, 9.0, 12.0],
            NpsIntervalMethod::Wald,
            0.95,
        )
        .unwrap_err();
        assert_eq!(err.row(), Some(4));
        assert!(matches!(
            nps_by_segment(&seg[..4], &ans, NpsIntervalMethod::Wald, 0.95),
            Err(CrmkitError::LengthMismatch { .. })
        ));
        let c = csat_by_segment(
            &[1_u64, 1, 2],
            &[5.0, 3.0, 4.0],
            ProportionIntervalMethod::Wald,
            0.95,
        )
        .unwrap();
        assert_eq!((c[0].score.top_two_box, c[1].score.top_two_box), (0.5, 1.0));
        assert!(csat_by_segment(&[1_u64], &[9.0], ProportionIntervalMethod::Wald, 0.95).is_err());
        let json = serde_json::to_string(&rows[0]).unwrap();
        let back: SegmentScore<String, NpsSummary> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.segment, "a");
        assert_eq!(back.score, rows[0].score);
    }

    #[test]
    fn group_outcomes_and_errors() {
        let rows = nps_group_outcomes(
            &[10_u8, 9, 7, 3, 0],
            &[true, true, false, false, true],
            &[500.0, 300.0, 200.0, 100.0, 50.0],
        )
        .unwrap();
        assert_eq!(rows[0].group, NpsGroup::Detractor);
        assert_eq!(rows[0].repurchase_rate, Some(0.5));
        assert_eq!(rows[0].mean_clv, Some(75.0));
        assert_eq!(rows[1].mean_clv, Some(200.0));
        assert_eq!(rows[2].repurchase_rate, Some(1.0));
        assert_eq!(rows[2].mean_clv, Some(400.0));
        assert!(matches!(
            nps_group_outcomes(&[10_u8], &[true], &[f64::NAN]),
            Err(CrmkitError::InvalidValue { ref field, row: 0, .. }) if field == "clv"
        ));
        assert!(matches!(
            nps_group_outcomes(&[10_u8], &[true, false], &[1.0]),
            Err(CrmkitError::LengthMismatch { .. })
        ));
        assert!(matches!(
            nps_group_outcomes(&[10_u8], &[true], &[1.0, 2.0]),
            Err(CrmkitError::LengthMismatch { .. })
        ));
        assert!(nps_group_outcomes::<u8>(&[], &[], &[]).is_err());
    }

    #[test]
    fn serde_round_trip() {
        let s = reference_counts()
            .summary(NpsIntervalMethod::AdjustedWald, 0.9)
            .unwrap();
        let back: NpsSummary = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        let c = csat(&[5_u8, 1], ProportionIntervalMethod::AgrestiCoull, 0.95).unwrap();
        let back: CsatSummary = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        // serde_json's default float parser may be off by one ulp (no `float_roundtrip`).
        assert!((back.interval.upper - c.interval.upper).abs() <= 1e-15);
        assert!((back.interval.lower - c.interval.lower).abs() <= 1e-15);
        assert_eq!(
            (back.respondents, back.distribution, back.method, back.mean),
            (c.respondents, c.distribution, c.method, c.mean)
        );
        assert_eq!(
            serde_json::to_string(&NpsGroup::Promoter).unwrap(),
            "\"promoter\""
        );
    }

    proptest! {
        #[test]
        fn quantile_inverts_cdf(p in 1e-12_f64..0.999_999) {
            let z = normal_quantile(p).unwrap();
            let back = normal_cdf(z);
            prop_assert!((back - p).abs() <= 1e-13 * p.max(1e-3), "p={} back={}", p, back);
        }

        #[test]
        fn quantile_inverts_cdf_in_far_tail(exp10 in 12.0_f64..300.0) {
            let p = 10_f64.powf(-exp10);
            let z = normal_quantile(p).unwrap();
            prop_assert!(z.is_finite() && z < 0.0);
            prop_assert!((normal_cdf(z) - p).abs() <= 1e-12 * p, "p={} z={}", p, z);
            prop_assert!((normal_quantile(1.0 - 1e-12).unwrap() + normal_quantile(1e-12).unwrap()).abs() < 1e-3);
        }

        #[test]
        fn nps_in_range_and_interval_contains_centre(
            answers in proptest::collection::vec(0_u8..=10, 1..200),
            conf in 0.5_f64..0.999,
            adjusted in any::<bool>(),
        ) {
            let method = if adjusted { NpsIntervalMethod::AdjustedWald } else { NpsIntervalMethod::Wald };
            let s = nps(&answers, method, conf).unwrap();
            prop_assert!((-100.0..=100.0).contains(&s.nps));
            prop_assert!(s.interval.contains(s.center));
            prop_assert!(s.interval.lower >= -100.0 && s.interval.upper <= 100.0);
            if !adjusted { prop_assert_eq!(s.center, s.nps); }
        }

        #[test]
        fn nps_permutation_invariant(mut answers in proptest::collection::vec(0_u8..=10, 1..100), seed in any::<u64>()) {
            let before = nps(&answers, NpsIntervalMethod::Wald, 0.95).unwrap();
            // Deterministic shuffle from the seed.
            let n = answers.len();
            let mut s = seed;
            for i in (1..n).rev() {
                s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                answers.swap(i, (s >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(nps(&answers, NpsIntervalMethod::Wald, 0.95).unwrap(), before);
        }

        #[test]
        fn nps_monotone_in_promoters(p in 0_u64..100, pa in 0_u64..100, d in 0_u64..100) {
            prop_assume!(p + pa + d > 0);
            let c = NpsCounts { promoters: p, passives: pa, detractors: d };
            let more = NpsCounts { promoters: p + 1, ..c };
            prop_assert!(more.nps().unwrap() >= c.nps().unwrap());
            let fewer_det = NpsCounts { detractors: d + 1, ..c };
            prop_assert!(fewer_det.nps().unwrap() <= c.nps().unwrap());
        }

        #[test]
        fn proportion_intervals_contain_estimate(n in 1_u64..500, frac in 0.0_f64..=1.0, conf in 0.5_f64..0.999) {
            let x = ((n as f64) * frac).floor() as u64;
            let p = x as f64 / n as f64;
            for m in [ProportionIntervalMethod::Wilson, ProportionIntervalMethod::Wald, ProportionIntervalMethod::AgrestiCoull] {
                let ci = proportion_interval(x, n, m, conf).unwrap();
                prop_assert!(0.0 <= ci.lower && ci.upper <= 1.0);
                prop_assert!(ci.lower <= p + 1e-12 && p <= ci.upper + 1e-12, "{:?} {:?} p={}", m, ci, p);
                let wider = proportion_interval(x, n, m, (conf + 1.0) / 2.0).unwrap();
                prop_assert!(wider.width() >= ci.width() - 1e-12);
            }
        }

        #[test]
        fn compare_is_antisymmetric(p in 0_u64..50, pa in 0_u64..50, d in 1_u64..50, p2 in 1_u64..50) {
            let a = NpsCounts { promoters: p, passives: pa, detractors: d };
            let b = NpsCounts { promoters: p2, passives: d, detractors: pa };
            let ab = compare_nps(&a, &b, 0.95).unwrap();
            let ba = compare_nps(&b, &a, 0.95).unwrap();
            prop_assert!((ab.difference + ba.difference).abs() < 1e-9);
            prop_assert!((ab.p_value - ba.p_value).abs() < 1e-12);
            prop_assert!((0.0..=1.0).contains(&ab.p_value));
            prop_assert!(ab.interval.contains(ab.difference));
        }
    }
}
