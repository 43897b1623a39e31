"""An independent float64 numpy forward pass written from the GGUF side (ggml tensor names and
llama.cpp's conventions, not from model.py): used to cross-check the fixture logits JAX computes.

llama.cpp conventions used here: a tensor with ne = [in, out] is a row-major (out, in) matrix, y = W @ x;
RoPE NORM mode rotates (x[2i], x[2i+1]) by pos * base^(-2i/n_rot); GQA: q head h reads kv head
h // (n_head / n_head_kv); scale 1/sqrt(hd); output = token_embd when output.weight is absent.

Usage: python reference_numpy.py Models/target.gguf 1 2 3 ...   (prints the last position's top 5)
"""
import sys

import numpy as np
import gguf


def load(path):
    r = gguf.GGUFReader(path)
    kv = {k: f.contents() for k, f in r.fields.items() if not k.startswith("tokenizer.ggml.")}
    t = {}
    for ti in r.tensors:
        ne = [int(x) for x in ti.shape]
        t[ti.name] = np.asarray(ti.data).astype(np.float64).reshape(list(reversed(ne)))
    return kv, t


def forward(kv, t, ids, exit_only=False):
    d = int(kv["llama.embedding_length"])
    nl = int(kv["llama.block_count"])
    H = int(kv["llama.attention.head_count"])
    KV = int(kv["llama.attention.head_count_kv"])
    nrot = int(kv["llama.rope.dimension_count"])
    base = float(kv["llama.rope.freq_base"])
    eps = float(np.float32(kv["llama.attention.layer_norm_rms_epsilon"]))
    hd = d // H
    n = len(ids)
    x = t["token_embd.weight"][ids]  # (n, d)

    def norm(v, w):
        return v / np.sqrt(np.mean(v * v, -1, keepdims=True) + eps) * w

    theta = base ** (-2.0 * np.arange(nrot // 2) / nrot)
    ang = np.arange(n)[:, None] * theta[None, :]
    cos, sin = np.cos(ang), np.sin(ang)

    def rope(v):  # (n, heads, hd)
        out = v.copy()
        a, b = v[..., 0:nrot:2], v[..., 1:nrot:2]
        out[..., 0:nrot:2] = a * cos[:, None, :] - b * sin[:, None, :]
        out[..., 1:nrot:2] = a * sin[:, None, :] + b * cos[:, None, :]
        return out

    layers = nl
    if exit_only:
        layers = int(kv["tandem.early_exit.layer"])
    for i in range(layers):
        p = f"blk.{i}."
        h = norm(x, t[p + "attn_norm.weight"])
        q = rope((h @ t[p + "attn_q.weight"].T).reshape(n, H, hd))
        k = rope((h @ t[p + "attn_k.weight"].T).reshape(n, KV, hd))
        v = (h @ t[p + "attn_v.weight"].T).reshape(n, KV, hd)
        o = np.zeros((n, H, hd))
        for hh in range(H):
            g = hh // (H // KV)
            s = q[:, hh] @ k[:, g].T / np.sqrt(hd)
            s = np.where(np.tril(np.ones((n, n), bool)), s, -np.inf)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            o[:, hh] = s @ v[:, g]
        x = x + o.reshape(n, H * hd) @ t[p + "attn_output.weight"].T
        h = norm(x, t[p + "ffn_norm.weight"])
        gte = h @ t[p + "ffn_gate.weight"].T
        x = x + ((gte / (1 + np.exp(-gte))) * (h @ t[p + "ffn_up.weight"].T)) @ t[p + "ffn_down.weight"].T
    w_norm = t["early_exit.output_norm.weight"] if exit_only else t["output_norm.weight"]
    head = t.get("output.weight", t["token_embd.weight"])
    return norm(x, w_norm) @ head.T


if __name__ == "__main__":
    kv, t = load(sys.argv[1])
    ids = [int(a) for a in sys.argv[2:]]
    lg = forward(kv, t, ids)[-1]
    top = np.argsort(-lg)[:5]
    print([(int(i), float(lg[i])) for i in top])
