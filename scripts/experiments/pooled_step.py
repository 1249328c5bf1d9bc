#!/usr/bin/env python3
"""The step a cross-validated run's refit matches, chosen again from finished runs' report.json files
by two rules (docs/RESULTS.md compares them), with what the manual-template fallback decides at each:

- best: the last step of the pooled dev curve at its best (the primary metric, then the log-loss);
- within noise: the lowest log-loss among the steps whose primary metric is within one standard error
  (sqrt(p(1 - p)/n)) of the best (what ptune does, `lowestLogLossWithinNoise`).

    pooled_step.py REPORT.json [REPORT.json ...]

Prints one row per cross-validated report: each rule's step, its pooled primary metric and log-loss,
and whether the fallback (`ManualFallbackReason`, judging the curve's highest primary metric with the
step's log-loss) keeps the prompt or exports the manual template.
"""
import json, math, sys

from fallback_margin import MARGIN, primary, standard_errors


def lowest_loss(point):
    loss = point['metrics'].get('log_loss')
    return math.inf if loss is None else loss


def best(curve):
    top = max((primary(c['metrics']), -lowest_loss(c)) for c in curve)
    return [c for c in curve if (primary(c['metrics']), -lowest_loss(c)) == top][-1]


def within_noise(curve):
    top = best(curve)['metrics']
    p = primary(top)
    floor = p - math.sqrt(p * (1 - p) / max(top['count'], 1))
    candidates = [c for c in curve if primary(c['metrics']) >= floor]
    return max(candidates, key=lambda c: (-lowest_loss(c), primary(c['metrics']), c['step']))


def verdict(metrics, manual, peak):
    """What `ManualFallbackReason` decides for the pooled prompts (`CrossValidation.judged`): the curve's
    highest primary metric (`peak`'s), the log-loss of `metrics`, the refit's step."""
    p, n = primary(peak), max(peak['count'], 1)
    q, m = primary(manual), max(manual['count'], 1)
    z = standard_errors(p, n, q, m)
    loss = metrics.get('log_loss', math.inf)
    manual_loss = manual.get('log_loss', math.inf)
    above = p > q or (p == q and loss < manual_loss)
    return 'prompt' if above and not (z < MARGIN and loss > manual_loss) else 'manual'


def unusable(r):
    cv = r.get('cross_validation')
    manual = r['baselines']['manual'].get('dev')
    if not cv:
        return 'not cross-validated'
    if not cv.get('curve') or not manual:
        return 'no pooled curve or manual-template dev figure'
    if any(primary(c['metrics']) is None for c in cv['curve']) or primary(manual) is None:
        return 'no primary metric'
    return None


def row(path):
    r = json.load(open(path))
    problem = unusable(r)
    if problem:
        return f'{path}: {problem}'
    cv = r['cross_validation']
    manual = r['baselines']['manual']['dev']
    cells = []
    peak = best(cv['curve'])['metrics']
    for name, point in (('best', best(cv['curve'])), ('within noise', within_noise(cv['curve']))):
        m = point['metrics']
        cells.append(f"{name}: step {point['step']:>4} {primary(m):.3f} log-loss {lowest_loss(point):6.3f} "
                     f"-> {verdict(m, manual, peak):<6}")
    return (f"{r['task']['name']:<14} manual {primary(manual):.3f} log-loss {manual.get('log_loss', math.inf):6.3f}  "
            + "  ".join(cells) + f"  (ran: step {cv['best_step']}, exported {r['summary'].get('exported')})")


if __name__ == '__main__':
    for path in sys.argv[1:]:
        print(row(path))
