#!/bin/sh
# Decode tok/s of Tandem (tandem generate, 64 tokens, greedy) and llama.cpp (llama-bench tg64),
# back to back, per file and thread count. Usage: bench/kbench/decode-vs-llama.sh TANDEM LLAMA_BENCH
TANDEM=${1:-.build/release/tandem}
LLAMA=${2:-/work/llama-build/bin/llama-bench}
for f in smollm2-135m-instruct qwen2.5-coder-0.5b-instruct qwen2.5-coder-1.5b-instruct; do
  for t in 1 2; do
    tl=$("$TANDEM" generate --model /work/models/$f.gguf --prompt "def fibonacci(n):" --max-tokens 64 --ignore-eos --threads $t 2>&1 | grep -o "decode [0-9.]* tok/s")
    ll=$("$LLAMA" -m /work/models/$f.gguf -t $t -p 0 -n 64 -r 2 2>/dev/null | grep tg64 | awk -F'|' '{print $(NF-1)}')
    echo "$f threads $t: tandem $tl | llama.cpp tg64 $ll tok/s"
  done
done
