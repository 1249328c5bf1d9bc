#!/usr/bin/env bash
# The end-to-end demo on the real model: start the daemon on ./spool, submit the capitals example
# bundle, follow it to the end, show its report and the history, stop the daemon.
# Usage: scripts/demo.sh PTUNE_BINARY MODEL_PATH
set -euo pipefail
ptune="$1"
model="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
spool="$here/spool"
config="$here/scripts/demo.toml"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "ptune generate 'The capital of France is'   (the engine on SmolLM2-135M)"
"$ptune" generate --model "$model" --max-tokens 12 "The capital of France is"

step "ptune serve --spool spool   (in the background; log in spool/daemon.log)"
PTUNE_MODELS="$(dirname "$model")" "$ptune" serve --spool "$spool" --config "$config" --models "$(dirname "$model")" --max-jobs 1 \
    >>"$spool/daemon.log" 2>&1 &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -f "$spool/control/status.json" ] && break; sleep 0.1; done

# Each demo run submits a bundle of its own (a job is identified by its bundle's content).
bundle="$(mktemp -d "${TMPDIR:-/tmp}/ptune-demo.XXXXXX")/capitals"
cp -r "$here/spool/examples/capitals" "$bundle"
date -u +"demo run %Y-%m-%dT%H:%M:%SZ" > "$bundle/NOTE.txt"
step "ptune submit spool/examples/capitals"
since="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
"$ptune" submit --spool "$spool" "$bundle"

step "following the job (ptune status)"
job=""
for _ in $(seq 1 1800); do
    job="$("$ptune" history --spool "$spool" --config "$config" --json | python3 -c '
import json, sys
jobs = [j for j in json.load(sys.stdin) if j["spool_name"].startswith("capitals") and j["submitted_at"] >= sys.argv[1]]
print(jobs[0]["id"] + " " + jobs[0]["state"] if jobs else "")' "$since")"
    state="${job#* }"
    case "$state" in
        succeeded|failed|timed_out|memory_exceeded|cancelled|rejected) break ;;
        running) "$ptune" status --spool "$spool" --config "$config" | sed -n '/^RUNNING/,/^$/p' | tail -n 1 ;;
    esac
    sleep 2
done
id="${job%% *}"
echo "job $id: $state"

step "ptune show $id"
"$ptune" show --spool "$spool" --config "$config" "$id" | sed -n '1,/^## Training/p' | sed '$d'

step "ptune history"
"$ptune" history --spool "$spool" --config "$config" --limit 5

step "stopping the daemon (SIGTERM)"
kill -TERM "$daemon"
wait "$daemon" || true
trap - EXIT
echo "reports: $spool/done/$id (report.md, report.json, loss.svg, prompt.safetensors, adapter/ unless the manual template was exported, worker.log)"
