#!/usr/bin/env bash
# Builds capi_test.c with the system's C compiler against libwasmhost.a
# and the flags beside it, and runs it.
#   $1 $2  libwasmhost.a, libwasmhost.a.flags   $3  capi_test.c
#   $4...  the guests capi_test takes
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"
archive="$1"
flags="$2"
source_file="$3"
shift 3
include="$(dirname "$source_file")/../include"

# Under ./x's ASan pass the archive is instrumented: link the runtimes.
sanitize=()
# (grep reads all of nm's output: with -q, nm's SIGPIPE would fail the
# pipeline under pipefail.)
if nm "$archive" 2>/dev/null | grep ' U __asan_report' >/dev/null; then
  sanitize=(-fsanitize=address,undefined)
fi
binary="$TEST_TMPDIR/capi_test_static"
# shellcheck disable=SC2046 # the flags file holds separate words
gcc -std=c99 -I"$include" "${sanitize[@]}" "$source_file" "$archive" \
  $(cat "$flags") -o "$binary"
# Nothing of wasmhost is loaded at run time: it is all in the binary.
if ldd "$binary" | grep wasmhost; then
  echo "FAIL: the binary loads a wasmhost library"
  exit 1
fi
checked "$binary" "$@"
