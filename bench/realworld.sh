#!/usr/bin/env bash
# bench/realworld.sh - the real-code counts of docs/real-world.md.
#
#   bash bench/realworld.sh CORPUS_DIR [BINARY]
#
# CORPUS_DIR holds one folder per project of docs/real-world/projects.tsv
# (a checkout of the commit listed there, e.g. `git -C REPO archive COMMIT |
# tar -x -C CORPUS_DIR/NAME`). BINARY defaults to build/asynclint (built if
# missing). Findings are joined with the hand triage in
# docs/real-world/triage/; findings nobody triaged yet are counted as "new".
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:?usage: bash bench/realworld.sh CORPUS_DIR [BINARY]}
bin=${2:-build/asynclint}
if [ ! -x "$bin" ]; then
  cmake -S . -B build >/dev/null && cmake --build build -j "$(nproc)" >/dev/null
fi
exec python3 bench/realworld.py "$corpus" "$bin"
