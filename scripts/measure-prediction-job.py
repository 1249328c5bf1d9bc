#!/usr/bin/env python3
"""A prediction job through the daemon with kill -9s, checked record by record, beside `ptune predict`.

Usage: scripts/measure-prediction-job.py PTUNE_BINARY MODEL_PATH [--records 100000] [--out DIR]
           [--kill-daemon-at 0.3] [--kill-worker-at 0.6] [--compare N]

Starts `ptune serve` on a spool in OUT (a temporary folder by default), trains a small SST-2 prompt
(200 sentences of ../shared/data/sst2/train.tsv, 60 steps), then submits a prediction bundle naming it
(`job = "sst2@latest"`) with RECORDS SST-2 sentences (train.tsv cycled, each with its label). When the
job's predictions.jsonl holds the given fractions of the records it kills the daemon (SIGKILL; the
worker runs on, and the restarted daemon takes it up again) and then the worker (SIGKILL; the daemon
retries the job, which resumes after its last complete line). At the end every record's `source`
(input.jsonl:LINE) must appear exactly once, in order. Then `ptune predict` answers the first
COMPARE records (all by default) with the same prompt and threads, for records/s side by side, and
its answers are compared with the job's.
"""
import argparse, csv, json, os, signal, sqlite3, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', '..', 'shared', 'data', 'sst2', 'train.tsv')

ap = argparse.ArgumentParser()
ap.add_argument('ptune'); ap.add_argument('model')
ap.add_argument('--records', type=int, default=100_000)
ap.add_argument('--out')
ap.add_argument('--kill-daemon-at', type=float, default=0.3)
ap.add_argument('--kill-worker-at', type=float, default=0.6)
ap.add_argument('--compare', type=int, default=0, help='records ptune predict answers (0: all)')
ap.add_argument('--threads', type=int, default=2)
a = ap.parse_args()
root = a.out or tempfile.mkdtemp(prefix='ptune-predict-job-')
spool = os.path.join(root, 'spool')
model = os.path.basename(a.model)
os.makedirs(root, exist_ok=True)
rows = list(csv.DictReader(open(DATA), delimiter='\t'))


def log(*args):
    print(time.strftime('%H:%M:%S'), *args, flush=True)


def write(folder, files):
    os.makedirs(folder, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(folder, name), 'w') as f:
            f.write(text)
    return folder


def submit(folder):
    subprocess.run([a.ptune, 'submit', '--spool', spool, folder], check=True, stdout=subprocess.DEVNULL)


def start_daemon():
    """`ptune serve`, once it has recovered and written its first status."""
    status = os.path.join(spool, 'control', 'status.json')
    if os.path.exists(status):
        os.remove(status)
    process = subprocess.Popen([a.ptune, 'serve', '--spool', spool, '--models', os.path.dirname(os.path.abspath(a.model)),
                                '--cores', str(a.threads), '--memory', '8192', '--max-jobs', '1'],
                               stdout=subprocess.DEVNULL, stderr=open(os.path.join(root, 'daemon.log'), 'a'))
    while not os.path.exists(status):
        if process.poll() is not None:
            sys.exit(f'the daemon exited; see {root}/daemon.log')
        time.sleep(0.1)
    return process


def job(name):
    db = sqlite3.connect(f"file:{os.path.join(spool, 'ptune.sqlite')}?mode=ro", uri=True)
    try:
        return db.execute('SELECT id, state, attempts FROM job WHERE name = ? ORDER BY submittedAt DESC',
                          (name,)).fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        db.close()


def wait_for(name, states, seconds=7200):
    deadline = time.time() + seconds
    while time.time() < deadline:
        row = job(name)
        if row and row[1] in states:
            return row
        time.sleep(0.5)
    sys.exit(f'{name} did not reach {states}')


def lines_written(job_id):
    path = os.path.join(spool, 'active', job_id, 'predictions.jsonl')
    try:
        with open(path, 'rb') as f:
            return sum(chunk.count(b'\n') for chunk in iter(lambda: f.read(1 << 20), b''))
    except FileNotFoundError:
        return 0


def worker_pid(job_id):
    out = subprocess.run([a.ptune, 'status', '--spool', spool, '--json'], capture_output=True, text=True).stdout
    for worker in json.loads(out).get('daemon', {}).get('workers', []):
        if worker.get('job_id') == job_id:
            return worker.get('pid')
    return None


