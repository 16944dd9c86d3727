#!/usr/bin/env bash
# Runs the README's "C plugins from WIT" commands as written, in a scratch
# directory laid out like the repository root (bazel-bin/tools/cli/wasmhost,
# tools/component/make_component.mjs, jco under .cache/jco), and checks the
# bindings and the component's world.
# Usage: c_plugin_test.sh README.md WASMHOST MAKE_COMPONENT_MJS JCO_API_JS
set -euo pipefail

readme="$(realpath "$1")"
wasmhost="$(realpath "$2")"
make_component="$(realpath "$3")"
jco_api="$(realpath "$4")"
root="${TEST_TMPDIR:-$(mktemp -d)}/c_plugin"
rm -rf "$root"
mkdir -p "$root/bazel-bin/tools/cli" "$root/tools/component" \
  "$root/.cache/jco/node_modules/@bytecodealliance/jco/dist"
ln -s "$wasmhost" "$root/bazel-bin/tools/cli/wasmhost"
ln -s "$make_component" "$root/tools/component/make_component.mjs"
ln -s "$jco_api" "$root/.cache/jco/node_modules/@bytecodealliance/jco/dist/api.js"

awk '
  /<!-- c-plugin:start -->/ { inside = 1; next }
  /<!-- c-plugin:end -->/ { inside = 0 }
  inside && /^```/ { next }
  inside { print }
' "$readme" >"$root/commands.sh"
grep -q 'wasmhost bindgen c-guest' "$root/commands.sh"

cd "$root"
if ! output=$(bash -euo pipefail commands.sh 2>&1); then
  echo "FAIL: the README's commands failed:"
  echo "$output"
  exit 1
fi
for want in 'export greet: func(name: string) -> string;' \
  'import log: func(msg: string);' 'plugin/greeter.h'; do
  if [[ "$output" != *"$want"* ]]; then
    echo "FAIL: no \"$want\" in:"
    echo "$output"
    exit 1
  fi
done
grep -q 'void exports_greeter_greet(greeter_string_t\* name, greeter_string_t\* ret);' \
  plugin/greeter.h
grep -q '// Greets `name`.' plugin/greeter.h
echo "1 passed, 0 failed"
