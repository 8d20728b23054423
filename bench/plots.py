#!/usr/bin/env python3
"""Per-slice comparisons and trends at scale: `compare --by` over many slices, `trend` over many runs.

  python3 bench/plots.py                           # 1,000,000 examples in 200 slices; 100 runs of 10,000
  python3 bench/plots.py --n 100000 --runs 20      # smaller
  python3 bench/plots.py --binary path/to/evaldb   # skip the release build
  python3 bench/plots.py --keep /tmp/evaldb-plots  # keep the databases for the next run (outside any git
                                                   # repository: a run recorded there joins its team log)

Generates (bench/data/, git-ignored, kept for the next run) a dataset of N compact examples whose
label `slice` takes 200 values, and two runs' results on it: the base passes 85% of the examples,
2% of the examples flip each way (no difference) except in slice s013, where the candidate also
fails 30% of the examples the base passed (a real regression among 200 slices). A second project holds a dataset of 10,000 examples
(label `feature`, 8 values) and 100 runs of it recorded one after another, on two dataset versions.
Then it times whole processes (medians of the trials), with their peak RSS (/usr/bin/time's %M):

  evaldb compare base candidate --by slice --budget 2 --format json
  evaldb compare base candidate --by slice --budget 2 --plot compare.svg --format markdown
  evaldb trend --format json
  evaldb trend --by feature --plot trend.svg

Target (issue 27): each under a second and under 150 MiB. Exits 1 when one is not.
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
SECONDS, MIB = 1.0, 150


def example(number, labels):
    return json.dumps({'author': '@bench', 'context': None, 'created_at': '2026-01-01', 'expected_output': 'ok',
                       'id': f'ex-{number:07d}', 'input': f'question {number}', 'labels': labels, 'notes': None,
                       'source': 'synth'}, sort_keys=True)


def write(path, lines):
    """`lines` to `path`, atomically (kept for the next run)."""
    partial = path.with_suffix('.partial')
    with open(partial, 'w') as out:
        for line in lines:
            out.write(line + '\n')
    partial.rename(path)


def compare_data(n, slices):
    """The dataset and the two runs' results of the comparison; their paths."""
    dataset, base, candidate = (DATA / f'plots-{n}-{slices}{suffix}.jsonl' for suffix in ('', '.base', '.candidate'))
    if not (dataset.exists() and base.exists() and candidate.exists()):
        rng = random.Random(27)
        write(dataset, (example(i, {'slice': f's{i % slices:03d}'}) for i in range(n)))
        outcomes = []
        for i in range(n):
            # 2% of the examples flip each way (4% discordant, no difference) ...
            passed = rng.random() < 0.85
            flipped = passed != (rng.random() < (0.02 / 0.85 if passed else 0.02 / 0.15))
            # ... except in slice s013, where the candidate also fails 30% of what the base passed.
            if i % slices == 13 and passed and rng.random() < 0.3:
                flipped = False
            outcomes.append((passed, flipped))
        write(base, (json.dumps({'id': f'ex-{i:07d}', 'pass': p}) for i, (p, _) in enumerate(outcomes)))
        write(candidate, (json.dumps({'id': f'ex-{i:07d}', 'pass': c}) for i, (_, c) in enumerate(outcomes)))
    return dataset, base, candidate


