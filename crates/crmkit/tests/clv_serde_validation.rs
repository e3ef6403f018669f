//! Deserialised CLV models are validated like constructed ones: every parameter struct and
//! fitted result of the six models refuses, with an error naming the field, parameters that are
//! 0, negative, NaN / infinite (written as strings, since JSON has no such numbers) or beyond
//! double range (1e400), and a wrong number of parameters (missing or unknown fields). The
//! accepted values round-trip exactly.

#![allow(clippy::unwrap_used, clippy::expect_used)]
use crmkit::clv::{
    BgBbParams, BgNbdParams, ConvergenceReport, FittedBgBb, FittedBgNbd, FittedGammaGamma,
    FittedMbgNbd, FittedParetoNbd, FittedSbg, GammaGammaParams, MbgNbdParams, ParetoNbdParams,
    SbgParams,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The bad values, as JSON text.
const BAD: [&str; 7] = ["0", "0.0", "-1", "\"NaN\"", "\"inf\"", "1e400", "null"];

fn report() -> ConvergenceReport {
    ConvergenceReport {
        iterations: 12,
        function_evaluations: 20,
        gradient_norm: 1e-10,
        log_likelihood: -100.5,
        starts: 1,
        ..ConvergenceReport::default()
    }
}

/// `text` with the number of field `name` of the object at `path` replaced by `bad`.
fn with_field(value: &Value, path: &[&str], name: &str, bad: &str) -> String {
    let mut v = value.clone();
    let mut obj = &mut v;
    for p in path {
        obj = &mut obj[*p];
    }
    obj[name] = Value::String("@@BAD@@".to_owned());
    serde_json::to_string(&v)
        .unwrap()
        .replace("\"@@BAD@@\"", bad)
}

/// Checks one serde type: the good value round-trips; each parameter (in `params_path`) set to
/// each bad value, a missing parameter and an unknown extra one are refused naming the field.
fn check<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
    good: &T,
    params_path: &[&str],
    names: &[&str],
) {
    let value = serde_json::to_value(good).unwrap();
    let back: T = serde_json::from_str(&serde_json::to_string(good).unwrap()).unwrap();
    assert_eq!(&back, good);
    for name in names {
        for bad in BAD {
            let text = with_field(&value, params_path, name, bad);
            let err = serde_json::from_str::<T>(&text)
                .expect_err(&format!("{name} = {bad} accepted: {text}"));
            let msg = err.to_string();
            // our check names the field; serde's own type errors (strings, null, 1e400) say
            // what they expected
            assert!(
                msg.contains(&format!("`{name}`"))
                    || msg.contains("invalid type")
                    || msg.contains("out of range"),
                "{name} = {bad}: {msg}"
            );
            if bad == "0" || bad == "0.0" || bad == "-1" {
                assert!(msg.contains(&format!("invalid `{name}`")), "{msg}");
                assert!(msg.contains("finite and > 0"), "{msg}");
            }
        }
        // wrong count: one parameter missing
        let mut v = value.clone();
        let mut obj = &mut v;
        for p in params_path {
            obj = &mut obj[*p];
        }
        obj.as_object_mut().unwrap().remove(*name);
        let err = serde_json::from_value::<T>(v).expect_err("missing parameter accepted");
        assert!(err.to_string().contains("missing field"), "{err}");
    }
    // wrong count: one parameter too many
    let text = with_field(&value, params_path, "extra", "1.0");
    let err = serde_json::from_str::<T>(&text).expect_err("extra parameter accepted");
    assert!(err.to_string().contains("unknown field"), "{err}");
}

#[test]
fn parameter_structs_refuse_what_constructors_refuse() {
    let bg = BgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.793,
        b: 2.4261,
    };
    check(&bg, &[], &["r", "alpha", "a", "b"]);
    let mbg = MbgNbdParams {
        r: 0.5248,
        alpha: 6.183,
        a: 0.8914,
        b: 1.614,
    };
    check(&mbg, &[], &["r", "alpha", "a", "b"]);
    let pn = ParetoNbdParams {
        r: 0.5533,
        alpha: 10.5776,
        s: 0.6062,
        beta: 11.6679,
    };
    check(&pn, &[], &["r", "alpha", "s", "beta"]);
    let bb = BgBbParams {
        alpha: 1.2035,
        beta: 0.7497,
        gamma: 0.6567,
        delta: 2.7834,
    };
    check(&bb, &[], &["alpha", "beta", "gamma", "delta"]);
    let sbg = SbgParams {
        alpha: 0.704,
        beta: 1.182,
    };
    check(&sbg, &[], &["alpha", "beta"]);
    let gg = GammaGammaParams {
        p: 6.2488,
        q: 3.7446,
        gamma: 15.4477,
    };
    check(&gg, &[], &["p", "q", "gamma"]);
}

