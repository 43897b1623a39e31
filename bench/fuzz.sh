#!/usr/bin/env bash
# The long hostile-input runs of issue 18 item 4 (bench/results/security.md): 100,000 frames through the
# wire codec, 10,000 hostile frames and wrong-order sequences against a live verifier (bundled toy pair)
# while a well-behaved client keeps generating, 10,000 mutated requests (built from docs/openai-subset.json)
# against a live verifier's OpenAI endpoints while a well-behaved client keeps getting its greedy text,
# 100,000 mutated GGUF files through the reader.
# Writes one JSON report per target to OUT_DIR and stops at the first run with a failure or a hang
# (`tandem bench fuzz` exits 1). A crash ends a run early: OUT_DIR/<target>.progress names the batch.
#
# Usage:
#   bench/fuzz.sh [--seed 1] [--wire 100000] [--server 10000] [--openai 10000] [--gguf 100000]
#                 [--out-dir /tmp/tandem-fuzz]
#                 [--tandem .build/release/tandem]
set -euo pipefail
cd "$(dirname "$0")/.."

SEED=1
WIRE=100000
SERVER=10000
OPENAI=10000
GGUF=100000
OUT_DIR=/tmp/tandem-fuzz
TANDEM=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --seed) SEED=$2; shift 2 ;;
    --wire) WIRE=$2; shift 2 ;;
    --server) SERVER=$2; shift 2 ;;
    --openai) OPENAI=$2; shift 2 ;;
    --gguf) GGUF=$2; shift 2 ;;
    --out-dir) OUT_DIR=$2; shift 2 ;;
    --tandem) TANDEM=$2; shift 2 ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

if [[ -z "$TANDEM" ]]; then
  swift build --product tandem >&2
  TANDEM=.build/debug/tandem
fi
mkdir -p "$OUT_DIR"

run() {
  local target=$1 inputs=$2
  echo "fuzz $target: $inputs inputs, seed $SEED" >&2
  /usr/bin/time -f "$target: %e s wall, %M KB max RSS" "$TANDEM" bench fuzz --target "$target" \
    --inputs "$inputs" --seed "$SEED" --progress "$OUT_DIR/$target.progress" --json > "$OUT_DIR/$target.json"
}

run gguf "$GGUF"
run wire "$WIRE"
run server "$SERVER"
run openai "$OPENAI"
echo "reports in $OUT_DIR" >&2
