"""Train a GPT-2-style byte-level BPE (the exact kind llama.cpp's `gpt2` vocab with pre `gpt-2`
implements) and encode the corpus.

* pre-tokenizer: ByteLevel(add_prefix_space=False, use_regex=True)  -> GPT-2 regex
* decoder: ByteLevel; no normalizer; no post-processor (no BOS added)
* id 0 = <|endoftext|> (the only special token; used as BOS/EOS and document separator)
* ids 1..256 = the 256 byte symbols, then merges in rank order.

Output: <out>/tokenizer.json, <out>/train.npy, <out>/heldout.npy (uint16 token ids)
"""
import argparse
import json
import os

import numpy as np
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

EOT = "<|endoftext|>"


def train_tokenizer(train_txt: str, vocab_size: int) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=[EOT],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # Train on documents (split at EOT) so no merge spans a separator.
    with open(train_txt, encoding="utf-8") as f:
        docs = [d.strip("\n") for d in f.read().split(EOT) if d.strip()]
    tok.train_from_iterator(docs, trainer=trainer)
    return tok


def encode_file(tok: Tokenizer, path: str) -> np.ndarray:
    eot = tok.token_to_id(EOT)
    with open(path, encoding="utf-8") as f:
        docs = [d.strip("\n") for d in f.read().split(EOT) if d.strip()]
    ids = []
    for enc in tok.encode_batch(docs, add_special_tokens=False):
        ids.append(eot)
        ids.extend(enc.ids)
    ids.append(eot)
    return np.asarray(ids, dtype=np.uint16)


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--corpus", default=os.path.join(here, "out", "corpus"))
    ap.add_argument("--out", default=os.path.join(here, "out", "tok"))
    ap.add_argument("--vocab", type=int, default=4096)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    tok = train_tokenizer(os.path.join(a.corpus, "train.txt"), a.vocab)
    assert tok.token_to_id(EOT) == 0, "EOT must be id 0"
    tok.save(os.path.join(a.out, "tokenizer.json"))
    stats = {"vocab_size": tok.get_vocab_size()}
    for split in ("train", "heldout"):
        ids = encode_file(tok, os.path.join(a.corpus, split + ".txt"))
        np.save(os.path.join(a.out, split + ".npy"), ids)
        nbytes = os.path.getsize(os.path.join(a.corpus, split + ".txt"))
        stats[split + "_tokens"] = int(ids.size)
        stats[split + "_bytes_per_token"] = round(nbytes / ids.size, 3)
    # round-trip check: byte-level BPE must be lossless
    sample = open(os.path.join(a.corpus, "heldout.txt"), encoding="utf-8").read()[:5000].split(EOT)[0]
    assert tok.decode(tok.encode(sample, add_special_tokens=False).ids) == sample, "tokenizer round-trip failed"
    with open(os.path.join(a.out, "tokenizer_stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
