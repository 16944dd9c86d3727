#!/usr/bin/env bash
# Runs the C example on its guest and checks what it prints.
#   $1  the example binary   $2  plugin.wasm
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"
example="$1"
guest="$2"

# It links libwasmhost.so, not the static library. (grep without -q, so
# ldd gets no SIGPIPE to fail the pipeline.)
ldd "$example" | grep 'libwasmhost.so' >/dev/null

out=$(checked "$example" "$guest")
echo "$out"
expect() { grep -qxF -- "$1" <<<"$out" || { echo "FAIL: missing line: $1"; exit 1; }; }
expect 'the plugin says: plugin running'
expect 'square(7) = 49'
expect 'spin: DEADLINE_EXCEEDED (limit, limit deadline)'
expect 'crash: ABORTED (trap)'
expect '  trap: unreachable'
grep -qE '^  #0 plugin!check at 0x[0-9a-f]+$' <<<"$out"
# The export has no name of its own in the name section: only its index
# (V8 would make up "$crash" from the export name).
grep -qE '^  #1 plugin!<func 4> at 0x[0-9a-f]+$' <<<"$out"
expect 'request 1: visits = 1'
expect 'request 3: visits = 1'
expect 'pool: 3 leases, 3 warm'

# Bytes that are not Wasm: the error, exit code 1.
notwasm="$TEST_TMPDIR/not.wasm"
echo 'not wasm' >"$notwasm"
rc=0
err=$(checked "$example" "$notwasm" 2>&1) || rc=$?
echo "$err"
[[ $rc -eq 1 ]]
grep -q '^compile: INVALID_ARGUMENT' <<<"$err"
echo PASS