daemon = start_daemon()
train = [r for r in rows[:200]]
write(os.path.join(root, 'src', 'sst2'), {
    'task.toml': f'name = "sst2"\nmodel = "{model}"\nkind = "classify"\n'
                 'template = "[P*3] {sentence} It was [P*3] {target}"\n\n[labels]\n"0" = "terrible"\n"1" = "great"\n\n'
                 f'[training]\nmax_steps = 60\nseeds = [13]\n\n[limits]\nthreads = {a.threads}\n',
    'train.jsonl': ''.join(json.dumps(r) + '\n' for r in train)})
submit(os.path.join(root, 'src', 'sst2'))
trained = wait_for('sst2', {'succeeded', 'failed'})
log('trained', trained)
records = ''.join(json.dumps({'sentence': rows[i % len(rows)]['sentence'], 'label': rows[i % len(rows)]['label']}) + '\n'
                  for i in range(a.records))
bundle = write(os.path.join(root, 'src', 'scores'), {
    'task.toml': f'name = "scores"\nkind = "predict"\n\n[prompt]\njob = "sst2@latest"\n\n[predict]\nbatch_size = 16\n\n'
                 f'[limits]\nthreads = {a.threads}\nwall_time = "12h"\n',
    'input.jsonl': records})
started = time.time()
submit(bundle)
job_id = wait_for('scores', {'running', 'succeeded', 'failed', 'rejected'})[0]
log('prediction job', job_id)
kills = []
for fraction, what in ((a.kill_daemon_at, 'daemon'), (a.kill_worker_at, 'worker')):
    if fraction <= 0:
        continue
    while lines_written(job_id) < fraction * a.records:
        if job('scores')[1] not in ('queued', 'running'):
            sys.exit(f'the job ended before the {what} could be killed: {job("scores")}')
        time.sleep(0.2)
    if what == 'daemon':
        daemon.send_signal(signal.SIGKILL)
        daemon.wait()
        kills.append(('daemon', lines_written(job_id)))
        time.sleep(2)
        daemon = start_daemon()
    else:
        pid = None
        while pid is None:
            pid = worker_pid(job_id)
            time.sleep(0.2)
        os.kill(pid, signal.SIGKILL)
        kills.append(('worker', lines_written(job_id)))
    log('killed the', what, 'at', kills[-1][1], 'lines')
final = wait_for('scores', {'succeeded', 'failed'})
wall = time.time() - started
daemon.send_signal(signal.SIGTERM)
daemon.wait()
done = os.path.join(spool, 'done', job_id)
predictions = [json.loads(l) for l in open(os.path.join(done, 'predictions.jsonl'))]
sources = [p['source'] for p in predictions]
expected = [f'input.jsonl:{i}' for i in range(1, a.records + 1)]
report = json.load(open(os.path.join(done, 'report.json')))
result = {'job': final, 'records': a.records, 'lines': len(predictions), 'unique_sources': len(set(sources)),
          'in_order_exactly_once': sources == expected, 'kills': kills, 'wall_seconds': round(wall, 1),
          'last_attempt_records_per_second': round(report['timing']['records_per_second'], 2),
          'resumed_after': report['timing']['resumed_after'], 'metrics': report.get('metrics')}
compare = a.compare or a.records
with open(os.path.join(root, 'compare.jsonl'), 'w') as f:
    f.writelines(records.splitlines(keepends=True)[:compare])
t0 = time.time()
cli = subprocess.run([a.ptune, 'predict', '--prompt', os.path.join(done, 'prompt.safetensors'), '--model', a.model,
                      '--input', os.path.join(root, 'compare.jsonl'), '--json', '--batch-size', '16',
                      '--threads', str(a.threads)], capture_output=True, text=True, check=True)
cli_seconds = time.time() - t0
answers = [json.loads(l)['predicted'] for l in cli.stdout.splitlines()]
result.update({'ptune_predict_records': compare, 'ptune_predict_seconds': round(cli_seconds, 1),
               'ptune_predict_records_per_second': round(compare / cli_seconds, 2),
               'same_answers': sum(x == p['predicted'] for x, p in zip(answers, predictions)),
               'job_records_per_second_overall': round(a.records / wall, 2)})
print(json.dumps(result, indent=1))
