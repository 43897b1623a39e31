"""Evaluate the exported pair exactly as stored (GGUF read back, F16 -> F32), write
  tools/train/out/eval.json                                  all figures
  Tests/TandemModelTests/Fixtures/bundled-reference.json     logits fixture for the Swift engine
  Models/README.md                                           the model card with the figures

Figures:
  * held-out loss (nats/token) of target, target early-exit head, draft; all non-overlapping
    256-token windows of the held-out split;
  * teacher-forced greedy agreement draft-vs-target (and exit-vs-target), sum_x min(p, q) at T=1;
  * simulated greedy speculative decoding: N held-out prompts, the target's greedy continuation,
    the draft's k-token greedy proposal from every prefix; accepted = matching prefix; the round
    advances by accepted + 1. Stratified by whether the target's continuation loops
    (distinct-4-gram ratio < 0.5);
  * samples at T=0.8 (fixed seed).
"""
import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=2")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import argparse
import json
import time

import jax
import jax.numpy as jnp
import numpy as np
from tokenizers import Tokenizer

jax.config.update("jax_default_matmul_precision", "highest")

import model as M
import reference_numpy
from export_gguf import load_gguf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(HERE, "out")


def make_fwd(cfg, p):
    @jax.jit
    def fwd(tokens):
        return M.forward(cfg, p, tokens)
    return fwd


def make_exit_fwd(cfg, p):
    @jax.jit
    def fwd(tokens):
        return M.exit_logits(cfg, p, tokens)
    return fwd


def heldout_metrics(tcfg, tp, dcfg, dp, held, T, bs=8):
    windows = [held[s:s + T + 1] for s in range(0, held.size - T - 1, T)]
    W = np.stack(windows).astype(np.int32)

    @jax.jit
    def stats(x):
        inp, tgt = x[:, :-1], x[:, 1:]
        lt = M.forward(tcfg, tp, inp)
        le = M.exit_logits(tcfg, tp, inp)
        ld = M.forward(dcfg, dp, inp)

        def ce(l):
            return jax.nn.logsumexp(l, -1) - jnp.take_along_axis(l, tgt[..., None], -1)[..., 0]
        pt, pd, pe = jax.nn.softmax(lt, -1), jax.nn.softmax(ld, -1), jax.nn.softmax(le, -1)
        at = jnp.argmax(lt, -1)
        return {
            "target_ce": ce(lt).sum(), "exit_ce": ce(le).sum(), "draft_ce": ce(ld).sum(),
            "target_acc": (at == tgt).sum(), "draft_acc": (jnp.argmax(ld, -1) == tgt).sum(),
            "agree_draft": (jnp.argmax(ld, -1) == at).sum(), "agree_exit": (jnp.argmax(le, -1) == at).sum(),
            "minpq_draft": jnp.minimum(pt, pd).sum(), "minpq_exit": jnp.minimum(pt, pe).sum(),
        }

    tot = {}
    n = 0
    for i in range(0, len(W), bs):
        x = W[i:i + bs]
        if len(x) < bs:  # pad with repeats to keep one compiled shape; count only real rows
            real = len(x)
            x = np.concatenate([x, np.repeat(x[-1:], bs - real, 0)])
            s = stats(jnp.asarray(x[:real].repeat(1, 0)))  # different shape only once at the end
        else:
            real = bs
            s = stats(jnp.asarray(x))
        for k, v in s.items():
            tot[k] = tot.get(k, 0.0) + float(v)
        n += real * T
    r = {k: v / n for k, v in tot.items()}
    return {
        "windows": len(W), "positions": n,
        "target_loss": r["target_ce"], "exit_loss": r["exit_ce"], "draft_loss": r["draft_ce"],
        "target_top1_vs_data": r["target_acc"], "draft_top1_vs_data": r["draft_acc"],
        "teacher_forced_agreement_draft": r["agree_draft"], "teacher_forced_agreement_exit": r["agree_exit"],
        "sum_min_pq_draft_T1": r["minpq_draft"], "sum_min_pq_exit_T1": r["minpq_exit"],
    }


