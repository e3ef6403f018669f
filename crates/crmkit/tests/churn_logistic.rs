//! Logistic churn model: parity with statsmodels and scikit-learn, bad input, evaluation metrics.
//!
//! Reference values come from `tests/data/make_logit_reference.py` run with statsmodels 0.15.0,
//! scikit-learn 1.9.1 and numpy 2.4.6 on `tests/data/churn_logit.csv` (200 rows, features x1
//! in [-0.5, 1], x2 a Poisson count, x3 a gamma-distributed spend; label y; weight w in 1..=3).
#![allow(clippy::unwrap_used, clippy::excessive_precision)]

use crmkit::CrmkitError;
use crmkit::churn::{
    FitWarning, LogisticOptions, LogisticRegression, brier_score, calibration_by_quantile,
    evaluate_probabilities, log_loss, roc_auc, top_fraction_lift,
};
use ndarray::{Array1, Array2, array};

struct Data {
    x: Array2<f64>,
    y: Array1<f64>,
    w: Array1<f64>,
}

fn data() -> Data {
    let text = include_str!("data/churn_logit.csv");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let n = rows.len();
    let x = Array2::from_shape_fn((n, 3), |(i, j)| rows[i][j]);
    let y = rows.iter().map(|r| r[3]).collect();
    let w = rows.iter().map(|r| r[4]).collect();
    Data { x, y, w }
}

fn assert_close(name: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{name}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let err = (g - w).abs() / w.abs().max(1.0);
        assert!(err <= tol, "{name}[{i}]: got {g:.17e}, want {w:.17e}");
    }
}

#[test]
fn unpenalised_matches_statsmodels_logit() {
    let d = data();
    // statsmodels 0.15.0: Logit(y, add_constant(X)).fit(method="newton", tol=1e-12, maxiter=100)
    let params = [
        -0.981_298_801_248_118_6,
        1.952_097_364_571_561_6,
        -0.338_761_424_326_272_54,
        0.004_892_678_548_870_483,
    ];
    let bse = [
        0.459_486_627_834_591_38,
        0.441_837_942_054_122_47,
        0.098_861_660_046_328_667,
        0.001_049_537_813_460_770_9,
    ];
    let zvalues = [
        -2.135_641_696_196_156,
        4.418_129_768_340_359_8,
        -3.426_620_837_314_705_8,
        4.661_745_852_431_223_2,
    ];
    let pvalues = [
        0.032_708_630_054_324_409,
        9.955_864_215_596_407_9e-6,
        0.000_611_141_775_725_966_37,
        3.135_382_274_596_574_6e-6,
    ];
    let llf = -104.613_503_954_894_26;
    for standardize in [false, true] {
        let options = LogisticOptions {
            standardize,
            ..LogisticOptions::default()
        };
        let m = LogisticRegression::fit(d.x.view(), d.y.view(), None, &options).unwrap();
        assert_close("params", &m.params(), &params, 1e-8);
        let inf = m.inference.as_ref().unwrap();
        assert_close("bse", &inf.std_errors, &bse, 1e-8);
        assert_close("z", &inf.z_values, &zvalues, 1e-8);
        for (i, (g, w)) in inf.p_values.iter().zip(&pvalues).enumerate() {
            assert!((g - w).abs() <= 1e-8 * w.max(1e-300), "p[{i}]: {g} vs {w}");
        }
        assert!((m.log_likelihood - llf).abs() < 1e-9);
        assert!(m.warnings.is_empty());
    }
}

#[test]
fn predictions_and_metrics_match_statsmodels_and_sklearn() {
    let d = data();
    let m =
        LogisticRegression::fit(d.x.view(), d.y.view(), None, &LogisticOptions::default()).unwrap();
    let p = m.predict_proba(d.x.view()).unwrap();
    // statsmodels 0.15.0 Logit(...).predict(add_constant(X))[:5]
    let want = [
        0.852_102_904_392_969_98,
        0.085_819_490_566_699_616,
        0.780_057_697_351_875_36,
        0.369_669_781_670_202_37,
        0.959_928_956_225_690_08,
    ];
    assert_close("predict", &p.as_slice().unwrap()[..5], &want, 1e-8);
    let y = d.y.as_slice().unwrap();
    let p = p.as_slice().unwrap();
    // scikit-learn 1.9.1 sklearn.metrics.roc_auc_score / log_loss / brier_score_loss on those
    // predictions.
    assert!((roc_auc(y, p).unwrap() - 0.805_601_488_218_272_04).abs() < 1e-12);
    assert!((log_loss(y, p).unwrap() - 0.523_067_519_774_471_3).abs() < 1e-8);
    assert!((brier_score(y, p).unwrap() - 0.173_747_057_240_020_71).abs() < 1e-8);
    let report = evaluate_probabilities(y, p).unwrap();
    assert_eq!(report.calibration.len(), 10);
    assert_eq!(report.calibration.iter().map(|b| b.n).sum::<usize>(), 200);
    assert!(report.calibration.iter().all(|b| b.n == 20));
    assert_eq!(report.top_decile.selected, 20.0);
    assert!(report.top_decile.lift > 1.0);
    // Maximum likelihood is calibrated in the large: mean prediction = observed rate.
    let mean_p: f64 = p.iter().sum::<f64>() / 200.0;
    let mean_y: f64 = y.iter().sum::<f64>() / 200.0;
    assert!((mean_p - mean_y).abs() < 1e-9);
}

