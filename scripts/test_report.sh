#!/usr/bin/env bash
# The report and notebook checks of scripts/test.sh (run after the extension is built):
# 1. the `crmkit` console script writes the report of a CDNOW CSV, and bad input exits with status 2;
# 2. the HTML report of the bundled CDNOW data opens in headless Chromium (the Debian package,
#    installed with apt-get where missing) with no console errors, no external requests and every
#    figure decoded (scripts/check_report_browser.py);
# 3. examples/tutorial.ipynb is committed without outputs and runs top to bottom (nbclient).
set -euo pipefail
cd "$(dirname "$0")/.."
CRMKIT_VENV="${CRMKIT_VENV:-$PWD/.venv}"
PY="$CRMKIT_VENV/bin/python"
out=target/report-test
mkdir -p "$out"
echo "== report, browser check and tutorial notebook (scripts/test_report.sh)"

if ! command -v chromium >/dev/null 2>&1; then
  echo "   installing chromium (Debian package; once)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

echo "   crmkit report (console script) on a CSV log"
"$PY" - "$out/cdnow.csv" <<'PY'
import sys
sys.path.insert(0, "examples")
from cdnow_report import cdnow_log
log = cdnow_log()
with open(sys.argv[1], "w") as f:
    f.write("customer_id,timestamp,amount\n")
    for c, t, a in zip(log["customer_id"], log["timestamp"].astype(str), log["amount"]):
        f.write(f"{c},{str(t).replace('-', '')},{a}\n")
PY
"$CRMKIT_VENV/bin/crmkit" report "$out/cdnow.csv" --as-of 1998-06-30 --date-format %Y%m%d -q -o "$out/cli.html"
test -s "$out/cli.html"
status=0
"$CRMKIT_VENV/bin/crmkit" report "$out/cdnow.csv" --amount price -q 2>"$out/cli.err" || status=$?
if [ "$status" -ne 2 ] || ! grep -q "no column 'price'" "$out/cli.err"; then
  echo "expected exit status 2 and a message naming the missing column, got $status: $(cat "$out/cli.err")" >&2
  exit 1
fi

echo "   the CDNOW report in headless Chromium"
"$PY" examples/cdnow_report.py "$out/cdnow_report.html"
"$PY" scripts/check_report_browser.py "$out/cdnow_report.html"
# ... and the check itself must fail on a report whose first figure is broken
sed '0,/base64,iVBOR/s//base64,AAAAA/' "$out/cdnow_report.html" >"$out/broken.html"
if "$PY" scripts/check_report_browser.py "$out/broken.html" >/dev/null 2>&1; then
  echo "the browser check passed a report with a broken figure" >&2
  exit 1
fi

echo "   examples/tutorial.ipynb (nbclient)"
"$PY" scripts/run_notebook.py examples/tutorial.ipynb
