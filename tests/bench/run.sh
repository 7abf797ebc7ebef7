#!/usr/bin/env bash
# `make bench`: prints each figure next to a baseline measured in the same run. Targets are
# printed beside them; nothing here fails a build (timings belong in benchmarks, not tests).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${SAMVAD_BENCH_IN_XVFB:-}" ]; then
  # One X server for every GUI figure, so both sides of each ratio share it.
  SAMVAD_BENCH_IN_XVFB=1 exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" "$0" "$build"
fi
samvad="$build/app/samvad"
export SAMVAD_DATA; SAMVAD_DATA=$(mktemp -d)
trap 'rm -rf "$SAMVAD_DATA"' EXIT
echo "== Samvad benchmarks ($(date -u +%FT%TZ), $(nproc) cores, Mesa llvmpipe under Xvfb)"

"$build/tests/bench/bench_startup" 15 -- "$samvad" --lang mr --exit-after-first-frame -- "$build/tests/bench/bench_bare_window"

"$build/tests/bench/bench_labels"

# Idle CPU and memory: drive every screen (so every glyph and keyboard has been drawn), then
# leave the program alone as a person would, and read /proc.
"$samvad" --size 1280x800 --script "$here/idle.script" &
pid=$!
sleep 6
if ! kill -0 "$pid" 2>/dev/null; then
  echo "idle/memory: the app exited before it went idle (see its message above): no figures" >&2
  exit 1
fi
hz=$(getconf CLK_TCK)
read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
sleep 10
read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
ticks=$(( (u1 - u0) + (s1 - s0) ))
idle=$(awk -v t="$ticks" -v hz="$hz" 'BEGIN{printf "%.2f", 100*t/hz/10}')
hwm=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")
pss=$(awk '/^Pss:/{print $2}' "/proc/$pid/smaps_rollup")
kill "$pid"; wait "$pid" 2>/dev/null || true
"$build/tests/bench/bench_bare_window" --stay >/dev/null &
bpid=$!
sleep 3
bpss=$(awk '/^Pss:/{print $2}' "/proc/$bpid/smaps_rollup")
bhwm=$(awk '/VmHWM/{print $2}' "/proc/$bpid/status")
kill "$bpid"; wait "$bpid" 2>/dev/null || true
# Baseline for idle: the same measurement of a process that only sleeps (the floor of /proc's
# tick accounting), so a reading is never compared against nothing.
sleep 12 & spid=$!; sleep 1
read -r bu0 bs0 < <(awk '{print $14, $15}' "/proc/$spid/stat"); sleep 10
read -r bu1 bs1 < <(awk '{print $14, $15}' "/proc/$spid/stat"); wait "$spid" || true
bidle=$(awk -v t="$(( (bu1-bu0)+(bs1-bs0) ))" -v hz="$hz" 'BEGIN{printf "%.2f", 100*t/hz/10}')
echo "idle: CPU over 10 s at rest  samvad ${idle} %  (a sleeping process ${bidle} %)  (target < 0.5 %)"
echo "memory: after visiting every screen  samvad peak RSS $((hwm/1024)) MB  PSS $((pss/1024)) MB  |  bare ImGui window after 10 frames: peak RSS $((bhwm/1024)) MB  PSS $((bpss/1024)) MB  |  samvad adds $(( (pss-bpss)/1024 )) MB PSS  (target PSS < 70 MB)"
"$build/tests/bench/bench_photo"
"$build/tests/bench/bench_commit" "$build"
"$build/tests/bench/bench_sync_link"
"$build/tests/bench/bench_central_ingest"
"$build/tests/bench/bench_central_upload"
