#!/usr/bin/env bash
# The end-to-end demo: the engine on the real model. Usage: scripts/demo.sh PTUNE_BINARY MODEL_PATH
set -euo pipefail
ptune="$1"
model="$2"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "ptune tokenize 'The capital of France is'"
"$ptune" tokenize --model "$model" "The capital of France is"

step "ptune logits --top 5 'The capital of France is'"
"$ptune" logits --model "$model" --top 5 "The capital of France is"

step "ptune generate --max-tokens 16 'The capital of France is'"
"$ptune" generate --model "$model" --max-tokens 16 "The capital of France is"

step "ptune bench --seconds 5 (batch 8 x (16 virtual + 64 tokens))"
"$ptune" bench --model "$model" --seconds 5
