#!/usr/bin/env bash
# Builds the libFuzzer targets with Debian's clang-19 into $OUT (default
# .cache/fuzz) and generates the seed corpus from the repository's .wat
# fixtures. Run from anywhere; ./x fuzz calls it after its set-up.
#
#   fuzz/build.sh            build (incremental) + seeds
#   OUT=/tmp/f fuzz/build.sh elsewhere
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT="${OUT:-.cache/fuzz}"
V8_ROOT="${WASMHOST_V8_ROOT:-.cache/v8/root}"

make -f fuzz/Makefile -j"$(nproc)" OUT="$OUT" V8_ROOT="$V8_ROOT" >&2

# Seeds: every .wat fixture in the tree, compiled with every feature wat2wasm
# knows (a fixture that still fails, e.g. a deliberately invalid one, is
# skipped). One shared seed directory; each fuzzer's corpus/ grows from it.
seeds="$OUT/seeds"
rm -rf "$seeds.tmp"
mkdir -p "$seeds.tmp"
n=0
while IFS= read -r -d '' wat; do
  name="$(echo "$wat" | tr '/' '_')"
  name="${name%.wat}.wasm"
  if wat2wasm --enable-all "$wat" -o "$seeds.tmp/$name" 2>/dev/null ||
    wat2wasm "$wat" -o "$seeds.tmp/$name" 2>/dev/null; then
    n=$((n + 1))
  else
    rm -f "$seeds.tmp/$name"
  fi
done < <(find tests examples benchmarks tools lib fuzz -name '*.wat' -print0 2>/dev/null)
# The component guests (guests/components, built by Bazel with jco) seed
# component_fuzzer. Without them (no jco yet) it starts from nothing.
if bazel build //guests/components:components_files >&2; then
  for wasm in bazel-bin/guests/components/components/*.wasm; do
    case "$wasm" in *.core.wasm) continue ;; esac
    cp "$wasm" "$seeds.tmp/component_$(basename "$wasm")"
    n=$((n + 1))
  done
else
  echo "fuzz/build.sh: no component seeds (bazel build failed)" >&2
fi
# The WIT sources seed wit_fuzzer.
for wit in guests/components/*.wit lib/component/testdata/witdir/*.wit; do
  cp "$wit" "$seeds.tmp/wit_$(echo "$wit" | tr '/' '_')"
  n=$((n + 1))
done
rm -rf "$seeds"
mv "$seeds.tmp" "$seeds"
echo "fuzz/build.sh: $n seed modules in $seeds" >&2
