#!/usr/bin/env python3
"""Every command at 1M, (3M,) and 10M examples: time linear in size, peak memory flat (issue 26, item 7).

  python3 bench/scale.py --data /work/scale-data                    # 1M and 10M, sync included
  python3 bench/scale.py --data /work/scale-data --sizes 1000000,3000000,10000000
  python3 bench/scale.py --data /tmp/d --sizes 200000,1000000 --no-sync --no-build   # a quick check
  python3 bench/scale.py --data D --sizes 10000000 --keep-db ...            # keep D/scale-N.sqlite, then
  python3 bench/scale.py --data D --sizes 10000000 --only "slice --limit,count-by"  # again on it
  python3 bench/scale.py --table D/1m.json D/10m.json                       # earlier runs side by side
  python3 bench/scale.py --data D --cold ...       # the page cache dropped before each step (root)

The datasets: bench/gen_dataset.py writes about 3 MB/s here, so 13 GB of it would take more than
an hour. The N-example files are instead COPIES = N / 100,000 copies of its 100,000-example
dataset, its next version and two results files (bench/run.py's, generated into --data when
missing), each copy's ids renumbered (`feature-NNN` -> `feature-K*10^7+NNN` in copy K, copy 0
unchanged; the lines stay canonical): the same shape, about 1.3 KB a line; the next version has
5% changed and 1% removed in each copy's part, and the 2% added at its end, as the generator
writes them.

For each size, on a fresh database (--out, default --data), whole processes, once each except
`slice --limit 10` (the median of 5):

  first import        evaldb import FILE
  first slice         slice --where feature=refund-request (builds the slice index)
  next version        evaldb import NEXT
  slice --where       slice --where feature=refund-request --where scenario=irate-user (the index
                      brought up to date)
  slice --limit 10    slice --where feature=refund-request --limit 10
  count-by            slice --count-by feature,persona
  export              export to standard output, hashed by the bench (checked byte-identical to
                      NEXT; no 13 GB file written)
  validate            validate NEXT (duplicate ids: the id set of the file)
  diff                diff 1 2
  run record x2       run record RESULTS --dataset-file NEXT (two independent runs)
  report              report base --by feature
  compare             compare base candidate --by feature
  sync                a git repository (outside any other) with two commits of
                      evals/data/v0/golden.jsonl (FILE, then NEXT; no team log) and no .evaldb/,
                      as a fresh clone has it (not cloned: its checkout would take another 13 GB
                      of disk): `evaldb sync` (both versions replayed from git), then again
                      (nothing new); git's add and commit untimed

and prints, for each command and size, wall time, peak RSS (wait4's) and time per example, the
ratio of the largest size's time per example to the smallest's (linear: about 1), the same ratio
of CPU time (user + system: the work done, whatever the disk; the JSON keeps system time
too), and a verdict
against the targets: every peak under 150 MiB, `slice --limit 10` under 50 ms. Every report starts
with the date (UTC) and the machine's load average.

With --cold, the kernel's page cache is dropped before each step (`echo 3 >
/proc/sys/vm/drop_caches`, as root; the evaldb binary read back in; `slice --limit 10`'s five runs
left warm, a query run again): every size then reads its files and database from the disk,
as a 10M one must anyway (13 GB of JSONL and 16-23 GB of database do not stay in the page cache
of a machine of 23 GB, where 1M's do), and time per example compares like with like. Files are large (10M: 13 GB a dataset, about
16 GB a database, and the sync's repository, checkout and database): --data and --out belong
outside any git repository, on a disk with about 60 GB free; --clean removes each size's files
once measured.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'bench'))
import run as runpy  # noqa: E402  (bench/run.py: run, remove_db, generate, results_file, ...)

BASE = 100_000
PEAK_TARGET = 150  # MiB
LIMIT_TARGET = 0.050  # s, at 10M
ID = re.compile(rb'"id": "(booking-lookup|policy-question|multi-turn-refinement|refund-request)-(\d+)"')
DATASET = 'evals/data/v0/golden.jsonl'


def replicate(source, target, copies, tail=0):
    """COPIES copies of SOURCE, copy K's ids renumbered by K * 10^7 (copy 0 as it is); the last
    TAIL lines of each copy (a next version's added examples) all at the end, after every copy's
    other lines, as the generator puts them."""
    if target.exists():
        return target
    print(f'writing {target.name} ({copies} copies of {source.name}) ...', file=sys.stderr)
    partial = target.with_name(target.name + '.partial')
    data = source.read_bytes()
    cut = len(data)
    for _ in range(tail):
        cut = data.rindex(b'\n', 0, cut - 1) + 1 if cut > 1 else 0
    head, end = data[:cut], data[cut:]

    def renumbered(part, k):
        return part if k == 0 else ID.sub(lambda m: b'"id": "%s-%03d"' % (m.group(1), k * 10_000_000 + int(m.group(2))), part)
    with open(partial, 'wb') as out:
        for part in (head, end):
            for k in range(copies):
                out.write(renumbered(part, k))
    partial.replace(target)
    return target


def paths(n):
    """The files of `files(n)`, made or not."""
    name = runpy.DATA / f'scale-{n // 1000}k'
    return (Path(f'{name}.jsonl'), Path(f'{name}.next.jsonl'), [Path(f'{name}.results-{k}.jsonl') for k in (1, 2)])


def files(n):
    if n % BASE:
        sys.exit(f'sizes must be multiples of {BASE:,}')
    first, following = runpy.generate(BASE)
    results = [runpy.results_file(following, seed) for seed in (1, 2)]
    copies = n // BASE
    name = f'scale-{n // 1000}k'
    added = round(BASE * 0.02)  # the next version's added examples, at its end (run.py's fractions)

    def made(source, target, tail=0):
        # In a child process: this one stays small, and a child's peak RSS counts what it inherits at fork.
        if not target.exists():
            subprocess.run([sys.executable, __file__, '--replicate', str(source), str(target), str(copies), str(tail)],
                           check=True)
        return target
    return (made(first, runpy.DATA / f'{name}.jsonl'),
            made(following, runpy.DATA / f'{name}.next.jsonl', added),
            [made(r, runpy.DATA / f'{name}.results-{k}.jsonl', added) for k, r in enumerate(results, 1)])


def git(argv, cwd):
    subprocess.run(['git', '-c', 'core.compression=1', '-c', 'user.name=bench', '-c', 'user.email=bench@example.com']
                   + argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def sync_steps(n, first, following, results, out, clean):
    """`evaldb sync` with a fresh database (no .evaldb/) in a repository holding the two versions,
    then again; the repository and its database removed after."""
    base = out / f'sync-{n}'
    shutil.rmtree(base, ignore_errors=True)
    src = base / 'repo'
    (src / 'evals' / 'data' / 'v0').mkdir(parents=True)
    git(['init', '-q', '-b', 'main'], src)
    (src / '.gitignore').write_text('.evaldb/\n')
    if not first.exists():  # removed by --clean after the first import: made again (untimed)
        files(n)
    print(f'{n:,} examples: building the repository for sync (untimed) ...', file=sys.stderr)
    for k, path in enumerate((first, following), 1):
        target = src / DATASET
        target.unlink(missing_ok=True)
        os.link(path, target)  # a hard link: the working tree costs no space
        git(['add', '.gitignore', DATASET], src)
        git(['commit', '-q', '-m', f'v{k}'], src)
    if clean:
        first.unlink()
        for path in results:
            path.unlink(missing_ok=True)
    r = {}
    print(f'{n:,} examples: sync', file=sys.stderr)
    drop_page_cache()
    r['sync (fresh database, 2 versions from git)'] = runpy.run_measured([str(runpy.EVALDB), 'sync'], cwd=src)
    listed = json.loads(subprocess.run([str(runpy.EVALDB), 'versions', '--format', 'json'], cwd=src, check=True,
                                       capture_output=True).stdout)
    if len(listed) != 2:
        sys.exit(f'WRONG ANSWER: {len(listed)} versions after sync, expected 2')
    drop_page_cache()
    r['sync again (nothing new)'] = runpy.run_measured([str(runpy.EVALDB), 'sync'], cwd=src)
    shutil.rmtree(base)
    return r


def exported(argv, env, expected, cwd):
    """`evaldb export` to standard output, read and hashed here: (wall s, peak MiB, CPU s), identical."""
    digest = hashlib.sha256()
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    while chunk := process.stdout.read(1 << 20):
        digest.update(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f'failed: {" ".join(argv)}')
    return (wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, usage.ru_stime), digest.hexdigest() == runpy.sha256_of(expected)


COLD = False


def drop_page_cache():
    """With --cold: the page cache written back and dropped, so that the next step reads from disk."""
    if not COLD:
        return
    subprocess.run(['sync'], check=False)
    try:
        Path('/proc/sys/vm/drop_caches').write_text('3\n')
    except OSError as error:
        sys.exit(f'--cold: cannot drop the page cache ({error}); run as root, or without --cold')
    if runpy.EVALDB.exists():
        runpy.warm(runpy.EVALDB)  # the data cold, not the program: evaldb is run again and again


def measure(n, out, with_sync, clean, keep=False, only=None):
    first, following, results = paths(n) if only else files(n)  # --only: the files the steps need are kept
    db = out / f'scale-{n}.sqlite'
    if not only:
        runpy.remove_db(db)
    env = dict(os.environ, EVALDB_DB=str(db))
    ev = [str(runpy.EVALDB)]
    refund = ['--where', 'feature=refund-request']
    steps = [('first import', ev + ['import', '--author', 'bench', str(first)]),
             ('first slice --where (builds the slice index)', ev + ['slice'] + refund),
             ('next version', ev + ['import', '--author', 'bench', str(following)]),
             ('slice --where, after it (index brought up to date)', ev + ['slice'] + refund + ['--where', 'scenario=irate-user']),
             ('slice --limit 10', ev + ['slice'] + refund + ['--limit', '10']),
             ('count-by (slice --count-by feature,persona)', ev + ['slice', '--count-by', 'feature,persona']),
             ('export (to standard output)', ev + ['export']),
             ('validate', ev + ['validate', str(following)]),
             ('diff 1 2', ev + ['diff', '1', '2']),
             ('run record', ev + ['run', 'record', str(results[0]), '--name', 'base', '--dataset-file', str(following)]),
             ('run record, a second run',
              ev + ['run', 'record', str(results[1]), '--name', 'candidate', '--dataset-file', str(following)]),
             ('report --by feature', ev + ['report', 'base', '--by', 'feature']),
             ('compare --by feature', ev + ['compare', 'base', 'candidate', '--by', 'feature'])]
    r = {}
    identical = None
    if first.exists():
        runpy.warm(first)
    sizes = {'jsonl': first.stat().st_size if first.exists() else 0, 'db': runpy.db_size(db) if only else 0}
    for name, argv in steps:
        if only and not any(name.startswith(prefix) for prefix in only):
            continue
        print(f'{n:,} examples: {name}', file=sys.stderr)
        drop_page_cache()
        if name.startswith('export'):
            subprocess.run(['sync'], check=False)
            r[name], identical = exported(argv, env, following, out)
        elif name == 'slice --limit 10':
            trials = [runpy.run_measured(argv, env=env, cwd=out) for _ in range(5)]  # warm, --cold or not: a query run again
            r[name] = tuple([statistics.median(t[0] for t in trials), max(t[1] for t in trials)]
                            + [statistics.median(t[k] for t in trials) for k in (2, 3)])
        else:
            r[name] = runpy.run_measured(argv, env=env, cwd=out)  # outside any git repository: no team log written
        print(f'    {r[name][0]:.3f} s, {r[name][1]:.0f} MiB', file=sys.stderr)
        if name == 'first import':
            sizes = {'jsonl': first.stat().st_size, 'db': runpy.db_size(db)}
            if clean:
                first.unlink()  # disk: made again for the sync
    sizes['db after the runs'] = runpy.db_size(db)
    if not keep:
        runpy.remove_db(db)
    if with_sync:
        r.update(sync_steps(n, first, following, results, out, clean))
    if clean:
        for path in [first, following] + results:
            path.unlink(missing_ok=True)
    return {'runs': r, 'sizes': sizes, 'identical': identical}


def table(report):
    sizes = sorted(report)
    small, large = sizes[0], sizes[-1]
    names = list(report[large]['runs'])
    head = ' | '.join(f'{n / 1e6:g}M s | {n / 1e6:g}M MiB | {n / 1e6:g}M µs/ex' for n in sizes)
    ratios = f'{large / 1e6:g}M/{small / 1e6:g}M per example'
    print(f'| command | {head} | {ratios} | {ratios}, CPU | verdict |')
    print('|---|' + '---|' * (3 * len(sizes) + 3))

    def cpu(n, name):  # CPU seconds (user + system); runs recorded before it was measured have none
        measured = report[n]['runs'][name]
        return measured[2] if len(measured) > 2 else None
    for name in names:
        cells, verdicts = [], []
        for n in sizes:
            wall, peak = report[n]['runs'].get(name, (None, None))[:2]
            cells.append('| | ' if wall is None else f'{wall:.3f} | {peak:.0f} | {wall / n * 1e6:.2f}')
        wall = report[large]['runs'][name][0]
        ratio = wall / report[small]['runs'][name][0] / (large / small) if name in report[small]['runs'] else None
        cpu_ratio = None
        if ratio is not None and cpu(large, name) is not None and cpu(small, name):
            cpu_ratio = cpu(large, name) / cpu(small, name) / (large / small)
        if any(report[n]['runs'][name][1] >= PEAK_TARGET for n in sizes if name in report[n]['runs']):
            verdicts.append(f'**OVER {PEAK_TARGET} MiB**')
        if name == 'slice --limit 10':
            verdicts.append(f'{wall * 1e3:.0f} ms ' + ('< 50 ms' if wall < LIMIT_TARGET else '**OVER 50 ms**'))
        elif ratio is not None and ratio > 1.5 and wall > 1:
            # Linear in work done (CPU) but not in wall time: waiting, for the disk most often.
            verdicts.append('wall not linear, CPU linear' if cpu_ratio is not None and cpu_ratio <= 1.5 else '**not linear**')
        print(f'| {name} | {" | ".join(cells)} | {"" if ratio is None else f"{ratio:.2f}"} | '
              f'{"" if cpu_ratio is None else f"{cpu_ratio:.2f}"} | {"; ".join(verdicts) or "ok"} |')
    for n in sizes:
        s = report[n]['sizes']
        print(f'\n{n:,} examples: {s["jsonl"] / 1e9:.2f} GB JSONL, database after the first import '
              f'{s["db"] / 1e9:.2f} GB, after the runs {s["db after the runs"] / 1e9:.2f} GB; export of the next version byte-identical to its file: {report[n]["identical"]}')


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--sizes', default='1000000,10000000', help='comma-separated, multiples of 100000')
    parser.add_argument('--data', type=Path, metavar='DIR', help='where the datasets are kept (required but with --table)')
    parser.add_argument('--out', type=Path, metavar='DIR', help='databases, exports, sync repositories (default --data)')
    parser.add_argument('--build-path', type=Path, default=ROOT / '.build-release', metavar='DIR',
                        help="swift build's --build-path (default .build-release): runs DIR/release/evaldb")
    parser.add_argument('--no-build', action='store_true', help='use the release binary already built')
    parser.add_argument('--no-sync', action='store_true', help='leave the sync out')
    parser.add_argument('--clean', action='store_true', help="remove each size's files once measured")
    parser.add_argument('--only', metavar='NAMES', help='comma-separated beginnings of command names: only those, '
                        'on the database kept by an earlier --keep-db run (e.g. "slice,count-by")')
    parser.add_argument('--table', type=Path, nargs='+', metavar='JSON',
                        help='print the table of earlier runs (their OUT/scale.json files; a later file\'s commands replace an earlier\'s)')
    parser.add_argument('--replicate', nargs=4, metavar=('SOURCE', 'TARGET', 'COPIES', 'TAIL'), help=argparse.SUPPRESS)
    parser.add_argument('--keep-db', action='store_true', help='keep the database (OUT/scale-N.sqlite) after the runs')
    parser.add_argument('--cold', action='store_true', help='drop the page cache before each step (root): every size reads from disk')
    args = parser.parse_args()
    if args.replicate:
        source, target, copies, tail = args.replicate
        replicate(Path(source), Path(target), int(copies), int(tail))
        return
    if args.table:
        report = {}
        for path in args.table:  # later files replace earlier ones' commands
            for n, measured in json.loads(path.read_text()).items():
                entry = report.setdefault(int(n), {'runs': {}, 'sizes': measured['sizes'], 'identical': measured['identical']})
                entry['runs'].update(measured['runs'])
        table(report)
        return
    if not args.data:
        parser.error('--data DIR is required')
    runpy.DATA = args.data.resolve()
    out = (args.out or args.data).resolve()
    runpy.DATA.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    runpy.EVALDB = args.build_path.resolve() / 'release' / 'evaldb'
    if not args.no_build:
        subprocess.run(['swift', 'build', '-c', 'release', '--product', 'evaldb', '--build-path', str(args.build_path)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    global COLD
    COLD = args.cold
    drop_page_cache()  # fails early when it cannot
    counts = [int(s) for s in args.sizes.split(',')]
    only = [name.strip() for name in args.only.split(',')] if args.only else None
    print(runpy.machine() + (' (--cold: the page cache dropped before each step)' if COLD else ''))
    report = {}
    for n in counts:
        report[n] = measure(n, out, not args.no_sync, args.clean, args.keep_db or bool(only), only)
        print(f'{n:,} examples done: {runpy.machine()}', file=sys.stderr)
        (out / ('scale-only.json' if only else 'scale.json')).write_text(json.dumps(report, indent=1))
    print(f'\n## every command at {", ".join(f"{n:,}" for n in counts)} examples, one run each '
          f'(slice --limit 10: median of 5)\n')
    print(f'{runpy.machine()}\n')
    table(report)


if __name__ == '__main__':
    main()
