#!/usr/bin/env bash
# field_rig.sh — a real samvad-central (SQLite, loopback) for the GUI test of the field
# engineer's tablet. Needs $DATA, $OUT and $TOOLS, which run_gui_test.sh sets.
#   field_rig.sh up USER PIN     start central; enrol this tablet (device.conf: mode=tablet, central,
#                                key, import, gpsd → a fake gpsd with a fix ~40 m from the complaint);
#                                add the engineer USER with PIN; file one complaint from another
#                                device (text, position, the citizen's photo and thumbnail by tus)
#                                and assign it to USER. Central keeps running.
#   field_rig.sh stop-when FILE  in the background: stop central once FILE exists (the engineer
#                                then records the work with central down); once it has exited,
#                                make $OUT/central.stopped (the script's `await-file`)
#   field_rig.sh start-when FILE in the background: start central again, same port, once FILE
#                                exists; once it listens, make $OUT/central.started
#   field_rig.sh check           central shows the complaint resolved with one before and one after
#                                photo, each byte-equal to the tablet's file, the before photo's
#                                time as its EXIF said, and exactly one
#                                "fixed" update; and one development work "नाला सफाई" with its after
#                                photo; then stops everything (its status is the check's)
set -euo pipefail
. "$(dirname "$0")/rig_common.sh"
central="$TOOLS/../sync/central/samvad-central"
rig="$OUT/rig"
mkdir -p "$rig"

start_central() {  # $1: listen address; writes rig/central.pid and rig/central.port
  "$central" serve --db "sqlite:$rig/central.db" --listen "$1" --media "$rig/media" >>"$rig/central.log" 2>&1 &
  echo $! >"$rig/central.pid"
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$rig/central.log" | tail -1)
    if [ -n "$port" ] && curl -sf --noproxy '*' "http://127.0.0.1:$port/services.json" >/dev/null; then
      echo "$port" >"$rig/central.port"; return 0
    fi
    sleep 0.1
  done
  echo "field_rig: samvad-central did not start: $(cat "$rig/central.log")" >&2
  return 1
}

enrol() {  # prints a new device key
  local code
  code=$("$central" enroll --label "$1" --ward 08 --kind tablet --db "sqlite:$rig/central.db" | sed -n 's/^ *code: *//p')
  curl -sf --noproxy '*' -d "code=$code" "http://127.0.0.1:$port/devices/enroll.json" |
    sed -n 's/.*"api_key":"\([^"]*\)".*/\1/p'
}

b64() { printf '%s' "$1" | base64 -w0; }

upload() {  # $1 key, $2 request id, $3 kind, $4 file: one tus creation-with-upload
  local sha len
  sha=$(sha256sum "$4" | cut -d' ' -f1)
  len=$(stat -c %s "$4")
  curl -sf --noproxy '*' -o /dev/null -X POST "http://127.0.0.1:$port/media" \
    -H "Authorization: Bearer $1" -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $len" \
    -H "Upload-Metadata: service_request_id $(b64 "$2"),kind $(b64 "$3"),sha256 $(b64 "$sha")" \
    -H 'Content-Type: application/offset+octet-stream' --data-binary "@$4"
}

