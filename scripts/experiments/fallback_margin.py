#!/usr/bin/env python3
"""The manual-template fallback decided again from finished runs' report.json files by three rules
(docs/RESULTS.md compares them):

- plain: export the manual template when the prompt's dev metric is not above it;
- margin: ... or when the lead is under 1.645 standard errors of the difference of two proportions
  (measured and not adopted);
- ptune: ... or when the lead is under 1.645 standard errors and the prompt's dev log-loss is above
  the manual template's (what ptune does, `ManualFallbackReason`).

    fallback_margin.py REPORT.json [REPORT.json ...]

Prints one row per report: the dev figures compared, the z the difference reaches, both log-losses,
and what each rule exports with that export's test metric (the manual template's, or the run's
exported prompt's; '-' where the run did not test the prompt because it fell back).
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


def standard_errors(p, n, q, m):
    """How many standard errors of the difference of two proportions p (of n records) stands above q
    (of m): `Metrics.standardErrors(above:)`."""
    se = math.sqrt(p * (1 - p) / n + q * (1 - q) / m)
    return (p - q) / se if se > 0 else (0.0 if p == q else math.copysign(math.inf, p - q))


def row(path):
    r = json.load(open(path))
    best = next(s for s in r['seeds'] if s['seed'] == r['summary']['best_seed'])
    cv = r.get('cross_validation')
    prompt_dev = cv['best'] if cv else best.get('dev')
    manual = r['baselines']['manual']
    if not prompt_dev or not manual.get('dev') or primary(prompt_dev) is None or primary(manual['dev']) is None:
        return None
    p, n = primary(prompt_dev), max(prompt_dev['count'], 1)
    q, m = primary(manual['dev']), max(manual['dev']['count'], 1)
    z = standard_errors(p, n, q, m)
    loss, manual_loss = prompt_dev.get('log_loss'), manual['dev'].get('log_loss')
    # A missing log-loss counts as infinite, as in ptune's DevScore.
    loss_or_inf = math.inf if loss is None else loss
    manual_loss_or_inf = math.inf if manual_loss is None else manual_loss
    refit = r.get('refit')
    prompt_test = primary(refit['result']['test']) if refit and refit['exported'] else primary(best.get('test'))
    if r['summary'].get('exported') == 'manual_template' and r['data'].get('dev_source') in ('carved', 'cross_validated'):
        prompt_test = None  # the refit that would have been exported never ran
    manual_test = primary(manual.get('test'))
    plain = not (p > q or (p == q and loss_or_inf < manual_loss_or_inf))
    margin = plain or z < MARGIN
    ours = plain or (z < MARGIN and loss_or_inf > manual_loss_or_inf)
    test = lambda falls_back: fmt(manual_test if falls_back else prompt_test)
    name = lambda falls_back: 'manual' if falls_back else 'prompt'
    return (f"{r['task']['name']:<14} {r['data'].get('dev_source', ''):<15} dev {p:.3f} (n={n}) vs manual {q:.3f} "
            f"(n={m}) z={z:5.2f} log-loss {fmtloss(loss)} vs {fmtloss(manual_loss)}  "
            f"plain: {name(plain):<6} {test(plain)}  margin: {name(margin):<6} {test(margin)}  "
            f"ptune: {name(ours):<6} {test(ours)}")


def fmt(value):
    return '  -  ' if value is None else f'{100 * value:5.1f}'


def fmtloss(value):
    return '  -   ' if value is None else f'{value:6.3f}'


if __name__ == '__main__':
    for path in sys.argv[1:]:
        line = row(path)
        print(line if line else f'{path}: no dev figures to compare')
