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


def seed_scores(name, metric):
    r = report(name)
    return None if not r else [100 * s['test'][metric] for s in r['seeds']]


def paired(rows):
    """Mean, sample std and standard error of the bf16 - fp32 differences over all (row, seed) pairs."""
    d = [b - f for fs, bs in rows for f, b in zip(fs, bs)]
    if len(d) < 2:
        return None
    mean = sum(d) / len(d)
    std = (sum((x - mean) ** 2 for x in d) / (len(d) - 1)) ** 0.5
    return mean, std, std / len(d) ** 0.5, len(d)


def paired_line(rows):
    p = paired(rows)
    return '' if not p else (f'\nbf16 − fp32 over {p[3]} pairs: mean {p[0]:+.2f}, sample std {p[1]:.2f}, '
                             f'standard error {p[2]:.2f}\n')


print('\n## fp32 and bf16 weights (`run.sh precision`)\n')
print('LAMA P@1 (seeds 13, 21, 42):\n')
print('| relation | fp32 per seed | bf16 per seed | fp32 mean | bf16 mean | difference |')
print('|---|---|---|---|---|---|')
lama_rows = []
for rel in ['P19', 'P20', 'P27', 'P101', 'P103', 'P413']:
    f, b = seed_scores(f'lama-{rel}-seeds-fp32', 'p_at_1'), seed_scores(f'lama-{rel}-seeds-bf16', 'p_at_1')
    if not f or not b:
        print(f'| {rel} | — | — | — | — | — |')
        continue
    lama_rows.append((f, b))
    mf, mb = sum(f) / len(f), sum(b) / len(b)
    print(f'| {rel} | {", ".join(f"{x:.2f}" for x in f)} | {", ".join(f"{x:.2f}" for x in b)} | {mf:.2f} | {mb:.2f} | {mb - mf:+.2f} |')
if lama_rows:
    mf = sum(sum(f) / len(f) for f, _ in lama_rows) / len(lama_rows)
    mb = sum(sum(b) / len(b) for _, b in lama_rows) / len(lama_rows)
    print(f'| **mean** | | | **{mf:.2f}** | **{mb:.2f}** | **{mb - mf:+.2f}** |')
print(paired_line(lama_rows))
def sst2_dev_runs(seed):
    """The fp32 and bf16 results of SST-2 dev seed `seed`, or None while either is missing."""
    f, b = report(f'sst2-dev-s{seed}-fp32'), report(f'sst2-dev-s{seed}-bf16')
    return (f['seeds'][0], b['seeds'][0]) if f and b else None


print('SST-2 with a dev split (accuracy on the 872 test sentences of the best-dev prompt):\n')
print('| seed | fp32 best step | fp32 dev | fp32 test | bf16 best step | bf16 dev | bf16 test | difference |')
print('|---|---|---|---|---|---|---|---|')
sst_rows = []
for seed in range(1, 11):
    runs = sst2_dev_runs(seed)
    if not runs:
        continue
    fs, bs = runs
    ft, bt = 100 * fs['test']['accuracy'], 100 * bs['test']['accuracy']
    sst_rows.append(([ft], [bt]))
    print(f'| {seed} | {fs["best_step"]} | {100 * fs["dev"]["accuracy"]:.1f} | {ft:.2f} | '
          f'{bs["best_step"]} | {100 * bs["dev"]["accuracy"]:.1f} | {bt:.2f} | {bt - ft:+.2f} |')
if sst_rows:
    mf = sum(f[0] for f, _ in sst_rows) / len(sst_rows)
    mb = sum(b[0] for _, b in sst_rows) / len(sst_rows)
    print(f'| **mean** | | | **{mf:.2f}** | | | **{mb:.2f}** | **{mb - mf:+.2f}** |')
print(paired_line(sst_rows))


def other_eval(run, precision):
    p = f'{OUT}/runs/{run}.eval-{precision}.json'
    return 100 * json.load(open(p))['accuracy'] if os.path.exists(p) else None


print('The same prompts evaluated both ways (`run.sh precision-eval`):\n')
print('| seed | fp32-trained prompt: fp32 eval | bf16 eval | bf16-trained prompt: fp32 eval | bf16 eval |')
print('|---|---|---|---|---|')
cross = []
for seed in range(1, 11):
    runs = sst2_dev_runs(seed)
    fb, bf = other_eval(f'sst2-dev-s{seed}-fp32', 'bf16'), other_eval(f'sst2-dev-s{seed}-bf16', 'fp32')
    if not runs or fb is None or bf is None:
        continue
    ff, bb = (100 * r['test']['accuracy'] for r in runs)
    cross += [([ff], [fb]), ([bf], [bb])]
    print(f'| {seed} | {ff:.2f} | {fb:.2f} ({fb - ff:+.2f}) | {bf:.2f} | {bb:.2f} ({bb - bf:+.2f}) |')
print(paired_line(cross))
