#!/usr/bin/env bash
# libwasmhost.so's exported symbols are exactly the functions wasmhost.h
# declares: nothing of the C++ API, Abseil or V8 leaks, and nothing the
# header promises is missing.
#   $1  libwasmhost.so   $2  wasmhost.h
set -euo pipefail
lib="$1"
header="$2"

# nm -D --defined-only: "ADDRESS TYPE NAME"; an upper-case type is a global
# (exported) symbol. A lower-case one is local: the linker keeps a
# thread_local's symbol in the dynamic table for its TLS relocation, but no
# other object can bind to it.
all="$(nm -D --defined-only "$lib")"
exported="$(awk '$2 ~ /^[A-Z]$/ { print $3 }' <<<"$all" | sed 's/@.*//' | sort)"
unexpected="$(grep -v '^wasmhost_' <<<"$exported" || true)"
if [[ -n "$unexpected" ]]; then
  echo "FAIL: libwasmhost.so exports symbols outside the C API:"
  echo "$unexpected"
  exit 1
fi

# Every function the header declares: a wasmhost_ name right before "(".
declared="$(grep -o 'wasmhost_[a-z0-9_]*(' "$header" | tr -d '(' | sort -u)"
missing="$(comm -23 <(echo "$declared") <(echo "$exported"))"
extra="$(comm -13 <(echo "$declared") <(echo "$exported"))"
if [[ -n "$missing" || -n "$extra" ]]; then
  echo "FAIL: declared but not exported: ${missing:-none}"
  echo "      exported but not declared: ${extra:-none}"
  exit 1
fi
echo "PASS: $(wc -l <<<"$exported") wasmhost_* symbols exported, nothing else"
