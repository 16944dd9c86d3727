#!/usr/bin/env bash
# Every test source given that starts threads (std::thread, std::async,
# std::jthread, pthread_create) is listed in SUITES (tests/BUILD.bazel's
# _CONCURRENT, the suites tagged "tsan") or in EXEMPT (_NOT_UNDER_TSAN,
# each with its reason there), and every listed suite exists.
# Usage: tsan_tags_test.sh SUITES EXEMPT TEST.cc...
set -uo pipefail

suites="$1"
exempt="$2"
shift 2
failures=0
sources=()
for src in "$@"; do
  name="$(basename "$src" .cc)"
  sources+=("$name")
  if grep -qE 'std::(thread|async|jthread)|pthread_create' "$src"; then
    if grep -qx "$name" "$suites"; then
      echo "ok: $name starts threads and is tagged tsan"
    elif grep -qx "$name" "$exempt"; then
      echo "ok: $name starts threads and is exempt (_NOT_UNDER_TSAN)"
    else
      echo "FAIL: $name starts threads: add it to _CONCURRENT in tests/BUILD.bazel"
      failures=$((failures + 1))
    fi
  fi
done
while read -r name; do
  [[ -z "$name" || " ${sources[*]} " == *" $name "* ]] ||
    { echo "FAIL: _CONCURRENT or _NOT_UNDER_TSAN names $name, which has no source"; failures=$((failures + 1)); }
done < <(cat "$suites" "$exempt")
[[ -s "$suites" ]] || { echo "FAIL: no suites tagged tsan"; failures=$((failures + 1)); }
((failures == 0)) && echo PASS
exit $((failures > 0))
