#!/usr/bin/env bash
# Reproduces every row of docs/RESULTS.md: builds the bundles, trains them with ptune, runs the
# PyTorch reference (/work/shared/bench/ref_ptune.py) on the same data and settings, and collects the
# JSON. Run one experiment at a time (the machine has 2 cores); every run uses 2 threads.
#
#   scripts/experiments/run.sh [STEP...]     STEP: bundles sst2 sst2-seeds lama lama-manual lama-ref glue sst2-lstm
#                                                  sst2-lstm-seeds precision precision-eval parity
#                                                  batch-check collect
#                                            (default: all, in that order)
# Environment: OUT (default /tmp/ptune-exp), DATA (default ../shared/data from the repo),
#   PTUNE (default .build-exp/release/ptune), PY (default /work/venv/bin/python),
#   REF (default /work/shared/bench/ref_ptune.py), GGUF (the model file),
#   LAMA_REF_RELATIONS (default "P19 P20 P27 P101 P103 P413"), SKIP_DONE=1 (skip runs whose
#   output exists: resumes an interrupted sequence), THREADS (default 2, for both systems),
#   ONLY=ptune|ref (run one system's side of each step, e.g. the two sides at once with THREADS=1),
#   LSTM_SEEDS (default "21 42 87 100", the seeds sst2-lstm-seeds runs besides 13).
# Outputs: $OUT/bundles/NAME (bundles), $OUT/runs/NAME/report.json (ptune), $OUT/ref/NAME.json (the
# reference's JSON line) and NAME.log (its stderr), $OUT/times.tsv (wall seconds of every run),
# $OUT/summary.md (collected tables).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${OUT:-/tmp/ptune-exp}"
DATA="${DATA:-$REPO/../shared/data}"
PTUNE="${PTUNE:-$REPO/.build-exp/release/ptune}"
PY="${PY:-/work/venv/bin/python}"
REF="${REF:-/work/shared/bench/ref_ptune.py}"
GGUF="${GGUF:-$HOME/.cache/ptune/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
RELATIONS="P19 P20 P27 P101 P103 P413"
LAMA_REF_RELATIONS="${LAMA_REF_RELATIONS:-$RELATIONS}"
THREADS="${THREADS:-2}"
LSTM_SEEDS="${LSTM_SEEDS:-21 42 87 100}"
LAMA_ARGS=(--train 400 --eval 400 --epochs 2 --lr 3e-3 --encoder none)
mkdir -p "$OUT/runs" "$OUT/ref"

now() { date +%s.%N; }
record() { printf '%s\t%s\t%.1f\n' "$1" "$2" "$3" >> "$OUT/times.tsv"; }

