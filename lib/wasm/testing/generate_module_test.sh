#!/bin/bash
# generate_module writes modules wabt's wasm-validate accepts (an engine
# other than V8), the same bytes for the same seed, and refuses bad usage.
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"

gen="$1"
dir="${TEST_TMPDIR}"

for seed in 1 2 3; do
  checked "$gen" --kind=small --seed="$seed" --code_bytes=200000 \
    --custom_bytes=1000 --out="$dir/m$seed.wasm"
  wasm-validate "$dir/m$seed.wasm"
done
checked "$gen" --kind=small --seed=1 --code_bytes=200000 --custom_bytes=1000 \
  --out="$dir/again.wasm"
cmp "$dir/m1.wasm" "$dir/again.wasm"
if cmp -s "$dir/m1.wasm" "$dir/m2.wasm"; then
  echo "seeds 1 and 2 gave the same module" >&2
  exit 1
fi

rc=0
checked "$gen" --kind=huge --out="$dir/x.wasm" 2>"$dir/err" || rc=$?
[[ $rc == 2 ]] || { echo "expected exit 2 for --kind=huge, got $rc" >&2; exit 1; }
grep -q -- "--kind must be data, code or small" "$dir/err"
rc=0
checked "$gen" --kind=code 2>"$dir/err" || rc=$?
[[ $rc == 2 ]] || { echo "expected exit 2 without --out, got $rc" >&2; exit 1; }
grep -q -- "--out is required" "$dir/err"
rc=0
checked "$gen" --kind=small --out="$dir/no/such/dir/x.wasm" 2>"$dir/err" || rc=$?
[[ $rc == 1 ]] || { echo "expected exit 1 for an unwritable path, got $rc" >&2; exit 1; }
echo PASS
