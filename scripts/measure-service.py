#!/usr/bin/env python3
"""Service figures: daemon RSS while idle, drop-to-running latency, intake rate for many bundles, and
`ptune status` latency while they are taken in.

Usage: scripts/measure-service.py PTUNE_BINARY MODEL_PATH [--bundles 1000] [--config FILE]
Starts `ptune serve` on a temporary spool (with the config file given, e.g. one enabling [metrics]
and [notify]), drops bundles by rename into incoming/ (as `ptune submit` does), reads the database
directly (read-only) to time state changes, times `ptune status` in a loop meanwhile, and stops the
daemon.
"""
import argparse, json, os, shutil, sqlite3, statistics, subprocess, tempfile, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("ptune"); ap.add_argument("model"); ap.add_argument("--bundles", type=int, default=1000)
ap.add_argument("--config", help="a config file for ptune serve")
a = ap.parse_args()
root = tempfile.mkdtemp(prefix="ptune-measure-")
spool = os.path.join(root, "spool")
models = os.path.dirname(os.path.abspath(a.model))

def bundle(name, text):
    d = os.path.join(spool, "tmp", name)
    os.makedirs(d)
    with open(os.path.join(d, "task.toml"), "w") as f:
        f.write(f'name = "{name}"\nmodel = "{os.path.basename(a.model)}"\nkind = "classify"\n'
                'template = "[P] {text} It was {target}"\n[labels]\n"1" = "great"\n"0" = "terrible"\n'
                '[encoder]\ntype = "none"\n[training]\nmax_steps = 1\nbatch_size = 2\n')
    with open(os.path.join(d, "train.jsonl"), "w") as f:
        f.write(json.dumps({"text": text, "label": 1}) + "\n" + json.dumps({"text": "bad " + text, "label": 0}) + "\n")
    return d

def drop(path):
    os.rename(path, os.path.join(spool, "incoming", os.path.basename(path)))

def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

daemon = subprocess.Popen([a.ptune, "serve", "--spool", spool, "--models", models, "--cores", "2", "--max-jobs", "1"]
                          + (["--config", a.config] if a.config else []),
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(root, "daemon.log"), "w"))
status = os.path.join(spool, "control", "status.json")
while not os.path.exists(status):
    time.sleep(0.05)
time.sleep(2)
idle = rss_mb(daemon.pid)
db = sqlite3.connect(f"file:{os.path.join(spool, 'ptune.sqlite')}?mode=ro", uri=True)

def count(sql):
    return db.execute(sql).fetchone()[0]

first = bundle("latency", "a fine film")
t0 = time.monotonic()
drop(first)
while count("SELECT COUNT(*) FROM attempt") == 0:
    time.sleep(0.005)
latency = time.monotonic() - t0
while count("SELECT COUNT(*) FROM job WHERE state IN ('succeeded','failed')") == 0:
    time.sleep(0.05)

paths = [bundle(f"b{i:04d}", f"film number {i}") for i in range(a.bundles)]
status_ms, loading = [], True

def time_status():
    while loading:
        t = time.monotonic()
        subprocess.run([a.ptune, "status", "--spool", spool], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        status_ms.append((time.monotonic() - t) * 1000)

timer = threading.Thread(target=time_status)
t0 = time.monotonic()
timer.start()
for p in paths:
    drop(p)
while count("SELECT COUNT(*) FROM job") < a.bundles + 1:
    time.sleep(0.01)
intake = time.monotonic() - t0
loading = False
timer.join()
status_ms.sort()
busy = rss_mb(daemon.pid)
daemon.terminate()
daemon.wait(timeout=120)
print(json.dumps({"idle_rss_mb": round(idle, 1), "drop_to_running_s": round(latency, 3),
                  "bundles": a.bundles, "intake_s": round(intake, 2), "intake_per_s": round(a.bundles / intake, 1),
                  "rss_after_intake_mb": round(busy, 1), "status_calls": len(status_ms),
                  "status_median_ms": round(statistics.median(status_ms), 1),
                  "status_p99_ms": round(status_ms[min(len(status_ms) - 1, int(len(status_ms) * 0.99))], 1),
                  "exit_status": daemon.returncode}))
shutil.rmtree(root, ignore_errors=True)
