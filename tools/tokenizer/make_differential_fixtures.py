#!/usr/bin/env python3
"""Differential fixtures for TandemTokenizer: random multi-script strings tokenized by Hugging Face
`tokenizers`, built from the same GGUF vocabularies with each family's pre-tokenizer pipeline.

The builders reproduce llama.cpp's oracle vectors exactly (checked on every run); the random strings
then extend coverage far beyond the 46 oracle strings. Output: Tests/TandemTokenizerTests/Fixtures/
differential-NAME.jsonl, one {"text": ..., "ids": [...]} per line.

    pip install --target /tmp/pylib tokenizers regex
    PYTHONPATH=/tmp/pylib python3 tools/tokenizer/make_differential_fixtures.py ../shared/oracle/tokenizer

Added/special tokens are not in the random pools (their matching differs by design: llama.cpp only
matches control tokens when asked). An extra argument `N SEED MAXLEN` changes the sample.
"""
import json, os, random, struct, sys
from tokenizers import Tokenizer, Regex, AddedToken, normalizers as N, decoders as D
from tokenizers.models import BPE
from tokenizers import pre_tokenizers as P, decoders

ORACLE = sys.argv[1] if len(sys.argv) > 1 else '../shared/oracle/tokenizer'

def read_gguf(path):
    f=open(path,'rb').read(); o=0
    def u(fmt):
        nonlocal o; v=struct.unpack_from('<'+fmt,f,o); o+=struct.calcsize(fmt); return v[0]
    def s():
        nonlocal o; n=u('Q'); v=f[o:o+n].decode('utf-8','replace'); o+=n; return v
    def val(t):
        if t==8: return s()
        if t==9:
            et=u('I'); n=u('Q'); return [val(et) for _ in range(n)]
        return u({0:'B',1:'b',2:'H',3:'h',4:'I',5:'i',6:'f',7:'?',10:'Q',11:'q',12:'d'}[t])
    assert u('I')==0x46554747; ver=u('I'); nt=u('Q'); nkv=u('Q'); md={}
    for _ in range(nkv):
        k=s(); t=u('I'); md[k]=val(t)
    return md

from tokenizers import Tokenizer, Regex, AddedToken
from tokenizers.models import BPE
from tokenizers import pre_tokenizers as P, decoders

GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
DS_LETTERS = "\\s?[" + 'A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶ-ͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃ-ↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲ-ⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃' + "]+"

def build(name):
    md = read_gguf(os.path.join(ORACLE, f'ggml-vocab-{name}.gguf'))
    toks = md['tokenizer.ggml.tokens']; types = md['tokenizer.ggml.token_type']
    vocab = {}
    for i, t in enumerate(toks):
        if t not in vocab: vocab[t] = i
    merges = []
    for m in md['tokenizer.ggml.merges']:
        k = m.index(' ', 1); merges.append((m[:k], m[k+1:]))
    tk = Tokenizer(BPE(vocab, merges, ignore_merges=(name == 'llama-bpe')))
    bl = P.ByteLevel(add_prefix_space=False, use_regex=False)
    if name == 'gpt-2':
        tk.pre_tokenizer = P.ByteLevel(add_prefix_space=False, use_regex=True)
    elif name == 'llama-bpe':
        tk.pre_tokenizer = P.Sequence([P.Split(Regex(LLAMA3), 'isolated'), bl])
    elif name == 'qwen2':
        tk.pre_tokenizer = P.Sequence([P.Split(Regex(QWEN2), 'isolated'), bl])
    elif name in ('starcoder', 'refact'):
        tk.pre_tokenizer = P.Sequence([P.Digits(individual_digits=True), P.ByteLevel(add_prefix_space=False, use_regex=True)])
    elif name == 'deepseek-llm':
        tk.pre_tokenizer = P.Sequence([P.Split(Regex("[\r\n]"), 'isolated'), P.Split(Regex(DS_LETTERS), 'isolated'),
            P.Split(Regex("\\s?[!-/:-~！-／：-～‘-‟　-。]+"), 'isolated'), P.Split(Regex("\\s+$"), 'isolated'),
            P.Split(Regex("[一-龥ࠀ-一가-퟿]+"), 'isolated'), P.Digits(individual_digits=True), bl])
    tk.decoder = decoders.ByteLevel()
    added = [AddedToken(toks[i], special=(types[i] == 3), normalized=False) for i in range(len(toks)) if types[i] in (3, 4)]
    if added: tk.add_tokens(added)
    return tk

