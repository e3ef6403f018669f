"""Runs in .venv-peers (lifetimes 0.11.3): prints lifetimes' predictions for given parameters as JSON.

Usage: python lifetimes_values.py PARAMS_JSON SUMMARY_CSV DONATIONS_CSV
PARAMS_JSON holds {"bgnbd": {...}, "pareto": {...}, "mbgnbd": {...}, "gg": {"p", "q", "gamma"},
"bgbb": {"alpha", "beta", "gamma", "delta"}, "t": horizon, "months": H, "discount_rate": d,
"pmf_n": [n, ...]}; SUMMARY_CSV has columns x, t_x, T, zbar (weeks); DONATIONS_CSV has columns
frequency, recency, periods, weights.
"""

from __future__ import annotations

import json
import sys
import warnings

import pandas as pd

warnings.simplefilter("ignore")

from lifetimes import (  # noqa: E402
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    GammaGammaFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
)


def main() -> None:
    spec = json.loads(sys.argv[1])
    s = pd.read_csv(sys.argv[2])
    x, tx, T, m = s["x"], s["t_x"], s["T"], s["zbar"]
    out: dict[str, list[float]] = {}
    fitters = {
        "bgnbd": (BetaGeoFitter(), ["r", "alpha", "a", "b"]),
        "pareto": (ParetoNBDFitter(), ["r", "alpha", "s", "beta"]),
        "mbgnbd": (ModifiedBetaGeoFitter(), ["r", "alpha", "a", "b"]),
    }
    gg = GammaGammaFitter()
    gg.params_ = pd.Series({"p": spec["gg"]["p"], "q": spec["gg"]["q"], "v": spec["gg"]["gamma"]})
    for name, (fitter, names) in fitters.items():
        fitter.params_ = pd.Series({k: spec[name][k] for k in names})
        fitter.predict = fitter.conditional_expected_number_of_purchases_up_to_time  # as fit() sets it
        out[f"{name}_expected"] = fitter.conditional_expected_number_of_purchases_up_to_time(spec["t"], x, tx, T).tolist()
        out[f"{name}_alive"] = fitter.conditional_probability_alive(x, tx, T).tolist()
        out[f"{name}_clv"] = gg.customer_lifetime_value(
            fitter, x, tx, T, m, time=spec["months"], discount_rate=spec["discount_rate"], freq="W"
        ).tolist()
    out["gg_spend"] = gg.conditional_expected_average_profit(x, m).tolist()
    for n in spec["pmf_n"]:
        out[f"mbgnbd_pmf_{n}"] = [float(fitters["mbgnbd"][0].probability_of_n_purchases_up_to_time(spec["t"], n))]
    pareto = fitters["pareto"][0]
    for n in spec["pmf_n"]:
        out[f"pareto_pmf_{n}"] = pareto.conditional_probability_of_n_purchases_up_to_time(n, spec["t"], x, tx, T).tolist()
    # BG/BB P(X(n) = x) for the donations data's x = 0..6: lifetimes returns it times the number of
    # donors, from the fitted data (set here as fit() would: frequency and weights).
    donations = pd.read_csv(sys.argv[3])
    bb = BetaGeoBetaBinomFitter()
    bb.params_ = pd.Series({k: spec["bgbb"][k] for k in ["alpha", "beta", "gamma", "delta"]})
    bb.data = donations[["frequency", "weights"]]
    for n in (6, 10):
        counts = bb.expected_number_of_transactions_in_first_n_periods(n)["model"]
        out[f"bgbb_pmf_{n}"] = (counts / donations["weights"].sum()).tolist()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