#[test]
fn weighted_unpenalised_matches_statsmodels_glm_freq_weights() {
    let d = data();
    // statsmodels 0.15.0: GLM(y, add_constant(X), family=Binomial(), freq_weights=w).fit(tol=1e-12)
    let params = [
        -0.988_291_569_762_590_8,
        2.104_540_869_063_193,
        -0.329_154_902_373_111_74,
        0.004_912_541_527_649_580_6,
    ];
    let bse = [
        0.326_639_171_570_060_34,
        0.312_093_172_805_253_62,
        0.067_354_425_681_084_643,
        0.000_759_742_273_887_509_45,
    ];
    let m = LogisticRegression::fit(
        d.x.view(),
        d.y.view(),
        Some(d.w.view()),
        &LogisticOptions::default(),
    )
    .unwrap();
    assert_close("params", &m.params(), &params, 1e-8);
    assert_close("bse", &m.inference.as_ref().unwrap().std_errors, &bse, 1e-8);
}

#[test]
fn penalised_matches_sklearn() {
    let d = data();
    // scikit-learn 1.9.1: LogisticRegression(C=c, tol=1e-10, max_iter=1000).fit(X, y)
    // (lbfgs; it agrees with solver="newton-cholesky" to 2e-9).
    let cases: [(f64, [f64; 4]); 2] = [
        (
            0.01,
            [
                -0.899_417_061_391_714_84,
                0.114_193_441_533_868_98,
                -0.177_407_772_390_595_69,
                0.004_121_772_989_077_562_1,
            ],
        ),
        (
            1.0,
            [
                -0.893_792_119_361_596_08,
                1.642_483_567_403_599_1,
                -0.326_802_881_394_885_06,
                0.004_730_056_612_509_110_1,
            ],
        ),
    ];
    for (c, want) in cases {
        let m =
            LogisticRegression::fit(d.x.view(), d.y.view(), None, &LogisticOptions::sklearn_c(c))
                .unwrap();
        assert_close(&format!("C={c}"), &m.params(), &want, 1e-6);
        assert!(m.inference.is_none());
    }
    // With sample weights: LogisticRegression(C=0.1, tol=1e-10, max_iter=1000)
    //     .fit(X, y, sample_weight=w)
    let want = [
        -0.719_012_053_459_638_03,
        1.128_460_172_760_154_2,
        -0.293_849_528_025_734_16,
        0.004_466_338_349_206_055,
    ];
    let m = LogisticRegression::fit(
        d.x.view(),
        d.y.view(),
        Some(d.w.view()),
        &LogisticOptions::sklearn_c(0.1),
    )
    .unwrap();
    assert_close("weighted C=0.1", &m.params(), &want, 1e-6);
}

#[test]
fn zero_weight_rows_are_ignored_and_model_round_trips() {
    let d = data();
    let mut w = Array1::ones(200);
    w[0] = 0.0;
    let full = LogisticRegression::fit(d.x.view(), d.y.view(), Some(w.view()), &Default::default())
        .unwrap();
    let sub = LogisticRegression::fit(
        d.x.slice(ndarray::s![1.., ..]),
        d.y.slice(ndarray::s![1..]),
        None,
        &Default::default(),
    )
    .unwrap();
    assert_close("zero weight", &full.params(), &sub.params(), 1e-9);
    let json = serde_json::to_string(&full).unwrap();
    let back: LogisticRegression = serde_json::from_str(&json).unwrap();
    // serde_json without its float_roundtrip feature may move the last bit.
    assert_close("json", &back.params(), &full.params(), 1e-15);
    assert_eq!(back.inference.is_some(), full.inference.is_some());
}

