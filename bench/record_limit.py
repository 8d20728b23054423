#!/usr/bin/env python3
"""The record size limit at its real size (docs/canonical-json.md, "How long a record may be"):
writes a dataset whose second line is 1.1 GiB and checks that `validate` and `import` refuse it at
FILE:2:1 naming the limit, writing nothing; with --at-limit, also imports a record exactly at the
limit (999,000,000 bytes) and checks that it exports back byte for byte. Not part of `swift test`:
it writes gigabytes (about 3 GB of disk for the files, and `--at-limit` needs a few GB of memory);
`swift test` checks the same rule with the limit lowered (OutputContractTests.recordSizeLimit).

  python3 bench/record_limit.py [--evaldb .build/debug/evaldb] [--at-limit] [--keep]
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 999_000_000


def record(id, notes_length=None):
    """A record line; with `notes_length`, its notes are that many `x` (written by `write_line`)."""
    head = ('{"author": "bench", "context": null, "created_at": "2026-01-01", "expected_output": "ok", '
            f'"id": "{id}", "input": "question {id}", "labels": {{}}, "notes": ')
    tail = ', "source": "synth"}'
    return head, tail


def write_line(f, id, length):
    """Writes a canonical record line of exactly `length` bytes (without its newline)."""
    head, tail = record(id)
    filler = length - len(head) - len(tail) - 2  # the notes' quotes
    f.write(head.encode() + b'"')
    chunk = b'x' * (1 << 24)
    while filler > 0:
        f.write(chunk[:min(filler, len(chunk))])
        filler -= min(filler, len(chunk))
    f.write(b'"' + tail.encode() + b'\n')


def small(f, id):
    head, tail = record(id)
    f.write((head + '"short"' + tail + '\n').encode())


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        while chunk := f.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--evaldb', default=str(ROOT / '.build/debug/evaldb'))
    parser.add_argument('--at-limit', action='store_true', help='also import a record of exactly the limit')
    parser.add_argument('--keep', action='store_true', help='keep the folder of files (printed)')
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix='evaldb-record-limit-'))
    env = dict(os.environ, EVALDB_DB=str(folder / 'db/evaldb.sqlite'))
    env.pop('EVALDB_TEST_MAX_RECORD_BYTES', None)
    failures = 0

    def evaldb(*arguments):
        return subprocess.run([args.evaldb, *arguments], cwd=folder, env=env, capture_output=True, text=True)

    def check(name, condition, detail=''):
        nonlocal failures
        print(f"{'ok  ' if condition else 'FAIL'}  {name}", flush=True)
        if not condition:
            failures += 1
            print(detail, file=sys.stderr)

    try:
        with open(folder / 'first.jsonl', 'wb') as f:
            small(f, 'a')
        check('a first version', evaldb('import', 'first.jsonl').returncode == 0)
        versions = evaldb('versions', '--format', 'json').stdout

        with open(folder / 'big.jsonl', 'wb') as f:
            small(f, 'a')
            write_line(f, 'big', int(1.1 * (1 << 30)))
            small(f, 'c')
        for command in (['validate', 'big.jsonl'], ['import', 'big.jsonl']):
            result = evaldb(*command)
            said = 'big.jsonl:2:1: error: the line is 1,181,116,006 bytes, longer than a record may be (999,000,000 bytes'
            check(f'{command[0]} refuses the 1.1 GiB line at FILE:2:1, naming the limit',
                  result.returncode == 1 and said in result.stderr and 'SQLite error' not in result.stderr, result.stderr)
        check('nothing written', evaldb('versions', '--format', 'json').stdout == versions)
        check('verify', evaldb('verify').returncode == 0)
        (folder / 'big.jsonl').unlink()

        if args.at_limit:
            with open(folder / 'limit.jsonl', 'wb') as f:
                small(f, 'a')
                write_line(f, 'limit', LIMIT)
            result = evaldb('import', 'limit.jsonl')
            check('a record of exactly the limit imports', result.returncode == 0, result.stderr)
            exported = evaldb('export', '-o', 'exported.jsonl')
            check('and exports back byte for byte', exported.returncode == 0
                  and sha256_of(folder / 'limit.jsonl') == sha256_of(folder / 'exported.jsonl'), exported.stderr)
            check('verify', evaldb('verify').returncode == 0)
    finally:
        if args.keep:
            print(folder)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print(f'{failures} failed' if failures else 'all passed')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
