"""The way in: crmkit ``rfm_features`` against DuckDB ``GROUP BY`` and polars ``group_by`` on the
same Arrow table, in one process.

Data: ``--rows`` transactions (10 M) over about ``--customers`` (1 M) customers, skewed (some
customers buy much more), two years of timestamps in microseconds, amounts with cents; one Arrow
table per id layout:

* ``int-wide``: random 62-bit integer ids (spread over a wide range), rows in time order;
* ``int-shuffled``: the same rows in random order;
* ``string``: ids like ``CUS-0000123456``, rows in time order.

Every contender computes the same per-customer features as of 2025-12-31: first and last
purchase day, and purchases and spend in the 365 days up to ``as_of`` (crmkit's
``rfm_features``; the peers' equivalent ``GROUP BY``). DuckDB runs with as many threads as
crmkit uses (``--threads``, default 2: the machine's cores). The number of customers each returns
is checked to agree before timing.

Protocol (``benches/bench_rfm.py``'s helpers): the contenders take turns in ``--rounds`` rounds,
their order rotating; a contender's time in a round is the best of ``--inner`` back-to-back calls.
Reported: median times, and the median ratio peer / crmkit with its lowest and highest value
over the rounds. Issue target: crmkit at least 3x faster than the faster peer, peak extra memory
at most 1x the input columns. Peak memory: the extra resident memory of one crmkit call over the
memory before it (Linux VmHWM reset through /proc/self/clear_refs, ``bench_rfm.extra_peak_mib``),
against the Arrow table's buffers (``Table.nbytes``).

Measure a release build of the extension (a debug build is many times slower)::

    .venv/bin/maturin develop --release -m crates/crmkit-py/Cargo.toml
    .venv/bin/python benches/bench_ingest.py [--rows 10000000] [--customers 1000000] [--rounds 5]

``--base DIR`` also times a second build of the extension (``DIR/crmkit/_crmkit.abi3.so``, e.g. an
unpacked wheel of the main branch) as the contender ``base``, in the same rounds: on a loaded
machine only such same-process ratios compare two builds fairly.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.machinery
import importlib.util
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import crmkit  # noqa: E402
from bench_rfm import AS_OF, extra_peak_mib, rounds_of  # noqa: E402

START = AS_OF - np.timedelta64(364, "D")


def tables(rows: int, customers: int, seed: int = 42) -> list[tuple[str, pa.Table]]:
    rng = np.random.default_rng(seed)
    rank = (customers * rng.random(rows) ** 2).astype(np.int64)
    seconds = np.sort(rng.integers(0, 730 * 86_400, rows))
    timestamp = (np.datetime64("2024-01-01", "s") + seconds).astype("datetime64[us]")
    amount = np.round(np.exp(3 + rng.standard_normal(rows)), 2)
    int_ids = np.random.default_rng(5).integers(10**12, 2**62, customers + 1)[rank]
    perm = np.random.default_rng(3).permutation(rows)
    str_ids = np.char.add("CUS-", np.char.zfill(rank.astype(str), 10))
    return [
        ("int-wide", pa.table({"customer_id": int_ids, "timestamp": timestamp, "amount": amount})),
        ("int-shuffled", pa.table({"customer_id": int_ids[perm], "timestamp": timestamp[perm], "amount": amount[perm]})),
        ("string", pa.table({"customer_id": pa.array(str_ids, pa.string()), "timestamp": timestamp, "amount": amount})),
    ]


def duckdb_features(con: duckdb.DuckDBPyConnection, table: pa.Table) -> int:
    con.register("log", table)
    out = con.sql(
        """
        SELECT customer_id,
               min(CAST(timestamp AS DATE)) AS first_purchase,
               max(CAST(timestamp AS DATE)) AS last_purchase,
               count(*) FILTER (WHERE CAST(timestamp AS DATE) >= DATE '%s') AS frequency,
               coalesce(sum(amount) FILTER (WHERE CAST(timestamp AS DATE) >= DATE '%s'), 0) AS monetary
        FROM log
        WHERE CAST(timestamp AS DATE) <= DATE '%s'
        GROUP BY customer_id
        """
        % (START, START, AS_OF)
    ).to_arrow_table()
    con.unregister("log")
    return out.num_rows


def polars_features(frame: pl.DataFrame) -> int:
    day = pl.col("timestamp").dt.truncate("1d")
    in_window = day >= pl.lit(START).cast(pl.Datetime("us"))
    out = frame.filter(day <= pl.lit(AS_OF).cast(pl.Datetime("us"))).group_by("customer_id").agg(
        day.min().alias("first_purchase"),
        day.max().alias("last_purchase"),
        in_window.sum().alias("frequency"),
        pl.col("amount").filter(in_window).sum().alias("monetary"),
    )
    return out.height


def crmkit_features(table: pa.Table) -> int:
    return len(crmkit.rfm_features(table, as_of=str(AS_OF)))


def load_build(directory: str) -> Any:
    """Another build's extension module, loaded from ``directory/crmkit/_crmkit.abi3.so``."""
    path = str(Path(directory) / "crmkit" / "_crmkit.abi3.so")
    loader = importlib.machinery.ExtensionFileLoader("_crmkit", path)
    spec = importlib.util.spec_from_loader("_crmkit", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@contextlib.contextmanager
def using(module: Any) -> Iterator[None]:
    """``crmkit.rfm_features`` calls into ``module`` for the duration."""
    rfm = sys.modules["crmkit.rfm"]  # (the attribute crmkit.rfm is the function rfm)
    own = rfm._crmkit
    rfm._crmkit = module
    try:
        yield
    finally:
        rfm._crmkit = own


def _base_frame(base: Any, table: pa.Table) -> Any:
    with using(base):
        return crmkit.rfm_features(table, as_of=str(AS_OF))


def base_features(base: Any, table: pa.Table) -> int:
    with using(base):
        return crmkit_features(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--inner", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--base", help="directory of a second build to time alongside (DIR/crmkit/_crmkit.abi3.so)")
    args = parser.parse_args()
    base = load_build(args.base) if args.base else None
    if base is not None:
        base.set_num_threads(args.threads)
    con = duckdb.connect()
    con.execute(f"SET threads TO {args.threads}")
    crmkit.set_num_threads(args.threads)
    print(f"{args.rows:,} rows, about {args.customers:,} customers; duckdb {duckdb.__version__}, polars {pl.__version__}, "
          f"{args.threads} threads; {args.rounds} rounds, best of {args.inner} calls")
    print(f"{'ids':<14}{'crmkit':>10}{'duckdb':>10}{'polars':>10}   duckdb / crmkit        polars / crmkit")
    for name, table in tables(args.rows, args.customers):
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        counts = {crmkit_features(table), duckdb_features(con, table), polars_features(frame)}
        assert len(counts) == 1, f"{name}: customers differ between contenders: {counts}"
        contenders = [
            ("crmkit", args.inner, lambda: crmkit_features(table)),
            ("duckdb", args.inner, lambda: duckdb_features(con, table)),
            ("polars", args.inner, lambda: polars_features(frame)),
        ]
        if base is not None:
            assert crmkit.rfm_features(table, as_of=str(AS_OF)).equals(_base_frame(base, table)), f"{name}: builds differ"
            contenders.append(("base", args.inner, lambda: base_features(base, table)))
        times = rounds_of(args.rounds, contenders)
        med = {k: statistics.median(v) for k, v in times.items()}

        def ratio(peer: str) -> str:
            r = [p / c for p, c in zip(times[peer], times["crmkit"])]
            return f"{statistics.median(r):5.2f}x [{min(r):.2f}-{max(r):.2f}]"

        mem = extra_peak_mib(lambda: crmkit_features(table))
        in_mib = table.nbytes / 2**20
        memory = "n/a" if mem is None else f"{mem:.0f} MiB = {mem / in_mib:.2f}x the input ({in_mib:.0f} MiB)"
        print(f"{name:<14}{med['crmkit'] * 1e3:>8.0f}ms{med['duckdb'] * 1e3:>8.0f}ms{med['polars'] * 1e3:>8.0f}ms   "
              f"{ratio('duckdb'):<22} {ratio('polars'):<22} crmkit peak extra memory {memory}")
        if base is not None:
            base_mem = extra_peak_mib(lambda: base_features(base, table))
            shown = "n/a" if base_mem is None else f"{base_mem / in_mib:.2f}x the input"
            print(f"{'':<14}base {med['base'] * 1e3:.0f}ms: base / crmkit {ratio('base')}, duckdb / base "
                  f"{statistics.median(d / b for d, b in zip(times['duckdb'], times['base'])):.2f}x, "
                  f"base peak extra memory {shown}")


if __name__ == "__main__":
    main()