def greedy_continue(fwd, prompts, n_new, L):
    """prompts: (B, P) int32, all the same length. Full recomputation on a fixed padded length L."""
    B, P = prompts.shape
    buf = np.zeros((B, L), np.int32)
    buf[:, :P] = prompts
    for t in range(P, P + n_new):
        logits = np.asarray(fwd(jnp.asarray(buf)))
        buf[:, t] = logits[:, t - 1].argmax(-1)
    return buf[:, P:P + n_new]


def draft_rollouts(dfwd, prompt, cont, k, L):
    """For each prefix prompt+cont[:i] (i = 0..len(cont)-1) the draft's k greedy tokens."""
    P, G = len(prompt), len(cont)
    buf = np.zeros((G, L), np.int32)
    full = np.concatenate([prompt, cont])
    for i in range(G):
        buf[i, :P + i] = full[:P + i]
    lens = np.array([P + i for i in range(G)])
    out = np.zeros((G, k), np.int32)
    rows = np.arange(G)
    for j in range(k):
        logits = np.asarray(dfwd(jnp.asarray(buf)))
        nxt = logits[rows, lens - 1].argmax(-1)
        out[:, j] = nxt
        buf[rows, lens] = nxt
        lens = lens + 1
    return out


def distinct4(seq):
    grams = [tuple(seq[i:i + 4]) for i in range(len(seq) - 3)]
    return len(set(grams)) / max(1, len(grams))


def simulate(cont, roll, k):
    """Greedy speculative decoding along the target's greedy continuation `cont`."""
    G = len(cont)
    i, rounds, acc_total, hist = 0, 0, 0, [0] * (k + 1)
    while i < G:
        prop = roll[i, :k]
        acc = 0
        while acc < k and i + acc < G and prop[acc] == cont[i + acc]:
            acc += 1
        hist[acc] += 1
        acc_total += acc
        rounds += 1
        i += acc + 1
    return rounds, acc_total, hist


def speculative_eval(tcfg, tp, dcfg, dp, held, n_prompts, P, G, K, seed=7):
    L = P + G + K
    L = (L + 15) // 16 * 16
    tfwd, dfwd = make_fwd(tcfg, tp), make_fwd(dcfg, dp)
    # prompts: evenly spaced held-out spans of P+G tokens that contain no <|endoftext|> (id 0)
    rng = np.random.default_rng(seed)
    cands = [s for s in range(1, held.size - P - G, 97) if not (held[s:s + P + G] == 0).any()]
    starts = sorted(rng.choice(cands, size=min(n_prompts, len(cands)), replace=False).tolist())
    prompts = np.stack([held[s:s + P] for s in starts]).astype(np.int32)
    conts = greedy_continue(tfwd, prompts, G, L)
    per = []
    for b in range(len(starts)):
        roll = draft_rollouts(dfwd, prompts[b], conts[b], K, L)
        agree_all = float((roll[:, 0] == conts[b]).mean())
        rec = {"start": int(starts[b]), "distinct4": distinct4(conts[b].tolist()),
               "agree_every_position": agree_all, "k": {}}
        for k in range(1, K + 1):
            rounds, acc, hist = simulate(conts[b], roll, k)
            rec["k"][k] = {"rounds": rounds, "accepted": acc, "hist": hist}
        per.append(rec)
    def agg(rows):
        if not rows:
            return None
        out = {"prompts": len(rows),
               "agree_every_position": float(np.mean([r["agree_every_position"] for r in rows]))}
        for k in range(1, K + 1):
            rounds = sum(r["k"][k]["rounds"] for r in rows)
            acc = sum(r["k"][k]["accepted"] for r in rows)
            out[f"k{k}"] = {"mean_accepted_per_round": acc / rounds, "accept_rate": acc / (rounds * k),
                            "tokens_per_target_call": (G * len(rows)) / rounds}
        return out
    loops = [r for r in per if r["distinct4"] < 0.5]
    ok = [r for r in per if r["distinct4"] >= 0.5]
    return {"setup": {"prompts": len(per), "prompt_tokens": P, "generated": G, "max_k": K},
            "all": agg(per), "non_looping": agg(ok), "looping": agg(loops), "per_prompt": per,
            "prompts_ids": prompts.tolist(), "target_greedy_ids": conts.tolist()}


