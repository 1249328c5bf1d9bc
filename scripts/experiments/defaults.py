#!/usr/bin/env python3
"""Experiments behind ptune's default training settings (docs/RESULTS.md, "Defaults").

    defaults.py run OUT --tasks T [T ...] --variants V [V ...] --seeds S [S ...] [--ptune BIN]
    defaults.py table OUT [--by task|size]
    defaults.py refresh OUT      (results.jsonl rewritten from the reports)

Each task is a bundle as a new user writes it: name, model, kind, template, labels (or candidates,
or option fields) and data, nothing else. A variant adds `[encoder]` / `[training]` keys to it
(`default` adds none, so it measures ptune's own defaults). Each (task, variant, seed) is trained once
with `ptune train --threads 2` into OUT/runs/TASK/VARIANT/sSEED; one JSON line per run is appended to
OUT/results.jsonl (test metric, kept step, warnings, manual baseline, wall seconds). Runs whose line
exists are skipped, so an interrupted sequence resumes.

Tasks (../shared/data; a size suffix -N cuts the training split to N records after a seeded shuffle):
  sst2-N         SST-2 sentences of 6+ words; test: 400 of test.tsv (fixed sample)
  lama-REL-N     LAMA T-REx relation REL, single-token objects as candidates; test: first 200
  rte, cb        FewGLUE train (32); test: val
  copa           FewGLUE COPA as a choice task; test: val
  boolq          FewGLUE BoolQ; test: 300 of val (fixed sample)
Append -dev to a FewGLUE task to give dev32 as the bundle's dev split.

Variants: the VARIANTS table below, or NAME:KEY=VALUE,KEY=VALUE with keys like
training.learning_rate or encoder.type (values written as TOML).
"""
import argparse, json, os, random, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(REPO, '..', 'shared', 'data')
MODEL = 'SmolLM2-135M-Instruct.Q4_1.gguf'

VARIANTS = {
    'default': {},
    'lstm-1e-4': {'encoder.type': '"lstm"', 'training.learning_rate': '1e-4', 'training.optimizer': '"adamw"',
                  'training.epochs': '3', 'training.clip_norm': '1.0'},
    'none-3e-3': {'encoder.type': '"none"', 'training.learning_rate': '3e-3', 'training.optimizer': '"adam"',
                  'training.clip_norm': '0'},
}


def parse_variant(text):
    if text in VARIANTS:
        return text, VARIANTS[text]
    name, _, spec = text.partition(':')
    items, depth, current = [], 0, ''
    for c in spec:
        depth += (c == '[') - (c == ']')
        if c == ',' and depth == 0:
            items.append(current)
            current = ''
        else:
            current += c
    items.append(current)
    keys = {}
    for item in filter(None, items):
        key, _, value = item.partition('=')
        keys[key] = value
    return name, keys


def tsv(path):
    rows = [line.rstrip('\n').split('\t') for line in open(path)][1:]
    return [{'sentence': s.strip(), 'label': y} for s, y in rows]


def jsonl(path):
    return [json.loads(line) for line in open(path)]


def cut(rows, n, seed):
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows[:n] if n else rows


def sst2(size):
    train = [r for r in tsv(f'{DATA}/sst2/train.tsv') if len(r['sentence'].split()) >= 6]
    test = cut(tsv(f'{DATA}/sst2/test.tsv'), 400, 0)
    toml = ('kind = "classify"\ntemplate = "[P*3] {sentence} [P*3] It was {target}"\n'
            '\n[labels]\n"0" = "terrible"\n"1" = "great"\n')
    return toml, cut(train, size or 1000, 1000 + (size or 0)), None, test


def lama(rel, size, tokenizer):
    d = f'{DATA}/lama/fact-retrieval/original/{rel}'
    pick = lambda rows: [{'subject': r['sub_label'], 'object': r['obj_label']} for r in rows]
    train, test = pick(jsonl(f'{d}/train.jsonl')), pick(jsonl(f'{d}/test.jsonl'))
    objects = sorted({r['object'] for r in train + test})
    single = [o for o in objects if len(tokenizer(' ' + o)) == 1]
    keep = lambda rows: [r for r in rows if r['object'] in set(single)]
    toml = (f'kind = "fill"\ntemplate = "[P*3] {{subject}} [P*3] {{target}}"\n\n[data]\nlabel_field = "object"\n'
            f'\n[fill]\ncandidates = {json.dumps(single)}\n')
    return toml, cut(keep(train), size or 400, 2000 + (size or 0)), None, keep(test)[:200]


