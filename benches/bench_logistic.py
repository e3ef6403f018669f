"""crmkit vs scikit-learn: logistic regression on 1 M rows x 20 features, in one process.

Seeded synthetic data; both fit the same penalised objective (scikit-learn's
``LogisticRegression(C=1.0, tol=1e-10, max_iter=1000)`` = crmkit's ``LogisticRegression(C=1.0)``)
and an unpenalised model (scikit-learn ``C=inf`` / ``penalty=None``). Prints the wall times, their
ratio and the largest coefficient difference.

    python benches/bench_logistic.py [--rows 1000000] [--features 20] [--repeat 3]

scikit-learn is a bench / test dependency only (``pip install scikit-learn``).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import crmkit


def data(rows: int, features: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scale = 1.0 + np.arange(features) / 10.0
    X = rng.standard_normal((rows, features)) * scale
    beta = 0.3 * np.where(np.arange(features) % 2 == 0, 1.0, -1.0) / scale
    eta = -0.5 + X @ beta
    y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-eta))).astype(np.float64)
    return X, y


def best_of(repeat: int, fit):  # type: ignore[no-untyped-def]
    times, model = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        model = fit()
        times.append(time.perf_counter() - start)
    return min(times), model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    X, y = data(args.rows, args.features)
    print(f"{args.rows:,} rows x {args.features} features, best of {args.repeat}")
    for label, C, sk_kwargs in (
        ("penalised C=1", 1.0, {"C": 1.0}),
        ("unpenalised", None, {"penalty": None}),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_sk, sk = best_of(
                args.repeat, lambda: SkLogisticRegression(tol=1e-10, max_iter=1000, **sk_kwargs).fit(X, y)
            )
        t_ck, ck = best_of(args.repeat, lambda: crmkit.LogisticRegression(C=C).fit(X, y))
        diff = max(np.abs(ck.coef_ - sk.coef_).max(), np.abs(ck.intercept_ - sk.intercept_).max())
        print(
            f"{label:>14}: crmkit {t_ck:7.3f} s | scikit-learn {t_sk:7.3f} s | "
            f"sklearn/crmkit time ratio {t_sk / t_ck:5.2f} | max |coef diff| {diff:.2e}"
        )


if __name__ == "__main__":
    main()
