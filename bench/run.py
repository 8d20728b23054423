#!/usr/bin/env python3
"""evaldb against its peers, side by side in one run.

  python3 bench/run.py                      # 100,000 and 1,000,000 examples, 3 trials each
  python3 bench/run.py --n 100000           # one size
  python3 bench/run.py --sizes 100000 --trials 5
  python3 bench/run.py --n 1000000 --next-version-only    # the next version alone, both peers on copies
  python3 bench/run.py --n 3000000 --memory-only          # peak memory of each command, once
  python3 bench/run.py --data /tmp/d --out /tmp/o ...     # big files elsewhere than bench/

Everything it uses is in the repository: it generates the datasets (and a mutated next version:
5% changed, 1% removed, 2% added) with bench/gen_dataset.py into bench/data/ (kept between runs),
builds evaldb in release mode, then, for each trial and in one run, times whole processes, the
peers being the scripts of bench/peers/:

  first import        evaldb import       vs  py_reference.py import, sqlite3_shell_lines.sh (write floor)
  unchanged re-import evaldb import       vs  py_reference.py import, sha256sum
  next version        evaldb import       vs  py_reference.py import
  export              evaldb export -o    vs  sqlite3 shell running queries/export_reference.sql

and prints medians, ratios against the spec's targets, peak memory and database size. Needs
swift, python3, the sqlite3 shell and sha256sum.

--next-version-only imports the first file once into a database for each (untimed), then in each
trial copies those databases (untimed) and times evaldb's and py_reference's import of the next
version on the copies, one after the other (taking turns going first; the file and the database
read into the page cache before each): the next version's ratio without the first imports' time,
on the same database state.

--memory-only runs each command once on a fresh database and reports its peak RSS (the target:
under 150 MiB whatever the size, e.g. at 3,000,000 examples): validate, first import, the first
query (`slice --where feature=refund`, which builds the slice index), next version, a slice after
it (the index brought up to date), counts by two keys, diff, sql through the views, verify, two runs recorded
(a result an example, generated beside the data), report and compare by feature, export; and the
peers' (py_reference's imports, the sqlite3 shell's export) beside them (--no-peers leaves them
out).

Every report starts with the date (UTC) and the machine's load average.
Machines here are shared and noisy: read the medians and ratios, not single numbers.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GEN = ROOT / 'bench' / 'gen_dataset.py'
PEERS = ROOT / 'bench' / 'peers'
DATA = ROOT / 'bench' / 'data'
OUT = ROOT / 'bench' / 'out'
EVALDB = ROOT / '.build' / 'release' / 'evaldb'  # or under --scratch-path


def run(argv, stdin=None, stdout=None, env=None, cwd=None):
    """Runs argv; returns (wall seconds, peak RSS in MiB) of that process alone."""
    return run_measured(argv, stdin, stdout, env, cwd)[:2]


def run_measured(argv, stdin=None, stdout=None, env=None, cwd=None):
    """Runs argv; returns (wall seconds, peak RSS in MiB, CPU seconds: user + system, system
    seconds alone) of that process alone."""
    start = time.perf_counter()
    with open(stdin, 'rb') if stdin else open(os.devnull, 'rb') as fin, \
            open(stdout, 'wb') if stdout else open(os.devnull, 'wb') as fout:
        process = subprocess.Popen(argv, stdin=fin, stdout=fout, stderr=subprocess.PIPE, env=env, cwd=cwd)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    err = process.stderr.read().decode(errors='replace')
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f'failed ({os.waitstatus_to_exitcode(status)}): {" ".join(map(str, argv))}\n{err}')
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, usage.ru_stime


def remove_db(path):
    for suffix in ('', '-wal', '-shm', '-journal'):
        Path(str(path) + suffix).unlink(missing_ok=True)


def db_size(path):
    return sum(Path(str(path) + s).stat().st_size for s in ('', '-wal') if Path(str(path) + s).exists())


def machine():
    load = os.getloadavg()
    return (f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} '
            f'on {os.cpu_count()} CPUs')


def generate(n):
    name = f'{n // 1000}k' if n < 1_000_000 else f'{n // 1_000_000}m'
    first, following = DATA / f'{name}.jsonl', DATA / f'{name}.next.jsonl'
    DATA.mkdir(parents=True, exist_ok=True)
    for path, argv in ((first, ['--n', str(n), '--seed', '1']),
                       (following, ['--mutate-from', str(first), '--seed', '1', '--change-frac', '0.05',
                                    '--delete-frac', '0.01', '--add-frac', '0.02'])):
        if path.exists():
            continue
        print(f'generating {path.name} ...', file=sys.stderr)
        partial = path.with_name(path.name + '.partial')  # an interrupted run leaves no short file behind
        with open(partial, 'wb') as f:
            subprocess.run([sys.executable, str(GEN)] + argv, stdout=f, check=True)
        partial.replace(path)
    return first, following


def sha256_of(path):
    """Streamed, so that this process stays small: a child's peak RSS counts what it inherits at fork."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def warm(*paths):
    for path in paths:
        with open(path, 'rb') as f:
            while f.read(1 << 24):
                pass


