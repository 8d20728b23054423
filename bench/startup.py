#!/usr/bin/env python3
"""How long a command takes to start and answer a small read, side by side with the sqlite3 shell
reading the same rows of the same database file.

  python3 bench/startup.py                         # the sample dataset (evals/), 30 runs each
  python3 bench/startup.py --runs 100 --binary path/to/evaldb

Imports evals/data/v0/golden.jsonl into a fresh database (a temporary folder outside any git
repository), then times whole processes, one after another (the median and the 90th percentile of
--runs, after 3 warm-up runs each):

  evaldb version                       the floor of any command: load, parse the command line, print
  evaldb versions                      against: sqlite3 DB "SELECT … FROM versions"
  evaldb show ID                       against: sqlite3 DB "SELECT record FROM examples WHERE id = …"
  evaldb slice --where K=V --limit 5   against: sqlite3 DB "SELECT record FROM examples WHERE … LIMIT 5"
  evaldb run list                      against: sqlite3 DB "SELECT … FROM runs"

Each command and its sqlite3 read take turns, so that a busy moment of a shared machine falls on
both. Prints each median in milliseconds (wall, and CPU: user + system time) and its ratios to the
sqlite3 shell's (the floor). Target (issue 26): every one within 2x the shell's time for the same
read. Exits 1 when one is not.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 2.0


def run_once(argv, cwd, env):
    """Wall seconds and CPU seconds (user + system, from the kernel's accounting) of one run."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f'{" ".join(argv)} exited with {child.returncode}')
    return wall, usage.ru_utime + usage.ru_stime


def timed(ours, theirs, cwd, env, runs):
    """Medians (wall, CPU) and the wall 90th percentile of `runs` runs of each command, taking turns
    (ours, theirs, ours, …) after 3 warm-ups each, so that a busy moment of a shared machine falls
    on both."""
    for _ in range(3):
        run_once(ours, cwd, env)
        run_once(theirs, cwd, env)
    samples = {0: [], 1: []}
    for _ in range(runs):
        for side, argv in enumerate((ours, theirs)):
            samples[side].append(run_once(argv, cwd, env))

    def summary(values):
        walls = sorted(wall for wall, _ in values)
        return statistics.median(walls), walls[int(0.9 * (len(walls) - 1))], statistics.median(cpu for _, cpu in values)

    return summary(samples[0]), summary(samples[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--runs', type=int, default=30)
    parser.add_argument('--binary', help='an evaldb binary (default: build one in release mode)')
    args = parser.parse_args()
    sqlite3 = shutil.which('sqlite3')
    if not sqlite3:
        sys.exit('bench/startup.py needs the sqlite3 shell (script/bootstrap installs it)')
    binary = args.binary
    if binary is None:
        subprocess.run(['swift', 'build', '-c', 'release', '--product', 'evaldb'], cwd=ROOT, check=True)
        binary = ROOT / '.build' / 'release' / 'evaldb'
    binary = str(Path(binary).resolve())
    with tempfile.TemporaryDirectory(prefix='evaldb-startup-') as work:
        database = os.path.join(work, 'evaldb.sqlite')
        env = dict(os.environ, EVALDB_DB=database)
        subprocess.run([binary, 'import', str(ROOT / 'evals' / 'data' / 'v0' / 'golden.jsonl'), '--author', 'bench'],
                       cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
        first_id = subprocess.run([sqlite3, database, 'SELECT id FROM examples ORDER BY id LIMIT 1'],
                                  capture_output=True, text=True, check=True).stdout.strip()
        pairs = [
            ('version', [binary, 'version'], None),
            ('versions', [binary, 'versions'],
             [sqlite3, database, 'SELECT version, hash, created_at, author, examples, message FROM versions']),
            (f'show {first_id}', [binary, 'show', first_id],
             [sqlite3, database, f"SELECT record FROM examples WHERE id = '{first_id}'"]),
            ('slice --where feature=refund-request --limit 5', [binary, 'slice', '--where', 'feature=refund-request', '--limit', '5'],
             [sqlite3, database, "SELECT record FROM examples WHERE labels ->> '$.feature' = 'refund-request' LIMIT 5"]),
            ('run list', [binary, 'run', 'list'], [sqlite3, database, 'SELECT run, created_at, results FROM runs']),
        ]
        load = os.getloadavg()[0]
        rows, failed = [], False
        for name, ours, theirs in pairs:
            against = 'sqlite3, the same rows'
            if theirs is None:
                theirs, against = [sqlite3, database, 'SELECT 1'], 'sqlite3 DB "SELECT 1"'
            (median, p90, cpu), (floor, _, floor_cpu) = timed(ours, theirs, work, env, args.runs)
            ratio = median / floor
            failed |= ratio > TARGET
            rows.append(f'| `evaldb {name}` | {median * 1000:.1f} ms | {p90 * 1000:.1f} ms | {cpu * 1000:.1f} ms '
                        f'| {against}: {floor * 1000:.1f} ms, CPU {floor_cpu * 1000:.1f} ms '
                        f'| {ratio:.1f}x | {cpu / floor_cpu:.1f}x | {"yes" if ratio <= TARGET else "NO"} |')
    print(f'startup and small reads: medians of {args.runs} runs (load average {load:.1f}; target within {TARGET:g}x the sqlite3 shell)')
    print('| command | median | p90 | CPU | floor | ratio | CPU ratio | within target |')
    print('|---|---|---|---|---|---|---|---|')
    print('\n'.join(rows))
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
