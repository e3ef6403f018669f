"""Renders every crmkit.plot plot of the bundled CDNOW data into docs/gallery/*.png and writes
docs/gallery.md (each picture with its caption and the call that made it).

    .venv/bin/python scripts/gallery.py          # after scripts/test.sh or scripts/demo.sh

The code shown in docs/gallery.md is the code run here: SETUP once, then each entry's call.
CDNOW has no surveys or need records: the NPS / CSAT answers and the needs are synthetic (seeded)
and say so in their captions.
"""

from __future__ import annotations

import os
import sys
import textwrap
import warnings
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "gallery"
DPI = 100

SETUP = """\
import numpy as np, pandas as pd
import crmkit, crmkit.plot

# CDNOW: 6,919 purchases of 2,357 customers who first bought in Q1 1997, to 1998-06-30
raw = pd.read_csv("data/cdnow/CDNOW_sample.txt", sep=r"\\s+", header=None,
                  names=["master_id", "customer_id", "date", "cds", "amount"])
log = pd.DataFrame({"customer_id": raw["customer_id"],
                    "timestamp": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
                    "amount": raw["amount"]})
END, CAL_END = "1998-06-30", "1997-09-30"          # end of data; end of the calibration period (week 39)

# RFM features, scores, tier and segment over the whole 18 months (546 days); 60 % of CDNOW's
# customers bought once, so F scores tie and crmkit warns that F scores 2-3 hold nobody.
# The min-max score clips R, F and M at their 5th / 95th percentiles: unclipped, a few big
# buyers squash everybody else into 'churn risk'.
customers = crmkit.rfm(log, as_of=END, window_days=546, normalization="minmax", winsorize=(0.05, 0.95))

# value (spend in the 18 months) against potential (BG/NBD expected purchases in the next year)
full = crmkit.btyd_summary(log, as_of=END, unit="weeks")
potential = crmkit.BgNbd().fit(full).expected_purchases(full, 52)["expected_purchases"].to_numpy()
matrix = crmkit.value_potential_matrix({"value": customers["monetary"].to_numpy(), "potential": potential})

# needs: synthetic importance / urgency ratings (1-5) of 30 need records
rng = np.random.default_rng(7)
needs = pd.DataFrame({"topic": rng.choice(["delivery", "price", "catalogue", "app", "returns", "payment"], 30),
                      "importance": rng.integers(1, 6, 30), "urgency": rng.integers(1, 6, 30)})
work_list = crmkit.prioritise_needs(needs, thresholds=(4, 4))

# churn: warning signals and the risk index at the calibration end, with the RFM segment then
signals = crmkit.churn_signals(log[log["timestamp"] <= CAL_END], as_of=CAL_END)
risk = crmkit.churn_risk(signals)
reasons = crmkit.churn_reasons(log[log["timestamp"] <= CAL_END], as_of=CAL_END)
risk["segment"] = crmkit.rfm(log[log["timestamp"] <= CAL_END], as_of=CAL_END)["segment"]

# churn probability: no purchase in the holdout, from the RFM features at the calibration end
features = crmkit.rfm_features(log[log["timestamp"] <= CAL_END], as_of=CAL_END)
churned = (~features["customer_id"].isin(log.loc[log["timestamp"] > CAL_END, "customer_id"])).astype(int)
X = np.log1p(features[["days_since_last", "frequency", "monetary"]])
evaluation = crmkit.evaluate(churned, crmkit.LogisticRegression().fit(X, churned).predict_proba(X)[:, 1])

# lifecycle stages at the calibration end and at the end, with the churn signals of each date
def stages_at(day):
    past = log[log["timestamp"] <= day]
    signals = crmkit.churn_signals(past, as_of=day)
    signals["churn_index"] = crmkit.churn_risk(signals)["churn_index"]
    return crmkit.lifecycle_stages(past, signals[["customer_id", "churn_index", "purchase_gap_fires"]], as_of=day)

stage_moves = crmkit.stage_migration(stages_at(CAL_END), stages_at(END))
# RFM segments half a year apart (365-day window each)
segment_moves = crmkit.stage_migration(crmkit.rfm(log[log["timestamp"] <= "1997-12-31"], as_of="1997-12-31"),
                                       crmkit.rfm(log, as_of=END), label="segment")

# feedback: synthetic NPS (0-10) and CSAT (1-5) answers, better in the better segments
best = customers["segment"].isin(["champions", "loyal", "potential loyalist"]).to_numpy()
survey = pd.DataFrame({"segment": customers["segment"].astype(str),
                       "nps": np.clip(rng.normal(np.where(best, 8.2, 6.3), 2.0).round(), 0, 10).astype(int),
                       "csat": np.clip(rng.normal(np.where(best, 4.1, 3.4), 1.0).round(), 1, 5).astype(int)})
nps = crmkit.nps_by_segment(survey, answer="nps")
csat = crmkit.csat_by_segment(survey, answer="csat")

# CLV: BG/NBD and Gamma-Gamma on the calibration period (weeks), 39-week holdout
summary = crmkit.btyd_summary(log, as_of=END, calibration_end=CAL_END, unit="weeks")
bgnbd = crmkit.BgNbd().fit(summary)
clv = crmkit.GammaGamma().fit(summary).customer_lifetime_value(
    bgnbd, summary, months=12, discount_rate=0.01, time_units_per_month=crmkit.WEEKS_PER_MONTH)
"""