def trial(first, following):
    """One pass over every measured operation; returns {name: (seconds, peak MiB)} and sizes."""
    OUT.mkdir(parents=True, exist_ok=True)
    ev_db, ref_db, floor_db = OUT / 'evaldb.sqlite', OUT / 'reference.sqlite', OUT / 'floor.sqlite'
    for db in (ev_db, ref_db, floor_db):
        remove_db(db)
    env = dict(os.environ, EVALDB_DB=str(ev_db))
    ev = [str(EVALDB), 'import', '--author', 'bench']
    ref = [sys.executable, str(PEERS / 'py_reference.py'), 'import', str(ref_db)]
    r = {}
    warm(first, following)
    r['evaldb first import'] = run(ev + [str(first)], env=env)
    sizes = {'jsonl': first.stat().st_size, 'evaldb db': db_size(ev_db)}
    r['py_reference first import'] = run(ref + [str(first)])
    r['write floor (sqlite3_shell_lines)'] = run(['sh', str(PEERS / 'sqlite3_shell_lines.sh'), str(floor_db), str(first)])
    r['evaldb unchanged re-import'] = run(ev + [str(first)], env=env)
    r['py_reference unchanged re-import'] = run(ref + [str(first)])
    r['sha256sum'] = run(['sha256sum', str(first)])
    r['evaldb next version'] = run(ev + [str(following)], env=env)
    r['py_reference next version'] = run(ref + [str(following)])
    sizes['evaldb db after next'] = db_size(ev_db)
    # export -o first checks a file it would replace (it keeps lines no version holds): the dump
    # alone is timed, into a new file, as the shell's is. Each export starts with nothing of the
    # imports' left to write and its database read into the page cache (the other files of a run
    # can push it out).
    (OUT / 'evaldb-export.jsonl').unlink(missing_ok=True)
    subprocess.run(['sync'], check=False)
    warm(ev_db)
    r['evaldb export'] = run([str(EVALDB), 'export', '-o', str(OUT / 'evaldb-export.jsonl')], env=env)
    subprocess.run(['sync'], check=False)
    warm(ref_db)
    r['sqlite3 export_reference.sql'] = run(['sqlite3', str(ref_db)], stdin=PEERS / 'queries' / 'export_reference.sql',
                                            stdout=OUT / 'reference-export.jsonl')
    identical = sha256_of(OUT / 'evaldb-export.jsonl') == sha256_of(following)
    for db in (ref_db, floor_db):
        remove_db(db)
    return r, sizes, identical


def copy_db(source, target):
    remove_db(target)
    for suffix in ('', '-wal'):
        if Path(str(source) + suffix).exists():
            shutil.copyfile(str(source) + suffix, str(target) + suffix)
    subprocess.run(['sync'], check=False)