def fewglue(task, with_dev):
    d = f'{DATA}/fewglue/' + {'boolq': 'BoolQ'}.get(task, task.upper())
    train, dev, val = jsonl(f'{d}/train.jsonl'), jsonl(f'{d}/dev32.jsonl'), jsonl(f'{d}/val.jsonl')
    label = lambda rows: [dict(r, label=str(r['label']).lower()) for r in rows]
    if task == 'copa':
        toml = ('kind = "choice"\ntemplate = "[P*3] {premise} [P*2] {question} [P*3] {target}"\n'
                '\n[choice]\nfields = ["choice1", "choice2"]\n')
    elif task == 'boolq':
        toml = ('kind = "classify"\ntemplate = "[P*3] {passage} [P*2] {question} ? [P*3] {target}"\n'
                '\n[labels]\n"true" = "Yes"\n"false" = "No"\n')
        val = cut(val, 300, 0)
    else:
        words = {'entailment': 'Yes', 'not_entailment': 'No', 'contradiction': 'No', 'neutral': 'Maybe'}
        labels = sorted({r['label'] for r in train + val})
        toml = ('kind = "classify"\ntemplate = "[P*3] {premise} [P*2] {hypothesis} ? [P*3] {target}"\n\n[labels]\n'
                + ''.join(f'"{l}" = "{words[l]}"\n' for l in labels))
    return toml, label(train), label(dev) if with_dev else None, label(val)


def bundle_parts(task, tokenizer):
    parts = task.split('-')
    size = int(parts[-1]) if parts[-1].isdigit() else 0
    if parts[0] == 'sst2':
        return sst2(size)
    if parts[0] == 'lama':
        return lama(parts[1], size, tokenizer)
    return fewglue(parts[0], parts[-1] == 'dev')


def write_bundle(path, name, toml, train, dev, test, keys):
    os.makedirs(path, exist_ok=True)
    for split, rows in (('train', train), ('dev', dev), ('test', test)):
        if rows is not None:
            with open(f'{path}/{split}.jsonl', 'w') as f:
                f.writelines(json.dumps(r, ensure_ascii=False) + '\n' for r in rows)
    head, _, rest = toml.partition('\n[')
    tables = {}
    for key, value in keys.items():
        table, _, field = key.partition('.')
        tables.setdefault(table, []).append(f'{field} = {value}')
    data = 'train = "train.jsonl"\ntest = "test.jsonl"\n' + ('dev = "dev.jsonl"\n' if dev is not None else '')
    data += ''.join(line + '\n' for line in tables.pop('data', []))
    rest = '[' + rest if rest else ''
    if '[data]\n' in rest:
        rest = rest.replace('[data]\n', '[data]\n' + data)
    else:
        rest += '\n[data]\n' + data
    for table, lines in tables.items():
        rest += f'\n[{table}]\n' + '\n'.join(lines) + '\n'
    with open(f'{path}/task.toml', 'w') as f:
        f.write(f'name = "{name}"\nmodel = "{MODEL}"\n{head}\n{rest}')


def tokenizer_for(ptune, out):
    """Token counts from `ptune tokenize`, cached in OUT/token-counts.json (one model load per text)."""
    path = f'{out}/token-counts.json'
    cache = json.load(open(path)) if os.path.exists(path) else {}
    def count(text):
        if text not in cache:
            model = os.path.join(os.environ.get('PTUNE_MODELS') or os.path.expanduser('~/.cache/ptune/models'), MODEL)
            result = subprocess.run([ptune, 'tokenize', '--model', model, '--json', '--', text], capture_output=True,
                                    text=True, check=True)
            cache[text] = len(json.loads(result.stdout)['ids'])
            tmp = f'{path}.{os.getpid()}.tmp'  # two runs into one OUT must not share a temporary file
            with open(tmp, 'w') as f:
                json.dump(cache, f)
            os.replace(tmp, path)
        return cache[text]
    return lambda text: [0] * count(text)