def sample(fwd, tok, prompt_text, n_new, temp, seed):
    ids = tok.encode(prompt_text, add_special_tokens=False).ids
    ids = [0] + ids  # <|endoftext|> as document start, like training
    L = (len(ids) + n_new + 15) // 16 * 16  # causal: padding after position n-1 does not matter
    rng = np.random.default_rng(seed)
    buf = np.zeros((1, L), np.int32)
    buf[0, :len(ids)] = ids
    n = len(ids)
    for _ in range(n_new):
        if n >= L:
            break
        logits = np.asarray(fwd(jnp.asarray(buf)))[0, n - 1].astype(np.float64) / temp
        pr = np.exp(logits - logits.max())
        pr /= pr.sum()
        nxt = int(rng.choice(len(pr), p=pr))
        if nxt == 0:
            break
        buf[0, n] = nxt
        n += 1
    return tok.decode(buf[0, len(ids):n].tolist())


def fixture(tok, held, models, paths, T=32, n_greedy=8):
    checks = {}
    # held-out window: the first span of T tokens after offset 2000 without <|endoftext|>
    s = next(s for s in range(2000, held.size - T) if not (held[s:s + T] == 0).any())
    window = held[s:s + T].astype(np.int32)
    out = {
        "format": 1,
        "description": "Reference logits for the bundled Models/*.gguf, computed by tools/train/evaluate.py "
                       "(JAX, float32, weights read back from the GGUF files, i.e. after F16 rounding). "
                       "For each file: feed `window_ids` at positions 0..n-1 (no BOS is added), take the "
                       "logits at the last position; compare with `last_logits` (full vector) / `top20` "
                       "([id, logit], descending). `greedy_next_ids`: the next 8 greedy ids continuing the "
                       "window. `exit_top20` (target only): top 20 of the early-exit head at the last position.",
        "tolerance": 1e-3,
        "window_text": tok.decode(window.tolist()),
        "window_heldout_offset": int(s),
        "models": {},
    }
    for fname, (cfg, p) in models.items():
        x = jnp.asarray(window[None, :])
        logits = np.asarray(M.forward(cfg, p, x))[0, -1].astype(np.float32)
        top = np.argsort(-logits, kind="stable")[:20]
        buf = np.zeros((1, T + n_greedy), np.int32)
        buf[0, :T] = window
        greedy = []
        fwd = make_fwd(cfg, p)
        for t in range(T, T + n_greedy):
            lg = np.asarray(fwd(jnp.asarray(buf)))[0, t - 1]  # causal: later (zero) slots do not matter
            buf[0, t] = int(lg.argmax())
            greedy.append(int(buf[0, t]))
        entry = {"window_ids": window.tolist(),
                 "top20": [[int(i), round(float(logits[i]), 6)] for i in top],
                 "greedy_next_ids": greedy,
                 "greedy_next_text": tok.decode(greedy),
                 "last_logits": [round(float(v), 6) for v in logits]}
        if cfg.exit_layer:
            el = np.asarray(M.exit_logits(cfg, p, x))[0, -1]
            etop = np.argsort(-el, kind="stable")[:20]
            entry["exit_layer"] = cfg.exit_layer
            entry["exit_top20"] = [[int(i), round(float(el[i]), 6)] for i in etop]
        # independent float64 numpy forward from the GGUF file (reference_numpy.py)
        kv, tt = reference_numpy.load(paths[fname])
        ref = reference_numpy.forward(kv, tt, window.tolist())[-1]
        entry_check = {"max_abs_diff_vs_numpy_f64": float(np.max(np.abs(ref - logits)))}
        if cfg.exit_layer:
            eref = reference_numpy.forward(kv, tt, window.tolist(), exit_only=True)[-1]
            entry_check["exit_max_abs_diff_vs_numpy_f64"] = float(np.max(np.abs(eref - el)))
        checks[fname] = entry_check
        out["models"][fname] = entry
    return out, checks


