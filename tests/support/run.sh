#!/usr/bin/env bash
# `make run`: a local central queue (SQLite, loopback) beside the kiosk, so sync works out of the
# box. With a display, the kiosk in a window; without one (a headless machine, CI, an SSH session):
# the scripted demo in Xvfb, writing a screenshot of every screen to a folder it names, then what
# central received.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/../.." && pwd)
samvad="$build/app/samvad"
central="$build/sync/central/samvad-central"
port=${SAMVAD_CENTRAL_PORT:-8311}  # 0: whichever port is free (the make_run test)
url="http://127.0.0.1:$port"
runs=${SAMVAD_RUN_DIR:-$build}     # where the local central and the demo's screenshots go

headless=1
if [ -n "${DISPLAY:-}" ] && { ! command -v xset >/dev/null || xset q >/dev/null 2>&1; }; then headless=0; fi
if [ $headless = 1 ]; then
  data="$runs/demo-screens/data"; out="$runs/demo-screens"
  rm -rf "$out"; mkdir -p "$data"
else
  data=${SAMVAD_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/samvad}; mkdir -p "$data"
fi
export SAMVAD_DATA="$data"

# The local central: its own folder in the build tree; stopped when this script ends.
mkdir -p "$runs/central"
db="sqlite:$runs/central/central.db"
log="$runs/central/central.log"
"$central" serve --db "$db" --listen "127.0.0.1:$port" --media "$runs/central/media" \
  --catalog "$here/assets/catalog" >"$log" 2>&1 &
cpid=$!
trap 'kill $cpid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  if [ "$port" = 0 ]; then  # the port central picked, once it says so
    p=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | head -1)
    [ -n "$p" ] && { port=$p; url="http://127.0.0.1:$port"; }
  fi
  [ "$port" != 0 ] && curl -sf "$url/discovery.json" >/dev/null && break
  sleep 0.1
done
if ! curl -sf "$url/discovery.json" >/dev/null; then
  echo "The local central did not start (see $log); the kiosk runs offline."
else
  echo "Local central queue: $url (log: $log)"
  # Enrol this device once: a one-time code from central, traded for the device's key. For the
  # kiosk's ward (device.conf's ward=, else the embedded 08): central sends it that ward's staff,
  # and, as a kiosk (unless device.conf says mode=tablet), no engineer's account.
  if ! grep -q '^key=' "$data/device.conf" 2>/dev/null; then
    ward=08 kind=kiosk
    if [ -f "$data/device.conf" ]; then
      w=$(sed -n 's/^ward *= *//p' "$data/device.conf" | tail -1); ward=${w:-08}
      if grep -q '^mode *= *tablet' "$data/device.conf"; then kind=tablet; fi
    fi
    code=$("$central" enroll --db "$db" --label "make run" --ward "$ward" --kind "$kind" --catalog "$here/assets/catalog" |
      grep -oE '[0-9A-Z]{5}-[0-9A-Z]{5}' | head -1)
    key=$(curl -sf -d "code=$code" "$url/devices/enroll.json" | sed -n 's/.*"api_key":"\([0-9a-f]*\)".*/\1/p')
    [ -n "$key" ] && printf 'central=%s\nkey=%s\n' "$url" "$key" >> "$data/device.conf"
  fi
fi

if [ $headless = 0 ]; then
  "$samvad" "${@:2}"
  exit $?
fi
echo "No display here: running the scripted demo in Xvfb."
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  "$samvad" --size 1280x800 --script "$here/tests/gui/demo.script" --out "$out"
echo "Screenshots of every screen, in every language: $(cd "$out" && pwd)"
ls "$out"/*.png | sed 's|.*/|  |'
if curl -sf "$url/discovery.json" >/dev/null; then
  n=$(curl -sf "$url/requests.json?start_date=2000-01-01T00:00:00Z" | grep -o '"service_request_id"' | wc -l)
  echo "Central received $n complaint(s) from the demo kiosk: $url/requests.json"
fi
