"""The customer report of the bundled CDNOW sample, as one self-contained HTML file.

Reads data/cdnow/CDNOW_sample.txt (6,919 purchases of 2,357 customers, 1997-01 .. 1998-06) and
writes the report as of 1998-06-30 (default: target/cdnow_report.html; or the path given as
the first argument). `scripts/demo.sh` runs it; the same report from the shell, for any CSV
or Parquet log, is `crmkit report log.csv --as-of 1998-06-30 -o report.html`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import crmkit

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "cdnow" / "CDNOW_sample.txt"
AS_OF = "1998-06-30"


def cdnow_log() -> dict[str, np.ndarray]:
    """The CDNOW sample as customer_id, timestamp (datetime64[D]) and amount arrays."""
    raw = np.loadtxt(DATA, dtype=np.float64)  # master id, customer id, date (yyyymmdd), CDs, amount
    dates = raw[:, 2].astype(np.int64).astype(str)
    days = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in dates], dtype="datetime64[D]")
    return {"customer_id": raw[:, 1].astype(np.int64), "timestamp": days, "amount": raw[:, 4]}


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "target" / "cdnow_report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    crmkit.report(cdnow_log(), as_of=AS_OF, output=out, title="CDNOW sample: customer report, 1998-06-30",
                  source="data/cdnow/CDNOW_sample.txt")
    print(f"wrote the HTML report of the CDNOW sample to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
