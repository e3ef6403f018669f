from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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