POOLS = [list(range(0x20, 0x7F)), [0x09, 0x0A, 0x0D, 0x20, 0x20, 0x20, 0xA0, 0x2009, 0x3000, 0x0B, 0x0C, 0x85, 0x2028],
    list(range(0x30, 0x3A)) + list(range(0x660, 0x66A)) + list(range(0xFF10, 0xFF1A)) + [0xB2, 0xBD, 0x2167],
    list(range(0x410, 0x450)), list(range(0x3B1, 0x3CA)), list(range(0x5D0, 0x5EB)), list(range(0x627, 0x64B)),
    list(range(0x900, 0x980)), list(range(0x1780, 0x17DE)), [0x301, 0x308, 0x323, 0x20DD, 0xFE0F, 0x200D],
    [0x1F600, 0x1F680, 0x1F999, 0x2705, 0x1F636, 0x1F32B, 0x1F1FA, 0x1F1F8, 0x1F3FD],
    list(range(0x4E00, 0x4E80)), list(range(0xAC00, 0xAC40)), list(range(0x3040, 0x30A0)),
    [0x0, 0x1, 0x1F, 0x7F, 0xAD, 0xFFFD, 0xFEFF, 0xE000, 0x1D11E, 0x2019, 0x27, 0xB5, 0xC0, 0xD7, 0x1E00, 0x2126, 0x212A],
    [ord(c) for c in "'sSre'RE've'VEmM'llLL'dD'tT"], list(range(0xFF01, 0xFF5F)), list(range(0x2018, 0x2020)) + [0x3000, 0x3001, 0x3002]]
EXCLUDE = set()
MAXLEN = int(sys.argv[4]) if len(sys.argv) > 4 else 40

def rand_string(rng):
    out = []; pool = POOLS[0]
    for _ in range(rng.randint(0, MAXLEN)):
        if rng.randrange(4) == 0: pool = rng.choice(POOLS)
        for _ in range(rng.randint(1, 3)): out.append(chr(rng.choice(pool)))
    return ''.join(out)


def build_spm(name):
    md = read_gguf(os.path.join(ORACLE, f'ggml-vocab-{name}.gguf'))
    toks = md['tokenizer.ggml.tokens']; scores = md['tokenizer.ggml.scores']; types = md['tokenizer.ggml.token_type']
    vocab = {t: i for i, t in enumerate(toks)}
    merges = []
    for piece, pid in vocab.items():
        if types[pid] != 1: continue
        for k in range(1, len(piece)):
            l, r = piece[:k], piece[k:]
            if l in vocab and r in vocab and types[vocab[l]] == 1 and types[vocab[r]] == 1:
                merges.append((vocab[l], vocab[r], scores[pid], pid))
    merges.sort(key=lambda m: (-m[2], m[3], m[0], m[1]))
    merges = [(toks[a], toks[b]) for a, b, _, _ in merges]
    tk = Tokenizer(BPE(vocab, merges, unk_token='<unk>', byte_fallback=True, fuse_unk=True))
    tk.normalizer = N.Sequence([N.Prepend('▁'), N.Replace(' ', '▁')])
    tk.decoder = D.Sequence([D.Replace('▁', ' '), D.ByteFallback(), D.Fuse(), D.Strip(' ', 1, 0)])
    return tk



BPE_VOCABS = ['gpt-2', 'llama-bpe', 'qwen2', 'starcoder', 'deepseek-llm']
SPM_VOCABS = ['llama-spm', 'phi-3']

if __name__ == '__main__':
    n, seed, maxlen = (int(x) for x in sys.argv[2:5]) if len(sys.argv) > 4 else (200, 2026, 80)
    MAXLEN = maxlen
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../Tests/TandemTokenizerTests/Fixtures')
    for name in BPE_VOCABS + SPM_VOCABS:
        tk = build(name) if name in BPE_VOCABS else build_spm(name)
        inp = open(os.path.join(ORACLE, f'ggml-vocab-{name}.gguf.inp'), encoding='utf-8').read().split('\n__ggml_vocab_test__\n')[:-1]
        out = open(os.path.join(ORACLE, f'ggml-vocab-{name}.gguf.out')).read().split('\n')
        for s, o in zip(inp, out):
            got = tk.encode(s, add_special_tokens=False).ids if s else []
            assert got == [int(x) for x in o.split()], (name, s)
        rng = random.Random(seed)
        with open(os.path.join(out_dir, f'differential-{name}.jsonl'), 'w', encoding='utf-8') as f:
            for _ in range(n):
                s = rand_string(rng)
                ids = tk.encode(s, add_special_tokens=False).ids if s else []
                f.write(json.dumps({'text': s, 'ids': ids}, separators=(',', ':'), ensure_ascii=False) + '\n')
        print(name, 'ok')
