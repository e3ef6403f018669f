# Shared set-up of scripts/test.sh and scripts/demo.sh (sourced, not run).
# Creates the virtualenv, installs what it needs once (keyed by the requirements file's hash),
# and defines build_extension, which rebuilds the Rust extension only when its sources changed.
CRMKIT_VENV="${CRMKIT_VENV:-$PWD/.venv}"
if [ ! -x "$CRMKIT_VENV/bin/python" ]; then
  echo "== creating virtualenv $CRMKIT_VENV"
  python3 -m venv "$CRMKIT_VENV"
fi
PY="$CRMKIT_VENV/bin/python"
export PYO3_PYTHON="$PY"
export VIRTUAL_ENV="$CRMKIT_VENV"
export PATH="$CRMKIT_VENV/bin:$PATH"
req_hash=$(sha256sum tests/requirements.txt | cut -c1-16)
if [ ! -f "$CRMKIT_VENV/.requirements-$req_hash" ]; then
  echo "== installing test dependencies into $CRMKIT_VENV"
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet -r tests/requirements.txt
  touch "$CRMKIT_VENV/.requirements-$req_hash"
fi

build_extension() {
  local src_hash
  src_hash=$(cat Cargo.toml Cargo.lock pyproject.toml $(git ls-files -co --exclude-standard crates | grep -E '\.(rs|toml)$' | sort) 2>/dev/null | sha256sum | cut -c1-16)
  if [ -f "$CRMKIT_VENV/.extension-$src_hash" ] && "$PY" -c "import crmkit._crmkit" 2>/dev/null; then
    echo "   (up to date)"
    return
  fi
  rm -f "$CRMKIT_VENV"/.extension-*
  if ! "$CRMKIT_VENV/bin/maturin" develop --release >"$CRMKIT_VENV/.maturin.log" 2>&1; then
    cat "$CRMKIT_VENV/.maturin.log"
    return 1
  fi
  touch "$CRMKIT_VENV/.extension-$src_hash"
}

# The peers environment (.venv-peers): lifetimes and the other packages crmkit is compared with,
# for the parity tests and benches/bench_clv.py only. Installed once (keyed by the requirements
# file's hash), with the crmkit wheel rebuilt only when the sources changed.
# The wheel is built for the main venv's interpreter (the same python3), so that cargo reuses its build.
CRMKIT_PEERS_VENV="${CRMKIT_PEERS_VENV:-$PWD/.venv-peers}"
PEERS_PY="$CRMKIT_PEERS_VENV/bin/python"
export CRMKIT_PEERS_VENV
# pytensor (under pymc-marketing) compiles C with the system compiler (gcc) at first use; its cache
# lives in the peers venv (ignored by git), not in the home directory.
export PYTENSOR_FLAGS="${PYTENSOR_FLAGS:-compiledir=$CRMKIT_PEERS_VENV/.pytensor}"

setup_peers() {
  if [ ! -x "$PEERS_PY" ]; then
    echo "   creating virtualenv $CRMKIT_PEERS_VENV"
    python3 -m venv "$CRMKIT_PEERS_VENV"
  fi
  local peers_hash src_hash wheel
  peers_hash=$(sha256sum tests/requirements-peers.txt | cut -c1-16)
  if [ ! -f "$CRMKIT_PEERS_VENV/.requirements-$peers_hash" ]; then
    echo "   installing tests/requirements-peers.txt (lifetimes, pymc-marketing; once, then cached in the venv)"
    "$PEERS_PY" -m pip install --quiet --upgrade pip
    "$PEERS_PY" -m pip install --quiet -r tests/requirements-peers.txt
    rm -f "$CRMKIT_PEERS_VENV"/.requirements-*
    touch "$CRMKIT_PEERS_VENV/.requirements-$peers_hash"
  fi
  src_hash=$(cat Cargo.toml Cargo.lock pyproject.toml $(git ls-files -co --exclude-standard crates python | grep -E '\.(rs|toml|py|pyi)$' | sort) 2>/dev/null | sha256sum | cut -c1-16)
  if [ -f "$CRMKIT_PEERS_VENV/.wheel-$src_hash" ] && "$PEERS_PY" -c "import crmkit._crmkit" 2>/dev/null; then
    echo "   (crmkit wheel up to date)"
    return
  fi
  rm -f "$CRMKIT_PEERS_VENV"/.wheel-* "$CRMKIT_PEERS_VENV"/wheels/*.whl
  if ! "$CRMKIT_VENV/bin/maturin" build --release --interpreter "$PY" --out "$CRMKIT_PEERS_VENV/wheels" >"$CRMKIT_PEERS_VENV/.maturin.log" 2>&1; then
    cat "$CRMKIT_PEERS_VENV/.maturin.log"
    return 1
  fi
  wheel=$(ls "$CRMKIT_PEERS_VENV"/wheels/crmkit-*.whl | head -n1)
  "$PEERS_PY" -m pip install --quiet --force-reinstall --no-deps "$wheel"
  touch "$CRMKIT_PEERS_VENV/.wheel-$src_hash"
}
