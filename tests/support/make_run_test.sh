#!/usr/bin/env bash
# make_run_test.sh BUILD — `make run` the way a fresh headless machine runs it (no DISPLAY): a
# local central of its own (here on a free port, in a folder of its own), the kiosk enrolled with
# it, the scripted demo in Xvfb. Passes when the demo wrote its screenshots and the local central
# received the demo's complaint through the sync engine.
set -euo pipefail
build=$(cd "$1" && pwd)
runs="$build/tests/make-run"
rm -rf "$runs"
if ! out=$(env -u DISPLAY SAMVAD_CENTRAL_PORT=0 SAMVAD_RUN_DIR="$runs" "$(dirname "$0")/run.sh" "$build" 2>&1); then
  echo "$out"
  echo "make_run_test: run.sh failed" >&2
  exit 1
fi
echo "$out"
grep -q '^Local central queue: http://127.0.0.1:[1-9]' <<<"$out" || { echo "make_run_test: no local central" >&2; exit 1; }
shots=$(find "$runs/demo-screens" -maxdepth 1 -name 'demo-*.png' | wc -l)
[ "$shots" -ge 16 ] || { echo "make_run_test: $shots demo screenshots, expected 16" >&2; exit 1; }
grep -q '^Central received 1 complaint(s) from the demo kiosk' <<<"$out" ||
  { echo "make_run_test: central did not receive the demo's complaint" >&2; exit 1; }