def next_version_only(n, trials):
    """The next version's import, evaldb and py_reference, each on a copy of its database after the
    first import (copies untimed)."""
    first, following = generate(n)
    OUT.mkdir(parents=True, exist_ok=True)
    ev_start, ref_start = OUT / 'evaldb-start.sqlite', OUT / 'reference-start.sqlite'
    ev_db, ref_db = OUT / 'evaldb.sqlite', OUT / 'reference.sqlite'
    for db in (ev_start, ref_start):
        remove_db(db)
    print(f'{n:,} examples: first imports (untimed)', file=sys.stderr)
    run([str(EVALDB), 'import', '--author', 'bench', str(first)], env=dict(os.environ, EVALDB_DB=str(ev_start)))
    run([sys.executable, str(PEERS / 'py_reference.py'), 'import', str(ref_start), str(first)])
    times = {'evaldb next version': [], 'py_reference next version': []}
    peaks = {k: 0.0 for k in times}
    identical = True
    warm(following)
    for t in range(trials):
        print(f'{n:,} examples: next version, trial {t + 1}/{trials}', file=sys.stderr)
        copy_db(ev_start, ev_db)
        copy_db(ref_start, ref_db)
        runs = [('evaldb next version', [str(EVALDB), 'import', '--author', 'bench', str(following)],
                 dict(os.environ, EVALDB_DB=str(ev_db)), ev_db),
                ('py_reference next version', [sys.executable, str(PEERS / 'py_reference.py'), 'import', str(ref_db),
                                               str(following)], None, ref_db)]
        if t % 2 == 1:
            runs.reverse()  # the two take turns going first: neither always inherits the other's I/O
        for name, argv, env, db in runs:
            warm(following, db)  # the file and the database in the page cache for each, as for the first
            wall, peak = run(argv, env=env)
            times[name].append(wall)
            peaks[name] = max(peaks[name], peak)
        if t == 0:
            (OUT / 'evaldb-export.jsonl').unlink(missing_ok=True)  # export -o keeps a file it did not write
            run([str(EVALDB), 'export', '-o', str(OUT / 'evaldb-export.jsonl')], env=dict(os.environ, EVALDB_DB=str(ev_db)))
            identical = sha256_of(OUT / 'evaldb-export.jsonl') == sha256_of(following)
    for db in (ev_start, ref_start, ev_db, ref_db):
        remove_db(db)
    mine, peer = (statistics.median(times[k]) for k in times)
    print(f'\n## next version at {n:,} examples, medians of {trials} trials (database copies untimed)\n')
    print(f'{machine()}\n')
    print('| operation | median s | trials s | peak MiB |\n|---|---|---|---|')
    for k in times:
        print(f'| {k} | {statistics.median(times[k]):.2f} | {" ".join(f"{x:.2f}" for x in times[k])} | {peaks[k]:.0f} |')
    print(f'\nratio {mine / peer:.2f} ({peer / mine:.1f}× faster; target ≥ 4×: {"yes" if peer / mine >= 4 else "NO"}); '
          f'export of the next version byte-identical to its file: {identical}')
    return {'trials': times, 'peaks': peaks, 'ratio': mine / peer, 'identical': identical}


def results_file(dataset, seed):
    """One result an example of `dataset` (id, pass, score, a short output), kept beside it."""
    path = dataset.with_name(f'{dataset.stem}.results-{seed}.jsonl')
    if not path.exists():
        rng = random.Random(seed)
        partial = path.with_suffix('.partial')
        with open(dataset, encoding='utf-8') as lines, open(partial, 'w') as out:
            for line in lines:
                example = json.loads(line)['id']
                out.write(json.dumps({'id': example, 'pass': rng.random() < 0.8, 'score': round(rng.random(), 3),
                                      'output': 'the model said ' + 'x' * rng.randint(20, 200)}) + '\n')
        partial.rename(path)
    return path


