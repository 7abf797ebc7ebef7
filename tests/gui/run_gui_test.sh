#!/usr/bin/env bash
# Runs one GUI script in a real window under Xvfb + Mesa (llvmpipe), then compares every
# screenshot it wrote with tests/golden/<name>.png (tolerance in imgcmp). Header lines a script
# may have (each once, anywhere among its leading comments):
#   # args: ...        extra samvad options (a window size, say)
#   # setup: CMD       run before samvad (bash; $DATA, $OUT, $TOOLS (built tools) and $GUI_TOOLS
#                      (tests/gui/tools in the source) are set)
#   # check: CMD       run after it; its failure fails the test (e.g. tools/flow_check)
#   # no-golden: F...  screenshots not compared (they show the time of day); still written
#   # env: V=X ...     environment for samvad alone ($DATA, $OUT, $TOOLS expanded), e.g. the
#                      fake camera's LD_PRELOAD (tests/support/fake_v4l2.cpp)
#   run_gui_test.sh SAMVAD IMGCMP SCRIPT OUTDIR GOLDENDIR
# SAMVAD_UPDATE_GOLDEN=1 copies the screenshots over the goldens instead (look at them first).
set -euo pipefail
samvad=$1 imgcmp=$2 script=$3 out=$4 golden=$5
rm -rf "$out"; mkdir -p "$out"
header() { sed -n "s/^# $1: //p" "$script" | head -1; }
args=$(header args)
size=$(sed -n 's/.*--size \([0-9]*x[0-9]*\).*/\1/p' <<<"$args"); size=${size:-1280x800}
# Each test gets its own data folder, so no run sees another's files.
export SAMVAD_DATA="$out/data" DATA="$out/data" OUT="$out" TOOLS GUI_TOOLS; TOOLS=$(dirname "$imgcmp")
GUI_TOOLS=$(cd "$(dirname "$0")/tools" && pwd)  # beside this runner
mkdir -p "$DATA"
setup=$(header setup); check=$(header check); nogolden=" $(header no-golden) "
if [ -n "$setup" ]; then bash -c "$setup"; fi
envs=()
if [ -n "$(header env)" ]; then read -ra envs <<<"$(eval "echo $(header env)")"; fi
# shellcheck disable=SC2086
xvfb-run -a -s "-screen 0 ${size}x24 -nolisten tcp" env "${envs[@]}" "$samvad" --size "$size" $args --script "$script" --out "$out"
status=0
if [ -n "$check" ]; then bash -c "$check" || status=1; fi
for shot in "$out"/*.png; do
  [ -e "$shot" ] || continue
  case "$shot" in *.diff.png) continue ;; esac
  name=$(basename "$shot")
  case "$nogolden" in *" $name "*) echo "not compared (by design): $shot"; continue ;; esac
  if [ "${SAMVAD_UPDATE_GOLDEN:-0}" = 1 ]; then cp "$shot" "$golden/$name"; echo "updated golden $name"; continue; fi
  if [ ! -e "$golden/$name" ]; then
    echo "no golden image $golden/$name — look at $shot, then run with SAMVAD_UPDATE_GOLDEN=1" >&2
    status=1; continue
  fi
  "$imgcmp" "$shot" "$golden/$name" || status=1
done
exit $status
