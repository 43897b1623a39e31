#!/usr/bin/env bash
# Reproduce the bundled draft/target pair: corpus -> tokenizer -> target (+ early exit) -> distilled
# draft -> GGUF export -> evaluation, fixture and Models/README.md.
# Deterministic by step count (fixed seeds). ~30 min of compute on 2 idle cores; longer on a busy machine.
# Usage: tools/train/run.sh            (full run)
#        SMOKE=1 tools/train/run.sh    (a few steps of each stage; writes to tools/train/out/smoke, no Models/)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
fi
PY="$VENV/bin/python"
export XLA_FLAGS="${XLA_FLAGS:---xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=2}"
export JAX_PLATFORMS=cpu
cd "$HERE"
TARGET_STEPS="${TARGET_STEPS:-800}"
DRAFT_STEPS="${DRAFT_STEPS:-500}"
OUT="$HERE/out"
MODELS="$ROOT/Models"
EVAL_ARGS=()
if [ "${SMOKE:-0}" = 1 ]; then
  TARGET_STEPS=20; DRAFT_STEPS=20; OUT="$HERE/out/smoke"; MODELS="$OUT/Models"
  EVAL_ARGS=(--prompts 3 --gen 16 --max-k 4 --fixture "$OUT/bundled-reference.json")
fi
mkdir -p "$OUT"
start=$(date +%s)
"$PY" corpus.py --out "$HERE/out/corpus"
"$PY" tokenizer.py --corpus "$HERE/out/corpus" --out "$HERE/out/tok" --vocab 4096
"$PY" train.py --steps "$TARGET_STEPS" --eval-every 100 --out "$OUT/target.npz"
"$PY" distill.py --steps "$DRAFT_STEPS" --teacher "$OUT/target.npz" --out "$OUT/draft.npz"
"$PY" export_gguf.py --target "$OUT/target.npz" --draft "$OUT/draft.npz" --models "$MODELS"
"$PY" evaluate.py --models "$MODELS" --out "$OUT" "${EVAL_ARGS[@]}"
echo "total $(( $(date +%s) - start )) s"