def memory_only(n, peers):
    """Each command once, on a fresh database: peak RSS (and wall time)."""
    first, following = generate(n)
    OUT.mkdir(parents=True, exist_ok=True)
    ev_db, ref_db = OUT / 'evaldb.sqlite', OUT / 'reference.sqlite'
    for db in (ev_db, ref_db):
        remove_db(db)
    env = dict(os.environ, EVALDB_DB=str(ev_db))
    ref = [sys.executable, str(PEERS / 'py_reference.py'), 'import', str(ref_db)]
    r = {}
    (OUT / 'evaldb-export.jsonl').unlink(missing_ok=True)  # export -o keeps a file it did not write
    runs = [results_file(following, seed) for seed in (1, 2)]
    ev = [str(EVALDB)]
    steps = [('evaldb validate', ev + ['validate', str(first)], env),
             ('evaldb first import', ev + ['import', '--author', 'bench', str(first)], env),
             ('evaldb first slice (builds the slice index)', ev + ['slice', '--where', 'feature=refund'], env),
             ('evaldb next version', ev + ['import', '--author', 'bench', str(following)], env),
             ('evaldb slice after the next version (brings the index up to date)',
              ev + ['slice', '--where', 'feature=refund', '--count-by', 'scenario'], env),
             ('evaldb slice --count-by feature,persona (from the index)', ev + ['slice', '--count-by', 'feature,persona'], env),
             ('evaldb diff 1 2', ev + ['diff', '1', '2'], env),
             ('evaldb sql (count by label through the views)',
              ev + ['sql', "SELECT value, count(*) FROM labels WHERE key = 'feature' GROUP BY value"], env),
             ('evaldb verify', ev + ['verify'], env),
             ('evaldb run record (one result an example)',
              ev + ['run', 'record', str(runs[0]), '--name', 'base', '--dataset-file', str(following)], env),
             ('evaldb run record, a second run',
              ev + ['run', 'record', str(runs[1]), '--name', 'candidate', '--dataset-file', str(following)], env),
             ('evaldb report --by feature', ev + ['report', 'base', '--by', 'feature'], env),
             ('evaldb compare --by feature', ev + ['compare', 'base', 'candidate', '--by', 'feature'], env),
             ('evaldb export', ev + ['export', '-o', str(OUT / 'evaldb-export.jsonl')], env)]
    if peers:
        steps += [('py_reference first import', ref + [str(first)], None),
                  ('py_reference next version', ref + [str(following)], None)]
    for name, argv, environment in steps:
        print(f'{n:,} examples: {name}', file=sys.stderr)
        r[name] = run(argv, env=environment)
    if peers:
        r['sqlite3 export_reference.sql'] = run(['sqlite3', str(ref_db)], stdin=PEERS / 'queries' / 'export_reference.sql',
                                                stdout=OUT / 'reference-export.jsonl')
    identical = sha256_of(OUT / 'evaldb-export.jsonl') == sha256_of(following)
    for db in (ev_db, ref_db):
        remove_db(db)
    print(f'\n## peak memory at {n:,} examples ({first.stat().st_size / 1e9:.2f} GB JSONL), one run each\n')
    print(f'{machine()}\n')
    print('| command | peak MiB | target | wall s |\n|---|---|---|---|')
    for k, (wall, peak) in r.items():
        target = ('yes' if peak < 150 else 'NO') + ' (< 150 MiB)' if k.startswith('evaldb') else ''
        print(f'| {k} | {peak:.0f} | {target} | {wall:.2f} |')
    print(f'\nexport of the next version byte-identical to its file: {identical}')
    return {'runs': r, 'identical': identical}


