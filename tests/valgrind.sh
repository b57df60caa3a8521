#!/usr/bin/env bash
# tests/valgrind.sh - valgrind memcheck over a sample: the whole fixture
# tree checked in one process, each fixture family through the harness, and
# the unit tests. Zero errors and zero definite/indirect leaks, or it fails.
# Usage: bash tests/valgrind.sh [BUILD_DIR]   (default: build-valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-valgrind}
if ! command -v valgrind >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
  else
    echo "tests/valgrind.sh: needs valgrind" >&2; exit 2
  fi
fi
cmake -S . -B "$build" -DASL_STATIC=OFF -DASL_PAGES=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target asynclint asl_unit >/dev/null

vg=(valgrind -q --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite)
passed=0 failed=0
run() {
  local name=$1; shift
  local rc=0
  "${vg[@]}" "$@" >/dev/null 2>"$build/valgrind.err" || rc=$?
  # asynclint's own exit codes 0/1 are fine; 99 is valgrind's verdict.
  if [ "$rc" = 99 ] || grep -q "==[0-9]*==" "$build/valgrind.err"; then
    echo "FAIL $name"; cat "$build/valgrind.err"; failed=$((failed + 1))
  else
    echo "ok   $name"; passed=$((passed + 1))
  fi
}
run "check fixtures/" "$build/asynclint" check --format json fixtures
for fam in fixtures/*/; do
  run "harness $fam" "$build/asynclint" --check-fixture "$fam"*
done
run "unit tests" "$build/asl_unit"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
