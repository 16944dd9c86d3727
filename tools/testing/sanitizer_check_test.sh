#!/usr/bin/env bash
# Checks tools/testing/sanitizer_check.sh: a test that sources it and runs a
# program through `checked` fails when the program has a sanitizer finding,
# even when the test accepts the program's exit code.
# Usage: sanitizer_check_test.sh SANITIZER_CANARY
set -uo pipefail

canary="$(realpath "$1")"
lib="${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"
tmp="$(mktemp -d "${TEST_TMPDIR:-/tmp}/sanitizer_check_test.XXXXXX")"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# shell_test MODE: a miniature shell test that expects the canary's exit
# code 1 and accepts it, as run_test.sh does for guest failures. Prints its
# output; returns its exit code.
shell_test() {
  bash -c '
    source "$1"
    rc=0
    checked "$2" "$3" || rc=$?
    [[ $rc == 1 || $rc == '"$SANITIZER_EXIT"' ]] || exit 3
    echo "canary exited $rc"
  ' shell_test "$lib" "$canary" "$1" >"$tmp/out" 2>&1
}

# expect_caught MODE: the mini test fails, naming the finding.
expect_caught() {
  local rc=0
  shell_test "$1" || rc=$?
  [[ $rc == 1 ]] || fail "$1: mini test exited $rc, want 1: $(cat "$tmp/out")"
  grep -q "SANITIZER FINDING" "$tmp/out" ||
    fail "$1: no finding reported: $(cat "$tmp/out")"
}

readonly SANITIZER_EXIT=86
export SANITIZER_EXIT

# Without a finding the mini test passes.
rc=0
shell_test clean || rc=$?
[[ $rc == 0 ]] || fail "clean: mini test exited $rc: $(cat "$tmp/out")"
grep -qx "canary exited 1" "$tmp/out" || fail "clean: $(cat "$tmp/out")"

# A report in stderr is a finding even when stderr is discarded.
expect_caught fake
rc=0
bash -c 'source "$1"; checked "$2" fake 2>/dev/null; exit 0' x "$lib" "$canary" \
  >"$tmp/out" 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "fake, stderr discarded: exited $rc: $(cat "$tmp/out")"

# Exit code 86 alone is a finding (a report may go to a log file).
rc=0
bash -c 'source "$1"; checked bash -c "exit 86"; exit 0' x "$lib" \
  >"$tmp/out" 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "exit 86: exited $rc: $(cat "$tmp/out")"

build="$("$canary" build)"
if [[ "$build" == asan ]]; then
  expect_caught overflow
  expect_caught leak
  expect_caught ub
  # ./x's ASan pass sets exitcode=86 for every sanitizer: the real findings
  # exit with it.
  if [[ "${ASAN_OPTIONS:-}" == *exitcode=86* ]]; then
    for mode in overflow leak ub; do
      rc=0
      "$canary" "$mode" 2>/dev/null || rc=$?
      [[ $rc == 86 ]] || fail "$mode: canary exited $rc, want 86"
    done
  fi
else
  echo "plain build: the real overflow, leak and UB run under --config=asan"
fi

rm -rf "$tmp"
if ((failures)); then
  echo "$failures failure(s)"
  exit 1
fi
echo "all passed ($build build)"
