#!/usr/bin/env python3
"""evaldb run record on a large results file, side by side with a Python json + sqlite3 peer doing
the same job, and `sha256sum` of the file as a floor.

  python3 bench/record.py                          # 200,000 examples, 3 trials each (600,000 results)
  python3 bench/record.py --n 1000000 --trials 3
  python3 bench/record.py --binary path/to/evaldb  # skip the build

Generates a dataset with bench/gen_dataset.py and a results file for it (3 results an example: id,
trial, pass, score, an output of 20 to 400 bytes; bench/data/, git-ignored, kept for the next run),
imports the dataset once, and then times whole processes, each against a fresh copy of that
database (medians of the trials):

  sha256sum RESULTS
  peer: Python json + sqlite3 (the same database: look each id up, insert into a results table of
        its own with the whole canonical line, one transaction; no team log)
  evaldb run record RESULTS --name r --dataset-file DATASET

Prints wall time, peak RSS of the process (/usr/bin/time's %M) and each ratio to the peer.
Target (issue 14): memory flat in the file's size, every command under 150 MiB.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / 'bench' / 'data'
SCRATCH = '.build-record-release'

PEER = r'''
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE peer_results(example INTEGER, trial INTEGER, line INTEGER, pass INTEGER, score REAL, record TEXT, PRIMARY KEY (example, trial)) WITHOUT ROWID")
keys = {}
with db:
    for number, line in enumerate(open(sys.argv[2], encoding='utf-8'), 1):
        result = json.loads(line)
        key = db.execute("SELECT key FROM stored_examples WHERE id = ?", (result['id'],)).fetchone()
        if key is None:
            sys.exit(f"{sys.argv[2]}:{number}: unknown id")
        db.execute("INSERT INTO peer_results VALUES (?, ?, ?, ?, ?, ?)",
                   (key[0], result.get('trial', 0), number, int(result['pass']), result.get('score'),
                    json.dumps(result, sort_keys=True)))
'''


def results_file(dataset, path, seed=5):
    """Three results an example of `dataset`, written to `path` (atomically)."""
    rng = random.Random(seed)
    temporary = path.with_suffix('.partial')
    with open(dataset, encoding='utf-8') as lines, open(temporary, 'w') as out:
        for line in lines:
            example = json.loads(line)['id']
            for trial in range(3):
                out.write(json.dumps({'id': example, 'trial': trial, 'pass': rng.random() < 0.8,
                                      'score': round(rng.random(), 3),
                                      'output': 'the model said ' + 'x' * rng.randint(20, 400)}) + '\n')
    temporary.rename(path)


def run(argv, cwd):
    """Wall seconds and peak RSS (KiB) of one process."""
    start = time.perf_counter()
    result = subprocess.run(['/usr/bin/time', '-f', 'peak %M'] + [str(a) for a in argv], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f'{argv[0]} failed: {result.stderr}')
    peak = [line for line in result.stderr.splitlines() if line.startswith('peak ')][-1]
    return wall, int(peak.split()[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--n', type=int, default=200_000, help='examples (results are 3 times as many)')
    parser.add_argument('--trials', type=int, default=3)
    parser.add_argument('--binary', help='an evaldb binary (default: build one in release mode)')
    args = parser.parse_args()
    if not os.path.exists('/usr/bin/time'):
        sys.exit('bench/record.py needs /usr/bin/time (Debian: apt-get install time)')

    binary = args.binary
    if binary is None:
        subprocess.run(['swift', 'build', '-c', 'release', '--scratch-path', SCRATCH], cwd=ROOT, check=True)
        binary = ROOT / SCRATCH / 'release' / 'evaldb'
    DATA.mkdir(parents=True, exist_ok=True)
    dataset = DATA / f'record-{args.n}.jsonl'
    results = DATA / f'record-{args.n}.results.jsonl'
    if not dataset.exists():
        with open(dataset.with_suffix('.partial'), 'w') as out:
            subprocess.run([sys.executable, ROOT / 'bench' / 'gen_dataset.py', '--n', str(args.n), '--seed', '3'],
                           stdout=out, check=True)
        dataset.with_suffix('.partial').rename(dataset)
    if not results.exists():
        results_file(dataset, results)

    with tempfile.TemporaryDirectory(prefix='evaldb-record-') as work:
        base = Path(work) / 'base.sqlite'
        subprocess.run([binary, 'import', dataset, '--db', base, '--author', 'bench'], check=True, stdout=subprocess.DEVNULL)
        rows = {'sha256sum': [], 'peer (Python json + sqlite3)': [], 'evaldb run record': []}
        for trial in range(args.trials):
            copy = Path(work) / 'copy.sqlite'
            for name in rows:
                shutil.copy(base, copy)  # untimed
                if name == 'sha256sum':
                    argv = ['sha256sum', results]
                elif name.startswith('peer'):
                    argv = [sys.executable, '-c', PEER, copy, results]
                else:
                    argv = [binary, 'run', 'record', results, '--name', f'r{trial}', '--dataset-file', dataset, '--db', copy]
                rows[name].append(run(argv, work))
                for leftover in Path(work).glob('copy.sqlite*'):
                    leftover.unlink()

    size = results.stat().st_size / 1e6
    peer = statistics.median(w for w, _ in rows['peer (Python json + sqlite3)'])
    print(f'run record: {args.n * 3:,} results ({size:,.0f} MB), {args.trials} trials, medians')
    print(f'| program | wall | peak RSS | ratio to the peer |')
    print(f'|---|---|---|---|')
    for name, measured in rows.items():
        wall = statistics.median(w for w, _ in measured)
        peak = statistics.median(p for _, p in measured) / 1024
        print(f'| {name} | {wall:.2f} s | {peak:,.0f} MiB | {wall / peer:.2f} |')


if __name__ == '__main__':
    main()
