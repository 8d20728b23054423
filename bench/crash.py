#!/usr/bin/env python3
"""The long crash test: SIGKILL an import at random moments, many times, and check the database.

  python3 bench/crash.py --kills 100            # on bench/data/100k.jsonl and 100k.next.jsonl

Each round starts `evaldb import --force` of the other file (release build; --force so the older file is imported as it is, not refused), kills it with SIGKILL after a
random delay within the time a whole import takes, then checks SQLite's integrity check and that
the current version exports to the old file's hash or the new one's (every tenth round, the whole
`evaldb verify`: every version's hash and the revision history). Prints how many kills landed mid-import and whether every check held.
"""
import argparse
import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVALDB = ROOT / '.build' / 'release' / 'evaldb'


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return 'sha256:' + digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--kills', type=int, default=100)
    parser.add_argument('--files', nargs=2, default=[str(ROOT / 'bench/data/100k.jsonl'), str(ROOT / 'bench/data/100k.next.jsonl')])
    args = parser.parse_args()
    subprocess.run(['swift', 'build', '-c', 'release', '--product', 'evaldb'], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    db = ROOT / 'bench/out/crash.sqlite'
    db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ('', '-wal', '-shm', '-journal'):
        Path(str(db) + suffix).unlink(missing_ok=True)
    env = dict(os.environ, EVALDB_DB=str(db))
    hashes = [sha256_of(f) for f in args.files]
    subprocess.run([str(EVALDB), 'import', args.files[1]], env=env, check=True, stdout=subprocess.DEVNULL)
    start = time.perf_counter()  # how long an import into the existing database takes
    subprocess.run([str(EVALDB), 'import', '--force', args.files[0]], env=env, check=True, stdout=subprocess.DEVNULL)
    duration = time.perf_counter() - start
    current, landed, failures = hashes[0], 0, 0
    for round in range(args.kills):
        target = (round + 1) % 2
        process = subprocess.Popen([str(EVALDB), 'import', '--force', args.files[target]], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(random.uniform(0, duration))
        if process.poll() is None:
            landed += 1
        process.send_signal(signal.SIGKILL)
        process.wait()
        # Every round: SQLite's integrity check and the current version's export, hashed; every
        # tenth round and the last, the whole `evaldb verify` (it re-exports every version).
        full = round % 10 == 9 or round == args.kills - 1
        check = [str(EVALDB), 'verify'] if full else ['sqlite3', str(db), 'PRAGMA integrity_check']
        verify = subprocess.run(check, env=env, capture_output=True, text=True)
        exported = subprocess.run([str(EVALDB), 'export'], env=env, capture_output=True).stdout
        now = 'sha256:' + hashlib.sha256(exported).hexdigest()
        if verify.returncode != 0 or (not full and verify.stdout.strip() != 'ok') or now not in (current, hashes[target]):
            failures += 1
            print(f'round {round}: verify {verify.returncode} {verify.stdout.strip()} hash {now}', file=sys.stderr)
        current = now or current
    final = subprocess.run([str(EVALDB), 'import', '--force', args.files[0]], env=env, capture_output=True, text=True)
    print(f'{args.kills} kills ({landed} mid-import), {failures} failed checks; '
          f'the next import {"worked" if final.returncode == 0 else "FAILED"}')
    sys.exit(1 if failures or final.returncode else 0)


if __name__ == '__main__':
    main()
