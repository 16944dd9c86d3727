#!/usr/bin/env bash
# spec_runner on hand-written .wast files (testdata/): the counts it prints,
# its failure lines, and its exit status with and without a baseline.
# Usage: spec_runner_test.sh SPEC_RUNNER TINY.wast COMMANDS.wast
set -uo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"

runner="$1"
tiny="$2"
commands="$3"

tmp="$(mktemp -d "${TEST_TMPDIR:-/tmp}/spec_runner_test.XXXXXX")"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# run NAME WANT_EXIT ARGS...: runs the runner, keeps stdout in $out.
run() {
  local name="$1" want_exit="$2" rc
  shift 2
  out="$(checked "$runner" "$@" 2>"$tmp/stderr")"
  rc=$?
  if [[ "$rc" != "$want_exit" ]]; then
    fail "$name: exit $rc, want $want_exit (spec_runner $*)"
    echo "$out"
    cat "$tmp/stderr"
  fi
}

# expect NAME LINE: the last run printed LINE exactly.
expect() {
  grep -qxF -- "$2" <<<"$out" || fail "$1: no line '$2' in:"$'\n'"$out"
}

# expect_last NAME LINE: the last run's last line is LINE (CI parses it).
expect_last() {
  local last
  last="$(tail -n 1 <<<"$out")"
  [[ "$last" == "$2" ]] || fail "$1: last line '$last', want '$2'"
}

# --- one passing and one failing assert_return, one assert_trap
run tiny 1 "$tiny"
expect tiny "tiny.wast:8: expected (i32:4), got (i32:3)"
expect tiny "tiny.wast: 3 passed, 1 failed, 0 unsupported, 0 skipped"
expect_last tiny "3 passed, 1 failed"
run tiny-fuel 1 --mode=fuel "$tiny"
expect_last tiny-fuel "3 passed, 1 failed"
run tiny-memlimit 1 --mode=memlimit "$tiny"
expect_last tiny-memlimit "3 passed, 1 failed"

# --- every command kind: state replayed after a trap, exhaustion, invalid,
# malformed (binary; text skipped), unlinkable, uninstantiable, spectest,
# and what the API cannot express yet
run commands 0 "$commands"
expect commands "commands.wast: 25 passed, 0 failed, 0 unsupported, 1 skipped"
expect_last commands "25 passed, 0 failed"

# --- baselines: equal passes, worse fails, better passes with a hint
printf 'default tiny.wast 3 1 0\n' >"$tmp/equal.txt"
run baseline-equal 0 --baseline="$tmp/equal.txt" "$tiny"
expect_last baseline-equal "3 passed, 1 failed"

printf 'default tiny.wast 4 0 0\n' >"$tmp/better.txt"
run baseline-regression 1 --baseline="$tmp/better.txt" "$tiny"
expect baseline-regression "baseline: REGRESSION tiny.wast: passed 4 -> 3, failed 0 -> 1"

printf 'default tiny.wast 2 2 0\nfuel tiny.wast 0 0 0\n' >"$tmp/worse.txt"
run baseline-improved 0 --baseline="$tmp/worse.txt" "$tiny"
expect baseline-improved "baseline: improved tiny.wast: passed 2 -> 3, failed 2 -> 1"
grep -qF -- "--write_baseline=$tmp/worse.txt" <<<"$out" ||
  fail "baseline-improved: no hint to regenerate in: $out"

# A file without a baseline line is held to 0 failed.
printf 'default other.wast 1 0 0\n' >"$tmp/other.txt"
run baseline-missing 1 --baseline="$tmp/other.txt" "$tiny"
expect baseline-missing "baseline: REGRESSION tiny.wast: failed 0 -> 1"

printf 'default tiny.wast one 1 0\n' >"$tmp/bad.txt"
run baseline-malformed 2 --baseline="$tmp/bad.txt" "$tiny"

# --write_baseline replaces this mode's lines and keeps the others.
cp "$tmp/worse.txt" "$tmp/written.txt"
run write-baseline 0 --write_baseline="$tmp/written.txt" "$tiny"
grep -qxF "default tiny.wast 3 1 0" "$tmp/written.txt" ||
  fail "write-baseline: no default line in: $(cat "$tmp/written.txt")"
grep -qxF "fuel tiny.wast 0 0 0" "$tmp/written.txt" ||
  fail "write-baseline: fuel line lost: $(cat "$tmp/written.txt")"
grep -q "^default tiny.wast 2 2 0" "$tmp/written.txt" &&
  fail "write-baseline: old default line kept"

# --- usage and tool errors
run no-args 2
run bad-mode 2 --mode=turbo "$tiny"
run missing-file 2 "$tmp/nope.wast"
printf '(module (func' >"$tmp/broken.wast"
run wast2json-fails 2 "$tmp/broken.wast"
grep -q "^broken.wast: error: wast2json failed" <<<"$out" ||
  fail "wast2json-fails: no error line in: $out"

# The temporary directories are gone.
leftover="$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'spec_runner.*' -newer "$tmp" 2>/dev/null)"
[[ -z "$leftover" ]] || fail "temporary directories left: $leftover"

rm -rf "$tmp"
if ((failures)); then
  echo "$failures failure(s)"
  exit 1
fi
echo "all passed"
