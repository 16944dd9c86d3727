# bindings/python/python_env.sh: sourced by the shell tests that run Python
# on the package. `python_env LIBWASMHOST` exports what `import wasmhost`
# needs from the runfiles: WASMHOST_LIBRARY, PYTHONPATH, and under ./x's
# ASan pass the sanitizer runtimes to preload.

python_env() {
  WASMHOST_LIBRARY="$(realpath "$1")"
  PYTHONPATH="${TEST_SRCDIR}/${TEST_WORKSPACE}/bindings/python"
  export WASMHOST_LIBRARY PYTHONPATH
  export PYTHONDONTWRITEBYTECODE=1
  # The ASan build instruments the library and not Python: the sanitizer
  # runtimes must be loaded first. Python keeps memory until exit on
  # purpose, so leak checking is off for it (the C tests check leaks).
  # (grep without -q: it reads all of ldd's output, so ldd gets no SIGPIPE
  # to fail the pipeline under pipefail.)
  if ldd "$WASMHOST_LIBRARY" | grep libasan >/dev/null; then
    local preload
    preload="$(gcc -print-file-name=libasan.so)"
    if ldd "$WASMHOST_LIBRARY" | grep libubsan >/dev/null; then
      preload+=":$(gcc -print-file-name=libubsan.so)"
    fi
    export LD_PRELOAD="$preload"
    export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
  fi
}