#[test]
fn fitted_results_refuse_bad_parameters_and_standard_errors() {
    let names4 = |p: [&'static str; 4]| p;
    let bg = BgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.793,
        b: 2.4261,
    };
    let fit = FittedBgNbd {
        params: bg,
        standard_errors: Some(BgNbdParams {
            r: 0.0126,
            alpha: 0.378,
            a: 0.186,
            b: 0.705,
        }),
        covariance: Some([[1e-4; 4]; 4]),
        log_likelihood: -9582.43,
        report: report(),
        n_customers: 2357.0,
    };
    for path in ["params", "standard_errors"] {
        check(&fit, &[path], &names4(["r", "alpha", "a", "b"]));
    }
    let mbg = MbgNbdParams {
        r: 0.5248,
        alpha: 6.183,
        a: 0.8914,
        b: 1.614,
    };
    let fit = FittedMbgNbd {
        params: mbg,
        standard_errors: Some(mbg),
        covariance: None,
        log_likelihood: -9582.0,
        report: report(),
        n_customers: 2357.0,
    };
    for path in ["params", "standard_errors"] {
        check(&fit, &[path], &names4(["r", "alpha", "a", "b"]));
    }
    let pn = ParetoNbdParams {
        r: 0.5533,
        alpha: 10.5776,
        s: 0.6062,
        beta: 11.6679,
    };
    let fit = FittedParetoNbd {
        params: pn,
        standard_errors: Some(pn),
        covariance: Some([[1e-4; 4]; 4]),
        log_likelihood: -9595.0,
        report: report(),
        n_customers: 2357.0,
    };
    for path in ["params", "standard_errors"] {
        check(&fit, &[path], &names4(["r", "alpha", "s", "beta"]));
    }
    let bb = BgBbParams {
        alpha: 1.2035,
        beta: 0.7497,
        gamma: 0.6567,
        delta: 2.7834,
    };
    let fit = FittedBgBb {
        params: bb,
        standard_errors: Some(bb),
        covariance: None,
        log_likelihood: -33225.6,
        report: report(),
        n_customers: 11104.0,
    };
    for path in ["params", "standard_errors"] {
        check(&fit, &[path], &names4(["alpha", "beta", "gamma", "delta"]));
    }
    let sbg = SbgParams {
        alpha: 0.704,
        beta: 1.182,
    };
    let fit = FittedSbg {
        params: sbg,
        standard_errors: Some(sbg),
        covariance: Some([[1e-3; 2]; 2]),
        log_likelihood: -1611.2,
        report: report(),
    };
    for path in ["params", "standard_errors"] {
        check(&fit, &[path], &["alpha", "beta"]);
    }
    let gg = GammaGammaParams {
        p: 6.2488,
        q: 3.7446,
        gamma: 15.4477,
    };
    let fit = FittedGammaGamma {
        params: gg,
        standard_errors: Some(gg),
        covariance: Some([[1e-2; 3]; 3]),
        log_likelihood: -4000.0,
        report: report(),
        n_customers: 946.0,
    };
    for path in ["params", "standard_errors"] {
        check(&fit, &[path], &["p", "q", "gamma"]);
    }
}

#[test]
fn fitted_results_refuse_bad_fit_facts() {
    let bg = BgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.793,
        b: 2.4261,
    };
    let fit = FittedBgNbd {
        params: bg,
        standard_errors: None,
        covariance: Some([[1e-4; 4]; 4]),
        log_likelihood: -9582.43,
        report: report(),
        n_customers: 2357.0,
    };
    let value = serde_json::to_value(&fit).unwrap();
    for (path, name, bad) in [
        (&[][..], "n_customers", "0"),
        (&[][..], "n_customers", "-1"),
        (&[][..], "log_likelihood", "\"NaN\""),
        (&[][..], "log_likelihood", "1e400"),
        (&["report"][..], "log_likelihood", "null"),
    ] {
        let text = with_field(&value, path, name, bad);
        assert!(
            serde_json::from_str::<FittedBgNbd>(&text).is_err(),
            "{name} = {bad}"
        );
    }
    let mut v = value.clone();
    v["covariance"][1][2] = Value::String("@@BAD@@".to_owned());
    for bad in ["1e400", "\"NaN\"", "null"] {
        let text = serde_json::to_string(&v)
            .unwrap()
            .replace("\"@@BAD@@\"", bad);
        assert!(
            serde_json::from_str::<FittedBgNbd>(&text).is_err(),
            "covariance {bad}"
        );
    }
    // 0 customers is refused with the typed check's message
    let err = serde_json::from_str::<FittedBgNbd>(&with_field(&value, &[], "n_customers", "0"))
        .unwrap_err();
    assert!(err.to_string().contains("invalid `n_customers`"), "{err}");
}
