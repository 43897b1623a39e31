"""Train the target model (next-token CE + LayerSkip-style early-exit CE at the middle layer).

Deterministic by step count: fixed seed, fixed number of steps, fixed batch order
(numpy PCG64 drawing window offsets). CPU contention changes only the wall-clock time.

The shared loop `run_training` is also used by distill.py.
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
import optax

import model as M

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")


def batches(ids: np.ndarray, B: int, T: int, seed: int):
    rng = np.random.default_rng(seed)
    n = ids.size - T - 1
    while True:
        off = rng.integers(0, n, size=B)
        x = np.stack([ids[o:o + T + 1] for o in off]).astype(np.int32)
        yield x


def heldout_windows(ids: np.ndarray, T: int, n: int | None = None):
    """Non-overlapping windows of T+1 tokens (stride T) from the held-out stream."""
    starts = list(range(0, ids.size - T - 1, T))
    if n is not None:
        # spread evenly across the held-out set
        idx = np.linspace(0, len(starts) - 1, n).round().astype(int)
        starts = [starts[i] for i in idx]
    return np.stack([ids[s:s + T + 1] for s in starts]).astype(np.int32)


def make_optimizer(lr, steps, warmup, wd=0.1):
    sched = optax.warmup_cosine_decay_schedule(0.0, lr, warmup, steps, end_value=lr * 0.1)
    mask = lambda p: jax.tree_util.tree_map(lambda x: x.ndim >= 2, p)  # no decay on norms
    return optax.chain(optax.clip_by_global_norm(1.0),
                       optax.adamw(sched, b1=0.9, b2=0.95, eps=1e-8, weight_decay=wd, mask=mask)), sched


def run_training(name, cfg, params, loss_fn, steps, B, T, lr, warmup, seed, train_ids, held_ids,
                 eval_every, eval_fn, log_path):
    opt, sched = make_optimizer(lr, steps, min(warmup, max(1, steps // 10)))
    opt_state = opt.init(params)

    @jax.jit
    def step(params, opt_state, x):
        (loss, aux), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, x)
        updates, opt_state = opt.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        return params, opt_state, loss, aux

    data = batches(train_ids, B, T, seed + 1)
    log = open(log_path, "w")
    t0 = time.time()
    ema = None
    for i in range(1, steps + 1):
        x = next(data)
        params, opt_state, loss, aux = step(params, opt_state, jnp.asarray(x))
        loss = float(loss.block_until_ready())  # sync every step (no async overshoot)
        ema = loss if ema is None else 0.98 * ema + 0.02 * loss
        if i % eval_every == 0 or i == steps or i == 1:
            rec = {"step": i, "tokens": i * B * T, "train_loss": loss, "train_ema": round(ema, 4),
                   "lr": float(sched(i)), "elapsed_s": round(time.time() - t0, 1)}
            rec.update({k: float(v) for k, v in aux.items()})
            if eval_fn is not None and (i % eval_every == 0 or i == steps):
                rec.update(eval_fn(params))
            print(name, json.dumps(rec), flush=True)
            log.write(json.dumps(rec) + "\n")
            log.flush()
    log.close()
    return params, time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=800)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--exit-weight", type=float, default=0.2)
    ap.add_argument("--exit-stride", type=int, default=4, help="exit loss on every n-th position (cost)")
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--tok", default=os.path.join(OUT, "tok"))
    ap.add_argument("--out", default=os.path.join(OUT, "target.npz"))
    ap.add_argument("--d", type=int, default=M.TARGET.d)
    ap.add_argument("--layers", type=int, default=M.TARGET.n_layers)
    ap.add_argument("--heads", type=int, default=M.TARGET.n_heads)
    ap.add_argument("--kv", type=int, default=M.TARGET.n_kv)
    ap.add_argument("--ffn", type=int, default=M.TARGET.ffn)
    a = ap.parse_args()

    train_ids = np.load(os.path.join(a.tok, "train.npy"))
    held_ids = np.load(os.path.join(a.tok, "heldout.npy"))
    vocab = json.load(open(os.path.join(a.tok, "tokenizer_stats.json")))["vocab_size"]
    cfg = M.Config(vocab=vocab, d=a.d, n_layers=a.layers, n_heads=a.heads, n_kv=a.kv, ffn=a.ffn,
                   exit_layer=a.layers // 2)
    T = cfg.ctx
    params = M.init_params(cfg, jax.random.PRNGKey(a.seed))
    print("target", cfg, "params", M.count_params(params), flush=True)
    s = a.exit_stride

    def loss_fn(p, x):
        inp, tgt = x[:, :-1], x[:, 1:]
        logits, h_exit = M.forward(cfg, p, inp, with_exit=True)
        ce = M.cross_entropy(logits, tgt)
        ex_logits = h_exit[:, s - 1::s] @ p["embed"].T
        ce_exit = M.cross_entropy(ex_logits, tgt[:, s - 1::s])
        return ce + a.exit_weight * ce_exit, {"ce": ce, "ce_exit": ce_exit}

    hw = jnp.asarray(heldout_windows(held_ids, T, 24))

    @jax.jit
    def held_eval(p):
        logits, h_exit = M.forward(cfg, p, hw[:, :-1], with_exit=True)
        return M.cross_entropy(logits, hw[:, 1:]), M.cross_entropy(h_exit @ p["embed"].T, hw[:, 1:])

    def eval_fn(p):
        l, le = held_eval(p)
        return {"held_loss": round(float(l), 4), "held_exit_loss": round(float(le), 4)}

    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    params, secs = run_training("target", cfg, params, loss_fn, a.steps, a.batch, T, a.lr, a.warmup, a.seed,
                                train_ids, held_ids, a.eval_every, eval_fn,
                                os.path.splitext(a.out)[0] + "_log.jsonl")
    M.save_params(a.out, cfg, params)
    meta = {"steps": a.steps, "batch": a.batch, "ctx": T, "tokens_seen": a.steps * a.batch * T,
            "train_seconds": round(secs, 1), "params": M.count_params(params), "lr": a.lr,
            "seed": a.seed, "exit_weight": a.exit_weight, "exit_stride": s, "config": cfg.to_dict()}
    json.dump(meta, open(os.path.splitext(a.out)[0] + "_meta.json", "w"), indent=1)
    print("saved", a.out, json.dumps(meta), flush=True)


if __name__ == "__main__":
    main()
