"""Export trained parameters to GGUF (arch `llama`, llama.cpp-loadable), and read them back.

Matrices are stored F16, norms F32 (general.file_type = 1, MOSTLY_F16). Tied embeddings: no
`output.weight`. The target also carries the early-exit head:
  tandem.early_exit.layer (u32)      = number of blocks applied before the exit
                                       (the exit reads the hidden state after blocks 0..L-1)
  early_exit.output_norm.weight (F32) = the exit's RMSNorm; the output head is shared (tied).

JAX weights are (in, out); GGUF/torch layout is (out, in) so W.T is written (ne = [in, out]).
RoPE: the model rotates interleaved pairs (ggml NORM mode) -> Q/K are written as-is.
"""
import argparse
import json
import os

import numpy as np
import gguf

import model as M

BLOCK_MAP = {  # jax name -> gguf name
    "attn_norm": "attn_norm", "wq": "attn_q", "wk": "attn_k", "wv": "attn_v", "wo": "attn_output",
    "ffn_norm": "ffn_norm", "w_gate": "ffn_gate", "w_up": "ffn_up", "w_down": "ffn_down",
}


def tokenizer_arrays(tok_json_path):
    t = json.load(open(tok_json_path, encoding="utf-8"))
    vocab = t["model"]["vocab"]
    tokens = [None] * len(vocab)
    for s, i in vocab.items():
        tokens[i] = s
    assert all(x is not None for x in tokens), "vocab ids not contiguous"
    special = {a["content"] for a in t.get("added_tokens", []) if a.get("special")}
    types = [gguf.TokenType.CONTROL if s in special else gguf.TokenType.NORMAL for s in tokens]
    merges = [m if isinstance(m, str) else " ".join(m) for m in t["model"]["merges"]]
    return tokens, types, merges


def export(npz_path, tok_json, out_path, name):
    cfg, p = M.load_params(npz_path)
    w = gguf.GGUFWriter(out_path, "llama")
    w.add_name(name)
    w.add_description("Tandem " + name + ": base model trained by tools/train on Python stdlib prose")
    w.add_context_length(cfg.ctx)
    w.add_embedding_length(cfg.d)
    w.add_block_count(cfg.n_layers)
    w.add_feed_forward_length(cfg.ffn)
    w.add_head_count(cfg.n_heads)
    w.add_head_count_kv(cfg.n_kv)
    w.add_rope_dimension_count(cfg.hd)
    w.add_rope_freq_base(cfg.rope_base)
    w.add_layer_norm_rms_eps(cfg.eps)
    w.add_vocab_size(cfg.vocab)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    tokens, types, merges = tokenizer_arrays(tok_json)
    assert len(tokens) == cfg.vocab
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(0)
    w.add_eos_token_id(0)
    w.add_add_bos_token(False)
    w.add_add_eos_token(False)
    if cfg.exit_layer:
        w.add_uint32("tandem.early_exit.layer", cfg.exit_layer)

    f16 = lambda x: np.ascontiguousarray(np.asarray(x, dtype=np.float32).astype(np.float16))
    f32 = lambda x: np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    w.add_tensor("token_embd.weight", f16(p["embed"]))            # (vocab, d) -> ne [d, vocab]
    for i, b in enumerate(p["blocks"]):
        for k, g in BLOCK_MAP.items():
            arr = b[k]
            if arr.ndim == 1:
                w.add_tensor(f"blk.{i}.{g}.weight", f32(arr))
            else:
                w.add_tensor(f"blk.{i}.{g}.weight", f16(np.asarray(arr).T))
    w.add_tensor("output_norm.weight", f32(p["norm"]))
    if cfg.exit_layer:
        w.add_tensor("early_exit.output_norm.weight", f32(p["exit_norm"]))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return os.path.getsize(out_path)


def _field_value(r, key):
    f = r.fields.get(key)
    if f is None:
        return None
    return f.contents()


def load_gguf(path):
    """Read a GGUF written by `export` back into (Config, params) as float32 - exactly the weights
    an engine sees (F16 rounding included)."""
    import jax.numpy as jnp
    r = gguf.GGUFReader(path)
    g = lambda k: _field_value(r, k)
    exit_layer = g("tandem.early_exit.layer") or 0
    cfg = M.Config(vocab=int(g("llama.vocab_size")), d=int(g("llama.embedding_length")),
                   n_layers=int(g("llama.block_count")), n_heads=int(g("llama.attention.head_count")),
                   n_kv=int(g("llama.attention.head_count_kv")), ffn=int(g("llama.feed_forward_length")),
                   ctx=int(g("llama.context_length")), rope_base=float(g("llama.rope.freq_base")),
                   eps=float(f"{float(g('llama.attention.layer_norm_rms_epsilon')):.7g}"), exit_layer=int(exit_layer))
    t = {}
    for ti in r.tensors:
        ne = [int(x) for x in ti.shape]
        arr = np.asarray(ti.data)
        if ti.tensor_type == gguf.GGMLQuantizationType.Q8_0:
            arr = gguf.dequantize(ti.data, ti.tensor_type)
        arr = arr.astype(np.float32).reshape(list(reversed(ne)))
        t[ti.name] = arr
    p = {"embed": jnp.asarray(t["token_embd.weight"]), "norm": jnp.asarray(t["output_norm.weight"]), "blocks": []}
    for i in range(cfg.n_layers):
        b = {}
        for k, gname in BLOCK_MAP.items():
            a = t[f"blk.{i}.{gname}.weight"]
            b[k] = jnp.asarray(a if a.ndim == 1 else a.T)
        p["blocks"].append(b)
    if cfg.exit_layer:
        p["exit_norm"] = jnp.asarray(t["early_exit.output_norm.weight"])
    return cfg, p


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default=os.path.join(here, "out", "target.npz"))
    ap.add_argument("--draft", default=os.path.join(here, "out", "draft.npz"))
    ap.add_argument("--tok", default=os.path.join(here, "out", "tok", "tokenizer.json"))
    ap.add_argument("--models", default=os.path.join(here, "..", "..", "Models"))
    a = ap.parse_args()
    os.makedirs(a.models, exist_ok=True)
    sizes = {}
    for npz, name in ((a.target, "target"), (a.draft, "draft")):
        out = os.path.join(a.models, name + ".gguf")
        sizes[name] = export(npz, a.tok, out, "tandem-" + name)
        # self-check: read back and compare with the float32 training weights (F16 rounding only)
        cfg0, p0 = M.load_params(npz)
        cfg1, p1 = load_gguf(out)
        assert cfg0 == cfg1, (cfg0, cfg1)
        err = max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in
                  zip(__import__("jax").tree_util.tree_leaves(p0), __import__("jax").tree_util.tree_leaves(p1)))
        print(f"{out}: {sizes[name]} bytes, max |w - f16(w)| = {err:.2e}")
        assert err < 1e-2
    total = sum(sizes.values())
    print("total bytes", total)
    assert total <= 20 * 1024 * 1024, "models exceed 20 MB"


if __name__ == "__main__":
    main()