def done_keys(out):
    path = f'{out}/results.jsonl'
    if not os.path.exists(path):
        return set()
    return {(r['task'], r['variant'], r['seed']) for r in map(json.loads, open(path))}


def summarise(report):
    """The exported prompt's figures (the refit's when it was exported, the manual template's when that was),
    every seed's, the baselines and the settings ptune chose; `chosen_test` is the chosen seed's own run."""
    metric = lambda m: None if m is None else (m.get('accuracy') if m.get('accuracy') is not None else m.get('p_at_1'))
    best = report['summary']['best_seed']
    seed = next(s for s in report['seeds'] if s['seed'] == best)
    losses = [p['loss'] for p in seed['loss_curve']]
    baselines = report.get('baselines', {})
    refit = report.get('refit')
    exported = refit['result'] if refit and refit['exported'] else seed
    if report['summary'].get('exported') == 'manual_template':
        exported = baselines['manual']
    return {
        'exported': report['summary'].get('exported'),
        'test': metric(exported.get('test')), 'chosen_test': metric(seed.get('test')),
        'refit': None if not refit else {'test': metric(refit['result'].get('test')), 'records': refit['records'],
                                         'steps': refit['result']['steps'], 'exported': refit['exported'],
                                         'warnings': [w['kind'] for w in refit['result'].get('warnings', [])]},
        'dev': metric(seed.get('dev')), 'steps': seed['steps'],
        'best_seed': best, 'best_step': seed['best_step'], 'first_loss': losses[0] if losses else None,
        'last_loss': sum(losses[-10:]) / max(1, len(losses[-10:])),
        'warnings': [w['kind'] for w in report['summary'].get('warnings', [])],
        'baselines': {name: {split: metric(b.get(split)) for split in ('dev', 'test')} for name, b in baselines.items()},
        'data': report.get('data'),
        'cross_validation': None if not report.get('cross_validation') else {
            'best': metric(report['cross_validation']['best']), 'best_step': report['cross_validation']['best_step'],
            'manual': metric(report['cross_validation'].get('manual'))},
        'settings': {k: report['training'].get(k) for k in ('max_steps', 'epochs', 'learning_rate', 'seeds', 'eval_every',
                                                             'automatic')},
        'curve': [[p['step'], metric(p['metrics'])] for p in seed['dev_curve']],
        'seeds': [{'seed': s['seed'], 'test': metric(s.get('test')), 'dev': metric(s.get('dev')),
                   'best_step': s['best_step'], 'warnings': [w['kind'] for w in s.get('warnings', [])]}
                  for s in report['seeds']],
    }


def run(args):
    global MODEL
    MODEL = args.model
    ptune = args.ptune
    tokenizer = tokenizer_for(ptune, args.out)
    done = done_keys(args.out)
    for task in args.tasks:
        parts = bundle_parts(task, tokenizer)
        for variant_text in args.variants:
            variant, keys = parse_variant(variant_text)
            for seed in args.seeds:
                if (task, variant, seed) in done:
                    continue
                base = f'{args.out}/runs/{task}/{variant}/s{seed}'
                bundle = f'{base}/bundle'
                seeded = dict(keys)
                if 'training.seeds' not in seeded and seed >= 0:
                    seeded['training.seeds'] = f'[{seed}]'
                toml, train, dev, test = parts
                if args.curve:
                    seeded.setdefault('training.eval_every', str(args.curve))
                write_bundle(bundle, task, toml, train, test if args.curve else dev, test, seeded)
                started = time.time()
                log = open(f'{base}/train.log', 'w')
                proc = subprocess.run([ptune, 'train', bundle, '--out', f'{base}/out', '--threads', str(args.threads)]
                                      + (['--resume'] if os.path.isdir(f'{base}/out') and os.listdir(f'{base}/out') else []),
                                      stdout=log, stderr=subprocess.STDOUT)
                seconds = time.time() - started
                line = {'task': task, 'variant': variant, 'seed': seed, 'keys': keys, 'seconds': round(seconds, 1),
                        'exit': proc.returncode}
                if proc.returncode == 0:
                    line.update(summarise(json.load(open(f'{base}/out/report.json'))))
                with open(f'{args.out}/results.jsonl', 'a') as f:
                    f.write(json.dumps(line) + '\n')
                print(json.dumps({k: line.get(k) for k in ('task', 'variant', 'seed', 'test', 'dev', 'best_step',
                                                               'warnings', 'seconds', 'exit')}), flush=True)


