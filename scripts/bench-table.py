#!/usr/bin/env python3
"""Markdown tables from the JSON lines scripts/bench-grid.sh appends to OUT.jsonl.

Usage: scripts/bench-table.py OUT.jsonl
Reads one JSON object a line: ptune bench lines (system "ptune", with precision fp32 or bf16) and
PyTorch+PEFT baseline lines (system "pytorch+peft"). Prints a table for the sequence sweep (batch 8)
and one for the batch sweep (seq 64), both at the highest thread count in the file, then ptune and
the baseline at 1 thread against that count at batch 8 / seq 64. Where a shape was measured more than
once the last line counts; missing entries print as "–".
"""
import json
import sys

MISSING = "–"
SYSTEMS = [("pytorch+peft", None, "PEFT"), ("ptune", "fp32", "fp32"), ("ptune", "bf16", "bf16")]


def load(path):
    runs = {}
    for line in open(path):
        try:
            d = json.loads(line)
            key = (d["system"], d.get("precision"), d["threads"], d["batch"], d["seq"])
        except (ValueError, KeyError, TypeError):
            continue
        runs[key] = d
    return runs


def num(value, digits=0):
    return MISSING if value is None else f"{value:,.{digits}f}"


def ratio(a, b):
    return f" ({a / b:.2f}×)" if a is not None and b else ""


def field(run, name):
    return None if run is None else run.get(name)


def table(runs, threads, shapes):
    head = ["batch × seq", "PEFT fwd+bwd tok/s", "fp32 fwd+bwd tok/s", "bf16 fwd+bwd tok/s",
            "PEFT fwd tok/s", "fp32 fwd tok/s", "bf16 fwd tok/s", "fp32 fwd+bwd GFLOP/s",
            "bf16 fwd+bwd GFLOP/s", "PEFT RSS MB", "fp32 RSS MB", "bf16 RSS MB"]
    rows = []
    for batch, seq in shapes:
        base, fp32, bf16 = (runs.get((s, p, threads, batch, seq)) for s, p, _ in SYSTEMS)
        train = [field(r, "train_tokens_per_s") for r in (base, fp32, bf16)]
        rows.append([f"{batch} × {seq}", num(train[0]),
                     num(train[1]) + ratio(train[1], train[0]), num(train[2]) + ratio(train[2], train[0]),
                     *(num(field(r, "forward_tokens_per_s")) for r in (base, fp32, bf16)),
                     *(num(field(r, "train_gflops"), 1) for r in (fp32, bf16)),
                     *(num(field(r, "peak_rss_mb")) for r in (base, fp32, bf16))])
    return markdown(head, rows)


def thread_table(runs, threads):
    head = ["system", "fwd+bwd tok/s, 1 thread", f"fwd+bwd tok/s, {threads} threads", "speed-up",
            "fwd tok/s, 1 thread", f"fwd tok/s, {threads} threads", "speed-up"]
    rows = []
    for system, precision, name in SYSTEMS:
        one, many = (runs.get((system, precision, t, 8, 64)) for t in (1, threads))
        row = [name]
        for metric in ("train_tokens_per_s", "forward_tokens_per_s"):
            a, b = field(one, metric), field(many, metric)
            row += [num(a), num(b), f"{b / a:.2f}×" if a and b is not None else MISSING]
        rows.append(row)
    return markdown(head, rows)


def markdown(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip())
    runs = load(sys.argv[1])
    if not runs:
        sys.exit(f"no measurements in {sys.argv[1]}")
    threads = max(k[2] for k in runs)
    shapes = {(k[3], k[4]) for k in runs if k[2] == threads}
    virtual = sorted({d.get("virtual") for d in runs.values()} - {None})
    print(f"{threads} threads, {'/'.join(map(str, virtual))} virtual tokens; PEFT is PyTorch+PEFT, "
          f"fp32 and bf16 are ptune; (n×) is the rate over PEFT's.\n")
    print("Sequence length at batch 8:\n")
    print(table(runs, threads, sorted(s for s in shapes if s[0] == 8)) + "\n")
    print("Batch size at seq 64:\n")
    print(table(runs, threads, sorted(s for s in shapes if s[1] == 64)))
    if threads != 1 and any(k[2] == 1 and k[3:] == (8, 64) for k in runs):
        print(f"\n1 thread against {threads} at batch 8 × seq 64:\n")
        print(thread_table(runs, threads))


if __name__ == "__main__":
    main()
