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
