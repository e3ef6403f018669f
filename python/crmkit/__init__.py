"""crmkit: customer analytics for CRM data, with a Rust core.

RFM features, scores, tiers and segments from a transaction log; the buy-till-you-die summary
and the probabilistic CLV models (BG/NBD, Pareto/NBD, MBG/NBD, Gamma–Gamma, BG/BB, sBG); revenue concentration. Tables in (pandas, polars, pyarrow, or numpy
arrays), tables of the same family out. Every error is a :class:`CrmkitError` (a ``ValueError``)
that names the field, the row and the value.

Examples:
    >>> import pandas as pd, crmkit
    >>> log = pd.DataFrame({"customer_id": [1, 2, 2], "timestamp": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-03-20"]),
    ...                     "amount": [10.0, 99.0, 50.0]})
    >>> crmkit.rfm(log, as_of="2024-03-31", k=2, segments={"k": 2, "rules": [{"segment": "all"}]})["tier"].tolist()
    ['churn risk', 'high value']
"""

from crmkit._crmkit import (
    ConfigError,
    ConvergenceError,
    CrmkitError,
    CrmkitWarning,
    EmptyInputError,
    InvalidValueError,
    LengthMismatchError,
    MinMaxFit,
    MissingValueError,
    NumericalError,
    ObservationDateError,
    QuantileBins,
    SegmentRules,
    __version__,
)
from crmkit.clv import (
    DAYS_PER_MONTH,
    WEEKS_PER_MONTH,
    BgBb,
    BgNbd,
    GammaGamma,
    MbgNbd,
    ParetoNbd,
    ShiftedBetaGeometric,
    spend_frequency_correlation,
)
from crmkit.rfm import RfmModel, btyd_summary, concentration, rfm, rfm_features, segment_rules

__all__ = [
    "DAYS_PER_MONTH",
    "WEEKS_PER_MONTH",
    "BgBb",
    "BgNbd",
    "GammaGamma",
    "MbgNbd",
    "ParetoNbd",
    "ShiftedBetaGeometric",
    "spend_frequency_correlation",
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
    "RfmModel",
    "SegmentRules",
    "__version__",
    "btyd_summary",
    "concentration",
    "rfm",
    "rfm_features",
    "segment_rules",
]
