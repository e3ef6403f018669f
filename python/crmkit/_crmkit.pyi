"""Type stubs of the compiled module ``crmkit._crmkit`` (checked with ``mypy.stubtest``)."""

from collections.abc import Sequence
from typing import Any, ClassVar, Literal, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "get_num_threads",
    "set_num_threads",
    "BgBbModel",
    "BgNbdModel",
    "ChurnIndexOptions",
    "CompressedSummary",
    "ConfigError",
    "CustomerRecords",
    "ConvergenceError",
    "CrmkitError",
    "CrmkitWarning",
    "EmptyInputError",
    "GammaGammaModel",
    "InvalidValueError",
    "LengthMismatchError",
    "MAX_MATRIX_LABELS",
    "LogisticFit",
    "MbgNbdModel",
    "MinMaxFit",
    "PercentileRankFit",
    "MissingValueError",
    "NumericalError",
    "ObservationDateError",
    "ParetoNbdModel",
    "Playbook",
    "QuantileBins",
    "SbgModel",
    "SegmentRules",
    "__version__",
    "aggregate_needs",
    "btyd_summary",
    "check_churn_signal_options",
    "check_lifecycle_rules",
    "churn_signals",
    "classification_report",
    "clv_dert",
    "clv_intervals",
    "clv_monthly_steps",
    "compare_nps",
    "check_rfm_config",
    "concentration",
    "core_list_rows",
    "core_list_size",
    "csat",
    "csat_by_segment",
    "default_churn_signal_options",
    "default_lifecycle_rules",
    "expected_purchases_intervals",
    "expected_spend_intervals",
    "snapshot_migration",
    "lifecycle_stages",
    "need_work_list",
    "nps",
    "nps_by_segment",
    "nps_from_counts",
    "nps_group_outcomes",
    "owner_workload",
    "prioritise_needs",
    "prioritise_needs_by_flags",
    "probability_alive_intervals",
    "proportion_interval",
    "quality_report",
    "quality_rules",
    "retention_clv",
    "rfm_features",
    "simple_clv",
    "spend_frequency_correlation",
    "non_positive_spend_rows",
    "stage_metrics",
    "tier_codes_of",
    "layered_tier_codes_of",
    "rfm_diagnostics",
    "group_summary",
    "value_potential_matrix",
    "value_scores",
]

__version__: str

class CrmkitError(ValueError):
    """Base class of every error crmkit raises."""

    field: str | None
    row: int | None

class EmptyInputError(CrmkitError): ...
class LengthMismatchError(CrmkitError): ...
class MissingValueError(CrmkitError): ...
class InvalidValueError(CrmkitError): ...
class ObservationDateError(CrmkitError): ...
class ConfigError(CrmkitError): ...
class ConvergenceError(CrmkitError): ...
class NumericalError(CrmkitError): ...
class CrmkitWarning(Warning): ...

def set_num_threads(n: int) -> None:
    """Set the number of threads crmkit computes on (1 to 1024; one pool shared by every call)."""

def get_num_threads() -> int:
    """The number of threads crmkit computes on."""

