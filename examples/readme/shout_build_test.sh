#!/usr/bin/env bash
# Checks that the README's "Write a plugin in C" BUILD snippet is what
# examples/readme/BUILD.bazel builds: each of its paragraphs, with
# "@wasmhost//" read as "//", appears there verbatim.
# Usage: shout_build_test.sh README.md BUILD.bazel
set -euo pipefail

snippet="$(awk '
  /<!-- shout-build:start -->/ { inside = 1; next }
  /<!-- shout-build:end -->/ { inside = 0 }
  inside && /^```/ { next }
  inside { print }
' "$1" | sed 's|@wasmhost//|//|g')"
if [[ -z "$snippet" ]]; then
  echo "FAIL: no shout-build snippet in $1"
  exit 1
fi
build="$(cat "$2")"
failures=0
while IFS= read -r -d '' paragraph; do
  [[ -z "${paragraph//[$'\n']/}" ]] && continue
  paragraph="${paragraph%$'\n'}"
  if [[ "$build" != *"$paragraph"* ]]; then
    echo "FAIL: the README's BUILD paragraph is not in $2:"
    echo "$paragraph"
    failures=$((failures + 1))
  fi
done < <(awk 'BEGIN { RS = ""; ORS = "\0" } { print }' <<<"$snippet")
((failures == 0)) || exit 1
echo "the README's BUILD snippet is what the test builds"