# (section, function name, caption, call): the call is run as written, with SETUP's names.
PLOTS: list[tuple[str, str, str, str]] = [
    ("RFM", "segment_sizes",
     "Customers and revenue per RFM segment (default `rf_grid` rules), as shares of all 2,357 customers. "
     "Champions are a small share of the customers and a large share of the revenue.",
     "crmkit.plot.segment_sizes(customers)"),
    ("RFM", "tier_distribution",
     "Customers per tier of the weighted min–max RFM score (churn risk < 0.5 ≤ potential < 0.8 ≤ high value; "
     "R, F and M clipped at their 5th / 95th percentiles), with each tier's share of revenue.",
     "crmkit.plot.tier_distribution(customers)"),
    ("RFM", "rf_heatmap",
     "The R × F grid: customers per recency score (rows) and frequency score (columns). "
     "CDNOW's one-time buyers all share F score 1, and the ties leave F score 2 empty.",
     "crmkit.plot.rf_heatmap(customers)"),
    ("RFM", "lorenz_curve",
     "Revenue concentration: the Lorenz curve of spend over the 18 months, with the Gini coefficient and the "
     "top 20 %'s share of revenue (both from `crmkit.concentration`).",
     "crmkit.plot.lorenz_curve(customers)"),
    ("Value", "value_potential",
     "The value–potential matrix: spend over the 18 months against expected purchases in the next year (both on "
     "symmetric-log axes); median splits; one bubble per quadrant, its area the number of customers.",
     "crmkit.plot.value_potential(matrix, log_value=True, log_potential=True)"),
    ("Value", "needs_matrix",
     "The importance–urgency matrix of 30 **synthetic** need records (ratings 1–5, thresholds 4 / 4); "
     "points of equal ratings are merged and labelled with their topics.",
     'crmkit.plot.needs_matrix(work_list, thresholds=(4, 4), label="topic")'),
    ("Churn", "alert_levels",
     "Churn alert levels at the end of the calibration period (1997-09-30), from the risk index 1–10 "
     "(yellow from 5, red from 8); customers without a measurable signal are 'not scored'.",
     "crmkit.plot.alert_levels(risk)"),
    ("Churn", "reason_codes",
     "How often each warning rule fired (one customer may have several reasons).",
     "crmkit.plot.reason_codes(reasons)"),
    ("Churn", "churn_index_by_segment",
     "The churn risk index per RFM segment: the mean with the 25th–75th percentile, coloured by the alert level "
     "of the mean.",
     "crmkit.plot.churn_index_by_segment(risk)"),
    ("Churn", "calibration_curve",
     "Calibration of a logistic churn model (no purchase in the 39-week holdout, from log R, F and M at "
     "1997-09-30): observed churn rate against the mean prediction per decile.",
     "crmkit.plot.calibration_curve(evaluation)"),
    ("Churn", "gains_chart",
     "Cumulative gains of the same model: the share of churners caught when contacting the highest predictions first.",
     "crmkit.plot.gains_chart(evaluation)"),
    ("Churn", "lift_chart",
     "Lift per decile of the same model (1 = highest predictions) and the cumulative lift.",
     "crmkit.plot.lift_chart(evaluation)"),
    ("Lifecycle", "migration_sankey",
     "Lifecycle stages at the end of the calibration period (1997-09-30) and at the end of the data (1998-06-30): "
     "where each stage's customers went (stages from the default rules, with each date's churn index and "
     "purchase-gap warning).",
     'crmkit.plot.migration_sankey(stage_moves, snapshots=("1997-09-30", "1998-06-30"))'),
    ("Lifecycle", "transition_heatmap",
     "RFM segment migration from 1997-12-31 to 1998-06-30 as a transition matrix: each row's shares "
     "(and counts).",
     "crmkit.plot.transition_heatmap(segment_moves)"),
    ("Feedback", "nps_by_segment",
     "NPS per RFM segment with its 95 % Wald interval, on **synthetic** 0–10 answers (one per customer).",
     "crmkit.plot.nps_by_segment(nps)"),
    ("Feedback", "csat_by_segment",
     "CSAT (share answering 4–5 of 5) per RFM segment with its 95 % Wilson interval, on **synthetic** answers.",
     "crmkit.plot.csat_by_segment(csat)"),
    ("CLV", "period_transactions",
     "Customers by repeat purchases in the 39 calibration weeks: actual and the BG/NBD expectation "
     "Σᵢ P(X(Tᵢ) = x) (lifetimes' `plot_period_transactions`).",
     "crmkit.plot.period_transactions(bgnbd, summary)"),
    ("CLV", "frequency_recency_matrix",
     "Expected purchases in the next 39 weeks by frequency and recency, for customers of age T = the "
     "oldest customer's (lifetimes' `plot_frequency_recency_matrix`).",
     'crmkit.plot.frequency_recency_matrix(bgnbd, summary, t=39, unit="weeks")'),
    ("CLV", "probability_alive_matrix",
     "P(alive) by frequency and recency (lifetimes' `plot_probability_alive_matrix`): frequent buyers who "
     "have not bought for long are probably gone.",
     'crmkit.plot.probability_alive_matrix(bgnbd, summary, unit="weeks")'),
    ("CLV", "calibration_holdout",
     "Mean purchases in the 39-week holdout per calibration frequency: actual and BG/NBD "
     "(lifetimes' `plot_calibration_purchases_vs_holdout_purchases`).",
     'crmkit.plot.calibration_holdout(bgnbd, summary, unit="weeks")'),
    ("CLV", "probability_alive_history",
     "One customer's P(alive) day by day (lifetimes' `plot_history_alive`): it jumps at each purchase "
     "and decays in between.",
     'crmkit.plot.probability_alive_history(bgnbd, log, 415, as_of=END, unit="weeks")'),
    ("CLV", "clv_distribution",
     "The distribution of the 12-month CLV (BG/NBD + Gamma–Gamma, 1 % monthly discount) on a log axis.",
     "crmkit.plot.clv_distribution(clv, log_x=True)"),
]  # fmt: skip


