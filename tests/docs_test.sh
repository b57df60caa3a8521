#!/usr/bin/env bash
# docs_test.sh - docs/rules.md must be exactly what the registry generates
# (`asynclint rules --format markdown`); ASL_UPDATE_DOCS=1 rewrites it.
# Usage: docs_test.sh SOURCE_DIR ASYNCLINT_BINARY
set -u
src=$1 bin=$2
if [ "${ASL_UPDATE_DOCS:-}" = 1 ]; then
  "$bin" rules --format markdown > "$src/docs/rules.md"
fi
if diff -u "$src/docs/rules.md" <("$bin" rules --format markdown); then
  echo "1 passed, 0 failed"
else
  echo "docs/rules.md is stale: run ASL_UPDATE_DOCS=1 ctest -R docs"
  echo "0 passed, 1 failed"
  exit 1
fi
