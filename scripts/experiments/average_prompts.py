#!/usr/bin/env python3
"""The seeds' prompts of finished runs averaged element by element, and the average measured on the
run's test file beside the exported prompt (docs/RESULTS.md, "Averaging the seeds' prompts").

    average_prompts.py PTUNE OUT.jsonl RUN_OUT [RUN_OUT ...]

RUN_OUT is a `ptune train` output folder of a run with encoder `none` (the prompt is the table
itself); its bundle's test file is read from ../bundle/test.jsonl, as `defaults.py` lays runs out.
The members are the seeds' (or folds') checkpoints at their best dev step; `+refit` adds the refit's.
One JSON line per run is printed and appended to OUT.jsonl.
"""
import array, glob, json, os, struct, subprocess, sys, tempfile


def read_table(path):
    """(metadata, shape, float32 values) of a safetensors file holding one tensor."""
    blob = open(path, 'rb').read()
    size = struct.unpack('<Q', blob[:8])[0]
    header = json.loads(blob[8:8 + size])
    metadata = header.pop('__metadata__', None)
    (tensor,) = header.values()
    begin, end = tensor['data_offsets']
    values = array.array('f')
    values.frombytes(blob[8 + size + begin:8 + size + end])
    return metadata, tensor['shape'], values


def write_prompt(path, metadata, shape, values):
    header = json.dumps({'__metadata__': metadata,
                         'prompt_table': {'dtype': 'F32', 'shape': shape, 'data_offsets': [0, 4 * len(values)]}}).encode()
    header += b' ' * (-len(header) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(header)) + header + values.tobytes())


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
            metadata, shape, _ = read_table(exported)
            if metadata.get('encoder_kind') != 'none':
                print(f'{run}: skipped, its encoder is {metadata.get("encoder_kind")}', file=sys.stderr)
                continue
            checkpoints = os.path.join(run, 'checkpoints')
            seeds = [read_table(p)[2] for p in sorted(glob.glob(os.path.join(checkpoints, 'fold-*', '*.safetensors'))
                                                      + glob.glob(os.path.join(checkpoints, 'seed-*.safetensors')))]
            refit = [read_table(p)[2] for p in glob.glob(os.path.join(checkpoints, 'refit', '*.safetensors'))]
            test = os.path.join(os.path.dirname(run), 'bundle', 'test.jsonl')
            row = {'run': run, 'seeds': len(seeds), 'exported': evaluate(ptune, exported, test)}
            for name, members in (('average', seeds), ('average+refit', seeds + refit)):
                if len(members) < 2:
                    continue
                mean = array.array('f', (sum(column) / len(members) for column in zip(*members)))
                path = os.path.join(scratch, 'average.safetensors')
                write_prompt(path, metadata, shape, mean)
                row[name] = evaluate(ptune, path, test)
            print(json.dumps(row), flush=True)
            out.write(json.dumps(row) + '\n')
            out.flush()


if __name__ == '__main__':
    main()
