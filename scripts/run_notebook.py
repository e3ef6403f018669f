"""Checks that a notebook is committed without outputs, then runs it top to bottom with nbclient.

Usage: python scripts/run_notebook.py examples/tutorial.ipynb

Fails (exit 1) when a code cell carries outputs or an execution count (strip them before
committing: Jupyter's "Clear All Outputs", or `jupyter nbconvert --clear-output --inplace`), or
when a cell raises. The notebook runs in its own folder with
matplotlib's inline backend (figures become image outputs, counted); the executed copy is not
written back.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def main(argv: list[str]) -> int:
    path = Path(argv[1])
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    if dirty:
        print(f"{path}: code cells {dirty} carry outputs; commit the notebook without them", file=sys.stderr)
        return 1
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend sends the figures as outputs
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        print(f"{path}: a cell failed:\n{exc}", file=sys.stderr)
        return 1
    cells = sum(1 for c in nb.cells if c.cell_type == "code")
    images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {}))
    print(f"{path}: {cells} code cells ran, {images} figures")
    if images == 0:
        print(f"{path}: no figure was drawn", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
