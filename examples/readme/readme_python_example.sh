#!/usr/bin/env bash
# Runs the README's Python example on the package and libwasmhost.so from
# the runfiles, as readme_example_test.sh runs the C++ and C examples.
#   $1  libwasmhost.so   $2  readme_example.py   $3...  its arguments
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/bindings/python/python_env.sh"
python_env "$1"
script="$2"
shift 2
exec /usr/bin/python3 "$script" "$@"
