#!/usr/bin/env bash
# The frame-library matrix: each optional frame library is really optional. Installs the SAME crmkit
# wheel into small virtualenvs that hold one frame library each and runs the frame tests in each:
#   .venv-min-pandas    pandas 2.2 with the lowest numpy and pyarrow crmkit declares (pyproject.toml)
#   .venv-only-pandas   the latest pandas, nothing else (no pyarrow: pandas' own string columns)
#   .venv-only-polars   polars at the lowest version crmkit declares (2.1: older 1.x export dates and
#                       strings in ways this needs pyarrow for), nothing else
#   .venv-only-pyarrow  the latest pyarrow, nothing else
# Each venv is created once and kept while its package list is unchanged (keyed by a hash); the
# wheel is built once per source state (release, for the main venv's interpreter, as setup_peers
# does in scripts/env.sh) and reused, also from .venv-peers when that already holds it.
# Called by ONE line of scripts/test.sh; runs on its own too: scripts/test_matrix.sh [name ...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
echo "== frame-library matrix (.venv-min-pandas, .venv-only-pandas, .venv-only-polars, .venv-only-pyarrow)"

# name|packages (pip requirement specifiers, binary wheels only)
MATRIX=(
  "min-pandas|pandas==2.2.* numpy==1.24.* pyarrow==14.*"
  "only-pandas|pandas"
  "only-polars|polars>=2.1"
  "only-pyarrow|pyarrow"
)
TESTS=(tests/python/test_frames_matrix.py tests/python/test_inputs.py)
TEST_DEPS="pytest>=8 hypothesis>=6"

src_hash=$(cat Cargo.toml Cargo.lock pyproject.toml $(git ls-files -co --exclude-standard crates python | grep -E '\.(rs|toml|py|pyi)$' | sort) 2>/dev/null | sha256sum | cut -c1-16)
wheel_dir="target/matrix-wheel/$src_hash"
wheel=""
if [ -f "$CRMKIT_PEERS_VENV/.wheel-$src_hash" ]; then
  wheel=$(ls "$CRMKIT_PEERS_VENV"/wheels/crmkit-*.whl 2>/dev/null | head -n1 || true)
fi
if [ -z "$wheel" ]; then
  wheel=$(ls "$wheel_dir"/crmkit-*.whl 2>/dev/null | head -n1 || true)
fi
if [ -z "$wheel" ]; then
  echo "   building the crmkit wheel (release) into $wheel_dir"
  rm -rf target/matrix-wheel
  mkdir -p "$wheel_dir"
  if ! "$CRMKIT_VENV/bin/maturin" build --release --interpreter "$PY" --out "$wheel_dir" >"$wheel_dir/.maturin.log" 2>&1; then
    cat "$wheel_dir/.maturin.log"
    exit 1
  fi
  wheel=$(ls "$wheel_dir"/crmkit-*.whl | head -n1)
fi

failed=()
for entry in "${MATRIX[@]}"; do
  name=${entry%%|*}
  packages=${entry#*|}
  if [ "$#" -gt 0 ] && [[ " $* " != *" $name "* ]]; then
    continue
  fi
  venv="$PWD/.venv-$name"
  vpy="$venv/bin/python"
  deps_hash=$(printf '%s %s %s' "$packages" "$TEST_DEPS" "$(python3 --version)" | sha256sum | cut -c1-16)
  if [ ! -f "$venv/.packages-$deps_hash" ]; then
    echo "   creating $venv ($packages)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$vpy" -m pip install --quiet --upgrade pip
    # shellcheck disable=SC2086  # word splitting of the package list is intended
    "$vpy" -m pip install --quiet --only-binary=:all: $packages $TEST_DEPS
    touch "$venv/.packages-$deps_hash"
  fi
  if [ ! -f "$venv/.wheel-$src_hash" ]; then
    "$vpy" -m pip install --quiet --force-reinstall --no-deps "$wheel"
    "$vpy" -m pip install --quiet --only-binary=:all: "$wheel"  # its own dependencies (numpy) if missing
    rm -f "$venv"/.wheel-*
    touch "$venv/.wheel-$src_hash"
  fi
  versions=$("$vpy" -c 'import importlib.metadata as m
out = []
for p in ("numpy", "pandas", "polars", "pyarrow"):
    try:
        out.append(f"{p} {m.version(p)}")
    except m.PackageNotFoundError:
        pass
print(", ".join(out))')
  echo "   .venv-$name: $versions"
  # From the tests folder, so that the installed wheel (not python/ of the source tree) is tested.
  if ! (cd tests/python && "$vpy" -m pytest -q -p no:cacheprovider --noconftest -o addopts="" -W error \
        --rootdir=. $(for t in "${TESTS[@]}"; do basename "$t"; done)); then
    failed+=("$name")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "frame matrix FAILED in: ${failed[*]}"
  exit 1
fi
echo "   frame matrix passed"
