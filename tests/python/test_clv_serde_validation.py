"""A CLV model read from JSON or a pickle is validated like one built from parameters.

For every model, ``from_json`` and ``pickle.loads`` refuse parameters that ``from_params``
refuses — 0, -1, NaN and infinity (as JSON strings and as Python's NaN / Infinity / 1e400
literals) — and a missing or extra parameter, with ``crmkit.ConfigError`` naming the field (the
core's serde check, crates/crmkit/tests/clv_serde_validation.rs).
"""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

import crmkit

# parameter values whose JSON texts are 5 characters long, so that a pickle can be edited in place
MODELS: dict[str, tuple[Any, dict[str, float]]] = {
    "BgNbd": (crmkit.BgNbd, {"r": 0.125, "alpha": 4.375, "a": 0.875, "b": 2.375}),
    "MbgNbd": (crmkit.MbgNbd, {"r": 0.125, "alpha": 6.125, "a": 0.875, "b": 1.625}),
    "ParetoNbd": (crmkit.ParetoNbd, {"r": 0.625, "alpha": 10.25, "s": 0.625, "beta": 11.75}),
    "BgBb": (crmkit.BgBb, {"alpha": 1.125, "beta": 0.875, "gamma": 0.625, "delta": 2.875}),
    "ShiftedBetaGeometric": (crmkit.ShiftedBetaGeometric, {"alpha": 0.625, "beta": 1.125}),
    "GammaGamma": (crmkit.GammaGamma, {"p": 6.125, "q": 3.625, "gamma": 15.25}),
}
BAD = ["0", "-1", "0.0", '"NaN"', '"inf"', "NaN", "Infinity", "-Infinity", "1e400", "null"]


@pytest.mark.parametrize("name", list(MODELS))
def test_from_json_refuses_what_from_params_refuses(name: str) -> None:
    cls, params = MODELS[name]
    good = cls.from_params(**params)
    text = good.to_json()
    assert cls.from_json(text) == good
    for field in params:
        with pytest.raises(crmkit.ConfigError, match=field):
            cls.from_params(**{**params, field: 0.0})
        for bad in BAD:
            doc = json.loads(text)
            doc["fitted"]["params"][field] = "@@"
            edited = json.dumps(doc).replace('"@@"', bad)
            with pytest.raises(crmkit.ConfigError) as err:
                cls.from_json(edited)
            if bad in ("0", "-1", "0.0"):
                assert f"`{field}`" in str(err.value) and "finite and > 0" in str(err.value), err.value
        doc = json.loads(text)
        del doc["fitted"]["params"][field]
        with pytest.raises(crmkit.ConfigError, match="missing field"):
            cls.from_json(json.dumps(doc))
    doc = json.loads(text)
    doc["fitted"]["params"]["extra"] = 1.0
    with pytest.raises(crmkit.ConfigError, match="unknown field"):
        cls.from_json(json.dumps(doc))


@pytest.mark.parametrize("name", list(MODELS))
def test_pickle_refuses_what_from_params_refuses(name: str) -> None:
    cls, params = MODELS[name]
    good = cls.from_params(**params)
    blob = pickle.dumps(good)
    assert pickle.loads(blob) == good
    for field, value in params.items():
        old = f'"{field}":{json.dumps(value)}'.encode()
        assert blob.count(old) == 1, (old, blob)
        for bad in ["0.000", "-1.00", '"NaN"', '"inf"', "1e400"]:
            new = f'"{field}":{bad}'.encode()
            assert len(new) == len(old)
            with pytest.raises(crmkit.ConfigError) as err:
                pickle.loads(blob.replace(old, new))
            if bad in ("0.000", "-1.00"):
                assert f"`{field}`" in str(err.value), err.value
