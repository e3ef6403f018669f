//! Evaluation of predicted churn probabilities: ROC AUC, log loss, Brier score, calibration by
//! quantile bins, and lift and capture rate in the top fraction.
//!
//! Every function takes the observed outcomes `y` (0 or 1) and the predictions as parallel
//! slices, validates them (lengths, non-empty, `y` in {0, 1}, predictions finite and, where they
//! must be probabilities, in `[0, 1]`) and never returns NaN. Results do not depend on the row
//! order: ties in the predictions are shared, never broken by position.

use serde::{Deserialize, Serialize};

use crate::{CrmkitError, Result};

/// Probabilities are clipped to `[LOG_LOSS_CLIP, 1 − LOG_LOSS_CLIP]` inside the log loss.
///
/// # Examples
///
/// ```
/// use crmkit::churn::evaluation::LOG_LOSS_CLIP;
/// let worst = crmkit::churn::log_loss(&[1.0], &[0.0]).unwrap();
/// assert_eq!(worst, -LOG_LOSS_CLIP.ln());
/// ```
pub const LOG_LOSS_CLIP: f64 = 1e-15;

fn check_outcomes(y: &[f64], predicted: &[f64], probabilities: bool) -> Result<()> {
    if y.is_empty() {
        return Err(CrmkitError::empty("y"));
    }
    CrmkitError::check_len("predicted", y.len(), predicted.len())?;
    if let Some(i) = y.iter().position(|v| *v != 0.0 && *v != 1.0) {
        return Err(CrmkitError::invalid_value("y", i, y[i], "must be 0 or 1"));
    }
    if let Some(i) = predicted
        .iter()
        .position(|v| !v.is_finite() || (probabilities && !(0.0..=1.0).contains(v)))
    {
        return Err(CrmkitError::invalid_value(
            "predicted",
            i,
            predicted[i],
            if probabilities {
                "must be a probability in [0, 1]"
            } else {
                "must be finite"
            },
        ));
    }
    Ok(())
}

/// Midranks (1-based; tied values share the mean of their ranks) of finite values.
fn midranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Ranks start + 1 ..= end share their mean.
        let mid = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = mid;
        }
        start = end;
    }
    ranks
}

/// Area under the ROC curve: the probability that a random positive scores above a random
/// negative, ties counting one half.
///
/// # Formula
///
/// AUC = (Σ_{yᵢ=1} rankᵢ − n₁·(n₁ + 1)/2) / (n₁·n₀) with midranks of the scores
/// (Mann–Whitney U / (n₁·n₀)).
///
/// # Examples
///
/// ```
/// use crmkit::churn::roc_auc;
/// // Positives score 0.35, 0.8, 0.4; negatives 0.1, 0.4, 0.4: wins 1 + 3 + (1 + ½ + ½) = 6 of 9.
/// let auc = roc_auc(&[0.0, 0.0, 1.0, 1.0, 0.0, 1.0], &[0.1, 0.4, 0.35, 0.8, 0.4, 0.4]).unwrap();
/// assert!((auc - 6.0 / 9.0).abs() < 1e-15);
/// ```
///
/// # Errors
///
/// [`CrmkitError::EmptyInput`], [`CrmkitError::LengthMismatch`], [`CrmkitError::InvalidValue`]
/// for `y` not 0/1, a non-finite score, or only one class present (row 0, field `y`).
pub fn roc_auc(y: &[f64], score: &[f64]) -> Result<f64> {
    check_outcomes(y, score, false)?;
    let n1 = y.iter().filter(|v| **v == 1.0).count();
    let n0 = y.len() - n1;
    if n1 == 0 || n0 == 0 {
        return Err(CrmkitError::invalid_value(
            "y",
            0,
            if n1 == 0 { 0 } else { 1 },
            "ROC AUC needs both classes",
        ));
    }
    let ranks = midranks(score);
    let rank_sum: f64 = ranks
        .iter()
        .zip(y)
        .filter(|(_, y)| **y == 1.0)
        .map(|(r, _)| r)
        .sum();
    let (n1, n0) = (n1 as f64, n0 as f64);
    Ok((rank_sum - n1 * (n1 + 1.0) / 2.0) / (n1 * n0))
}

