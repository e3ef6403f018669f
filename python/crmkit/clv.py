"""Probabilistic customer lifetime value: the buy-till-you-die models, in the scikit-learn manner.

Transaction models (continuous time, non-contractual): :class:`BgNbd`, :class:`ParetoNbd`,
:class:`MbgNbd`; spend: :class:`GammaGamma`; discrete opportunities: :class:`BgBb`; contractual
retention: :class:`ShiftedBetaGeometric`.

Each model is configured in its constructor (column names, L2 ``penalty``), fitted with ``fit`` on a
table (pandas, polars, pyarrow, a dict of arrays) or on arrays, and then holds ``params_`` (a dict),
``standard_errors_``, ``log_likelihood_`` and ``report_`` (the convergence report); ``summary()``
returns them as a table. The input of :func:`crmkit.btyd_summary` (columns ``x``, ``t_x``, ``T``,
``m_x``) is the default. Predictions take the data first (``expected_purchases(data, t)``; the
old order with the horizon first still works in this release, with a ``DeprecationWarning``). On
a table they come back as a table of its family keyed by customer (the id column, then the
prediction, one row per input row in input order); on arrays, as a numpy array; ``predict`` adds
them to the table. For many calls on
the same large table, :class:`CompressedSummary` merges customers who share a summary once and
every fit and prediction takes it in place of the table. The ``*_intervals`` methods (``probability_alive_intervals``,
``expected_purchases_intervals``, ``expected_spend_intervals``,
``customer_lifetime_value_intervals``) return a table keyed by customer with the prediction and
``lower`` / ``upper`` bounds from the sampling distribution of the fitted parameters (delta method
or parametric bootstrap; docs/clv.md, "Per-customer uncertainty"). Fitted models pickle and serialise to JSON (``to_json`` / ``from_json``). A fit
that does not converge raises :class:`crmkit.ConvergenceError` saying why, never NaN parameters.

Two discounting conventions for CLV, named explicitly and never mixed:

* :meth:`GammaGamma.customer_lifetime_value`: discrete monthly steps, the algorithm of lifetimes
  0.11.3 and pymc-marketing: CLV = Σ_{i=1..months} (E[Y(i f)] − E[Y((i−1) f)]) · E[M] / (1 + d)^i,
  f the model's time units per month (4.345 weeks or 30 days);
* :meth:`GammaGamma.clv_dert`: continuous discounting over an infinite horizon, discounted expected
  residual transactions (DERT, Fader, Hardie & Lee 2005 "RFM and CLV"; CLVTools) times E[M].

Examples:
    >>> import crmkit
    >>> bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
    >>> round(float(bg.expected_purchases([2], 39, [30.43], [38.86])[0]), 3)
    1.226
"""

from __future__ import annotations

import json
import math
import numbers
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, overload

import numpy as np
import numpy.typing as npt

from crmkit import _crmkit, _display, _frames
from crmkit._crmkit import CrmkitWarning
from crmkit._estimator import Estimator
from crmkit._typing import ArrayDict, ColumnLike, ColumnOrName, FrameLike, OtherTable, TableT

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "DAYS_PER_MONTH",
    "CompressedSummary",
    "WEEKS_PER_MONTH",
    "BgBb",
    "BgNbd",
    "GammaGamma",
    "MbgNbd",
    "ParetoNbd",
    "ShiftedBetaGeometric",
    "spend_frequency_correlation",
]

WEEKS_PER_MONTH = 4.345
"""Weeks per month, as lifetimes uses for ``freq='W'``."""
DAYS_PER_MONTH = 30.0
"""Days per month, as lifetimes uses for ``freq='D'``."""

_Z95 = 1.959963984540054


Family = Literal["pandas", "polars", "pyarrow", "numpy"]
"""A frame family: ``'pandas'``, ``'polars'``, ``'pyarrow'`` or ``'numpy'`` (a dict of arrays)."""
NonPositiveSpend = Literal["exclude", "error"]
"""The rule for repeat customers whose net mean spend is <= 0: ``'exclude'`` or ``'error'``."""
Floats = npt.NDArray[np.float64]
"""One float64 value per customer."""


def _is_scalar(value: object) -> bool:
    """A plain number (a horizon or a count), not a column or table."""
    return isinstance(value, (numbers.Real, np.number)) and not isinstance(value, (bool, np.bool_))


def _deprecated_order(call: str, new: str) -> None:
    """The DeprecationWarning of the old argument order (the horizon before the data)."""
    warnings.warn(
        f"crmkit: {call} with the horizon first is deprecated and stops working in the next release; "
        f"pass the data first: {new}",
        DeprecationWarning,
        stacklevel=3,
    )


@contextmanager
def _user_fields(names: Mapping[str, str]) -> Iterator[None]:
    """Errors raised inside name the field as the user typed it: ``names`` maps the compiled
    core's field name (``x``, ``t_x``, ``T``, ``mean_spend``, …) to the configured column name."""
    try:
        yield
    except _crmkit.CrmkitError as err:
        field = getattr(err, "field", None)
        typed = names.get(field) if isinstance(field, str) else None
        if typed is not None and typed != field:
            err.field = typed
            err.args = tuple(a.replace(f"`{field}`", f"`{typed}`") if isinstance(a, str) else a for a in err.args)
        raise


class CompressedSummary:
    """Customer summaries hashed ONCE into their distinct (x, t_x, T) rows, for fitting and predicting many times.

    Every fit and prediction of :class:`BgNbd`, :class:`ParetoNbd` and :class:`MbgNbd` merges
    customers who share a summary (x, t_x, T) so that each distinct row is evaluated once. On a
    million customers at daily resolution (about 335,000 distinct rows) that merging costs
    about as much as a closed-form prediction; a pipeline that fits and then predicts several
    quantities pays it once here instead of in every call. Pass the object wherever a table of
    summaries goes: ``fit``, ``score``, ``probability_alive``, ``expected_purchases``,
    ``predict``, :meth:`GammaGamma.customer_lifetime_value` and the other predictions. Results
    are the same as on the table, to the last bit.

    The object holds copies of what it was built from: changing the table or the arrays
    afterwards does not change it (build a new one for new data). Column names are given here,
    once (a model's own column names do not apply to a compressed summary).

    Args:
        data: a table (pandas, polars, pyarrow, a dict of arrays), or None when every column
            below is passed as an array.
        x, t_x, T: repeat purchases, age at the last purchase and age at the end of the
            calibration period: column names of ``data`` (default ``x``, ``t_x``, ``T`` as
            :func:`crmkit.btyd_summary` names them) or arrays.
        m_x: mean repeat spend (a column name or an array), kept per customer for
            :class:`GammaGamma`; None leaves it out.
        weights: customers per row (a column name or an array), or None (one customer per row).
        customer_id: the id column kept from ``data`` to key the results of :meth:`GammaGamma`
            and the models' ``predict`` (None, or a name the table lacks: no id column).

    Examples:
        >>> import numpy as np, crmkit
        >>> summary = {"customer_id": np.arange(6), "x": [0.0, 2, 2, 0, 1, 2],
        ...            "t_x": [0.0, 30, 30, 0, 12, 30], "T": [38.0] * 6, "m_x": [0.0, 20, 25, 0, 9, 20]}
        >>> rows = crmkit.CompressedSummary(summary, m_x="m_x")
        >>> rows
        CompressedSummary(6 rows, 3 distinct)
        >>> bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
        >>> alive = bg.probability_alive(rows)   # a dict in: a dict keyed by customer out
        >>> sorted(alive), bool((alive["probability_alive"] == bg.probability_alive(summary)["probability_alive"]).all())
        (['customer_id', 'probability_alive'], True)
        >>> gg = crmkit.GammaGamma.from_params(p=6.25, q=3.74, gamma=15.44)
        >>> clv = gg.customer_lifetime_value(bg, rows, time_units_per_month=crmkit.WEEKS_PER_MONTH)["clv"]
        >>> same = gg.customer_lifetime_value(bg, summary, time_units_per_month=crmkit.WEEKS_PER_MONTH)["clv"]
        >>> bool((clv == same).all()), bool(clv[2] > clv[1] > clv[4])
        (True, True)
    """

    def __init__(
        self,
        data: FrameLike | None = None,
        *,
        x: ColumnOrName = "x",
        t_x: ColumnOrName = "t_x",
        T: ColumnOrName = "T",
        m_x: ColumnOrName | None = None,
        weights: ColumnOrName | None = None,
        customer_id: str | None = "customer_id",
    ) -> None:
        names = {"x": x, "t_x": t_x, "T": T, "t": T, "weights": weights, "m_x": m_x}
        typed = {k: v for k, v in names.items() if isinstance(v, str)}
        with _user_fields(typed):
            cols = {
                field: _frames.floats(_frames.column(data, name, field), field)
                for field, name in (("x", x), ("t_x", t_x), ("T", T))
            }
            w = None if weights is None else _frames.floats(_frames.column(data, weights, "weights"), "weights")
            self._core = _crmkit.CompressedSummary(cols["x"], cols["t_x"], cols["T"], w)
            #: Repeat purchases per input row (a copy), for the spend model.
            self.x: Floats = np.array(cols["x"], dtype=np.float64, copy=True)
            #: Mean repeat spend per input row (a copy), or None.
            self.m_x: Floats | None = (
                None if m_x is None else np.array(_frames.floats(_frames.column(data, m_x, "m_x"), "m_x"), dtype=np.float64, copy=True)
            )
        if self.m_x is not None and len(self.m_x) != len(self.x):
            raise _frames._error(
                _crmkit.LengthMismatchError, f"`{typed.get('m_x', 'm_x')}` has {len(self.m_x)} rows, expected {len(self.x)}", typed.get("m_x", "m_x")
            )
        #: The customer ids kept from the table (a copy), or None.
        self.customer_id: ColumnLike | None = None
        #: The name of the id column, when kept.
        self.customer_id_name: str | None = None
        if data is not None and customer_id is not None and _has_column(data, customer_id):
            self.customer_id = _frames.take(_frames.column(data, customer_id, "customer_id"), np.arange(len(self.x)))
            self.customer_id_name = customer_id
        #: The frame family of the table it was built from ('numpy' for arrays and dicts).
        self.family: Family = "numpy" if data is None else _frames.family(data)
        #: Whether it was built from a table (predictions then come back as a table keyed by
        #: customer) or from arrays alone (predictions come back as numpy arrays).
        self.from_table: bool = data is not None

    @property
    def rows(self) -> int:
        """Number of input rows (customers)."""
        return int(self._core.rows)

    @property
    def distinct_rows(self) -> int:
        """Number of distinct (x, t_x, T) rows."""
        return int(self._core.distinct_rows)

    def distinct(self) -> dict[str, Floats]:
        """The distinct rows sorted by (x, T, t_x) with their weights (customers per row), as a dict of arrays.

        Examples:
            >>> import crmkit
            >>> crmkit.CompressedSummary(None, x=[1.0, 0.0, 1.0], t_x=[3.0, 0.0, 3.0], T=[9.0, 9.0, 9.0]).distinct()["weights"].tolist()
            [1.0, 2.0]
        """
        x, t_x, T, w = self._core.distinct()
        return {"x": x, "t_x": t_x, "T": T, "weights": w}

    def __len__(self) -> int:
        return self.rows

    def __repr__(self) -> str:
        return repr(self._core)

    def _spend_columns(self) -> list[Any]:
        if self.m_x is None:
            raise _frames._error(
                _crmkit.ConfigError,
                "invalid `m_x`: this CompressedSummary holds no mean spend (build it with m_x=...)",
                "m_x",
            )
        return [self.x, self.m_x]


