#!/usr/bin/env python3
"""Fit a trained early-exit head for a GGUF model (numpy only) and write it as a side file.

The head reads the hidden state x after L blocks:  logits = W_out · (A · rmsnorm(x)),
with W_out the model's own output matrix (tied), rmsnorm with unit weights, and A a square adapter
fitted by ridge regression so that A · rmsnorm(x_L) ≈ output_norm ⊙ rmsnorm(x_final), the input the
model's own head sees after the last block (a least-squares "tuned lens"). Closed form, seconds.

Training data: `tandem bench exit-layers --hidden-layers L,… --hidden-out FILE` on HumanEval problems
within 0-79 (tune on 0-79 only; report on 80-163): FILE.L<n>.f32 float32 rows per layer (the last
layer's included), FILE.tokens int32 final argmaxes, prompt rows and verified rows.

    python3 tools/train/fit_exit_head.py --model M.gguf --hidden /tmp/exit --layer 20 \
        --out M.gguf.exit-head --ridge 1e-3,1e-2,1e-1,1

With --rank r > 0 the adapter is truncated to rank r (SVD) — stored dense either way (e × e F32).
λ is chosen on a held-out fifth of the rows by top-1 agreement with the final argmax (the output
matrix is dequantized from the model file for that; Q8_0, F16 and F32 are read).
The side file is a GGUF: tandem.early_exit.layer (u32), early_exit.output_norm.weight (ones, F32),
early_exit.adapter.weight (e × e, F32). `tandem serve --exit-head FILE` loads it.
"""
import argparse
import json
import struct
import sys

import numpy as np

GGUF_TYPES = {0: ("f32", 4, 1), 1: ("f16", 2, 1), 8: ("q8_0", 34, 32), 14: ("q6_k", 210, 256)}
EPS = 1e-6


def read_gguf(path):
    """Metadata (scalars only) and tensor infos of a GGUF file, and the offset of its data."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    pos = 0

    def take(fmt):
        nonlocal pos
        size = struct.calcsize(fmt)
        value = struct.unpack_from("<" + fmt, data, pos)
        pos += size
        return value[0]

    def string():
        nonlocal pos
        n = take("Q")
        s = bytes(data[pos:pos + n]).decode("utf-8", "replace")
        pos += n
        return s

    scalar = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}

    def value(t):
        nonlocal pos
        if t in scalar:
            return take(scalar[t])
        if t == 8:
            return string()
        if t == 9:
            inner, n = take("I"), take("Q")
            if inner in scalar:
                pos += struct.calcsize(scalar[inner]) * n
            else:
                for _ in range(n):
                    value(inner)
            return None
        raise ValueError(f"unknown GGUF value type {t}")

    if bytes(data[:4]) != b"GGUF":
        raise ValueError(f"{path}: not a GGUF file")
    pos = 4
    take("I")
    n_tensors, n_kv = take("Q"), take("Q")
    meta = {}
    for _ in range(n_kv):
        key = string()
        meta[key] = value(take("I"))
    tensors = {}
    for _ in range(n_tensors):
        name = string()
        dims = [take("Q") for _ in range(take("I"))]
        tensors[name] = (dims, take("I"), take("Q"))
    align = meta.get("general.alignment", 32)
    start = (pos + align - 1) // align * align
    return data, meta, tensors, start


def tensor(path, name):
    """Tensor `name` as float32, rows × cols (dims reversed)."""
    data, _, tensors, start = read_gguf(path)
    dims, t, offset = tensors[name]
    if t not in GGUF_TYPES:
        raise ValueError(f"{name}: GGML type {t} is not read here")
    kind, block_bytes, block = GGUF_TYPES[t]
    count = int(np.prod(dims))
    raw = data[start + offset:start + offset + count // block * block_bytes]
    if kind == "f32":
        out = raw.view(np.float32).astype(np.float32)
    elif kind == "f16":
        out = raw.view(np.float16).astype(np.float32)
    elif kind == "q6_k":
        out = dequantize_q6_k(np.asarray(raw).reshape(-1, 210))
    else:
        blocks = np.asarray(raw).reshape(-1, 34)
        scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
        quants = blocks[:, 2:].copy().view(np.int8).astype(np.float32)
        out = (quants * scale).reshape(-1)
    return out.reshape(list(reversed(dims))) if len(dims) > 1 else out


def dequantize_q6_k(blocks):
    """ggml's Q6_K: 256 values a block (ql[128], qh[64], int8 scales[16], f16 d)."""
    ql = blocks[:, :128].astype(np.int32)
    qh = blocks[:, 128:192].astype(np.int32)
    sc = blocks[:, 192:208].copy().view(np.int8).astype(np.float32)
    d = blocks[:, 208:210].copy().view(np.float16).astype(np.float32)
    out = np.empty((len(blocks), 256), np.float32)
    for half in range(2):
        l_ = ql[:, 64 * half:64 * half + 64]
        h_ = qh[:, 32 * half:32 * half + 32]
        s_ = sc[:, 8 * half:8 * half + 8]
        q = [((l_[:, :32] & 0xF) | ((h_ & 3) << 4)) - 32,
             ((l_[:, 32:] & 0xF) | (((h_ >> 2) & 3) << 4)) - 32,
             ((l_[:, :32] >> 4) | (((h_ >> 4) & 3) << 4)) - 32,
             ((l_[:, 32:] >> 4) | (((h_ >> 6) & 3) << 4)) - 32]
        for j in range(4):
            scale = np.repeat(s_[:, [2 * j, 2 * j + 1]], 16, axis=1)  # l < 16: sc[is], else sc[is + 1]
            out[:, 128 * half + 32 * j:128 * half + 32 * j + 32] = d * scale * q[j]
    return out.reshape(-1)


