#!/usr/bin/env bash
# Runs one of the README's examples (C++, C or Python: they print the same)
# on a guest and on bytes that are not Wasm, and checks what it prints.
#   $1...  the command running the example   last  guest.wasm
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"
example=("${@:1:$#-1}")
guest="${!#}"

out=$(checked "${example[@]}" "$guest")
echo "$out"
grep -qx 'guest says: hello from the guest' <<<"$out"
grep -qx '2 + 3 = 5' <<<"$out"

# An error is reported, not crashed on: the status, exit code 1.
notwasm="$TEST_TMPDIR/not.wasm"
echo 'not wasm' >"$notwasm"
rc=0
err=$(checked "${example[@]}" "$notwasm" 2>&1) || rc=$?
echo "$err"
[[ $rc -eq 1 ]]
grep -q 'INVALID_ARGUMENT' <<<"$err"
echo PASS
