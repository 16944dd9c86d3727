#!/usr/bin/env bash
# The example on a free loopback port with the C wasi:http guest: the
# native routes and the component's side by side, a 404 without a
# component, the pool's counters printed at SIGTERM.
# Usage: http_server_test.sh HTTP_SERVER COMPONENT.wasm...
set -uo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"

server_bin="$1"
shift
guest=""
for wasm in "$@"; do
  [[ "$(basename "$wasm")" == http_handler.wasm ]] && guest="$wasm"
done
tmp="$(mktemp -d "${TEST_TMPDIR:-/tmp}/http_server_test.XXXXXX")"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

"$server_bin" --threads 0 2>"$tmp/usage"
[[ $? == 2 ]] || fail "--threads 0: want exit 2"
grep -q "positive number" "$tmp/usage" || fail "--threads 0: $(cat "$tmp/usage")"

# serve ARGS...: starts the example; sets $server and $url.
serve() {
  "$server_bin" --addr 127.0.0.1:0 --threads 2 "$@" >"$tmp/out" 2>"$tmp/err" &
  server=$!
  local port=""
  for _ in $(seq 1 300); do
    port="$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\) (2 threads)$|\1|p' "$tmp/out")"
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  [[ -n "$port" ]] || { cat "$tmp/err"; echo "FAIL: no port"; kill "$server"; exit 1; }
  url="http://127.0.0.1:$port"
}
stop() {
  kill -TERM "$server"
  wait "$server" || fail "exit status $? after SIGTERM"
  if grep -qE "$SANITIZER_REPORT_RE" "$tmp/err"; then fail "sanitizer finding"; fi
}
# body PATH [CURL_ARGS...]: the response body, with the status appended.
body() {
  local path="$1"
  shift
  curl -sS -w ' %{http_code}' "$@" "$url$path"
}

serve --component "$guest"
[[ "$(body /native/)" == $'hello from C\n 200' ]] || fail "native hello"
[[ "$(body /native/echo --data '[1]')" == '{"length":3,"echo":[1]} 200' ]] || fail "native echo"
[[ "$(body /)" == $'hello from C\n 200' ]] || fail "component hello"
[[ "$(body /echo --data '[1]')" == '{"length":3,"echo":[1]} 200' ]] || fail "component echo"
stop
grep -q "pool version 1: 2 leases" "$tmp/err" || fail "pool counters: $(cat "$tmp/err")"

serve
[[ "$(body /)" == *" 404" ]] || fail "no component: want 404"
[[ "$(body /native/)" == $'hello from C\n 200' ]] || fail "native hello without a component"
stop

echo "$failures failures"
((failures == 0))
