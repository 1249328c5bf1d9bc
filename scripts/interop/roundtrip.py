"""What the two round-trip checks share: their arguments, the run's prompt metadata, the records with
ptune's predictions, the template's pieces, and the answer tokens as ptune's encoder chooses them."""
import argparse
import json
import sys
from pathlib import Path

from safetensors import safe_open


def arguments(extra):
    """MODEL.gguf RUN_FOLDER RECORDS.jsonl PTUNE_PREDICTIONS.jsonl, and `extra(parser)`'s own options."""
    ap = argparse.ArgumentParser()
    for name in ("model", "run", "records", "predictions"):
        ap.add_argument(name)
    extra(ap)
    return ap.parse_args()


def prompt_metadata(run):
    """The metadata of the run's prompt.safetensors (docs/REPORT.md)."""
    with safe_open(str(Path(run) / "prompt.safetensors"), "np") as f:
        return f.metadata()


def records_and_predictions(a):
    """The records and `ptune predict --json`'s line for each, in order."""
    read = lambda path: [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    records, expected = read(a.records), read(a.predictions)
    if len(records) != len(expected):
        sys.exit(f"{len(records)} records but {len(expected)} predictions")
    return records, expected


def pieces(parts, record):
    """The template filled with the record: [("pseudo", count), ("text", str)], texts joined between
    pseudo tokens and ending before {target}."""
    out, text = [], ""
    for part in parts:
        if part["kind"] == "pseudo":
            if text:
                out.append(("text", text))
                text = ""
            out.append(("pseudo", part["count"]))
        elif part["kind"] == "text":
            text += part["text"]
        elif part["kind"] == "field":
            text += record[part["name"]]
    if text:
        out.append(("text", text))
    return out


def without_target_prefix(text, prefix):
    """The text before {target} without the spaces ptune moves into the answer."""
    return text[:len(text) - len(prefix)] if prefix and text.endswith(prefix) else text


def answer_tokens(meta, first_token, token_text):
    """(answers, tokens) as ptune scores them: classify the labels and their words' first tokens; fill
    the candidates' first tokens, each once, named by their text without the target prefix."""
    prefix = meta["target_prefix"]
    if meta["task_kind"] == "classify":
        words = json.loads(meta["label_words"])
        return [w["label"] for w in words], [first_token(prefix + w["word"]) for w in words]
    if meta["task_kind"] == "fill" and json.loads(meta["candidates"]) is not None:
        tokens = list(dict.fromkeys(first_token(prefix + c) for c in json.loads(meta["candidates"])))
        decoded = [token_text(t) for t in tokens]
        return [d[len(prefix):] if d.startswith(prefix) else d for d in decoded], tokens
    sys.exit(f"{meta['task_kind']} tasks without label words or candidates are not checked here")


def compare(probabilities, answers, expected):
    """Per record: whether the best answer equals ptune's, whether ptune decided it by more than 0.1
    in probability, and the largest difference from ptune's probabilities it lists."""
    best = answers[max(range(len(answers)), key=lambda i: probabilities[i])]
    ranked = sorted((s["probability"] for s in expected["top"]), reverse=True) + [0.0]
    theirs = {s["answer"]: s["probability"] for s in expected["top"]}
    difference = max([0.0] + [abs(p - theirs[x]) for x, p in zip(answers, probabilities) if x in theirs])
    return best == expected["predicted"], ranked[0] - ranked[1] > 0.1, difference
