#!/usr/bin/env python3
"""Reproduces `ptune predict` with PyTorch: the same GGUF through transformers, the prompt through
PEFT's P-tuning adapter that `ptune train` writes (adapter/), the answer scored as ptune scores it.
Checks that every prediction is the same and every probability within the tolerance, and that the
prompt is not silently ignored: with PEFT's prompt embeddings set to zeros the probabilities move.

Classify tasks, and fill tasks with candidates, with a prefix-only template (every [P] before the text, which is what PEFT can
express), on a model whose tokenizer adds no BOS, with records shorter than the run's max_length
(ptune would cut longer ones). The text after the pseudo tokens is filled in with the record's
fields and ends before {target}; the run's target_prefix (the template's spaces before {target})
goes before each label word or candidate, and its first token is scored (each such token once, named
by its text), as ptune's encoder does; fill compares the probabilities of ptune's ten best.

usage: peft-roundtrip.py MODEL.gguf RUN_FOLDER RECORDS.jsonl PTUNE_PREDICTIONS.jsonl [--tolerance T]
Prints one JSON line: records, equal predictions, largest probability difference, and the largest
change the zeroed prompt makes. Exit 1 when a prediction differs, a probability is beyond the
tolerance, or zeroing the prompt changes no probability by more than 0.01.
"""
import argparse
import json
import sys
from pathlib import Path

import torch
from peft import PeftModel
from safetensors import safe_open
from transformers import AutoModelForCausalLM, AutoTokenizer


def prompt_metadata(run):
    with safe_open(str(Path(run) / "prompt.safetensors"), "pt") as f:
        return f.metadata()


def text_after_prompt(parts, record):
    """The template's text after its leading pseudo tokens, fields filled in, up to {target}."""
    kinds = [p["kind"] for p in parts]
    first_text = next(i for i, k in enumerate(kinds) if k != "pseudo")
    if "pseudo" in kinds[first_text:]:
        sys.exit("the template has pseudo tokens after its text: PEFT cannot place them")
    out = ""
    for part in parts[first_text:]:
        if part["kind"] == "text":
            out += part["text"]
        elif part["kind"] == "field":
            out += record[part["name"]]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("run")
    ap.add_argument("records")
    ap.add_argument("predictions")
    ap.add_argument("--tolerance", type=float, default=1e-3)
    a = ap.parse_args()

    meta = prompt_metadata(a.run)
    parts = json.loads(meta["template_parts"])
    model_path = Path(a.model)
    tok = AutoTokenizer.from_pretrained(model_path.parent, gguf_file=model_path.name)
    base = AutoModelForCausalLM.from_pretrained(model_path.parent, gguf_file=model_path.name,
                                                dtype=torch.float32).eval()
    model = PeftModel.from_pretrained(base, str(Path(a.run) / "adapter")).eval()

    prefix = meta["target_prefix"]
    first = lambda word: tok(prefix + word, add_special_tokens=False).input_ids[0]
    if meta["task_kind"] == "classify":
        words = json.loads(meta["label_words"])
        answers = [w["label"] for w in words]
        tokens = [first(w["word"]) for w in words]
    elif meta["task_kind"] == "fill" and json.loads(meta["candidates"]) is not None:
        tokens = list(dict.fromkeys(first(c) for c in json.loads(meta["candidates"])))
        decoded = [tok.decode([t]) for t in tokens]
        answers = [d[len(prefix):] if d.startswith(prefix) else d for d in decoded]
    else:
        sys.exit(f"{meta['task_kind']} tasks without label words or candidates are not checked here")

    records = [json.loads(line) for line in Path(a.records).read_text().splitlines() if line.strip()]
    expected = [json.loads(line) for line in Path(a.predictions).read_text().splitlines() if line.strip()]
    if len(records) != len(expected):
        sys.exit(f"{len(records)} records but {len(expected)} predictions")

    def probabilities(record):
        text = text_after_prompt(parts, record)
        text = text[:len(text) - len(prefix)] if prefix and text.endswith(prefix) else text
        ids = tok(text, add_special_tokens=False, return_tensors="pt").input_ids
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, -1]
        return torch.softmax(logits[tokens].double(), dim=0).tolist()

    equal, worst, trained = 0, 0.0, []
    for record, want in zip(records, expected):
        probs = probabilities(record)
        trained.append(probs)
        predicted = answers[max(range(len(answers)), key=lambda i: probs[i])]
        equal += predicted == want["predicted"]
        theirs = {s["answer"]: s["probability"] for s in want["top"]}
        for answer, p in zip(answers, probs):
            if answer in theirs:
                worst = max(worst, abs(p - theirs[answer]))

    with torch.no_grad():
        for parameter in model.prompt_encoder.parameters():
            parameter.zero_()
    moved = max(abs(p - q) for record, probs in zip(records, trained)
                for p, q in zip(probabilities(record), probs))
    print(json.dumps({"records": len(records), "equal": equal, "max_probability_difference": worst,
                      "zeroed_prompt_max_change": moved}))
    if equal != len(records) or worst > a.tolerance or moved <= 0.01:
        sys.exit(1)


if __name__ == "__main__":
    main()
