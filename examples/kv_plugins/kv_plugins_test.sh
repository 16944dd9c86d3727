#!/usr/bin/env bash
# Drives kv_server through every outcome of its two plugins, on stdin and
# over TCP, and checks each reply line and that the server keeps serving
# after every failure.
# Usage: kv_plugins_test.sh KV_SERVER GOOD_WASM HOSTILE_WASM
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"

server="$1"
good="$2"
hostile="$3"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
failures=0

# expect LINE_NUMBER PATTERN: reply LINE_NUMBER (1-based) of $replies
# matches the extended regex PATTERN (anchored).
expect() {
  local got
  got="$(sed -n "${1}p" <<<"$replies")"
  if [[ ! "$got" =~ ^$2$ ]]; then
    echo "FAIL: reply $1 is \"$got\", want /^$2\$/"
    failures=$((failures + 1))
  fi
}

big_value="$(head -c 1048577 /dev/zero | tr '\0' x)"
commands=(
  "good set color blue"                      # 1
  "good get color"                           # 2
  "good append color !"                      # 3
  "good get nothing"                         # 4
  "good count"                               # 5
  "good count"                               # 6
  "good frobnicate"                          # 7
  "evil oob"                                 # 8
  "good get color"                           # 9
  "evil loop"                                # 10
  "good get color"                           # 11
  "evil recurse"                             # 12
  "evil hog"                                 # 13
  "evil hog-unchecked"                       # 14
  "evil set mine"                            # 15
  "good get mine"                            # 16
  "good set big $big_value"                  # 17
  "keys"                                     # 18
  "load sneaky $hostile"                     # 19
  "sneaky set x"                             # 20
  "nosuch get color"                         # 21
  "stats evil"                               # 22
  "evil wipe"                                # 23
  "keys"                                     # 24
  "good get color"                           # 25
  "quit"                                     # 26
  "keys"                                     # (not read: the server quit)
)
replies="$(printf '%s\n' "${commands[@]}" |
  checked "$server" --timeout_ms=2000 "good=$good" "evil=$hostile,admin" \
    "sneaky_at_start=$hostile" 2>"$tmp/stderr")"

expect 1 "OK stored"
expect 2 "OK blue"
expect 3 "OK blue!"
expect 4 "ERR good: no such key"
# Every request gets a fresh instance state.
expect 5 "OK 1"
expect 6 "OK 1"
expect 7 "ERR good: usage: .*"
expect 8 "ERR evil: trapped \(memory out of bounds\), instance replaced: .*"
expect 9 "OK blue!"
expect 10 "ERR evil: stopped at its deadline, instance replaced: guest stopped at its deadline after .*"
expect 11 "OK blue!"
expect 12 "ERR evil: trapped \(stack overflow\), instance replaced: .*Maximum call stack size exceeded"
# malloc(2 GiB) fails under the 64 MiB limit; the unchecked memset through
# the null pointer runs off the end of the memory.
# 2 GiB asked for, at most the 64 MiB limit given (malloc fails past it).
expect 13 "OK took ([0-9]|[1-5][0-9]|6[0-3]) MiB of 2048"
# malloc(2 GiB) returns NULL; the unchecked memset through it runs off
# the end of the memory.
expect 14 "ERR evil: trapped \(memory out of bounds\), instance replaced: .*"
expect 15 "OK stored"
expect 16 "OK hostile"
# The host's own error (a value over 1 MiB) traps the plugin with it.
expect 17 "ERR good: INVALID_ARGUMENT: value of 1048577 bytes is over the 1048576-byte limit"
expect 18 "OK 2"
expect 19 "ERR sneaky not loaded: NOT_FOUND: import function wipe of interface kv:plugins/admin func\(\) -> u32 is not granted by the linker"
expect 20 "ERR no plugin sneaky"
expect 21 "ERR no plugin nosuch"
expect 22 "OK leases=6 .* traps=4 .* failed_instantiations=0 .*acquire_latency p50<.*"
expect 23 "OK wiped"
expect 24 "OK 0"
expect 25 "ERR good: no such key"
expect 26 "OK bye"
count="$(wc -l <<<"$replies")"
if ((count != 26)); then
  echo "FAIL: $count replies, want 26 (nothing after quit)"
  failures=$((failures + 1))
fi
if ! grep -q "plugin sneaky_at_start not loaded: NOT_FOUND: .*kv:plugins/admin" "$tmp/stderr"; then
  echo "FAIL: no load error for sneaky_at_start on stderr:"
  cat "$tmp/stderr"
  failures=$((failures + 1))
fi

# Over TCP: two connections one after the other share the store.
port=$((20000 + RANDOM % 20000))
"$server" --port="$port" "good=$good" 2>"$tmp/tcp_stderr" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q "listening on" "$tmp/tcp_stderr" && break
  sleep 0.1
done
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'good set host tcp\ngood get host\nquit\n' >&3
replies="$(cat <&3)"
exec 3<&-
expect 1 "OK stored"
expect 2 "OK tcp"
expect 3 "OK bye"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'good get host\nquit\n' >&3
replies="$(cat <&3)"
exec 3<&-
expect 1 "OK tcp"

# Two connections open at once, each on its own thread: B is answered
# while A stays open, and A sees B's write. A load of a loaded name
# switches the plugin (a pool reload) for every connection.
exec 3<>"/dev/tcp/127.0.0.1/$port"
exec 4<>"/dev/tcp/127.0.0.1/$port"
# ask FD LINE: sends LINE on FD and reads one reply line (5 s at most).
ask() {
  local reply=""
  printf '%s\n' "$2" >&"$1"
  read -r -t 5 -u "$1" reply || reply="(no reply in 5 s)"
  printf '%s\n' "$reply"
}
replies="$(
  ask 3 "good get host"
  ask 4 "good set host second"
  ask 3 "good get host"
  ask 3 "load p $good"
  ask 4 "p oob"
  ask 3 "load p $hostile admin"
  ask 4 "p oob"
  ask 4 "p set x"
  ask 3 "stats p"
)"
exec 3<&- 4<&-
expect 1 "OK tcp"
expect 2 "OK stored"
expect 3 "OK second"
expect 4 "OK loaded p"
expect 5 "ERR p: usage: .*"
expect 6 "OK loaded p"
expect 7 "ERR p: trapped \(memory out of bounds\), instance replaced: .*"
expect 8 "OK stored"
expect 9 "OK leases=3 .*"
kill "$server_pid"

if ((failures > 0)); then
  echo "$failures failed"
  exit 1
fi
echo "all replies as expected"
