"""Llama-style decoder in JAX, laid out so that it exports to GGUF arch `llama` as-is.

* RMSNorm (eps 1e-5), pre-norm blocks, SwiGLU FFN, GQA, no biases, tied embeddings.
* RoPE on interleaved pairs (x[2i], x[2i+1]) with theta_i = pos * base^(-2i/hd): this is
  ggml's NORM rope mode, which llama.cpp uses for arch `llama`, so Q/K weights are
  exported without any permutation.
* GQA: query head h uses kv head h // (n_head // n_kv) (jnp.repeat along the head axis).
* Weights are stored (in, out); GGUF wants torch layout (out, in) -> export W.T.
* Optional LayerSkip-style early exit: the hidden state after blocks 0..exit_layer-1 goes
  through its own RMSNorm (`exit_norm`) and the shared (tied) output head.
"""
from dataclasses import dataclass, asdict

import jax
import jax.numpy as jnp
import numpy as np


@dataclass(frozen=True)
class Config:
    vocab: int = 4096
    d: int = 256
    n_layers: int = 4
    n_heads: int = 8
    n_kv: int = 4
    ffn: int = 640
    ctx: int = 256
    rope_base: float = 10000.0
    eps: float = 1e-5
    exit_layer: int = 0  # 0 = no early-exit head

    @property
    def hd(self):
        return self.d // self.n_heads

    def to_dict(self):
        return asdict(self)


TARGET = Config(d=256, n_layers=4, n_heads=8, n_kv=4, ffn=640, exit_layer=2)
DRAFT = Config(d=128, n_layers=2, n_heads=4, n_kv=2, ffn=384, exit_layer=0)


def init_params(cfg: Config, key):
    ks = iter(jax.random.split(key, 4 + 8 * cfg.n_layers))
    std = 0.02
    out_std = 0.02 / np.sqrt(2 * cfg.n_layers)
    nrm = lambda shape, s: (jax.random.normal(next(ks), shape, jnp.float32) * s)
    p = {"embed": nrm((cfg.vocab, cfg.d), std), "norm": jnp.ones((cfg.d,), jnp.float32), "blocks": []}
    for _ in range(cfg.n_layers):
        p["blocks"].append({
            "attn_norm": jnp.ones((cfg.d,), jnp.float32),
            "wq": nrm((cfg.d, cfg.n_heads * cfg.hd), std),
            "wk": nrm((cfg.d, cfg.n_kv * cfg.hd), std),
            "wv": nrm((cfg.d, cfg.n_kv * cfg.hd), std),
            "wo": nrm((cfg.n_heads * cfg.hd, cfg.d), out_std),
            "ffn_norm": jnp.ones((cfg.d,), jnp.float32),
            "w_gate": nrm((cfg.d, cfg.ffn), std),
            "w_up": nrm((cfg.d, cfg.ffn), std),
            "w_down": nrm((cfg.ffn, cfg.d), out_std),
        })
    if cfg.exit_layer:
        p["exit_norm"] = jnp.ones((cfg.d,), jnp.float32)
    return p


def count_params(p):
    return int(sum(np.prod(x.shape) for x in jax.tree_util.tree_leaves(p)))


