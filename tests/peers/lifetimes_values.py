"""Runs in .venv-peers (lifetimes 0.11.3): prints lifetimes' predictions for given parameters as JSON.

Usage: python lifetimes_values.py PARAMS_JSON SUMMARY_CSV
PARAMS_JSON holds {"bgnbd": {...}, "pareto": {...}, "mbgnbd": {...}, "gg": {"p", "q", "gamma"},
"t": horizon, "months": H, "discount_rate": d}; SUMMARY_CSV has columns x, t_x, T, zbar (weeks).
"""

from __future__ import annotations

import json
import sys
import warnings

import pandas as pd

warnings.simplefilter("ignore")

from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter  # noqa: E402


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
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
