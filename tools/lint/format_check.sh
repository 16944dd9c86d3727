#!/usr/bin/env bash
# Fails, listing them, if any tracked C/C++ file differs from what
# clang-format-19 makes of it with the repository's .clang-format.
# `tools/lint/format_check.sh --fix` formats them in place instead.
# Run from anywhere inside the git checkout; ./x lint runs it.
set -euo pipefail

cd "$(git rev-parse --show-toplevel)"
readonly CLANG_FORMAT="${CLANG_FORMAT:-clang-format-19}"

mapfile -t files < <(git ls-files -- '*.cc' '*.h' '*.c')
if ((${#files[@]} == 0)); then
  echo "format_check: no tracked C/C++ file found" >&2
  exit 1
fi

if [[ "${1:-}" == --fix ]]; then
  exec "$CLANG_FORMAT" -i -- "${files[@]}"
fi

# One process per file is slow; --dry-run -Werror reports every unformatted
# file, each with a diagnostic naming it.
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
if "$CLANG_FORMAT" --dry-run -Werror -- "${files[@]}" 2>"$out"; then
  echo "format_check: ${#files[@]} files formatted" >&2
  exit 0
fi
mapfile -t bad < <(sed -nE 's/^([^:]+):[0-9]+:[0-9]+: error: code should be clang-formatted.*/\1/p' "$out" | sort -u)
if ((${#bad[@]} == 0)); then
  # Not a formatting finding (a missing or unreadable .clang-format, ...).
  cat "$out" >&2
  exit 1
fi
echo "format_check: ${#bad[@]} of ${#files[@]} files are not clang-formatted:" >&2
printf '  %s\n' "${bad[@]}" >&2
echo "format_check: fix with tools/lint/format_check.sh --fix" >&2
exit 1
