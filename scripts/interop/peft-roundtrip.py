#!/usr/bin/env python3
"""Reproduces `ptune predict` with PyTorch: the same GGUF through transformers, the prompt through
PEFT's P-tuning adapter that `ptune train` writes (adapter/), the answer scored as ptune scores it.
Checks that every prediction is the same and every probability within the tolerance, and that the
prompt is not silently ignored: with PEFT's prompt embeddings set to zeros the probabilities move.

Classify tasks, and fill tasks with candidates, with a prefix-only template (every [P] before the
text, which is what PEFT can express), with records shorter than the run's max_length (ptune would
cut longer ones). When the prompt's metadata says `bos` "true", the model's BOS token begins the input
PEFT is given, as it follows the pseudo tokens in ptune. The text after the pseudo tokens is filled
in with the record's fields and ends before {target}; the run's target_prefix (the template's spaces
before {target}) goes before each label word or candidate, and its first token is scored (each such
token once, named by its text), as ptune's encoder does; fill compares the probabilities of ptune's
ten best.

usage: peft-roundtrip.py MODEL.gguf RUN_FOLDER RECORDS.jsonl PTUNE_PREDICTIONS.jsonl [--tolerance T]
Prints one JSON line: records, equal predictions, largest probability difference, and the largest
change the zeroed prompt makes. Exit 1 when a prediction differs, a probability is beyond the
tolerance, or zeroing the prompt changes no probability by more than 0.01.
"""
import json
import sys
from pathlib import Path

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

import roundtrip


def main():
    a = roundtrip.arguments(lambda ap: ap.add_argument("--tolerance", type=float, default=1e-3))
    meta = roundtrip.prompt_metadata(a.run)
    parts = json.loads(meta["template_parts"])
    kinds = [part["kind"] for part in parts]
    leading = next((i for i, kind in enumerate(kinds) if kind != "pseudo"), len(kinds))
    if "pseudo" not in kinds:
        sys.exit("the run exported its manual template (no prompt rows): there is no adapter to load")
    if leading == 0 or "pseudo" in kinds[leading:]:
        sys.exit("the template's pseudo tokens do not all come first: PEFT cannot place them")
    model_path = Path(a.model)
    tok = AutoTokenizer.from_pretrained(model_path.parent, gguf_file=model_path.name)
    base = AutoModelForCausalLM.from_pretrained(model_path.parent, gguf_file=model_path.name,
                                                dtype=torch.float32).eval()
    model = PeftModel.from_pretrained(base, str(Path(a.run) / "adapter")).eval()
    answers, tokens = roundtrip.answer_tokens(meta, lambda text: tok(text, add_special_tokens=False).input_ids[0],
                                              lambda t: tok.decode([t]))
    records, expected = roundtrip.records_and_predictions(a)
    bos = [tok.bos_token_id] if meta.get("bos") == "true" else []

    def probabilities(record):
        text = "".join(value for kind, value in roundtrip.pieces(parts, record) if kind == "text")
        text = roundtrip.without_target_prefix(text, meta["target_prefix"])
        ids = torch.tensor([bos + tok(text, add_special_tokens=False).input_ids])
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, -1]
        return torch.softmax(logits[tokens].double(), dim=0).tolist()

    trained = [probabilities(record) for record in records]
    results = [roundtrip.compare(p, answers, want) for p, want in zip(trained, expected)]
    equal, worst = sum(same for same, _, _ in results), max(d for _, _, d in results)
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