def refresh(args):
    """Rewrites OUT/results.jsonl from the runs' report.json files (after `summarise` changed)."""
    lines = [json.loads(l) for l in open(f'{args.out}/results.jsonl')]
    for line in lines:
        report = f"{args.out}/runs/{line['task']}/{line['variant']}/s{line['seed']}/out/report.json"
        if line.get('exit') == 0 and os.path.exists(report):
            line.update(summarise(json.load(open(report))))
    with open(f'{args.out}/results.jsonl', 'w') as f:
        f.writelines(json.dumps(line) + '\n' for line in lines)


def table(args):
    """Markdown tables of OUT/results.jsonl: ptune's defaults beside the hand setting and the baselines,
    then every (task, variant) with its seeds."""
    rows = [json.loads(l) for l in open(f'{args.out}/results.jsonl') if json.loads(l).get('test') is not None]
    pct = lambda x: '–' if x is None else f'{100 * x:.1f}'
    by = {(r['task'], r['variant']): r for r in rows}
    hand = {}
    for r in rows:
        if r['variant'] == 'hand':
            hand.setdefault(r['task'], []).append(r['test'])
    print('| task | train / dev | defaults: exported seed, test | seeds\' test | warnings | hand, test | manual template, test | majority, test |')
    print('|---|---|---:|---|---|---:|---:|---:|')
    for (task, variant), r in sorted(by.items()):
        if variant != 'default':
            continue
        data = r.get('data') or {}
        seeds = ', '.join(pct(s['test']) for s in r.get('seeds', []))
        flagged = sorted({w for s in r.get('seeds', []) for w in s.get('warnings', [])})
        h = hand.get(task)
        base = r.get('baselines', {})
        print(f"| {task} | {data.get('train')} / {data.get('dev')} {data.get('dev_source', '')} | {pct(r['test'])} (seed {r.get('best_seed')}) "
              f"| {seeds} | {', '.join(flagged) or 'none'} | {pct(sum(h) / len(h)) if h else '–'} "
              f"| {pct(base.get('manual', {}).get('test'))} | {pct(base.get('majority', {}).get('test'))} |")
    print()
    print('| task | variant | seeds | test per seed | mean | seeds with warnings |')
    print('|---|---|---:|---|---:|---|')
    for (task, variant), r in sorted(by.items()):
        seeds = r.get('seeds') or [{'test': r['test'], 'warnings': r.get('warnings', [])}]
        tests = [s['test'] for s in seeds if s['test'] is not None]
        flagged = [f"{s.get('seed')}: {', '.join(s['warnings'])}" for s in seeds if s.get('warnings')]
        same = [x for x in rows if x['task'] == task and x['variant'] == variant]
        if len(same) > 1:
            tests = [x['test'] for x in same]
        print(f"| {task} | {variant} | {len(tests)} | {', '.join(pct(t) for t in tests)} | {pct(sum(tests) / len(tests))} "
              f"| {'; '.join(flagged) or 'none'} |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='command', required=True)
    r = sub.add_parser('run')
    r.add_argument('out')
    r.add_argument('--tasks', nargs='+', required=True)
    r.add_argument('--variants', nargs='+', default=['default'])
    r.add_argument('--seeds', nargs='+', type=int, default=[13])
    r.add_argument('--threads', type=int, default=2)
    r.add_argument('--curve', type=int, default=0,
                   help='learning curves: the test split is also given as dev and evaluated every N steps '
                        '(for choosing step counts only; the kept step is then chosen on test)')
    r.add_argument('--ptune', default=os.path.join(REPO, '.build', 'release', 'ptune'))
    r.add_argument('--model', default=MODEL, help='a model file in the model cache (use one OUT folder per model)')
    t = sub.add_parser('table')
    t.add_argument('out')
    f = sub.add_parser('refresh', help='rewrite OUT/results.jsonl from the reports')
    f.add_argument('out')
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    {'run': run, 'table': table, 'refresh': refresh}[args.command](args)


if __name__ == '__main__':
    main()