fn is_numerical(e: &CrmkitError, needle: &str) -> bool {
    matches!(e, CrmkitError::Numerical { reason, .. } if reason.contains(needle))
}

#[test]
fn perfect_separation_is_an_error() {
    let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]];
    let y = array![0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let e = LogisticRegression::fit(x.view(), y.view(), None, &Default::default()).unwrap_err();
    assert!(is_numerical(&e, "perfect separation"), "{e}");
}

#[test]
fn quasi_separation_is_an_error_unpenalised_and_fine_penalised() {
    // x ≤ 2 → 0, x ≥ 2 → 1 except the overlap at x = 2.
    let x = array![[0.0], [1.0], [2.0], [2.0], [3.0], [4.0]];
    let y = array![0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let e = LogisticRegression::fit(x.view(), y.view(), None, &Default::default()).unwrap_err();
    assert!(is_numerical(&e, "separation"), "{e}");
    let m = LogisticRegression::fit(x.view(), y.view(), None, &LogisticOptions::sklearn_c(1.0))
        .unwrap();
    assert!(m.params().iter().all(|b| b.is_finite()));
    assert!(m.warnings.is_empty());
}

#[test]
fn constant_and_collinear_columns_are_errors_naming_the_column() {
    let d = data();
    let mut x = d.x.clone();
    x.column_mut(1).fill(3.0);
    let e = LogisticRegression::fit(x.view(), d.y.view(), None, &Default::default()).unwrap_err();
    assert!(is_numerical(&e, "feature column 1 is constant"), "{e}");
    // Penalised, the constant column is harmless (scikit-learn fits it too).
    assert!(
        LogisticRegression::fit(x.view(), d.y.view(), None, &LogisticOptions::sklearn_c(1.0))
            .is_ok()
    );

    let mut x = Array2::zeros((200, 4));
    x.slice_mut(ndarray::s![.., ..3]).assign(&d.x);
    let combo = &d.x.column(0) * 2.0 - d.x.column(2);
    x.column_mut(3).assign(&combo);
    let e = LogisticRegression::fit(x.view(), d.y.view(), None, &Default::default()).unwrap_err();
    assert!(is_numerical(&e, "feature column 3 is collinear"), "{e}");
}

#[test]
fn bad_input_is_rejected_with_row_and_field() {
    let d = data();
    let mut x = d.x.clone();
    x[[7, 2]] = f64::NAN;
    let e = LogisticRegression::fit(x.view(), d.y.view(), None, &Default::default()).unwrap_err();
    assert_eq!((e.field(), e.row()), (Some("x[, 2]"), Some(7)));

    let mut y = d.y.clone();
    y[4] = 2.0;
    let e = LogisticRegression::fit(d.x.view(), y.view(), None, &Default::default()).unwrap_err();
    assert_eq!((e.field(), e.row()), (Some("y"), Some(4)));
    y[4] = f64::NAN;
    let e = LogisticRegression::fit(d.x.view(), y.view(), None, &Default::default()).unwrap_err();
    assert_eq!((e.field(), e.row()), (Some("y"), Some(4)));

    let y = Array1::zeros(200);
    let e = LogisticRegression::fit(d.x.view(), y.view(), None, &Default::default()).unwrap_err();
    assert!(e.to_string().contains("only one class"), "{e}");

    let mut w = d.w.clone();
    w[3] = -1.0;
    let e = LogisticRegression::fit(d.x.view(), d.y.view(), Some(w.view()), &Default::default())
        .unwrap_err();
    assert_eq!((e.field(), e.row()), (Some("sample_weight"), Some(3)));

    let e = LogisticRegression::fit(
        d.x.view(),
        d.y.slice(ndarray::s![..10]),
        None,
        &Default::default(),
    )
    .unwrap_err();
    assert!(matches!(e, CrmkitError::LengthMismatch { .. }));

    let e = LogisticRegression::fit(
        d.x.view(),
        d.y.view(),
        None,
        &LogisticOptions::sklearn_c(0.0),
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("l2_penalty"));

    let m = LogisticRegression::fit(d.x.view(), d.y.view(), None, &Default::default()).unwrap();
    assert!(m.predict_proba(array![[1.0, 2.0]].view()).is_err());
}

#[test]
fn not_converged_is_reported() {
    let d = data();
    let o = LogisticOptions {
        max_iter: 1,
        ..LogisticOptions::default()
    };
    let e = LogisticRegression::fit(d.x.view(), d.y.view(), None, &o).unwrap_err();
    assert!(matches!(e, CrmkitError::NotConverged { iterations: 1, .. }));
}

#[test]
fn auc_with_ties_equals_hand_count() {
    // Positives 0.35, 0.8, 0.4; negatives 0.1, 0.4, 0.4.
    // Pairs won: 0.35 beats 0.1 (1); 0.8 beats all (3); 0.4 beats 0.1 and ties twice (1 + ½ + ½).
    let y = [0.0, 0.0, 1.0, 1.0, 0.0, 1.0];
    let s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4];
    assert!((roc_auc(&y, &s).unwrap() - 6.0 / 9.0).abs() < 1e-15);
    // Reversed row order gives the same answer.
    let yr: Vec<f64> = y.iter().rev().copied().collect();
    let sr: Vec<f64> = s.iter().rev().copied().collect();
    assert_eq!(roc_auc(&yr, &sr).unwrap(), roc_auc(&y, &s).unwrap());
    // All scores tied: 0.5.
    assert_eq!(roc_auc(&y, &[0.3; 6]).unwrap(), 0.5);
    assert!(roc_auc(&[1.0, 1.0], &[0.1, 0.2]).is_err());
    assert!(roc_auc(&[1.0, 0.0], &[0.1, f64::NAN]).is_err());
}

