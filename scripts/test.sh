#!/usr/bin/env bash
# The README's test command: every check CI runs. Creates its own virtualenvs (.venv, and .venv-peers
# with lifetimes and pymc-marketing for the parity tests), installs the test dependencies once, builds the extension into it and runs Rust and Python tests.
# Idempotent; quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test (unit, integration and doc tests)"
cargo test --workspace --quiet
echo "== cargo doc (every intra-doc link resolves)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
echo "== build the extension into $CRMKIT_VENV"
build_extension
echo "== peers environment $CRMKIT_PEERS_VENV (lifetimes, pymc-marketing: parity and optimum tests, benches/bench_clv.py)"
setup_peers
echo "== pytest (tests and docstring examples)"
CRMKIT_REQUIRE_PEERS=1 "$PY" -m pytest -q
scripts/test_report.sh
echo "== mypy --strict (the package, the examples and the gallery script)"
"$PY" -m mypy --config-file pyproject.toml -p crmkit
"$PY" -m mypy --config-file pyproject.toml examples/cdnow_report.py examples/rfm_demo.py scripts/gallery.py
echo "== mypy.stubtest"
"$PY" -m mypy.stubtest crmkit._crmkit --allowlist tests/stubtest-allowlist.txt
scripts/test_matrix.sh  # frame-library matrix: only pandas (2.2 minimum, latest), only polars, only pyarrow
echo "== all checks passed"
