#!/usr/bin/env python3
"""Reproduces `ptune predict` with llama.cpp (its Python bindings, llama-cpp-python) on the same GGUF:
each record's input is fed in pieces, the prompt's rows as a batch of input embeddings (for Gemma 3
times sqrt(H), as ptune feeds them) wherever the template has pseudo tokens and the text between
them as tokens, in order, positions running on, so templates with pseudo tokens in the middle work
too; the answer is then scored at the last position as ptune scores it. llama.cpp multiplies with the file's quantized weights (and 8-bit activations), so
probabilities differ a little; the check is on the answers.

The prompt comes from the run's prompt.safetensors: its `prompt_table` [m, H] in row order, and the
`template_parts`, `target_prefix` and `bos` in its metadata (docs/REPORT.md); with `bos` "true" the
model's BOS token goes after the pseudo tokens the template begins with, as ptune places it. Classify
tasks and fill tasks with candidates.

usage: llama-cpp-roundtrip.py MODEL.gguf RUN_FOLDER RECORDS.jsonl PTUNE_PREDICTIONS.jsonl [--min-equal F]
Prints one JSON line: records, equal answers, the records ptune decided by a margin of more than 0.1
in probability and how many of those are equal, and the largest probability difference. Exit 1 when
fewer than the fraction F (default 0.99) of the decided records' answers are equal (a near tie can
fall either way under llama.cpp's quantized arithmetic).
"""
import json
import math
import sys
from pathlib import Path

import llama_cpp
from safetensors.numpy import load_file

import roundtrip


def main():
    a = roundtrip.arguments(lambda ap: ap.add_argument("--min-equal", type=float, default=0.99))
    meta = roundtrip.prompt_metadata(a.run)
    rows = load_file(str(Path(a.run) / "prompt.safetensors"))["prompt_table"]
    parts = json.loads(meta["template_parts"])

    llm = llama_cpp.Llama(model_path=a.model, n_ctx=1024, n_batch=1024, n_threads=2, verbose=False)
    ctx, n_embd = llm.ctx, llama_cpp.llama_n_embd(llm.model)
    if llm.metadata.get("general.architecture") == "gemma3":
        # ptune multiplies every input row by sqrt(H) for Gemma, prompt rows too; llama.cpp multiplies
        # token embeddings only, never rows given as embeddings.
        rows = rows * math.sqrt(n_embd)
    tokenize = lambda text: llm.tokenize(text.encode(), add_bos=False, special=False)
    answers, tokens = roundtrip.answer_tokens(meta, lambda text: tokenize(text)[0],
                                              lambda t: llm.detokenize([t]).decode())
    records, expected = roundtrip.records_and_predictions(a)
    memory = llama_cpp.llama_get_memory(ctx)

    def decode(items, position, embeddings):
        """One llama_decode of token ids, or of embedding rows; logits at the last."""
        count = len(items)
        batch = llama_cpp.llama_batch_init(count, n_embd if embeddings else 0, 1)
        batch.n_tokens = count
        for i, item in enumerate(items):
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

    def probabilities(record):
        llama_cpp.llama_memory_clear(memory, True)
        items = roundtrip.pieces(parts, record)
        if items[-1][0] == "text":
            items[-1] = ("text", roundtrip.without_target_prefix(items[-1][1], meta["target_prefix"]))
        position, row, bos = 0, 0, meta.get("bos") == "true"
        for kind, value in items + [("target", None)]:
            if kind != "pseudo" and bos:
                position = decode([llm.token_bos()], position, False)
                bos = False
            if kind == "pseudo":
                position = decode(list(rows[row:row + value]), position, True)
                row += value
            elif kind == "text" and tokenize(value):
                position = decode(tokenize(value), position, False)
        logits = llama_cpp.llama_get_logits_ith(ctx, -1)
        scores = [logits[t] for t in tokens]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        return [e / sum(exps) for e in exps]

    results = [roundtrip.compare(probabilities(record), answers, want) for record, want in zip(records, expected)]
    decided = sum(clear for _, clear, _ in results)
    decided_equal = sum(same and clear for same, clear, _ in results)
    print(json.dumps({"records": len(records), "equal": sum(same for same, _, _ in results), "decided": decided,
                      "decided_equal": decided_equal, "max_probability_difference": max(d for _, _, d in results)}))
    if decided == 0 or decided_equal < a.min_equal * decided:
        sys.exit(1)


if __name__ == "__main__":
    main()
