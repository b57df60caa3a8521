#!/usr/bin/env bash
# bench/run.sh - measure asynclint against its parse-only baseline and its
# peers on one corpus, interleaved, several repetitions each; check that the
# pre-filter changes no finding; print the table and write it into
# BENCHMARKS.md. A benchmark measures: it never fails on a time.
#
#   bash bench/run.sh [--corpus DIR] [--reps N] [--pyright] [--quick]
#                     [--no-write]
#
# Default corpus: this machine's Python standard library without
# site-packages. Peers (pinned in bench/package.json, installed with npm on
# first use; skipped with a note if npm cannot install them): ruff's ASYNC +
# RUF006 rules through @astral-sh/ruff-wasm-nodejs (node --liftoff-only, so
# V8's background compile is not counted), and pyright's
# reportUnusedCoroutine (only with --pyright: it takes minutes).
# --quick: one repetition, no 4x corpus, no callgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

corpus=""
reps=5
with_pyright=0
write=1
quick=0
while [ $# -gt 0 ]; do
  case $1 in
    --corpus) corpus=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --pyright) with_pyright=1; shift ;;
    --quick) quick=1; reps=1; shift ;;
    --no-write) write=0; shift ;;
    *) echo "usage: bench/run.sh [--corpus DIR] [--reps N] [--pyright] [--quick] [--no-write]" >&2; exit 2 ;;
  esac
done
[ -n "$corpus" ] || corpus=$(python3 -c 'import sysconfig;print(sysconfig.get_paths()["stdlib"])')

build=build-bench
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target asynclint asl_parse_only >/dev/null
asl="$build/asynclint"
have_ruff=1
(cd bench && { [ -d node_modules/@astral-sh/ruff-wasm-nodejs ] ||
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; }) >/dev/null 2>&1 ||
  have_ruff=0
[ -d bench/node_modules/@astral-sh/ruff-wasm-nodejs ] || have_ruff=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=$tmp/files timing=$tmp/timing
find "$corpus" \( -name site-packages -o -name __pycache__ \) -prune -o \
  -name '*.py' -print | sort > "$files"
nfiles=$(wc -l < "$files")
mbytes=$(xargs -d '\n' cat < "$files" | wc -c | awk '{printf "%.1f", $1/1048576}')

# name|command (run with bash -c; stdout discarded)
check="$asl check -q --exit-zero"
cmds=(
  "parse-only (1 thread)|$build/asl_parse_only < $files"
  "asynclint --threads 1|$check --threads 1 $corpus"
  "asynclint (default threads: $(nproc))|$check $corpus"
  "asynclint --threads 1 --no-prefilter|$check --threads 1 --no-prefilter $corpus"
  "asynclint --no-prefilter (default threads)|$check --no-prefilter $corpus"
  "asynclint --threads 1 --ignore ASL1 (no W)|$check --threads 1 --ignore ASL1 $corpus"
)
if [ "$have_ruff" = 1 ]; then
  cmds+=("ruff-wasm ASYNC+RUF006 (whole process)|node --liftoff-only bench/ruff_peer.mjs ASYNC,RUF006 $corpus")
fi
if [ "$with_pyright" = 1 ] && [ -d bench/node_modules/pyright ]; then
  mkdir -p "$tmp/pyright"
  printf '{"include": ["%s"], "typeCheckingMode": "off", "reportUnusedCoroutine": "error"}\n' \
    "$corpus" > "$tmp/pyright/pyrightconfig.json"
  cmds+=("pyright reportUnusedCoroutine|cd $tmp/pyright && node $root/bench/node_modules/pyright/index.js")
fi

