#!/usr/bin/env bash
# fuzz/run.sh - build the libFuzzer harnesses with clang + ASan + UBSan and
# run each for SECONDS (default 60), seeded from fixtures/. Any crash, leak
# or slow input (> 2 s) fails; the reproducer is left in build-fuzz/, and
# belongs in fuzz/regressions/<harness>/ once fixed.
# Usage: bash fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

if ! command -v clang >/dev/null || ! echo 'int LLVMFuzzerTestOneInput(const char*d,long n){return 0;}' |
     clang -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
  else
    echo "fuzz/run.sh: needs clang with libFuzzer (Debian: libclang-rt-14-dev)" >&2
    exit 2
  fi
fi

build=build-fuzz
CC=clang cmake -S . -B "$build" -DASL_FUZZ=ON -DASL_SANITIZE=ON \
  -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzz_lint fuzz_config fuzz_runtime >/dev/null

total=0
for harness in fuzz_lint fuzz_config fuzz_runtime; do
  dir="$build/fuzz"
  corpus="$dir/corpus-$harness"
  mkdir -p "$corpus"
  # Seeds, prefixed with a mode byte: every fixture for the pipeline, every
  # TOML file of the repository and the test configurations for the config.
  case $harness in
    fuzz_lint) seeds=$(find fixtures -name '*.py' | sort) ;;
    fuzz_runtime) seeds=$(find fixtures/runtime -name '*.py' | sort) ;;
    fuzz_config) seeds=$(find . -name '*.toml' -not -path './build*' | sort) ;;
  esac
  for f in $seeds; do
    { printf '\001'; cat "$f"; } > "$corpus/seed-$(echo "$f" | tr '/' '_')"
  done
  log="$dir/$harness.log"
  # Every input that once crashed, leaked or timed out stays a regression
  # test: each must now pass within the time limit.
  reg=fuzz/regressions/$harness
  if [ -d "$reg" ] && ls "$reg"/* >/dev/null 2>&1; then
    if ! "$dir/$harness" -timeout=2 -rss_limit_mb=2048 "$reg"/* \
         > "$dir/$harness.regressions.log" 2>&1; then
      tail -40 "$dir/$harness.regressions.log"
      echo "fuzz: $harness regression input FAILED"
      exit 1
    fi
    echo "fuzz: $harness regressions ok ($(ls "$reg" | wc -l) inputs)"
  fi
  if ! (cd "$dir" && "./$harness" -max_total_time="$seconds" -timeout=2 \
        -rss_limit_mb=2048 -max_len=65536 -dict=../../fuzz/python.dict \
        -print_final_stats=1 "corpus-$harness" > "$harness.log" 2>&1); then
    tail -40 "$log"
    echo "fuzz: $harness FAILED (reproducer in $dir/)"
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  echo "fuzz: $harness ok, $runs executions in ${seconds}s"
  total=$((total + runs))
done
echo "fuzz: $total executions in total"
