#!/usr/bin/env bash
# Runs the pytest suite of bindings/python against libwasmhost.so.
#   $1  libwasmhost.so   $2...  the guests (capi.wasm, wasi.wasm, ...), in one
#                              directory
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/bindings/python/python_env.sh"
python_env "$1"
export WASMHOST_TEST_GUESTS="$PWD/$(dirname "$2")"

# Debian's interpreter, where python3-pytest is installed. pytest's
# faulthandler would take SIGSEGV, which V8's Wasm trap handler needs.
# -p no:cacheprovider: the runfiles tree is read-only. A __del__ that raises
# fails the suite.
# Once through the compiled call path (wasmhost._fast), once through ctypes.
for pure in "" 1; do
  echo "WASMHOST_PURE_PYTHON=$pure"
  WASMHOST_PURE_PYTHON="$pure" checked /usr/bin/python3 -m pytest -q \
    -p no:faulthandler -p no:cacheprovider \
    -W error::pytest.PytestUnraisableExceptionWarning \
    "${TEST_SRCDIR}/${TEST_WORKSPACE}/bindings/python/tests/test_wasmhost.py"
done
