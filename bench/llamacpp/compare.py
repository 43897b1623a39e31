"""The comparison rules of bench/real_models.py: Tandem's logits and greedy tokens against llama.cpp's.

Pure functions over the two engines' outputs, unit-tested in bench/llamacpp/test_compare.py
(`python3 -m unittest discover -s bench/llamacpp`).

Inputs:
  llama   — one logits_dump JSON object: tokens, batch.top / single.top ([{id, logit}], descending),
            spread_top, greedy, greedy_margin.
  tandem  — {"tokens": ids from Tandem's tokenizer, "top": [{id, logit}] (at least as long as
            llama.cpp's top, from `tandem logits --json --top N`), "greedy": ids}.
"""
import math

TOP = 10


def top_map(entries):
    return {e["id"]: e["logit"] for e in entries}


def max_abs_delta(llama_top, tandem_top, count=TOP):
    """Max |Δlogit| over llama.cpp's `count` largest ids; inf when Tandem's list lacks one of them
    (Tandem then ranks that id below everything it listed: a difference larger than any measured)."""
    theirs = top_map(tandem_top)
    worst = 0.0
    for entry in llama_top[:count]:
        if entry["id"] not in theirs:
            return math.inf
        worst = max(worst, abs(entry["logit"] - theirs[entry["id"]]))
    return worst


def margin(top):
    """llama.cpp's own top-1/top-2 gap."""
    return top[0]["logit"] - top[1]["logit"] if len(top) > 1 else math.inf


def top1_verdict(llama_top, tandem_top, delta):
    """'same' when the top-1 ids agree; 'explained' when they differ but llama.cpp's own top-1/top-2
    margin is no larger than the engines' difference (the issue's rule: top-1 must agree wherever
    the margin exceeds the difference); 'DIFFERENT' otherwise."""
    if llama_top[0]["id"] == tandem_top[0]["id"]:
        return "same"
    return "explained" if margin(llama_top) <= delta else "DIFFERENT"


def first_divergence(a, b):
    """Index of the first position where the token lists differ (or where one ends), None if equal."""
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def greedy_verdict(llama, tandem_greedy, tolerance):
    """('same', None, None) when the continuations agree; otherwise (verdict, index, llama.cpp's
    margin there), where verdict is 'explained' when that margin is within `tolerance` (the engines'
    measured difference on this prompt, or llama.cpp's own batch-vs-single spread if larger) and
    'DIFFERENT' otherwise."""
    index = first_divergence(llama["greedy"], tandem_greedy)
    if index is None:
        return "same", None, None
    margins = llama["greedy_margin"]
    if index >= len(margins) or index >= len(tandem_greedy):
        return "DIFFERENT", index, None
    gap = margins[index]
    return ("explained" if gap <= tolerance else "DIFFERENT"), index, gap


def compare(llama, tandem):
    """One prompt's row: every figure the report prints, and whether the issue's rules hold."""
    delta = max_abs_delta(llama["batch"]["top"], tandem["top"])
    spread = llama["spread_top"]
    same_tokens = llama["tokens"] == tandem["tokens"]
    top1 = top1_verdict(llama["batch"]["top"], tandem["top"], delta)
    greedy, index, gap = greedy_verdict(llama, tandem["greedy"], max(delta, spread))
    return {
        "tokens": len(llama["tokens"]),
        "tokenization": "same" if same_tokens else "DIFFERENT",
        "top1": top1,
        "llama_margin": margin(llama["batch"]["top"]),
        "delta_top10": delta,
        "llama_spread_top10": spread,
        "delta_within_spread": delta <= spread,
        "greedy": greedy,
        "greedy_divergence": index,
        "greedy_divergence_margin": gap,
        "greedy_tokens": len(llama["greedy"]),
        "ok": same_tokens and top1 != "DIFFERENT" and greedy != "DIFFERENT" and math.isfinite(delta),
    }
