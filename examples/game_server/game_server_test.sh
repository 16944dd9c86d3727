#!/usr/bin/env bash
# Runs the game server for 40 ticks of 200 entities; it checks its own
# outcomes and exits 1 on any surprise.   $1  the game_server binary
set -euo pipefail
source "${TEST_SRCDIR}/${TEST_WORKSPACE}/tools/testing/sanitizer_check.sh"
checked "$1" --entities=200 --ticks=40 --hz=20
