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
    "QuantileBins",
    "SegmentRules",
    "__version__",
    "btyd_summary",
    "concentration",
    "rfm_features",
    "tier_codes_of",
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