/// Mean negative log-likelihood of the outcomes (cross-entropy, natural log).
///
/// # Formula
///
/// −(1/n)·Σ [yᵢ·ln pᵢ + (1 − yᵢ)·ln(1 − pᵢ)], pᵢ clipped to `[1e-15, 1 − 1e-15]`
/// ([`LOG_LOSS_CLIP`]) so that a confident wrong prediction costs ≈ 34.5, not infinity.
///
/// # Examples
///
/// ```
/// use crmkit::churn::log_loss;
/// let l = log_loss(&[1.0, 0.0], &[0.8, 0.4]).unwrap();
/// assert!((l - (-(0.8f64.ln() + 0.6f64.ln()) / 2.0)).abs() < 1e-15);
/// ```
///
/// # Errors
///
/// [`CrmkitError::EmptyInput`], [`CrmkitError::LengthMismatch`], [`CrmkitError::InvalidValue`]
/// for `y` not 0/1 or a prediction outside `[0, 1]`.
pub fn log_loss(y: &[f64], predicted: &[f64]) -> Result<f64> {
    check_outcomes(y, predicted, true)?;
    let total: f64 = y
        .iter()
        .zip(predicted)
        .map(|(y, p)| {
            let p = p.clamp(LOG_LOSS_CLIP, 1.0 - LOG_LOSS_CLIP);
            if *y == 1.0 { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    Ok(total / y.len() as f64)
}

/// Brier score: mean squared difference between prediction and outcome (0 is perfect).
///
/// # Formula
///
/// (1/n)·Σ (pᵢ − yᵢ)²
///
/// # Examples
///
/// ```
/// use crmkit::churn::brier_score;
/// assert!((brier_score(&[1.0, 0.0], &[0.8, 0.4]).unwrap() - 0.1).abs() < 1e-15);
/// ```
///
/// # Errors
///
/// As [`log_loss`].
pub fn brier_score(y: &[f64], predicted: &[f64]) -> Result<f64> {
    check_outcomes(y, predicted, true)?;
    let total: f64 = y
        .iter()
        .zip(predicted)
        .map(|(y, p)| (p - y) * (p - y))
        .sum();
    Ok(total / y.len() as f64)
}

/// One calibration bin: customers grouped by predicted probability.
///
/// # Examples
///
/// ```
/// use crmkit::churn::calibration_by_quantile;
/// let bins = calibration_by_quantile(&[0.0, 1.0], &[0.2, 0.9], 2).unwrap();
/// assert_eq!((bins[1].bin, bins[1].observed_rate), (2, 1.0));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// 1-based bin number, 1 = lowest predictions.
    pub bin: usize,
    /// Customers in the bin.
    pub n: usize,
    /// Mean predicted probability.
    pub mean_predicted: f64,
    /// Observed share of outcomes equal to 1.
    pub observed_rate: f64,
    /// Smallest prediction in the bin.
    pub min_predicted: f64,
    /// Largest prediction in the bin.
    pub max_predicted: f64,
}

/// Calibration by quantile bins (deciles with `n_bins = 10`): mean predicted probability
/// against the observed rate per bin of (roughly) equal size.
///
/// Row i goes to bin ⌊(midrankᵢ − ½)·n_bins / n⌋ + 1 (capped at `n_bins`), midranks over the
/// predictions: equal predictions always share a bin, so bins can differ in size when there
/// are ties, and a bin left empty by ties is omitted from the result.
///
/// # Examples
///
/// ```
/// use crmkit::churn::calibration_by_quantile;
/// let y = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0];
/// let p = [0.1, 0.2, 0.3, 0.6, 0.7, 0.9];
/// let bins = calibration_by_quantile(&y, &p, 3).unwrap();
/// assert_eq!(bins.len(), 3);
/// assert!((bins[0].mean_predicted - 0.15).abs() < 1e-15);
/// assert_eq!(bins[1].observed_rate, 0.5);
/// ```
///
/// # Errors
///
/// As [`log_loss`]; [`CrmkitError::InvalidConfig`] when `n_bins` is 0.
pub fn calibration_by_quantile(
    y: &[f64],
    predicted: &[f64],
    n_bins: usize,
) -> Result<Vec<CalibrationBin>> {
    check_outcomes(y, predicted, true)?;
    if n_bins == 0 {
        return Err(CrmkitError::invalid_config(
            "n_bins",
            n_bins,
            "must be >= 1",
        ));
    }
    let n = y.len() as f64;
    let ranks = midranks(predicted);
    // (count, Σp, Σy, min, max) per bin.
    let mut acc = vec![(0usize, 0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY); n_bins];
    for ((r, p), yi) in ranks.iter().zip(predicted).zip(y) {
        let b = (((r - 0.5) * n_bins as f64 / n).floor() as usize).min(n_bins - 1);
        let a = &mut acc[b];
        a.0 += 1;
        a.1 += p;
        a.2 += yi;
        a.3 = a.3.min(*p);
        a.4 = a.4.max(*p);
    }
    Ok(acc
        .into_iter()
        .enumerate()
        .filter(|(_, a)| a.0 > 0)
        .map(|(b, (count, sp, sy, lo, hi))| CalibrationBin {
            bin: b + 1,
            n: count,
            mean_predicted: sp / count as f64,
            observed_rate: sy / count as f64,
            min_predicted: lo,
            max_predicted: hi,
        })
        .collect())
}

/// Lift and capture rate of the customers with the highest scores.
///
/// # Examples
///
/// ```
/// use crmkit::churn::top_fraction_lift;
/// let l = top_fraction_lift(&[1.0, 0.0, 0.0, 0.0], &[0.9, 0.1, 0.2, 0.3], 0.25).unwrap();
/// assert_eq!((l.selected, l.lift, l.capture_rate), (1.0, 4.0, 1.0));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopFractionLift {
    /// The requested fraction (0.1 = top decile).
    pub fraction: f64,
    /// Customers selected: ⌈fraction·n⌉.
    pub selected: f64,
    /// Positives among the selected (expected value when ties straddle the cut).
    pub positives_selected: f64,
    /// positives_selected / selected.
    pub response_rate: f64,
    /// Share of positives among all customers.
    pub base_rate: f64,
    /// response_rate / base_rate (1 = no better than random).
    pub lift: f64,
    /// positives_selected / all positives: the share of churners caught.
    pub capture_rate: f64,
}

/// Lift and capture rate in the top `fraction` of scores (the top decile with 0.1).
///
/// The ⌈fraction·n⌉ highest-scored customers are selected. When tied scores straddle the
/// cut, the tied group contributes its positives in proportion to the part of it that is
/// selected (the expected value under random tie-breaking), so the result does not depend on
/// the row order.
///
/// # Formula
///
/// lift = (positives in top / selected) / (positives / n);
/// capture rate = positives in top / positives.
///
/// # Examples
///
/// ```
/// use crmkit::churn::top_fraction_lift;
/// // The top two tie: one selected slot shares their 1 positive → 0.5 expected positives.
/// let l = top_fraction_lift(&[1.0, 0.0, 0.0, 1.0], &[0.9, 0.9, 0.2, 0.1], 0.25).unwrap();
/// assert_eq!(l.positives_selected, 0.5);
/// assert_eq!(l.lift, 1.0);
/// ```
///
/// # Errors
///
/// As [`roc_auc`] (scores need only be finite); [`CrmkitError::InvalidConfig`] when `fraction`
/// is not in (0, 1]; [`CrmkitError::InvalidValue`] when there is no positive outcome.
pub fn top_fraction_lift(y: &[f64], score: &[f64], fraction: f64) -> Result<TopFractionLift> {
    check_outcomes(y, score, false)?;
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(CrmkitError::invalid_config(
            "fraction",
            fraction,
            "must be in (0, 1]",
        ));
    }
    let total_positive: f64 = y.iter().sum();
    if total_positive == 0.0 {
        return Err(CrmkitError::invalid_value(
            "y",
            0,
            0,
            "lift needs at least one positive outcome",
        ));
    }
    let n = y.len();
    let selected = ((fraction * n as f64).ceil() as usize).clamp(1, n);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let mut taken = 0usize;
    let mut positives = 0.0;
    let mut start = 0;
    while start < n && taken < selected {
        let mut end = start + 1;
        while end < n && score[order[end]] == score[order[start]] {
            end += 1;
        }
        let group = end - start;
        let group_positive: f64 = order[start..end].iter().map(|&i| y[i]).sum();
        let take = group.min(selected - taken);
        positives += group_positive * take as f64 / group as f64;
        taken += take;
        start = end;
    }
    let selected = selected as f64;
    let base_rate = total_positive / n as f64;
    let response_rate = positives / selected;
    Ok(TopFractionLift {
        fraction,
        selected,
        positives_selected: positives,
        response_rate,
        base_rate,
        lift: response_rate / base_rate,
        capture_rate: positives / total_positive,
    })
}

