#!/usr/bin/env bash
# Runs `wasmhost inspect` on each component given and checks that the
# printed world declares every function, type and member its .wit source
# (guests/components/<stem>.wit) declares. Lines naming interfaces (package,
# world, interface, use, interface imports and exports) are skipped: the
# printer names interfaces by their full names and groups them by package.
# Usage: inspect_component_test.sh WASMHOST COMPONENT.wasm...
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"

wasmhost="$1"
shift
failures=0
checked_lines=0
for wasm in "$@"; do
  stem=$(basename "$wasm" .wasm)
  wit="${TEST_SRCDIR}/${TEST_WORKSPACE}/guests/components/$stem.wit"
  if ! output=$(checked "$wasmhost" inspect "$wasm" 2>&1); then
    echo "FAIL: wasmhost inspect $wasm"
    echo "$output"
    failures=$((failures + 1))
    continue
  fi
  if [[ "$output" != *"component ("*"world root {"* ]]; then
    echo "FAIL: $wasm: no component summary and world in:"
    echo "$output"
    failures=$((failures + 1))
  fi
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in
      "" | "}" | //* | "package "* | "world "* | "interface "* | "use "*) continue ;;
      "import "* | "export "*) [[ "$line" == *": func("* ]] || continue ;;
    esac
    checked_lines=$((checked_lines + 1))
    if ! grep -qxF -- "$line" <<<"$(sed 's/^[[:space:]]*//' <<<"$output")"; then
      echo "FAIL: $stem: the printed world lacks: $line"
      failures=$((failures + 1))
    fi
  done <"$wit"
done
echo "inspected $# components, $checked_lines declarations"
((checked_lines > 40)) || { echo "FAIL: too few declarations checked"; exit 1; }

# A truncated component: a clear error and exit code 1.
cut="${TEST_TMPDIR:-/tmp}/cut.wasm"
head -c 20 "$1" >"$cut"
rc=0
output=$(checked "$wasmhost" inspect "$cut" 2>&1) || rc=$?
if [[ $rc != 1 || "$output" != *"INVALID_ARGUMENT: at offset"* ]]; then
  echo "FAIL: inspect of a truncated component exited $rc: $output"
  failures=$((failures + 1))
fi

((failures == 0)) && echo PASS
exit $((failures > 0))