def _not_fitted(name: str) -> Exception:
    return _frames._error(_crmkit.ConfigError, f"invalid `{name}`: not fitted (call fit or from_params first)", name)


def _columns(data: Any, names: dict[str, Any], given: dict[str, Any]) -> list[Any]:
    """Float columns: from ``given`` arrays when passed, else from table ``data`` by ``names``."""
    out = []
    for field, name in names.items():
        value = given.get(field)
        if value is None:
            value = _frames.column(data, name, field)
        out.append(_frames.floats(value, field))
    return out


def _core_of(model: Any) -> Any:
    """The compiled model inside a transaction model (anything else is left for Rust to reject)."""
    return model._fitted() if isinstance(model, _TransactionModel) else model


IntervalMethod = Literal["delta", "bootstrap"]
"""How per-customer intervals are computed: ``'delta'`` (delta method) or ``'bootstrap'``."""


def _customer_frame(data: Any, from_table: bool, customer_id: str | None, values: dict[str, Floats]) -> Any:
    """Per-customer results keyed by customer: the one helper of every CLV prediction.

    For a table, a table of its family (a dict of arrays for a dict) with the customer id column
    ``customer_id`` copied first when the table has it (in the table's own type), then
    ``values``, one row per input row in input order. For a :class:`CompressedSummary` built
    from a table, the ids it kept and the family it came from. For arrays (``from_table``
    False), a dict of numpy arrays.
    """
    columns: dict[str, Any] = {}
    if isinstance(data, CompressedSummary):
        if customer_id is not None and data.customer_id_name is not None:
            columns[data.customer_id_name] = data.customer_id
        fam: Family = data.family if data.from_table else "numpy"
    else:
        if from_table and customer_id is not None and _has_column(data, customer_id):
            columns[customer_id] = _frames.column(data, customer_id, "customer_id")
        fam = _frames.family(data) if from_table else "numpy"
    columns.update(values)
    return _frames.frame(columns, fam)


def _interval_frame(
    data: Any, from_table: bool, customer_id: str | None, name: str, arrays: tuple[Floats, Floats, Floats]
) -> Any:
    """The intervals as a table of ``data``'s family, keyed by ``customer_id`` when the table has it."""
    estimate, lower, upper = arrays
    return _customer_frame(data, from_table, customer_id, {name: estimate, "lower": lower, "upper": upper})


def _point_frame(data: Any, from_table: bool, customer_id: str | None, name: str, values: Floats) -> Any:
    """A point prediction: the numpy array itself for arrays, else a table keyed by customer
    (:func:`_customer_frame`) with the one column ``name``."""
    if not (data.from_table if isinstance(data, CompressedSummary) else from_table):
        return values
    return _customer_frame(data, from_table, customer_id, {name: values})


def _has_column(data: Any, name: str) -> bool:
    """Whether table ``data`` has a column ``name`` (paths and PyCapsule tables: by reading it)."""
    if isinstance(data, Mapping):
        return name in data
    if type(data).__name__ == "LazyFrame":
        return name in data.collect_schema().names()
    module = type(data).__module__.split(".")[0]
    if module == "pyarrow":  # Table and RecordBatch (whose `columns` are arrays, not names)
        return name in data.schema.names
    if module in ("pandas", "polars"):
        return name in list(data.columns)
    try:
        _frames.column(data, name, "customer_id")
    except _crmkit.ConfigError:
        return False
    return True


