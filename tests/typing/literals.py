"""Checked by mypy (tests/python/test_conventions.py): every wrong string option below must be
rejected, so each `# type: ignore[arg-type]` is needed; with --warn-unused-ignores an ignore that
mypy did not need (a wrong literal it accepted) fails the check."""

from __future__ import annotations

import pandas as pd

import crmkit

log = pd.DataFrame({"customer_id": [1], "timestamp": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})

crmkit.btyd_summary(log, as_of="2024-02-01", unit="weeks")
crmkit.btyd_summary(log, as_of="2024-02-01", unit="month")  # type: ignore[arg-type]
crmkit.rfm_features(log, as_of="2024-02-01", after_as_of="exclude", negative_amounts="net")
crmkit.rfm_features(log, as_of="2024-02-01", after_as_of="drop")  # type: ignore[arg-type]
crmkit.rfm_features(log, as_of="2024-02-01", negative_amounts="ignore")  # type: ignore[arg-type]
crmkit.RfmModel(normalization="log")  # type: ignore[arg-type]
crmkit.RfmModel(tiers="four")  # type: ignore[arg-type]
crmkit.nps([10, 9, 0], method="adjusted_wald")
crmkit.nps([10, 9, 0], method="wilson")  # type: ignore[arg-type]
crmkit.csat([5, 4, 1], method="exact")  # type: ignore[arg-type]
crmkit.quality_report(log, as_of="2024-02-01", outliers="iqr")  # type: ignore[arg-type]
crmkit.rfm_features(log, as_of=20240201)  # type: ignore[arg-type]
records: crmkit.CustomerRecords = crmkit.read_customers(pd.DataFrame({"customer_id": ["a"]}))
crmkit.quality_report(log, as_of="2024-02-01", customers=records)