def fmt(x, n=3):
    return f"{x:.{n}f}"


def write_model_card(path, res):
    t, d, h, sp = res["target_meta"], res["draft_meta"], res["heldout"], res["speculative"]
    tc, dc = t["config"], d["config"]
    cs, ts = res["corpus_stats"], res["tokenizer_stats"]

    ks = [k for k in (1, 2, 4, 8) if k <= sp["setup"]["max_k"]]
    spec_head = "| prompts | every position |" + "".join(f" k = {k} |" for k in ks) + "\n|---|---|" + "---|" * len(ks)

    def spec_rows(name, agg):
        if agg is None:
            return f"| {name} (0) | |" + " |" * len(ks) + "\n"
        s = f"| {name} ({agg['prompts']}) | {100 * agg['agree_every_position']:.1f} % |"
        for k in ks:
            s += f" {100 * agg[f'k{k}']['accept_rate']:.1f} % / {agg[f'k{k}']['tokens_per_target_call']:.2f} |"
        return s + "\n"

    samples = "\n".join(f"**{s['model']}**, prompt `{s['prompt']!r}`:\n\n```\n{s['prompt']}{s['text']}\n```\n"
                        for s in res["samples"])
    g = res["greedy_examples"]
    greedy = "\n".join(f"**target greedy ({e['kind']})**, held-out prompt ending `…{e['prompt_tail']!r}`:\n\n"
                       f"```\n{e['continuation']}\n```\n" for e in g)
    card = f"""# Bundled models

`target.gguf` and `draft.gguf`: a tiny Llama-architecture pair (GGUF arch `llama`, F16 weights, F32 norms)
trained from scratch by `tools/train/run.sh` (see `tools/train/README.md`). Base models: no chat template.
Reproduce with `tools/train/run.sh` (fixed seeds, fixed step counts; ≈ the figures below).

## Corpus
English prose about Python taken from the Python {cs['python']} standard library of the training machine:
every docstring and every block of `#` comments of the stdlib's `.py` files (without tests, `encodings/`,
`idlelib/`, `lib2to3/`, `turtledemo/`, `ensurepip/`, `site-packages/`), plus the language-reference topics of
`pydoc_data.topics`. Split by source file (crc32(path) % 20 == 0 → held out):
train {cs['train_chars']:,} chars / {ts['train_tokens']:,} tokens, held-out {cs['heldout_chars']:,} chars / {ts['heldout_tokens']:,} tokens.

Tokenizer: GPT-2-style byte-level BPE (`tokenizer.ggml.model=gpt2`, `tokenizer.ggml.pre=gpt-2`), vocab {ts['vocab_size']}
(id 0 = `<|endoftext|>` = BOS = EOS, `add_bos_token=false`), {ts['train_bytes_per_token']} bytes/token.

## Shapes
| | d | layers | heads / kv (head dim) | ffn | params | file |
|---|---|---|---|---|---|---|
| target | {tc['d']} | {tc['n_layers']} | {tc['n_heads']} / {tc['n_kv']} ({tc['d'] // tc['n_heads']}) | {tc['ffn']} | {t['params'] / 1e6:.2f} M | {res['file_sizes']['target.gguf'] / 1e6:.1f} MB |
| draft | {dc['d']} | {dc['n_layers']} | {dc['n_heads']} / {dc['n_kv']} ({dc['d'] // dc['n_heads']}) | {dc['ffn']} | {d['params'] / 1e6:.2f} M | {res['file_sizes']['draft.gguf'] / 1e6:.1f} MB |

Both: context 256, RoPE base 10000 on interleaved pairs (ggml NORM mode, as arch `llama`), RMSNorm eps 1e-5,
SwiGLU, GQA, tied embeddings (no `output.weight`).

**Early exit (target only):** `tandem.early_exit.layer = {tc['exit_layer']}` (u32): the exit reads the hidden state
after blocks 0..{tc['exit_layer'] - 1} (i.e. before block {tc['exit_layer']}), applies `early_exit.output_norm.weight`
(RMSNorm, same eps) and the shared output head (the tied `token_embd`; there is no `early_exit.output.weight`).
It was trained jointly with the target (LayerSkip-style loss, weight {t['exit_weight']}, on every {t['exit_stride']}th position).

## Training
| | steps × batch × ctx | tokens seen | wall-clock here (shared 2-core CPU, busy with other builds; ≈ 30 min for the whole run on 2 idle cores) |
|---|---|---|---|
| target (CE + {t['exit_weight']}·exit CE, AdamW lr {t['lr']}, cosine) | {t['steps']} × {t['batch']} × {t['ctx']} | {t['tokens_seen'] / 1e6:.2f} M | {t['train_seconds'] / 60:.1f} min |
| draft (distilled: {d['alpha']}·KL(target‖draft) + {1 - d['alpha']:.1f}·CE, lr {d['lr']}) | {d['steps']} × {d['batch']} × {d['ctx']} | {d['tokens_seen'] / 1e6:.2f} M | {d['train_seconds'] / 60:.1f} min |

## Held-out figures (all {h['windows']} non-overlapping 256-token held-out windows, {h['positions']:,} positions; weights as stored in the GGUF)
| | loss (nats/token) | top-1 vs data |
|---|---|---|
| target | **{fmt(h['target_loss'])}** | {100 * h['target_top1_vs_data']:.1f} % |
| target early-exit head (layer {tc['exit_layer']}) | {fmt(h['exit_loss'])} | |
| draft | **{fmt(h['draft_loss'])}** | {100 * h['draft_top1_vs_data']:.1f} % |

Target better than draft by **{fmt(h['draft_loss'] - h['target_loss'])} nats/token**.

| pair | teacher-forced greedy agreement | Σ min(p, q) at T = 1 |
|---|---|---|
| draft vs target | {100 * h['teacher_forced_agreement_draft']:.1f} % | {100 * h['sum_min_pq_draft_T1']:.1f} % |
| early exit vs target | {100 * h['teacher_forced_agreement_exit']:.1f} % | {100 * h['sum_min_pq_exit_T1']:.1f} % |

## Measured acceptance (simulated greedy speculative decoding)
{sp['setup']['prompts']} held-out prompts of {sp['setup']['prompt_tokens']} tokens; the target continues each greedily for
{sp['setup']['generated']} tokens; from every prefix the draft proposes k tokens greedily; accepted = matching prefix,
the round advances by accepted + 1 (exactly what greedy speculative decoding does). A continuation "loops" when its
distinct-4-gram ratio is < 0.5. Cells: accept rate (accepted / proposed) / tokens per target call.
"Window 1" = the k = 1 column; "every position" = draft's next token == target's next token at every position of the continuation.

{spec_head}
{spec_rows('non-looping', sp['non_looping'])}{spec_rows('looping', sp['looping'])}{spec_rows('all', sp['all'])}
## Samples (T = 0.8, seed fixed)
{samples}
## Greedy continuations (target)
{greedy}
## Engine check
`Tests/TandemModelTests/Fixtures/bundled-reference.json` holds, for each file, a 32-token held-out window, the
float32 logits at its last position (full vector and top 20) and the next 8 greedy ids, computed by JAX from the
weights as stored in these files. The engine must match them to ≤ 1e-3.

Figures produced by `tools/train/evaluate.py` (part of `tools/train/run.sh`); evaluation took {res['eval_seconds'] / 60:.1f} min.
"""
    with open(path, "w", encoding="utf-8") as f:
        f.write(card)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default=os.path.join(ROOT, "Models"))
    ap.add_argument("--prompts", type=int, default=20)
    ap.add_argument("--prompt-len", type=int, default=48)
    ap.add_argument("--gen", type=int, default=48)
    ap.add_argument("--max-k", type=int, default=8)
    ap.add_argument("--fixture", default=os.path.join(ROOT, "Tests", "TandemModelTests", "Fixtures", "bundled-reference.json"))
    ap.add_argument("--no-card", action="store_true")
    ap.add_argument("--out", default=OUT, help="folder with target_meta.json / draft_meta.json; eval.json goes here")
    a = ap.parse_args()
    t0 = time.time()
    tok = Tokenizer.from_file(os.path.join(OUT, "tok", "tokenizer.json"))
    held = np.load(os.path.join(OUT, "tok", "heldout.npy"))
    tcfg, tp = load_gguf(os.path.join(a.models, "target.gguf"))
    dcfg, dp = load_gguf(os.path.join(a.models, "draft.gguf"))
    res = {}
    res["fixture_written"] = a.fixture
    fx, res["fixture_checks"] = fixture(tok, held, {"target.gguf": (tcfg, tp), "draft.gguf": (dcfg, dp)},
                                        {f: os.path.join(a.models, f) for f in ("target.gguf", "draft.gguf")})
    print("fixture checks", json.dumps(res["fixture_checks"]), flush=True)
    assert all(v < 1e-4 for c in res["fixture_checks"].values() for v in c.values()), "JAX vs numpy mismatch"
    os.makedirs(os.path.dirname(a.fixture), exist_ok=True)
    with open(a.fixture, "w") as f:
        json.dump(fx, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("fixture", a.fixture, flush=True)

    res["heldout"] = heldout_metrics(tcfg, tp, dcfg, dp, held, tcfg.ctx)
    print("heldout", json.dumps(res["heldout"]), flush=True)
    res["speculative"] = speculative_eval(tcfg, tp, dcfg, dp, held, a.prompts, a.prompt_len, a.gen, a.max_k)
    print("speculative", json.dumps({k: res["speculative"][k] for k in ("all", "non_looping", "looping")}), flush=True)

    tfwd, dfwd = make_fwd(tcfg, tp), make_fwd(dcfg, dp)
    res["samples"] = []
    for i, prompt in enumerate(["Return the", "The ", "This module provides", "If the"]):
        for name, fwd in (("target", tfwd), ("draft", dfwd)):
            res["samples"].append({"model": name, "prompt": prompt,
                                   "text": sample(fwd, tok, prompt, 80, 0.8, seed=100 + i)})
    sp = res["speculative"]
    ex = []
    for kind, want in (("non-looping", True), ("looping", False)):
        for b, r in enumerate(sp["per_prompt"]):
            if (r["distinct4"] >= 0.5) == want:
                ex.append({"kind": kind, "prompt_tail": tok.decode(sp["prompts_ids"][b][-12:]),
                           "continuation": tok.decode(sp["target_greedy_ids"][b])})
                break
    res["greedy_examples"] = ex
    for s in res["samples"]:
        print(s["model"], repr(s["prompt"] + s["text"]), flush=True)
    res["target_meta"] = json.load(open(os.path.join(a.out, "target_meta.json")))
    res["draft_meta"] = json.load(open(os.path.join(a.out, "draft_meta.json")))
    res["corpus_stats"] = json.load(open(os.path.join(OUT, "corpus", "corpus_stats.json")))
    res["tokenizer_stats"] = json.load(open(os.path.join(OUT, "tok", "tokenizer_stats.json")))
    res["file_sizes"] = {f: os.path.getsize(os.path.join(a.models, f)) for f in ("target.gguf", "draft.gguf")}
    res["eval_seconds"] = time.time() - t0
    with open(os.path.join(a.out, "eval.json"), "w") as f:
        json.dump(res, f, indent=1)
    if not a.no_card:
        write_model_card(os.path.join(a.models, "README.md"), res)
    print("done in", round(res["eval_seconds"], 1), "s", flush=True)


if __name__ == "__main__":
    main()
