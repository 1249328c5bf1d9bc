#!/usr/bin/env python3
"""The seeds' prompts of finished runs averaged element by element, and the average measured on the
run's test file beside the exported prompt (docs/RESULTS.md, "Averaging the seeds' prompts").

    average_prompts.py PTUNE OUT.jsonl RUN_OUT [RUN_OUT ...]

RUN_OUT is a `ptune train` output folder of a run with encoder `none` (the prompt is the table
itself); its bundle's test file is read from ../bundle/test.jsonl, as `defaults.py` lays runs out.
The members are the seeds' (or folds') checkpoints at their best dev step; `+refit` adds the refit's.
One JSON line per run is printed and appended to OUT.jsonl.
Requires numpy and safetensors (the PEFT baseline's virtual environment has both).
"""
import glob, json, os, subprocess, sys, tempfile

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file


def table(path):
    """The one tensor a checkpoint or prompt.safetensors holds."""
    (values,) = load_file(path).values()
    return values


def evaluate(ptune, prompt, test):
    done = subprocess.run([ptune, 'eval', '--prompt', prompt, '--input', test, '--threads', '1', '--json'],
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f'{prompt}: {done.stderr.strip()}')
    return json.loads(done.stdout)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    ptune, out_path, runs = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(out_path, 'a') as out, tempfile.TemporaryDirectory() as scratch:
        for run in runs:
            exported = os.path.join(run, 'prompt.safetensors')
            with safe_open(exported, 'np') as f:
                metadata = f.metadata()
            if metadata.get('encoder_kind') != 'none':
                print(f'{run}: skipped, its encoder is {metadata.get("encoder_kind")}', file=sys.stderr)
                continue
            shape = table(exported).shape
            checkpoints = os.path.join(run, 'checkpoints')
            seeds = [table(p) for p in sorted(glob.glob(os.path.join(checkpoints, 'fold-*', '*.safetensors'))
                                              + glob.glob(os.path.join(checkpoints, 'seed-*.safetensors')))]
            refit = [table(p) for p in glob.glob(os.path.join(checkpoints, 'refit', '*.safetensors'))]
            test = os.path.join(os.path.dirname(run), 'bundle', 'test.jsonl')
            row = {'run': run, 'seeds': len(seeds), 'exported': evaluate(ptune, exported, test)}
            for name, members in (('average', seeds), ('average+refit', seeds + refit)):
                if len(members) < 2:
                    continue
                path = os.path.join(scratch, 'average.safetensors')
                mean = np.mean(members, axis=0, dtype=np.float64).astype(np.float32).reshape(shape)
                save_file({'prompt_table': mean}, path, metadata=metadata)
                row[name] = evaluate(ptune, path, test)
            print(json.dumps(row), flush=True)
            out.write(json.dumps(row) + '\n')
            out.flush()


if __name__ == '__main__':
    main()
