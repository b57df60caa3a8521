#!/usr/bin/env bash
# test_precommit.sh - the hook in .pre-commit-hooks.yaml, end to end with
# the real pre-commit: in a temporary git repository, a commit with a bad
# file is rejected with the finding shown, a clean commit passes.
# Usage: test_precommit.sh SOURCE_DIR ASYNCLINT_BINARY
set -u
src=$(cd "$1" && pwd)
bin=$2
passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

if ! command -v pre-commit >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq pre-commit >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get install -y -qq pre-commit >/dev/null; }
  fi
fi
if ! command -v pre-commit >/dev/null; then
  echo "FAIL pre-commit is not installed"; echo "0 passed, 1 failed"; exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PRE_COMMIT_HOME="$tmp/cache" HOME="$tmp"
mkdir -p "$tmp/bin"
ln -s "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" "$tmp/bin/asynclint"
export PATH="$tmp/bin:$PATH"

# The hook repository: this checkout's committed hook file, as a local repo
# pre-commit can clone without a network.
hookrepo="$tmp/hookrepo"
git init -q "$hookrepo"
cp "$src/.pre-commit-hooks.yaml" "$hookrepo/"
git -C "$hookrepo" add .pre-commit-hooks.yaml
git -C "$hookrepo" -c user.name=t -c user.email=t@t commit -qm hooks
rev=$(git -C "$hookrepo" rev-parse HEAD)

repo="$tmp/project"
git init -q "$repo"
cd "$repo"
git config user.name t
git config user.email t@t
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $hookrepo
    rev: $rev
    hooks:
      - id: asynclint
YAML
cat > pyproject.toml <<'TOML'
[project]
name = "demo"
TOML
mkdir -p app
cat > app/mail.py <<'PY'
async def send_email(user):
    return user
PY
cat > app/__init__.py <<'PY'
PY
git add -A && git commit -qm base --no-verify
pre-commit install >/dev/null

# A bad commit: a coroutine from another module is never awaited.
cat > app/views.py <<'PY'
from app.mail import send_email


async def signup(user):
    send_email(user)
PY
git add app/views.py
if out=$(git commit -qm bad 2>&1); then
  bad "a commit with a finding is rejected"
  echo "$out"
elif echo "$out" | grep -q "app/views.py:5:5: ASL101"; then
  ok "a commit with a finding is rejected, the finding is shown"
else
  bad "the rejection shows the finding"; echo "$out"
fi

# Fixed: the commit passes.
sed -i 's/    send_email(user)/    await send_email(user)/' app/views.py
git add app/views.py
if out=$(git commit -qm good 2>&1); then
  ok "a clean commit passes"
else
  bad "a clean commit passes"; echo "$out"
fi
# The fix hook: the commit stops with the file fixed; committing the fix
# passes.
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $hookrepo
    rev: $rev
    hooks:
      - id: asynclint-fix
YAML
git add .pre-commit-config.yaml
git commit -qm "fix hook" --no-verify
cat > app/jobs.py <<'PY'
from app.mail import send_email


async def nightly(user):
    send_email(user)
PY
git add app/jobs.py
if out=$(git commit -qm "needs a fix" 2>&1); then
  bad "the fix hook stops a commit it fixed"; echo "$out"
elif grep -q "    await send_email(user)" app/jobs.py; then
  ok "the fix hook fixes the file and stops the commit"
else
  bad "the fix hook fixes the file"; echo "$out"; cat app/jobs.py
fi
git add app/jobs.py
if out=$(git commit -qm fixed 2>&1); then
  ok "the fixed file commits"
else
  bad "the fixed file commits"; echo "$out"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