def rfm_features(
    customer_id: Any,
    timestamp: Any,
    amount: Any,
    as_of: int,
    *,
    ticks_per_day: int | None = None,
    window_days: int = 365,
    after_as_of: str = "error",
    negative_amounts: str = "error",
    string_ids: bool = False,
) -> dict[str, Any]: ...
def quality_report(
    customer_id: Any,
    timestamp: Any,
    amount: Any,
    as_of: int,
    *,
    customer_id_missing: npt.NDArray[np.bool_] | None = None,
    timestamp_missing: npt.NDArray[np.bool_] | None = None,
    amount_missing: npt.NDArray[np.bool_] | None = None,
    ticks_per_day: int | None = None,
    start: int | None = None,
    duplicate_keys: list[tuple[str, Any, npt.NDArray[np.bool_] | None]] | None = None,
    outliers: str = "mean_multiple",
    outlier_factor: float = 10.0,
    mad_threshold: float = 3.5,
    records: dict[str, Any] | None = None,
) -> dict[str, Any]: ...
def quality_rules() -> list[tuple[str, str]]: ...
def btyd_summary(
    customer_id: Any,
    timestamp: Any,
    amount: Any,
    as_of: int,
    *,
    ticks_per_day: int | None = None,
    unit: str = "days",
    calibration_end: int | None = None,
    after_as_of: str = "error",
    negative_amounts: str = "error",
) -> dict[str, Any]: ...
def tier_codes_of(scores: Any, thresholds: tuple[float, float] = ...) -> npt.NDArray[np.uint8]: ...
def check_rfm_config(
    weights: tuple[float, float, float],
    thresholds: list[float],
    tiers: str,
    k: int,
    window_days: int,
    after_as_of: str,
    negative_amounts: str,
) -> None: ...
def concentration(monetary: Any, top_fraction: float = 0.2) -> dict[str, Any]: ...
def layered_tier_codes_of(scores: Any, thresholds: tuple[float, float, float] = ...) -> npt.NDArray[np.uint8]: ...
def rfm_diagnostics(
    tier_names: list[str],
    tier_codes: npt.NDArray[np.uint8],
    rules: SegmentRules,
    segment_codes: npt.NDArray[np.uint16],
    bins: tuple[QuantileBins, QuantileBins, QuantileBins],
) -> dict[str, Any]: ...
def group_summary(
    codes: npt.NDArray[np.int64],
    groups: int,
    days_since_last: Any,
    frequency: Any,
    monetary: Any,
) -> dict[str, npt.NDArray[Any]]: ...
@final
class PercentileRankFit:
    @staticmethod
    def fit(days_since_last: Any, frequency: Any, monetary: Any) -> PercentileRankFit: ...
    def merge(self, other: PercentileRankFit) -> PercentileRankFit: ...
    def score(
        self,
        days_since_last: Any,
        frequency: Any,
        monetary: Any,
        weights: tuple[float, float, float] = ...,
    ) -> npt.NDArray[np.float64]: ...
    @property
    def count(self) -> int: ...
    @property
    def distinct_values(self) -> tuple[int, int, int]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> PercentileRankFit: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...

@final
class MinMaxFit:
    @staticmethod
    def fit(
        days_since_last: Any,
        frequency: Any,
        monetary: Any,
        *,
        winsorize: tuple[float, float] | None = None,
    ) -> MinMaxFit: ...
    def merge(self, other: MinMaxFit) -> MinMaxFit: ...
    def score(
        self,
        days_since_last: Any,
        frequency: Any,
        monetary: Any,
        weights: tuple[float, float, float] = ...,
    ) -> npt.NDArray[np.float64]: ...
    def score_tiers(
        self,
        days_since_last: Any,
        frequency: Any,
        monetary: Any,
        weights: tuple[float, float, float] = ...,
        thresholds: tuple[float, float] = ...,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8]]: ...
    @property
    def days_since_last(self) -> tuple[float, float, int]: ...
    @property
    def frequency(self) -> tuple[float, float, int]: ...
    @property
    def monetary(self) -> tuple[float, float, int]: ...
    @property
    def winsorize(self) -> tuple[float, float] | None: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> MinMaxFit: ...
    def _repr_html_(self) -> str: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...

@final
class QuantileBins:
    @staticmethod
    def fit_apply(
        values: Any, k: int = 5, higher_is_better: bool = True, field: str = "values"
    ) -> tuple[QuantileBins, npt.NDArray[np.uint8]]: ...
    def apply(self, values: Any, field: str = "values") -> npt.NDArray[np.uint8]: ...
    @property
    def k(self) -> int: ...
    @property
    def higher_is_better(self) -> bool: ...
    @property
    def cuts(self) -> list[float]: ...
    @property
    def counts(self) -> list[int]: ...
    @property
    def empty_scores(self) -> list[int]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> QuantileBins: ...
    def _repr_html_(self) -> str: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...

@final
class CustomerRecords:
    @classmethod
    def from_columns(
        cls, columns: dict[str, list[str | None]], first_contact: list[int | None] | None = None
    ) -> CustomerRecords: ...
    def columns(self) -> dict[str, list[Any]]: ...
    def to_json(self) -> str: ...
    @classmethod
    def from_json(cls, text: str) -> CustomerRecords: ...
    def __len__(self) -> int: ...

