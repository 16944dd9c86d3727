#!/usr/bin/env bash
# Runs `wasmhost inspect` on every fixture given, then checks one fixture's
# report line by line. Usage: inspect_test.sh WASMHOST FIXTURE.wasm...
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"

wasmhost="$1"
shift
failures=0
inspect_fixture=""
for wasm in "$@"; do
  if ! output=$(checked "$wasmhost" inspect "$wasm" 2>&1); then
    echo "FAIL: wasmhost inspect $wasm"
    echo "$output"
    failures=$((failures + 1))
    continue
  fi
  for heading in "imports (" "exports (" "memory: " "custom sections ("; do
    if [[ "$output" != *"$heading"* ]]; then
      echo "FAIL: $wasm: no '$heading' in:"
      echo "$output"
      failures=$((failures + 1))
    fi
  done
  [[ "$wasm" == */inspect.wasm ]] && inspect_fixture="$wasm"
done
echo "inspected $# fixtures"

[[ -n "$inspect_fixture" ]] || { echo "FAIL: inspect.wasm not given"; exit 1; }
output=$(checked "$wasmhost" inspect "$inspect_fixture")
for expected in \
  "module \$inspect" \
  "imports (3):" \
  "  env.log: func (i32, i64) -> f32" \
  "  env.tick: func () -> ()" \
  "  env.g: global" \
  "exports (5):" \
  "  mem: memory min 2 pages (128 KiB), max 10 pages (640 KiB)" \
  "  tbl: table" \
  "  glob: global" \
  "  split: func (f64) -> (i32, i64)" \
  "  nothing: func () -> ()" \
  "memory: min 2 pages (128 KiB), max 10 pages (640 KiB)" \
  "custom sections (1):" \
  '  "name": '; do
  if [[ "$output" != *"$expected"* ]]; then
    echo "FAIL: inspect.wasm report lacks: $expected"
    failures=$((failures + 1))
  fi
done

# Bytes that are not Wasm: a clear error and exit code 1.
not_wasm="${TEST_TMPDIR:-/tmp}/not_wasm.bin"
printf 'hello' > "$not_wasm"
rc=0
output=$(checked "$wasmhost" inspect "$not_wasm" 2>&1) || rc=$?
if [[ $rc != 1 ]]; then
  echo "FAIL: inspect of non-Wasm bytes exited $rc, want 1"
  failures=$((failures + 1))
elif [[ "$output" != *"INVALID_ARGUMENT"*"bad magic"* ]]; then
  echo "FAIL: unexpected error for non-Wasm bytes: $output"
  failures=$((failures + 1))
fi

((failures == 0)) && echo PASS
exit $((failures > 0))
