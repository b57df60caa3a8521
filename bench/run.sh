#!/usr/bin/env bash
# bench/run.sh - measure asynclint against its parse-only baseline and its
# peers on one corpus, interleaved, several repetitions each; print the
# table and write it into BENCHMARKS.md. A benchmark measures: it never
# fails on a time (nor on a findings mismatch, which it prints loudly).
#
#   bash bench/run.sh [--corpus DIR] [--reps N] [--pyright] [--quick] [--no-write]
#
#   --quick     one repetition, no linearity run, no callgrind (smoke run)
#   --no-write  print only, leave BENCHMARKS.md alone
#
# Default corpus: this machine's Python standard library without
# site-packages. Peers (pinned in bench/package.json, installed with npm on
# first use; skipped with a note if npm cannot install them): ruff's ASYNC +
# RUF006 rules through @astral-sh/ruff-wasm-nodejs (node --liftoff-only, so
# V8's background compile is not counted), and pyright's
# reportUnusedCoroutine (only with --pyright: it takes minutes).
#
# Besides the table it prints: what each asynclint mode read, parsed and
# skipped (one `-v` run per mode); whether the findings are byte-identical
# with and without the pre-filter and on 1 or all threads; the time on the
# corpus copied 4 times (linearity); callgrind instruction counts on the
# fixtures and on a fixed stdlib sub-corpus (repeatable where wall time is
# noisy); and the language server's re-check latency (100 edits of a
# generated 2,000-module project) and memory (10,000 edits of a 200-module
# one; 1,000 with --quick), by bench/server_latency.py.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

usage="usage: bench/run.sh [--corpus DIR] [--reps N] [--pyright] [--quick] [--no-write]"
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
    --quick) quick=1; shift ;;
    --no-write) write=0; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[ "$quick" = 1 ] && reps=1
[ -n "$corpus" ] || corpus=$(python3 -c 'import sysconfig;print(sysconfig.get_paths()["stdlib"])')
corpus=$(cd "$corpus" && pwd)
# "default threads" means every core, whatever the caller's environment says.
unset ASYNCLINT_THREADS
cores=$(nproc)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

build="build-bench"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j "$cores" --target asynclint asl_parse_only >/dev/null
# Run private copies, so a rebuild of build-bench during the run cannot mix
# two versions in one table.
mkdir "$tmp/bin"
cp "$build/asynclint" "$build/asl_parse_only" "$tmp/bin/"
al=$tmp/bin/asynclint
po=$tmp/bin/asl_parse_only

notes=""  # peers skipped and why
have_peers=0
if command -v node >/dev/null && command -v npm >/dev/null; then
  if (cd bench && { [ -d node_modules/@astral-sh/ruff-wasm-nodejs ] ||
      timeout 600 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error \
        --fetch-retries=1 >&2; }); then
    have_peers=1
  fi
fi
if [ "$have_peers" = 0 ]; then
  notes+="ruff-wasm (and pyright) skipped: node/npm missing or npm could not install bench/node_modules.
"
  echo "bench/run.sh: ${notes%?}" >&2
fi

files=$tmp/files
timing=$tmp/timing
find "$corpus" \( -name site-packages -o -name __pycache__ \) -prune -o \
  -name '*.py' -print | sort > "$files"
nfiles=$(wc -l < "$files")
mbytes=$(xargs -d '\n' cat < "$files" | wc -c | awk '{printf "%.1f", $1/1048576}')

# asynclint modes: name|flags (the table rows, the files lines and the
# findings comparison use the same flags)
t1="asynclint --threads 1"
tn="asynclint (default threads: $cores)"
t1np="asynclint --threads 1 --no-prefilter"
tnnp="asynclint (default threads) --no-prefilter"
t1ix="asynclint --threads 1 --select ASL302,ASL303 (no index)"
modes=(
  "$t1|--threads 1"
  "$tn|"
  "$t1np|--threads 1 --no-prefilter"
  "$tnnp|--no-prefilter"
  "$t1ix|--threads 1 --select ASL302,ASL303"
)

