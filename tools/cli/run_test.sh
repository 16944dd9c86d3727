#!/usr/bin/env bash
# `wasmhost run` on the C guests and the Rust guest (//guests), checked as
# `wasmtime run` would behave: the guest's stdout and stderr, its exit code,
# files it writes in --dir preopens, --env, --invoke on a reactor, and the
# limits; then the C guests as WASI 0.2 command components and the
# JavaScript command component (guests/components/js/cli.js).
# Usage: run_test.sh WASMHOST GUEST.wasm...
set -uo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"

wasmhost="$1"
shift
declare -A guest
for wasm in "$@"; do
  name="$(basename "$wasm" .wasm)"
  # The same C programs as WASI 0.2 components: component_hello etc.
  [[ "$wasm" == */command_components/* ]] && name="component_$name"
  # The JavaScript components: js_cli etc.
  [[ "$wasm" == */components/js/* ]] && name="js_$name"
  guest[$name]="$wasm"
done

tmp="$(mktemp -d "${TEST_TMPDIR:-/tmp}/run_test.XXXXXX")"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# check NAME WANT_EXIT WANT_STDOUT -- ARGS...: runs `wasmhost ARGS...` and
# compares exit status and stdout exactly (stderr is kept in $err). A
# sanitizer finding fails the test (tools/testing/sanitizer_check.sh).
check() {
  local name="$1" want_exit="$2" want_out="$3"
  shift 4
  local out rc
  out="$(checked "$wasmhost" "$@" 2>"$tmp/stderr")"
  rc=$?
  err="$(cat "$tmp/stderr")"
  if [[ "$rc" != "$want_exit" ]]; then
    fail "$name: exit $rc, want $want_exit (wasmhost $*); stderr: $err"
  fi
  if [[ "$out" != "$want_out" ]]; then
    fail "$name: stdout"
    echo "--- got"; echo "$out"; echo "--- want"; echo "$want_out"
  fi
}

# expect_err NAME TEXT: the last check's stderr contains TEXT.
expect_err() {
  [[ "$err" == *"$2"* ]] || fail "$1: stderr has no '$2': $err"
}

# --- commands, args, env, exit codes
check hello 0 $'hello, alice bob\nGREETING=hi' -- \
  run --env GREETING=hi "${guest[hello]}" alice bob
check hello-equals 0 $'hello, x\nGREETING=a=b' -- \
  run --env=GREETING=a=b "${guest[hello]}" x
check hello-bare 0 $'hello, world\nGREETING is not set' -- \
  run "${guest[hello]}"
GREETING="from host" check hello-inherit 0 $'hello, world\nGREETING=from host' -- \
  run --env GREETING "${guest[hello]}"
check hello-dashdash 0 $'hello, --env\nGREETING is not set' -- \
  run -- "${guest[hello]}" --env
check exit-code 7 "exiting with 7" -- run "${guest[exit_code]}"
check trap 134 "about to abort" -- run "${guest[trap]}"
expect_err trap "unreachable"

# --- files in preopens
mkdir -p "$tmp/box"
seq 1 3000 >"$tmp/box/in.txt"
size=$(stat -c %s "$tmp/box/in.txt")
check copy-abs 0 "copied $size bytes" -- \
  run --dir "$tmp/box::/sandbox" "${guest[copy]}" /sandbox/in.txt /sandbox/out.txt
cmp -s "$tmp/box/in.txt" "$tmp/box/out.txt" || fail "copy-abs: out.txt differs"
check copy-dot 0 "copied $size bytes" -- \
  run --dir "$tmp/box::." "${guest[copy]}" in.txt out2.txt
cmp -s "$tmp/box/in.txt" "$tmp/box/out2.txt" || fail "copy-dot: out2.txt differs"
# --dir HOST alone: the guest sees the same path.
check copy-same-path 0 "copied $size bytes" -- \
  run --dir "$tmp/box" "${guest[copy]}" "$tmp/box/in.txt" "$tmp/box/out3.txt"
cmp -s "$tmp/box/in.txt" "$tmp/box/out3.txt" || fail "copy-same-path: out3.txt differs"
check copy-no-dir 1 "" -- run "${guest[copy]}" /sandbox/in.txt /sandbox/x.txt
expect_err copy-no-dir "copy: /sandbox/in.txt: "
check missing-dir 1 "" -- run --dir "$tmp/nonexistent::/x" "${guest[hello]}"

mkdir -p "$tmp/tree/a/c" "$tmp/tree/m"
printf abc >"$tmp/tree/a/b.txt"
printf hello >"$tmp/tree/a/c/d.txt"
: >"$tmp/tree/z.txt"
check walk 0 $'a/\na/b.txt 3\na/c/\na/c/d.txt 5\nm/\nz.txt 0' -- \
  run --dir "$tmp/tree::/t" "${guest[walk]}" /t

mkdir -p "$tmp/esc/sandbox"
echo "top secret" >"$tmp/esc/secret"
out="$(checked "$wasmhost" run --dir "$tmp/esc/sandbox::/sandbox" "${guest[escape]}" /sandbox)"
rc=$?
[[ $rc == 0 ]] || fail "escape: exit $rc: $out"
[[ "$out" == *"all 6 denied"* ]] || fail "escape: $out"
[[ "$out" != *"OPENED"* && "$out" != *"$tmp"* ]] || fail "escape leaked: $out"
[[ ! -e "$tmp/esc/created" ]] || fail "escape: created a file outside"

# --- the Rust guest (guests/rust_hello.rs): std's args, env, fs, exit code
printf 'first note\nsecond\n' >"$tmp/box/notes.txt"
check rust-hello 0 $'hello from Rust, ferris\nGREETING=hi\n/sandbox/notes.txt: 18 bytes, first line: first note' -- \
  run --env GREETING=hi --dir "$tmp/box::/sandbox" "${guest[rust_hello]}" ferris /sandbox/notes.txt
check rust-escape 2 $'hello from Rust, x\nGREETING is not set\n/sandbox/../secret: error: Capabilities insufficient (os error 76)\n/etc/passwd: error: failed to find a pre-opened file descriptor through which "/etc/passwd" could be opened' -- \
  run --dir "$tmp/esc/sandbox::/sandbox" "${guest[rust_hello]}" x /sandbox/../secret /etc/passwd
check rust-usage 2 "" -- run "${guest[rust_hello]}"
expect_err rust-usage "usage: rust_hello NAME"

# --- reactors: --invoke
check invoke-add 0 "5" -- run --invoke add "${guest[reactor]}" 2 3
check invoke-counter 0 "101" -- run --invoke counter "${guest[reactor]}"
check invoke-env 0 "10" -- run --env COUNTER_START=9 --invoke counter "${guest[reactor]}"
check invoke-greet 0 $'greeting 4\n8' -- run --invoke greet "${guest[reactor]}" 4
check invoke-missing 1 "" -- run --invoke nope "${guest[reactor]}"
check invoke-arity 2 "" -- run --invoke add "${guest[reactor]}" 1
check invoke-badarg 2 "" -- run --invoke add "${guest[reactor]}" 1 x
check reactor-no-start 1 "" -- run "${guest[reactor]}"
expect_err reactor-no-start "_start"

# --- limits
check fuel-enough 0 $'hello, fuel\nGREETING is not set' -- \
  run --fuel 100000000 "${guest[hello]}" fuel
check fuel-out 134 "" -- run --fuel 1000 "${guest[alloc]}"
expect_err fuel-out "fuel"
check timeout 134 "" -- run --timeout 1ms "${guest[alloc]}"
expect_err timeout "timeout"
out="$(checked "$wasmhost" run --max-memory 4194304 "${guest[alloc]}" 2>/dev/null)"
rc=$?
[[ $rc == 1 && "$out" == *"failed"* ]] || fail "max-memory: exit $rc: $out"

# --- the one-line warning of a binary built without optimisation
check build-warning 0 "5" -- run --invoke add "${guest[reactor]}" 2 3
if [[ "${WASMHOST_COMPILATION_MODE:-}" == opt ]]; then
  [[ "$err" != *"built without optimisation"* ]] ||
    fail "build-warning: an optimised binary warns: $err"
else
  expect_err build-warning "warning: built without optimisation; build with \`./x cli\`"
  [[ "$(grep -c . <<<"$err")" == 1 ]] || fail "build-warning: not one line: $err"
fi

# --- usage errors
check unknown-flag 2 "" -- run --bogus "${guest[hello]}"
check no-file 2 "" -- run --env A=B
check bad-fuel 2 "" -- run --fuel lots "${guest[hello]}"
check bad-timeout 2 "" -- run --timeout soon "${guest[hello]}"
check no-such-file 1 "" -- run "$tmp/none.wasm"

# --- components: wasi:cli/run with WASI 0.2, the same flags
check component-hello 0 $'hello, alice bob\nGREETING=hi' -- \
  run --env GREETING=hi "${guest[component_hello]}" alice bob
# wasi:cli/exit carries ok or err only: exit(7) is 1.
check component-exit 1 "exiting with 7" -- run "${guest[component_exit_code]}"
out="$(printf 'shout\n' | checked "$wasmhost" run "${guest[component_upper]}" 2>/dev/null)"
[[ "$out" == "SHOUT" ]] || fail "component-stdin: $out"
mkdir -p "$tmp/cdir"
printf 'component data\n' >"$tmp/cdir/in.txt"
check component-copy 0 "copied 15 bytes" -- \
  run --dir "$tmp/cdir::/data" "${guest[component_copy]}" /data/in.txt /data/out.txt
[[ "$(cat "$tmp/cdir/out.txt" 2>/dev/null)" == "component data" ]] ||
  fail "component-copy: out.txt not written"
check component-no-dir 1 "" -- \
  run "${guest[component_copy]}" /data/in.txt /data/out2.txt
expect_err component-no-dir "copy: /data/in.txt: "
check component-fuel 134 "" -- run --fuel 1000 "${guest[component_hello]}"
expect_err component-fuel "out of fuel"
check component-invoke 2 "" -- run --invoke run "${guest[component_hello]}"
expect_err component-invoke "--invoke is for modules"

# --- the JavaScript command component: args, env, stdin, stdout, stderr,
# a file in a preopen, escapes denied by the host, ok and err
mkdir -p "$tmp/js/sandbox"
echo "top secret" >"$tmp/js/secret"
printf 'first note\nsecond\n' >"$tmp/js/sandbox/notes.txt"
check js-cli 0 $'hello from JavaScript, zoë\nGREETING=hi\nstdin: 12 bytes, 2 lines\n/sandbox/notes.txt: 18 bytes, first line: first note' -- \
  run --env GREETING=hi --dir "$tmp/js/sandbox::/sandbox" "${guest[js_cli]}" zoë /sandbox/notes.txt \
  < <(printf 'line 1\nline\n')
[[ "$err" != *"js_cli:"* ]] || fail "js-cli: stderr: $err"
check js-cli-dot 0 $'hello from JavaScript, x\nGREETING is not set\nstdin: 0 bytes, 0 lines\nnotes.txt: 18 bytes, first line: first note' -- \
  run --dir "$tmp/js/sandbox::." "${guest[js_cli]}" x notes.txt </dev/null
check js-cli-escape 1 $'hello from JavaScript, x\nGREETING is not set\nstdin: 0 bytes, 0 lines\n/sandbox/notes.txt: 18 bytes, first line: first note' -- \
  run --dir "$tmp/js/sandbox::/sandbox" "${guest[js_cli]}" x /sandbox/../secret \
  /sandbox//etc/passwd /etc/passwd /sandbox/none /sandbox/notes.txt </dev/null
expect_err js-cli-escape "js_cli: /sandbox/../secret: not-permitted"
expect_err js-cli-escape "js_cli: /sandbox//etc/passwd: not-permitted"
expect_err js-cli-escape "js_cli: /etc/passwd: no preopen holds it"
expect_err js-cli-escape "js_cli: /sandbox/none: no-entry"
# stdout was compared whole; stderr names no host path and no secret.
[[ "$err" != *"top secret"* && "$err" != *"$tmp"* ]] || fail "js-cli-escape leaked: $err"
check js-cli-usage 1 "" -- run "${guest[js_cli]}" </dev/null
expect_err js-cli-usage "usage: js_cli NAME [FILE...]"
check js-cli-invoke 2 "" -- run --invoke run "${guest[js_cli]}" </dev/null
expect_err js-cli-invoke "--invoke is for modules"

# --- inspect still works on a C guest
out="$(checked "$wasmhost" inspect "${guest[hello]}")" || fail "inspect hello.wasm"
[[ "$out" == *"wasi_snapshot_preview1.fd_write"* ]] || fail "inspect: $out"

rm -rf "$tmp"
if ((failures)); then
  echo "$failures failures"
  exit 1
fi
echo "all wasmhost run checks passed"
