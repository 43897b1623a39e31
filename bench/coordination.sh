#!/bin/bash
# Coordination figures: a coordinator and two verifiers (the bundled target) on loopback, then
#   - how long until both are listed (process start, model load, SHA-256, registration),
#   - assisted generation through the coordinator,
#   - how long a SIGKILLed verifier stays listed (heartbeat timeout 3 s),
#   - generation with every verifier gone (the draft alone, all tokens local).
# Usage: bench/coordination.sh [path/to/tandem]   (default .build/release/tandem)
set -u
T=${1:-.build/release/tandem}
export TANDEM_SECRET=bench-secret
work=$(mktemp -d)
now() { date +%s.%N; }
count() { curl -s "$URL/v1/verifiers" | grep -o '"address"' | wc -l; }
stats() { python3 -c 'import json,sys; s=json.load(sys.stdin)["stats"]; print("%d tokens, %.1f tok/s, %d rounds, local_tokens %d, failovers %d" % (s["generated_tokens"], s["tokens_per_s"], s["rounds"], s["local_tokens"], s["failovers"]))'; }

$T coordinator --port 0 --heartbeat-timeout 3 > "$work/coord.out" 2> "$work/coord.err" &
C=$!
while ! grep -q http "$work/coord.out" 2>/dev/null; do sleep 0.05; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/coord.out" | head -1)
start=$(now)
$T serve --model Models/target.gguf --port 0 --threads 1 --register "$URL" > "$work/v1.out" 2> "$work/v1.err" &
V1=$!
$T serve --model Models/target.gguf --port 0 --threads 1 --register "$URL" > "$work/v2.out" 2> "$work/v2.err" &
V2=$!
while [ "$(count)" -lt 2 ]; do sleep 0.02; done
echo "both verifiers listed after $(echo "$(now) - $start" | bc) s"
for i in 1 2 3; do
  echo -n "assisted via the coordinator: "
  $T generate --draft Models/draft.gguf --coordinator "$URL" --prompt "Return the" --max-tokens 200 --ignore-eos --json | stats
done
# Kill the verifier in use 0.3 s into a generation (explicit list: the first is used first): the
# client fails over to the other one.
A=$(grep -o 'ws://127.0.0.1:[0-9]*' "$work/v1.out" | head -1)
B=$(grep -o 'ws://127.0.0.1:[0-9]*' "$work/v2.out" | head -1)
$T generate --draft Models/draft.gguf --server "$A,$B" --prompt "Return the" --max-tokens 240 --ignore-eos --json > "$work/base.json"
(sleep 0.3; kill -9 $V1) &
K=$!
$T generate --draft Models/draft.gguf --server "$A,$B" --prompt "Return the" --max-tokens 240 --ignore-eos --json > "$work/failover.json" 2> /dev/null
python3 - "$work/base.json" "$work/failover.json" <<'PY'
import json, sys
base, fail = (json.load(open(p)) for p in sys.argv[1:3])
b, f = base["stats"], fail["stats"]
print("verifier killed mid-generation: failovers %d, tokens identical to the uninterrupted run: %s, %.1f tok/s (uninterrupted %.1f)"
      % (f["failovers"], fail["tokens"] == base["tokens"], f["tokens_per_s"], b["tokens_per_s"]))
PY
wait $K
kill -9 $V1 $V2 2>/dev/null
killed=$(now)
while [ "$(count)" -gt 0 ]; do sleep 0.02; done
echo "SIGKILLed verifiers dropped from the listing $(echo "$(now) - $killed" | bc) s after the kill (timeout 3 s)"
for i in 1 2 3; do
  echo -n "no verifier left: "
  $T generate --draft Models/draft.gguf --coordinator "$URL" --prompt "Return the" --max-tokens 200 --ignore-eos --json | stats
done
kill $C
wait $C 2>/dev/null
rm -rf "$work"
