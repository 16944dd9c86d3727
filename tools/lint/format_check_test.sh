#!/usr/bin/env bash
# Checks tools/lint/format_check.sh in a scratch git repository: it fails,
# naming the file, when a tracked file is not clang-formatted, ignores
# untracked files, and passes once --fix has formatted them. (It runs
# clang-format, no program of ours, so it needs no sanitizer_check.)
# Usage: format_check_test.sh FORMAT_CHECK
set -uo pipefail

check="$(realpath "$1")"
repo="$(mktemp -d "${TEST_TMPDIR:-/tmp}/format_check_test.XXXXXX")"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

cd "$repo" || exit 1
git init -q .
printf 'BasedOnStyle: Google\n' >.clang-format
printf 'int f() { return 1; }\n' >good.cc
printf 'int  g( ) {return 2;}\n' >bad.h
git add .clang-format good.cc bad.h
printf 'int  untracked( ) {return 3;}\n' >untracked.cc

rc=0
out="$("$check" 2>&1)" || rc=$?
[[ $rc == 1 ]] || fail "unformatted bad.h: exit $rc, want 1: $out"
grep -q "^  bad.h$" <<<"$out" || fail "bad.h not listed: $out"
grep -q "good.cc\|untracked.cc" <<<"$out" && fail "listed a clean or untracked file: $out"
grep -q "1 of 2 files" <<<"$out" || fail "wrong count: $out"

"$check" --fix >/dev/null 2>&1 || fail "--fix failed"
[[ "$(cat bad.h)" == "int g() { return 2; }" ]] || fail "--fix left: $(cat bad.h)"
rc=0
out="$("$check" 2>&1)" || rc=$?
[[ $rc == 0 ]] || fail "formatted tree: exit $rc, want 0: $out"
[[ "$(cat untracked.cc)" == "int  untracked( ) {return 3;}" ]] ||
  fail "--fix touched an untracked file"

# A configuration clang-format cannot read is an error, not a pass.
printf 'BasedOnStyle: NoSuchStyle\n' >.clang-format
rc=0
out="$("$check" 2>&1)" || rc=$?
[[ $rc == 1 ]] || fail "bad .clang-format: exit $rc, want 1: $out"

((failures == 0)) && echo "PASS"
exit $((failures > 0))