@final
class SegmentRules:
    @classmethod
    def rf_grid(cls) -> SegmentRules: ...
    @classmethod
    def rfm_classic(cls) -> SegmentRules: ...
    @classmethod
    def four_tier(cls) -> SegmentRules: ...
    @staticmethod
    def from_json(text: str) -> SegmentRules: ...
    def to_json(self) -> str: ...
    @property
    def names(self) -> list[str]: ...
    @property
    def k(self) -> int: ...
    def assign(self, r_score: Any, f_score: Any, m_score: Any) -> npt.NDArray[np.uint16]: ...
    def _repr_html_(self) -> str: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...

# --- issue 4: churn and lifecycle ---

def churn_signals(
    customer_id: Any,
    timestamp: Any,
    amount: Any,
    as_of: int,
    *,
    ticks_per_day: int | None = None,
    interaction_customer_id: Any = None,
    interaction_timestamp: Any = None,
    interaction_ticks_per_day: int | None = None,
    kind: Any = None,
    attribute_customer_id: Any = None,
    attributes: dict[str, Any] | None = None,
    options: str | None = None,
    negative_amounts: Literal["error", "net"] | None = None,
    assess: str | None = None,
    gather_ids: bool = False,
    texts: Literal["lists", "objects", "arrow"] = "lists",
    reason_lists: Literal["lists", "objects", "arrow"] = "lists",
    reason_rules: bool = True,
) -> dict[str, Any]: ...
def default_churn_signal_options() -> str: ...
def check_churn_signal_options(text: str) -> str: ...
@final
class ChurnIndexOptions:
    def __init__(self) -> None: ...
    @staticmethod
    def from_json(text: str) -> ChurnIndexOptions: ...
    def to_json(self) -> str: ...
    @property
    def red_from(self) -> int: ...
    @property
    def yellow_from(self) -> int: ...
    @property
    def weights(self) -> list[tuple[str, float]]: ...
    def score(self, signals: dict[str, Any], n: int) -> dict[str, Any]: ...
    def _repr_html_(self) -> str: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...

