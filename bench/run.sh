#!/usr/bin/env bash
# bench/run.sh - measure asynclint against its parse-only baseline and its
# peers on one corpus, interleaved, several repetitions each; print the
# table and write it into BENCHMARKS.md. A benchmark measures: it never
# fails on a time.
#
#   bash bench/run.sh [--corpus DIR] [--reps N] [--pyright] [--no-write]
#
# Default corpus: this machine's Python standard library without
# site-packages. Peers (pinned in bench/package.json, installed with npm on
# first use): ruff's ASYNC + RUF006 rules through @astral-sh/ruff-wasm-nodejs
# (node --liftoff-only, so V8's background compile is not counted), and
# pyright's reportUnusedCoroutine (only with --pyright: it takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

corpus=""
reps=5
with_pyright=0
write=1
while [ $# -gt 0 ]; do
  case $1 in
    --corpus) corpus=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --pyright) with_pyright=1; shift ;;
    --no-write) write=0; shift ;;
    *) echo "usage: bench/run.sh [--corpus DIR] [--reps N] [--pyright] [--no-write]" >&2; exit 2 ;;
  esac
done
[ -n "$corpus" ] || corpus=$(python3 -c 'import sysconfig;print(sysconfig.get_paths()["stdlib"])')

build=build-bench
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target asynclint asl_parse_only >/dev/null
(cd bench && [ -d node_modules/@astral-sh/ruff-wasm-nodejs ] ||
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

files=$(mktemp)
timing=$(mktemp)
trap 'rm -f "$files" "$timing"' EXIT
find "$corpus" \( -name site-packages -o -name __pycache__ \) -prune -o \
  -name '*.py' -print | sort > "$files"
nfiles=$(wc -l < "$files")
mbytes=$(xargs -d '\n' cat < "$files" | wc -c | awk '{printf "%.1f", $1/1048576}')

# name|command (run with bash -c; stdout discarded)
cmds=(
  "parse-only (1 thread)|$build/asl_parse_only < $files"
  "asynclint --threads 1|$build/asynclint check -q --exit-zero --threads 1 $corpus"
  "asynclint (default threads: $(nproc))|$build/asynclint check -q --exit-zero $corpus"
  "asynclint --threads 1 --ignore ASL1 (no index)|$build/asynclint check -q --exit-zero --threads 1 --ignore ASL1 $corpus"
  "ruff-wasm ASYNC+RUF006 (whole process)|node --liftoff-only bench/ruff_peer.mjs ASYNC,RUF006 $corpus"
)
if [ "$with_pyright" = 1 ]; then
  pycfg=$(mktemp -d)
  printf '{"include": ["%s"], "typeCheckingMode": "off", "reportUnusedCoroutine": "error"}\n' \
    "$corpus" > "$pycfg/pyrightconfig.json"
  cmds+=("pyright reportUnusedCoroutine|cd $pycfg && node $root/bench/node_modules/pyright/index.js")
fi

declare -A times rss
for ((rep = 0; rep < reps; rep++)); do
  for entry in "${cmds[@]}"; do
    name=${entry%%|*}
    cmd=${entry#*|}
    if [ "$rep" -gt 0 ] && [[ $name == pyright* ]]; then continue; fi
    /usr/bin/time -o "$timing" -f "%e %M" bash -c "$cmd" >/dev/null 2>&1 || true
    out=$(tail -1 "$timing")
    times[$name]="${times[$name]:-} ${out%% *}"
    rss[$name]=${out##* }
  done
done

stats() { # min and median of a list of numbers
  tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {
    printf "%.2f %.2f", a[1], (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2) }'
}
base=$(echo "${times[parse-only (1 thread)]}" | stats | cut -d' ' -f1)
table="| run | min | median | ratio to parse-only (min) | peak RSS |
|---|---|---|---|---|"
for entry in "${cmds[@]}"; do
  name=${entry%%|*}
  read -r mn md <<< "$(echo "${times[$name]}" | stats)"
  ratio=$(awk -v a="$mn" -v b="$base" 'BEGIN {printf "%.2f", a / b}')
  table+="
| $name | ${mn} s | ${md} s | ${ratio} | $(( ${rss[$name]} / 1024 )) MB |"
done

# Instruction count on a fixed sub-corpus (the fixtures): repeatable on a
# noisy machine, so regressions show up where wall time cannot tell.
irefs=""
if command -v valgrind >/dev/null; then
  irefs=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$build/asynclint" check -q --exit-zero fixtures 2>&1 >/dev/null |
    grep -o 'Collected : [0-9]*' | grep -o '[0-9]*$' || true)
fi

header="Corpus: \`$corpus\` ($nfiles files, $mbytes MB), $reps interleaved repetitions
(pyright once), $(nproc) cores, $(uname -m), $(date -u +%Y-%m-%d)."
[ -n "$irefs" ] && table+="

callgrind, \`asynclint check fixtures\` ($(find fixtures -name '*.py' | wc -l) files): $irefs instructions."
echo "$header"
echo
echo "$table"

if [ "$write" = 1 ]; then
  {
    echo "# Benchmarks"
    echo
    echo "Written by \`bash bench/run.sh\`; it measures, it never fails on a time."
    echo
    echo "$header"
    echo
    echo "$table"
    if [ -f bench/NOTES.md ]; then echo; cat bench/NOTES.md; fi
  } > BENCHMARKS.md
  echo
  echo "BENCHMARKS.md written."
fi