case "$1" in
  up)
    user=$2 pin=$3
    start_central 127.0.0.1:0
    port=$(cat "$rig/central.port")
    tablet=$(enrol "engineer's tablet")
    kiosk=$(enrol "ward kiosk")
    [ -n "$tablet" ] && [ -n "$kiosk" ] || { echo "field_rig: enrolment failed" >&2; exit 1; }
    printf '%s\n' "$pin" | "$central" staff add --user "$user" --name "सुनील पाटील" --ward 08 --dept roads \
      --role engineer --db "sqlite:$rig/central.db" >/dev/null
    uuid=$(cat /proc/sys/kernel/random/uuid)
    id=$(curl -sf --noproxy '*' -H "Idempotency-Key: $uuid" \
           --data-urlencode "api_key=$kiosk" --data-urlencode service_code=pothole \
           --data-urlencode "attribute[client_uuid]=$uuid" --data-urlencode lang=mr \
           --data-urlencode "attribute[ticket]=08-001-00042-9" \
           --data-urlencode "address_string=शिवाजी पार्क गेट क्रमांक ५ समोर, G/N" \
           --data-urlencode lat=19.026900 --data-urlencode long=72.838300 \
           --data-urlencode "description=रस्त्याच्या मधोमध मोठा खड्डा, दुचाकी घसरतात" \
           "http://127.0.0.1:$port/requests.json" | sed -n 's/.*"service_request_id":"\([0-9]*\)".*/\1/p')
    [ -n "$id" ] || { echo "field_rig: the complaint was not filed" >&2; exit 1; }
    echo "$id" >"$rig/request.id"
    upload "$kiosk" "$id" thumb "$DATA/citizen/thumb.jpg"
    upload "$kiosk" "$id" photo "$DATA/citizen/photo.jpg"
    "$central" assign "$id" "$user" --db "sqlite:$rig/central.db" >/dev/null
    # The tablet's GPS: a fix about 40 m north-east of where the citizen stood.
    "$TOOLS/fake_gpsd" 19.027200 72.838500 >"$rig/gpsd.log" 2>&1 &
    echo $! >>"$rig/waiters"
    gport=$(listened_port "$rig/gpsd.log" fake_gpsd)
    printf 'mode=tablet\ncentral=http://127.0.0.1:%s\nkey=%s\nimport=%s\ngpsd=127.0.0.1:%s\n' \
      "$port" "$tablet" "$DATA/usb" "$gport" >>"$DATA/device.conf"
    ;;
  stop-when)
    # Acts only if FILE appears (a failed run's waiter must not touch the next run's central).
    (
      for _ in $(seq 600); do
        if [ -e "$2" ]; then
          pid=$(cat "$rig/central.pid")
          kill "$pid"
          for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null && [ "$(cut -d" " -f3 "/proc/$pid/stat" 2>/dev/null)" != Z ] || break; sleep 0.1; done
          touch "$OUT/central.stopped"; exit 0
        fi
        sleep 0.1
      done
    ) >/dev/null 2>&1 &
    echo $! >>"$rig/waiters"
    ;;
  start-when)
    (
      for _ in $(seq 900); do
        if [ -e "$2" ]; then
          start_central "127.0.0.1:$(cat "$rig/central.port")" && touch "$OUT/central.started"
          exit 0
        fi
        sleep 0.1
      done
    ) >/dev/null 2>&1 &
    echo $! >>"$rig/waiters"
    ;;
  check)
    port=$(cat "$rig/central.port") id=$(cat "$rig/request.id")
    req=$(curl -sf --noproxy '*' "http://127.0.0.1:$port/requests/$id.json" || true)
    feed=$(curl -sf --noproxy '*' "http://127.0.0.1:$port/servicerequestupdates.json?limit=500" || true)
    stop_all() {
      kill "$(cat "$rig/central.pid")" 2>/dev/null || true
      # shellcheck disable=SC2046
      kill $(cat "$rig/waiters" 2>/dev/null) 2>/dev/null || true
    }
    trap stop_all EXIT
    fail() { echo "field_rig: $*" >&2; echo "$req" >&2; exit 1; }
    grep -q '"detailed_status":"fixed"' <<<"$req" || fail "the complaint is not resolved on central"
    grep -q '"status":"closed"' <<<"$req" || fail "the complaint is not closed on central"
    fixed=$(grep -o '"status":"fixed"' <<<"$feed" | wc -l)
    [ "$fixed" -eq 1 ] || fail "$fixed 'fixed' updates on central; expected exactly one"
    grep -q '"status":"fixed"[^}]*"lat":19.0272' <<<"$feed" || { req=$feed; fail "the update does not carry the tablet's GPS position"; }
    echo "field_rig: the 'fixed' update carries the tablet's position (lat 19.0272)"
    for kind in before after; do
      urls=$(sed -n "s/.*\"${kind}_media_urls\":\[\([^]]*\)\].*/\1/p" <<<"$req" | tr ',' '\n' | tr -d '"')
      n=$(grep -c . <<<"$urls" || true)
      [ "$n" -eq 1 ] || fail "$n $kind photos on central; expected 1"
      photo=$(mktemp)
      curl -sf --noproxy '*' -o "$photo" "$urls" || fail "the $kind photo does not download: $urls"
      sha=$(sha256sum "$photo" | cut -d' ' -f1)
      rm -f "$photo"
      [ -e "$DATA/field/$sha.jpg" ] || fail "the $kind photo central serves is not one the tablet recorded"
      echo "field_rig: $kind photo on central = the tablet's $sha.jpg"
    done
    echo "field_rig: central shows complaint $id resolved, one 'fixed' update, before and after photos"
    # The before photo came from the camera roll with its EXIF time (09:26:53 +05:30): central
    # publishes it beside the photo; the after photo had none.
    grep -q '"work_photos":\[{"kind":"before","index":0,"media_url":"[^"]*","taken_datetime":"2025-03-14T03:56:53Z"},{"kind":"after","index":0,"media_url":"[^"]*","taken_datetime":null}\]' <<<"$req" ||
      fail "central's work_photos do not say when the before photo was taken (2025-03-14T03:56:53Z)"
    echo "field_rig: central says the before photo was taken at 2025-03-14T03:56:53Z"
    work=$(curl -sf --noproxy '*' "http://127.0.0.1:$port/works/1.json" || true)
    grep -q '"title":"नाला सफाई"' <<<"$work" || { req=$work; fail "the development work is not on central"; }
    url=$(sed -n 's/.*"after_media_urls":\["\([^"]*\)"\].*/\1/p' <<<"$work")
    photo=$(mktemp)
    curl -sf --noproxy '*' -o "$photo" "$url" || { req=$work; fail "the work's after photo does not download"; }
    [ -e "$DATA/field/$(sha256sum "$photo" | cut -d' ' -f1).jpg" ] || fail "the work's photo is not the tablet's"
    rm -f "$photo"
    curl -s -o /dev/null -w '%{http_code}' --noproxy '*' "http://127.0.0.1:$port/works/2.json" | grep -qx 404 ||
      fail "a second development work on central"
    echo "field_rig: central shows development work 1 \"नाला सफाई\" with its after photo, and no second"
    ;;
esac
