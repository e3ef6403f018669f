"""The action playbook: which actions to take for a customer's tier, segment, value quadrant
and churn alert.

Tables in (pandas, polars, pyarrow, or a dict of arrays / arrays passed directly), tables of
the same family out (a dict of numpy arrays for array input).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, overload

import numpy as np

from crmkit import _crmkit, _frames
from crmkit._crmkit import Playbook
from crmkit._typing import ArrayDict, ColumnOrName, FrameLike, TableT
from crmkit.needs import _to_list
from crmkit.value import _family

__all__ = [
    "Playbook",
    "recommend_actions",
]


def _factorize(col: Any) -> tuple[np.ndarray, list[str]]:
    """Integer codes (-1 = missing) and the distinct names of a column of strings."""
    fam = _frames.family(col)
    if fam == "pandas":
        import pandas as pd

        codes, uniques = pd.factorize(col)
        return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]
    arrow_col = fam in ("polars", "pyarrow") or hasattr(col, "__arrow_c_stream__") or hasattr(col, "__arrow_c_array__")
    if arrow_col and _frames._installed("pyarrow"):  # a polars-only install takes the list path below
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = col.to_arrow() if fam == "polars" else (col if fam == "pyarrow" else pa.chunked_array(col))
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        encoded = pc.dictionary_encode(arr.cast(pa.string()))
        codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
        return codes, [str(v) for v in encoded.dictionary.to_pylist()]
    index: dict[str, int] = {}
    codes_list = []
    for v in _to_list(col):
        codes_list.append(-1 if v is None else index.setdefault(str(v), len(index)))
    return np.asarray(codes_list, dtype=np.int64), list(index)


def _list_column(values: list[list[str]], index: np.ndarray, fam: str) -> Any:
    if fam == "polars":
        import polars as pl

        return pl.Series(values, dtype=pl.List(pl.String)).gather(index)
    if fam == "pyarrow":
        import pyarrow as pa

        return pa.array(values, type=pa.list_(pa.string())).take(index)
    if fam == "pandas":
        try:
            import pandas as pd
            import pyarrow as pa
        except ImportError:  # pragma: no cover - pandas without pyarrow: object column below
            pass
        else:
            arrow = pa.array(values, type=pa.list_(pa.string())).take(index)
            return pd.Series(pd.arrays.ArrowExtensionArray(arrow))
    out = np.empty(len(index), dtype=object)
    for row, i in enumerate(index.tolist()):
        out[row] = list(values[i])  # a fresh list per customer: editing one leaves the others
    return out


@overload
def recommend_actions(
    data: TableT,
    *,
    tier: ColumnOrName | None = ...,
    segment: ColumnOrName | None = ...,
    quadrant: ColumnOrName | None = ...,
    alert: ColumnOrName | None = ...,
    customer_id: ColumnOrName | None = ...,
    playbook: Playbook | str | Mapping[str, Any] | None = ...,
) -> TableT: ...
@overload
def recommend_actions(
    data: Mapping[str, Any],
    *,
    tier: ColumnOrName | None = ...,
    segment: ColumnOrName | None = ...,
    quadrant: ColumnOrName | None = ...,
    alert: ColumnOrName | None = ...,
    customer_id: ColumnOrName | None = ...,
    playbook: Playbook | str | Mapping[str, Any] | None = ...,
) -> ArrayDict: ...
@overload
def recommend_actions(
    data: FrameLike | None = None,
    *,
    tier: ColumnOrName | None = ...,
    segment: ColumnOrName | None = ...,
    quadrant: ColumnOrName | None = ...,
    alert: ColumnOrName | None = ...,
    customer_id: ColumnOrName | None = ...,
    playbook: Playbook | str | Mapping[str, Any] | None = ...,
) -> Any: ...
def recommend_actions(
    data: FrameLike | None = None,
    *,
    tier: ColumnOrName | None = None,
    segment: ColumnOrName | None = None,
    quadrant: ColumnOrName | None = None,
    alert: ColumnOrName | None = None,
    customer_id: ColumnOrName | None = None,
    playbook: Playbook | str | Mapping[str, Any] | None = None,
) -> Any:
    """Recommended actions and contact channels per customer, from the playbook.

    Any of ``tier`` (``'high value'``, ``'potential'``, ``'churn risk'``, ``'low value'``),
    ``segment`` (an RFM segment name), ``quadrant`` (``'deepen'``, ``'maintain'``,
    ``'develop'``, ``'automate'``) and ``alert`` (``'red'``, ``'yellow'``, ``'green'``) may be
    given, as column names in ``data`` or as columns; missing values (None / null) are
    unknown. Sections contribute in the playbook's priority order (default: alert, tier,
    segment, quadrant); actions and channels are deduplicated, highest priority first.

    Args:
        playbook: a :class:`Playbook`, its JSON text or dict, or None for the default.

    Returns:
        A table of the input's family, one row per customer in input order: customer_id (if
        given), actions, channels and matched (lists of strings; ``matched`` names the entries
        that fired, e.g. ``'alerts.red'``).

    Raises:
        crmkit.InvalidValueError: an unknown tier, quadrant or alert, naming the row.

    Examples:
        >>> import pandas as pd, crmkit
        >>> df = pd.DataFrame({"customer_id": [1, 2], "tier": ["high value", "churn risk"], "alert": [None, "red"]})
        >>> out = crmkit.recommend_actions(df, tier="tier", alert="alert", customer_id="customer_id")
        >>> out.loc[0, "channels"], out.loc[1, "actions"][0], out.loc[1, "matched"]
        (['phone', 'visit'], 'personal_call_back', ['alerts.red', 'tiers.churn risk'])
    """
    pb = _playbook(playbook)
    given = {"tiers": tier, "segments": segment, "quadrants": quadrant, "alerts": alert}
    first = next((v for v in given.values() if v is not None), None)
    if first is None:
        raise _frames._error(_crmkit.EmptyInputError, "`playbook inputs` is empty: give at least one of tier, segment, quadrant, alert", "playbook inputs")
    coded = {k: (_factorize(_frames.column(data, v, k[:-1])) if v is not None else None) for k, v in given.items()}
    index, recs = pb.apply_codes(**coded)
    fam = _family(data, first)
    cols: dict[str, Any] = {}
    if customer_id is not None:
        ids_col = _frames.column(data, customer_id, "customer_id")
        cols["customer_id"] = ids_col
    cols["actions"] = _list_column([r[0] for r in recs], index, fam)
    cols["channels"] = _list_column([r[1] for r in recs], index, fam)
    cols["matched"] = _list_column([r[2] for r in recs], index, fam)
    return _frames.frame(cols, fam)


def _playbook(playbook: Any) -> Playbook:
    if playbook is None:
        return Playbook()
    if isinstance(playbook, Playbook):
        return playbook
    if isinstance(playbook, str):
        return Playbook.from_json(playbook)
    if isinstance(playbook, Mapping):
        return Playbook.from_json(json.dumps(playbook))
    raise _frames._error(
        _crmkit.ConfigError,
        f"invalid `playbook`: {type(playbook).__name__} (expected a Playbook, JSON text or a dict)",
        "playbook",
    )