class _Model(Estimator):
    """Shared machinery: options, fit facts, summary, JSON and pickle."""

    _core: ClassVar[Any]
    #: The fitted core model; set by ``fit``, ``from_params`` or ``from_json`` (scikit-learn's
    #: convention: the constructor sets no fitted attribute).
    model_: Any = None

    def __init__(self, *, penalty: float = 0.0, max_iterations: int = 500, gradient_tolerance: float = 1e-9) -> None:
        self.penalty = float(penalty)
        self.max_iterations = int(max_iterations)
        self.gradient_tolerance = float(gradient_tolerance)

    # -- fit facts -------------------------------------------------------------------------
    def _fitted(self) -> Any:
        if self.model_ is None:
            raise _not_fitted(type(self).__name__)
        return self.model_

    def _fit_kwargs(self, penalty: float | None) -> dict[str, Any]:
        return {
            "penalty": self.penalty if penalty is None else float(penalty),
            "max_iterations": self.max_iterations,
            "gradient_tolerance": self.gradient_tolerance,
        }

    @property
    def params_(self) -> dict[str, float]:
        """The parameters (name → value)."""
        return dict(self._fitted().params)

    @property
    def standard_errors_(self) -> dict[str, float] | None:
        """Delta-method standard errors from the Hessian, or None.

        None when the model was built from parameters, when the fit was asked not to compute
        them, or when the Hessian of the log-likelihood at the solution is not negative
        definite (a ridge or saddle: some combination of parameters is not identified). In the
        last case a :class:`crmkit.CrmkitWarning` says why (the reason is also
        ``report_["standard_errors_unavailable"]``).
        """
        model = self._fitted()
        se = model.standard_errors
        if se is None:
            report = model.report or {}
            why = report.get("standard_errors_unavailable")
            if why and not str(why).startswith("not requested"):
                warnings.warn(f"crmkit: standard errors unavailable: {why}", CrmkitWarning, stacklevel=2)
            return None
        return dict(se)

    @property
    def log_likelihood_(self) -> float | None:
        """Log-likelihood at the optimum, without the t_x^(x−1)/Γ(x) factor (as the papers)."""
        return self._fitted().log_likelihood  # type: ignore[no-any-return]

    @property
    def report_(self) -> dict[str, Any] | None:
        """The convergence report.

        Keys: ``iterations`` (BFGS), ``function_evaluations``, ``gradient_norm``,
        ``log_likelihood``, ``ending`` (``'optimum'``, ``'ridge'`` or ``'saddle'``: where the fit
        ended, judged by the Hessian), ``newton_iterations`` (safeguarded Newton steps after BFGS),
        ``hessian_eigenvalues`` (of the mean negative log-likelihood in log-parameters,
        ascending), ``starts`` (starting points tried) and ``standard_errors_unavailable`` (why
        ``standard_errors_`` is None, else None). See docs/clv.md, "Convergence report".
        """
        report = self._fitted().report
        return None if report is None else dict(report)

    @overload
    def summary(self, family: Literal["numpy"]) -> ArrayDict: ...
    @overload
    def summary(self, family: Literal["polars"]) -> pl.DataFrame: ...
    @overload
    def summary(self, family: Family | None = None) -> Any: ...
    def summary(self, family: Family | None = None) -> Any:
        """Parameters with standard errors and 95% intervals, one row per parameter.

        Columns: ``param``, ``estimate``, ``std_error``, ``lower_95``, ``upper_95``,
        ``log_likelihood``, ``iterations``, ``gradient_norm`` (the last three repeat the fit's
        facts on every row; NaN / 0 for a model built from parameters). ``family`` is
        ``'pandas'``, ``'polars'``, ``'pyarrow'`` or ``'numpy'`` (a dict of arrays); by default
        pandas, or the first of polars / pyarrow installed, else numpy.
        """
        fam: str = family if family is not None else next((f for f in ("pandas", "polars", "pyarrow") if _frames._installed(f)), "numpy")
        model = self._fitted()
        names = list(model.param_names)
        est = np.array([model.params[n] for n in names], dtype=np.float64)
        se_dict = model.standard_errors
        se = np.array([se_dict[n] if se_dict else math.nan for n in names], dtype=np.float64)
        report = model.report or {}
        ll = model.log_likelihood
        k = len(names)
        return _frames.frame(
            {
                "param": np.array(names, dtype=object),
                "estimate": est,
                "std_error": se,
                "lower_95": est - _Z95 * se,
                "upper_95": est + _Z95 * se,
                "log_likelihood": np.full(k, math.nan if ll is None else ll),
                "iterations": np.full(k, report.get("iterations", 0), dtype=np.int64),
                "gradient_norm": np.full(k, report.get("gradient_norm", math.nan)),
            },
            fam,
        )

    # -- construction from parameters / JSON / pickle ----------------------------------------
    @classmethod
    def from_params(cls, **params: float) -> Self:
        """A model with the given parameters (no fit facts), for predictions."""
        names = list(cls._core.param_names)
        if sorted(params) != sorted(names):
            raise _frames._error(
                _crmkit.ConfigError,
                f"invalid `params`: {sorted(params)} (expected {names})",
                "params",
            )
        self = cls()
        self.model_ = cls._core.from_params([float(params[n]) for n in names])
        return self

    def _options(self) -> dict[str, Any]:
        return self.get_params()

    def to_json(self) -> str:
        """JSON of the options and the fitted model (parameters and fit facts, exactly)."""
        return json.dumps(
            {
                "model": type(self).__name__,
                "options": self._options(),
                "fitted": None if self.model_ is None else json.loads(self.model_.to_json()),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Reads a model written by ``to_json``."""
        doc = _frames.json_object(text, cls.__name__)
        if doc.get("model") != cls.__name__:
            raise _frames._error(
                _crmkit.ConfigError, f"invalid `{cls.__name__}` JSON: a {_frames.shown(doc.get('model'))} model, not {cls.__name__}", cls.__name__
            )
        options, fitted = doc.get("options", {}), doc.get("fitted")
        if not isinstance(options, dict) or not (fitted is None or isinstance(fitted, dict)):
            raise _frames._error(_crmkit.ConfigError, f"invalid `{cls.__name__}` JSON: options and fitted must be objects", cls.__name__)
        self = cls()
        try:
            self.set_params(**options)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, _crmkit.CrmkitError):
                raise
            raise _frames._error(_crmkit.ConfigError, f"invalid `{cls.__name__}` JSON: options: {_frames.shown(str(exc))}", cls.__name__) from None
        if fitted is not None:
            self.model_ = cls._core.from_json(json.dumps(fitted))
        return self

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_params() == other.get_params() and self.model_ == other.model_

    __hash__ = None  # type: ignore[assignment]

    def _display_summary(self) -> _display.Summary:
        """What a notebook and ``print`` show: parameters with standard errors and 95% intervals,
        convergence and the number of customers."""
        name = type(self).__name__
        if self.model_ is None:
            return _display.Summary(f"{name} (not fitted)", [("penalty", self.penalty)])
        model = self.model_
        se = model.standard_errors or {}
        rows = []
        for p in model.param_names:
            est, err = model.params[p], se.get(p, math.nan)
            rows.append([p, est, err, est - _Z95 * err, est + _Z95 * err])
        report = model.report
        facts: list[tuple[str, Any]] = []
        n = getattr(model, "n_customers", None)
        if n is not None:
            facts.append(("customers", int(n) if float(n).is_integer() else n))
        if report is None:
            facts.append(("fit", "built from parameters (no fit facts)"))
        else:
            facts.append(("log-likelihood", _display.fmt(model.log_likelihood, 8)))
            facts.append(("converged", f"yes, {report.get('iterations')} iterations, gradient norm {_display.fmt(report.get('gradient_norm'), 2)}"))
        if self.penalty:
            facts.append(("penalty (L2)", self.penalty))
        return _display.Summary(
            f"{name}, fitted" if report is not None else f"{name} (from parameters)",
            facts,
            [("", ["param", "estimate", "std_error", "lower_95", "upper_95"], rows)],
        )

    def _repr_html_(self) -> str:
        return _display.to_html(self._display_summary())

    def __str__(self) -> str:
        return _display.to_text(self._display_summary())

    def __repr__(self) -> str:
        """One line: ``BgNbd(r=0.2426 ± 0.013, …; log-likelihood …, 2,357 customers)``."""
        name = type(self).__name__
        if self.model_ is None:
            return f"{name}(not fitted)"
        model = self.model_
        se = model.standard_errors or {}
        text = _display.short([(p, model.params[p], se.get(p)) for p in model.param_names])
        extra = []
        if model.log_likelihood is not None:
            extra.append(f"log-likelihood {_display.fmt(model.log_likelihood, 8)}")
        n = getattr(model, "n_customers", None)
        if n is not None:
            extra.append(f"{_display.fmt(int(n) if float(n).is_integer() else n)} customers")
        if model.report is None:
            extra.append("from parameters")
        return f"{name}({text}{'; ' + ', '.join(extra) if extra else ''})"


class _TransactionModel(_Model):
    """BG/NBD, Pareto/NBD and MBG/NBD: fit on (x, t_x, T), predict per customer."""

    def __init__(
        self,
        *,
        penalty: float = 0.0,
        x: str = "x",
        t_x: str = "t_x",
        T: str = "T",
        weights: str | None = None,
        max_iterations: int = 500,
        gradient_tolerance: float = 1e-9,
    ) -> None:
        super().__init__(penalty=penalty, max_iterations=max_iterations, gradient_tolerance=gradient_tolerance)
        self.x = x
        self.t_x = t_x
        self.T = T
        self.weights = weights

    def _names(self, table: bool) -> dict[str, str]:
        """The core's field names → the names the user typed (configured columns for a table)."""
        if not table:
            return {"t": "T"}
        return {"x": self.x, "t_x": self.t_x, "T": self.T, "t": self.T, "weights": self.weights or "weights"}

    def _xtT(self, data: Any, t_x: Any, T: Any) -> list[Any]:
        """The compiled model's summary arguments: ``[compressed]`` or the arrays x, t_x, T."""
        if isinstance(data, CompressedSummary):
            if t_x is not None or T is not None:
                raise _frames._error(_crmkit.ConfigError, "invalid `t_x`: a CompressedSummary holds t_x and T: pass it alone", "t_x")
            return [data._core]
        if t_x is None and T is None:
            with _user_fields(self._names(True)):
                return _columns(data, {"x": self.x, "t_x": self.t_x, "T": self.T}, {})
        return _columns(None, {"x": data, "t_x": t_x, "T": T}, {"x": data, "t_x": t_x, "T": T})

    def _fields(self, data: Any, t_x: Any, T: Any) -> Any:
        """Errors of the call name the configured columns when ``data`` is a table."""
        return _user_fields(self._names(t_x is None and T is None and not isinstance(data, CompressedSummary)))

    def fit(
        self,
        data: FrameLike | CompressedSummary | ColumnLike,
        t_x: ColumnLike | None = None,
        T: ColumnLike | None = None,
        weights: ColumnLike | None = None,
        *,
        penalty: float | None = None,
    ) -> Self:
        """Fits by maximum likelihood (BFGS on log-parameters with analytic gradients).

        Args:
            data: a table with the configured columns (default ``x``, ``t_x``, ``T`` as
                :func:`crmkit.btyd_summary` makes them), a :class:`CompressedSummary` (rows
                merged once for many calls), or the array of repeat purchases ``x`` (frequency)
                when ``t_x`` (recency) and ``T`` (age) are passed as arrays too.
            weights: customers per row (an array), or None; with a table, the configured
                ``weights`` column is used.
            penalty: L2 penalty for this fit (default: the constructor's), lifetimes' ``penalizer_coef``.

        Returns:
            self, fitted. Raises :class:`crmkit.ConvergenceError` (saying why) when the fit fails,
            :class:`crmkit.InvalidValueError` naming the field (the column name as configured)
            and row for bad input.
        """
        args = self._xtT(data, t_x, T)
        with self._fields(data, t_x, T):
            if weights is None and t_x is None and T is None and self.weights is not None and not isinstance(data, CompressedSummary):
                weights = _frames.column(data, self.weights, "weights")
            w = None if weights is None else _frames.floats(weights, "weights")
            if len(args) == 1:
                self.model_ = self._core.fit(args[0], None, None, w, **self._fit_kwargs(penalty))
            else:
                self.model_ = self._core.fit(*args, w, **self._fit_kwargs(penalty))
        return self

    def score(self, data: FrameLike | CompressedSummary, y: object = None) -> float:
        """Mean log-likelihood per customer of a table of summaries (higher is better).

        What scikit-learn's ``cross_val_score`` and ``GridSearchCV`` maximise when given no
        ``scoring``: the fitted parameters' log-likelihood of held-out customers (penalty
        excluded), divided by their number. ``y`` is ignored.

        Examples:
            >>> import pandas as pd, crmkit
            >>> summary = pd.DataFrame({"x": [0.0, 2, 5, 1], "t_x": [0.0, 20, 30, 5], "T": [40.0, 38, 35, 30]})
            >>> model = crmkit.BgNbd.from_params(r=0.25, alpha=4.4, a=0.8, b=2.4)
            >>> round(model.score(summary), 4)
            -7.9451
        """
        args = self._xtT(data, None, None)
        with self._fields(data, None, None):
            w = None
            if self.weights is not None and not isinstance(data, CompressedSummary):
                w = _frames.floats(_frames.column(data, self.weights, "weights"), "weights")
            log_likelihood, customers = self._fitted().log_likelihood_of(*args, weights=w)
        return float(log_likelihood) / float(customers)

    @overload
    def expected_purchases(self, data: ColumnLike, t: float, t_x: ColumnLike, T: ColumnLike, *, customer_id: str | None = "customer_id") -> Floats: ...
    @overload
    def expected_purchases(self, data: TableT, t: float, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def expected_purchases(self, data: Mapping[str, Any], t: float, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def expected_purchases(self, data: pl.LazyFrame, t: float, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def expected_purchases(self, data: CompressedSummary | OtherTable, t: float, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> Any: ...
    def expected_purchases(
        self, data: Any, t: Any = None, t_x: Any = None, T: Any = None, *, customer_id: str | None = "customer_id"
    ) -> Any:
        """Conditional expected purchases of each customer in (T, T + t].

        Args:
            data: a table, a :class:`CompressedSummary`, or the array x (see :meth:`fit`).
            t: the horizon in the data's time unit.
            t_x, T: the arrays t_x and T when ``data`` is the array x.
            customer_id: the id column copied from a table into the result (when present).

        The old order ``expected_purchases(t, data)`` still works in this release, with a
        ``DeprecationWarning``.

        Returns:
            for a table, a table of its family (a dict of arrays for a dict) keyed by customer:
            the id column (when the table has it) and ``expected_purchases``, one row per input
            row in input order; for arrays, a numpy array of float64. Formula: BG/NBD Fader,
            Hardie & Lee (2005) eq. 10; Pareto/NBD Schmittlein, Morrison & Colombo (1987) /
            Fader, Hardie & Lee (2005) eq. 22; MBG/NBD Batislam, Denizel & Filiztekin (2007) — as
            in lifetimes 0.11.3 ``conditional_expected_number_of_purchases_up_to_time``.

        Examples:
            >>> import pandas as pd, crmkit
            >>> bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
            >>> summary = pd.DataFrame({"customer_id": ["a", "b"], "x": [2.0, 0.0], "t_x": [30.43, 0.0], "T": [38.86, 38.86]})
            >>> bg.expected_purchases(summary, 39).round(3)
              customer_id  expected_purchases
            0           a               1.226
            1           b               0.195
            >>> bg.expected_purchases([2.0, 0.0], 39, [30.43, 0.0], [38.86, 38.86]).round(3).tolist()
            [1.226, 0.195]
        """
        if _is_scalar(data) and not _is_scalar(t):
            _deprecated_order(f"{type(self).__name__}.expected_purchases(t, data)", "expected_purchases(data, t)")
            data, t = t, data
        values = self._expected_purchases(data, t, t_x, T)
        return _point_frame(data, t_x is None and T is None, customer_id, "expected_purchases", values)

    def _expected_purchases(self, data: Any, t: Any, t_x: Any, T: Any) -> Floats:
        args = self._xtT(data, t_x, T)
        with self._fields(data, t_x, T):
            return self._fitted().expected_purchases(float(t), *args)  # type: ignore[no-any-return]

    @overload
    def probability_alive(self, data: ColumnLike, t_x: ColumnLike, T: ColumnLike, *, customer_id: str | None = "customer_id") -> Floats: ...
    @overload
    def probability_alive(self, data: TableT, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def probability_alive(self, data: Mapping[str, Any], t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def probability_alive(self, data: pl.LazyFrame, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def probability_alive(self, data: CompressedSummary | OtherTable, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> Any: ...
    def probability_alive(self, data: Any, t_x: Any = None, T: Any = None, *, customer_id: str | None = "customer_id") -> Any:
        """P(alive at T | x, t_x, T) of each customer, in [0, 1].

        ``data``: a table, a :class:`CompressedSummary`, or the array x (see :meth:`fit`).
        Formula: BG/NBD Fader, Hardie & Lee (2005) eq. 11; Pareto/NBD Fader & Hardie (2005) note
        eq. 11; MBG/NBD Batislam et al. (2007) — computed as a logistic function of the log-odds.

        Returns:
            for a table, a table of its family keyed by customer (the id column ``customer_id``
            when present, then ``probability_alive``), in input order; for arrays, a numpy array.

        Examples:
            >>> import polars as pl, crmkit
            >>> bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
            >>> summary = pl.DataFrame({"customer_id": [7, 3], "x": [0.0, 2.0], "t_x": [0.0, 30.43], "T": [38.86, 38.86]})
            >>> bg.probability_alive(summary)["probability_alive"].round(4).to_list()
            [1.0, 0.7266]
        """
        values = self._probability_alive(data, t_x, T)
        return _point_frame(data, t_x is None and T is None, customer_id, "probability_alive", values)

    def _probability_alive(self, data: Any, t_x: Any, T: Any) -> Floats:
        args = self._xtT(data, t_x, T)
        with self._fields(data, t_x, T):
            return self._fitted().probability_alive(*args)  # type: ignore[no-any-return]

    def expected_purchases_new_customer(self, t: float) -> float:
        """Expected purchases E[X(t)] of a new customer in (0, t] (BG/NBD: Fader, Hardie & Lee 2005 eq. 7)."""
        return float(self._fitted().expected_purchases_new_customer(float(t)))

    @overload
    def discounted_expected_transactions(self, data: ColumnLike, delta: float, t_x: ColumnLike, T: ColumnLike, *, customer_id: str | None = "customer_id") -> Floats: ...
    @overload
    def discounted_expected_transactions(self, data: TableT, delta: float, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def discounted_expected_transactions(self, data: Mapping[str, Any], delta: float, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def discounted_expected_transactions(self, data: pl.LazyFrame, delta: float, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def discounted_expected_transactions(self, data: CompressedSummary | OtherTable, delta: float, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> Any: ...
    def discounted_expected_transactions(
        self, data: Any, delta: Any = None, t_x: Any = None, T: Any = None, *, customer_id: str | None = "customer_id"
    ) -> Any:
        """DERT: future purchases discounted continuously at ``delta`` per time unit (infinite horizon).

        ``data`` first (a table, a :class:`CompressedSummary` or the array x), then ``delta``;
        the old order ``(delta, data)`` works in this release with a ``DeprecationWarning``.
        Formula: ∫₀^∞ e^(−δt) dE[Y(t)] (Fader, Hardie & Lee 2005 "RFM and CLV"); closed form for
        Pareto/NBD (their eq. 2), tanh-sinh quadrature for the other models.

        Returns:
            for a table, a table of its family keyed by customer (``customer_id`` when present,
            then ``discounted_expected_transactions``); for arrays, a numpy array.
        """
        if _is_scalar(data) and not _is_scalar(delta):
            _deprecated_order(f"{type(self).__name__}.discounted_expected_transactions(delta, data)", "discounted_expected_transactions(data, delta)")
            data, delta = delta, data
        args = self._xtT(data, t_x, T)
        with self._fields(data, t_x, T):
            values: Floats = self._fitted().discounted_expected_transactions(float(delta), *args)
        return _point_frame(data, t_x is None and T is None, customer_id, "discounted_expected_transactions", values)

    @overload
    def probability_alive_intervals(self, data: ColumnLike, t_x: ColumnLike, T: ColumnLike, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def probability_alive_intervals(self, data: TableT, t_x: None = None, T: None = None, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def probability_alive_intervals(self, data: Mapping[str, Any], t_x: None = None, T: None = None, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def probability_alive_intervals(self, data: pl.LazyFrame, t_x: None = None, T: None = None, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def probability_alive_intervals(self, data: OtherTable, t_x: None = None, T: None = None, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> Any: ...
    def probability_alive_intervals(
        self,
        data: Any,
        t_x: Any = None,
        T: Any = None,
        *,
        level: float = 0.9,
        method: IntervalMethod = "delta",
        draws: int = 1000,
        seed: int = 0,
        customer_id: str | None = "customer_id",
    ) -> Any:
        """P(alive) of each customer with an interval from the sampling distribution of the fitted parameters.

        The interval reflects how well the data pin down the population parameters, not the
        randomness of the customer's future: the log-parameters are taken to be normal around
        their estimates with the fit's covariance (asymptotic normality). ``method='delta'``: the
        delta method on the logit scale, logit⁻¹(logit p ± z·se), so bounds stay in [0, 1];
        ``'bootstrap'``: ``draws`` parameter vectors from that normal distribution (seeded by
        ``seed``) and the (1 ∓ level)/2 quantiles of the predictions. See docs/clv.md,
        "Per-customer uncertainty".

        Args:
            data, t_x, T: a table, a :class:`CompressedSummary` (each distinct row evaluated
                once), or the arrays x, t_x, T (see :meth:`fit`).
            level: coverage of each interval, in (0, 1).
            method: ``'delta'`` or ``'bootstrap'``.
            draws, seed: bootstrap draws and their seed.
            customer_id: the id column copied from a table into the result (when present).

        Returns:
            a table of the input's family (a dict of arrays for arrays or a dict) with the
            customer id, ``probability_alive``, ``lower`` and ``upper``, one row per customer in
            input order. Raises :class:`crmkit.ConfigError` for a model built from parameters
            (it has no covariance).

        Examples:
            >>> import pandas as pd, crmkit
            >>> s = pd.DataFrame({"customer_id": list("abcdefghij"),
            ...     "x": [0, 1, 1, 2, 2, 3, 3, 5, 7, 10], "t_x": [0, 5, 30, 10, 35, 20, 37, 25, 36, 37],
            ...     "T": [38.0] * 10, "n": [1400, 300, 150, 100, 120, 60, 80, 40, 50, 20]})
            >>> bg = crmkit.BgNbd(weights="n").fit(s)   # n customers share each row
            >>> iv = bg.probability_alive_intervals(s, level=0.9)
            >>> list(iv.columns)
            ['customer_id', 'probability_alive', 'lower', 'upper']
            >>> bool(((iv.lower <= iv.probability_alive) & (iv.probability_alive <= iv.upper)).all())
            True
            >>> iv.round(3).iloc[:2].values.tolist()
            [['a', 1.0, 1.0, 1.0], ['b', 0.399, 0.344, 0.458]]
        """
        from_table = t_x is None and T is None
        arrays = _crmkit.probability_alive_intervals(
            self._fitted(), *self._arrays(data, t_x, T), level=float(level), method=method, draws=int(draws), seed=int(seed)
        )
        return _interval_frame(data, from_table, customer_id, "probability_alive", arrays)

    @overload
    def expected_purchases_intervals(self, data: ColumnLike, t: float, t_x: ColumnLike, T: ColumnLike, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def expected_purchases_intervals(self, data: TableT, t: float, t_x: None = None, T: None = None, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def expected_purchases_intervals(self, data: Mapping[str, Any], t: float, t_x: None = None, T: None = None, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def expected_purchases_intervals(self, data: pl.LazyFrame, t: float, t_x: None = None, T: None = None, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def expected_purchases_intervals(self, data: OtherTable, t: float, t_x: None = None, T: None = None, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> Any: ...
    def expected_purchases_intervals(
        self,
        data: Any,
        t: Any = None,
        t_x: Any = None,
        T: Any = None,
        *,
        level: float = 0.9,
        method: IntervalMethod = "delta",
        draws: int = 1000,
        seed: int = 0,
        customer_id: str | None = "customer_id",
    ) -> Any:
        """Conditional expected purchases in (T, T + t] of each customer with an interval.

        As :meth:`probability_alive_intervals`, with the delta method on the log scale (bounds
        stay > 0). The interval covers the expectation, not the number of purchases the
        customer will actually make.

        Returns:
            a table with the customer id, ``expected_purchases``, ``lower`` and ``upper``.

        Examples:
            >>> import crmkit
            >>> x, t_x, n = [0, 1, 1, 2, 2, 3, 3, 5, 7, 10], [0, 5, 30, 10, 35, 20, 37, 25, 36, 37], [1400, 300, 150, 100, 120, 60, 80, 40, 50, 20]
            >>> pn = crmkit.ParetoNbd().fit(x, t_x, [38.0] * 10, weights=n)
            >>> iv = pn.expected_purchases_intervals([2.0, 2.0], 39, [30.0, 5.0], [38.0, 38.0], method="bootstrap", draws=200, seed=1)
            >>> sorted(iv)      # arrays in: a dict of arrays out
            ['expected_purchases', 'lower', 'upper']
            >>> bool((iv["lower"] < iv["expected_purchases"]).all() and (iv["expected_purchases"] < iv["upper"]).all())
            True
        """
        if _is_scalar(data) and not _is_scalar(t):
            _deprecated_order(f"{type(self).__name__}.expected_purchases_intervals(t, data)", "expected_purchases_intervals(data, t)")
            data, t = t, data
        from_table = t_x is None and T is None
        arrays = _crmkit.expected_purchases_intervals(
            self._fitted(),
            float(t),
            *self._arrays(data, t_x, T),
            level=float(level),
            method=method,
            draws=int(draws),
            seed=int(seed),
        )
        return _interval_frame(data, from_table, customer_id, "expected_purchases", arrays)

    @overload
    def predict(self, data: TableT, t: float) -> TableT: ...
    @overload
    def predict(self, data: Mapping[str, Any], t: float) -> ArrayDict: ...
    @overload
    def predict(self, data: pl.LazyFrame, t: float) -> pl.DataFrame: ...
    @overload
    def predict(self, data: CompressedSummary | OtherTable, t: float) -> Any: ...
    def predict(self, data: FrameLike | CompressedSummary | pl.LazyFrame, t: float) -> Any:
        """``data`` with ``probability_alive`` and ``expected_purchases`` (in (T, T + t]) appended.

        The result is a table of the input's family (a dict of arrays for a dict).
        """
        from crmkit.rfm import _append

        extra = {"probability_alive": self._probability_alive(data, None, None), "expected_purchases": self._expected_purchases(data, t, None, None)}
        if isinstance(data, CompressedSummary):
            # the table it came from is not kept: the customer ids (when kept) and the predictions
            return _customer_frame(data, True, data.customer_id_name, extra)
        return _append(data, extra, _frames.family(data))

    def _arrays(self, data: Any, t_x: Any, T: Any) -> list[Any]:
        """The arrays x, t_x, T, or a CompressedSummary's core with t_x and T (None)."""
        if isinstance(data, CompressedSummary):
            return [data._core, t_x, T]
        return self._xtT(data, t_x, T)


class BgNbd(_TransactionModel):
    """The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

    Purchases follow a Poisson process with gamma(r, α) rates across customers; after each
    purchase a customer drops out with a beta(a, b) probability. Parameters ``r``, ``alpha``
    (in the data's time unit), ``a``, ``b``.

    Examples:
        >>> import numpy as np, crmkit
        >>> bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
        >>> np.round(bg.probability_alive([0, 2], [0, 30.43], [38.86, 38.86]), 4).tolist()
        [1.0, 0.7266]
    """

    _core = _crmkit.BgNbdModel

    def probability_of_purchases(self, n: int, t: float) -> float:
        """P(X(t) = n): probability that a new customer makes ``n`` purchases in (0, t] (Fader, Hardie & Lee 2005 eq. 8)."""
        return self._fitted().probability_of_purchases(int(n), float(t))  # type: ignore[no-any-return]


class ParetoNbd(_TransactionModel):
    """The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; Fader, Hardie & Lee 2005).

    Poisson purchases with gamma(r, α) rates, exponential lifetimes with gamma(s, β) dropout
    rates. Parameters ``r``, ``alpha``, ``s``, ``beta``.
    """

    _core = _crmkit.ParetoNbdModel

    def probability_of_purchases(self, n: int, t: float) -> float:
        """P(X(t) = n): probability that a new customer makes ``n`` purchases in (0, t].

        Formula: Fader & Hardie (2006), "Deriving an expression for P(X(t) = x) under the
        Pareto/NBD model": the customer is alive at t with n purchases, or died before t after n
        purchases (₂F₁ terms, evaluated in logs).

        Examples:
            >>> import crmkit
            >>> pn = crmkit.ParetoNbd.from_params(r=0.5533, alpha=10.5776, s=0.6062, beta=11.6679)
            >>> round(pn.probability_of_purchases(0, 39), 4)
            0.5935
            >>> round(sum(pn.probability_of_purchases(n, 39) for n in range(300)), 9)
            1.0
        """
        return self._fitted().probability_of_purchases(int(n), float(t))  # type: ignore[no-any-return]

    @overload
    def conditional_probability_of_purchases(self, data: ColumnLike, n: int, t: float, t_x: ColumnLike, T: ColumnLike, *, customer_id: str | None = "customer_id") -> Floats: ...
    @overload
    def conditional_probability_of_purchases(self, data: TableT, n: int, t: float, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def conditional_probability_of_purchases(self, data: Mapping[str, Any], n: int, t: float, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def conditional_probability_of_purchases(self, data: pl.LazyFrame, n: int, t: float, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def conditional_probability_of_purchases(self, data: CompressedSummary | OtherTable, n: int, t: float, t_x: None = None, T: None = None, *, customer_id: str | None = "customer_id") -> Any: ...
    def conditional_probability_of_purchases(
        self, data: Any, n: Any = None, t: Any = None, t_x: Any = None, T: Any = None, *, customer_id: str | None = "customer_id"
    ) -> Any:
        """P(Y = n | x, t_x, T): probability that each customer makes ``n`` purchases in (T, T + t].

        Args:
            data: a table, a :class:`CompressedSummary`, or the array x (see :meth:`fit`).
            n: the number of purchases; t: the horizon in the data's time unit.
            t_x, T: the arrays t_x and T when ``data`` is the array x.

        The old order ``(n, t, data)`` works in this release with a ``DeprecationWarning``.

        Returns:
            probabilities in [0, 1]: for a table, a table of its family keyed by customer
            (``customer_id`` when present, then ``conditional_probability_of_purchases``); for
            arrays, a numpy array of float64. Formula: Fader & Hardie note 028, "Deriving the
            conditional PMF of the Pareto/NBD model", eq. 16 (lifetimes 0.11.3
            ``conditional_probability_of_n_purchases_up_to_time``).

        Examples:
            >>> import numpy as np, crmkit
            >>> pn = crmkit.ParetoNbd.from_params(r=0.5533, alpha=10.5776, s=0.6062, beta=11.6679)
            >>> np.round(pn.conditional_probability_of_purchases([0, 26], 0, 39, [0, 30.86], [38.86, 31]), 4).tolist()
            [0.9307, 0.0238]
        """
        if _is_scalar(data) and _is_scalar(n) and not _is_scalar(t):
            _deprecated_order("ParetoNbd.conditional_probability_of_purchases(n, t, data)", "conditional_probability_of_purchases(data, n, t)")
            data, n, t = t, data, n
        args = self._xtT(data, t_x, T)
        with self._fields(data, t_x, T):
            values: Floats = self._fitted().conditional_probability_of_purchases(int(n), float(t), *args)
        return _point_frame(data, t_x is None and T is None, customer_id, "conditional_probability_of_purchases", values)


class MbgNbd(_TransactionModel):
    """The MBG/NBD model (Batislam, Denizel & Filiztekin 2007): BG/NBD where customers may also
    drop out at time 0, as lifetimes' ``ModifiedBetaGeoFitter``. Parameters ``r``, ``alpha``, ``a``, ``b``.
    """

    _core = _crmkit.MbgNbdModel

    def probability_of_purchases(self, n: int, t: float) -> float:
        """P(X(t) = n): probability that a new customer makes ``n`` purchases in (0, t].

        Formula: Batislam, Denizel & Filiztekin (2007), as lifetimes 0.11.3
        ``ModifiedBetaGeoFitter.probability_of_n_purchases_up_to_time``: still active after the
        n-th purchase with exactly n purchases, or dropped out right after the n-th (or at time 0).

        Examples:
            >>> import crmkit
            >>> mbg = crmkit.MbgNbd.from_params(r=0.5248, alpha=6.1830, a=0.8914, b=1.6140)
            >>> round(sum(mbg.probability_of_purchases(n, 39) for n in range(300)), 9)
            1.0
        """
        return self._fitted().probability_of_purchases(int(n), float(t))  # type: ignore[no-any-return]


def _warn_left_out(count: int, stacklevel: int = 3) -> None:
    if count:
        import warnings

        warnings.warn(
            f"crmkit: {count} customers with net spend <= 0 were left out (rule non_positive_spend)",
            _crmkit.CrmkitWarning,
            stacklevel=stacklevel,
        )


class GammaGamma(_Model):
    """The Gamma–Gamma spend model (Fader, Hardie & Lee 2005 "RFM and CLV"; Fader & Hardie 2013 note).

    A customer's spend per purchase is gamma(p, ν) with ν ~ gamma(q, γ), independent of purchase
    frequency (check with :meth:`independence_check`). Fitted on repeat customers (x > 0) with
    their mean repeat spend ``m_x``.

    Args:
        penalty: L2 penalty (lifetimes' ``penalizer_coef``).
        q_above_one: constrain q > 1 (lifetimes' ``q_constraint``), so that the population mean
            spend is finite.
        x, m_x, weights: column names of a table passed to :meth:`fit`.
        non_positive_spend: the rule ``non_positive_spend`` for repeat customers (x > 0) whose
            net mean spend ``m_x`` is ≤ 0 (refunds netted with ``negative_amounts='net'``):
            ``'exclude'`` (default) leaves them out of the fit, of :meth:`expected_spend` and of
            the CLV (their value is NaN, their row kept) and counts them in a
            :class:`CrmkitWarning`; ``'error'`` raises naming the first row.

    Examples:
        >>> import crmkit, warnings
        >>> gg = crmkit.GammaGamma.from_params(p=6.2488, q=3.7446, gamma=15.4477)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     spend = gg.expected_spend([2, 3], [-4.0, 20.0])
        >>> bool(spend[0] != spend[0]), round(float(spend[1]), 2), str(caught[0].message)
        (True, 21.94, 'crmkit: 1 customers with net spend <= 0 were left out (rule non_positive_spend)')
    """

    _core = _crmkit.GammaGammaModel

    def __init__(
        self,
        *,
        penalty: float = 0.0,
        q_above_one: bool = False,
        x: str = "x",
        m_x: str = "m_x",
        weights: str | None = None,
        max_iterations: int = 500,
        gradient_tolerance: float = 1e-9,
        non_positive_spend: Literal["exclude", "error"] = "exclude",
    ) -> None:
        super().__init__(penalty=penalty, max_iterations=max_iterations, gradient_tolerance=gradient_tolerance)
        self.non_positive_spend = non_positive_spend
        self.q_above_one = bool(q_above_one)
        self.x = x
        self.m_x = m_x
        self.weights = weights

    def _xm(self, data: Any, m_x: Any) -> list[Any]:
        if isinstance(data, CompressedSummary):
            return data._spend_columns()
        if m_x is None:
            with _user_fields(self._names(True)):
                return _columns(data, {"x": self.x, "m_x": self.m_x}, {})
        return _columns(None, {"x": data, "m_x": m_x}, {"x": data, "m_x": m_x})

    def _names(self, table: bool) -> dict[str, str]:
        """The core's field names → the names the user typed (configured columns for a table)."""
        if not table:
            return {"mean_spend": "m_x"}
        return {"x": self.x, "m_x": self.m_x, "mean_spend": self.m_x, "weights": self.weights or "weights"}

    def _fields(self, data: Any, *arrays: Any) -> Any:
        return _user_fields(self._names(all(a is None for a in arrays) and not isinstance(data, CompressedSummary)))

    def fit(
        self,
        data: FrameLike | CompressedSummary | ColumnLike,
        m_x: ColumnLike | None = None,
        weights: ColumnLike | None = None,
        *,
        penalty: float | None = None,
    ) -> Self:
        """Fits on repeat purchases and mean spend.

        Args:
            data: a table with the configured columns (default ``x``, ``m_x``), or the array x
                when ``m_x`` is passed as an array. Without weights, customers with x = 0 are left
                out (errors name the row of the full table).
            weights: customers per row (then every row needs x > 0), or None.

        Repeat customers with net mean spend ≤ 0 follow the ``non_positive_spend`` rule.

        Returns:
            self, fitted.
        """
        x, m = self._xm(data, m_x)
        with self._fields(data, m_x):
            if weights is None and m_x is None and self.weights is not None and not isinstance(data, CompressedSummary):
                weights = _frames.column(data, self.weights, "weights")
            w = None if weights is None else _frames.floats(weights, "weights")
            rule = self._rule()
            left_out = _crmkit.non_positive_spend_rows(_frames.floats(x, "x"), _frames.floats(m, "m_x"), rule)
            self.model_ = self._core.fit(
                x, m, w, q_above_one=self.q_above_one, non_positive_spend=rule, **self._fit_kwargs(penalty)
            )
        _warn_left_out(len(left_out))
        return self

    def score(self, data: FrameLike | CompressedSummary, y: object = None) -> float:
        """Mean log-likelihood per repeat customer (x > 0) of a table of summaries.

        The score ``cross_val_score`` and ``GridSearchCV`` maximise without ``scoring``: the
        fitted parameters' log-likelihood of held-out customers' mean spend (penalty excluded),
        over the repeat customers — only they carry spend information; those with mean spend ≤ 0
        follow the model's ``non_positive_spend`` rule, as in ``fit``. ``y`` is ignored.

        Examples:
            >>> import pandas as pd, crmkit
            >>> summary = pd.DataFrame({"x": [0.0, 2, 5, 1], "m_x": [0.0, 20.0, 35.5, 12.0]})
            >>> round(crmkit.GammaGamma.from_params(p=6.25, q=3.74, gamma=15.44).score(summary), 4)
            -3.764
        """
        x, m = self._xm(data, None)
        with self._fields(data):
            w = None
            if self.weights is not None and not isinstance(data, CompressedSummary):
                w = _frames.floats(_frames.column(data, self.weights, "weights"), "weights")
            log_likelihood, customers = self._fitted().log_likelihood_of(x, m, w, non_positive_spend=self._rule())
        return float(log_likelihood) / float(customers)

    def _rule(self) -> NonPositiveSpend:
        rule: NonPositiveSpend = getattr(self, "non_positive_spend", "exclude")
        return rule

    def _spend(self, x: Any, m: Any) -> Floats:
        """Expected spend with the rule applied (NaN = left out), warning about those left out."""
        spend: Floats = self._fitted().expected_spend(x, m, non_positive_spend=self._rule())
        _warn_left_out(int(np.isnan(spend).sum()), stacklevel=4)
        return spend

    @overload
    def expected_spend(self, data: ColumnLike, m_x: ColumnLike, *, customer_id: str | None = "customer_id") -> Floats: ...
    @overload
    def expected_spend(self, data: TableT, m_x: None = None, *, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def expected_spend(self, data: Mapping[str, Any], m_x: None = None, *, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def expected_spend(self, data: pl.LazyFrame, m_x: None = None, *, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def expected_spend(self, data: CompressedSummary | OtherTable, m_x: None = None, *, customer_id: str | None = "customer_id") -> Any: ...
    def expected_spend(self, data: Any, m_x: Any = None, *, customer_id: str | None = "customer_id") -> Any:
        """Expected spend per purchase of each customer, E[M | x, m_x] (Fader, Hardie & Lee 2005 "RFM and CLV" eq. A3):
        (p + p x)·(γ + x m_x)/(p x + q − 1) weighted as in the paper; the population mean for x = 0.
        NaN for the repeat customers the ``non_positive_spend`` rule leaves out. ``data``: a
        table (configured columns ``x``, ``m_x``), a :class:`CompressedSummary` built with
        ``m_x``, or the array x with ``m_x`` an array.

        Returns:
            for a table, a table of its family keyed by customer (``customer_id`` when present,
            then ``expected_spend``) in input order; for arrays, a numpy array of float64.

        Examples:
            >>> import pyarrow as pa, crmkit
            >>> gg = crmkit.GammaGamma.from_params(p=6.2488, q=3.7446, gamma=15.4477)
            >>> table = pa.table({"customer_id": ["a", "b"], "x": [3.0, 1.0], "m_x": [20.0, 40.0]})
            >>> gg.expected_spend(table).column("expected_spend").to_numpy().round(2).tolist()
            [21.94, 38.53]
        """
        x, m = self._xm(data, m_x)
        with self._fields(data, m_x):
            values = self._spend(x, m)
        return _point_frame(data, m_x is None, customer_id, "expected_spend", values)

    @property
    def population_mean_spend(self) -> float:
        """Population mean spend per purchase p γ / (q − 1) (needs q > 1)."""
        return self._fitted().population_mean_spend  # type: ignore[no-any-return]

    def independence_check(self, data: FrameLike | CompressedSummary | ColumnLike, m_x: ColumnLike | None = None) -> float:
        """Pearson correlation of frequency and mean spend among repeat customers (near 0 supports the model)."""
        return spend_frequency_correlation(*self._xm(data, m_x))

    def _clv_columns(self, transaction_model: _TransactionModel, data: Any, t_x: Any, T: Any, m_x: Any) -> list[Any]:
        """x, t_x, T and m_x of a CLV call: the transaction model's configured columns for x,
        t_x and T and this model's for m_x (a table), or the four arrays."""
        if t_x is None and T is None and m_x is None:
            tm = transaction_model if isinstance(transaction_model, _TransactionModel) else None
            names = {
                "x": tm.x if tm else self.x,
                "t_x": tm.t_x if tm else "t_x",
                "T": tm.T if tm else "T",
                "m_x": self.m_x,
            }
            with _user_fields({**names, "t": names["T"]}):
                return _columns(data, names, {})
        given = {"x": data, "t_x": t_x, "T": T, "m_x": m_x}
        return _columns(None, given, given)

    def _clv_fields(self, transaction_model: _TransactionModel, data: Any, *arrays: Any) -> Any:
        if isinstance(data, CompressedSummary) or any(a is not None for a in arrays):
            return _user_fields({"mean_spend": "m_x", "t": "T"})
        tm = transaction_model if isinstance(transaction_model, _TransactionModel) else None
        names = {"x": tm.x if tm else self.x, "t_x": tm.t_x if tm else "t_x", "T": tm.T if tm else "T"}
        return _user_fields({**names, "t": names["T"], "m_x": self.m_x, "mean_spend": self.m_x})

    def _clv_inputs(self, transaction_model: _TransactionModel, data: Any, t_x: Any, T: Any, m_x: Any) -> tuple[Floats, list[Any]]:
        """The expected spend (rule applied) and the summary arguments of a CLV call."""
        if isinstance(data, CompressedSummary):
            if t_x is not None or T is not None or m_x is not None:
                raise _frames._error(_crmkit.ConfigError, "invalid `t_x`: a CompressedSummary holds t_x, T and m_x: pass it alone", "t_x")
            x, m = data._spend_columns()
            return self._spend(x, m), [data._core]
        x, tx, tt, m = self._clv_columns(transaction_model, data, t_x, T, m_x)
        with self._clv_fields(transaction_model, data, t_x, T, m_x):
            return self._spend(x, m), [x, tx, tt]

    @overload
    def customer_lifetime_value(self, transaction_model: _TransactionModel, data: ColumnLike, t_x: ColumnLike, T: ColumnLike, m_x: ColumnLike, *, months: int = 12, discount_rate: float = 0.01, time_units_per_month: float, customer_id: str | None = "customer_id") -> Floats: ...
    @overload
    def customer_lifetime_value(self, transaction_model: _TransactionModel, data: TableT, t_x: None = None, T: None = None, m_x: None = None, *, months: int = 12, discount_rate: float = 0.01, time_units_per_month: float, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def customer_lifetime_value(self, transaction_model: _TransactionModel, data: Mapping[str, Any], t_x: None = None, T: None = None, m_x: None = None, *, months: int = 12, discount_rate: float = 0.01, time_units_per_month: float, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def customer_lifetime_value(self, transaction_model: _TransactionModel, data: pl.LazyFrame, t_x: None = None, T: None = None, m_x: None = None, *, months: int = 12, discount_rate: float = 0.01, time_units_per_month: float, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def customer_lifetime_value(self, transaction_model: _TransactionModel, data: CompressedSummary | OtherTable, t_x: None = None, T: None = None, m_x: None = None, *, months: int = 12, discount_rate: float = 0.01, time_units_per_month: float, customer_id: str | None = "customer_id") -> Any: ...
    def customer_lifetime_value(
        self,
        transaction_model: _TransactionModel,
        data: Any,
        t_x: Any = None,
        T: Any = None,
        m_x: Any = None,
        *,
        months: int = 12,
        discount_rate: float = 0.01,
        time_units_per_month: float,
        customer_id: str | None = "customer_id",
    ) -> Any:
        """CLV with discrete monthly discounting (lifetimes 0.11.3 / pymc-marketing convention).

        CLV = Σ_{i=1..months} (E[Y(i f)] − E[Y((i−1) f)]) · E[M | x, m_x] / (1 + d)^i, where E[Y(t)] is
        the transaction model's conditional expected purchases in (T, T + t] and f =
        ``time_units_per_month`` (:data:`WEEKS_PER_MONTH` = 4.345 for weekly data,
        :data:`DAYS_PER_MONTH` = 30 for daily data — required, because the wrong one gives a CLV
        about four times off).

        Args:
            transaction_model: a fitted :class:`BgNbd`, :class:`ParetoNbd` or :class:`MbgNbd`.
            data, t_x, T, m_x: a table, a :class:`CompressedSummary` built with ``m_x``, or the
                four arrays. A table's columns are the ones the models were configured with:
                x, t_x and T as ``transaction_model`` names them, m_x as this model does.
            months: horizon in months; discount_rate: per month (0.01 = 1%).
            customer_id: the id column copied from a table into the result (when present).

        Returns:
            for a table, a table of its family keyed by customer (``customer_id`` when present,
            then ``clv``), one row per input row in input order; for arrays, a numpy array of
            float64. NaN for the repeat customers the ``non_positive_spend`` rule leaves out
            (counted in a :class:`CrmkitWarning`).

        Examples:
            >>> import pandas as pd, crmkit
            >>> bg = crmkit.BgNbd.from_params(r=0.2426, alpha=4.4136, a=0.7930, b=2.4261)
            >>> gg = crmkit.GammaGamma.from_params(p=6.2488, q=3.7446, gamma=15.4477)
            >>> s = pd.DataFrame({"customer_id": [101, 102], "x": [2.0, 6.0], "t_x": [30.43, 37.0],
            ...                   "T": [38.86, 38.86], "m_x": [25.0, 40.0]})
            >>> gg.customer_lifetime_value(bg, s, time_units_per_month=crmkit.WEEKS_PER_MONTH).round(2)
               customer_id     clv
            0          101   39.47
            1          102  186.45
        """
        spend, rows = self._clv_inputs(transaction_model, data, t_x, T, m_x)
        with self._clv_fields(transaction_model, data, t_x, T, m_x):
            values: Floats = _crmkit.clv_monthly_steps(
                _core_of(transaction_model),
                spend,
                *rows,
                months=int(months),
                monthly_discount_rate=float(discount_rate),
                time_units_per_month=float(time_units_per_month),
                left_out=True,
            )
        return _point_frame(data, t_x is None and T is None and m_x is None, customer_id, "clv", values)

    @overload
    def expected_spend_intervals(self, data: ColumnLike, m_x: ColumnLike, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def expected_spend_intervals(self, data: TableT, m_x: None = None, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def expected_spend_intervals(self, data: Mapping[str, Any], m_x: None = None, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def expected_spend_intervals(self, data: pl.LazyFrame, m_x: None = None, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def expected_spend_intervals(self, data: OtherTable, m_x: None = None, *, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> Any: ...
    def expected_spend_intervals(
        self,
        data: Any,
        m_x: Any = None,
        *,
        level: float = 0.9,
        method: IntervalMethod = "delta",
        draws: int = 1000,
        seed: int = 0,
        customer_id: str | None = "customer_id",
    ) -> Any:
        """Expected spend per purchase E[M | x, m_x] of each customer with an interval.

        As :meth:`BgNbd.probability_alive_intervals` (delta method on the log scale; bootstrap
        draws with q ≤ 1, where the mean spend does not exist, count as +inf).

        Returns:
            a table with the customer id, ``expected_spend``, ``lower`` and ``upper``.

        Examples:
            >>> import numpy as np, crmkit
            >>> rng = np.random.default_rng(3)   # 2,000 simulated repeat customers: p = 6, q = 4, gamma = 15
            >>> x = rng.integers(1, 8, 2000).astype(float)
            >>> m_x = rng.gamma(6.0 * x, 1.0 / (rng.gamma(4.0, 1 / 15.0, 2000) * x))
            >>> gg = crmkit.GammaGamma().fit({"x": x, "m_x": m_x})
            >>> iv = gg.expected_spend_intervals({"customer_id": [7], "x": [2.0], "m_x": [30.0]})
            >>> sorted(iv)
            ['customer_id', 'expected_spend', 'lower', 'upper']
            >>> bool(iv["lower"][0] < iv["expected_spend"][0] < iv["upper"][0])
            True
        """
        from_table = m_x is None
        arrays = _crmkit.expected_spend_intervals(
            self._fitted(), *self._xm(data, m_x), level=float(level), method=method, draws=int(draws), seed=int(seed)
        )
        return _interval_frame(data, from_table, customer_id, "expected_spend", arrays)

    @overload
    def customer_lifetime_value_intervals(self, transaction_model: _TransactionModel, data: ColumnLike, t_x: ColumnLike, T: ColumnLike, m_x: ColumnLike, *, months: int = 12, discount_rate: float = 0.01, time_units_per_month: float, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def customer_lifetime_value_intervals(self, transaction_model: _TransactionModel, data: TableT, t_x: None = None, T: None = None, m_x: None = None, *, months: int = 12, discount_rate: float = 0.01, time_units_per_month: float, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def customer_lifetime_value_intervals(self, transaction_model: _TransactionModel, data: Mapping[str, Any], t_x: None = None, T: None = None, m_x: None = None, *, months: int = 12, discount_rate: float = 0.01, time_units_per_month: float, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def customer_lifetime_value_intervals(self, transaction_model: _TransactionModel, data: pl.LazyFrame, t_x: None = None, T: None = None, m_x: None = None, *, months: int = 12, discount_rate: float = 0.01, time_units_per_month: float, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def customer_lifetime_value_intervals(self, transaction_model: _TransactionModel, data: OtherTable, t_x: None = None, T: None = None, m_x: None = None, *, months: int = 12, discount_rate: float = 0.01, time_units_per_month: float, level: float = 0.9, method: IntervalMethod = "delta", draws: int = 1000, seed: int = 0, customer_id: str | None = "customer_id") -> Any: ...
    def customer_lifetime_value_intervals(
        self,
        transaction_model: _TransactionModel,
        data: Any,
        t_x: Any = None,
        T: Any = None,
        m_x: Any = None,
        *,
        months: int = 12,
        discount_rate: float = 0.01,
        time_units_per_month: float,
        level: float = 0.9,
        method: IntervalMethod = "delta",
        draws: int = 1000,
        seed: int = 0,
        customer_id: str | None = "customer_id",
    ) -> Any:
        """CLV (discrete monthly steps, as :meth:`customer_lifetime_value`) of each customer with an interval.

        The interval combines the sampling distributions of the fitted transaction model and
        of this spend model, taken as independent (they are fitted separately): delta method on
        ln CLV with the block-diagonal covariance of both models' log-parameters, or a bootstrap
        over joint draws. Parameter uncertainty only (see docs/clv.md).

        Returns:
            a table with the customer id, ``clv``, ``lower`` and ``upper``.

        Examples:
            >>> import numpy as np, pandas as pd, crmkit
            >>> rng = np.random.default_rng(3)   # spend of 2,000 simulated repeat customers
            >>> x = rng.integers(1, 8, 2000).astype(float)
            >>> gg = crmkit.GammaGamma().fit(x, rng.gamma(6.0 * x, 1.0 / (rng.gamma(4.0, 1 / 15.0, 2000) * x)))
            >>> s = pd.DataFrame({"customer_id": list("abcdefghij"),
            ...     "x": [0, 1, 1, 2, 2, 3, 3, 5, 7, 10], "t_x": [0, 5, 30, 10, 35, 20, 37, 25, 36, 37],
            ...     "T": [38.0] * 10, "n": [1400, 300, 150, 100, 120, 60, 80, 40, 50, 20],
            ...     "m_x": [0, 20, 35, 18, 60, 25, 12, 40, 22, 30]})
            >>> bg = crmkit.BgNbd(weights="n").fit(s)
            >>> iv = gg.customer_lifetime_value_intervals(bg, s, time_units_per_month=crmkit.WEEKS_PER_MONTH)
            >>> point = gg.customer_lifetime_value(bg, s, time_units_per_month=crmkit.WEEKS_PER_MONTH)
            >>> bool((iv.customer_id == point.customer_id).all() and abs(iv.clv - point.clv).max() < 1e-9)
            True
            >>> bool(((iv.lower < iv.clv) & (iv.clv < iv.upper)).all())
            True
        """
        from_table = t_x is None and T is None and m_x is None
        if isinstance(data, CompressedSummary):
            if m_x is not None:
                raise _frames._error(_crmkit.ConfigError, "invalid `m_x`: a CompressedSummary holds t_x, T and m_x: pass it alone", "m_x")
            x, tx, tt, m = data._core, t_x, T, data._spend_columns()[1]
        else:
            x, tx, tt, m = self._clv_columns(transaction_model, data, t_x, T, m_x)
        arrays = _crmkit.clv_intervals(
            _core_of(transaction_model),
            self._fitted(),
            x,
            tx,
            tt,
            m,
            months=int(months),
            monthly_discount_rate=float(discount_rate),
            time_units_per_month=float(time_units_per_month),
            level=float(level),
            method=method,
            draws=int(draws),
            seed=int(seed),
        )
        return _interval_frame(data, from_table, customer_id, "clv", arrays)

    @overload
    def clv_dert(self, transaction_model: _TransactionModel, data: ColumnLike, t_x: ColumnLike, T: ColumnLike, m_x: ColumnLike, *, annual_discount_rate: float, time_units_per_year: float, customer_id: str | None = "customer_id") -> Floats: ...
    @overload
    def clv_dert(self, transaction_model: _TransactionModel, data: TableT, t_x: None = None, T: None = None, m_x: None = None, *, annual_discount_rate: float, time_units_per_year: float, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def clv_dert(self, transaction_model: _TransactionModel, data: Mapping[str, Any], t_x: None = None, T: None = None, m_x: None = None, *, annual_discount_rate: float, time_units_per_year: float, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def clv_dert(self, transaction_model: _TransactionModel, data: pl.LazyFrame, t_x: None = None, T: None = None, m_x: None = None, *, annual_discount_rate: float, time_units_per_year: float, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def clv_dert(self, transaction_model: _TransactionModel, data: CompressedSummary | OtherTable, t_x: None = None, T: None = None, m_x: None = None, *, annual_discount_rate: float, time_units_per_year: float, customer_id: str | None = "customer_id") -> Any: ...
    def clv_dert(
        self,
        transaction_model: _TransactionModel,
        data: Any,
        t_x: Any = None,
        T: Any = None,
        m_x: Any = None,
        *,
        annual_discount_rate: float,
        time_units_per_year: float,
        customer_id: str | None = "customer_id",
    ) -> Any:
        """CLV with continuous discounting over an infinite horizon: DERT(δ) · E[M | x, m_x].

        δ = ln(1 + annual_discount_rate) / time_units_per_year (52 for weeks, 365 for days);
        DERT as in Fader, Hardie & Lee (2005) "RFM and CLV" (closed form for Pareto/NBD,
        numerical integration for BG/NBD and MBG/NBD).

        Returns:
            for a table, a table of its family keyed by customer (``customer_id`` when present,
            then ``clv_dert``); for arrays, a numpy array of float64. NaN for the repeat
            customers the ``non_positive_spend`` rule leaves out (counted in a
            :class:`CrmkitWarning`).
        """
        spend, rows = self._clv_inputs(transaction_model, data, t_x, T, m_x)
        with self._clv_fields(transaction_model, data, t_x, T, m_x):
            values: Floats = _crmkit.clv_dert(
                _core_of(transaction_model),
                spend,
                *rows,
                annual_discount_rate=float(annual_discount_rate),
                time_units_per_year=float(time_units_per_year),
                left_out=True,
            )
        return _point_frame(data, t_x is None and T is None and m_x is None, customer_id, "clv_dert", values)


class BgBb(_Model):
    """The BG/BB model for discrete opportunities (Fader, Hardie & Shang 2010).

    Each opportunity a live customer transacts with a beta(α, β) probability and may drop out
    with a beta(γ, δ) probability. Data: frequency ``x``, recency ``t_x`` (the opportunity of
    the last transaction) and opportunities ``n``, with optional weights.

    Examples:
        >>> import crmkit
        >>> m = crmkit.BgBb.from_params(alpha=1.2035, beta=0.7497, gamma=0.6567, delta=2.7834)
        >>> bool(m.probability_alive([6], [6], [6])[0] > m.probability_alive([2], [2], [6])[0])
        True
    """

    _core = _crmkit.BgBbModel

    def __init__(
        self,
        *,
        penalty: float = 0.0,
        x: str = "x",
        t_x: str = "t_x",
        n: str = "n",
        weights: str | None = None,
        max_iterations: int = 500,
        gradient_tolerance: float = 1e-9,
    ) -> None:
        super().__init__(penalty=penalty, max_iterations=max_iterations, gradient_tolerance=gradient_tolerance)
        self.x = x
        self.t_x = t_x
        self.n = n
        self.weights = weights

    def _names(self, table: bool) -> dict[str, str]:
        """The core's field names → the names the user typed (configured columns for a table)."""
        if not table:
            return {}
        return {"x": self.x, "t_x": self.t_x, "n": self.n, "weights": self.weights or "weights"}

    def _xtn(self, data: Any, t_x: Any, n: Any) -> list[Any]:
        if t_x is None and n is None:
            with _user_fields(self._names(True)):
                return _columns(data, {"x": self.x, "t_x": self.t_x, "n": self.n}, {})
        given = {"x": data, "t_x": t_x, "n": n}
        return _columns(None, given, given)

    def fit(
        self,
        data: FrameLike | ColumnLike,
        t_x: ColumnLike | None = None,
        n: ColumnLike | None = None,
        weights: ColumnLike | None = None,
        *,
        penalty: float | None = None,
    ) -> Self:
        """Fits by maximum likelihood on a table (configured columns) or the arrays x, t_x, n."""
        x, tx, nn = self._xtn(data, t_x, n)
        with _user_fields(self._names(t_x is None and n is None)):
            if weights is None and t_x is None and n is None and self.weights is not None:
                weights = _frames.column(data, self.weights, "weights")
            w = None if weights is None else _frames.floats(weights, "weights")
            self.model_ = self._core.fit(x, tx, nn, w, **self._fit_kwargs(penalty))
        return self

    def score(self, data: FrameLike | CompressedSummary, y: object = None) -> float:
        """Mean log-likelihood per customer of a table of (x, t_x, n) rows (higher is better).

        The score ``cross_val_score`` and ``GridSearchCV`` maximise without ``scoring``
        (penalty excluded); ``y`` is ignored.

        Examples:
            >>> import pandas as pd, crmkit
            >>> rows = pd.DataFrame({"x": [0.0, 3, 6], "t_x": [0.0, 4, 6], "n": [6.0, 6, 6]})
            >>> round(crmkit.BgBb.from_params(alpha=1.2, beta=0.75, gamma=0.66, delta=2.78).score(rows), 4)
            -2.8039
        """
        x, tx, nn = self._xtn(data, None, None)
        with _user_fields(self._names(True)):
            w = None if self.weights is None else _frames.floats(_frames.column(data, self.weights, "weights"), "weights")
            log_likelihood, customers = self._fitted().log_likelihood_of(x, tx, nn, w)
        return float(log_likelihood) / float(customers)

    @overload
    def probability_alive(self, data: ColumnLike, t_x: ColumnLike, n: ColumnLike, *, future: int = 0, customer_id: str | None = "customer_id") -> Floats: ...
    @overload
    def probability_alive(self, data: TableT, t_x: None = None, n: None = None, *, future: int = 0, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def probability_alive(self, data: Mapping[str, Any], t_x: None = None, n: None = None, *, future: int = 0, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def probability_alive(self, data: pl.LazyFrame, t_x: None = None, n: None = None, *, future: int = 0, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def probability_alive(self, data: CompressedSummary | OtherTable, t_x: None = None, n: None = None, *, future: int = 0, customer_id: str | None = "customer_id") -> Any: ...
    def probability_alive(
        self, data: Any, t_x: Any = None, n: Any = None, *, future: int = 0, customer_id: str | None = "customer_id"
    ) -> Any:
        """P(alive at opportunity n + future) of each customer (Fader, Hardie & Shang 2010 eq. 11).

        Returns:
            for a table, a table of its family keyed by customer (``customer_id`` when present,
            then ``probability_alive``); for the arrays x, t_x, n, a numpy array of float64.
        """
        args = self._xtn(data, t_x, n)
        with _user_fields(self._names(t_x is None and n is None)):
            values: Floats = self._fitted().probability_alive(*args, future=int(future))
        return _point_frame(data, t_x is None and n is None, customer_id, "probability_alive", values)

    @overload
    def expected_purchases(self, data: ColumnLike, future: int, t_x: ColumnLike, n: ColumnLike, *, customer_id: str | None = "customer_id") -> Floats: ...
    @overload
    def expected_purchases(self, data: TableT, future: int, t_x: None = None, n: None = None, *, customer_id: str | None = "customer_id") -> TableT: ...
    @overload
    def expected_purchases(self, data: Mapping[str, Any], future: int, t_x: None = None, n: None = None, *, customer_id: str | None = "customer_id") -> ArrayDict: ...
    @overload
    def expected_purchases(self, data: pl.LazyFrame, future: int, t_x: None = None, n: None = None, *, customer_id: str | None = "customer_id") -> pl.DataFrame: ...
    @overload
    def expected_purchases(self, data: CompressedSummary | OtherTable, future: int, t_x: None = None, n: None = None, *, customer_id: str | None = "customer_id") -> Any: ...
    def expected_purchases(
        self, data: Any, future: Any = None, t_x: Any = None, n: Any = None, *, customer_id: str | None = "customer_id"
    ) -> Any:
        """Expected transactions of each customer in the next ``future`` opportunities (Fader, Hardie & Shang 2010 eq. 13).

        ``data`` first (a table or the array x, with ``t_x`` and ``n`` arrays), then ``future``;
        the old order ``(future, data)`` works in this release with a ``DeprecationWarning``.

        Returns:
            for a table, a table of its family keyed by customer (``customer_id`` when present,
            then ``expected_purchases``); for the arrays x, t_x, n, a numpy array of float64.

        Examples:
            >>> import crmkit
            >>> m = crmkit.BgBb.from_params(alpha=1.2035, beta=0.7497, gamma=0.6567, delta=2.7834)
            >>> m.expected_purchases({"x": [6.0, 0.0], "t_x": [6.0, 0.0], "n": [6.0, 6.0]}, 5)["expected_purchases"].round(3).tolist()
            [3.753, 0.073]
            >>> m.expected_purchases([6.0, 0.0], 5, [6.0, 0.0], [6.0, 6.0]).round(3).tolist()
            [3.753, 0.073]
        """
        if _is_scalar(data) and not _is_scalar(future):
            _deprecated_order("BgBb.expected_purchases(future, data)", "expected_purchases(data, future)")
            data, future = future, data
        args = self._xtn(data, t_x, n)
        with _user_fields(self._names(t_x is None and n is None)):
            values: Floats = self._fitted().expected_purchases(int(future), *args)
        return _point_frame(data, t_x is None and n is None, customer_id, "expected_purchases", values)

    def expected_purchases_new_customer(self, n: int) -> float:
        """Expected transactions of a new customer in the first ``n`` opportunities (Fader, Hardie & Shang 2010 eq. 9)."""
        return self._fitted().expected_purchases_new_customer(int(n))  # type: ignore[no-any-return]

    def probability_of_purchases(self, x: int, n: int) -> float:
        """P(X(n) = x): probability that a new customer makes ``x`` transactions in the first ``n`` opportunities.

        Formula: Fader, Hardie & Shang (2010) eq. 7 (0 for x > n).

        Examples:
            >>> import crmkit
            >>> m = crmkit.BgBb.from_params(alpha=1.2035, beta=0.7497, gamma=0.6567, delta=2.7834)
            >>> [round(m.probability_of_purchases(x, 6), 4) for x in range(7)]
            [0.3111, 0.1701, 0.1215, 0.1003, 0.0917, 0.0925, 0.1129]
        """
        return self._fitted().probability_of_purchases(int(x), int(n))  # type: ignore[no-any-return]


class ShiftedBetaGeometric(_Model):
    """The shifted-beta-geometric contractual retention model (Fader & Hardie 2007, "How to project customer retention").

    Each customer renews each period with a constant probability; churn probabilities are
    beta(α, β) across customers. Fitted on a cohort's survival curve or churn counts.

    Examples:
        >>> import crmkit
        >>> m = crmkit.ShiftedBetaGeometric().fit([100, 63.1, 46.8, 38.2, 32.6, 28.9, 26.2, 24.1])
        >>> {k: round(v, 3) for k, v in m.params_.items()}
        {'alpha': 0.704, 'beta': 1.182}
    """

    _core = _crmkit.SbgModel

    def fit(
        self,
        survival: Iterable[float] | None = None,
        *,
        cohort_size: float = 1000.0,
        lost: Iterable[float] | None = None,
        survivors: float | None = None,
        penalty: float | None = None,
    ) -> ShiftedBetaGeometric:
        """Fits on ``survival`` (level at period 0, 1, …: percentages, fractions or head counts,
        scaled to ``cohort_size`` customers), or on counts: ``lost[i]`` churned in period i + 1 and
        ``survivors`` still active."""
        kwargs = self._fit_kwargs(penalty)
        if survival is not None:
            self.model_ = self._core.fit_survival([float(v) for v in survival], float(cohort_size), **kwargs)
        else:
            if lost is None or survivors is None:
                raise _frames._error(_crmkit.ConfigError, "invalid `survival`: pass survival, or lost and survivors", "survival")
            self.model_ = self._core.fit_counts([float(v) for v in lost], float(survivors), **kwargs)
        return self

    def survival(self, t: int | npt.ArrayLike) -> Floats:
        """S(t), the share of the cohort active after each period in ``t`` (Fader & Hardie 2007 eq. 4)."""
        return np.asarray(self._fitted().survival([int(v) for v in np.atleast_1d(t)]))

    def churn_probability(self, t: int | npt.ArrayLike) -> Floats:
        """P(T = t), churn in period t >= 1 (Fader & Hardie 2007 eq. 3)."""
        return np.asarray(self._fitted().churn_probability([int(v) for v in np.atleast_1d(t)]))

    def retention_rate(self, t: int | npt.ArrayLike) -> Floats:
        """r_t = (β + t − 1)/(α + β + t − 1) for periods t >= 1 (Fader & Hardie 2007 eq. 6)."""
        return np.asarray(self._fitted().retention_rate([int(v) for v in np.atleast_1d(t)]))

    def discounted_expected_residual_lifetime(self, d: float, renewals: int = 0) -> float:
        """DERL at discount rate ``d`` per period after ``renewals`` renewals (Fader & Hardie 2010 eq. 6)."""
        return self._fitted().discounted_expected_residual_lifetime(float(d), int(renewals))  # type: ignore[no-any-return]


def spend_frequency_correlation(x: ColumnLike, m_x: ColumnLike) -> float:
    """Pearson correlation of repeat purchases and mean spend among repeat customers (x > 0).

    The Gamma–Gamma model assumes they are independent: a value near 0 supports it.

    Examples:
        >>> import crmkit
        >>> round(crmkit.spend_frequency_correlation([0, 1, 2, 3], [0.0, 10.0, 20.0, 30.0]), 12)
        1.0
    """
    return _crmkit.spend_frequency_correlation(_frames.floats(x, "x"), _frames.floats(m_x, "m_x"))