def main() -> int:
    import matplotlib.pyplot as plt

    import crmkit

    os.chdir(ROOT)
    OUT.mkdir(parents=True, exist_ok=True)
    namespace: dict[str, object] = {}
    with warnings.catch_warnings():  # the set-up's expected CrmkitWarnings (tied F scores) are said in its comments
        warnings.simplefilter("ignore", category=crmkit.CrmkitWarning)
        exec(compile(SETUP, "gallery-setup", "exec"), namespace)  # noqa: S102 - our own code, shown in the docs
    lines = [
        "# crmkit.plot gallery",
        "",
        "Every plot of `crmkit.plot` on the bundled CDNOW data (`data/cdnow/CDNOW_sample.txt`). "
        "Made by `scripts/gallery.py`, which runs exactly the code below: the set-up once, then each call. "
        "Each function takes crmkit's own results in any frame family (pandas, polars, pyarrow, a dict of numpy "
        "arrays), draws on `ax=` or a new figure and returns the matplotlib `Axes`. Install matplotlib with "
        "`pip install 'crmkit[plot]'`.",
        "",
        "Colours are fixed across plots: alert levels and tiers red / amber / green, one colour per quadrant and "
        "lifecycle stage.",
        "",
        "## Set-up",
        "",
        "```python",
        SETUP.rstrip(),
        "```",
    ]
    section = None
    for sec, name, caption, call in PLOTS:
        ax = eval(call, namespace)  # noqa: S307 - our own code, shown in the docs
        fig = ax.figure
        fig.savefig(OUT / f"{name}.png", dpi=DPI)
        plt.close(fig)
        if sec != section:
            lines += ["", f"## {sec}"]
            section = sec
        lines += [
            "",
            f"### `{name}`",
            "",
            textwrap.fill(caption, 110),
            "",
            "```python",
            call,
            "```",
            "",
            f"![{name}](gallery/{name}.png)",
        ]
        print(f"docs/gallery/{name}.png", file=sys.stderr)
    (ROOT / "docs" / "gallery.md").write_text("\n".join(lines) + "\n")
    print("docs/gallery.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
