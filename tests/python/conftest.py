from __future__ import annotations

import signal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# A test run started in the background (nohup, or `&` in a non-interactive shell) inherits SIGINT
# ignored, and Python then installs no KeyboardInterrupt handler; the Ctrl-C tests need one.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    """CDNOW_sample.txt as a transaction log (customer_id = sample id, timestamp, amount)."""
    raw = pd.read_csv(
        DATA / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
    )
    raw["timestamp"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    return raw[["customer_id", "timestamp", "amount"]]


@pytest.fixture(scope="session")
def cdnow_summary() -> pd.DataFrame:
    return pd.read_csv(DATA / "cdnow" / "cdnow_customers_summary_with_transactions.csv")


def random_log(seed: int, rows: int = 2_000, customers: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": rng.integers(0, customers, rows),
            "timestamp": np.datetime64("2024-01-01") + rng.integers(0, 700, rows).astype("timedelta64[D]"),
            "amount": np.round(rng.lognormal(3, 1, rows), 2),
        }
    )


def realistic_log(seed: int = 7, customers: int = 5_000) -> pd.DataFrame:
    """A realistic synthetic log over two years (2024-01-01 .. 2025-12-31): 60 % one-time
    buyers, repeat buyers with 2 + Geometric(0.25) orders about 60 days apart, and heavy-tailed
    spend (a Pareto(1.5) customer scale times a log-normal order amount)."""
    rng = np.random.default_rng(seed)
    orders = np.where(rng.random(customers) < 0.4, 2 + rng.geometric(0.25, customers), 1)
    ids = np.repeat(np.arange(customers), orders)
    first = rng.integers(0, 730, customers)
    gaps = rng.exponential(60.0, len(ids))
    start = np.r_[0, np.cumsum(orders)[:-1]]
    gaps[start] = 0.0  # the first order of each customer is on its first day
    cumulative = np.cumsum(gaps)
    day = first[ids] + (cumulative - cumulative[start][np.repeat(np.arange(customers), orders)]).astype(np.int64)
    keep = day < 730
    scale = 1.0 + rng.pareto(1.5, customers)
    amount = np.round(scale[ids] * rng.lognormal(3.0, 0.8, len(ids)), 2)
    return pd.DataFrame(
        {
            "customer_id": ids[keep],
            "timestamp": np.datetime64("2024-01-01") + day[keep].astype("timedelta64[D]"),
            "amount": amount[keep],
        }
    )