def rmsnorm(x):
    return x / np.sqrt(np.mean(x * x, axis=1, keepdims=True) + EPS)


def write_side_file(path, layer, adapter, arch_hint):
    """A GGUF with the head's metadata and tensors (F32), as the engine's TensorLoader reads it."""
    e = adapter.shape[0]
    tensors = [("early_exit.output_norm.weight", np.ones(e, np.float32), [e]),
               ("early_exit.adapter.weight", adapter.astype(np.float32), [e, e])]
    kv = [("general.architecture", 8, arch_hint), ("tandem.early_exit.layer", 4, layer)]
    out = bytearray(b"GGUF") + struct.pack("<IQQ", 3, len(tensors), len(kv))

    def s(text):
        b = text.encode()
        return struct.pack("<Q", len(b)) + b

    for key, t, v in kv:
        out += s(key) + struct.pack("<I", t) + (s(v) if t == 8 else struct.pack("<I", v))
    offset = 0
    for name, array, dims in tensors:
        out += s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", 0, offset)
        offset += (array.nbytes + 31) // 32 * 32
    out += b"\0" * ((32 - len(out) % 32) % 32)
    for _, array, _ in tensors:
        raw = array.tobytes()
        out += raw + b"\0" * ((32 - len(raw) % 32) % 32)
    with open(path, "wb") as f:
        f.write(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--hidden", required=True, help="bench exit-layers --hidden-out FILE (its prefix)")
    p.add_argument("--layer", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--ridge", default="1e-3,1e-2,1e-1,1,10")
    p.add_argument("--rank", type=int, default=0)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()

    _, meta, tensors, _ = read_gguf(a.model)
    arch = meta["general.architecture"]
    e = meta[f"{arch}.embedding_length"]
    last = meta[f"{arch}.block_count"]
    early = np.fromfile(f"{a.hidden}.L{a.layer}.f32", dtype=np.float32).reshape(-1, e).astype(np.float64)
    final = np.fromfile(f"{a.hidden}.L{last}.f32", dtype=np.float32).reshape(-1, e).astype(np.float64)
    tokens = np.fromfile(a.hidden + ".tokens", dtype=np.int32)
    if not len(tokens) == len(early) == len(final):
        sys.exit(f"{a.hidden}: {len(early)}/{len(final)} rows but {len(tokens)} tokens")
    out_norm = tensor(a.model, "output_norm.weight").astype(np.float64)
    head_name = "output.weight" if "output.weight" in tensors else "token_embd.weight"
    w_out = tensor(a.model, head_name)  # vocab × e, float32

    n = rmsnorm(early)
    t = rmsnorm(final) * out_norm
    rows = early
    # Held out by whole blocks of consecutive rows (neighbouring positions are alike).
    blocks = np.array_split(np.arange(len(rows)), 50)
    rng = np.random.default_rng(0)
    chosen = set(rng.permutation(50)[:10].tolist())
    held = np.concatenate([b for i, b in enumerate(blocks) if i in chosen])
    fit = np.concatenate([b for i, b in enumerate(blocks) if i not in chosen])

    def solve(idx, lam):
        x, y = n[idx], t[idx]
        gram = x.T @ x + lam * len(idx) * np.eye(e)
        a_t = np.linalg.solve(gram, x.T @ y)  # e × e, z = x @ a_t
        adapter = a_t.T
        if a.rank > 0:
            u, s, vt = np.linalg.svd(adapter)
            adapter = (u[:, : a.rank] * s[: a.rank]) @ vt[: a.rank]
        return adapter

    def agreement(adapter, idx):
        z = (n[idx] @ adapter.T).astype(np.float32)
        hits = 0
        for i in range(0, len(idx), 256):
            hits += int(np.sum(np.argmax(z[i:i + 256] @ w_out.T, axis=1) == tokens[idx[i:i + 256]]))
        return hits / max(1, len(idx))

    own = agreement(np.diag(out_norm), held)  # the model's own norm and head at layer L
    print(f"{len(rows)} rows; own head at layer {a.layer}: {own:.3f} top-1 agreement on held-out rows", file=sys.stderr)
    results = []
    for lam in [float(x) for x in a.ridge.split(",")]:
        results.append((agreement(solve(fit, lam), held), lam))
        print(f"ridge {lam}: {results[-1][0]:.3f}", file=sys.stderr)
    best, lam = max(results)
    adapter = solve(np.arange(len(rows)), lam)
    write_side_file(a.out, a.layer, adapter, arch)
    report = {"rows": int(len(rows)), "layer": a.layer, "rank": a.rank, "own_head_agreement": own,
              "ridge": {str(l): r for r, l in results}, "chosen_ridge": lam, "held_out_agreement": best,
              "out": a.out}
    print(json.dumps(report, indent=None if a.json else 2))


if __name__ == "__main__":
    main()
