#!/usr/bin/env python3
"""The manual-template fallback decided again from finished runs' report.json files, by ptune's rule
(export the manual template when the prompt's dev metric is not above it) and by a stricter one
that was measured and not adopted (not above it by more than 1.645 standard errors of the
difference of two proportions); docs/RESULTS.md has the comparison.

    fallback_margin.py REPORT.json [REPORT.json ...]

Prints one row per report: the dev figures compared, the z the difference reaches, what each rule
exports and that export's test metric (the manual template's, or the run's exported prompt's).
"""
import json, math, sys

MARGIN = 1.645


def primary(metrics):
    if not metrics:
        return None
    for name in ('accuracy', 'p_at_1'):
        if metrics.get(name) is not None:
            return metrics[name]
    return None


def row(path):
    r = json.load(open(path))
    best = next(s for s in r['seeds'] if s['seed'] == r['summary']['best_seed'])
    cv = r.get('cross_validation')
    prompt_dev = cv['best'] if cv else best.get('dev')
    manual = r['baselines']['manual']
    if not prompt_dev or not manual.get('dev'):
        return None
    p, n = primary(prompt_dev), prompt_dev['count']
    q, m = primary(manual['dev']), manual['dev']['count']
    se = math.sqrt(p * (1 - p) / n + q * (1 - q) / m)
    z = (p - q) / se if se > 0 else float('inf') if p > q else 0.0
    refit = r.get('refit')
    prompt_test = primary(refit['result']['test']) if refit and refit['exported'] else primary(best.get('test'))
    manual_test = primary(manual.get('test'))
    before = 'manual' if p <= q else 'prompt'
    now = 'manual' if p - q <= MARGIN * se else 'prompt'
    exported = r['summary'].get('exported')
    if exported != 'manual_template' and before == 'manual':
        before = 'prompt (rule off)'
    test = {'manual': manual_test, 'prompt': prompt_test, 'prompt (rule off)': prompt_test}
    return (f"{r['task']['name']:<14} {r['data'].get('dev_source', ''):<15} dev {p:.3f} (n={n}) vs manual {q:.3f} (n={m}) "
            f"z={z:5.2f}  plain rule: {before:<7} {fmt(test[before])}  margin: {now:<7} {fmt(test[now])}")


def fmt(value):
    return '  -  ' if value is None else f'{100 * value:5.1f}'


if __name__ == '__main__':
    for path in sys.argv[1:]:
        line = row(path)
        print(line if line else f'{path}: no dev figures to compare')