# name|command (run with bash -c; stdout discarded)
cmds=("parse-only (1 thread)|$po < $files")
for m in "${modes[@]}"; do
  cmds+=("${m%%|*}|$al check -q --exit-zero ${m#*|} $corpus")
done
if [ "$have_peers" = 1 ]; then
  cmds+=("ruff-wasm ASYNC+RUF006 (whole process)|node --liftoff-only bench/ruff_peer.mjs ASYNC,RUF006 $corpus")
fi
if [ "$with_pyright" = 1 ]; then
  if [ "$have_peers" = 1 ] && [ -f bench/node_modules/pyright/index.js ]; then
    pycfg=$tmp/pyright
    mkdir "$pycfg"
    printf '{"include": ["%s"], "typeCheckingMode": "off", "reportUnusedCoroutine": "error"}\n' \
      "$corpus" > "$pycfg/pyrightconfig.json"
    cmds+=("pyright reportUnusedCoroutine|cd $pycfg && node $root/bench/node_modules/pyright/index.js")
  else
    notes+="pyright skipped: bench/node_modules/pyright is not installed.
"
  fi
fi

timed() { # timed CMD: run it under /usr/bin/time, print "seconds kilobytes"
  /usr/bin/time -o "$timing" -f "%e %M" bash -c "$1" >/dev/null 2>&1 || true
  tail -1 "$timing"
}

