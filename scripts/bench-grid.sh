#!/usr/bin/env bash
# ptune bench and the PyTorch+PEFT baseline over a grid of shapes, one JSON line per measurement
# appended to OUT.jsonl (each tagged with its "system"); scripts/bench-table.py turns it into tables.
# Usage: scripts/bench-grid.sh PTUNE_BINARY MODEL_PATH OUT.jsonl
#   Sequence sweep at batch 8 over GRID_SEQS (default "16 64 128 256 512"), batch sweep at seq 64 over
#   GRID_BATCHES (default "1 2 4 8 16"); an empty value leaves that sweep out. 16 virtual tokens throughout.
#   Each shape runs ptune fp32, ptune bf16 (where the CPU has AVX-512 BF16) and the baseline at THREADS
#   (default nproc); batch 8 / seq 64, when in the grid, runs once more at 1 thread.
#   SECONDS_PER_RUN (default 10) is passed to both tools.
# The baseline runs when PTUNE_BASELINE_PYTHON names a Python with torch, transformers, peft and gguf
# (see ../shared/bench/peft_baseline.py for its set-up) and that script is present.
# A measurement already in OUT.jsonl (same system, precision, threads, batch, seq) is skipped, so an
# interrupted run resumes where it stopped.
set -euo pipefail
if [ $# -ne 3 ]; then
    echo "usage: $0 PTUNE_BINARY MODEL_PATH OUT.jsonl" >&2
    exit 2
fi
ptune="$1"
model="$2"
out="$3"
virtual=16 seconds="${SECONDS_PER_RUN:-10}"
threads="${THREADS:-$(nproc)}"
read -r -a seqs <<< "${GRID_SEQS-16 64 128 256 512}"
read -r -a batches <<< "${GRID_BATCHES-1 2 4 8 16}"
here="$(cd "$(dirname "$0")/.." && pwd)"
baseline="$here/../shared/bench/peft_baseline.py"

# Systems as "system precision"; the baseline has no precision field, shown as "-".
systems=("ptune fp32")
grep -q avx512_bf16 /proc/cpuinfo 2>/dev/null && systems+=("ptune bf16")
if [ -n "${PTUNE_BASELINE_PYTHON:-}" ] && [ -f "$baseline" ]; then
    systems+=("pytorch+peft -")
else
    echo "baseline skipped: set PTUNE_BASELINE_PYTHON to a Python with torch+peft and keep ../shared/bench beside the clone" >&2
fi

# Points as "batch seq threads", each once.
points=()
add_point() {
    local p
    for p in ${points[@]+"${points[@]}"}; do [ "$p" = "$1" ] && return 0; done
    points+=("$1")
}
for s in ${seqs[@]+"${seqs[@]}"}; do add_point "8 $s $threads"; done
for b in ${batches[@]+"${batches[@]}"}; do add_point "$b 64 $threads"; done
for p in ${points[@]+"${points[@]}"}; do
    if [ "$p" = "8 64 $threads" ]; then add_point "8 64 1"; break; fi
done

# Measurements already in OUT.jsonl, one "system precision threads batch seq" key a line.
touch "$out"
done_keys="$(python3 - "$out" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    try:
        d = json.loads(line)
        print(d['system'], d.get('precision', '-'), d['threads'], d['batch'], d['seq'])
    except (ValueError, KeyError, TypeError):
        pass
PY
)"

total=$(( ${#points[@]} * ${#systems[@]} ))
n=0
for p in ${points[@]+"${points[@]}"}; do
    read -r batch seq nthreads <<< "$p"
    for sp in "${systems[@]}"; do
        read -r system precision <<< "$sp"
        n=$((n + 1))
        label="$system"
        [ "$precision" != "-" ] && label="$system $precision"
        progress="[$n/$total] $label batch $batch seq $seq threads $nthreads"
        if grep -Fxq "$system $precision $nthreads $batch $seq" <<< "$done_keys"; then
            echo "$progress: already in $out, skipped" >&2
            continue
        fi
        echo "$progress" >&2
        if [ "$system" = ptune ]; then
            line="$("$ptune" bench --model "$model" --batch "$batch" --seq "$seq" --virtual "$virtual" \
                    --seconds "$seconds" --threads "$nthreads" --precision "$precision" --json | tail -n 1)"
        else
            line="$(OMP_NUM_THREADS="$nthreads" "$PTUNE_BASELINE_PYTHON" "$baseline" "$model" --batch "$batch" \
                    --seq "$seq" --virtual "$virtual" --seconds "$seconds" --threads "$nthreads" | tail -n 1)"
        fi
        # Only a JSON object naming its system is appended.
        if ! python3 -c 'import json, sys; assert "system" in json.loads(sys.argv[1])' "$line" 2>/dev/null; then
            echo "$progress: no JSON result line, got: $line" >&2
            exit 1
        fi
        echo "$line" >> "$out"
    done
done
