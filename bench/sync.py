#!/usr/bin/env python3
"""`evaldb sync` on a fresh clone, next to `git clone` and to importing every version one by one.

  python3 bench/sync.py                                        # 100,000 examples, 50 commits, 20 runs, 3 trials
  python3 bench/sync.py --n 2000 --commits 5 --runs 2 --trials 1   # a quick check of the script

Builds evaldb in release mode into .build-bench/ when .build-bench/release/evaldb is missing
(`swift build -c release --scratch-path .build-bench`; --build rebuilds anyway), and the source
repository with bench/gen_sync_repo.py into bench/data/sync-repo-N-cC-rR/ (N examples, C commits of
the dataset with 5% of the examples changed in each, each imported before its commit so the team
log in evals/log/ is committed with it; every 10th commit starts a side branch of two commits
made in another clone while main changes other examples, then merged; then R recorded runs;
packed by `git gc`). The repository is kept between runs: building it takes minutes at the
defaults (--regenerate builds it again, as does a repository built by an older generator).

Then, for each trial, times whole processes (wall clock):

  git clone           git clone --no-hardlinks SRC CLONE (a local clone that copies the pack)
  first sync          evaldb sync in CLONE (no arguments: team log, dataset history, working tree, runs)
  second sync         evaldb sync again in CLONE, nothing new (target: under 0.2 s)
  one-by-one imports  the sum of `evaldb import FILE --db DB` over the V versions, parents first,
                      into a fresh database outside the clone; the files are extracted from git
                      with `git cat-file blob` beforehand, untimed

V, the versions the history holds, is the number of distinct dataset files (git blobs) at
evals/data/v0/golden.jsonl in the commits of `git log --all` — the C commits' datasets and the
merges' — plus the versions of the team log that no commit holds (none in this repository); it
must equal the count the generator recorded. After the first sync it checks the clone's answers: `evaldb versions --format
json` lists V versions and `evaldb run list --format json` R runs (it stops, loudly, when not). It
prints medians, ratios against the targets of issue 23 (first sync at most 5x `git clone` with a
peak under 500 MiB; a second sync under 0.2 s) as tables. Clones and extracted files live in a
temporary folder, removed at the end unless --keep. Machines here are shared and noisy: read the
medians and ratios, not single numbers.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'bench'))
import gen_sync_repo  # noqa: E402  (bench/gen_sync_repo.py, beside this file)

DATA = ROOT / 'bench' / 'data'
SCRATCH = ROOT / '.build-bench'
EVALDB = SCRATCH / 'release' / 'evaldb'
DATASET = gen_sync_repo.DATASET
SECOND_SYNC_TARGET = 0.2  # seconds
FIRST_SYNC_TARGET = 5.0  # times `git clone`
PEAK_TARGET = 500  # MiB: the first sync's peak RSS as wait4 reports it, the larger of evaldb's and any child's (git's)


def run(argv, cwd=None, stdout=None, env=None):
    """Runs argv; returns (wall seconds, peak RSS in MiB). The peak is wait4's: the largest of the
    process's own and of each child it waited for (git's), not their sum. Exits on failure."""
    start = time.perf_counter()
    with open(os.devnull, 'rb') as fin, open(stdout, 'wb') if stdout else open(os.devnull, 'wb') as fout:
        process = subprocess.Popen([str(a) for a in argv], cwd=cwd, stdin=fin, stdout=fout,
                                   stderr=subprocess.PIPE, env=env)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    err = process.stderr.read().decode(errors='replace')
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        out = Path(stdout).read_text(errors='replace') if stdout else ''
        sys.exit(f'failed ({code}) in {cwd or os.getcwd()}: {" ".join(map(str, argv))}\n{out}{err}')
    return wall, usage.ru_maxrss / 1024


def output(argv, cwd):
    result = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True)
    if result.returncode != 0:
        sys.exit(f'failed ({result.returncode}) in {cwd}: {" ".join(map(str, argv))}\n'
                 f'{result.stdout.decode(errors="replace")}{result.stderr.decode(errors="replace")}')
    return result.stdout.decode()


def build(force):
    if force or not EVALDB.exists():
        print(f'building evaldb into {SCRATCH.relative_to(ROOT)}/ ...', file=sys.stderr)
        subprocess.run(['swift', 'build', '-c', 'release', '--scratch-path', str(SCRATCH)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    if not EVALDB.exists():
        sys.exit(f'no evaldb at {EVALDB} after building')


def source_repo(n, commits, runs, regenerate):
    src = DATA / f'sync-repo-{n}-c{commits}-r{runs}'
    if regenerate or (src.exists() and not gen_sync_repo.is_complete(src, n, commits, runs)):
        shutil.rmtree(src)
    if not src.exists():
        print(f'building {src.relative_to(ROOT)} ({n:,} examples, {commits} commits, {runs} runs) ...', file=sys.stderr)
        DATA.mkdir(parents=True, exist_ok=True)
        # In a child process: this one stays small, and a child's peak RSS counts what it inherits at fork.
        subprocess.run([sys.executable, ROOT / 'bench' / 'gen_sync_repo.py', src, '--n', str(n), '--commits', str(commits),
                        '--runs', str(runs), '--evaldb', EVALDB], check=True)
        if not gen_sync_repo.is_complete(src, n, commits, runs):
            sys.exit(f'{src}: not built')
    return src


def dataset_blobs(src):
    """The distinct blobs of DATASET in the commits of every ref, parents first (merged branches too)."""
    commits = output(['git', 'rev-list', '--topo-order', '--reverse', '--all'], src).split()
    answer = subprocess.run(['git', 'cat-file', '--batch-check=%(objectname) %(objecttype)'], cwd=src, check=True,
                            input=''.join(f'{c}:{DATASET}\n' for c in commits).encode(), capture_output=True)
    blobs = []
    for line in answer.stdout.decode().splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] == 'blob' and fields[0] not in blobs:
            blobs.append(fields[0])
    return blobs


def extract_versions(src, work, blobs):
    """Each distinct dataset file, parents first, as files in work/versions/ (untimed)."""
    folder = work / 'versions'
    folder.mkdir()
    files, seconds = [], 0.0
    for k, blob in enumerate(blobs, 1):
        path = folder / f'v{k:03d}.jsonl'
        seconds += run(['git', 'cat-file', 'blob', blob], cwd=src, stdout=path)[0]
        files.append(path)
    return files, seconds


def count(argv, cwd, what, expected):
    items = json.loads(output(argv, cwd))
    if len(items) != expected:
        sys.exit(f'WRONG ANSWER in {cwd}: `{" ".join(map(str, argv[1:]))}` lists {len(items)} {what}, expected {expected}')


def trial(t, src, work, versions, runs, keep):
    """One pass: clone, first sync, second sync, one-by-one imports. Returns {name: (seconds, peak MiB)}."""
    clone = work / f'clone-{t}'
    r = {}
    r['git clone'] = run(['git', 'clone', '-q', '--no-hardlinks', src, clone])
    r['first sync'] = run([EVALDB, 'sync'], cwd=clone, stdout=work / f'sync-{t}-first.txt')
    count([EVALDB, 'versions', '--format', 'json'], clone, 'versions', len(versions))
    count([EVALDB, 'run', 'list', '--format', 'json'], clone, 'runs', runs)
    r['second sync'] = run([EVALDB, 'sync'], cwd=clone, stdout=work / f'sync-{t}-second.txt')
    # The peer: a fresh database outside the clone, and a folder outside any git repository.
    db = work / f'imports-{t}.sqlite'
    imports = [run([EVALDB, 'import', path, '--db', db, '--author', 'bench', '-m', path.stem], cwd=work)
               for path in versions]
    r['one-by-one imports'] = (sum(s for s, _ in imports), max(m for _, m in imports))
    count([EVALDB, 'versions', '--format', 'json', '--db', db], work, 'versions', len(versions))
    for suffix in ('', '-wal', '-shm'):
        Path(f'{db}{suffix}').unlink(missing_ok=True)
    if not keep:
        shutil.rmtree(clone)
    return r


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--n', type=int, default=100_000, help='examples in the dataset (default 100000)')
    parser.add_argument('--commits', type=int, default=50, help='commits of the dataset (default 50)')
    parser.add_argument('--runs', type=int, default=20, help='recorded runs (default 20)')
    parser.add_argument('--trials', type=int, default=3, help='trials; medians are reported (default 3)')
    parser.add_argument('--keep', action='store_true', help='keep the clones, the sync outputs and the extracted versions')
    parser.add_argument('--build', action='store_true', help='rebuild evaldb even when .build-bench has one')
    parser.add_argument('--regenerate', action='store_true', help='build the source repository again')
    args = parser.parse_args()
    build(args.build)
    src = source_repo(args.n, args.commits, args.runs, args.regenerate)
    work = Path(tempfile.mkdtemp(prefix='evaldb-sync-bench-'))
    done = False
    try:
        made = gen_sync_repo.marker(src)
        blobs = dataset_blobs(src)
        if len(blobs) != made['versions']:
            sys.exit(f'{src}: {len(blobs)} distinct datasets in `git log --all`, the generator made {made["versions"]}')
        merges = len(made['merges'])
        versions, extract_seconds = extract_versions(src, work, blobs)
        trials = []
        for t in range(1, args.trials + 1):
            print(f'trial {t}/{args.trials}', file=sys.stderr)
            trials.append(trial(t, src, work, versions, args.runs, args.keep))
        names = list(trials[0])
        med = {k: statistics.median(r[k][0] for r in trials) for k in names}
        peak = {k: max(r[k][1] for r in trials) for k in names}
        pack = sum(p.stat().st_size for p in (src / '.git' / 'objects' / 'pack').glob('*.pack'))
        size = (src / DATASET).stat().st_size
        print(f'\n## evaldb sync: {args.n:,} examples ({size / 1e6:,.1f} MB JSONL), {args.commits} commits '
              f'(5% changed each; {2 * merges} of them on {merges} merged side branches), {len(versions)} versions, '
              f'{args.runs} runs; git pack {pack / 1e6:,.1f} MB; medians of {args.trials} trials\n')
        print('| operation | median s | min s | max s | peak MiB |')
        print('|---|---|---|---|---|')
        for k in names:
            values = [r[k][0] for r in trials]
            print(f'| {k} | {med[k]:.3f} | {min(values):.3f} | {max(values):.3f} | {peak[k]:.0f} |')
        print(f'| (untimed above: `git cat-file blob` of the {len(versions)} versions, once, one process each) '
              f'| {extract_seconds:.3f} | | | |')

        def verdict(ok):
            return 'PASS' if ok else '**FAIL**'
        first = med['first sync'] / med['git clone']
        second = med['second sync']
        print('\n| ratio | value | target | met |')
        print('|---|---|---|---|')
        print(f'| first sync / git clone | {first:.2f} | at most {FIRST_SYNC_TARGET:g} | {verdict(first <= FIRST_SYNC_TARGET)} |')
        print(f'| first sync peak (max of trials) | {peak["first sync"]:.0f} MiB | under {PEAK_TARGET} MiB '
              f'| {verdict(peak["first sync"] < PEAK_TARGET)} |')
        print(f'| second sync / {SECOND_SYNC_TARGET} s | {second / SECOND_SYNC_TARGET:.2f} | under 1 '
              f'| {verdict(second < SECOND_SYNC_TARGET)} |')
        print(f'| first sync / one-by-one imports | {med["first sync"] / med["one-by-one imports"]:.2f} | | |')
        print(f'\nfirst sync / (5 x git clone) = {first / FIRST_SYNC_TARGET:.1f}: '
              f'the target is a first sync of at most {FIRST_SYNC_TARGET * med["git clone"]:.2f} s here')
        print(f'answers after the first sync in each clone: {len(versions)} versions, {args.runs} runs (checked)')
        if 'merge_log_commits' in made:
            print(f'merges: {merges}; syncs after them that wrote to the team log (a version no commit holds, '
                  f'a change set a fresh clone can apply): {made["merge_log_commits"]}')
        print(f'clone: `git clone --no-hardlinks` of {src.relative_to(ROOT)} (local, copies the pack)')
        print('\nfirst sync, trial 1, last lines of its output:')
        for line in (work / 'sync-1-first.txt').read_text(errors='replace').splitlines()[-3:]:
            print(f'    {line}')
        done = True
    finally:
        if args.keep or not done:
            print(f'kept {work}', file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
