#!/usr/bin/env bash
# tests/run.sh - build asynclint with warnings as errors and run every test.
# This is the README's test command, and .ci/run calls it verbatim.
#
#   bash tests/run.sh                 # build/ + ctest
#   ASL_SANITIZE=ON ASL_BUILD_DIR=build-asan bash tests/run.sh
#
# Installs what the tests need on a fresh Debian 12 machine (as root).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${ASL_BUILD_DIR:-build}
sanitize=${ASL_SANITIZE:-OFF}

need_pkgs=()
command -v python3 >/dev/null || need_pkgs+=(python3)
command -v cmake >/dev/null || need_pkgs+=(cmake)
command -v npm >/dev/null || need_pkgs+=(npm)
# Real async libraries, for the check of the bundled library table
# (tests/library_table): installed when we can, else that test skips.
# cJSON (libcjson-dev) for the language server: without it the build
# leaves the server out, and tests/server checks that it says so; Neovim
# for the server's editor test (skipped without it).
if [ "$(id -u)" = 0 ] && command -v dpkg >/dev/null; then
  for p in python3-aiohttp python3-asyncpg python3-redis python3-httpx \
           python3-starlette python3-aiofiles python3-sqlalchemy \
           python3-websockets python3-anyio \
           libcjson-dev neovim; do
    dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
  done
fi
if ((${#need_pkgs[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq "${need_pkgs[@]}"
  else
    echo "tests/run.sh: please install: ${need_pkgs[*]}" >&2
    exit 2
  fi
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$build_dir" -DASL_WERROR=ON -DASL_SANITIZE="$sanitize" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$jobs"
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
