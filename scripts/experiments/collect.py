#!/usr/bin/env python3
"""Collects ptune report.json files and reference JSON lines under OUT into markdown tables.

    collect.py OUT [--data ../shared/data]     (OUT as in run.sh, default /tmp/ptune-exp)
"""
import argparse, collections, json, os, sys

ap = argparse.ArgumentParser()
ap.add_argument('out', nargs='?', default='/tmp/ptune-exp')
ap.add_argument('--data', default=os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'data'))
a = ap.parse_args()
OUT = a.out

times = {}
if os.path.exists(f'{OUT}/times.tsv'):
    for line in open(f'{OUT}/times.tsv'):
        who, name, s = line.rstrip('\n').split('\t')
        times[(who, name)] = float(s)          # the last run of a name wins


def report(name):
    p = f'{OUT}/runs/{name}/report.json'
    return json.load(open(p)) if os.path.exists(p) else None


def ref(name):
    p = f'{OUT}/ref/{name}.json'
    if not os.path.exists(p):
        return None
    lines = [l for l in open(p) if l.strip().startswith('{')]
    return json.loads(lines[-1]) if lines else None


def pct(x):
    return '—' if x is None else f'{100 * x:.1f}'


def stat(s):
    if not s:
        return '—'
    return f'{100 * s["mean"]:.1f}' + (f' ± {100 * s["std"]:.1f}' if s.get('std') is not None else '')


def wall(who, name):
    t = times.get((who, name))
    return '—' if t is None else f'{t:.0f}'


def tps(r):
    if not r:
        return '—'
    v = [s['train_tokens_per_second'] for s in r['seeds']]
    return f'{sum(v) / len(v):.0f}'


print('## SST-2 (test, 872)\n')
print('| run | ptune acc | ref acc | ptune wall s | ref wall s | ptune train tok/s | ref train tok/s |')
print('|---|---|---|---|---|---|---|')
for name in ['sst2-none', 'sst2-lstm']:
    r, f = report(name), ref(name)
    acc = r['summary']['test']['accuracy']['mean'] if r else None
    print(f'| {name} | {pct(acc)} | {pct(f and f["accuracy"])} | {wall("ptune", name)} | {wall("ref", name)} | '
          f'{tps(r)} | {"—" if not f else round(f.get("train_tok_per_s", 0))} |')
f = ref('sst2-manual')
print(f'| manual `{{sentence}} It was {{great|terrible}}` (ref) | — | {pct(f and f["accuracy"])} | — | {wall("ref", "sst2-manual")} | — | — |')

print('\n## LAMA (P@1 over the single-token objects of each relation, test capped at 400)\n')
print('| relation | candidates | train | test | train-majority object P@1 | manual P@1 (ref) | ptune P@1 | ptune P@10 | ref ptune P@1 | ptune wall s | ref wall s | ptune train tok/s |')
print('|---|---|---|---|---|---|---|---|---|---|---|---|')
cols = collections.defaultdict(list)
for rel in ['P19', 'P20', 'P27', 'P101', 'P103', 'P413']:
    name = f'lama-{rel}'
    r, m, f = report(name), ref(f'{name}-manual'), ref(name)
    p1 = r['summary']['test']['p_at_1']['mean'] if r else None
    p10 = r['summary']['test']['p_at_10']['mean'] if r else None
    cand = r['task'].get('candidates_count') if r else (m and m['labels'])
    for k, v in [('manual', m and m['accuracy']), ('ptune', p1), ('p10', p10), ('ref', f and f['accuracy'])]:
        if v is not None:
            cols[k].append(v)
    count = lambda split: sum(1 for _ in open(f'{OUT}/bundles/{name}/{split}.jsonl')) if os.path.exists(f'{OUT}/bundles/{name}/{split}.jsonl') else '?'
    ntr, nte = count('train'), count('test')
    maj = None
    if os.path.exists(f'{OUT}/bundles/{name}/test.jsonl'):
        tro = [json.loads(l)['obj_label'] for l in open(f'{OUT}/bundles/{name}/train.jsonl')]
        teo = [json.loads(l)['obj_label'] for l in open(f'{OUT}/bundles/{name}/test.jsonl')]
        top = collections.Counter(tro).most_common(1)[0][0]
        maj = sum(o == top for o in teo) / len(teo)
        cols['majority'].append(maj)
    if f is not None:
        cols['ptune_with_ref'].append(p1); cols['ref_with_ref'].append(f['accuracy'])
    print(f'| {rel} | {cand} | {ntr} | {nte} | {pct(maj)} | {pct(m and m["accuracy"])} | {pct(p1)} | {pct(p10)} | '
          f'{pct(f and f["accuracy"])} | {wall("ptune", name)} | {wall("ref", name)} | {tps(r)} |')
mean = lambda k: pct(sum(cols[k]) / len(cols[k])) + f' (n={len(cols[k])})' if cols[k] else '—'
print(f'| **mean** | | | | {mean("majority")} | {mean("manual")} | {mean("ptune")} | {mean("p10")} | {mean("ref")} | | | |')
if cols['ref_with_ref'] and len(cols['ref_with_ref']) < len(cols['ptune']):
    print(f'| mean over the relations the reference ran | | | | | | {mean("ptune_with_ref")} | | {mean("ref_with_ref")} | | | |')

print('\n## FewGLUE (val as test; mean ± sample std over seeds 13, 21, 42)\n')
print('| task | val n | majority baseline acc (macro-F1) | ptune dev32 acc | ptune val acc | ptune val macro-F1 | per-seed val acc | wall s | train tok/s |')
print('|---|---|---|---|---|---|---|---|---|')
for name, folder in [('rte', 'RTE'), ('cb', 'CB')]:
    labels = [json.loads(l)['label'] for l in open(f'{a.data}/fewglue/{folder}/val.jsonl')]
    c = collections.Counter(labels)
    maj, nmaj = c.most_common(1)[0]
    k = len(set(labels) | ({'entailment', 'contradiction', 'neutral'} if folder == 'CB' else {'entailment', 'not_entailment'}))
    # majority class: F1 of the majority class = 2p/(1+p) with p its share; other classes 0
    p = nmaj / len(labels)
    f1 = (2 * p / (1 + p)) / k
    r = report(name)
    if r:
        per = ', '.join(pct(s['test']['accuracy']) for s in r['seeds'])
        print(f'| {name.upper()} | {len(labels)} | {pct(p)} ({maj}; F1 {pct(f1)}) | {stat(r["summary"]["dev"].get("accuracy"))} | '
              f'{stat(r["summary"]["test"].get("accuracy"))} | {stat(r["summary"]["test"].get("macro_f1"))} | {per} | '
              f'{wall("ptune", name)} | {tps(r)} |')
    else:
        print(f'| {name.upper()} | {len(labels)} | {pct(p)} ({maj}; F1 {pct(f1)}) | — | — | — | — | — | — |')
