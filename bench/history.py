#!/usr/bin/env python3
"""History queries on a large database: log, show and blame of one id, and diff of two versions.

  python3 bench/history.py                  # 1,000,000 examples across 10 versions
  python3 bench/history.py --n 100000 --versions 5

Makes the versions with bench/gen_dataset.py (each next one from the last with
--mutate-from: 5% changed, 1% removed, 2% added) into bench/data/ (kept between runs), imports
them all into one database (release build), then times in one run:

  log / show / blame of 1,000 random ids    in process (evaldb-history-bench): median and p99, ms
  evaldb diff N-1 N                         vs  diff -u of the two files   (whole processes, medians)
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
GEN = ROOT / 'bench' / 'gen_dataset.py'
DATA = ROOT / 'bench' / 'data'
OUT = ROOT / 'bench' / 'out'
RELEASE = ROOT / '.build' / 'release'


def versions_of(n, count):
    name = f'{n // 1000}k' if n < 1_000_000 else f'{n // 1_000_000}m'
    files = [DATA / f'{name}.jsonl'] + [DATA / f'{name}.h{v}.jsonl' for v in range(2, count + 1)]
    DATA.mkdir(parents=True, exist_ok=True)
    if not files[0].exists():
        with open(files[0], 'wb') as f:
            subprocess.run([sys.executable, GEN, '--n', str(n), '--seed', '1'], stdout=f, check=True)
    for previous, path in zip(files, files[1:]):
        if not path.exists():
            print(f'generating {path.name} ...', file=sys.stderr)
            with open(path, 'wb') as f:
                subprocess.run([sys.executable, GEN, '--mutate-from', previous, '--seed', str(files.index(path) + 1),
                                '--change-frac', '0.05', '--delete-frac', '0.01', '--add-frac', '0.02'],
                               stdout=f, check=True)
    return files


def wall(argv, trials=3):
    times = []
    for _ in range(trials):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=argv[0] != 'diff')
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--n', type=int, default=1_000_000)
    parser.add_argument('--versions', type=int, default=10)
    args = parser.parse_args()
    subprocess.run(['swift', 'build', '-c', 'release', '--product', 'evaldb'], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(['swift', 'build', '-c', 'release', '--product', 'evaldb-history-bench'], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    files = versions_of(args.n, args.versions)
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / 'history.sqlite'
    for suffix in ('', '-wal', '-shm'):
        Path(str(db) + suffix).unlink(missing_ok=True)
    env = dict(os.environ, EVALDB_DB=str(db))
    for path in files:
        subprocess.run([str(RELEASE / 'evaldb'), 'import', str(path), '--author', 'bench'], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    queries = json.loads(subprocess.run([str(RELEASE / 'evaldb-history-bench'), str(db), '1000'], check=True,
                                        capture_output=True, text=True).stdout)
    last = len(files)
    ours = wall([str(RELEASE / 'evaldb'), 'diff', str(last - 1), str(last), '--db', str(db)])
    theirs = wall(['diff', '-u', str(files[-2]), str(files[-1])])
    print(f'\n## {args.n:,} examples across {last} versions\n')
    print('| query (1,000 random ids, in process) | median ms | p99 ms | target |')
    print('|---|---|---|---|')
    for name in ('log', 'show', 'blame'):
        q = queries['queries'][name]
        print(f'| {name} | {q["median_ms"]:.2f} | {q["p99_ms"]:.2f} | < 10 ms: {"yes" if q["median_ms"] < 10 else "NO"} |')
    print(f'\n| diff of versions {last - 1} and {last} | s |\n|---|---|')
    print(f'| evaldb diff {last - 1} {last} | {ours:.2f} |')
    print(f'| diff -u of the two files | {theirs:.2f} |')
    print(f'| ratio | {ours / theirs:.2f} (target ≤ 1: {"yes" if ours <= theirs else "NO"}) |')


if __name__ == '__main__':
    main()
