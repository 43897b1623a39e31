#!/usr/bin/env python3
"""llama.cpp's figures for `tandem bench engine`, on the same files and thread count.

Not part of CI. Needs llama-cpp-python (it builds llama.cpp from source):
    python3 -m venv bench/.venv && bench/.venv/bin/pip install llama-cpp-python
    bench/.venv/bin/python bench/llamacpp_engine.py --threads 2 bench/work/*.gguf
Writes bench/results/llamacpp-engine.json, which `tandem bench engine` reads to print the ratio
next to each of its own figures. Each file is measured in its own process so peak RSS is per model.
The measurement mirrors Tandem's: prefill = one 64-token batch (last logits only), decode = 64
single-token passes, k=N = one N-token pass with logits for every position after a 64-token
context, as a ratio to a 1-token pass; medians of repeated runs.
"""
import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time


def measure(path, threads, repetitions):
    from llama_cpp import Llama

    common = dict(model_path=path, n_ctx=512, n_batch=64, n_ubatch=64, n_threads=threads,
                  n_threads_batch=threads, verbose=False)
    llm = Llama(**common)
    n_vocab = llm.n_vocab()
    rng = random.Random(7)
    prompt = [rng.randrange(n_vocab) for _ in range(64)]

    llm.reset(); llm.eval(prompt[:8])  # warm-up
    prefill = []
    for _ in range(repetitions):
        llm.reset()
        t = time.perf_counter(); llm.eval(prompt); prefill.append(time.perf_counter() - t)
    decode = []
    for _ in range(max(1, repetitions // 2)):
        llm.reset(); llm.eval(prompt)
        t = time.perf_counter()
        for i in range(64):
            llm.eval([prompt[i % 64]])
        decode.append(time.perf_counter() - t)
    del llm

    verify = Llama(**common, logits_all=True)
    verify.reset(); verify.eval(prompt)
    pass_ms = {}
    for k in (1, 2, 4, 8, 16):
        samples = []
        for _ in range(repetitions * 3):
            verify.n_tokens = 64  # eval() drops the cache past n_tokens: the rollback
            t = time.perf_counter(); verify.eval(prompt[:k]); samples.append(time.perf_counter() - t)
        pass_ms[str(k)] = statistics.median(samples) * 1000
    return {
        "prefill_tok_s": 64 / statistics.median(prefill),
        "decode_tok_s": 64 / statistics.median(decode),
        "pass_ms": pass_ms,
        "pass_ratio": {k: v / pass_ms["1"] for k, v in pass_ms.items()},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--out", default="bench/results/llamacpp-engine.json")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.models[0], args.threads, args.repetitions)))
        return
    results = {}
    for path in args.models:
        print(f"llama.cpp: {path}", file=sys.stderr)
        out = subprocess.run([sys.executable, __file__, "--one", "--threads", str(args.threads),
                              "--repetitions", str(args.repetitions), path],
                             check=True, capture_output=True, text=True).stdout
        results[os.path.basename(path)] = json.loads(out.strip().splitlines()[-1])
        print(json.dumps(results[os.path.basename(path)]), file=sys.stderr)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
