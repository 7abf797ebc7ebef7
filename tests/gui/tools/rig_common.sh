# rig_common.sh — sourced by the GUI test rigs (sync_rig.sh, field_rig.sh).

# listened_port LOG NAME: waits up to 10 s for LOG to hold "listening on 127.0.0.1:PORT", which the
# fault proxy and the stand-in gpsd print once they listen, and prints PORT; if it never comes,
# says NAME did not start and fails (under set -e, `port=$(listened_port …)` ends the rig).
listened_port() {
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1" | head -1)
    [ -n "$port" ] && { echo "$port"; return 0; }
    sleep 0.1
  done
  echo "$(basename "$0"): $2 did not start" >&2
  exit 1
}
