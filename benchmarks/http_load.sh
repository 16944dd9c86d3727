#!/usr/bin/env bash
# Load test of examples/http_server on loopback (not run by ./x test):
# requests/s and p50/p99 latency for hello-world (GET) and a 4 KiB JSON echo
# (POST), served by
#   native        the C++ handlers (examples/http_server/native_handlers.cc)
#   fresh         the C wasi:http guest (guests/components/http_handler.c),
#                 a fresh-state pool lease per request
#   new-instance  the same guest, instantiated for every request
# and the same two ways the JavaScript guest
# (guests/components/js/http_fetch.js, componentize-js)
# in one server process per guest mode (the native routes beside the
# component). The peak is wrk's (closed loop); then tools/http_load sends
# half that rate on a fixed schedule and reports p50/p99 from when each
# request was due. Prints a markdown table (benchmarks/README.md).
#
#   benchmarks/http_load.sh [SECONDS] [SERVER_THREADS]   default 10, 2
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

readonly SECONDS_PER_RUN="${1:-10}"
readonly THREADS="${2:-2}"
readonly CONNECTIONS=16

if ! command -v wrk >/dev/null; then
  echo "http_load: installing wrk (Debian)" >&2
  if [[ $EUID -eq 0 ]]; then apt-get install -y wrk >&2; else sudo apt-get install -y wrk >&2; fi
fi

bazel build -c opt //examples/http_server:http_server //tools/http_load \
  //guests/components:http_components_files \
  //guests/components/js:http_js_files >&2
bin="$(bazel info -c opt bazel-bin 2>/dev/null)"
server_bin="$bin/examples/http_server/http_server"
load_bin="$bin/tools/http_load/http_load"
# c_components puts each component at <name>/<stem>.wasm.
c_guest="$bin/guests/components/http_components/http_handler.wasm"
js_guest="$bin/guests/components/js/http_js/http_fetch.wasm"

tmp="$(mktemp -d)"
server=""
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# A 4 KiB JSON document.
python3 - "$tmp/body.json" <<'PY'
import json, sys
items, n = [], 0
while len(json.dumps({"items": items + [{"n": n}]})) <= 4096:
    items.append({"n": n}); n += 1
doc = json.dumps({"items": items})
open(sys.argv[1], "w").write(doc + " " * (4096 - len(doc)))
PY
cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$tmp/body.json", "rb")
wrk.body = f:read("*a")
f:close()
LUA

# start_server GUEST [--new-instance]: sets $port.
start_server() {
  "$server_bin" --addr 127.0.0.1:0 --threads "$THREADS" --component "$@" \
    >"$tmp/out" 2>"$tmp/err" &
  server=$!
  port=""
  for _ in $(seq 1 100); do
    port="$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' "$tmp/out")"
    [[ -n "$port" ]] && return
    sleep 0.1
  done
  cat "$tmp/err" >&2
  exit 1
}
stop_server() {
  kill "$server"
  wait "$server" || true
  server=""
}

# wrk's figure in ms from "123.45us", "1.20ms", "2.00s".
to_ms() {
  awk '{ v = $1 + 0; if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /[^m]s$/) v *= 1000; printf "%.3f", v }'
}

# measure LABEL PATH [post]: one table row.
measure() {
  local label="$1" path="$2" kind="${3:-get}" script=() body=()
  if [[ "$kind" == post ]]; then
    script=(-s "$tmp/post.lua")
    body=(--body-file "$tmp/body.json")
  fi
  # A short warm-up: every server thread makes its instances.
  wrk -t2 -c"$CONNECTIONS" -d1s "${script[@]}" "http://127.0.0.1:$port$path" >/dev/null
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "${script[@]}" \
    "http://127.0.0.1:$port$path" >"$tmp/wrk"
  local rps p50 p99 errors half paced
  rps="$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$tmp/wrk")"
  p50="$(awk '$1 == "50%" { print $2 }' "$tmp/wrk" | to_ms)"
  p99="$(awk '$1 == "99%" { print $2 }' "$tmp/wrk" | to_ms)"
  errors="$(awk '/Non-2xx|Socket errors/ { print }' "$tmp/wrk" | tr '\n' ' ')"
  half=$((rps / 2))
  paced="$("$load_bin" --port "$port" --path "$path" --rate "$half" \
    --connections "$CONNECTIONS" --duration "${SECONDS_PER_RUN}s" "${body[@]}" || true)"
  # "rate R achieved X req/s p50 A ms p99 B ms errors E"
  read -r _ _ _ achieved _ _ hp50 _ _ hp99 _ _ herrors <<<"$paced"
  [[ "${herrors:-}" == 0 ]] && herrors=""
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$rps" "$p50" \
    "$p99" "$achieved" "$hp50" "$hp99" "${errors:-none}${herrors:+, paced errors $herrors}"
}

echo "| handler | peak req/s | p50 ms | p99 ms | half-peak req/s | p50 ms | p99 ms | errors |"
echo "|---|---|---|---|---|---|---|---|"
start_server "$c_guest"
measure "native hello" /native/
measure "native JSON echo 4 KiB" /native/echo post
measure "C component hello, fresh state" /
measure "C component JSON echo 4 KiB, fresh state" /echo post
stop_server
start_server "$c_guest" --new-instance
measure "C component hello, new instance" /
measure "C component JSON echo 4 KiB, new instance" /echo post
stop_server
start_server "$js_guest"
measure "JS component hello, fresh state" /
measure "JS component JSON echo 4 KiB, fresh state" /echo post
stop_server
start_server "$js_guest" --new-instance
measure "JS component hello, new instance" /
measure "JS component JSON echo 4 KiB, new instance" /echo post
stop_server
