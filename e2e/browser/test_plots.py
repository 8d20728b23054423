#!/usr/bin/env python3
"""evaldb's pictures in a real browser: each `--plot` SVG rendered to PNG by headless Chromium.

  python3 e2e/browser/test_plots.py                         # against .build/debug/evaldb
  python3 e2e/browser/test_plots.py --evaldb PATH           # another binary
  python3 e2e/browser/test_plots.py --images docs/images    # keep the PNGs (the docs' pictures)

It copies the sample project (evals/) to a temporary git work tree, imports the dataset, records
the two sample runs, then edits one example's expected output (a second dataset version) and
records the candidate's results again on it; then draws `compare baseline candidate --by feature
--budget 5 --plot`, `report candidate --by feature --plot` and `trend --plot`. Each SVG is checked
as XML (well-formed, no script, no event handler, nothing fetched) and opened in Chromium: the
document is the SVG, with no script and no console error, its size as it says, and its PNG is not
blank. test_serve.py runs these checks too (CI runs it). Ends with `plots: N passed, N failed`.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_serve import Checks, browser, expect  # noqa: E402  (the same browser, checks and words)

ROOT = Path(__file__).resolve().parent.parent.parent
DATASET = 'evals/data/v0/golden.jsonl'
SVG = '{http://www.w3.org/2000/svg}'
PLOTS = {
    'plot-compare': ['compare', 'baseline', 'candidate', '--by', 'feature', '--budget', '5'],
    'plot-report': ['report', 'candidate', '--by', 'feature'],
    'plot-trend': ['trend'],
}


def make_project(evaldb):
    """The sample project with three runs on two dataset versions; returns its folder."""
    folder = Path(tempfile.mkdtemp(prefix='evaldb-plots-'))
    for path in [DATASET, 'evals/runs/baseline.jsonl', 'evals/runs/candidate.jsonl']:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, folder / path)
    subprocess.run(['git', 'init', '-q', str(folder)], check=True)
    env = {k: v for k, v in os.environ.items() if k != 'EVALDB_DB'}

    def cli(*arguments):
        done = subprocess.run([str(evaldb), *arguments], cwd=folder, env=env, capture_output=True, text=True)
        expect(done.returncode in (0, 3), f'evaldb {" ".join(arguments)}: {done.stdout}{done.stderr}')
        return done.stdout

    cli('import', DATASET, '--author', 'setup')
    for name in ['baseline', 'candidate']:
        cli('run', 'record', f'evals/runs/{name}.jsonl', '--name', name, '--dataset-file', DATASET)
    lines = (folder / DATASET).read_text().splitlines()
    first = json.loads(lines[0])
    first['expected_output'] = {'edited': True, 'was': first['expected_output']}
    lines[0] = json.dumps(first, sort_keys=True)
    (folder / DATASET).write_text('\n'.join(lines) + '\n')
    cli('import', DATASET, '--author', 'setup', '-m', 'an expected output fixed')
    cli('run', 'record', 'evals/runs/candidate.jsonl', '--name', 'candidate-again', '--dataset-file', DATASET)
    for name, arguments in PLOTS.items():
        cli(*arguments, '--plot', f'{name}.svg')
    return folder


def check_xml(path):
    """Well-formed, and standing alone: no script, no handler, no link, no style sheet."""
    root = ElementTree.parse(path).getroot()
    expect(root.tag == SVG + 'svg', f'{path.name}: the root is {root.tag}')
    for element in root.iter():
        tag = element.tag.replace(SVG, '')
        expect(tag not in ('script', 'foreignObject', 'image', 'style', 'a'), f'{path.name}: a <{tag}>')
        for name, value in element.attrib.items():
            expect(not name.lower().startswith('on'), f'{path.name}: <{tag} {name}>')
            expect('href' not in name and 'url(' not in value, f'{path.name}: <{tag} {name}="{value}">')
    return float(root.get('width')), float(root.get('height'))


def run_plot_checks(evaldb, images, checks):
    """Adds one check per picture to `checks` (a `run(name, body)`); PNGs kept in `images` when given."""
    from selenium.webdriver.common.by import By
    folder = make_project(evaldb)
    driver = browser()
    try:
        for name in PLOTS:
            def render(name=name):
                path = folder / f'{name}.svg'
                width, height = check_xml(path)
                driver.set_window_size(int(width) + 40, int(height) + 160)
                driver.get(path.as_uri())
                expect(driver.execute_script('return document.documentElement.tagName') == 'svg', 'the document is the SVG')
                expect(driver.execute_script('return document.scripts.length') == 0, 'no script in the document')
                errors = [entry for entry in driver.get_log('browser') if entry.get('level') == 'SEVERE']
                expect(not errors, f'console errors: {errors}')
                box = driver.execute_script('const r = document.documentElement.getBoundingClientRect(); return [r.width, r.height]')
                expect(abs(box[0] - width) < 1 and abs(box[1] - height) < 1, f'rendered {box}, said {width}x{height}')
                png = driver.find_element(By.TAG_NAME, 'svg').screenshot_as_png
                expect(png[:8] == b'\x89PNG\r\n\x1a\n', 'a PNG')
                # A blank picture of this size compresses to about 2.5 KB; text and lines do not.
                expect(len(png) > 8000, f'{name}.png is {len(png)} bytes: blank?')
                if images:
                    (images / f'{name}.png').write_bytes(png)
            checks.run(f'{name}.svg is well-formed, stands alone and renders to PNG in Chromium', render)
    finally:
        driver.quit()
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--evaldb', default=str(ROOT / '.build' / 'debug' / 'evaldb'), help='the evaldb binary')
    parser.add_argument('--images', help='a folder to keep the PNGs in')
    arguments = parser.parse_args()
    images = Path(arguments.images).resolve() if arguments.images else None
    if images:
        images.mkdir(parents=True, exist_ok=True)
    checks = Checks()
    run_plot_checks(Path(arguments.evaldb).resolve(), images, checks)
    print(f'plots: {checks.passed} passed, {checks.failed} failed')
    sys.exit(1 if checks.failed else 0)


if __name__ == '__main__':
    main()
