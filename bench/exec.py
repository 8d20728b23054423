#!/usr/bin/env python3
"""evaldb run exec through a trivial command, side by side with xargs -P starting the same
processes (the floor), and the streaming worker mode through a trivial worker.

  python3 bench/exec.py                          # 10,000 examples; the worker mode on 10k, 100k and 200k
  python3 bench/exec.py --n 10000 --worker-n 10000,100000,200000 --jobs 8 --worker-jobs 2 --trials 3
  python3 bench/exec.py --binary path/to/evaldb  # skip the build

Generates the datasets with bench/gen_dataset.py (bench/data/, git-ignored, kept for the next
run), imports each once into a database, then times whole processes, each run against a fresh
copy of that database (medians of --trials):

  floor    xargs -P JOBS -n 1 cat FILE   one `cat` a record (each record in a file of its own,
                                          written beforehand), output to /dev/null
  exec     evaldb run exec --jobs JOBS -- cat
                                          one `cat` a record, fed the record on standard input;
                                          each output read, graded (exact), kept in the partial
                                          run as it finishes, then the run recorded
  worker   evaldb run exec --worker --jobs WORKER_JOBS -- cat
                                          one `cat` a job, the records streamed through it (each
                                          output is the whole record echoed, about 1 KB)
  worker   evaldb run exec --worker --jobs WORKER_JOBS -- python3 small.py
                                          one trivial Python worker a job answering each record with
                                          {"answer": "ok"} (an answer the size of a short reply)

Prints wall time, examples a second, peak RSS (/usr/bin/time's %M), the ratio of exec to the
floor, and the load average before the runs. Targets (issue 24): exec at most 1.2x the floor;
the worker mode 50,000 examples a second or more; peak memory flat in the number of examples.
"""
import argparse
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from record import run  # wall seconds and peak RSS of one process (bench/record.py)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / 'bench' / 'data'
SCRATCH = '.build-exec-release'


def dataset(n):
    path = DATA / f'exec-{n}.jsonl'
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        with open(path.with_suffix('.partial'), 'w') as out:
            subprocess.run([sys.executable, ROOT / 'bench' / 'gen_dataset.py', '--n', str(n), '--seed', '24'], stdout=out, check=True)
        path.with_suffix('.partial').rename(path)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--n', type=int, default=10_000, help='examples for exec against the floor')
    parser.add_argument('--worker-n', default='10000,100000,200000', help='examples for the worker mode (comma-separated sizes)')
    parser.add_argument('--jobs', type=int, default=8, help='jobs of exec and of the floor')
    parser.add_argument('--worker-jobs', type=int, default=os.cpu_count(), help='workers of the worker mode (default: one a core)')
    parser.add_argument('--trials', type=int, default=3)
    parser.add_argument('--binary', help='an evaldb binary (default: build one in release mode)')
    args = parser.parse_args()
    if not os.path.exists('/usr/bin/time'):
        sys.exit('bench/exec.py needs /usr/bin/time (Debian: apt-get install time)')
    binary = Path(args.binary).resolve() if args.binary else None
    if binary is None:
        subprocess.run(['swift', 'build', '-c', 'release', '--scratch-path', SCRATCH], cwd=ROOT, check=True)
        binary = ROOT / SCRATCH / 'release' / 'evaldb'
    worker_sizes = [int(size) for size in args.worker_n.split(',') if size]
    load = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix='evaldb-exec-') as work:
        work = Path(work)

        def database(n):
            base = work / f'base-{n}.sqlite'
            if not base.exists():
                subprocess.run([binary, 'import', dataset(n), '--db', base, '--author', 'bench'], check=True, stdout=subprocess.DEVNULL)
            return base

        def timed(label, n, argv_for):
            measured = []
            for trial in range(args.trials):
                copy = work / 'db' / 'copy.sqlite'
                shutil.rmtree(work / 'db', ignore_errors=True)
                (work / 'db').mkdir()
                shutil.copy(database(n), copy)  # untimed
                measured.append(run(argv_for(copy, trial), work))
            wall = statistics.median(w for w, _ in measured)
            peak = statistics.median(p for _, p in measured) / 1024
            rows.append((label, n, wall, peak))
            print(f'{label:<8} {n:>8,} examples  {wall:7.2f} s  {n / wall:>9,.0f} /s  peak {peak:,.0f} MiB', file=sys.stderr)
            return wall

        # The floor: one record a file, written beforehand (untimed).
        records = work / 'records'
        records.mkdir()
        paths = []
        with open(dataset(args.n)) as lines:
            for index, line in enumerate(lines):
                path = records / f'{index}.json'
                path.write_text(line)
                paths.append(str(path))
        (work / 'paths.txt').write_text('\n'.join(paths) + '\n')
        floor = []
        for _ in range(args.trials):
            start = time.perf_counter()
            with open(os.devnull, 'w') as null:
                subprocess.run(['xargs', '-P', str(args.jobs), '-n', '1', '-a', work / 'paths.txt', 'cat'], stdout=null, check=True)
            floor.append(time.perf_counter() - start)
        floor_wall = statistics.median(floor)
        rows.append(('floor', args.n, floor_wall, None))
        print(f'floor    {args.n:>8,} examples  {floor_wall:7.2f} s', file=sys.stderr)

        exec_wall = timed('exec', args.n, lambda db, trial: [binary, 'run', 'exec', '--name', f'e{trial}', '--jobs', str(args.jobs), '--db', db, '--', 'cat'])
        small = work / 'small.py'
        small.write_text('import sys\nfor line in sys.stdin:\n    sys.stdout.write(\'{"answer": "ok"}\\n\')\n    sys.stdout.flush()\n')
        for n in worker_sizes:
            timed('worker', n, lambda db, trial: [binary, 'run', 'exec', '--name', f'w{trial}', '--worker', '--jobs', str(args.worker_jobs), '--db', db, '--', 'cat'])
        for n in worker_sizes:
            timed('small', n, lambda db, trial: [binary, 'run', 'exec', '--name', f's{trial}', '--worker', '--jobs', str(args.worker_jobs), '--db', db,
                                                 '--', sys.executable, small])

    print(f'run exec, {datetime.date.today()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} before the runs, '
          f'{os.cpu_count()} cores, medians of {args.trials}')
    print('| program | examples | wall | examples/s | peak RSS | ratio to the floor |')
    print('|---|---|---|---|---|---|')
    for label, n, wall, peak in rows:
        program = {'floor': f'`xargs -P {args.jobs} -n 1 cat FILE`', 'exec': f'`run exec --jobs {args.jobs} -- cat`',
                   'worker': f'`run exec --worker --jobs {args.worker_jobs} -- cat`',
                   'small': f'`run exec --worker --jobs {args.worker_jobs} -- python3 small.py`'}[label]
        ratio = f'{wall / floor_wall:.2f}' if label in ('floor', 'exec') else ''
        print(f'| {program} | {n:,} | {wall:.2f} s | {n / wall:,.0f} | {"" if peak is None else f"{peak:,.0f} MiB"} | {ratio} |')
    print(f'exec / floor: {exec_wall / floor_wall:.2f} (target at most 1.2)')


if __name__ == '__main__':
    main()
