#!/usr/bin/env bash
# Clang's thread-safety analysis (-Wthread-safety, as errors) over every .cc
# of lib/ and tools/ except tests, and through them the headers they
# include: the ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED annotations
# around lib/util/mutex.h. Bazel's toolchain is gcc, which ignores them, so
# this compiles with clang-19 -fsyntax-only (no objects, no link) using the
# include paths the Bazel build uses. It first proves it can fail:
# thread_safety_canary.cc, which reads a guarded member unlocked, must be
# reported. ./x lint runs it; run from anywhere inside the checkout.
set -euo pipefail

cd "$(git rev-parse --show-toplevel)"
readonly CLANG="${CLANG:-clang-19}"
readonly CANARY=tools/lint/thread_safety_canary.cc

# Generated headers the sources include (trap.pb.h, embedded guests) and the
# @v8 repository (Debian's libnode or WASMHOST_V8_ROOT) come from Bazel.
# Building lib/ and tools/ is what the test pass builds anyway.
bazel build //lib/... //tools/... >&2
bin="$(bazel info bazel-bin 2>/dev/null)"
v8_include="$(bazel info output_base 2>/dev/null)/external/v8/include"

flags=(
  -fsyntax-only -std=c++17
  -I. -Iinclude "-I$bin" -isystem "$v8_include"
  # Only the analysis: gcc's -Werror pass owns the other warnings.
  -Wno-everything -Wthread-safety -Werror
)

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
if "$CLANG" "${flags[@]}" "$CANARY" >"$out" 2>&1 ||
  ! grep -q "reading variable 'count_' requires holding mutex 'mutex_'" "$out"; then
  cat "$out" >&2
  echo "thread_safety: FAIL, $CANARY was not reported: the analysis is off" >&2
  exit 1
fi

mapfile -t files < <(git ls-files -- 'lib/*.cc' 'tools/*.cc' |
  grep -v -e '_test\.cc$' -e "^$CANARY\$")
# Two at a time: CI has two cores.
if ! printf '%s\0' "${files[@]}" |
  xargs -0 -n 4 -P 2 "$CLANG" "${flags[@]}" >"$out" 2>&1; then
  cat "$out" >&2
  echo "thread_safety: FAIL, see the errors above" >&2
  exit 1
fi
echo "thread_safety: ${#files[@]} files analysed, no finding (the canary was caught)" >&2