/// Every evaluation metric of predicted probabilities at once.
///
/// # Examples
///
/// ```
/// use crmkit::churn::evaluate_probabilities;
/// let r = evaluate_probabilities(&[0.0, 1.0, 0.0, 1.0], &[0.1, 0.8, 0.3, 0.6]).unwrap();
/// assert_eq!(r.auc, 1.0);
/// assert_eq!(r.top_decile.selected, 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Rows evaluated.
    pub n: usize,
    /// ROC AUC ([`roc_auc`]).
    pub auc: f64,
    /// Log loss ([`log_loss`]).
    pub log_loss: f64,
    /// Brier score ([`brier_score`]).
    pub brier_score: f64,
    /// Calibration by decile ([`calibration_by_quantile`] with 10 bins).
    pub calibration: Vec<CalibrationBin>,
    /// Lift and capture rate in the top decile ([`top_fraction_lift`] with 0.1).
    pub top_decile: TopFractionLift,
}

/// Computes the [`ClassificationReport`] of predicted probabilities.
///
/// # Examples
///
/// ```
/// use crmkit::churn::evaluate_probabilities;
/// let r = evaluate_probabilities(&[0.0, 1.0], &[0.5, 0.5]).unwrap();
/// assert_eq!((r.auc, r.brier_score), (0.5, 0.25));
/// ```
///
/// # Errors
///
/// As [`roc_auc`] and [`log_loss`].
pub fn evaluate_probabilities(y: &[f64], predicted: &[f64]) -> Result<ClassificationReport> {
    Ok(ClassificationReport {
        n: y.len(),
        auc: roc_auc(y, predicted)?,
        log_loss: log_loss(y, predicted)?,
        brier_score: brier_score(y, predicted)?,
        calibration: calibration_by_quantile(y, predicted, 10)?,
        top_decile: top_fraction_lift(y, predicted, 0.1)?,
    })
}
