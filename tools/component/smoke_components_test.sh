#!/usr/bin/env bash
# Runs smoke_components.mjs (the C component guests under jco's transpiled
# JavaScript) with Node.js.
# Usage: smoke_components_test.sh SCRIPT JCO_API COMPONENT.wasm...
set -euo pipefail
exec node "$@"
