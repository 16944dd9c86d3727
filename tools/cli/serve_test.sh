#!/usr/bin/env bash
# `wasmhost serve` at a free loopback port, on the C wasi:http guest
# (guests/components/http_handler.c): hello and JSON echo, a trap (500, the
# detail only in the log), a deadline (504), a denied outgoing request, an
# allowed one (refused by the closed port it goes to); a new file reloaded, a broken one refused with the old
# version kept; SIGTERM stops it with status 0. Then on the JavaScript one
# (guests/components/js/http_fetch.js, componentize-js): hello, echo, a
# thrown exception (500), a deadline (504).
# Usage: serve_test.sh WASMHOST COMPONENT.wasm...
set -uo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"

wasmhost="$1"
shift
guest="" js_guest=""
for wasm in "$@"; do
  [[ "$(basename "$wasm")" == http_handler.wasm ]] && guest="$wasm"
  [[ "$(basename "$wasm")" == http_fetch.wasm ]] && js_guest="$wasm"
done
[[ -n "$guest" && -n "$js_guest" ]] || { echo "no http_handler.wasm or http_fetch.wasm among $*"; exit 1; }

tmp="$(mktemp -d "${TEST_TMPDIR:-/tmp}/serve_test.XXXXXX")"
cp "$guest" "$tmp/guest.wasm"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# Usage errors come before anything is served.
"$wasmhost" serve --addr nowhere "$tmp/guest.wasm" 2>"$tmp/usage"
[[ $? == 2 ]] || fail "--addr nowhere: want exit 2"
grep -q "expected IPV4:PORT" "$tmp/usage" || fail "--addr nowhere: $(cat "$tmp/usage")"
"$wasmhost" serve --invoke x "$tmp/guest.wasm" 2>"$tmp/usage"
[[ $? == 2 ]] || fail "--invoke: want exit 2 (a run option)"
"$wasmhost" serve "$tmp/missing.wasm" 2>"$tmp/usage"
[[ $? == 1 ]] || fail "missing file: want exit 1"
grep -q "cannot open" "$tmp/usage" || fail "missing file: $(cat "$tmp/usage")"

# start_server ARGS...: `wasmhost serve ARGS` in the background; sets
# $server, $url. Run directly, not through `checked` (which holds stderr
# until the end): the log is read while it serves; sanitizer reports are
# looked for in stop_server.
start_server() {
  : >"$tmp/out"
  : >"$tmp/err"
  "$wasmhost" serve --addr 127.0.0.1:0 --threads 2 "$@" >"$tmp/out" 2>"$tmp/err" &
  server=$!
  local port=""
  for _ in $(seq 1 600); do
    port="$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$tmp/out")"
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  if [[ -z "$port" ]]; then
    cat "$tmp/err"
    echo "FAIL: the server did not report its port"
    kill "$server"
    exit 1
  fi
  url="http://127.0.0.1:$port"
}

# stop_server: SIGTERM must stop it with status 0.
stop_server() {
  kill -TERM "$server"
  wait "$server"
  local rc=$?
  [[ $rc == 0 ]] || fail "SIGTERM: exit $rc, want 0"
  if ((rc == SANITIZER_EXIT_CODE)) || grep -qE "$SANITIZER_REPORT_RE" "$tmp/err"; then
    fail "sanitizer finding in the server"
  fi
  if ((failures > 0)); then
    echo "--- server stderr"
    cat "$tmp/err"
  fi
}

start_server --timeout 300ms --reload-poll 50ms \
  --allow-outgoing 127.0.0.1:1 "$tmp/guest.wasm"

# expect WHAT WANT_STATUS WANT_BODY CURL_ARGS...: WANT_BODY is a substring
# of the body, or with a leading = the whole body.
expect() {
  local what="$1" want_status="$2" want_body="$3"
  shift 3
  local got status body
  got="$(curl -sS -w '\n%{http_code}' "$@")"
  status="${got##*$'\n'}"
  body="${got%$'\n'*}"
  [[ "$status" == "$want_status" ]] || fail "$what: status $status, want $want_status"
  if [[ "$want_body" == =* ]]; then
    [[ "$body" == "${want_body#=}" ]] || fail "$what: body '$body', want '${want_body#=}'"
  else
    [[ "$body" == *"$want_body"* ]] || fail "$what: body '$body' lacks '$want_body'"
  fi
}

expect hello 200 "hello from C" "$url/"
expect echo 200 '{"length":7,"echo":{"a":1}}' \
  -H 'Content-Type: application/json' --data '{"a":1}' "$url/echo"
expect trap 500 "500 Internal Server Error" "$url/trap"
grep -q "GET /trap: 500.*ABORTED" "$tmp/err" || fail "trap not logged"
expect deadline 504 "" "$url/spin"
grep -q "GET /spin: 504.*DEADLINE_EXCEEDED" "$tmp/err" || fail "deadline not logged"
# error-code HTTP-request-denied is case 15 of wasi:http's error-code.
expect denied 200 "=error-code 15" "$url/outgoing?elsewhere.test:80"
# Allowed and sent, to a loopback port nothing listens on:
# connection-refused (case 6).
expect allowed 200 "=error-code 6" "$url/outgoing?127.0.0.1:1"

# A new file is reloaded; a broken one is refused and the old one kept.
printf '\0asm\x0d\0\1\0' >"$tmp/guest.wasm.new"
mv "$tmp/guest.wasm.new" "$tmp/guest.wasm"
for _ in $(seq 1 100); do
  grep -q "refused, still serving version 1" "$tmp/err" && break
  sleep 0.1
done
grep -q "refused, still serving version 1" "$tmp/err" || fail "broken file not refused"
expect "after refused reload" 200 "hello from C" "$url/"
cp "$guest" "$tmp/guest.wasm.new"
mv "$tmp/guest.wasm.new" "$tmp/guest.wasm"
for _ in $(seq 1 100); do
  grep -q "reloaded .*: version 2" "$tmp/err" && break
  sleep 0.1
done
grep -q "reloaded .*: version 2" "$tmp/err" || fail "new file not reloaded"
expect "after reload" 200 "hello from C" "$url/"

stop_server

start_server --timeout 1s "$js_guest"
expect "js hello" 200 "hello from JavaScript" "$url/"
expect "js echo" 200 '={"length":7,"echo":{"a":1}}' \
  -H 'Content-Type: application/json' --data '{"a":1}' "$url/echo"
expect "js throw" 500 "" "$url/throw"
# The exception's message is the guest's: in the log, not in the response.
curl -sS "$url/throw" | grep -q "secret" && fail "js throw: the guest's message reached the client"
expect "js deadline" 504 "" "$url/spin"
grep -q "GET /spin: 504.*DEADLINE_EXCEEDED" "$tmp/err" || fail "js deadline not logged"
stop_server

echo "$failures failures"
((failures == 0))