# (what, evaldb operation, peer, target ratio evaldb/peer, description)
TARGETS = [
    ('first import', 'evaldb first import', 'py_reference first import', 1 / 2.5, '≥2.5× faster than py_reference'),
    ('first import', 'evaldb first import', 'write floor (sqlite3_shell_lines)', 1.6, '≤1.6× the write floor'),
    ('unchanged re-import', 'evaldb unchanged re-import', 'sha256sum', 1.2, '≤1.2× sha256sum'),
    ('unchanged re-import', 'evaldb unchanged re-import', 'py_reference unchanged re-import', None, ''),
    ('next version', 'evaldb next version', 'py_reference next version', 1 / 4, '≥4× faster than py_reference'),
    ('export', 'evaldb export', 'sqlite3 export_reference.sql', 1.0, '≤ sqlite3 shell dumping stored lines'),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument('--sizes', default='100000,1000000', help='numbers of examples, comma-separated '
                       '(default 100000,1000000)')
    sizes.add_argument('--n', type=int, metavar='N', help='one size: N examples (same as --sizes N)')
    parser.add_argument('--trials', type=int, default=3)
    parser.add_argument('--no-build', action='store_true', help='use the release binary already built')
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument('--next-version-only', action='store_true',
                       help='time only the next version (evaldb and py_reference, on copies of their databases)')
    modes.add_argument('--memory-only', action='store_true', help='peak memory of each command, one run each')
    parser.add_argument('--no-peers', action='store_true', help='with --memory-only: evaldb alone')
    parser.add_argument('--data', type=Path, metavar='DIR', help='where the generated files are kept (default bench/data)')
    parser.add_argument('--out', type=Path, metavar='DIR', help='where the databases and exports go (default bench/out)')
    parser.add_argument('--scratch-path', type=Path, metavar='DIR',
                        help='swift build\'s build directory (default .build): builds and runs DIR/release/evaldb')
    args = parser.parse_args()
    global EVALDB, DATA, OUT
    DATA = args.data.resolve() if args.data else DATA
    OUT = args.out.resolve() if args.out else OUT
    counts = [args.n] if args.n is not None else [int(s) for s in args.sizes.split(',')]
    if any(n < 1 for n in counts):
        sys.exit('sizes must be positive')
    missing = [tool for tool in ('sqlite3', 'sha256sum') if shutil.which(tool) is None]
    if missing:
        sys.exit(f'needs {" and ".join(missing)} on PATH (the peers run them)')
    build = ['swift', 'build', '-c', 'release', '--product', 'evaldb']
    if args.scratch_path:
        scratch = args.scratch_path.resolve()
        build += ['--scratch-path', str(scratch)]
        EVALDB = scratch / 'release' / 'evaldb'
    if not args.no_build:
        subprocess.run(build, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    if not EVALDB.exists():
        sys.exit(f'no evaldb at {EVALDB}: build it (drop --no-build)')
    report = {}
    if args.next_version_only or args.memory_only:
        for n in counts:
            report[n] = next_version_only(n, args.trials) if args.next_version_only else memory_only(n, not args.no_peers)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / ('next-version.json' if args.next_version_only else 'memory.json')).write_text(json.dumps(report, indent=1))
        return
    print(machine())
    for n in counts:
        first, following = generate(n)
        runs = []
        for t in range(args.trials):
            print(f'{n:,} examples: trial {t + 1}/{args.trials}', file=sys.stderr)
            runs.append(trial(first, following))
        med = {k: (statistics.median(r[0][k][0] for r in runs), max(r[0][k][1] for r in runs)) for k in runs[0][0]}
        sizes = runs[-1][1]
        print(f'\n## {n:,} examples ({sizes["jsonl"] / 1e6:,.0f} MB JSONL), medians of {args.trials} trials\n')
        print(f'| operation | evaldb s | peer | peer s | ratio | target | met |')
        print(f'|---|---|---|---|---|---|---|')
        for what, mine, peer, target, text in TARGETS:
            ratio = med[mine][0] / med[peer][0]
            met = '' if target is None else ('yes' if ratio <= target else 'NO')
            print(f'| {what} | {med[mine][0]:.2f} | {peer} | {med[peer][0]:.2f} | {ratio:.2f} | {text} | {met} |')
        print(f'\n| evaldb peak memory (MiB) | |\n|---|---|')
        for k in ('evaldb first import', 'evaldb unchanged re-import', 'evaldb next version', 'evaldb export'):
            print(f'| {k.removeprefix("evaldb ")} | {med[k][1]:.0f} {"(target < 150)" if med[k][1] < 150 else "(OVER 150)"} |')
        print(f'| py_reference first import | {med["py_reference first import"][1]:.0f} |')
        ratio = sizes['evaldb db'] / sizes['jsonl']
        print(f'\ndatabase after first import: {sizes["evaldb db"] / 1e6:,.0f} MB = {ratio:.2f}× the JSONL '
              f'(target ≤ 1.3: {"yes" if ratio <= 1.3 else "NO"}); after the next version: '
              f'{sizes["evaldb db after next"] / 1e6:,.0f} MB')
        print(f'export of the next version byte-identical to its file: {all(r[2] for r in runs)}')
        report[n] = {'medians': med, 'sizes': sizes}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / 'results.json').write_text(json.dumps(report, indent=1))


if __name__ == '__main__':
    main()
