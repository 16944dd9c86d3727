#!/usr/bin/env bash
# Runs the quickstart demo; it checks its own outcomes and exits 1 on any
# surprise.   $1  the quickstart binary
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"
checked "$1"
