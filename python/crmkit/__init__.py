"""crmkit: customer analytics for CRM data, with a Rust core.

RFM features, scores, tiers and segments from a transaction log; the buy-till-you-die summary
and the probabilistic CLV models (BG/NBD, Pareto/NBD, MBG/NBD, Gamma–Gamma, BG/BB, sBG);
revenue concentration; customer value, quadrants, needs, NPS / CSAT and the action playbook;
churn warning signals, the churn risk index, a logistic churn model and its evaluation;
lifecycle stages and their migration. Tables in (pandas, polars, pyarrow, or numpy
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
    PercentileRankFit,
    Playbook,
    QuantileBins,
    SegmentRules,
    __version__,
)
from crmkit.churn import (
    ChurnIndexOptions,
    LogisticRegression,
    churn_reasons,
    churn_risk,
    churn_signal_options,
    churn_signals,
    churn_story,
    evaluate,
)
from crmkit.lifecycle import lifecycle_rules, lifecycle_stages, stage_metrics, stage_migration
from crmkit.feedback import (
    CsatResult,
    NpsComparison,
    NpsResult,
    compare_nps,
    csat,
    csat_by_segment,
    nps,
    nps_by_segment,
    nps_group_outcomes,
    proportion_interval,
)
from crmkit.clv import (
    DAYS_PER_MONTH,
    WEEKS_PER_MONTH,
    BgBb,
    BgNbd,
    CompressedSummary,
    GammaGamma,
    MbgNbd,
    ParetoNbd,
    ShiftedBetaGeometric,
    spend_frequency_correlation,
)
from crmkit.customers import CUSTOMER_FIELDS, CustomerRecords, read_customers
from crmkit.quality import QUALITY_RULES, QualityReport, QualityRule, quality_report
from crmkit._runtime import get_num_threads, set_num_threads
from crmkit.rfm import RfmModel, btyd_summary, concentration, rfm, rfm_features, segment_rules, tier_summary
from crmkit.needs import aggregate_needs, need_work_list, owner_workload, prioritise_needs
from crmkit.playbook import recommend_actions
from crmkit.reporting import Report, read_transactions, report
from crmkit.value import core_customers, retention_clv, simple_clv, value_potential_matrix, value_scores

__all__ = [
    "CUSTOMER_FIELDS",
    "CustomerRecords",
    "read_customers",
    "get_num_threads",
    "set_num_threads",
    "BgBb",
    "BgNbd",
    "ChurnIndexOptions",
    "CompressedSummary",
    "ConfigError",
    "ConvergenceError",
    "CrmkitError",
    "CrmkitWarning",
    "CsatResult",
    "DAYS_PER_MONTH",
    "EmptyInputError",
    "GammaGamma",
    "InvalidValueError",
    "LengthMismatchError",
    "LogisticRegression",
    "MbgNbd",
    "MinMaxFit",
    "PercentileRankFit",
    "MissingValueError",
    "NpsComparison",
    "NpsResult",
    "NumericalError",
    "ObservationDateError",
    "ParetoNbd",
    "QUALITY_RULES",
    "QualityReport",
    "QualityRule",
    "Playbook",
    "QuantileBins",
    "Report",
    "RfmModel",
    "SegmentRules",
    "ShiftedBetaGeometric",
    "WEEKS_PER_MONTH",
    "__version__",
    "aggregate_needs",
    "btyd_summary",
    "churn_reasons",
    "churn_risk",
    "churn_signal_options",
    "churn_signals",
    "churn_story",
    "compare_nps",
    "concentration",
    "core_customers",
    "csat",
    "csat_by_segment",
    "evaluate",
    "lifecycle_rules",
    "lifecycle_stages",
    "need_work_list",
    "nps",
    "nps_by_segment",
    "nps_group_outcomes",
    "owner_workload",
    "prioritise_needs",
    "proportion_interval",
    "read_transactions",
    "quality_report",
    "recommend_actions",
    "report",
    "retention_clv",
    "rfm",
    "rfm_features",
    "segment_rules",
    "tier_summary",
    "simple_clv",
    "spend_frequency_correlation",
    "stage_metrics",
    "stage_migration",
    "value_potential_matrix",
    "value_scores",
]