def run(argv, cwd):
    """Wall seconds, peak RSS (KiB) and standard output of one process."""
    start = time.perf_counter()
    result = subprocess.run(['/usr/bin/time', '-f', 'peak %M'] + [str(a) for a in argv], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if result.returncode not in (0, 1, 3):
        sys.exit(f'{" ".join(map(str, argv))} failed ({result.returncode}): {result.stderr}')
    peak = [line for line in result.stderr.splitlines() if line.startswith('peak ')][-1]
    return wall, int(peak.split()[1]), result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--n', type=int, default=1_000_000, help='examples of the comparison')
    parser.add_argument('--slices', type=int, default=200)
    parser.add_argument('--runs', type=int, default=100, help='runs of the trend')
    parser.add_argument('--run-examples', type=int, default=10_000, help='examples of each run of the trend')
    parser.add_argument('--trials', type=int, default=3)
    parser.add_argument('--binary', help='an evaldb binary (default: build one in release mode)')
    parser.add_argument('--keep', help='a folder for the databases, kept and reused by the next run (default: a temporary one)')
    args = parser.parse_args()
    if not os.path.exists('/usr/bin/time'):
        sys.exit('bench/plots.py needs /usr/bin/time (Debian: apt-get install time)')
    binary = args.binary
    if binary is None:
        subprocess.run(['swift', 'build', '-c', 'release'], cwd=ROOT, check=True)
        binary = ROOT / '.build' / 'release' / 'evaldb'
    binary = Path(binary).resolve()
    DATA.mkdir(parents=True, exist_ok=True)
    dataset, base, candidate = compare_data(args.n, args.slices)

    with tempfile.TemporaryDirectory(prefix='evaldb-plots-') as temporary:
        work = Path(args.keep or temporary).resolve()
        work.mkdir(parents=True, exist_ok=True)
        env_db = ['--db', work / 'compare.sqlite']
        trend_db = ['--db', work / 'trend.sqlite']
        if not (work / 'ready').exists():
            make_databases(args, binary, work, env_db, trend_db, dataset, base, candidate)
            (work / 'ready').touch()

        commands = {
            f'compare --by slice ({args.n:,} examples, {args.slices} slices), json':
                [binary, 'compare', 'base', 'candidate', '--by', 'slice', '--budget', '2', '--format', 'json', *env_db],
            'compare --by slice --plot, markdown':
                [binary, 'compare', 'base', 'candidate', '--by', 'slice', '--budget', '2', '--plot', 'compare.svg', '--format', 'markdown', *env_db],
            f'trend ({args.runs} runs of {args.run_examples:,}), json': [binary, 'trend', '--format', 'json', *trend_db],
            'trend --by feature --plot': [binary, 'trend', '--by', 'feature', '--plot', 'trend.svg', *trend_db],
        }
        rows, failed = [], False
        for name, argv in commands.items():
            measured = [run(argv, work) for _ in range(args.trials)]
            wall = statistics.median(w for w, _, _ in measured)
            peak = statistics.median(p for _, p, _ in measured) / 1024
            ok = wall < SECONDS and peak < MIB
            failed |= not ok
            rows.append(f'| {name} | {wall:.3f} s | {peak:,.0f} MiB | {"yes" if ok else "NO"} |')
            if 'json' in name and name.startswith('compare'):
                control = json.loads(measured[0][2])['slice_control']
                print(f'compare named as regressed: {control["regressed"]} of {control["compared"]} slices', file=sys.stderr)
    print(f'per-slice comparison and trend: medians of {args.trials} trials (target: under {SECONDS:g} s and {MIB} MiB)')
    print('| command | wall | peak RSS | within target |')
    print('|---|---|---|---|')
    print('\n'.join(rows))
    sys.exit(1 if failed else 0)


def make_databases(args, binary, work, env_db, trend_db, dataset, base, candidate):
    """The comparison's database (two runs) and the trend's (runs on two versions), in `work`."""
    work = Path(work)
    setup = time.perf_counter()
    subprocess.run([binary, 'import', dataset, *env_db, '--author', 'bench'], check=True, stdout=subprocess.DEVNULL, cwd=work)
    for name, path in (('base', base), ('candidate', candidate)):
        subprocess.run([binary, 'run', 'record', path, '--name', name, '--dataset', 'sha256:' + sha256(dataset), *env_db],
                       check=True, stdout=subprocess.DEVNULL, cwd=work)
    small = work / 'small.jsonl'
    features = ['booking', 'refund', 'policy', 'hours', 'cancel', 'menu', 'allergy', 'events']
    lines = [example(i, {'feature': features[i % len(features)]}) for i in range(args.run_examples)]
    small.write_text('\n'.join(lines) + '\n')
    subprocess.run([binary, 'import', small, *trend_db, '--author', 'bench'], check=True, stdout=subprocess.DEVNULL, cwd=work)
    rng = random.Random(5)
    for number in range(args.runs):
        if number == args.runs // 2:  # a second dataset version half way
            lines[0] = lines[0].replace('"expected_output": "ok"', '"expected_output": "fine"')
            small.write_text('\n'.join(lines) + '\n')
            subprocess.run([binary, 'import', small, *trend_db, '--author', 'bench'], check=True, stdout=subprocess.DEVNULL, cwd=work)
        rate = 0.7 + 0.2 * number / max(1, args.runs)
        results = work / 'results.jsonl'
        results.write_text(''.join(json.dumps({'id': f'ex-{i:07d}', 'pass': rng.random() < rate}) + '\n'
                                   for i in range(args.run_examples)))
        subprocess.run([binary, 'run', 'record', results, '--name', f'run-{number:03d}', '--dataset-file', small, *trend_db],
                       check=True, stdout=subprocess.DEVNULL, cwd=work)
    print(f'setup (generate, import, record): {time.perf_counter() - setup:.0f} s', file=sys.stderr)


def sha256(path):
    import hashlib
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for chunk in iter(lambda: file.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


if __name__ == '__main__':
    main()
