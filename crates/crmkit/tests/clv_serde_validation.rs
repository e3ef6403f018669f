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

/// Reads `text` as `T` and writes it back as a JSON value, or the error's text.
type Loader = fn(&str) -> Result<Value, String>;

fn load<T: Serialize + DeserializeOwned>(text: &str) -> Result<Value, String> {
    serde_json::from_str::<T>(text)
        .map(|t| serde_json::to_value(t).unwrap())
        .map_err(|e| e.to_string())
}

/// One serde type under test: a valid value as JSON, where its parameters sit (`[]` for a
/// parameter struct, `["params"]` and `["standard_errors"]` for a fitted result), their names,
/// and its loader.
struct Model {
    name: &'static str,
    good: Value,
    paths: &'static [&'static [&'static str]],
    params: &'static [&'static str],
    load: Loader,
}

impl Model {
    fn new<T: Serialize + DeserializeOwned>(
        name: &'static str,
        good: &T,
        paths: &'static [&'static [&'static str]],
        params: &'static [&'static str],
    ) -> Self {
        Self {
            name,
            good: serde_json::to_value(good).unwrap(),
            paths,
            params,
            load: load::<T>,
        }
    }
}

const TOP: &[&[&str]] = &[&[]];
const FITTED: &[&[&str]] = &[&["params"], &["standard_errors"]];
const BG: &[&str] = &["r", "alpha", "a", "b"];
const PN: &[&str] = &["r", "alpha", "s", "beta"];
const BB: &[&str] = &["alpha", "beta", "gamma", "delta"];
const SBG: &[&str] = &["alpha", "beta"];
const GG: &[&str] = &["p", "q", "gamma"];

fn bg() -> BgNbdParams {
    BgNbdParams {
        r: 0.2426,
        alpha: 4.4136,
        a: 0.793,
        b: 2.4261,
    }
}
fn mbg() -> MbgNbdParams {
    MbgNbdParams {
        r: 0.5248,
        alpha: 6.183,
        a: 0.8914,
        b: 1.614,
    }
}
fn pn() -> ParetoNbdParams {
    ParetoNbdParams {
        r: 0.5533,
        alpha: 10.5776,
        s: 0.6062,
        beta: 11.6679,
    }
}
fn bb() -> BgBbParams {
    BgBbParams {
        alpha: 1.2035,
        beta: 0.7497,
        gamma: 0.6567,
        delta: 2.7834,
    }
}
fn sbg() -> SbgParams {
    SbgParams {
        alpha: 0.704,
        beta: 1.182,
    }
}
fn gg() -> GammaGammaParams {
    GammaGammaParams {
        p: 6.2488,
        q: 3.7446,
        gamma: 15.4477,
    }
}

/// The six parameter structs.
fn parameter_structs() -> Vec<Model> {
    vec![
        Model::new("BgNbdParams", &bg(), TOP, BG),
        Model::new("MbgNbdParams", &mbg(), TOP, BG),
        Model::new("ParetoNbdParams", &pn(), TOP, PN),
        Model::new("BgBbParams", &bb(), TOP, BB),
        Model::new("SbgParams", &sbg(), TOP, SBG),
        Model::new("GammaGammaParams", &gg(), TOP, GG),
    ]
}

/// The six fitted results, with standard errors.
fn fitted_results() -> Vec<Model> {
    let fitted_bg = FittedBgNbd {
        params: bg(),
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
    let fitted_mbg = FittedMbgNbd {
        params: mbg(),
        standard_errors: Some(mbg()),
        covariance: None,
        log_likelihood: -9582.0,
        report: report(),
        n_customers: 2357.0,
    };
    let fitted_pn = FittedParetoNbd {
        params: pn(),
        standard_errors: Some(pn()),
        covariance: Some([[1e-4; 4]; 4]),
        log_likelihood: -9595.0,
        report: report(),
        n_customers: 2357.0,
    };
    let fitted_bb = FittedBgBb {
        params: bb(),
        standard_errors: Some(bb()),
        covariance: None,
        log_likelihood: -33225.6,
        report: report(),
        n_customers: 11104.0,
    };
    let fitted_sbg = FittedSbg {
        params: sbg(),
        standard_errors: Some(sbg()),
        covariance: Some([[1e-3; 2]; 2]),
        log_likelihood: -1611.2,
        report: report(),
    };
    let fitted_gg = FittedGammaGamma {
        params: gg(),
        standard_errors: Some(gg()),
        covariance: Some([[1e-2; 3]; 3]),
        log_likelihood: -4000.0,
        report: report(),
        n_customers: 946.0,
    };
    vec![
        Model::new("FittedBgNbd", &fitted_bg, FITTED, BG),
        Model::new("FittedMbgNbd", &fitted_mbg, FITTED, BG),
        Model::new("FittedParetoNbd", &fitted_pn, FITTED, PN),
        Model::new("FittedBgBb", &fitted_bb, FITTED, BB),
        Model::new("FittedSbg", &fitted_sbg, FITTED, SBG),
        Model::new("FittedGammaGamma", &fitted_gg, FITTED, GG),
    ]
}

/// Checks each model of the table: the good value round-trips; each parameter (at each of its
/// paths) set to each bad value, a missing parameter and an unknown extra one are refused
/// naming the field.
fn check(models: &[Model]) {
    for model in models {
        let name = model.name;
        let good = serde_json::to_string(&model.good).unwrap();
        assert_eq!((model.load)(&good).as_ref(), Ok(&model.good), "{name}");
        for path in model.paths {
            check_field_cases(model, path);
        }
    }
}

fn check_field_cases(model: &Model, path: &[&str]) {
    let value = &model.good;
    for name in model.params {
        for bad in BAD {
            let text = with_field(value, path, name, bad);
            let msg = (model.load)(&text)
                .expect_err(&format!("{}: {name} = {bad} accepted: {text}", model.name));
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
        for p in path {
            obj = &mut obj[*p];
        }
        obj.as_object_mut().unwrap().remove(*name);
        let err = (model.load)(&serde_json::to_string(&v).unwrap())
            .expect_err("missing parameter accepted");
        assert!(err.contains("missing field"), "{err}");
    }
    // wrong count: one parameter too many
    let text = with_field(value, path, "extra", "1.0");
    let err = (model.load)(&text).expect_err("extra parameter accepted");
    assert!(err.contains("unknown field"), "{err}");
}

#[test]
fn parameter_structs_refuse_what_constructors_refuse() {
    check(&parameter_structs());
}

#[test]
fn fitted_results_refuse_bad_parameters_and_standard_errors() {
    check(&fitted_results());
}

#[test]
fn fitted_results_refuse_bad_fit_facts() {
    let fit = FittedBgNbd {
        params: bg(),
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