# ptune NAME [RUN [ARGS...]]: trains $OUT/bundles/NAME into $OUT/runs/RUN (default NAME) with
# `ptune train` ARGS added
ptune_run() {
  local name=$1 run=${2:-$1} t0; t0=$(now)
  shift $(( $# < 2 ? $# : 2 ))
  [ "${ONLY:-ptune}" = ptune ] || return 0
  if [ -n "${SKIP_DONE:-}" ] && [ -s "$OUT/runs/$run/report.json" ]; then echo "skip ptune $run"; return; fi
  rm -rf "$OUT/runs/$run"
  "$PTUNE" train "$OUT/bundles/$name" --out "$OUT/runs/$run" --threads "$THREADS" "$@" > "$OUT/runs/$run.log" 2>&1
  record ptune "$run" "$(echo "$(now) - $t0" | bc)"
}
# ref NAME ARGS...: one reference run, its JSON line in $OUT/ref/NAME.json
ref_run() {
  local name=$1 t0; shift; t0=$(now)
  [ "${ONLY:-ref}" = ref ] || return 0
  if [ -n "${SKIP_DONE:-}" ] && [ -s "$OUT/ref/$name.json" ]; then echo "skip ref $name"; return; fi
  "$PY" "$REF" --model "$GGUF" --data "$DATA" --threads "$THREADS" "$@" > "$OUT/ref/$name.json" 2> "$OUT/ref/$name.log"
  record ref "$name" "$(echo "$(now) - $t0" | bc)"
}

step_bundles() { "$PY" "$REPO/scripts/experiments/make-bundles.py" "$OUT/bundles" --data "$DATA" --gguf "$GGUF"; }
step_sst2() {
  ptune_run sst2-none
  ref_run sst2-none --task sst2 --mode ptune --encoder none --lr 3e-3 --train 1000 --epochs 1
  ref_run sst2-manual --task sst2 --mode manual --train 1000
}
step_sst2-seeds() {
  for s in 21 42; do
    ptune_run "sst2-none-s$s"
    ref_run "sst2-none-s$s" --task sst2 --mode ptune --encoder none --lr 3e-3 --train 1000 --epochs 1 --seed "$s"
  done
}
step_sst2-lstm() {
  ptune_run sst2-lstm
  ref_run sst2-lstm --task sst2 --mode ptune --encoder lstm --lr 1e-4 --train 1000 --epochs 3
}
step_sst2-lstm-seeds() {
  for s in $LSTM_SEEDS; do
    ptune_run "sst2-lstm-s$s"
    ref_run "sst2-lstm-s$s" --task sst2 --mode ptune --encoder lstm --lr 1e-4 --train 1000 --epochs 3 --seed "$s"
  done
}
step_lama() { for r in $RELATIONS; do ptune_run "lama-$r"; done; }
step_precision() {
  # every LAMA relation (seeds 13, 21 and 42 in one run) and SST-2 with a dev split (seeds 1..10, the
  # best dev prompt kept), with fp32 and with bf16 weights
  for r in $RELATIONS; do
    local seeded="lama-$r-seeds"
    if [ ! -d "$OUT/bundles/$seeded" ]; then
      cp -r "$OUT/bundles/lama-$r" "$OUT/bundles/$seeded"
      sed -i 's/^seeds = .*/seeds = [13, 21, 42]/' "$OUT/bundles/$seeded/task.toml"
    fi
    for p in fp32 bf16; do ptune_run "$seeded" "$seeded-$p" --precision "$p"; done
  done
  for s in $(seq 1 10); do
    for p in fp32 bf16; do ptune_run "sst2-dev-s$s" "sst2-dev-s$s-$p" --precision "$p"; done
  done
}
step_precision-eval() {
  # each SST-2 prompt of step precision evaluated in the other precision as well: what bf16 does to
  # a given prompt, apart from where training goes
  for s in $(seq 1 10); do
    for trained in fp32 bf16; do
      local run="sst2-dev-s$s-$trained" other=bf16
      [ "$trained" = bf16 ] && other=fp32
      [ -n "${SKIP_DONE:-}" ] && [ -s "$OUT/runs/$run.eval-$other.json" ] && continue
      "$PTUNE" eval --prompt "$OUT/runs/$run" --input "$OUT/bundles/sst2-dev-s$s/test.jsonl" --threads "$THREADS" \
        --precision "$other" --json > "$OUT/runs/$run.eval-$other.json"
    done
  done
}
step_lama-manual() { for r in $RELATIONS; do ref_run "lama-$r-manual" --task "lama:$r" --mode manual --train 400 --eval 400; done; }
step_lama-ref() { for r in $LAMA_REF_RELATIONS; do ref_run "lama-$r" --task "lama:$r" --mode ptune "${LAMA_ARGS[@]}"; done; }
step_glue() { ptune_run cb; ptune_run rte; }
step_parity() { "$PY" "$REPO/scripts/experiments/logits-parity.py" "$PTUNE" "$GGUF" > "$OUT/logits-parity.jsonl"; }
step_batch-check() {
  # the same SST-2 prompt evaluated with batch 1 and batch 16 on 160 test records
  head -160 "$OUT/bundles/sst2-none/test.jsonl" > "$OUT/check-sst2-160.jsonl"
  for b in 1 16; do "$PTUNE" predict --prompt "$OUT/runs/sst2-none" --input "$OUT/check-sst2-160.jsonl" --threads 2 --batch-size $b --json > "$OUT/check-predict-b$b.json"; done
}
step_collect() { "$PY" "$REPO/scripts/experiments/collect.py" "$OUT" --data "$DATA" > "$OUT/summary.md"; cat "$OUT/summary.md"; }

steps=("$@"); [ ${#steps[@]} -eq 0 ] && steps=(bundles sst2 sst2-seeds lama lama-manual lama-ref glue sst2-lstm collect)
for s in "${steps[@]}"; do echo "== $s"; "step_$s"; done