declare -A times rss
for ((rep = 0; rep < reps; rep++)); do
  echo "bench/run.sh: repetition $((rep + 1)) of $reps" >&2
  for entry in "${cmds[@]}"; do
    name=${entry%%|*}
    cmd=${entry#*|}
    if [ "$rep" -gt 0 ] && [[ $name == pyright* ]]; then continue; fi
    out=$(timed "$cmd")
    times[$name]="${times[$name]:-} ${out%% *}"
    kb=${out##* }
    [ "${rss[$name]:-0}" -ge "$kb" ] || rss[$name]=$kb
  done
done

stats() { # min and median of a list of numbers
  tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {
    printf "%.2f %.2f", a[1], (NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2) }'
}
declare -A tmin
base=$(echo "${times[parse-only (1 thread)]}" | stats | cut -d' ' -f1)
table="| run | min | median | ratio to parse-only (min) | peak RSS |
|---|---|---|---|---|"
for entry in "${cmds[@]}"; do
  name=${entry%%|*}
  read -r mn md <<< "$(echo "${times[$name]}" | stats)"
  tmin[$name]=$mn
  ratio=$(awk -v a="$mn" -v b="$base" 'BEGIN {printf "%.2f", a / b}')
  table+="
| $name | ${mn} s | ${md} s | ${ratio} | $(( ${rss[$name]} / 1024 )) MB |"
done
ruff_name=$(printf '%s\n' "${!tmin[@]}" | grep '^ruff-wasm' | head -1 || true)
if [ -n "$ruff_name" ]; then
  t1_name=$(printf '%s\n' "${!tmin[@]}" | grep -x 'asynclint --threads 1' | head -1 || true)
  tn_name=$(printf '%s\n' "${!tmin[@]}" | grep '^asynclint (default threads' | grep -v prefilter | head -1 || true)
  if [ -n "$t1_name" ] && [ -n "$tn_name" ]; then
    table+="

asynclint is $(awk -v a="${tmin[$ruff_name]}" -v b="${tmin[$tn_name]}" 'BEGIN {printf "%.1f", a / b}')x faster than ruff-wasm's whole process with default threads ($(awk -v a="${tmin[$ruff_name]}" -v b="${tmin[$t1_name]}" 'BEGIN {printf "%.1f", a / b}')x on one thread), minimum against minimum."
  fi
fi

# One extra run per mode with -v and --format json: what was read, parsed
# and skipped (stderr), and the findings (stdout) for the comparison below.
echo "bench/run.sh: one -v run per asynclint mode" >&2
filelines=""
i=0
for m in "${modes[@]}"; do
  name=${m%%|*}
  # shellcheck disable=SC2086  # flags are words
  "$al" check -v --exit-zero --format json ${m#*|} "$corpus" \
    > "$tmp/out$i.json" 2> "$tmp/err$i" || true
  line=$(grep -E '^asynclint: [0-9]+ files read' "$tmp/err$i" | tail -1 || true)
  f=$(echo "$line" | sed -nE 's/^asynclint: ([0-9]+) files read: ([0-9]+) parsed \(([0-9]+) in later rounds: [0-9]+ kept in memory, ([0-9]+) read twice\), ([0-9]+) skipped by the pre-filter; [0-9]+ checked; ([0-9.]+) of ([0-9.]+) MB parsed \(([0-9]+ files in [0-9]+ parts)\).*/\1 read, \2 parsed (\3 in later rounds, \4 of them read twice), \5 skipped by the pre-filter, \6 of \7 MB parsed, \8/p')
  [ -n "$f" ] || f=${line#asynclint: }
  [ -n "$f" ] || f="(no -v summary on stderr)"
  filelines+="- files, $name: $f
"
  i=$((i + 1))
done
filelines=${filelines%?}

# Soundness: the pre-filter and the threads must not change a byte of the
# findings. Reference: default threads with the pre-filter (mode 1).
count() { # number of findings in a json output
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' < "$1" 2>/dev/null ||
    grep -c '"code": ' "$1" || true
}
nref=$(count "$tmp/out1.json")
same="findings identical: yes ($nref findings; json, --threads 1 and $cores, with and without --no-prefilter)"
mismatch=""
for i in 0 2 3; do
  if ! cmp -s "$tmp/out1.json" "$tmp/out$i.json"; then
    d=$(diff "$tmp/out1.json" "$tmp/out$i.json" || true)
    only_ref=$(echo "$d" | grep -c '^<' || true)
    only_this=$(echo "$d" | grep -c '^>' || true)
    mismatch+="
- \`${modes[$i]#*|}\` vs default: $(count "$tmp/out$i.json") vs $nref findings; $only_ref lines only in the default run, $only_this only in this one; first differences:
\`\`\`
$(echo "$d" | head -8 | cut -c1-200)
\`\`\`"
  fi
done
if [ -n "$mismatch" ]; then
  same="**FINDINGS IDENTICAL: NO** !!! the pre-filter or the threads change the findings (default run: $nref findings):$mismatch"
  {
    echo
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "!!! bench/run.sh: FINDINGS DIFFER between modes (see the table text)  !!!"
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo
  } >&2
fi

# Linearity: the corpus copied 4 times (4 sibling directories in one temp
# root, site-packages and __pycache__ left out), asynclint --threads 1.
linear=""
if [ "$quick" = 0 ]; then
  echo "bench/run.sh: linearity (corpus x4)" >&2
  x4=$tmp/x4
  mkdir -p "$x4/copy1"
  find "$corpus" -mindepth 1 -maxdepth 1 ! -name site-packages ! -name __pycache__ \
    -exec cp -r {} "$x4/copy1/" \;
  find "$x4/copy1" -name __pycache__ -prune -exec rm -rf {} +
  for c in 2 3 4; do cp -r "$x4/copy1" "$x4/copy$c"; done
  lreps=$(( reps < 3 ? reps : 3 ))
  ltimes="" lkb=0
  for ((rep = 0; rep < lreps; rep++)); do
    out=$(timed "$al check -q --exit-zero --threads 1 $x4")
    ltimes+=" ${out%% *}"
    [ "$lkb" -ge "${out##* }" ] || lkb=${out##* }
  done
  lmin=$(echo "$ltimes" | stats | cut -d' ' -f1)
  read -r lratio lok <<< "$(awk -v a="$lmin" -v b="${tmin[$t1]}" 'BEGIN {
    r = a / b; printf "%.2f %s", r, (r >= 3.2 && r <= 4.8) ? "yes" : "NO" }')"
  linear="linearity: \`asynclint --threads 1\` on the corpus copied 4 times ($((4 * nfiles)) files, $(awk -v m="$mbytes" 'BEGIN {printf "%.1f", 4 * m}') MB): ${lmin} s (min of $lreps) vs ${tmin[$t1]} s, ${lratio}x (within 4x ±20%: $lok); peak RSS $((lkb / 1024)) MB vs $(( ${rss[$t1]} / 1024 )) MB on the corpus."
  rm -rf "$x4"
fi

# Instruction counts on fixed inputs: repeatable on a noisy machine, so
# regressions show up where wall time cannot tell. --threads 1: with more
# threads the count moves by a few 0.1% from run to run.
irefs=""
if [ "$quick" = 0 ]; then
  if command -v valgrind >/dev/null; then
    echo "bench/run.sh: callgrind" >&2
    icount() {
      valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$al" check -q --exit-zero --threads 1 "$1" 2>&1 >/dev/null |
        grep -o 'Collected : [0-9]*' | grep -o '[0-9]*$' || true
    }
    n=$(icount fixtures)
    irefs="callgrind, \`asynclint check --threads 1 fixtures\` ($(find fixtures -name '*.py' | wc -l) files): ${n:-?} instructions."
    sub=$tmp/stdlib_sub
    mkdir "$sub"
    dirs=""
    for d in asyncio json email; do
      if [ -d "$corpus/$d" ]; then cp -r "$corpus/$d" "$sub/"; dirs+="${dirs:+, }\`$d/\`"; fi
    done
    find "$sub" -name __pycache__ -prune -exec rm -rf {} +
    if [ -n "$dirs" ]; then
      subfiles=$(find "$sub" -name '*.py' | wc -l)
      submb=$(find "$sub" -name '*.py' -exec cat {} + | wc -c | awk '{printf "%.1f", $1/1048576}')
      n=$(icount "$sub")
      irefs+="

callgrind, \`asynclint check --threads 1\` on $dirs of the corpus copied into one temp directory (its own project; $subfiles files, $submb MB): ${n:-?} instructions."
    fi
  else
    irefs="callgrind: skipped (valgrind not installed)."
  fi
fi

# The language server (issue 19): the time from a didChange to the
# publishDiagnostics of its version, and its RSS over many edits.
server=""
if "$al" server --help >/dev/null 2>&1; then
  echo "bench/run.sh: language server latency and memory" >&2
  load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
  lat=$(python3 bench/server_latency.py "$al" --generate 2000 --edits 100 2>/dev/null |
        tail -1 || true)
  medits=10000
  [ "$quick" = 1 ] && medits=1000
  mem=$(python3 bench/server_latency.py "$al" --generate 200 --edits "$medits" \
          --rss-every 1000 2>/dev/null | tail -1 || true)
  rss=$(echo "$mem" | sed -nE 's/^RSS every 1000 edits: first ([0-9]+) KB, last ([0-9]+) KB, max ([0-9]+) KB.*/first \1 KB, last \2 KB, max \3 KB/p')
  server="language server (\`bench/server_latency.py\`, load average $load at the start): a didChange to the publishDiagnostics of its version, one module of a generated 2,000-module project open: ${lat:-no figures (the run failed)}.

language server memory: $medits edits of one module of a generated 200-module project, RSS sampled every 1,000 edits: ${rss:-?}."
else
  server="language server: skipped (this asynclint was built without it: no cJSON)."
fi

rtext="$reps interleaved repetitions"
[ "$reps" = 1 ] && rtext="1 repetition"
[ "$with_pyright" = 1 ] && rtext+=" (pyright once)"
header="Corpus: \`$corpus\` ($nfiles files, $mbytes MB), $rtext,
$cores cores, $(uname -m) $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'), $(date -u +%Y-%m-%d)."
[ "$quick" = 1 ] && header+="
Quick run (\`--quick\`): one repetition, no linearity run, no callgrind."
report="$table

$filelines

$same"
[ -n "$linear" ] && report+="

$linear"
[ -n "$irefs" ] && report+="

$irefs"
[ -n "$server" ] && report+="

$server"
[ -n "$notes" ] && report+="

${notes%?}"
echo "$header"
echo
echo "$report"

if [ "$write" = 1 ]; then
  {
    echo "# Benchmarks"
    echo
    echo "Written by \`bash bench/run.sh\`; it measures, it never fails on a time."
    echo
    echo "$header"
    echo
    echo "$report"
    if [ -f bench/NOTES.md ]; then echo; cat bench/NOTES.md; fi
  } > BENCHMARKS.md
  echo
  echo "BENCHMARKS.md written."
fi