#[test]
fn metric_hand_values_and_bad_input() {
    let y = [1.0, 0.0, 1.0, 0.0];
    let p = [1.0, 0.0, 0.0, 0.5];
    // Clipped: a confident miss costs −ln(1e-15).
    let want = (-(1e-15f64).ln() - 0.5f64.ln()) / 4.0;
    assert!((log_loss(&y, &p).unwrap() - want).abs() < 1e-12);
    assert!((brier_score(&y, &p).unwrap() - (1.0 + 0.25) / 4.0).abs() < 1e-15);
    assert!(log_loss(&y, &[0.1, 0.2, 1.2, 0.3]).is_err());
    assert!(brier_score(&[], &[]).is_err());
    assert!(calibration_by_quantile(&y, &p, 0).is_err());
    // Ties share a bin: two bins requested, but 0.0 and 0.5, 1.0 ranks put them apart.
    let bins = calibration_by_quantile(&[0.0, 1.0, 1.0, 0.0], &[0.2, 0.2, 0.2, 0.2], 2).unwrap();
    assert_eq!(bins.len(), 1);
    assert_eq!((bins[0].n, bins[0].observed_rate), (4, 0.5));
    let lift = top_fraction_lift(
        &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
        &[0.9, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.3, 0.4, 0.5],
        0.1,
    )
    .unwrap();
    assert_eq!(
        (
            lift.selected,
            lift.positives_selected,
            lift.lift,
            lift.capture_rate
        ),
        (1.0, 1.0, 5.0, 0.5)
    );
    assert!(top_fraction_lift(&[0.0, 0.0], &[0.1, 0.2], 0.1).is_err());
    assert!(top_fraction_lift(&[1.0, 0.0], &[0.1, 0.2], 1.5).is_err());
}

#[test]
fn near_certain_rows_give_a_warning_not_an_error() {
    // Overlapping classes plus one far-out row: fitted within 1e-6 of its label.
    let x = array![
        [0.0],
        [1.0],
        [2.0],
        [3.0],
        [4.0],
        [5.0],
        [6.0],
        [7.0],
        [8.0],
        [9.0],
        [60.0]
    ];
    let y = array![0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
    let m = LogisticRegression::fit(x.view(), y.view(), None, &Default::default()).unwrap();
    assert_eq!(
        m.warnings,
        vec![FitWarning::QuasiSeparation {
            near_certain_rows: 1
        }]
    );
}

#[test]
fn standardised_penalised_fit_matches_sklearn_on_scaled_features() {
    let d = data();
    // scikit-learn 1.9.1: LogisticRegression(C=1.0, tol=1e-10, max_iter=1000) fitted on
    // StandardScaler().fit_transform(X) (population sd), coefficients mapped back to the
    // original scale — the penalty acts on the standardised coefficients (glmnet convention).
    let want = [
        -0.943_351_506_433_259_05,
        1.863_525_273_295_339_8,
        -0.320_364_724_803_647_53,
        0.004_602_998_904_303_437_3,
    ];
    let options = LogisticOptions {
        standardize: true,
        ..LogisticOptions::sklearn_c(1.0)
    };
    let m = LogisticRegression::fit(d.x.view(), d.y.view(), None, &options).unwrap();
    assert!(m.standardized);
    assert_close("standardised C=1", &m.params(), &want, 1e-6);
}
