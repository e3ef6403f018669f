"""Repository-wide pytest set-up (tests/python and the package's docstring examples).

crmkit.plot draws with matplotlib: figures use the non-interactive Agg backend and are closed
after every test and doctest (so many figures never pile up); without matplotlib installed the
plot package's doctests are not collected (tests/python/test_plot.py skips itself and says why).
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

collect_ignore_glob = [] if importlib.util.find_spec("matplotlib") else ["python/crmkit/plot/*"]


@pytest.fixture(autouse=True)
def _close_figures():  # type: ignore[no-untyped-def]
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
