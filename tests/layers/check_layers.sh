#!/usr/bin/env bash
# tests/layers/check_layers.sh - keeps the layers acyclic (README.md,
# "Layout"): each library folder includes only from itself and the layers
# below it. The front ends (cli/, server/), tests and fuzzers may include
# anything.
#
#   analyzer/  -> analyzer/
#   rules/     -> rules/, analyzer/
#   runtime/   -> runtime/, analyzer/asl.h (the parser, sources, arenas)
#
# A quoted #include must name a file from the includer's folder: one found
# only through an include directory could hide a crossing.
#
# Usage: check_layers.sh [ROOT]   (ROOT: the checkout; default: this one)
# Exits 1 naming each crossing, 2 when a layer's folder is missing.
set -euo pipefail
root=$(cd "${1:-$(dirname "$0")/../..}" && pwd)

# What the files of a layer may include, as a pattern over the included
# file's path from the root.
allowed() {
  case $1 in
    analyzer) echo '^analyzer/' ;;
    rules) echo '^(rules|analyzer)/' ;;
    runtime) echo '^(runtime/|analyzer/asl\.h$)' ;;
  esac
}

# Prints "LINE:PATH" for each quoted #include of a file.
quoted_includes() {
  grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$1" |
    sed -E 's/^([0-9]+):[^"]*"([^"]*)".*/\1:\2/' || true
}

# Sets `resolved` to the path from the root of `inc` included from folder
# `dir` (itself from the root): "rules/x" + "../../analyzer/a.h" gives
# "analyzer/a.h"; one that climbs above the root keeps its leading "..".
resolve() {
  local part parts out=()
  IFS=/ read -ra parts <<<"$1/$2"
  for part in "${parts[@]}"; do
    case $part in
      '' | .) ;;
      ..) if ((${#out[@]})) && [ "${out[-1]}" != .. ]; then
            unset 'out[-1]'
          else
            out+=(..)
          fi ;;
      *) out+=("$part") ;;
    esac
  done
  local IFS=/
  resolved="${out[*]}"
}

crossings=0
files=0
for layer in analyzer rules runtime; do
  if [ ! -d "$root/$layer" ]; then
    echo "check_layers: no $layer/ in $root" >&2
    exit 2
  fi
  pattern=$(allowed "$layer")
  while IFS= read -r file; do
    files=$((files + 1))
    rel=${file#"$root"/}
    while IFS=: read -r line inc; do
      resolve "${rel%/*}" "$inc"
      target=$resolved
      if [ ! -f "$root/$target" ]; then
        echo "$rel:$line: includes \"$inc\", which is not a file from ${rel%/*}/"
        crossings=$((crossings + 1))
      elif ! [[ $target =~ $pattern ]]; then
        echo "$rel:$line: $layer/ includes $target"
        crossings=$((crossings + 1))
      fi
    done < <(quoted_includes "$file")
  done < <(find "$root/$layer" -type f \( -name '*.c' -o -name '*.h' -o \
                -name '*.def' \) | sort)
done

echo "check_layers: $files files of analyzer/, rules/, runtime/; $crossings crossings"
[ "$crossings" -eq 0 ]
