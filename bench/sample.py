#!/usr/bin/env python3
"""evaldb sample on a large trace file, side by side with `wc -l` and `sha256sum` of the same file.

  python3 bench/sample.py                    # 2,000,000 traces of about 1 KB (about 2 GB), 3 trials
  python3 bench/sample.py --n 200000 --trials 3
  python3 bench/sample.py --binary path/to/evaldb   # skip the build

Generates plain traces (bench/data/traces-N.jsonl, git-ignored; kept for the next run): a trace id,
a session of about four traces, a timestamp, an input of about 600 bytes, an output of about 250,
and attributes (intent, model, tier, latency). Builds evaldb in release mode
(`swift build -c release --scratch-path .build-sample-release`), imports the repository's sample
dataset into a fresh database (so that deduplication has inputs to check), and times whole
processes, each on a fresh copy of that database (medians of the trials):

  wc -l FILE
  sha256sum FILE
  evaldb sample FILE --uniform 200
  evaldb sample FILE --stratum refund:attributes.intent=refund --quota refund=50 --uniform 150

Prints the wall time, the throughput in MB/s, the peak RSS of the process (/usr/bin/time's %M, else
getrusage of the child), and each ratio to sha256sum. Targets (issue 17): faster than
sha256sum; peak memory flat in the file's size and under 50 MB.
"""
import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / 'bench' / 'data'
SCRATCH = '.build-sample-release'

WORDS = ('table booking tonight tomorrow friday refund order menu vegan gluten dessert wine terrace '
         'parking birthday party cancel change time people guests allergy window quiet kids dog '
         'deposit payment card receipt late early opening hours address delivery').split()


def generate(path, n, seed=17):
    """Writes n plain traces of about 1 KB to path (atomically)."""
    rng = random.Random(seed)
    intents = ['booking'] * 6 + ['refund', 'menu', 'hours', 'other']
    models = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet']
    temporary = path.with_suffix('.partial')
    with open(temporary, 'w') as out:
        session, left = 0, 0
        for i in range(n):
            if left == 0:
                session, left = session + 1, rng.randint(1, 7)
            left -= 1
            text = ' '.join(rng.choice(WORDS) for _ in range(100))
            answer = ' '.join(rng.choice(WORDS) for _ in range(40))
            trace = {
                'trace_id': '%032x' % rng.getrandbits(128),
                'session_id': 's-%d' % session,
                'timestamp': '2026-04-%02dT%02d:%02d:00Z' % (1 + i % 28, i % 24, i % 60),
                'input': [{'role': 'system', 'content': 'You are the booking assistant of a restaurant.'},
                          {'role': 'user', 'content': text[:600]}],
                'output': answer[:250],
                'attributes': {'intent': rng.choice(intents), 'model': rng.choice(models),
                               'tier': 'vip' if i % 23 == 0 else 'standard', 'latency_ms': rng.randint(200, 9000)},
            }
            out.write(json.dumps(trace) + '\n')
    temporary.rename(path)


