#!/usr/bin/env python3
"""slice, count-by and coverage on a large dataset, side by side with DuckDB, in one run.

  python3 bench/slice.py                     # 1,000,000 examples, 5 trials
  python3 bench/slice.py --size 100000 --trials 3

Uses the dataset and next version of bench/run.py (bench/data/1m.jsonl, 1m.next.jsonl: run that
first, or it generates them). Builds evaldb in release mode and imports the dataset into a fresh
database, then times whole processes (medians of the trials):

  slice     evaldb slice --where feature=booking-lookup --where scenario=ambiguous-query
  count     evaldb slice --count-by feature,scenario,persona
  coverage  evaldb coverage --axes (every feature/scenario/persona value but one, so one is stray)

each against DuckDB answering the same question (bench/duckdb_queries.py, Python process
included) over the JSONL file itself and over a DuckDB table imported from it. It also times the
first query after the import (which builds the slice index) and the first after importing the next
version (which refreshes it for the examples that changed). Needs `pip install duckdb` for the peer;
without it, evaldb alone is timed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / 'bench' / 'data'
OUT = ROOT / 'bench' / 'out'
EVALDB = ROOT / '.build' / 'release' / 'evaldb'
PEER = ROOT / 'bench' / 'duckdb_queries.py'
TARGETS = {'slice': 0.3, 'count': 0.3, 'coverage': 1.0}


def timed(argv, env=None):
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f'failed ({result.returncode}): {" ".join(map(str, argv))}\n{result.stderr.decode()}')
    return wall


def label_values(path, keys, limit=200_000):
    values = {k: set() for k in keys}
    with open(path) as f:
        for n, line in enumerate(f):
            if n >= limit:
                break
            labels = json.loads(line)['labels']
            for k in keys:
                if isinstance(labels.get(k), str):
                    values[k].add(labels[k])
    return {k: sorted(v) for k, v in values.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--size', type=int, default=1_000_000)
    parser.add_argument('--trials', type=int, default=5)
    args = parser.parse_args()
    name = {100_000: '100k', 1_000_000: '1m'}.get(args.size, str(args.size))
    data, following = DATA / f'{name}.jsonl', DATA / f'{name}.next.jsonl'
    if not data.exists() or not following.exists():
        subprocess.run([sys.executable, str(ROOT / 'bench' / 'run.py'), '--sizes', str(args.size), '--trials', '1'], check=True)
    subprocess.run(['swift', 'build', '-c', 'release', '--product', 'evaldb'], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    OUT.mkdir(exist_ok=True)
    db = OUT / f'slice-{name}.sqlite'
    for suffix in ('', '-wal', '-shm'):
        Path(str(db) + suffix).unlink(missing_ok=True)
    env = dict(os.environ, EVALDB_DB=str(db))
    keys = ['feature', 'scenario', 'persona']
    values = label_values(data, keys)
    axes = {k: v for k, v in values.items()}
    axes['persona'] = axes['persona'][1:]  # one value left out: coverage reports it as stray
    axes_file = OUT / f'axes-{name}.json'
    axes_file.write_text(json.dumps(axes))

    evaldb = {
        'slice': [str(EVALDB), 'slice', '--where', 'feature=booking-lookup', '--where', 'scenario=ambiguous-query'],
        'count': [str(EVALDB), 'slice', '--count-by', ','.join(keys)],
        'coverage': [str(EVALDB), 'coverage', '--axes', str(axes_file)],
    }
    print(f'{args.size:,} examples ({data.stat().st_size / 1e9:.2f} GB), {args.trials} trials, medians in seconds')
    timed([str(EVALDB), 'import', str(data)], env)
    first = timed(evaldb['count'], env)
    print(f'first query after the import (builds the slice index): {first:.2f} s')

    try:
        import duckdb  # noqa: F401
        have_duckdb = True
    except ImportError:
        have_duckdb = False
        print('DuckDB is not installed (pip install duckdb): evaldb alone')
    duck = OUT / f'duck-{name}.duckdb'
    peers = {}
    if have_duckdb:
        if not duck.exists():
            subprocess.run([sys.executable, str(PEER), 'import', str(duck), str(data)], check=True)
        for source, label in ((str(duck), 'DuckDB table'), (str(data), 'DuckDB over the JSONL')):
            peers[label] = {
                'slice': [sys.executable, str(PEER), 'slice', source],
                'count': [sys.executable, str(PEER), 'count', source],
                'coverage': [sys.executable, str(PEER), 'cells', source, str(axes_file)],
            }

    results = {}
    for query in evaldb:
        times = {'evaldb': []}
        for trial in range(args.trials):
            times['evaldb'].append(timed(evaldb[query], env))
            for label, argvs in peers.items():
                if label == 'DuckDB over the JSONL' and trial >= 2:
                    continue  # seconds a trial: two are enough
                times.setdefault(label, []).append(timed(argvs[query]))
        results[query] = {k: statistics.median(v) for k, v in times.items()}

    header = f'{"query":10} {"evaldb":>8} {"target":>7}'
    for label in peers:
        header += f' {label:>22} {"ratio":>6}'
    print(header)
    for query, medians in results.items():
        ours = medians['evaldb']
        row = f'{query:10} {ours:8.3f} {"ok" if ours < TARGETS[query] else "MISSED":>7}'
        for label in peers:
            row += f' {medians[label]:22.3f} {medians[label] / ours:5.1f}x'
        print(row)
    if peers:
        print('ratio: the peer\'s time over evaldb\'s (above 1: evaldb is faster)')

    timed([str(EVALDB), 'import', str(following)], env)
    refresh = timed(evaldb['count'], env)
    again = timed(evaldb['count'], env)
    print(f'after importing the next version: first count {refresh:.2f} s (refreshes the index), then {again:.3f} s')
    size = sum(Path(str(db) + s).stat().st_size for s in ('', '-wal') if Path(str(db) + s).exists())
    print(f'database with both versions and the index {size / 1e9:.2f} GB = {size / data.stat().st_size:.2f}x the first JSONL')


main()
