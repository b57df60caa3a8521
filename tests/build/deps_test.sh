#!/usr/bin/env bash
# deps_test.sh - the dependency fetch keeps its promises:
#  1. a new build directory configures with no network at all (npm's cache),
#  2. a tarball whose sha512 differs from the lock file is refused.
# Usage: deps_test.sh SOURCE_DIR. Prints "N passed, N failed".
set -u
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 skipped=0

ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

# 1. Offline configure: a network namespace without interfaces (root only).
if unshare -n true 2>/dev/null; then
  if unshare -n cmake -S "$src" -B "$tmp/offline" >"$tmp/offline.log" 2>&1 &&
     [ -f "$tmp/offline/_deps/npm/node_modules/tree-sitter-python/src/parser.c" ]; then
    ok "configure without network from npm's cache"
  else
    cat "$tmp/offline.log"; bad "configure without network from npm's cache"
  fi
else
  echo "skip configure without network (needs unshare -n)"; skipped=$((skipped + 1))
fi

# 2. A lock file with a wrong integrity hash must make npm ci fail.
mkdir -p "$tmp/tamper"
cp "$src/deps/package.json" "$src/deps/.npmrc" "$tmp/tamper/"
python3 - "$src/deps/package-lock.json" "$tmp/tamper/package-lock.json" <<'PY'
import json, sys
lock = json.load(open(sys.argv[1]))
entry = lock["packages"]["node_modules/tree-sitter"]
head, _, digest = entry["integrity"].partition("-")
entry["integrity"] = head + "-" + ("A" if digest[0] != "A" else "B") + digest[1:]
json.dump(lock, open(sys.argv[2], "w"), indent=2)
PY
if (cd "$tmp/tamper" && npm ci --ignore-scripts --no-audit --no-fund \
      --prefer-offline --loglevel=error) >"$tmp/tamper.log" 2>&1; then
  bad "a wrong integrity hash is refused (npm ci succeeded)"
elif grep -q "EINTEGRITY\|ENOTCACHED\|integrity" "$tmp/tamper.log"; then
  ok "a wrong integrity hash is refused"
else
  cat "$tmp/tamper.log"; bad "a wrong integrity hash is refused (other error)"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
