#!/usr/bin/env bash
# ptune bench beside the PyTorch+PEFT baseline, one after the other on the same model and shape.
# Usage: scripts/bench.sh PTUNE_BINARY MODEL_PATH   (shape from BATCH, SEQ, VIRTUAL, SECONDS, THREADS)
# The baseline runs when PTUNE_BASELINE_PYTHON names a Python with torch, transformers, peft and gguf
# (see ../shared/bench/peft_baseline.py for its set-up) and that script is present.
set -euo pipefail
ptune="$1"
model="$2"
batch="${BATCH:-8}" seq="${SEQ:-64}" virtual="${VIRTUAL:-16}" seconds="${SECONDS_PER_RUN:-20}"
threads="${THREADS:-$(nproc)}"
here="$(cd "$(dirname "$0")/.." && pwd)"
baseline="$here/../shared/bench/peft_baseline.py"

echo "ptune:"
ours="$("$ptune" bench --model "$model" --batch "$batch" --seq "$seq" --virtual "$virtual" \
        --seconds "$seconds" --threads "$threads" --json)"
echo "$ours"

if [ -z "${PTUNE_BASELINE_PYTHON:-}" ] || [ ! -f "$baseline" ]; then
    echo "baseline skipped: set PTUNE_BASELINE_PYTHON to a Python with torch+peft and keep ../shared/bench beside the clone"
    exit 0
fi
echo "pytorch+peft:"
theirs="$(OMP_NUM_THREADS="$threads" "$PTUNE_BASELINE_PYTHON" "$baseline" "$model" --batch "$batch" \
          --seq "$seq" --virtual "$virtual" --seconds "$seconds" --threads "$threads" | tail -n 1)"
echo "$theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"forward+backward: {a['train_tokens_per_s'] / b['train_tokens_per_s']:.2f}x the baseline's training-step rate")
print(f"forward:          {a['forward_tokens_per_s'] / b['forward_tokens_per_s']:.2f}x the baseline's forward rate")
print(f"peak RSS:         {a['peak_rss_mb']:.0f} MB vs {b['peak_rss_mb']:.0f} MB")
PY