def rmsnorm(x, w, eps):
    return x * jax.lax.rsqrt(jnp.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope_tables(cfg: Config, T: int, offset=0):
    i = jnp.arange(cfg.hd // 2, dtype=jnp.float32)
    inv = cfg.rope_base ** (-2.0 * i / cfg.hd)
    pos = jnp.arange(T, dtype=jnp.float32) + offset
    ang = pos[:, None] * inv[None, :]  # (T, hd/2)
    return jnp.cos(ang), jnp.sin(ang)


def apply_rope(x, cos, sin):
    # x: (B, T, H, hd); rotate interleaved pairs (x[2i], x[2i+1])
    B, T, H, hd = x.shape
    xr = x.reshape(B, T, H, hd // 2, 2)
    x0, x1 = xr[..., 0], xr[..., 1]
    c = cos[None, :, None, :]
    s = sin[None, :, None, :]
    y0 = x0 * c - x1 * s
    y1 = x0 * s + x1 * c
    return jnp.stack([y0, y1], axis=-1).reshape(B, T, H, hd)


def block(cfg: Config, b, x, cos, sin, mask):
    B, T, _ = x.shape
    h = rmsnorm(x, b["attn_norm"], cfg.eps)
    q = (h @ b["wq"]).reshape(B, T, cfg.n_heads, cfg.hd)
    k = (h @ b["wk"]).reshape(B, T, cfg.n_kv, cfg.hd)
    v = (h @ b["wv"]).reshape(B, T, cfg.n_kv, cfg.hd)
    q = apply_rope(q, cos, sin)
    k = apply_rope(k, cos, sin)
    rep = cfg.n_heads // cfg.n_kv
    if rep > 1:
        k = jnp.repeat(k, rep, axis=2)
        v = jnp.repeat(v, rep, axis=2)
    att = jnp.einsum("bthd,bshd->bhts", q, k) * (1.0 / np.sqrt(cfg.hd))
    att = jnp.where(mask[None, None], att, -1e30)
    att = jax.nn.softmax(att, axis=-1)
    o = jnp.einsum("bhts,bshd->bthd", att, v).reshape(B, T, cfg.n_heads * cfg.hd)
    x = x + o @ b["wo"]
    h = rmsnorm(x, b["ffn_norm"], cfg.eps)
    x = x + (jax.nn.silu(h @ b["w_gate"]) * (h @ b["w_up"])) @ b["w_down"]
    return x


def forward(cfg: Config, p, tokens, with_exit=False):
    """tokens (B, T) int32 -> logits (B, T, V) [, exit hidden (B, T, d) normed]"""
    B, T = tokens.shape
    x = p["embed"][tokens]
    cos, sin = rope_tables(cfg, T)
    mask = jnp.tril(jnp.ones((T, T), dtype=bool))
    h_exit = None
    for li, b in enumerate(p["blocks"]):
        if with_exit and cfg.exit_layer and li == cfg.exit_layer:
            h_exit = rmsnorm(x, p["exit_norm"], cfg.eps)
        x = block(cfg, b, x, cos, sin, mask)
    logits = rmsnorm(x, p["norm"], cfg.eps) @ p["embed"].T
    if with_exit:
        return logits, h_exit
    return logits


def exit_logits(cfg: Config, p, tokens):
    """Logits of the early-exit head: blocks 0..exit_layer-1, exit_norm, tied head."""
    B, T = tokens.shape
    x = p["embed"][tokens]
    cos, sin = rope_tables(cfg, T)
    mask = jnp.tril(jnp.ones((T, T), dtype=bool))
    for b in p["blocks"][: cfg.exit_layer]:
        x = block(cfg, b, x, cos, sin, mask)
    return rmsnorm(x, p["exit_norm"], cfg.eps) @ p["embed"].T


def cross_entropy(logits, targets):
    logz = jax.nn.logsumexp(logits, axis=-1)
    tgt = jnp.take_along_axis(logits, targets[..., None], axis=-1)[..., 0]
    return jnp.mean(logz - tgt)


def save_params(path, cfg: Config, p):
    flat = {"config_json": np.frombuffer(__import__("json").dumps(cfg.to_dict()).encode(), dtype=np.uint8)}
    for k, v in jax.tree_util.tree_flatten_with_path(p)[0]:
        name = "/".join(str(getattr(e, "key", getattr(e, "idx", e))) for e in k)
        flat[name] = np.asarray(v)
    np.savez(path, **flat)


def load_params(path):
    import json
    z = np.load(path)
    cfg = Config(**json.loads(bytes(z["config_json"]).decode()))
    p = {"embed": jnp.asarray(z["embed"]), "norm": jnp.asarray(z["norm"]), "blocks": []}
    for i in range(cfg.n_layers):
        p["blocks"].append({k: jnp.asarray(z[f"blocks/{i}/{k}"]) for k in
                            ("attn_norm", "wq", "wk", "wv", "wo", "ffn_norm", "w_gate", "w_up", "w_down")})
    if "exit_norm" in z:
        p["exit_norm"] = jnp.asarray(z["exit_norm"])
    return cfg, p
