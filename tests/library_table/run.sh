#!/usr/bin/env bash
# tests/library_table/run.sh - checks the bundled library table
# (rules/unawaited/library_coroutines.def) against real sources: the
# libraries installed in Debian's dist-packages (tests/run.sh installs
# them), and a stand-in whose `aclose` is a plain def, which the check
# must refuse. Exit 77 (skipped) when no library is installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
gen=rules/unawaited/gen_library_coroutines.py
table=rules/unawaited/library_coroutines.def
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The check must catch a table entry that a library defines as a
#    plain def.
mkdir -p "$tmp/site/httpx" "$tmp/site/httpx-9.9.dist-info"
cat > "$tmp/site/httpx/__init__.py" <<'PY'
from ._client import AsyncClient
PY
cat > "$tmp/site/httpx/_client.py" <<'PY'
class AsyncClient:
    def aclose(self):
        return None

    async def get(self, url):
        return url
PY
if python3 "$gen" --check-site "$tmp/site" "$table" > "$tmp/out" 2>&1; then
  echo "FAIL: the check accepted a plain-def aclose"; cat "$tmp/out"; exit 1
fi
grep -q "FAIL httpx httpx.AsyncClient.aclose: a plain def in httpx 9.9" "$tmp/out" || {
  echo "FAIL: unexpected check output"; cat "$tmp/out"; exit 1; }
echo "ok   a plain def where the table says coroutine is refused"

# 2. The real libraries, where installed.
site=${ASL_LIBRARY_SITE:-/usr/lib/python3/dist-packages}
found=0
for lib in aiofiles aiohttp anyio asyncpg httpx redis sqlalchemy starlette websockets; do
  [ -d "$site/$lib" ] && found=1
done
if [ "$found" = 0 ]; then
  echo "skip: none of the bundled libraries is installed in $site"
  exit 77
fi
python3 "$gen" --check-site "$site" "$table"
