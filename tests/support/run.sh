#!/usr/bin/env bash
# `make run`: with a display, the kiosk in a window. Without one (a headless machine, CI, an
# SSH session): the scripted demo in Xvfb, writing a screenshot of every screen to a folder it
# names, so a person still sees what the kiosk shows.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/../.." && pwd)
samvad="$build/app/samvad"
if [ -n "${DISPLAY:-}" ] && xset q >/dev/null 2>&1 || { [ -n "${DISPLAY:-}" ] && [ -z "$(command -v xset)" ]; }; then
  exec "$samvad" "${@:2}"
fi
out="$build/demo-screens"
rm -rf "$out"; mkdir -p "$out"
echo "No display here: running the scripted demo in Xvfb."
SAMVAD_DATA="$out/data" xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  "$samvad" --size 1280x800 --script "$here/tests/gui/demo.script" --out "$out"
echo "Screenshots of every screen, in every language: $(cd "$out" && pwd)"
ls "$out"/*.png | sed 's|.*/|  |'
