"""Build the training corpus from files every Python 3 installation carries.

Corpus = English prose about Python, taken from the running interpreter's stdlib:
  * every docstring (module, class, function) of the stdlib's .py files, via `ast`;
  * every block of consecutive `#` comment lines (joined into a paragraph);
  * the language/library reference topics shipped as `pydoc_data.topics` (the text
    `help("if")` prints).
Excluded folders: site-packages, test(s), idlelib, lib2to3, encodings, turtledemo,
ensurepip, __pycache__ (tests and codec tables are repetitive and not prose).

Documents are joined with <|endoftext|>. The split is by source: a file (or a pydoc
topic) whose crc32(relative path) % 20 == 0 goes to held-out.

Output: <out>/train.txt, <out>/heldout.txt, <out>/corpus_stats.json
"""
import argparse
import ast
import json
import os
import re
import sys
import sysconfig
import zlib

EOT = "<|endoftext|>"
EXCLUDE_DIRS = {"site-packages", "dist-packages", "test", "tests", "idlelib", "lib2to3",
                "encodings", "turtledemo", "ensurepip", "__pycache__", "pydoc_data"}
HELD_OUT_MOD = 20


def is_heldout(key: str) -> bool:
    return zlib.crc32(key.encode("utf-8")) % HELD_OUT_MOD == 0


def clean(text: str) -> str:
    # normalise whitespace: strip trailing spaces, collapse 3+ newlines, tabs -> 4 spaces
    text = text.replace("\t", "    ").replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def comment_blocks(source: str):
    """Yield paragraphs made of consecutive full-line `#` comments (no shebangs/pragmas)."""
    block = []
    for line in source.split("\n"):
        s = line.strip()
        if s.startswith("#") and not s.startswith("#!"):
            body = s.lstrip("#").strip()
            if body.startswith("-*-") or body.lower().startswith(("type:", "noqa", "pragma")):
                continue
            if body and set(body) <= set("-=*#~_ "):
                continue  # ruler lines
            block.append(body)
        else:
            if block:
                yield block
            block = []
    if block:
        yield block


def file_documents(path: str):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError:
        source = raw.decode("latin-1")
    parts = []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        tree = None
    if tree is not None:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node, clean=True)
                if doc and len(doc) >= 40:
                    if isinstance(node, ast.Module):
                        parts.append(clean(doc))
                    else:
                        kind = "class" if isinstance(node, ast.ClassDef) else "def"
                        parts.append(f"{kind} {node.name}:\n{clean(doc)}")
    comments = []
    for block in comment_blocks(source):
        para = clean("\n".join(block))
        if len(para) >= 60:  # skip one-word markers like "# XXX"
            comments.append(para)
    if comments:
        parts.append("\n\n".join(comments))
    return [p for p in parts if p]


def build(out_dir: str):
    stdlib = sysconfig.get_paths()["stdlib"]
    train, held = [], []
    n_files = 0
    for root, dirs, files in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs if d not in EXCLUDE_DIRS and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, stdlib).replace(os.sep, "/")
            docs = file_documents(path)
            if not docs:
                continue
            n_files += 1
            (held if is_heldout(rel) else train).append("\n\n".join(docs))
    n_topics = 0
    try:
        from pydoc_data.topics import topics
        for key in sorted(topics):
            text = clean(topics[key])
            if text:
                n_topics += 1
                (held if is_heldout("topic:" + key) else train).append(text)
    except ImportError:
        print("warning: pydoc_data.topics not available; corpus has no reference topics", file=sys.stderr)
    os.makedirs(out_dir, exist_ok=True)
    sep = "\n" + EOT + "\n"
    train_text = sep.join(train) + sep
    held_text = sep.join(held) + sep
    with open(os.path.join(out_dir, "train.txt"), "w", encoding="utf-8") as f:
        f.write(train_text)
    with open(os.path.join(out_dir, "heldout.txt"), "w", encoding="utf-8") as f:
        f.write(held_text)
    stats = {
        "python": sys.version.split()[0],
        "stdlib": stdlib,
        "files_with_text": n_files,
        "pydoc_topics": n_topics,
        "train_docs": len(train), "heldout_docs": len(held),
        "train_chars": len(train_text), "heldout_chars": len(held_text),
    }
    with open(os.path.join(out_dir, "corpus_stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps(stats))
    return stats


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out", "corpus"))
    build(ap.parse_args().out)
