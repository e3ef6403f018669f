#!/usr/bin/env bash
# Builds the bench-only virtualenv .venv-bench (override with CRMKIT_BENCH_VENV): lifetimes 0.11.3 and
# pymc-marketing (benches/requirements-bench.txt) plus a release wheel of crmkit, then runs
# benches/bench_clv_million.py with any arguments given. Peers are never runtime or test dependencies.
#   scripts/bench_peers.sh                 # set up (once) and run the 1 M-customer benchmark
#   scripts/bench_peers.sh --setup-only    # set up only
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
BENCH_VENV="${CRMKIT_BENCH_VENV:-$PWD/.venv-bench}"
BENCH_PY="$BENCH_VENV/bin/python"
if [ ! -x "$BENCH_PY" ]; then
  echo "== creating virtualenv $BENCH_VENV"
  python3 -m venv "$BENCH_VENV"
fi
req_hash=$(sha256sum benches/requirements-bench.txt | cut -c1-16)
if [ ! -f "$BENCH_VENV/.requirements-$req_hash" ]; then
  echo "== installing benches/requirements-bench.txt into $BENCH_VENV (once)"
  "$BENCH_PY" -m pip install --quiet --upgrade pip
  "$BENCH_PY" -m pip install --quiet -r benches/requirements-bench.txt
  rm -f "$BENCH_VENV"/.requirements-*
  touch "$BENCH_VENV/.requirements-$req_hash"
fi
src_hash=$(cat Cargo.toml Cargo.lock pyproject.toml $(git ls-files -co --exclude-standard crates python | grep -E '\.(rs|toml|py|pyi)$' | sort) 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -f "$BENCH_VENV/.wheel-$src_hash" ] || ! "$BENCH_PY" -c "import crmkit._crmkit" 2>/dev/null; then
  echo "== building the crmkit release wheel"
  rm -f "$BENCH_VENV"/.wheel-* "$BENCH_VENV"/wheels/*.whl
  "$CRMKIT_VENV/bin/maturin" build --release --interpreter "$PY" --out "$BENCH_VENV/wheels" >"$BENCH_VENV/.maturin.log" 2>&1 || { cat "$BENCH_VENV/.maturin.log"; exit 1; }
  "$BENCH_PY" -m pip install --quiet --force-reinstall --no-deps "$(ls "$BENCH_VENV"/wheels/crmkit-*.whl | head -n1)"
  touch "$BENCH_VENV/.wheel-$src_hash"
fi
if [ "${1:-}" = "--setup-only" ]; then
  exit 0
fi
exec "$BENCH_PY" benches/bench_clv_million.py "$@"
