//! The maximum-likelihood fit every CLV model runs, written once: validate the options, compress
//! the rows into weights, refuse uninformative data, divide time (or spend) by the data's
//! scale, read `initial` into starting values, minimise the negative log-likelihood on
//! log-parameters ([`fit_log_params_split`] or [`fit_log_params_multi`]), scale the parameters
//! and their covariance back, take standard errors from the covariance's diagonal and report
//! the log-likelihood in the data's units.
//!
//! A model supplies its parts through [`FitModel`] (names, starting values, which parameters
//! are in the data's unit, its likelihood) and its data through [`FitData`]; [`fit_model`]
//! does the rest. Every step performs the same floating-point operations, in the same order,
//! as the per-model code it replaces, so fits are bit-identical.

use std::borrow::Cow;

use super::{BtydData, DiscreteData, RetentionData, SpendData};
use crate::math::optimize::{
    ConvergenceReport, FitOptions, THREADED_FIT_ROWS, fit_log_params_multi, fit_log_params_split,
    heterogeneity_restarts, rescale_covariance,
};
use crate::{CrmkitError, Result};

/// The rows a model is fitted on, as the shared fit needs them.
pub(crate) trait FitData: Clone + Sync {
    /// The rows with identical rows merged into weights (the same rows when the data cannot be
    /// compressed).
    fn compressed(&self) -> Cow<'_, Self>;
    /// [`CrmkitError::Uninformative`] naming `model` when the data cannot identify the model.
    fn check_informative_for(&self, model: &str) -> Result<()>;
    /// The total weight the mean negative log-likelihood divides by (number of customers).
    fn fit_weight(&self) -> f64;
    /// What time (or spend) is divided by during the optimisation, so that the parameters are
    /// of order one; 1 when nothing is rescaled.
    fn fitting_scale(&self) -> f64;
}

impl FitData for BtydData {
    fn compressed(&self) -> Cow<'_, Self> {
        Cow::Owned(self.compress())
    }

    fn check_informative_for(&self, model: &str) -> Result<()> {
        self.check_informative(model)
    }

    fn fit_weight(&self) -> f64 {
        self.total_weight()
    }

    /// Max T: time on the fitting scale ends at 1.
    fn fitting_scale(&self) -> f64 {
        self.max_t()
    }
}

impl FitData for DiscreteData {
    fn compressed(&self) -> Cow<'_, Self> {
        Cow::Owned(self.compress())
    }

    fn check_informative_for(&self, model: &str) -> Result<()> {
        self.check_informative(model)
    }

    fn fit_weight(&self) -> f64 {
        self.total_weight()
    }

    /// Opportunities are counts: nothing is rescaled.
    fn fitting_scale(&self) -> f64 {
        1.0
    }
}

impl FitData for SpendData {
    fn compressed(&self) -> Cow<'_, Self> {
        Cow::Owned(self.compress())
    }

    /// Any repeat spend identifies the Gamma–Gamma model.
    fn check_informative_for(&self, _model: &str) -> Result<()> {
        Ok(())
    }

    fn fit_weight(&self) -> f64 {
        self.total_weight()
    }

    /// The weighted mean spend.
    fn fitting_scale(&self) -> f64 {
        self.rows().map(|(_, m, w)| w * m).sum::<f64>() / self.total_weight()
    }
}

impl FitData for RetentionData {
    /// A cohort's counts per period are already one row per period.
    fn compressed(&self) -> Cow<'_, Self> {
        Cow::Borrowed(self)
    }

    fn check_informative_for(&self, model: &str) -> Result<()> {
        if self.lost().iter().all(|&l| l == 0.0) {
            return Err(CrmkitError::Uninformative {
                model: model.to_owned(),
                reason: "no customer was lost in any period, so the churn probability is not \
                         identified (the likelihood rises towards churn probability 0)"
                    .to_owned(),
            });
        }
        Ok(())
    }

    fn fit_weight(&self) -> f64 {
        self.cohort_size()
    }

    /// Periods are counts: nothing is rescaled.
    fn fitting_scale(&self) -> f64 {
        1.0
    }
}

