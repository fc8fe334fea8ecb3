#!/usr/bin/env bash
# The demo `make demo` runs: scan the sample documents in examples/.
set -u
BIN=${1:-.venv/bin}
cd "$(dirname "$0")/.."
echo "== secreview scan examples/ =="
"$BIN/secreview" scan --recursive examples/
echo "(exit status $? — 0 all pass, 1 findings need review, 2 unreadable input)"
