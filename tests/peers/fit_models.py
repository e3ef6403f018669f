"""Maximum-likelihood / MAP fits of the CLV models by lifetimes 0.11.3 and pymc-marketing.

Run in the peers environment by tests/python/test_clv_fit_optimum_models.py and
tests/python/test_clv_pymc.py:
    python fit_models.py <peer: lifetimes | pymc> <input.json> <output.json>
The input maps case names to {"model": bgnbd | mbgnbd | paretonbd | bgbb | gg | sbg, and the
data: x, t_x, T, w (compressed rows with their counts) | x, t_x, n, w | x, m, w | lost, survivors;
for pymc also "t" (a horizon) and "n_new" (opportunities)}. The output maps each case to
{"params": {name: value} | null, "error": message | null, "seconds": fit time} and, for pymc,
its own predictions at its point estimate ("predictions": {name: [values per input row]}).
pymc-marketing has no weights: rows are expanded to one per customer. Its MAP uses flat priors
(HalfFlat on every parameter; pymc's find_MAP leaves out the log-transform's Jacobian, so the MAP is
the maximum-likelihood estimate).
"""
import contextlib
import io
import json
import sys
import time
import warnings

import numpy as np
import pandas as pd

NAMES = {
    "bgnbd": ["r", "alpha", "a", "b"],
    "mbgnbd": ["r", "alpha", "a", "b"],
    "paretonbd": ["r", "alpha", "s", "beta"],
    "bgbb": ["alpha", "beta", "gamma", "delta"],
    "gg": ["p", "q", "v"],
    "sbg": ["alpha", "beta"],
}


def lifetimes_fit(case):
    import lifetimes

    m = case["model"]
    if m == "sbg":
        return None  # lifetimes has no sBG
    w = np.asarray(case["w"], dtype=float)
    cls = {
        "bgnbd": lifetimes.BetaGeoFitter,
        "mbgnbd": lifetimes.ModifiedBetaGeoFitter,
        "paretonbd": lifetimes.ParetoNBDFitter,
        "bgbb": lifetimes.BetaGeoBetaBinomFitter,
        "gg": lifetimes.GammaGammaFitter,
    }[m]
    x = pd.Series(case["x"], dtype=float)
    if m == "gg":
        f = cls().fit(x, pd.Series(case["m"], dtype=float), weights=w)
    elif m == "bgbb":
        f = cls().fit(x, pd.Series(case["t_x"], dtype=float), pd.Series(case["n"], dtype=float), weights=w)
    else:
        f = cls().fit(x, pd.Series(case["t_x"], dtype=float), pd.Series(case["T"], dtype=float), weights=w)
    return {k: float(f.params_[k]) for k in NAMES[m]}


def expand(case, cols):
    w = np.asarray(case["w"], dtype=int)
    d = {c: np.repeat(np.asarray(case[k], dtype=float), w) for c, k in cols.items()}
    d["customer_id"] = np.arange(len(next(iter(d.values()))))
    return pd.DataFrame(d)


def point(model, names):
    post = model.idata.posterior
    return {k: float(np.asarray(post[k]).ravel()[0]) for k in names}


def per_row(values, w):
    """The prediction of the first customer of each input row (rows were expanded in order)."""
    v = np.asarray(values).reshape(-1)
    first = np.concatenate([[0], np.cumsum(np.asarray(w, dtype=int))[:-1]])
    return v[first].tolist()