def run(argv, cwd, env):
    """Wall time and peak RSS (KiB) of one process: from /usr/bin/time when there is one (the
    process alone), else from getrusage in a Python parent of its own (which may count the parent's
    size at the fork: a floor of about 10 MiB)."""
    if os.path.exists('/usr/bin/time'):
        start = time.perf_counter()
        result = subprocess.run(['/usr/bin/time', '-f', 'peak %M'] + [str(a) for a in argv], cwd=cwd, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f'failed: {" ".join(map(str, argv))}\n{result.stderr}')
        peak = [line for line in result.stderr.splitlines() if line.startswith('peak ')][-1]
        return wall, int(peak.split()[1])
    probe = ('import resource, subprocess, sys, time\n'
             'start = time.perf_counter()\n'
             'code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n'
             'wall = time.perf_counter() - start\n'
             'if code.returncode != 0: sys.exit(code.stderr.decode() or str(code.returncode))\n'
             'print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n')
    result = subprocess.run([sys.executable, '-c', probe] + [str(a) for a in argv], cwd=cwd, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f'failed: {" ".join(map(str, argv))}\n{result.stderr}')
    wall, rss = result.stdout.split()
    return float(wall), int(rss)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--n', type=int, default=2_000_000, help='traces in the file (default 2,000,000)')
    parser.add_argument('--trials', type=int, default=3)
    parser.add_argument('--binary', help='an evaldb binary (default: build one in release mode)')
    args = parser.parse_args()

    DATA.mkdir(parents=True, exist_ok=True)
    traces = DATA / f'traces-{args.n}.jsonl'
    if not traces.exists():
        print(f'generating {args.n:,} traces into {traces} ...', flush=True)
        generate(traces, args.n)
    size = traces.stat().st_size
    print(f'{traces}: {args.n:,} traces, {size / 1e6:,.0f} MB ({size / args.n:,.0f} bytes a trace)')

    if args.binary:
        evaldb = Path(args.binary).resolve()
    else:
        subprocess.run(['swift', 'build', '-c', 'release', '--scratch-path', SCRATCH, '--product', 'evaldb'], cwd=ROOT, check=True)
        evaldb = ROOT / SCRATCH / 'release' / 'evaldb'

    work = Path(tempfile.mkdtemp(prefix='evaldb-sample-bench-'))
    try:
        env = dict(os.environ, EVALDB_DB=str(work / 'base.sqlite'))
        subprocess.run([evaldb, 'import', ROOT / 'evals' / 'data' / 'v0' / 'golden.jsonl'], cwd=work, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        commands = {
            'wc -l': ['wc', '-l', traces],
            'sha256sum': ['sha256sum', traces],
            'evaldb sample --uniform 200': [evaldb, 'sample', traces, '--uniform', '200'],
            'evaldb sample, 2 strata': [evaldb, 'sample', traces, '--stratum', 'refund:attributes.intent=refund',
                                        '--quota', 'refund=50', '--uniform', '150'],
        }
        results = {}
        for trial in range(args.trials):
            for name, argv in commands.items():
                database = work / f'run-{trial}.sqlite'
                shutil.copyfile(work / 'base.sqlite', database)
                wall, rss = run(argv, work, dict(env, EVALDB_DB=str(database)))
                results.setdefault(name, []).append((wall, rss))
                database.unlink()
                print(f'  trial {trial + 1}: {name}: {wall:.2f} s, {rss / 1024:.1f} MiB', flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    baseline = statistics.median(w for w, _ in results['sha256sum'])
    print(f'\nmedians of {args.trials} trials, {size / 1e6:,.0f} MB:')
    print(f'{"command":<30} {"wall":>8} {"MB/s":>8} {"peak RSS":>10} {"vs sha256sum":>13}')
    summary = {}
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        rss = max(r for _, r in runs) / 1024
        summary[name] = {'wall_s': wall, 'mb_per_s': size / 1e6 / wall, 'peak_rss_mib': rss, 'ratio_to_sha256sum': wall / baseline}
        print(f'{name:<30} {wall:>7.2f}s {size / 1e6 / wall:>8.0f} {rss:>8.1f} MiB {wall / baseline:>12.2f}')
    out = ROOT / 'bench' / 'out'
    out.mkdir(exist_ok=True)
    (out / f'sample-{args.n}.json').write_text(json.dumps({'traces': args.n, 'bytes': size, 'results': summary}, indent=1) + '\n')
    evaldb_wall = summary['evaldb sample --uniform 200']['wall_s']
    evaldb_rss = max(summary[k]['peak_rss_mib'] for k in summary if k.startswith('evaldb'))
    print(f'\ntarget faster than sha256sum: {"met" if evaldb_wall < baseline else "NOT met"}; '
          f'peak memory under 50 MB: {"met" if evaldb_rss < 50 else "NOT met"} ({evaldb_rss:.1f} MiB)')


if __name__ == '__main__':
    main()
