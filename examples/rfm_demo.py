"""The README's demo: RFM segments of the bundled CDNOW transaction log.

Reads data/cdnow/CDNOW_sample.txt (6,919 purchases of 2,357 customers, 1997-01 .. 1998-06),
scores every customer as of 1998-06-30 and prints the segment table (customers, revenue
share, mean R / F / M per segment), the tiers, the revenue concentration and the top customers.

Run it with `scripts/demo.sh` (which builds what it needs), or `python examples/rfm_demo.py`
inside the project's virtualenv.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

import crmkit

DATA = Path(__file__).resolve().parents[1] / "data" / "cdnow" / "CDNOW_sample.txt"
AS_OF = "1998-06-30"


def main() -> None:
    raw = pd.read_csv(DATA, sep=r"\s+", header=None, names=["master_id", "customer_id", "date", "cds", "amount"])
    log = pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "timestamp": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
            "amount": raw["amount"],
        }
    )
    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always", crmkit.CrmkitWarning)
        customers = crmkit.rfm(log, as_of=AS_OF)

    print(f"crmkit {crmkit.__version__} — RFM of the CDNOW sample as of {AS_OF}")
    print(f"{len(log):,} transactions, {len(customers):,} customers, window: the last 365 days\n")

    total = customers["monetary"].sum()
    table = (
        customers.groupby("segment", observed=True)
        .agg(
            customers=("customer_id", "size"),
            revenue=("monetary", "sum"),
            days_since_last=("days_since_last", "mean"),
            frequency=("frequency", "mean"),
            monetary=("monetary", "mean"),
        )
        .assign(revenue_share=lambda t: t["revenue"] / total)
        .sort_values("revenue", ascending=False)
    )
    table["customer_share"] = table["customers"] / len(customers)
    print("Segments (recency x frequency grid; R = days since last purchase, F and M in the window)")
    print(
        table[["customers", "customer_share", "revenue_share", "days_since_last", "frequency", "monetary"]].to_string(
            formatters={
                "customer_share": "{:.1%}".format,
                "revenue_share": "{:.1%}".format,
                "days_since_last": "{:.0f}".format,
                "frequency": "{:.2f}".format,
                "monetary": "{:.2f}".format,
            }
        )
    )

    tiers = customers.groupby("tier", observed=True).agg(customers=("customer_id", "size"), revenue=("monetary", "sum"))
    tiers["revenue_share"] = (tiers["revenue"] / total).map("{:.1%}".format)
    print("\nTiers (weighted score 0.3 R + 0.4 F + 0.3 M over percentile ranks; see docs/rfm.md)")
    print(tiers[["customers", "revenue_share"]].to_string())

    c = crmkit.concentration(customers["monetary"], top_fraction=0.2)
    print(f"\nConcentration: the top 20 % of customers ({c['top_customers']}) bring {c['top_share']:.1%} of the revenue; Gini {c['gini']:.3f}")

    top = customers.sort_values(["rfm_score", "customer_id"], ascending=[False, True]).head(10)
    print("\nTop 10 customers by RFM score")
    print(
        top[["customer_id", "last_purchase", "days_since_last", "frequency", "monetary", "r_score", "f_score", "m_score", "rfm_score", "segment"]]
        .to_string(index=False, formatters={"rfm_score": "{:.3f}".format, "monetary": "{:.2f}".format})
    )
    if notes:
        print("\nNotes from crmkit:")
        for note in notes:
            print(f"  - {note.message}")


if __name__ == "__main__":
    main()
