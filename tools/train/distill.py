"""Distil the draft from the trained target.

loss = alpha * CE(softmax(teacher/T), student) + (1 - alpha) * CE(data, student)
(the soft term is KL(teacher || student) plus the teacher's entropy, a constant).
The teacher's logits are computed on the fly (no gradient), on the same random windows.
Deterministic by step count, like train.py.
"""
import os

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=2")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import argparse
import json

import jax
import jax.numpy as jnp
import numpy as np

import model as M
from train import OUT, heldout_windows, run_training


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher", default=os.path.join(OUT, "target.npz"))
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("--alpha", type=float, default=0.8)
    ap.add_argument("--temp", type=float, default=1.0)
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--tok", default=os.path.join(OUT, "tok"))
    ap.add_argument("--out", default=os.path.join(OUT, "draft.npz"))
    ap.add_argument("--d", type=int, default=M.DRAFT.d)
    ap.add_argument("--layers", type=int, default=M.DRAFT.n_layers)
    ap.add_argument("--heads", type=int, default=M.DRAFT.n_heads)
    ap.add_argument("--kv", type=int, default=M.DRAFT.n_kv)
    ap.add_argument("--ffn", type=int, default=M.DRAFT.ffn)
    a = ap.parse_args()

    train_ids = np.load(os.path.join(a.tok, "train.npy"))
    held_ids = np.load(os.path.join(a.tok, "heldout.npy"))
    tcfg, tparams = M.load_params(a.teacher)
    cfg = M.Config(vocab=tcfg.vocab, d=a.d, n_layers=a.layers, n_heads=a.heads, n_kv=a.kv, ffn=a.ffn,
                   ctx=tcfg.ctx, exit_layer=0)
    T = cfg.ctx
    params = M.init_params(cfg, jax.random.PRNGKey(a.seed))
    print("draft", cfg, "params", M.count_params(params), "teacher", tcfg, flush=True)

    def loss_fn(p, x):
        inp, tgt = x[:, :-1], x[:, 1:]
        t_logits = jax.lax.stop_gradient(M.forward(tcfg, tparams, inp))
        logits = M.forward(cfg, p, inp)
        logq = jax.nn.log_softmax(logits / a.temp, axis=-1)
        pt = jax.nn.softmax(t_logits / a.temp, axis=-1)
        soft = -jnp.mean(jnp.sum(pt * logq, axis=-1))
        ent = -jnp.mean(jnp.sum(pt * jax.nn.log_softmax(t_logits / a.temp, axis=-1), axis=-1))
        ce = M.cross_entropy(logits, tgt)
        return a.alpha * soft + (1 - a.alpha) * ce, {"ce": ce, "kl": soft - ent}

    hw = jnp.asarray(heldout_windows(held_ids, T, 24))

    @jax.jit
    def held_eval(p):
        return M.cross_entropy(M.forward(cfg, p, hw[:, :-1]), hw[:, 1:])

    def eval_fn(p):
        return {"held_loss": round(float(held_eval(p)), 4)}

    params, secs = run_training("draft", cfg, params, loss_fn, a.steps, a.batch, T, a.lr, a.warmup, a.seed,
                                train_ids, held_ids, a.eval_every, eval_fn,
                                os.path.splitext(a.out)[0] + "_log.jsonl")
    M.save_params(a.out, cfg, params)
    meta = {"steps": a.steps, "batch": a.batch, "ctx": T, "tokens_seen": a.steps * a.batch * T,
            "train_seconds": round(secs, 1), "params": M.count_params(params), "lr": a.lr, "seed": a.seed,
            "alpha": a.alpha, "temp": a.temp, "teacher": os.path.basename(a.teacher), "config": cfg.to_dict()}
    json.dump(meta, open(os.path.splitext(a.out)[0] + "_meta.json", "w"), indent=1)
    print("saved", a.out, json.dumps(meta), flush=True)


if __name__ == "__main__":
    main()
