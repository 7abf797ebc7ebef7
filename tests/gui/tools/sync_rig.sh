#!/usr/bin/env bash
# sync_rig.sh — a real samvad-central (SQLite, loopback) behind the fault proxy, for GUI tests of
# the staff sync screen. Needs $DATA, $OUT and $TOOLS, which run_gui_test.sh sets.
#   sync_rig.sh up BYTES_PER_S [TICKET]
#                                start central, enrol this device, write device.conf pointing at a
#                                fault proxy capped at BYTES_PER_S, then stop central: the test
#                                begins with central down (the proxy resets every connection).
#                                With TICKET, central first takes a complaint under that ticket, as
#                                if filed at another kiosk of the office, and then its updates:
#                                in progress, acknowledged, fixed
#   sync_rig.sh start-when FILE  in the background: start central again once FILE exists (a
#                                screenshot the script takes after it has seen the failure), and
#                                once it listens, make $OUT/central.started (`await-file`)
#   sync_rig.sh check N          central holds N requests, each with its photo; then stops
#                                everything (its exit status is the check's)
#   sync_rig.sh down             stop what it started
set -euo pipefail
. "$(dirname "$0")/rig_common.sh"
central="$TOOLS/../sync/central/samvad-central"
proxy="$TOOLS/sync/fault-proxy"
rig="$OUT/rig"
mkdir -p "$rig"

start_central() {  # $1: listen address; writes rig/central.pid and rig/central.port
  "$central" serve --db "sqlite:$rig/central.db" --listen "$1" --media "$rig/media" >"$rig/central.log" 2>&1 &
  echo $! >"$rig/central.pid"
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$rig/central.log")
    if [ -n "$port" ]; then echo "$port" >"$rig/central.port"; return 0; fi
    sleep 0.1
  done
  echo "sync_rig: samvad-central did not start: $(cat "$rig/central.log")" >&2
  return 1
}

case "$1" in
  up)
    start_central 127.0.0.1:0
    port=$(cat "$rig/central.port")
    code=$("$central" enroll --label "gui test" --ward 08 --kind kiosk --db "sqlite:$rig/central.db" | sed -n 's/^ *code: *//p')
    key=$(curl -sf --noproxy '*' -d "code=$code" "http://127.0.0.1:$port/devices/enroll.json" |
          sed -n 's/.*"api_key":"\([^"]*\)".*/\1/p')
    [ -n "$key" ] || { echo "sync_rig: enrolment failed" >&2; exit 1; }
    if [ -n "${3:-}" ]; then
      made=$(curl -sf --noproxy '*' "http://127.0.0.1:$port/requests.json" \
        --data-urlencode "api_key=$key" -d service_code=pothole --data-urlencode "address_string=Dadar TT" \
        --data-urlencode "description=खड्डा" -d "attribute[client_uuid]=9d0c3e4a-5b6f-4a7b-8c9d-0e1f2a3b4c5d" \
        -d "attribute[ticket]=$3") || { echo "sync_rig: central refused the complaint" >&2; exit 1; }
      id=$(sed -n 's/.*"service_request_id":"\([0-9]*\)".*/\1/p' <<<"$made")
      # Worked on and fixed since: the citizen's lookup shows each step.
      n=0
      for status in in_progress acknowledged fixed; do
        n=$((n + 1))
        curl -sf --noproxy '*' -o /dev/null "http://127.0.0.1:$port/servicerequestupdates.json" \
          -H "Idempotency-Key: gui-rig-update-$n" --data-urlencode "api_key=$key" -d "service_request_id=$id" \
          -d "status=$status" --data-urlencode "description=step $n" ||
          { echo "sync_rig: central refused update $status" >&2; exit 1; }
      done
    fi
    kill "$(cat "$rig/central.pid")"; wait "$(cat "$rig/central.pid")" 2>/dev/null || true
    "$proxy" --to "$port" --bandwidth "$2" >"$rig/proxy.log" 2>&1 &
    echo $! >"$rig/proxy.pid"
    pport=$(listened_port "$rig/proxy.log" fault-proxy)
    printf 'central=http://127.0.0.1:%s\nkey=%s\n' "$pport" "$key" >>"$DATA/device.conf"
    ;;
  start-when)
    (
      for _ in $(seq 600); do [ -e "$2" ] && break; sleep 0.1; done
      start_central "127.0.0.1:$(cat "$rig/central.port")" && touch "$OUT/central.started"
    ) >/dev/null 2>&1 &
    ;;
  check)
    port=$(cat "$rig/central.port")
    list=$(curl -sf --noproxy '*' "http://127.0.0.1:$port/requests.json?page_size=200" || true)
    n=$(grep -o '"service_request_id"' <<<"$list" | wc -l)
    photos=$(grep -o '"media_url":"http[^"]*"' <<<"$list" | wc -l)
    "$0" down
    if [ "$n" -ne "$2" ] || [ "$photos" -ne "$2" ]; then
      echo "sync_rig: central holds $n requests with $photos photos; expected $2 of each" >&2
      exit 1
    fi
    echo "sync_rig: central holds $n requests, each with its photo"
    ;;
  down)
    for p in central proxy; do
      if [ -e "$rig/$p.pid" ]; then kill "$(cat "$rig/$p.pid")" 2>/dev/null || true; fi
    done
    ;;
esac
