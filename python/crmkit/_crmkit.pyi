"""Type stubs of the compiled module ``crmkit._crmkit`` (checked with ``mypy.stubtest``)."""

from typing import Any, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "ConfigError",
    "ConvergenceError",
    "CrmkitError",
    "CrmkitWarning",
    "EmptyInputError",
    "InvalidValueError",
    "LengthMismatchError",
    "MinMaxFit",
    "MissingValueError",
    "NumericalError",
    "ObservationDateError",
    "Playbook",
    "QuantileBins",
    "SegmentRules",
    "__version__",
    "aggregate_needs",
    "btyd_summary",
    "compare_nps",
    "concentration",
    "core_list_size",
    "csat",
    "csat_by_segment",
    "need_work_list",
    "nps",
    "nps_by_segment",
    "nps_from_counts",
    "nps_group_outcomes",
    "owner_workload",
    "prioritise_needs",
    "prioritise_needs_by_flags",
    "proportion_interval",
    "retention_clv",
    "rfm_features",
    "simple_clv",
    "tier_codes_of",
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
) -> dict[str, Any]: ...
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
def concentration(monetary: Any, top_fraction: float = 0.2) -> dict[str, Any]: ...
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
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...

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
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...

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
    weights: tuple[float, float, float] = ...,
) -> dict[str, Any]: ...
def core_list_size(n: int, top_k: int | None = None, top_percent: float | None = None) -> int: ...
def value_potential_matrix(
    value: Any, potential: Any, thresholds: tuple[float, float] | None = None
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
    def __reduce__(self) -> tuple[Any, tuple[str]]: ...
