# tools/testing/sanitizer_check.sh: sourced by every sh_test. A sanitizer
# finding in a program the test runs fails the test, whatever exit code the
# test expected from that program: sanitizers exit with 1 by default, the
# same code the programs use for ordinary errors, so an exit-code check alone
# takes a heap overflow for "rc=1".
#
#   checked CMD...  runs CMD (stdout passes through; stderr is kept and then
#                   forwarded, so `2>/dev/null` still hides it) and returns
#                   its exit code. Exit code 86 (./x sets exitcode=86 in
#                   ASAN/LSAN/UBSAN/TSAN_OPTIONS) or a sanitizer report in
#                   its stderr is recorded as a finding.
#
# Findings are recorded in a file, not a variable, because `$(checked ...)`
# runs in a subshell. At exit the test fails (exit 1) if there is any, after
# printing them; the test's own exit code stands otherwise.
#
# Source it with:
#   source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"

readonly SANITIZER_EXIT_CODE=86
# The first line of every report: ASan, LSan (standalone and under ASan),
# UBSan (gcc and clang), TSan.
readonly SANITIZER_REPORT_RE='==ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|WARNING: ThreadSanitizer|ERROR: LeakSanitizer'

_sanitizer_dir="$(mktemp -d "${TEST_TMPDIR:-/tmp}/sanitizer_check.XXXXXX")"
_sanitizer_findings="$_sanitizer_dir/findings"
: >"$_sanitizer_findings"

checked() {
  local err rc=0
  err="$(mktemp "$_sanitizer_dir/stderr.XXXXXX")"
  "$@" 2>"$err" || rc=$?
  if ((rc == SANITIZER_EXIT_CODE)) || grep -qE "$SANITIZER_REPORT_RE" "$err"; then
    {
      echo "SANITIZER FINDING: exit $rc from: $*"
      grep -E -A30 "$SANITIZER_REPORT_RE" "$err" | head -60 || true
    } >>"$_sanitizer_findings"
  fi
  cat "$err" >&2
  rm -f "$err"
  return "$rc"
}

_sanitizer_check_exit() {
  local rc=$?
  if [[ -s "$_sanitizer_findings" ]]; then
    cat "$_sanitizer_findings"
    echo "FAIL: sanitizer findings above (the test's own checks exited $rc)"
    rc=1
  fi
  rm -rf "$_sanitizer_dir"
  exit "$rc"
}
trap _sanitizer_check_exit EXIT
