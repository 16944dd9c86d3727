#!/usr/bin/env bash
# Runs the pytest suite of bindings/python against libwasmhost.so.
#   $1  libwasmhost.so   $2...  the guests (capi.wasm, wasi.wasm, ...), in one
#                              directory
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"
here="${TEST_SRCDIR}/${TEST_WORKSPACE}/bindings/python"

export WASMHOST_LIBRARY="$PWD/$1"
export WASMHOST_TEST_GUESTS="$PWD/$(dirname "$2")"
export PYTHONPATH="$here"
export PYTHONDONTWRITEBYTECODE=1

# Under ./x's ASan pass the library is instrumented and Python is not: the
# sanitizer runtimes must be loaded first. Python itself keeps memory until
# exit on purpose, so leak checking is off for it (the C tests check leaks).
if ldd "$WASMHOST_LIBRARY" | grep -q libasan; then
  preload="$(gcc -print-file-name=libasan.so)"
  if ldd "$WASMHOST_LIBRARY" | grep -q libubsan; then
    preload+=":$(gcc -print-file-name=libubsan.so)"
  fi
  export LD_PRELOAD="$preload"
  export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
fi

# Debian's interpreter, where python3-pytest is installed. pytest's
# faulthandler would take SIGSEGV, which V8's Wasm trap handler needs.
# -p no:cacheprovider: the runfiles tree is read-only. A __del__ that raises
# fails the suite.
checked /usr/bin/python3 -m pytest -q -p no:faulthandler -p no:cacheprovider \
  -W error::pytest.PytestUnraisableExceptionWarning \
  "$here/tests/test_wasmhost.py"
