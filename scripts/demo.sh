#!/usr/bin/env bash
# The README's demo command: builds what it needs (virtualenv, extension) and runs the main job
# on the bundled CDNOW data. Idempotent; quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
build_extension >&2
exec "$PY" examples/rfm_demo.py
