#!/usr/bin/env bash
# ptune bench beside the PyTorch+PEFT baseline, one after the other on the same model and shape.
# Usage: scripts/bench.sh PTUNE_BINARY MODEL_PATH   (shape from BATCH, SEQ, VIRTUAL, SECONDS, THREADS;
#        PRECISIONS, default "fp32 bf16": one ptune run each; bf16 names its kernel)
# The baseline runs when PTUNE_BASELINE_PYTHON names a Python with torch, transformers, peft and gguf
# (see ../shared/bench/peft_baseline.py for its set-up) and that script is present.
set -euo pipefail
ptune="$1"
model="$2"
batch="${BATCH:-8}" seq="${SEQ:-64}" virtual="${VIRTUAL:-16}" seconds="${SECONDS_PER_RUN:-20}"
threads="${THREADS:-$(nproc)}"
read -r -a precisions <<< "${PRECISIONS:-fp32 bf16}"
here="$(cd "$(dirname "$0")/.." && pwd)"
baseline="$here/../shared/bench/peft_baseline.py"

ours=()
for precision in "${precisions[@]}"; do
    echo "ptune ($precision):"
    ours+=("$("$ptune" bench --model "$model" --batch "$batch" --seq "$seq" --virtual "$virtual" \
              --seconds "$seconds" --threads "$threads" --precision "$precision" --json)")
    echo "${ours[-1]}"
done

if [ -z "${PTUNE_BASELINE_PYTHON:-}" ] || [ ! -f "$baseline" ]; then
    echo "baseline skipped: set PTUNE_BASELINE_PYTHON to a Python with torch+peft and keep ../shared/bench beside the clone"
    exit 0
fi
echo "pytorch+peft:"
theirs="$(OMP_NUM_THREADS="$threads" "$PTUNE_BASELINE_PYTHON" "$baseline" "$model" --batch "$batch" \
          --seq "$seq" --virtual "$virtual" --seconds "$seconds" --threads "$threads" | tail -n 1)"
echo "$theirs"
python3 - "$theirs" "${ours[@]}" <<'PY'
import json, sys
b = json.loads(sys.argv[1])
for a in map(json.loads, sys.argv[2:]):
    p = a['precision']
    print(f"{p} forward+backward: {a['train_tokens_per_s'] / b['train_tokens_per_s']:.2f}x the baseline's training-step rate")
    print(f"{p} forward:          {a['forward_tokens_per_s'] / b['forward_tokens_per_s']:.2f}x the baseline's forward rate")
    print(f"{p} prompt encoder:   {a['encoder_share'] * 100:.1f}% of a step ({a['encoder']}, as the baseline's)")
    print(f"{p} peak RSS:         {a['peak_rss_mb']:.0f} MB vs {b['peak_rss_mb']:.0f} MB")
PY
