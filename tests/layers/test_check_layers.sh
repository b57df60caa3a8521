#!/usr/bin/env bash
# tests/layers/test_check_layers.sh - check_layers.sh itself: on a small
# tree with one crossing of each kind it names every one and fails; with
# them removed it passes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tree=$(mktemp -d "${TMPDIR:-/tmp}/asl-layers.XXXXXX")
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/{analyzer,rules/family,runtime,cli}

# Allowed includes.
echo '#include "registry.def"' >"$tree/analyzer/asl.h"
: >"$tree/analyzer/registry.def"
: >"$tree/analyzer/index.h"
echo '#include "../analyzer/asl.h"' >"$tree/rules/rules.h"
printf '#include "../rules.h"\n#include "../../analyzer/index.h"\n' \
  >"$tree/rules/family/pass.c"
printf '#include <stdio.h>\n  #  include "../analyzer/asl.h"\n' \
  >"$tree/runtime/rt.h"
: >"$tree/cli/cli.h"
"$here/check_layers.sh" "$tree" >/dev/null

# One crossing of each kind.
printf '#include "asl.h"\n#include "../rules/rules.h"\n' \
  >"$tree/analyzer/run.c"
echo '#include "rules.h"' >"$tree/analyzer/hidden.c"
echo '#include "../../runtime/rt.h"' >"$tree/rules/family/bad.c"
printf '#include "../analyzer/index.h"\n#include "../cli/cli.h"\n' \
  >"$tree/runtime/bad.c"
status=0
out=$("$here/check_layers.sh" "$tree") || status=$?
expected='analyzer/hidden.c:1: includes "rules.h", which is not a file from analyzer/
analyzer/run.c:2: analyzer/ includes rules/rules.h
rules/family/bad.c:1: rules/ includes runtime/rt.h
runtime/bad.c:1: runtime/ includes analyzer/index.h
runtime/bad.c:2: runtime/ includes cli/cli.h
check_layers: 10 files of analyzer/, rules/, runtime/; 5 crossings'
if [ "$status" -ne 1 ] || [ "$out" != "$expected" ]; then
  echo "test_check_layers: exit $status (want 1), output:" >&2
  echo "$out" >&2
  diff <(echo "$expected") <(echo "$out") >&2 || true
  exit 1
fi
echo "test_check_layers: every crossing named"
