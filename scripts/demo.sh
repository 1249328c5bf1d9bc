#!/usr/bin/env bash
# The end-to-end demo on the real model: the engine, then a P-tuning run from an example bundle.
# Usage: scripts/demo.sh PTUNE_BINARY MODEL_PATH
set -euo pipefail
ptune="$1"
model="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mktemp -d "${TMPDIR:-/tmp}/ptune-demo.XXXXXX")"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "ptune generate 'The capital of France is'"
"$ptune" generate --model "$model" --max-tokens 12 "The capital of France is"

step "ptune train spool/examples/capitals   (a LAMA-style knowledge probe, 44 training facts)"
"$ptune" train "$here/spool/examples/capitals" --model "$model" --out "$out/capitals"

step "report.md"
sed -n '/^## Results/,/^## Training/p' "$out/capitals/report.md" | sed '$d'

step "ptune predict --prompt $out/capitals --input spool/examples/capitals/test.jsonl"
"$ptune" predict --prompt "$out/capitals" --model "$model" --input "$here/spool/examples/capitals/test.jsonl"

step "ptune bench --seconds 5   (batch 8 x (16 virtual + 64 tokens))"
"$ptune" bench --model "$model" --seconds 5

echo
echo "outputs of the run: $out/capitals (report.json, report.md, loss.svg, prompt.safetensors, adapter/)"
