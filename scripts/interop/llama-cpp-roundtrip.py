#!/usr/bin/env python3
"""Reproduces `ptune predict` with llama.cpp (its Python bindings, llama-cpp-python) on the same GGUF:
each record's input is fed in pieces, the prompt's rows as a batch of input embeddings wherever the
template has pseudo tokens and the text between them as tokens, in order, positions running on, so
templates with pseudo tokens in the middle work too; the answer is then scored at the last position
as ptune scores it. llama.cpp multiplies with the file's quantized weights (and 8-bit activations), so
probabilities differ a little; the check is on the answers.

The prompt comes from the run's prompt.safetensors: its `prompt_table` [m, H] in row order, and the
`template_parts` and `target_prefix` in its metadata (docs/REPORT.md). Classify tasks and fill tasks
with candidates, on a model whose tokenizer adds no BOS.

usage: llama-cpp-roundtrip.py MODEL.gguf RUN_FOLDER RECORDS.jsonl PTUNE_PREDICTIONS.jsonl [--min-equal F]
Prints one JSON line: records, equal answers, the records ptune decided by a margin of more than 0.1
in probability and how many of those are equal, and the largest probability difference. Exit 1 when
fewer than the fraction F (default 0.99) of the decided records' answers are equal (a near tie can
fall either way under llama.cpp's quantized arithmetic).
"""
import argparse
import ctypes
import json
import math
import sys
from pathlib import Path

import llama_cpp
from safetensors.numpy import load_file
from safetensors import safe_open


def pieces(parts, record, rows):
    """The input as [("rows", array), ("text", str)], the text before {target} without the target prefix."""
    out, text, row = [], "", 0
    for part in parts:
        if part["kind"] == "pseudo":
            if text:
                out.append(("text", text))
                text = ""
            out.append(("rows", rows[row:row + part["count"]]))
            row += part["count"]
        elif part["kind"] == "text":
            text += part["text"]
        elif part["kind"] == "field":
            text += record[part["name"]]
    if text:
        out.append(("text", text))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("run")
    ap.add_argument("records")
    ap.add_argument("predictions")
    ap.add_argument("--min-equal", type=float, default=0.99)
    a = ap.parse_args()

    prompt_file = str(Path(a.run) / "prompt.safetensors")
    with safe_open(prompt_file, "np") as f:
        meta = f.metadata()
    rows = load_file(prompt_file)["prompt_table"]
    parts = json.loads(meta["template_parts"])
    prefix = meta["target_prefix"]

    llm = llama_cpp.Llama(model_path=a.model, n_ctx=1024, n_batch=1024, n_threads=2, verbose=False)
    ctx, n_embd = llm.ctx, llama_cpp.llama_n_embd(llm.model)
    tokenize = lambda text: llm.tokenize(text.encode(), add_bos=False, special=False)
    first = lambda word: tokenize(prefix + word)[0]
    if meta["task_kind"] == "classify":
        words = json.loads(meta["label_words"])
        answers, tokens = [w["label"] for w in words], [first(w["word"]) for w in words]
    elif meta["task_kind"] == "fill" and json.loads(meta["candidates"]) is not None:
        tokens = list(dict.fromkeys(first(c) for c in json.loads(meta["candidates"])))
        decoded = [llm.detokenize([t]).decode() for t in tokens]
        answers = [d[len(prefix):] if d.startswith(prefix) else d for d in decoded]
    else:
        sys.exit(f"{meta['task_kind']} tasks without label words or candidates are not checked here")

    def decode(batch_items, position, embeddings):
        count = len(batch_items)
        batch = llama_cpp.llama_batch_init(count, n_embd if embeddings else 0, 1)
        batch.n_tokens = count
        for i, item in enumerate(batch_items):
            if embeddings:
                for j in range(n_embd):
                    batch.embd[i * n_embd + j] = float(item[j])
            else:
                batch.token[i] = item
            batch.pos[i] = position + i
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = 0
            batch.logits[i] = i == count - 1
        status = llama_cpp.llama_decode(ctx, batch)
        llama_cpp.llama_batch_free(batch)
        if status != 0:
            sys.exit(f"llama_decode returned {status}")
        return position + count

    memory = llama_cpp.llama_get_memory(ctx)

    def probabilities(record):
        llama_cpp.llama_memory_clear(memory, True)
        items = pieces(parts, record, rows)
        kind, last = items[-1]
        if kind == "text" and prefix and last.endswith(prefix):
            items[-1] = ("text", last[:-len(prefix)])
        position = 0
        for kind, value in items:
            if kind == "text" and not tokenize(value):
                continue
            position = decode(list(value) if kind == "rows" else tokenize(value), position, kind == "rows")
        logits = llama_cpp.llama_get_logits_ith(ctx, -1)
        scores = [logits[t] for t in tokens]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        return [e / sum(exps) for e in exps]

    records = [json.loads(line) for line in Path(a.records).read_text().splitlines() if line.strip()]
    expected = [json.loads(line) for line in Path(a.predictions).read_text().splitlines() if line.strip()]
    if len(records) != len(expected):
        sys.exit(f"{len(records)} records but {len(expected)} predictions")
    equal, decided, decided_equal, worst = 0, 0, 0, 0.0
    for record, want in zip(records, expected):
        probs = probabilities(record)
        same = answers[max(range(len(answers)), key=lambda i: probs[i])] == want["predicted"]
        ranked = sorted((s["probability"] for s in want["top"]), reverse=True) + [0.0]
        clear = ranked[0] - ranked[1] > 0.1
        equal, decided, decided_equal = equal + same, decided + clear, decided_equal + (same and clear)
        theirs = {s["answer"]: s["probability"] for s in want["top"]}
        worst = max([worst] + [abs(p - theirs[x]) for x, p in zip(answers, probs) if x in theirs])
    print(json.dumps({"records": len(records), "equal": equal, "decided": decided, "decided_equal": decided_equal,
                      "max_probability_difference": worst}))
    if decided == 0 or decided_equal < a.min_equal * decided:
        sys.exit(1)


if __name__ == "__main__":
    main()
