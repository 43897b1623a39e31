#!/usr/bin/env python3
"""Drives `tandem serve` (the verifier's own cloud-only OpenAI endpoints) and `tandem proxy` (assisted
decoding behind the same endpoints) with the official `openai` Python package and with curl, and
compares the texts.

    python3 -m venv /tmp/openai-venv && /tmp/openai-venv/bin/pip install openai   # or the wheel
    swift build -c release --product tandem
    /tmp/openai-venv/bin/python bench/openai_client.py --tandem .build/release/tandem \\
        --target Models/target.gguf --draft Models/draft.gguf --out bench/results/openai.md

For every prompt: the chat completion streamed through the SDK (stream=True) from the verifier and
from the proxy, the same request non-streamed through the SDK, and streamed through `curl -N`; the
texts must be identical (greedy, temperature 0). Time to first token and tokens/s are what the client
measured (wall clock on this machine, with both processes on it); the proxy's `tandem` extension
field gives its acceptance rate, tokens per round and cloud passes per token.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import openai

PROMPTS = [
    "Write a Python function that checks whether a number is prime.",
    "What does the `with` statement do in Python?",
    "Explain the difference between a list and a tuple.",
    "Write a function that returns the n-th Fibonacci number.",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base, process, seconds=600):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args[:2]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{base} did not become healthy")


def sdk_stream(client, model, prompt, max_tokens):
    """Text, time to first content, total seconds, the tandem field (stream=True through the SDK)."""
    start = time.perf_counter()
    first = None
    text = ""
    tandem = None
    stream = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens, temperature=0,
        stream=True, stream_options={"include_usage": True})
    usage = None
    for chunk in stream:
        extra = chunk.model_extra or {}
        if extra.get("tandem"):
            tandem = extra["tandem"]
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta.content:
                if first is None:
                    first = time.perf_counter() - start
                text += choice.delta.content
    return text, first or 0.0, time.perf_counter() - start, tandem, usage


def sdk_plain(client, model, prompt, max_tokens):
    c = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens, temperature=0)
    return c.choices[0].message.content, c.choices[0].finish_reason, (c.model_extra or {}).get("tandem")


def curl_stream(base, model, prompt, max_tokens):
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}],
                       "max_tokens": max_tokens, "temperature": 0, "stream": True})
    out = subprocess.run(["curl", "-sN", base + "/v1/chat/completions", "-H", "content-type: application/json",
                          "-d", body], capture_output=True, text=True, check=True).stdout
    text = ""
    done = False
    tandem = None
    for block in out.split("\n\n"):
        if not block.startswith("data: "):
            continue
        data = block[6:]
        if data == "[DONE]":
            done = True
            continue
        chunk = json.loads(data)
        tandem = chunk.get("tandem") or tandem
        for choice in chunk.get("choices", []):
            text += choice.get("delta", {}).get("content") or ""
    return text, done, tandem


def median(values):
    values = sorted(values)
    if not values:
        return 0.0
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def timing_table(timing, args):
    """The benchmark line: median TTFT and tokens/s straight to the verifier vs through the proxy."""
    lines = [f"Timing (`--timing {args.timing}`): each prompt streamed {args.timing} more times to each server "
             "through the SDK, alternating which goes first; medians. tok/s is completion tokens over the whole "
             "request; decode tok/s is the tokens after the first over the time after the first.", "",
             "| prompt | TTFT ms verifier / proxy | tok/s verifier / proxy | proxy ÷ verifier tok/s | decode tok/s verifier / proxy | proxy local tokens |",
             "|---|---:|---:|---:|---:|---:|"]
    prompts = list(dict.fromkeys(t["prompt"] for t in timing)) + [None]
    for prompt in prompts:
        sel = [t for t in timing if prompt is None or t["prompt"] == prompt]
        v = [t for t in sel if t["side"] == "v"]
        p = [t for t in sel if t["side"] == "p"]
        vt, pt = median([t["tps"] for t in v]), median([t["tps"] for t in p])
        name = "**all**" if prompt is None else prompt[:48]
        lines.append(f"| {name} | {median([t['ttft'] for t in v]):.0f} / {median([t['ttft'] for t in p]):.0f} | "
                     f"{vt:.1f} / {pt:.1f} | {pt / vt if vt else 0:.2f} | "
                     f"{median([t['decode_tps'] for t in v]):.1f} / {median([t['decode_tps'] for t in p]):.1f} | "
                     f"{sum(t['local'] for t in p)} |")
    return lines + [""]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tandem", default=".build/release/tandem")
    ap.add_argument("--target", default="Models/target.gguf")
    ap.add_argument("--draft", default="Models/draft.gguf")
    ap.add_argument("--max-tokens", type=int, default=48)
    ap.add_argument("--prompts", type=int, default=len(PROMPTS))
    ap.add_argument("--serve-args", default="", help="extra arguments for tandem serve (e.g. '--threads 1 --cpu 1')")
    ap.add_argument("--proxy-args", default="", help="extra arguments for tandem proxy (e.g. '--threads 1 --cpu 0')")
    ap.add_argument("--out", help="write the Markdown report here")
    ap.add_argument("--timing", type=int, default=0, metavar="N",
                    help="after the comparison, stream each prompt N more times to each server (alternating which "
                         "goes first) and report the median time to first token and tokens/s, proxy vs verifier")
    args = ap.parse_args()

    serve_port, proxy_port = free_port(), free_port()
    verifier_base = f"http://127.0.0.1:{serve_port}"
    proxy_base = f"http://127.0.0.1:{proxy_port}"
    serve = subprocess.Popen([args.tandem, "serve", "--model", args.target, "--port", str(serve_port)]
                             + args.serve_args.split(), stdout=subprocess.DEVNULL)
    proxy = None
    try:
        wait_healthy(verifier_base, serve)
        proxy = subprocess.Popen([args.tandem, "proxy", "--draft", args.draft, "--server",
                                  f"ws://127.0.0.1:{serve_port}", "--port", str(proxy_port)]
                                 + args.proxy_args.split(), stdout=subprocess.DEVNULL)
        wait_healthy(proxy_base, proxy)
        verifier = openai.OpenAI(base_url=verifier_base + "/v1", api_key="none", max_retries=0, timeout=600)
        assisted = openai.OpenAI(base_url=proxy_base + "/v1", api_key="none", max_retries=0, timeout=600)
        verifier_model = verifier.models.list().data[0].id
        proxy_model = assisted.models.list().data[0].id

        rows = []
        all_equal = True
        for prompt in PROMPTS[: args.prompts]:
            v_text, v_ttft, v_total, _, v_usage = sdk_stream(verifier, verifier_model, prompt, args.max_tokens)
            p_text, p_ttft, p_total, p_tandem, p_usage = sdk_stream(assisted, proxy_model, prompt, args.max_tokens)
            v_plain, v_reason, _ = sdk_plain(verifier, verifier_model, prompt, args.max_tokens)
            p_plain, p_reason, p_plain_tandem = sdk_plain(assisted, proxy_model, prompt, args.max_tokens)
            v_curl, v_done, _ = curl_stream(verifier_base, verifier_model, prompt, args.max_tokens)
            p_curl, p_done, p_curl_tandem = curl_stream(proxy_base, proxy_model, prompt, args.max_tokens)
            local = [(t or {}).get("local_tokens", 0) for t in (p_tandem, p_plain_tandem, p_curl_tandem)]
            equal = v_text == p_text == v_plain == p_plain == v_curl == p_curl and v_done and p_done
            all_equal &= equal
            tokens = v_usage.completion_tokens if v_usage else 0
            rows.append({
                "prompt": prompt, "equal": equal, "tokens": tokens, "finish": f"{v_reason}/{p_reason}",
                "v_ttft": v_ttft * 1000, "p_ttft": p_ttft * 1000,
                "v_tps": tokens / v_total if v_total else 0, "p_tps": (p_usage.completion_tokens if p_usage else 0) / p_total if p_total else 0,
                "tandem": p_tandem or {}, "text": v_text, "local": local,
            })
            print(f"{'same' if equal else 'DIFFERENT'}  {prompt[:50]!r}", file=sys.stderr)
            if not equal:
                for name, t in [("verifier sdk stream", v_text), ("proxy sdk stream", p_text),
                                ("verifier sdk", v_plain), ("proxy sdk", p_plain),
                                ("verifier curl", v_curl), ("proxy curl", p_curl)]:
                    print(f"  {name}: {t!r}", file=sys.stderr)
        timing = []
        for rep in range(args.timing):
            for prompt in PROMPTS[: args.prompts]:
                order = [("v", verifier, verifier_model), ("p", assisted, proxy_model)]
                for side, client, model in order if rep % 2 == 0 else order[::-1]:
                    _, ttft, total, tandem, usage = sdk_stream(client, model, prompt, args.max_tokens)
                    n = usage.completion_tokens if usage else 0
                    timing.append({"prompt": prompt, "side": side, "ttft": ttft * 1000, "tps": n / total if total else 0,
                                   "decode_tps": (n - 1) / (total - ttft) if n > 1 and total > ttft else 0,
                                   "local": (tandem or {}).get("local_tokens", 0)})
            print(f"timing round {rep + 1}/{args.timing} done", file=sys.stderr)
    finally:
        for p in (proxy, serve):
            if p is not None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()

    lines = [
        f"Command: `python3 bench/openai_client.py --tandem {args.tandem} --target {args.target} --draft {args.draft} "
        f"--max-tokens {args.max_tokens}"
        + (f" --prompts {args.prompts}" if args.prompts != len(PROMPTS) else "")
        + (f" --serve-args '{args.serve_args}'" if args.serve_args else "")
        + (f" --proxy-args '{args.proxy_args}'" if args.proxy_args else "")
        + (f" --timing {args.timing}" if args.timing else "") + "`",
        f"openai package {openai.__version__}; verifier model `{verifier_model}`, proxy model `{proxy_model}`; "
        f"greedy (temperature 0), {args.max_tokens} tokens at most.",
        "",
        "| prompt | six texts identical | tokens | finish (verifier/proxy) | TTFT ms verifier / proxy | tok/s verifier / proxy | proxy acceptance | tokens/round | cloud passes/token | proxy local tokens (SDK stream / SDK / curl) |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        t = r["tandem"]
        lines.append(
            f"| {r['prompt'][:48]} | {'yes' if r['equal'] else '**no**'} | {r['tokens']} | {r['finish']} | "
            f"{r['v_ttft']:.0f} / {r['p_ttft']:.0f} | {r['v_tps']:.1f} / {r['p_tps']:.1f} | "
            f"{t.get('acceptance_rate', 0):.2f} | {t.get('tokens_per_round', 0):.2f} | {t.get('cloud_passes_per_token', 0):.2f} | "
            f"{' / '.join(str(n) for n in r['local'])} |")
    lines += ["", "The six texts: verifier and proxy, each through the SDK streamed, the SDK non-streamed and curl -N. "
              "Local tokens are tokens the proxy's draft made alone because no verifier answered within the "
              "proxy's --timeout (offline fallback): those differ from the verifier's text by design.", ""]
    if timing:
        lines += timing_table(timing, args)
    for r in rows:
        lines += [f"**{r['prompt']}**", "", "~~~~", r["text"], "~~~~", ""]
    report = "\n".join(lines)
    print(report)
    if args.out:
        with open(args.out, "a") as f:
            f.write(report + "\n")
    sys.exit(0 if all_equal else 1)


if __name__ == "__main__":
    main()