@final
class LogisticFit:
    @staticmethod
    def fit(
        x: npt.NDArray[np.float64],
        y: Any,
        sample_weight: Any = None,
        *,
        l2_penalty: float = 0.0,
        fit_intercept: bool = True,
        standardize: bool = False,
        max_iter: int = 100,
        tol: float = 1e-10,
    ) -> LogisticFit: ...
    def predict_proba(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
    def decision_function(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]: ...
    @property
    def intercept(self) -> float: ...
    @property
    def coefficients(self) -> npt.NDArray[np.float64]: ...
    @property
    def fit_intercept(self) -> bool: ...
    @property
    def l2_penalty(self) -> float: ...
    @property
    def standardized(self) -> bool: ...
    @property
    def std_errors(self) -> list[float] | None: ...
    @property
    def z_values(self) -> list[float] | None: ...
    @property
    def p_values(self) -> list[float] | None: ...
    @property
    def log_likelihood(self) -> float: ...
    @property
    def iterations(self) -> int: ...
    @property
    def n_observations(self) -> int: ...
    @property
    def warnings(self) -> list[str]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> LogisticFit: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...

def classification_report(y: Any, predicted: Any, n_bins: int = 10, top_fraction: float = 0.1) -> dict[str, Any]: ...
def lifecycle_stages(
    customer_id: Any,
    timestamp: Any,
    as_of: int,
    *,
    ticks_per_day: int | None = None,
    attribute_customer_id: Any = None,
    first_contact: Any = None,
    first_contact_ticks_per_day: int | None = None,
    attributes: dict[str, Any] | None = None,
    rules: str | None = None,
    after_as_of: Literal["error", "exclude"] = "error",
    amount: Any = None,
    negative_amounts: Literal["error", "net"] = "error",
    gather_ids: bool = False,
) -> dict[str, Any]: ...
def default_lifecycle_rules() -> str: ...
def check_lifecycle_rules(text: str) -> str: ...
MAX_MATRIX_LABELS: int

def snapshot_migration(
    before: Any,
    after: Any,
    *,
    before_ids: Any = None,
    after_ids: Any = None,
    label: str = "stage",
    labels: list[str] | None = None,
    categories: list[str] | None = None,
    matrices: bool = True,
    gather_ids: bool = False,
) -> dict[str, Any]: ...
def stage_metrics(
    stage: Any,
    customer_id: Any,
    columns: dict[str, Any],
    *,
    metrics_customer_id: Any = None,
    stage_field: str = "stage",
    all_columns: bool = False,
) -> list[tuple[str, int, list[tuple[str, int, float, float | None]]]]: ...
# --- issue 3: value, quadrants, needs, feedback, playbook ---

def simple_clv(
    avg_order_value: Any,
    purchases_per_period: Any,
    expected_lifetime_periods: Any,
    gross_margin: Any,
) -> npt.NDArray[np.float64]: ...
def retention_clv(
    margin: Any,
    retention: float,
    discount_rate: float,
    horizon: int | None = None,
    timing: str = "end",
) -> npt.NDArray[np.float64]: ...
def value_scores(
    customer_id: Any,
    historical: Any,
    potential: Any,
    strategic: Any,
    weights: Sequence[float] = ...,
) -> dict[str, Any]: ...
def core_list_size(n: int, top_k: int | None = None, top_percent: float | None = None) -> int: ...
def core_list_rows(ranks: Any, top_k: int | None = None, top_percent: float | None = None) -> npt.NDArray[np.int64]: ...
def value_potential_matrix(
    value: Any, potential: Any, thresholds: tuple[float, float] | None = None, *, negative_value: str = "exclude"
) -> dict[str, Any]: ...
def prioritise_needs(
    importance: Any, urgency: Any, thresholds: tuple[float, float] = ...
) -> dict[str, Any]: ...
def prioritise_needs_by_flags(
    important: npt.NDArray[np.bool_], urgent: npt.NDArray[np.bool_]
) -> dict[str, Any]: ...
def need_work_list(needs: dict[str, Any], thresholds: tuple[float, float] = ...) -> dict[str, Any]: ...
def aggregate_needs(
    needs: dict[str, Any],
    customer_ids: list[str],
    groups: list[str],
    common_threshold: float = 0.5,
) -> dict[str, Any]: ...
def owner_workload(needs: dict[str, Any], as_of: int) -> dict[str, Any]: ...
def nps(answers: Any, method: str = "wald", confidence: float = 0.95) -> dict[str, Any]: ...
def nps_from_counts(
    promoters: int,
    passives: int,
    detractors: int,
    method: str = "wald",
    confidence: float = 0.95,
) -> dict[str, Any]: ...
def compare_nps(
    counts_a: tuple[int, int, int],
    counts_b: tuple[int, int, int],
    confidence: float = 0.95,
) -> dict[str, Any]: ...
def csat(answers: Any, method: str = "wilson", confidence: float = 0.95) -> dict[str, Any]: ...
def proportion_interval(
    successes: int, trials: int, method: str = "wilson", confidence: float = 0.95
) -> tuple[float, float]: ...
def nps_by_segment(
    segments: Any, answers: Any, method: str = "wald", confidence: float = 0.95
) -> dict[str, Any]: ...
def csat_by_segment(
    segments: Any, answers: Any, method: str = "wilson", confidence: float = 0.95
) -> dict[str, Any]: ...
def nps_group_outcomes(
    answers: Any, repurchased: npt.NDArray[np.bool_], clv: Any
) -> dict[str, Any]: ...
@final
class Playbook:
    def __new__(cls) -> Playbook: ...
    @staticmethod
    def from_json(text: str) -> Playbook: ...
    def to_json(self) -> str: ...
    @property
    def priority(self) -> list[str]: ...
    def recommend(
        self,
        *,
        tier: str | None = None,
        segment: str | None = None,
        quadrant: str | None = None,
        alert: str | None = None,
    ) -> dict[str, list[str]]: ...
    def apply_codes(
        self,
        tiers: tuple[npt.NDArray[np.int64], list[str]] | None = None,
        segments: tuple[npt.NDArray[np.int64], list[str]] | None = None,
        quadrants: tuple[npt.NDArray[np.int64], list[str]] | None = None,
        alerts: tuple[npt.NDArray[np.int64], list[str]] | None = None,
    ) -> tuple[npt.NDArray[np.int64], list[tuple[list[str], list[str], list[str]]]]: ...
    def _repr_html_(self) -> str: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...
# --- issue 5: probabilistic CLV ---

@final
class BgNbdModel:
    @staticmethod
    def fit(
        x: Any,
        t_x: Any | None = None,
        T: Any | None = None,
        weights: Any | None = None,
        *,
        penalty: float = 0.0,
        max_iterations: int = 500,
        gradient_tolerance: float = 1e-09,
        initial: Sequence[float] | None = None,
        standard_errors: bool = True,
    ) -> BgNbdModel: ...
    param_names: ClassVar[list[str]]
    @property
    def params(self) -> dict[str, float]: ...
    @property
    def standard_errors(self) -> dict[str, float] | None: ...
    @property
    def covariance(self) -> list[list[float]] | None: ...
    @property
    def log_likelihood(self) -> float | None: ...
    @property
    def report(self) -> dict[str, Any] | None: ...
    @property
    def fitted(self) -> bool: ...
    @staticmethod
    def from_params(values: Sequence[float]) -> BgNbdModel: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> BgNbdModel: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...
    @property
    def n_customers(self) -> float | None: ...
    def log_likelihood_of(self, x: Any, t_x: Any | None = None, T: Any | None = None, weights: Any | None = None) -> tuple[float, float]: ...
    def expected_purchases(self, t: float, x: Any, t_x: Any | None = None, T: Any | None = None) -> npt.NDArray[np.float64]: ...
    def probability_alive(self, x: Any, t_x: Any | None = None, T: Any | None = None) -> npt.NDArray[np.float64]: ...
    def expected_purchases_new_customer(self, t: float) -> float: ...
    def discounted_expected_transactions(self, delta: float, x: Any, t_x: Any | None = None, T: Any | None = None) -> npt.NDArray[np.float64]: ...
    def probability_of_purchases(self, n: int, t: float) -> float: ...

@final
class ParetoNbdModel:
    @staticmethod
    def fit(
        x: Any,
        t_x: Any | None = None,
        T: Any | None = None,
        weights: Any | None = None,
        *,
        penalty: float = 0.0,
        max_iterations: int = 500,
        gradient_tolerance: float = 1e-09,
        initial: Sequence[float] | None = None,
        standard_errors: bool = True,
    ) -> ParetoNbdModel: ...
    param_names: ClassVar[list[str]]
    @property
    def params(self) -> dict[str, float]: ...
    @property
    def standard_errors(self) -> dict[str, float] | None: ...
    @property
    def covariance(self) -> list[list[float]] | None: ...
    @property
    def log_likelihood(self) -> float | None: ...
    @property
    def report(self) -> dict[str, Any] | None: ...
    @property
    def fitted(self) -> bool: ...
    @staticmethod
    def from_params(values: Sequence[float]) -> ParetoNbdModel: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> ParetoNbdModel: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...
    @property
    def n_customers(self) -> float | None: ...
    def log_likelihood_of(self, x: Any, t_x: Any | None = None, T: Any | None = None, weights: Any | None = None) -> tuple[float, float]: ...
    def expected_purchases(self, t: float, x: Any, t_x: Any | None = None, T: Any | None = None) -> npt.NDArray[np.float64]: ...
    def probability_alive(self, x: Any, t_x: Any | None = None, T: Any | None = None) -> npt.NDArray[np.float64]: ...
    def expected_purchases_new_customer(self, t: float) -> float: ...
    def discounted_expected_transactions(self, delta: float, x: Any, t_x: Any | None = None, T: Any | None = None) -> npt.NDArray[np.float64]: ...
    def probability_of_purchases(self, n: int, t: float) -> float: ...
    def conditional_probability_of_purchases(self, n: int, t: float, x: Any, t_x: Any | None = None, T: Any | None = None) -> npt.NDArray[np.float64]: ...

@final
class MbgNbdModel:
    @staticmethod
    def fit(
        x: Any,
        t_x: Any | None = None,
        T: Any | None = None,
        weights: Any | None = None,
        *,
        penalty: float = 0.0,
        max_iterations: int = 500,
        gradient_tolerance: float = 1e-09,
        initial: Sequence[float] | None = None,
        standard_errors: bool = True,
    ) -> MbgNbdModel: ...
    param_names: ClassVar[list[str]]
    @property
    def params(self) -> dict[str, float]: ...
    @property
    def standard_errors(self) -> dict[str, float] | None: ...
    @property
    def covariance(self) -> list[list[float]] | None: ...
    @property
    def log_likelihood(self) -> float | None: ...
    @property
    def report(self) -> dict[str, Any] | None: ...
    @property
    def fitted(self) -> bool: ...
    @staticmethod
    def from_params(values: Sequence[float]) -> MbgNbdModel: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> MbgNbdModel: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...
    @property
    def n_customers(self) -> float | None: ...
    def log_likelihood_of(self, x: Any, t_x: Any | None = None, T: Any | None = None, weights: Any | None = None) -> tuple[float, float]: ...
    def expected_purchases(self, t: float, x: Any, t_x: Any | None = None, T: Any | None = None) -> npt.NDArray[np.float64]: ...
    def probability_alive(self, x: Any, t_x: Any | None = None, T: Any | None = None) -> npt.NDArray[np.float64]: ...
    def expected_purchases_new_customer(self, t: float) -> float: ...
    def discounted_expected_transactions(self, delta: float, x: Any, t_x: Any | None = None, T: Any | None = None) -> npt.NDArray[np.float64]: ...
    def probability_of_purchases(self, n: int, t: float) -> float: ...

@final
class GammaGammaModel:
    @staticmethod
    def fit(
        x: Any,
        mean_spend: Any,
        weights: Any | None = None,
        *,
        q_above_one: bool = False,
        penalty: float = 0.0,
        max_iterations: int = 500,
        gradient_tolerance: float = 1e-09,
        initial: Sequence[float] | None = None,
        standard_errors: bool = True,
        non_positive_spend: Literal["exclude", "error"] = "exclude",
    ) -> GammaGammaModel: ...
    param_names: ClassVar[list[str]]
    @property
    def params(self) -> dict[str, float]: ...
    @property
    def standard_errors(self) -> dict[str, float] | None: ...
    @property
    def covariance(self) -> list[list[float]] | None: ...
    @property
    def log_likelihood(self) -> float | None: ...
    @property
    def report(self) -> dict[str, Any] | None: ...
    @property
    def fitted(self) -> bool: ...
    @staticmethod
    def from_params(values: Sequence[float]) -> GammaGammaModel: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> GammaGammaModel: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...
    @property
    def n_customers(self) -> float | None: ...
    def log_likelihood_of(self, x: Any, mean_spend: Any, weights: Any | None = None, *, non_positive_spend: Literal["exclude", "error"] = "exclude") -> tuple[float, float]: ...
    @property
    def population_mean_spend(self) -> float: ...
    def expected_spend(
        self, x: Any, mean_spend: Any, *, non_positive_spend: Literal["exclude", "error"] | None = None
    ) -> npt.NDArray[np.float64]: ...

@final
class SbgModel:
    @staticmethod
    def fit_survival(
        survival: Sequence[float],
        cohort_size: float = 1000.0,
        *,
        penalty: float = 0.0,
        max_iterations: int = 500,
        gradient_tolerance: float = 1e-09,
        initial: Sequence[float] | None = None,
        standard_errors: bool = True,
    ) -> SbgModel: ...
    @staticmethod
    def fit_counts(
        lost: Sequence[float],
        survivors: float,
        *,
        penalty: float = 0.0,
        max_iterations: int = 500,
        gradient_tolerance: float = 1e-09,
        initial: Sequence[float] | None = None,
        standard_errors: bool = True,
    ) -> SbgModel: ...
    param_names: ClassVar[list[str]]
    @property
    def params(self) -> dict[str, float]: ...
    @property
    def standard_errors(self) -> dict[str, float] | None: ...
    @property
    def covariance(self) -> list[list[float]] | None: ...
    @property
    def log_likelihood(self) -> float | None: ...
    @property
    def report(self) -> dict[str, Any] | None: ...
    @property
    def fitted(self) -> bool: ...
    @staticmethod
    def from_params(values: Sequence[float]) -> SbgModel: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> SbgModel: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...
    def survival(self, t: Sequence[int]) -> list[float]: ...
    def churn_probability(self, t: Sequence[int]) -> list[float]: ...
    def retention_rate(self, t: Sequence[int]) -> list[float]: ...
    def discounted_expected_residual_lifetime(self, d: float, renewals: int) -> float: ...

@final
class BgBbModel:
    @staticmethod
    def fit(
        x: Any,
        t_x: Any,
        n: Any,
        weights: Any | None = None,
        *,
        penalty: float = 0.0,
        max_iterations: int = 500,
        gradient_tolerance: float = 1e-09,
        initial: Sequence[float] | None = None,
        standard_errors: bool = True,
    ) -> BgBbModel: ...
    param_names: ClassVar[list[str]]
    @property
    def params(self) -> dict[str, float]: ...
    @property
    def standard_errors(self) -> dict[str, float] | None: ...
    @property
    def covariance(self) -> list[list[float]] | None: ...
    @property
    def log_likelihood(self) -> float | None: ...
    @property
    def report(self) -> dict[str, Any] | None: ...
    @property
    def fitted(self) -> bool: ...
    @staticmethod
    def from_params(values: Sequence[float]) -> BgBbModel: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> BgBbModel: ...
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...
    @property
    def n_customers(self) -> float | None: ...
    def log_likelihood_of(self, x: Any, t_x: Any, n: Any, weights: Any | None = None) -> tuple[float, float]: ...
    def probability_alive(self, x: Any, t_x: Any, n: Any, future: int = 0) -> npt.NDArray[np.float64]: ...
    def expected_purchases(self, future: int, x: Any, t_x: Any, n: Any) -> npt.NDArray[np.float64]: ...
    def expected_purchases_new_customer(self, n: int) -> float: ...
    def probability_of_purchases(self, x: int, n: int) -> float: ...

@final
class CompressedSummary:
    def __new__(cls, x: Any, t_x: Any, T: Any, weights: Any | None = None) -> CompressedSummary: ...
    @property
    def rows(self) -> int: ...
    @property
    def distinct_rows(self) -> int: ...
    def distinct(
        self,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    def index(self) -> npt.NDArray[np.uint32]: ...

def clv_monthly_steps(
    transaction_model: BgNbdModel | ParetoNbdModel | MbgNbdModel,
    expected_spend: Any,
    x: Any,
    t_x: Any | None = None,
    T: Any | None = None,
    *,
    months: int,
    monthly_discount_rate: float,
    time_units_per_month: float,
    left_out: bool = False,
) -> npt.NDArray[np.float64]: ...
def clv_dert(
    transaction_model: BgNbdModel | ParetoNbdModel | MbgNbdModel,
    expected_spend: Any,
    x: Any,
    t_x: Any | None = None,
    T: Any | None = None,
    *,
    annual_discount_rate: float,
    time_units_per_year: float,
    left_out: bool = False,
) -> npt.NDArray[np.float64]: ...
def spend_frequency_correlation(x: Any, mean_spend: Any) -> float: ...

_Intervals = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]

def probability_alive_intervals(
    model: BgNbdModel | ParetoNbdModel | MbgNbdModel,
    x: Any,
    t_x: Any | None = None,
    T: Any | None = None,
    *,
    level: float = 0.9,
    method: Literal["delta", "bootstrap"] = "delta",
    draws: int = 1000,
    seed: int = 0,
) -> _Intervals: ...
def expected_purchases_intervals(
    model: BgNbdModel | ParetoNbdModel | MbgNbdModel,
    t: float,
    x: Any,
    t_x: Any | None = None,
    T: Any | None = None,
    *,
    level: float = 0.9,
    method: Literal["delta", "bootstrap"] = "delta",
    draws: int = 1000,
    seed: int = 0,
) -> _Intervals: ...
def expected_spend_intervals(
    spend_model: GammaGammaModel,
    x: Any,
    mean_spend: Any,
    *,
    level: float = 0.9,
    method: Literal["delta", "bootstrap"] = "delta",
    draws: int = 1000,
    seed: int = 0,
) -> _Intervals: ...
def clv_intervals(
    transaction_model: BgNbdModel | ParetoNbdModel | MbgNbdModel,
    spend_model: GammaGammaModel,
    x: Any,
    t_x: Any | None,
    T: Any | None,
    mean_spend: Any,
    *,
    months: int,
    monthly_discount_rate: float,
    time_units_per_month: float,
    level: float = 0.9,
    method: Literal["delta", "bootstrap"] = "delta",
    draws: int = 1000,
    seed: int = 0,
) -> _Intervals: ...
def non_positive_spend_rows(x: Any, mean_spend: Any, non_positive_spend: Literal["exclude", "error"] = "exclude") -> npt.NDArray[np.int64]: ...
