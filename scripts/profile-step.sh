#!/usr/bin/env bash
# Where a training step's time goes: samples `ptune bench` with perf during its forward+backward
# phase only (not the load, not the sgemm reference) and groups the symbols by kind of work.
# Usage: scripts/profile-step.sh PTUNE_BINARY MODEL_PATH [PRECISION]   (env: SECONDS_PER_RUN, default 10;
#        BATCH, SEQ, VIRTUAL, THREADS as for bench.sh; ENCODER, default lstm). Needs perf (Debian: linux-perf).
set -euo pipefail
ptune="$1"
model="$2"
precision="${3:-fp32}"
seconds="${SECONDS_PER_RUN:-10}"
command -v perf >/dev/null || { echo "profile-step.sh: perf not found (apt-get install linux-perf)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$ptune" bench --model "$model" --precision "$precision" --batch "${BATCH:-8}" --seq "${SEQ:-64}" \
    --virtual "${VIRTUAL:-16}" --threads "${THREADS:-$(nproc)}" --seconds "$seconds" --encoder "${ENCODER:-lstm}" \
    >"$work/bench.txt" 2>"$work/progress.txt" &
bench=$!
until grep -q "training steps" "$work/progress.txt" 2>/dev/null; do
    kill -0 "$bench" 2>/dev/null || { cat "$work/progress.txt" >&2; exit 1; }
    sleep 0.2
done
sleep 1
perf record -q -o "$work/perf.data" -p "$bench" -- sleep "$(awk -v s="$seconds" 'BEGIN { print s - 2 }')" 2>/dev/null
wait "$bench"
cat "$work/bench.txt"
perf report -i "$work/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null | python3 -c '
import re, sys
groups = [
    ("bf16 products (the kernels)", r"\btile\b|ptune_bf16_gemm"),
    ("bf16 products (panel packing, operand rounding)", r"pack_panel|ptune_bf16_"),
    ("int8 products (kernels, panel packing, operand quantizing, widening)", r"ptune_i8_|\bi8_tile\b|\brows(8|16)_|\bwiden_row_blocks_"),
    ("output head in Q8_0 row blocks (few-row products)", r"ptune_row_blocks"),
    ("attention (scores, softmax, weighted sums)", r"Attention|Softmax|ptune_attention|ptune_softmax|ptune_vector_exp"),
    ("prompt encoder (LSTM with its sgemv, MLP head, clipping, AdamW)", r"LSTM|AdamOptimizer|ptune_adam|EncoderGradient|ProductFactors|ptune_sum_squares|MLPHead|Linear|sgemv"),
    ("OpenBLAS sgemm (fp32 projections, attention products, head)", r"sgemm|openblas"),
    ("RMSNorm, SwiGLU, rotary, copies", r"RMSNorm|ptune_rms_norm|SwiGLU|GatedActivation|ptune_gated|rotate|Rotary|Elementwise|memmove|memset|memcpy|Vector"),
    ("kernel (scheduling, faults)", r"\[kernel|\[k\]"),
    ("idle workers polling between regions", r"WorkerPool"),
]
totals = {name: 0.0 for name, _ in groups}
other = 0.0
others = []
for line in sys.stdin:
    m = re.match(r"\s*([0-9.]+)%\s+(.*)", line)
    if not m:
        continue
    share, rest = float(m.group(1)), m.group(2)
    for name, pattern in groups:
        if re.search(pattern, rest):
            totals[name] += share
            break
    else:
        other += share
        others.append((share, rest.split()[-1][:60]))
print()
print("| where the time goes | share of samples |")
print("|---|---:|")
for name, _ in groups:
    if totals[name] >= 0.05:
        print(f"| {name} | {totals[name]:.1f}% |")
largest = ", ".join(f"{name} {share:.1f}%" for share, name in sorted(others, reverse=True)[:3])
print(f"| other (largest: {largest}) | {other:.1f}% |")
'
