"""crmkit.plot: matplotlib pictures of crmkit's results.

Every function takes what crmkit returns — tables of any frame family (pandas, polars, pyarrow,
a dict of numpy arrays), result dicts and fitted models — draws on ``ax=`` (or on a new figure)
and returns the matplotlib ``Axes``. The numbers drawn are those of the result passed in;
nothing is recomputed except what a picture needs (shares, cumulative sums, group means). See
``docs/gallery.md`` for every plot on the CDNOW data.

Needs matplotlib (``pip install 'crmkit[plot]'``); ``import crmkit`` alone never imports it.

* RFM: :func:`segment_sizes`, :func:`tier_distribution`, :func:`rf_heatmap`, :func:`lorenz_curve`
* value: :func:`value_potential`, :func:`needs_matrix`
* churn: :func:`alert_levels`, :func:`reason_codes`, :func:`churn_index_by_segment`,
  :func:`calibration_curve`, :func:`gains_chart`, :func:`lift_chart`
* lifecycle: :func:`migration_sankey`, :func:`transition_heatmap`
* feedback: :func:`nps_by_segment`, :func:`csat_by_segment`
* CLV: :func:`period_transactions`, :func:`frequency_recency_matrix`,
  :func:`probability_alive_matrix`, :func:`calibration_holdout`,
  :func:`probability_alive_history`, :func:`clv_distribution`

Colours are fixed: alert levels and tiers red / amber / green (:data:`ALERT_COLORS`,
:data:`TIER_COLORS`), quadrants and lifecycle stages one colour each.

Examples:
    >>> import crmkit, crmkit.plot
    >>> ax = crmkit.plot.alert_levels({"alert": ["red", "green", "green"]})
    >>> ax.get_title()
    'Churn alert levels: 3 customers'
"""

from __future__ import annotations

try:
    import matplotlib  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
    raise ImportError("crmkit.plot needs matplotlib: pip install 'crmkit[plot]'") from exc

from crmkit.plot._common import ALERT_COLORS, NEED_COLORS, PALETTE, QUADRANT_COLORS, STAGE_COLORS, TIER_COLORS
from crmkit.plot.churn import alert_levels, calibration_curve, churn_index_by_segment, gains_chart, lift_chart, reason_codes
from crmkit.plot.clv import (
    calibration_holdout,
    clv_distribution,
    frequency_recency_matrix,
    period_transactions,
    probability_alive_history,
    probability_alive_matrix,
)
from crmkit.plot.feedback import csat_by_segment, nps_by_segment
from crmkit.plot.lifecycle import migration_sankey, transition_heatmap
from crmkit.plot.rfm import lorenz_curve, rf_heatmap, segment_sizes, tier_distribution
from crmkit.plot.value import needs_matrix, value_potential

__all__ = [
    "ALERT_COLORS",
    "NEED_COLORS",
    "PALETTE",
    "QUADRANT_COLORS",
    "STAGE_COLORS",
    "TIER_COLORS",
    "alert_levels",
    "calibration_curve",
    "calibration_holdout",
    "churn_index_by_segment",
    "clv_distribution",
    "csat_by_segment",
    "frequency_recency_matrix",
    "gains_chart",
    "lift_chart",
    "lorenz_curve",
    "migration_sankey",
    "needs_matrix",
    "nps_by_segment",
    "period_transactions",
    "probability_alive_history",
    "probability_alive_matrix",
    "reason_codes",
    "rf_heatmap",
    "segment_sizes",
    "tier_distribution",
    "transition_heatmap",
    "value_potential",
]
