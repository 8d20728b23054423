#!/usr/bin/env python3
"""`evaldb serve` under load: page latency with 8 concurrent clients, then the same while an
import runs.

  python3 bench/serve.py                         # 1,000,000 examples
  python3 bench/serve.py --n 20000 --duration 5  # a quick check of the script
  python3 bench/serve.py --evaldb PATH           # a binary built elsewhere
  python3 bench/serve.py --compare OLD            # side by side with another binary (a baseline)

Builds evaldb in release mode into .build-bench/ when .build-bench/release/evaldb is missing
(`swift build -c release --scratch-path .build-bench`), and the dataset with bench/gen_dataset.py
into bench/data/serve-N.jsonl (with its next version, 5% changed, serve-N.next.jsonl; both kept
between runs). Imports it into a fresh database under bench/out/, starts `evaldb serve --port 0`
on it, and loads two pages with wrk (Debian's `wrk`; 2 threads, 8 connections, --duration
seconds each, the token's cookie on every request):

  example page   /example?id=ID   one example (the 1,000th line) with its queue position
  queue page     /queue           the first 50 of all N examples, with counts and progress

reporting requests, median and p99 latency (target: p99 under 50 ms) and non-2xx replies; then
both again while `evaldb import` alternates between the two versions in a loop (each import a
new version, so each makes the server list its queue again). One warm-up request per page is not
counted. Only 127.0.0.1 is loaded, for a bounded time. Prints the load average before and after.

With --compare OLD, a second server (the binary OLD) serves the same database, and each line is
measured for both, one right after the other (OLD first), so that both see the same machine.

Needs swift, python3 and wrk (Debian: `sudo apt-get install -y wrk`).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / 'bench' / 'data'
OUT = ROOT / 'bench' / 'out'
SCRATCH = ROOT / '.build-bench'

# wrk prints one JSON line at the end: requests, latency percentiles (microseconds), errors.
WRK_SCRIPT = r'''
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, "non2xx": %d, "socket_errors": %d}\n',
    summary.requests, latency:percentile(50), latency:percentile(99), latency.max, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
'''


def build(evaldb):
    if evaldb:
        return Path(evaldb).resolve()
    binary = SCRATCH / 'release' / 'evaldb'
    if not binary.exists():
        print(f'building evaldb into {SCRATCH.relative_to(ROOT)}/ ...', file=sys.stderr)
        subprocess.run(['swift', 'build', '-c', 'release', '--scratch-path', str(SCRATCH)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    return binary


def dataset(n):
    DATA.mkdir(parents=True, exist_ok=True)
    first, second = DATA / f'serve-{n}.jsonl', DATA / f'serve-{n}.next.jsonl'
    if not first.exists():
        print(f'generating {first.relative_to(ROOT)} ...', file=sys.stderr)
        with open(first, 'wb') as out:
            subprocess.run([sys.executable, ROOT / 'bench' / 'gen_dataset.py', '--n', str(n), '--seed', '1'], stdout=out, check=True)
    if not second.exists():
        with open(second, 'wb') as out:
            subprocess.run([sys.executable, ROOT / 'bench' / 'gen_dataset.py', '--mutate-from', first, '--change-frac', '0.05',
                            '--delete-frac', '0', '--add-frac', '0', '--seed', '2'], stdout=out, check=True)
    return first, second


def wrk(url, cookie, duration, connections, script):
    result = subprocess.run(['wrk', '-t2', f'-c{connections}', f'-d{duration}s', '--timeout', '10s', '-s', script,
                             '-H', f'Cookie: {cookie}', url], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f'wrk failed: {result.stderr}')
    line = [l for l in result.stdout.splitlines() if l.startswith('{')][-1]
    return json.loads(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--n', type=int, default=1_000_000, help='examples (default 1,000,000)')
    parser.add_argument('--duration', type=int, default=10, help='seconds of load per measurement (default 10)')
    parser.add_argument('--connections', type=int, default=8, help='concurrent clients (default 8)')
    parser.add_argument('--evaldb', help='the evaldb binary (default: a release build in .build-bench/)')
    parser.add_argument('--compare', metavar='OLD', help='another evaldb binary, measured side by side (a baseline)')
    arguments = parser.parse_args()
    if not shutil.which('wrk'):
        sys.exit('wrk is missing: sudo apt-get install -y wrk (Debian, Ubuntu)')

    evaldb = build(arguments.evaldb)
    first, second = dataset(arguments.n)
    work = OUT / f'serve-{arguments.n}'
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    database = work / 'evaldb.sqlite'
    env = {k: v for k, v in os.environ.items() if k != 'EVALDB_DB'}
    started = time.monotonic()
    subprocess.run([evaldb, 'import', first, '--db', database, '--author', 'bench'], cwd=work, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print(f'{arguments.n:,} examples imported in {time.monotonic() - started:.1f} s')
    with open(first) as file:
        for number, line in enumerate(file, 1):
            if number == min(1000, arguments.n):
                example_id = json.loads(line)['id']
                break

    binaries = ([('old', Path(arguments.compare).resolve())] if arguments.compare else []) + [('new' if arguments.compare else '', evaldb)]
    servers = []
    script = Path(tempfile.mkstemp(suffix='.lua')[1])
    script.write_text(WRK_SCRIPT)
    print(f'load average before: {load()}')
    try:
        for label, binary in binaries:
            servers.append((label, start_server(binary, database, work, env, example_id)))
        rows = []
        for name in PAGES:
            for label, (_, pages, cookie) in servers:
                rows.append((name, 'idle', label, wrk(pages[name], cookie, arguments.duration, arguments.connections, script)))

        stop = threading.Event()
        imports = []

        def import_loop():
            files = [second, first]
            while not stop.is_set():
                begin = time.monotonic()
                subprocess.run([evaldb, 'import', files[len(imports) % 2], '--db', database, '--author', 'bench', '--force'],
                               cwd=work, env=env, check=True, stdout=subprocess.DEVNULL)
                imports.append(time.monotonic() - begin)

        loop = threading.Thread(target=import_loop)
        loop.start()
        time.sleep(1)
        try:
            for name in PAGES:
                for label, (_, pages, cookie) in servers:
                    rows.append((name, 'during import', label, wrk(pages[name], cookie, arguments.duration, arguments.connections, script)))
        finally:
            stop.set()
            loop.join()

        print(f'\nevaldb serve, {arguments.n:,} examples, {arguments.connections} connections, {arguments.duration} s each (wrk)')
        print(f'{"page":<14} {"load":<14} {"binary":<7} {"requests":>9} {"median ms":>10} {"p99 ms":>8} {"max ms":>8} {"non-2xx":>8}')
        for name, state, label, r in rows:
            print(f'{name:<14} {state:<14} {label:<7} {r["requests"]:>9} {r["p50_us"] / 1000:>10.1f} {r["p99_us"] / 1000:>8.1f} '
                  f'{r["max_us"] / 1000:>8.1f} {r["non2xx"] + r["socket_errors"]:>8}')
        if imports:
            print(f'imports during the load: {len(imports)}, {sum(imports) / len(imports):.1f} s each on average')
        print(f'load average after: {load()}')
    finally:
        for _, (server, _, _) in servers:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        script.unlink(missing_ok=True)


PAGES = ['example page', 'queue page']


def load():
    return ' '.join(Path('/proc/loadavg').read_text().split()[:3])


def start_server(evaldb, database, work, env, example_id):
    """`evaldb serve` on the database: the process, its pages' addresses and the token's cookie."""
    server = subprocess.Popen([evaldb, 'serve', '--port', '0', '--db', database, '--reviewer', 'bench'], cwd=work, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    match = re.match(r'evaldb serve: http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]+)', line)
    if not match:
        server.kill()
        sys.exit(f'serve did not start: {line}{server.stderr.read()}')
    port, token = match.group(1), match.group(2)
    cookie = f'evaldb_token_{port}={token}'
    pages = {
        'example page': f'http://127.0.0.1:{port}/example?id={quote(example_id, safe="")}',
        'queue page': f'http://127.0.0.1:{port}/queue',
    }
    for url in pages.values():  # warm-up: the queue's list is made once per version
        warm = subprocess.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', f'Cookie: {cookie}', url],
                              capture_output=True, text=True)
        if warm.stdout != '200':
            server.kill()
            sys.exit(f'{url}: HTTP {warm.stdout}')
    return server, pages, cookie

if __name__ == '__main__':
    main()
