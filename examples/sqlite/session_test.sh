#!/usr/bin/env bash
# Runs the README's SQLite session (between the sqlite-session markers)
# through the sqlite3 shell with the extension, and checks that it prints
# the output the README shows.
#   $1  wasm_udf.so   $2  udf.wasm   $3  README.md
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"

readme="$3"
work="$(mktemp -d "${TEST_TMPDIR:-/tmp}/session.XXXXXX")"
cp "$1" "$work/wasm_udf.so"
cp "$2" "$work/udf.wasm"
# The block after the start marker's ```sql line, and the ```text one.
block() {
  awk -v lang="$1" '
    /<!-- sqlite-session:start -->/ { inside = 1; next }
    /<!-- sqlite-session:end -->/ { inside = 0 }
    inside && $0 == "```" lang { copy = 1; next }
    copy && /^```/ { copy = 0; next }
    copy { print }
  ' "$readme"
}
block sql >"$work/session.sql"
block text >"$work/expected"
[[ -s "$work/session.sql" && -s "$work/expected" ]] || {
  echo "no session between the sqlite-session markers of README.md" >&2
  exit 1
}
# Under ./x test's sanitizer pass the extension is instrumented and the
# system's sqlite3 is not: the sanitizer runtimes the extension needs must
# be loaded first.
preload="$(ldd "$work/wasm_udf.so" |
  awk '/lib(asan|ubsan|tsan)\.so/ { printf "%s ", $3 }')"
if [[ -n "$preload" ]]; then export LD_PRELOAD="$preload"; fi
cd "$work"
# Errors go to stderr, interleaved with the rows as a terminal shows them.
checked bash -c 'sqlite3 <session.sql 2>&1' >actual || true
if ! diff -u expected actual; then
  echo "the session's output differs from README.md's (above)" >&2
  exit 1
fi
