#!/usr/bin/env bash
# The README's demo command: builds what it needs (virtualenv, extension) and runs the main job
# on the bundled CDNOW data (and writes its HTML report to target/cdnow_report.html). Idempotent; quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
build_extension >&2
"$PY" examples/rfm_demo.py
# ... and the HTML report of the same data: target/cdnow_report.html (one self-contained file)
exec "$PY" examples/cdnow_report.py
