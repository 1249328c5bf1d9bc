#!/usr/bin/env python3
"""Time llama.cpp's prompt processing on a GGUF, the figure `ptune bench --batch 1` is set beside.

Usage: PYTHON llamacpp-prompt-rate.py MODEL.gguf [--tokens 512] [--threads 2] [--repeats 5] [--flash-attn]

PYTHON is an interpreter with llama-cpp-python, built from its source distribution so that
llama.cpp is compiled for this CPU (outside the repository):
    python3 -m venv /tmp/llvenv && /tmp/llvenv/bin/pip install llama-cpp-python
(the build needs cmake and a C++ compiler: `apt-get install cmake g++`).

Each repeat clears the context and evaluates one prompt of --tokens token ids in a single batch
(n_batch = n_ubatch = --tokens), which is llama.cpp's prompt processing ("pp512" in llama-bench);
only the last position's logits are computed. The first repeat is a warm-up and is not counted.
Prints tokens/s per repeat, the median, and llama.cpp's own description of the CPU features it uses.
"""
import argparse
import json
import statistics
import time

import llama_cpp


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--tokens", type=int, default=512)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--flash-attn", action="store_true", help="llama.cpp's fused attention")
    args = parser.parse_args()

    llm = llama_cpp.Llama(
        model_path=args.model,
        n_ctx=args.tokens + 16,
        n_batch=args.tokens,
        n_ubatch=args.tokens,
        n_threads=args.threads,
        n_threads_batch=args.threads,
        logits_all=False,
        flash_attn=args.flash_attn,
        verbose=False,
    )
    vocabulary = llm.n_vocab()
    # A fixed spread of ordinary token ids, away from the special ones at either end.
    prompt = [1000 + (index * 7919) % (vocabulary - 2000) for index in range(args.tokens)]

    rates = []
    for repeat in range(args.repeats + 1):
        llm.reset()
        llm._ctx.kv_cache_clear()
        start = time.perf_counter()
        llm.eval(prompt)
        seconds = time.perf_counter() - start
        if repeat > 0:
            rates.append(args.tokens / seconds)

    print(json.dumps({
        "system": "llama.cpp " + llama_cpp.__version__,
        "model": args.model,
        "tokens": args.tokens,
        "threads": args.threads,
        "flash_attn": args.flash_attn,
        "tokens_per_second": [round(rate, 1) for rate in rates],
        "median_tokens_per_second": round(statistics.median(rates), 1),
        "cpu_features": llama_cpp.llama_print_system_info().decode().strip(),
    }))


if __name__ == "__main__":
    main()
