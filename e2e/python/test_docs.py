#!/usr/bin/env python3
"""Every block of docs/python.md runs, in order, in a fresh copy of the sample project.

  .build-python/bin/python3 e2e/python/test_docs.py --evaldb .build/debug/evaldb

Each fenced ```python block runs with this interpreter (the one script/bootstrap-python made, with
pandas, DuckDB and its SQLite scanner, Datasette), each ```sh block with bash, `evaldb` and the
environment's tools (datasette) on PATH, in the project folder. A block must exit 0; a
`<!-- python output -->` block after it lists lines its output must contain. No block is skipped:
a page without python blocks fails. Ends with a line `python docs: N passed, N failed`.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def blocks(text):
    """(language, first line number, code, expected output lines) of each fenced block."""
    found = []
    lines = text.split('\n')
    index = 0
    marker = None
    while index < len(lines):
        line = lines[index].strip()
        if line.startswith('<!--'):
            marker = line
            index += 1
            continue
        if line.startswith('```'):
            language = line[3:].strip()
            start = index + 2
            body = []
            index += 1
            while index < len(lines) and not lines[index].startswith('```'):
                body.append(lines[index])
                index += 1
            if marker == '<!-- python output -->' and found:
                found[-1][3].extend(l for l in body if l.strip())
            else:
                found.append((language, start, '\n'.join(body) + '\n', []))
        if line:
            marker = None
        index += 1
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--evaldb', default=str(ROOT / '.build/debug/evaldb'))
    parser.add_argument('--document', default='docs/python.md')
    args = parser.parse_args()

    document = args.document
    found = [b for b in blocks((ROOT / document).read_text(encoding='utf-8')) if b[0] in ('python', 'sh')]
    if not any(language == 'python' for language, *_ in found):
        print(f'{document}: no python block to run')
        print('python docs: 0 passed, 1 failed')
        sys.exit(1)

    folder = Path(tempfile.mkdtemp(prefix='evaldb-pydocs-'))
    project, bin = folder / 'project', folder / 'bin'
    shutil.copytree(ROOT / 'evals', project / 'evals', ignore=shutil.ignore_patterns('log'))
    bin.mkdir()
    (bin / 'evaldb').symlink_to(Path(args.evaldb).resolve())
    env = {k: v for k, v in os.environ.items() if k != 'EVALDB_DB'}
    env['PATH'] = os.pathsep.join([str(bin), str(Path(sys.executable).parent), env.get('PATH', '/usr/bin:/bin')])
    env.update(GIT_AUTHOR_NAME='docs', GIT_AUTHOR_EMAIL='docs@example.com', GIT_COMMITTER_NAME='docs',
               GIT_COMMITTER_EMAIL='docs@example.com', USER='docs')
    subprocess.run(['git', 'init', '-q', str(project)], check=True)

    passed = failed = 0
    try:
        for language, line, code, expected in found:
            command = [sys.executable, '-c', code] if language == 'python' else ['bash', '-euo', 'pipefail', '-c', code]
            done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=300)
            missing = [e for e in expected if e.strip() not in done.stdout]
            if done.returncode == 0 and not missing:
                passed += 1
                print(f'ok    {document}:{line} ({language})', flush=True)
            else:
                failed += 1
                print(f'FAIL  {document}:{line} ({language}) exited {done.returncode}', flush=True)
                for e in missing:
                    print(f'      the doc shows {e.strip()!r}; the block printed:')
                print(done.stdout + done.stderr)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f'python docs: {passed} passed, {failed} failed')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