def pymc_fit(case):
    from pymc_extras.prior import Prior
    from pymc_marketing import clv

    m = case["model"]
    flat = {k: Prior("HalfFlat") for k in NAMES[m]}
    preds = {}
    if m == "sbg":
        lost = np.asarray(case["lost"], dtype=int)
        periods = len(lost) + 1
        rec = np.concatenate([np.repeat(np.arange(1, periods), lost), np.full(int(case["survivors"]), periods)])
        df = pd.DataFrame({"customer_id": np.arange(len(rec)), "recency": rec.astype(float),
                           "T": float(periods), "cohort": "c"})
        cfg = {k: Prior("HalfFlat", dims="cohort") for k in NAMES[m]}
        model = clv.ShiftedBetaGeoModel(model_config=cfg)
        t0 = time.perf_counter()
        model.fit(data=df, method="map")
        secs = time.perf_counter() - t0
        post = model.idata.posterior
        params = {k: float(np.asarray(post[k]).ravel()[0]) for k in NAMES[m]}
        alive = df[df["recency"] == periods].iloc[:1]
        preds["retention_rate"] = [
            float(np.asarray(model.expected_retention_rate(data=alive, future_t=k)).ravel()[0]) for k in range(4)]
        preds["probability_alive"] = [
            float(np.asarray(model.expected_probability_alive(data=alive, future_t=k)).ravel()[0]) for k in range(4)]
        return params, preds, secs
    if m == "gg":
        df = expand(case, {"frequency": "x", "monetary_value": "m"})
        model = clv.GammaGammaModel(model_config=flat)
    elif m == "bgbb":
        df = expand(case, {"frequency": "x", "recency": "t_x", "T": "n"})
        model = clv.BetaGeoBetaBinomModel(model_config=flat)
    else:
        df = expand(case, {"frequency": "x", "recency": "t_x", "T": "T"})
        cls = {"bgnbd": clv.BetaGeoModel, "mbgnbd": clv.ModifiedBetaGeoModel, "paretonbd": clv.ParetoNBDModel}[m]
        model = cls(model_config=flat)
    t0 = time.perf_counter()
    model.fit(data=df, method="map")
    secs = time.perf_counter() - t0
    params = point(model, NAMES[m])
    w = case["w"]

    def predict(key, fn):
        try:
            preds[key] = fn()
        except Exception as e:  # recorded; the test says which predictions must be there
            preds[key] = None
            preds[key + "_error"] = f"{type(e).__name__}: {e}"[:300]

    if m == "gg":
        predict("expected_spend", lambda: per_row(model.expected_customer_spend(data=df), w))
    elif m == "bgbb":
        # pymc-marketing 0.19.2's BG/BB predictions raise a pytensor type error on float columns;
        # with integer columns and future_t as a column they run
        d = df.copy()
        d[["frequency", "recency", "T"]] = d[["frequency", "recency", "T"]].astype(int)
        t = int(case["t"])
        predict("expected_purchases", lambda: per_row(model.expected_purchases(data=d.assign(future_t=t)), w))
        predict("probability_alive", lambda: per_row(model.expected_probability_alive(data=d.assign(future_t=0)), w))
        predict("expected_purchases_new_customer", lambda: float(
            np.asarray(model.expected_purchases_new_customer(data=d.iloc[:1], t=t)).ravel()[0]))
    else:
        t = case["t"]
        predict("expected_purchases", lambda: per_row(model.expected_purchases(data=df, future_t=t), w))
        predict("probability_alive", lambda: per_row(model.expected_probability_alive(data=df), w))
        predict("expected_purchases_new_customer", lambda: float(
            np.asarray(model.expected_purchases_new_customer(data=df.iloc[:1], t=t)).ravel()[0]))
    return params, preds, secs


def main():
    peer, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(src) as fh:
        cases = json.load(fh)
    out = {}
    for name, case in cases.items():
        res = {"params": None, "error": None, "seconds": None, "predictions": {}}
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                if peer == "lifetimes":
                    t0 = time.perf_counter()
                    res["params"] = lifetimes_fit(case)
                    res["seconds"] = time.perf_counter() - t0
                else:
                    res["params"], res["predictions"], res["seconds"] = pymc_fit(case)
        except Exception as e:  # a peer's own convergence failure: no reference from it
            res["error"] = f"{type(e).__name__}: {e}"[:300]
        out[name] = res
    with open(dst, "w") as fh:
        json.dump(out, fh)


if __name__ == "__main__":
    main()