/// How a model's negative log-likelihood is evaluated.
pub(crate) enum Likelihood<P> {
    /// As a sum over two parts of the rows, split over the pool from
    /// [`FitModel::THREADED_ROWS`] rows ([`fit_log_params_split`]).
    Split {
        /// The parts, each with its own tables.
        parts: Vec<P>,
        /// The number of rows of both parts.
        rows: usize,
    },
    /// In one piece on the calling thread ([`fit_log_params_multi`]).
    Whole(P),
}

/// The parts of a maximum-likelihood fit that differ between the models; [`fit_model`] runs
/// the rest. `N` is the number of parameters.
pub(crate) trait FitModel<const N: usize>: Sync {
    /// The data the model is fitted on.
    type Data: FitData;
    /// The model's parameters.
    type Params;
    /// The fitted model.
    type Fitted: From<ModelFit<Self::Params, N>>;
    /// What the likelihood reads its rows from: tables built once per fit.
    type Part<'a>: Send
    where
        Self: 'a;
    /// The model's name in messages ("BG/NBD").
    const MODEL: &'static str;
    /// The parameter names, in order.
    const NAMES: [&'static str; N];
    /// The pairs of parameters whose joint size sets a heterogeneity (see
    /// [`heterogeneity_restarts`]), for further starting points.
    const HETEROGENEITY: &'static [(usize, usize)];
    /// The parameters in the data's unit (rates in time, spend scales), in the order their
    /// covariance rows are rescaled: divided by [`FitData::fitting_scale`] during the fit.
    const SCALED: &'static [usize];
    /// Rows from which a [`Likelihood::Split`] is evaluated on two threads.
    const THREADED_ROWS: usize = THREADED_FIT_ROWS;

    /// The starting point on the fitting scale when the options give none.
    fn default_start(&self, _base: &Self::Data, _scale: f64) -> [f64; N] {
        [1.0; N]
    }

    /// The starting point on the fitting scale from the user's starting values `v`.
    ///
    /// # Errors
    ///
    /// [`CrmkitError::InvalidConfig`] on `initial` for values the model refuses.
    fn initial(&self, v: [f64; N], scale: f64) -> Result<[f64; N]> {
        Ok(unit_to_fitting::<Self, N>(v, scale))
    }

    /// Parameters that may approach 0 (a log value below −15) without the fit being an error.
    fn lower_boundary_ok(&self) -> [bool; N] {
        [false; N]
    }

    /// The tables the likelihood reads, from the data on the data's scale and the fitting
    /// scale.
    fn likelihood<'a>(&'a self, base: &'a Self::Data, scale: f64) -> Likelihood<Self::Part<'a>>;

    /// The total weighted negative log-likelihood of a part at natural parameters `th` on the
    /// fitting scale, its gradient in `g` and, when asked, the outer products of the per-row
    /// gradients in `opg`.
    fn nll(
        &self,
        part: &mut Self::Part<'_>,
        th: &[f64; N],
        g: &mut [f64; N],
        opg: Option<&mut [[f64; N]; N]>,
    ) -> f64;

    /// The optimiser's values as the model's parameters (still on the fitting scale): the
    /// identity unless a parameter is fitted shifted.
    fn natural(&self, th: [f64; N]) -> [f64; N] {
        th
    }

    /// The parameters from their values in [`FitModel::NAMES`] order.
    fn params(values: [f64; N]) -> Self::Params;

    /// The log-likelihood in the data's units at `params`, given its value `on_fitting_scale`.
    ///
    /// # Errors
    ///
    /// As the model's log-likelihood.
    fn log_likelihood(
        &self,
        base: &Self::Data,
        params: &Self::Params,
        on_fitting_scale: f64,
        scale: f64,
    ) -> Result<f64>;
}

/// Starting values in the data's unit divided by `scale` where [`FitModel::SCALED`] says so.
pub(crate) fn unit_to_fitting<M: FitModel<N> + ?Sized, const N: usize>(
    mut v: [f64; N],
    scale: f64,
) -> [f64; N] {
    for &i in M::SCALED {
        v[i] /= scale;
    }
    v
}

/// What [`fit_model`] hands to a model's fitted type.
pub(crate) struct ModelFit<P, const N: usize> {
    /// Maximum-likelihood parameters in the data's units.
    pub params: P,
    /// Delta-method standard errors.
    pub standard_errors: Option<P>,
    /// Covariance matrix of the parameters, in the data's units.
    pub covariance: Option<[[f64; N]; N]>,
    /// Log-likelihood in the data's units.
    pub log_likelihood: f64,
    /// How the optimiser ended.
    pub report: ConvergenceReport,
    /// Total weight of the rows fitted (number of customers).
    pub n_customers: f64,
}

/// `From<ModelFit<…>>` for a fitted model whose fields are those of [`ModelFit`] (all of
/// them, or all but `n_customers`).
macro_rules! fitted_from_model_fit {
    ($ty:ident, $params:ty, $n:literal $(, $n_customers:ident)?) => {
        impl From<crate::clv::fit_model::ModelFit<$params, $n>> for $ty {
            fn from(fit: crate::clv::fit_model::ModelFit<$params, $n>) -> Self {
                Self {
                    params: fit.params,
                    standard_errors: fit.standard_errors,
                    covariance: fit.covariance,
                    log_likelihood: fit.log_likelihood,
                    report: fit.report,
                    $($n_customers: fit.$n_customers,)?
                }
            }
        }
    };
}
pub(crate) use fitted_from_model_fit;

/// Fits `model` to `data` by maximum likelihood; see the module documentation for the steps.
///
/// # Errors
///
/// [`CrmkitError::InvalidConfig`] for invalid options or starting values (a wrong number of
/// them names the model and its parameters); [`CrmkitError::Uninformative`] for data that
/// cannot identify the model; [`CrmkitError::NotConverged`] or [`CrmkitError::Interrupted`]
/// from the optimiser; the model's log-likelihood errors.
pub(crate) fn fit_model<M: FitModel<N>, const N: usize>(
    model: &M,
    data: &M::Data,
    opts: &FitOptions,
) -> Result<M::Fitted> {
    opts.validate()?;
    let base = if opts.compress {
        data.compressed()
    } else {
        Cow::Borrowed(data)
    };
    let base: &M::Data = &base;
    base.check_informative_for(M::MODEL)?;
    let scale = base.fitting_scale();
    let start = match &opts.initial {
        None => model.default_start(base, scale),
        Some(v) => {
            let values = <[f64; N]>::try_from(v.as_slice()).map_err(|_| {
                CrmkitError::invalid_config(
                    "initial",
                    v,
                    format!(
                        "{} needs {N} starting values ({})",
                        M::MODEL,
                        M::NAMES.join(", ")
                    ),
                )
            })?;
            model.initial(values, scale)?
        }
    };
    let total = base.fit_weight();
    let restarts = |end: &[f64; N]| heterogeneity_restarts(end, M::HETEROGENEITY);
    let fit = match model.likelihood(base, scale) {
        Likelihood::Split { parts, rows } => fit_log_params_split(
            M::MODEL,
            M::NAMES,
            parts,
            rows,
            M::THREADED_ROWS,
            |part, th, g, opg| model.nll(part, th, g, opg),
            total,
            start,
            &restarts,
            opts,
            model.lower_boundary_ok(),
        )?,
        Likelihood::Whole(mut part) => fit_log_params_multi(
            M::MODEL,
            M::NAMES,
            |th, g, opg| model.nll(&mut part, th, g, opg),
            total,
            start,
            &restarts,
            opts,
            model.lower_boundary_ok(),
        )?,
    };
    let mut natural = model.natural(fit.params);
    for &i in M::SCALED {
        natural[i] *= scale;
    }
    let params = M::params(natural);
    let covariance = fit.covariance.map(|c| {
        M::SCALED
            .iter()
            .fold(c, |c, &i| rescale_covariance(c, i, scale))
    });
    let standard_errors = covariance.map(|c| M::params(std::array::from_fn(|i| c[i][i].sqrt())));
    let log_likelihood = model.log_likelihood(base, &params, fit.log_likelihood, scale)?;
    Ok(M::Fitted::from(ModelFit {
        params,
        standard_errors,
        covariance,
        log_likelihood,
        report: fit.report(log_likelihood),
        n_customers: total,
    }))
}
