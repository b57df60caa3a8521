#!/usr/bin/env bash
# no_server.sh - a build without the language server (-DASL_SERVER=OFF, as
# on a machine without cJSON): `asynclint server` says how to get it and
# exits 2, `asynclint check` still works, and the binary stays static.
# The dependency download of an existing build directory is reused (its
# _deps/npm, linked: no npm run), and only the executable is built.
#
#   bash tests/build/no_server.sh [FROM_BUILD_DIR] [BUILD_DIR]
#
# Prints "N passed, N failed"; exits non-zero on a failure. .ci/run runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
from=${1:-build}
dir=${2:-build-noserver}
if [ -f "$from/_deps/npm/.asl-stamp" ] && [ ! -e "$dir/_deps/npm" ]; then
  mkdir -p "$dir/_deps"
  ln -s "$(cd "$from/_deps/npm" && pwd)" "$dir/_deps/npm"
fi
cmake -S . -B "$dir" -DASL_SERVER=OFF -DBUILD_TESTING=OFF -DASL_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$dir" -j "$(nproc 2>/dev/null || echo 2)" --target asynclint \
  >/dev/null
bin=$dir/asynclint

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

rc=0
"$bin" server </dev/null >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" = 2 ] && [ ! -s "$tmp/out" ] && grep -q "libcjson-dev" "$tmp/err" &&
   grep -q "ASL_SERVER" "$tmp/err"; then
  ok "server: exit 2, says to install libcjson-dev and build with ASL_SERVER"
else
  cat "$tmp/err"; bad "server: exit $rc (want 2 and a message naming libcjson-dev and ASL_SERVER)"
fi
if ASL_SERVER_BUILT=0 python3 tests/server/test_server.py "$bin" >"$tmp/py" 2>&1; then
  ok "tests/server/test_server.py in its no-server mode"
else
  cat "$tmp/py"; bad "tests/server/test_server.py in its no-server mode"
fi

printf 'import asyncio\n\n\nasync def f():\n    asyncio.sleep(1)\n' > "$tmp/bad.py"
printf 'import asyncio\n\n\nasync def f():\n    await asyncio.sleep(1)\n' > "$tmp/good.py"
rc=0
"$bin" check --isolated "$tmp/bad.py" >"$tmp/out" 2>&1 || rc=$?
if [ "$rc" = 1 ] && grep -q "ASL101" "$tmp/out"; then
  ok "check: the unawaited call found (exit 1)"
else
  cat "$tmp/out"; bad "check: exit $rc on an unawaited call (want 1, ASL101)"
fi
rc=0
"$bin" check --isolated "$tmp/good.py" >"$tmp/out" 2>&1 || rc=$?
if [ "$rc" = 0 ]; then ok "check: a clean file passes (exit 0)"
else cat "$tmp/out"; bad "check: exit $rc on a clean file (want 0)"; fi

if command -v ldd >/dev/null; then
  linked=$(ldd "$bin" 2>&1 || true) # exit 1 for a static binary
  if echo "$linked" | grep -q "not a dynamic executable\|statically linked"; then
    ok "the binary is static without the server"
  else
    echo "$linked"; bad "the binary is static without the server"
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