declare -A times rss
measure() { # name command -> appends the time, keeps the last peak RSS
  /usr/bin/time -o "$timing" -f "%e %M" bash -c "$2" >/dev/null 2>&1 || true
  local out
  out=$(tail -1 "$timing")
  times[$1]="${times[$1]:-} ${out%% *}"
  rss[$1]=${out##* }
}
for ((rep = 0; rep < reps; rep++)); do
  for entry in "${cmds[@]}"; do
    name=${entry%%|*}
    if [ "$rep" -gt 0 ] && [[ $name == pyright* ]]; then continue; fi
    measure "$name" "${entry#*|}"
  done
done

stats() { # min and median of a list of numbers
  tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {
    printf "%.2f %.2f", a[1], (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2) }'
}
min_of() { echo "${times[$1]}" | stats | cut -d' ' -f1; }
base=$(min_of "parse-only (1 thread)")
table="| run | min | median | ratio to parse-only (min) | peak RSS |
|---|---|---|---|---|"
for entry in "${cmds[@]}"; do
  name=${entry%%|*}
  read -r mn md <<< "$(echo "${times[$name]}" | stats)"
  ratio=$(awk -v a="$mn" -v b="$base" 'BEGIN {printf "%.2f", a / b}')
  table+="
| $name | ${mn} s | ${md} s | ${ratio} | $(( ${rss[$name]} / 1024 )) MB |"
done
if [ "$have_ruff" = 1 ]; then
  ruff_min=$(min_of "ruff-wasm ASYNC+RUF006 (whole process)")
  t1=$(min_of "asynclint --threads 1")
  tn=$(min_of "asynclint (default threads: $(nproc))")
  table+="

asynclint is $(awk -v a="$ruff_min" -v b="$tn" 'BEGIN {printf "%.1f", a / b}')x
faster than ruff-wasm's whole process with default threads
($(awk -v a="$ruff_min" -v b="$t1" 'BEGIN {printf "%.1f", a / b}')x with one thread)."
else
  table+="

ruff-wasm not measured: npm could not install bench/package.json's peers."
fi

# What the pre-filter did, from one verbose run per mode.
files_line() { # args -> the counts line of -v
  $asl check -q --exit-zero -v "$@" "$corpus" 2>&1 >/dev/null |
    grep -E 'files read|finding files' | sed 's/^asynclint: //' | paste -sd ' ' -
}
counts="- with the pre-filter: $(files_line --threads 1)
- \`--no-prefilter\`: $(files_line --threads 1 --no-prefilter)"

# Soundness on the whole corpus: the same findings, byte for byte, with and
# without the pre-filter, and with 1 or all threads.
$asl check --exit-zero --format json --threads 1 "$corpus" > "$tmp/a.json" 2>/dev/null || true
$asl check --exit-zero --format json --threads 1 --no-prefilter "$corpus" > "$tmp/b.json" 2>/dev/null || true
$asl check --exit-zero --format json "$corpus" > "$tmp/c.json" 2>/dev/null || true
nfind=$(python3 -c 'import json,sys;print(len(json.load(open(sys.argv[1]))))' "$tmp/a.json")
if cmp -s "$tmp/a.json" "$tmp/b.json" && cmp -s "$tmp/a.json" "$tmp/c.json"; then
  same="Findings identical with and without \`--no-prefilter\`, and with 1 or $(nproc) threads: yes ($nfind findings)."
else
  same="**Findings identical with and without \`--no-prefilter\`: NO** ($nfind vs $(python3 -c 'import json,sys;print(len(json.load(open(sys.argv[1]))))' "$tmp/b.json") findings; diff below)

\`\`\`
$(diff "$tmp/a.json" "$tmp/b.json" | head -40)
\`\`\`"
  echo "bench/run.sh: WARNING: the pre-filter changed the findings" >&2
fi

# Linearity: the corpus four times over (four sibling copies).
linear=""
if [ "$quick" = 0 ]; then
  for k in 1 2 3 4; do
    mkdir -p "$tmp/x4/copy$k"
    (cd "$corpus" && find . \( -name site-packages -o -name __pycache__ \) -prune -o \
      -name '*.py' -print0 | xargs -0 cp --parents -t "$tmp/x4/copy$k")
  done
  lreps=$(( reps < 3 ? reps : 3 ))
  for ((rep = 0; rep < lreps; rep++)); do
    measure x1 "$check --threads 1 $corpus"
    measure x4 "$check --threads 1 $tmp/x4"
  done
  m1=$(min_of x1) m4=$(min_of x4)
  ratio=$(awk -v a="$m4" -v b="$m1" 'BEGIN {printf "%.2f", a / b}')
  verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 3.2 && r <= 4.8) ? "within 4x +-20%" : "OUTSIDE 4x +-20%"}')
  linear="Linearity: the corpus copied 4 times ($((nfiles * 4)) files) takes ${m4} s
with \`--threads 1\` against ${m1} s once: ${ratio}x ($verdict); peak RSS
$(( ${rss[x4]} / 1024 )) MB against $(( ${rss[x1]} / 1024 )) MB."
fi

# Instruction counts: repeatable on a noisy machine, so regressions show up
# where wall time cannot tell.
irefs=""
if [ "$quick" = 0 ] && command -v valgrind >/dev/null; then
  count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
      grep -o 'Collected : [0-9]*' | grep -o '[0-9]*$' || true
  }
  sub=$tmp/sub
  mkdir -p "$sub"
  for d in asyncio json email; do
    [ -d "$corpus/$d" ] && cp -r "$corpus/$d" "$sub/"
  done
  find "$sub" -name __pycache__ -prune -exec rm -rf {} +
  : > "$sub/pyproject.toml" # its own project
  irefs="callgrind (instructions, one thread):
- \`asynclint check fixtures\` ($(find fixtures -name '*.py' | wc -l) files): $(count "$asl" check -q --exit-zero --threads 1 fixtures)
- \`asynclint check\` on the corpus's asyncio/, json/ and email/ ($(find "$sub" -name '*.py' | wc -l) files): $(count "$asl" check -q --exit-zero --threads 1 "$sub")
- the same with \`--no-prefilter\`: $(count "$asl" check -q --exit-zero --threads 1 --no-prefilter "$sub")"
fi

header="Corpus: \`$corpus\` ($nfiles files, $mbytes MB), $reps interleaved repetitions
(pyright once), $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)."
report="$header

$table

What the pre-filter did (\`-v\`, one thread):
$counts

$same"
[ -n "$linear" ] && report+="

$linear"
[ -n "$irefs" ] && report+="

$irefs"
echo "$report"

if [ "$write" = 1 ]; then
  {
    echo "# Benchmarks"
    echo
    echo "Written by \`bash bench/run.sh\`; it measures, it never fails on a time."
    echo
    echo "$report"
    if [ -f bench/NOTES.md ]; then echo; cat bench/NOTES.md; fi
  } > BENCHMARKS.md
  echo
  echo "BENCHMARKS.md written."
fi
