#!/usr/bin/env python3
"""`evaldb serve` in a real browser: headless Chromium driven by Selenium.

  python3 e2e/browser/test_serve.py                         # against .build/debug/evaldb
  python3 e2e/browser/test_serve.py --evaldb PATH           # another binary
  python3 e2e/browser/test_serve.py --screenshots docs/images

It copies the sample dataset (evals/) to a temporary git work tree, adds one record made of
script and HTML injection attempts, imports it, records the sample candidate run and queues the
sample proposals; starts the binary's `serve` on a free port and then, with the keyboard only:

  - reads three of the run's failures: a note, a failure category, a label edit, a tag; each
    marked read with `y`;
  - accepts a proposal with `a`, and finishes the session with `q`;
  - opens the injection record: its input, labels and notes show as text, and no script of
    theirs runs (checked in the page: no alert, no element they tried to make, no flag they
    tried to set, no script but the server's own).

Then it checks, without evaldb, the database (python's sqlite3) and the dataset file: the
version the session made, its author, the read marks, the categories, the decision, the edited
records, and the team log. Then the `--plot` pictures (test_plots.py): each SVG rendered to PNG
in Chromium (kept in the --screenshots folder too). Needs Debian's chromium and chromium-driver and PyPI's selenium
(script/bootstrap-browser installs them). Ends with a line `browser: N passed, N failed`.
"""
import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / 'e2e'))
from checks import Checks, expect  # noqa: E402

DATASET = 'evals/data/v0/golden.jsonl'

# Every field a page shows is tried: each payload, if it ever ran, would set window.__pwned.
INJECTION_ID = 'xss "<b>001</b>" & ../../etc'
INJECTION = {
    'id': INJECTION_ID,
    'input': [
        {'role': 'user', 'content': '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'},
        {'role': 'assistant', 'content': '</div></textarea><svg onload="window.__pwned = 3"></svg>'},
    ],
    'context': ['<iframe src="javascript:window.__pwned = 4"></iframe>'],
    'expected_output': {'action': '<script>window.__pwned = 5</script>'},
    'labels': {'feature': '<b onmouseover="window.__pwned = 6">bold</b>', 'persona': '"><script>window.__pwned = 7</script>',
               'scenario': 'happy-path', 'tags': ['<script>window.__pwned = 8</script>']},
    'source': 'redteam',
    'author': '<i>mallory</i>',
    'created_at': '2026-11-26',
    'notes': '</textarea><script>window.__pwned = 9</script>',
}


class Workspace:
    """A git work tree with the sample dataset, imported, and `evaldb serve` running on it."""

    def __init__(self, evaldb):
        self.evaldb = str(evaldb)
        self.folder = Path(tempfile.mkdtemp(prefix='evaldb-browser-'))
        for path in [DATASET, 'evals/runs/baseline.jsonl', 'evals/runs/candidate.jsonl', 'evals/proposals/gpt-x.jsonl', 'evals/axes.json']:
            (self.folder / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / path, self.folder / path)
        with open(self.folder / DATASET, 'a', encoding='utf-8') as file:
            file.write(json.dumps(INJECTION, sort_keys=True) + '\n')
        subprocess.run(['git', 'init', '-q', str(self.folder)], check=True)
        self.env = {k: v for k, v in os.environ.items() if k != 'EVALDB_DB'}
        self.cli('import', DATASET, '--author', 'setup')
        self.cli('run', 'record', 'evals/runs/baseline.jsonl', '--name', 'baseline', '--dataset-file', DATASET)
        self.cli('run', 'record', 'evals/runs/candidate.jsonl', '--name', 'candidate', '--dataset-file', DATASET)
        self.cli('propose', 'evals/proposals/gpt-x.jsonl')
        # A run with outputs, for the side-by-side view and its screenshot.
        outputs = self.folder / 'outputs.jsonl'
        outputs.write_text(json.dumps({'id': 'multi-turn-refinement-003', 'pass': False, 'failure': 'wrong-booking', 'output': {
            'action': 'modify_booking', 'from_date': '2026-05-02', 'surname': 'Nakamura', 'time': '20:30', 'to_date': '2026-04-30'}})
            + '\n')
        self.cli('run', 'record', 'outputs.jsonl', '--name', 'with-outputs', '--dataset-file', DATASET)
        self.database = self.folder / '.evaldb' / 'evaldb.sqlite'
        self.server = subprocess.Popen(
            [self.evaldb, 'serve', '--port', '0', '--reviewer', 'ana'], cwd=self.folder, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.server.stdout.readline()
        match = re.match(r'evaldb serve: (http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]+))$', line.strip())
        expect(match, f'serve printed its address: {line!r} {self.server.stderr.read() if self.server.poll() is not None else ""}')
        self.url, self.port, self.token = match.group(1), int(match.group(2)), match.group(3)
        self.base = f'http://127.0.0.1:{self.port}'

    def cli(self, *arguments):
        done = subprocess.run([self.evaldb, *arguments], cwd=self.folder, env=self.env, capture_output=True, text=True)
        expect(done.returncode == 0, f'evaldb {" ".join(arguments)}: {done.stdout}{done.stderr}')
        return done.stdout

    def stop(self):
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGINT)
            try:
                out, err = self.server.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                self.server.kill()
                out, err = self.server.communicate()
            return self.server.returncode, out, err
        return self.server.returncode, '', ''

    def remove(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which('chromium') or '/usr/bin/chromium'
    for argument in ['--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--window-size=1400,1000',
                     '--force-device-scale-factor=1', '--lang=en-US']:
        options.add_argument(argument)
    options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    service = Service(shutil.which('chromedriver') or '/usr/bin/chromedriver')
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    return driver


class Reviewer:
    """The keyboard, and what a person sees after each key."""

    def __init__(self, driver):
        self.driver = driver

    def keys(self, *keys):
        ActionChains(self.driver).send_keys(*keys).perform()

    def press_and_wait(self, *keys, control=False):
        """Keys that load a new page (with Ctrl held, when `control`): waits for it."""
        old = self.driver.find_element(By.TAG_NAME, 'html')
        if control:
            ActionChains(self.driver).key_down(Keys.CONTROL).send_keys(*keys).key_up(Keys.CONTROL).perform()
        else:
            self.keys(*keys)
        WebDriverWait(self.driver, 30).until(expected_conditions.staleness_of(old))
        self.wait_loaded()

    def wait_loaded(self):
        WebDriverWait(self.driver, 30).until(lambda d: d.execute_script('return document.readyState') == 'complete')

    def focused_id(self):
        return self.driver.execute_script('return document.activeElement && document.activeElement.id')

    def text(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector).text

    def notice(self):
        found = self.driver.find_elements(By.CSS_SELECTOR, 'p.notice')
        return found[0].text if found else ''

    def error(self):
        found = self.driver.find_elements(By.CSS_SELECTOR, 'p.error')
        return found[0].text if found else ''

    def no_script_ran(self):
        try:
            alert = self.driver.switch_to.alert
            raise AssertionError(f'an alert is open: {alert.text}')
        except NoAlertPresentException:
            pass
        expect(self.driver.execute_script('return window.__pwned === undefined'), 'an injected script ran')
        scripts = self.driver.execute_script('return Array.from(document.scripts).map(s => s.src)')
        expect(scripts == [f'{self.driver.current_url.split("/")[0]}//{self.driver.current_url.split("/")[2]}/assets/keys.js'],
               f'only the server\'s script: {scripts}')
        for tag in ['iframe', 'svg', 'img', 'main b', 'main i']:
            expect(not self.driver.find_elements(By.CSS_SELECTOR, tag), f'an injected <{tag}> element')


def run_checks(evaldb, screenshots):
    checks = Checks()
    workspace = Workspace(evaldb)
    driver = browser()
    me = Reviewer(driver)
    reviewed = {}
    try:
        def sign_in():
            driver.get(workspace.url)
            me.wait_loaded()
            expect(driver.current_url == workspace.base + '/', f'the token leaves the address: {driver.current_url}')
            expect('reviewing as ana' in me.text('header.bar'), me.text('header.bar'))
            expect(driver.get_cookie(f'evaldb_token_{workspace.port}')['httpOnly'], 'the token cookie is HttpOnly')
            expect(driver.execute_script('return document.cookie') == '', 'no cookie is readable by a script')

        def review_three_failures():
            driver.get(workspace.base + '/queue?run=candidate&results=failed')
            me.wait_loaded()
            expect('Queue: candidate: failures' in me.text('h1'), me.text('h1'))
            if screenshots:
                driver.save_screenshot(str(screenshots / 'serve-queue.png'))
            me.press_and_wait('y')  # start reading

            # 1: a note (n), a failure category (f), read (y).
            first = me.text('h1.example-id')
            me.keys('n')
            expect(me.focused_id() == 'note', f'n focuses the note, not {me.focused_id()}')
            me.driver.execute_script('document.activeElement.value = ""')
            me.keys('irate user: apologise before asking')
            me.press_and_wait(Keys.ENTER, control=True)
            expect(me.notice() == 'Note saved.', me.notice() + me.error())
            me.keys('f')
            expect(me.focused_id() == 'failure', f'f focuses the failure category, not {me.focused_id()}')
            me.keys('missed the apology')
            me.press_and_wait(Keys.ENTER)
            expect(me.notice() == 'Failure category saved.', me.notice() + me.error())
            if screenshots:
                driver.save_screenshot(str(screenshots / 'serve-example.png'))
            me.keys('?')
            expect(driver.find_element(By.ID, 'help').is_displayed(), '? shows the keys')
            if screenshots:
                driver.save_screenshot(str(screenshots / 'serve-keys.png'))
            me.keys('?')
            me.press_and_wait('y')
            reviewed['first'] = first

            # 2: a label edit (l) and a tag (t); keys typed while a field has the focus stay in it.
            second = me.text('h1.example-id')
            expect(second != first, 'y went on to the next example')
            me.keys('l')
            expect(me.focused_id() == 'label', f'l focuses the label field, not {me.focused_id()}')
            me.keys('scenario=edge-case')
            me.press_and_wait(Keys.ENTER)
            expect(me.notice() == 'Label saved.', me.notice() + me.error())
            me.keys('t')
            me.keys('needs-review')
            me.press_and_wait(Keys.ENTER)
            expect(me.notice() == 'Tags saved.', me.notice() + me.error())
            expect(me.text('h1.example-id') == second, 'still on the same example')
            me.press_and_wait('y')
            reviewed['second'] = second

            # 3: a failure category from the ones in use, then read.
            third = me.text('h1.example-id')
            expect(third not in (first, second), 'the third example')
            me.keys('f')
            me.driver.execute_script('document.activeElement.value = ""')
            me.keys('missed the apology')
            me.press_and_wait(Keys.ENTER)
            me.press_and_wait(Keys.SPACE)
            reviewed['third'] = third

        def accept_a_proposal():
            driver.get(workspace.base + '/proposals')
            me.wait_loaded()
            me.press_and_wait('y')
            expect('Proposal #1' in me.text('h1'), me.text('h1'))
            reviewed['proposal'] = me.text('h1 .example-id')
            if screenshots:
                driver.save_screenshot(str(screenshots / 'serve-proposal.png'))
            me.press_and_wait('a')
            expect(me.notice().startswith('Accepted'), me.notice() + me.error())
            me.press_and_wait('q')  # finish the session
            expect('Session finished' in me.text('h1'), me.text('main'))
            expect('Version 2' in me.text('main'), me.text('main'))
            expect('Wrote version 2 to evals/data/v0/golden.jsonl' in me.text('main'), me.text('main'))

        def side_by_side():
            driver.get(workspace.base + '/example?run=with-outputs&id=multi-turn-refinement-003')
            me.wait_loaded()
            turns = [element.text.split('\n')[0] for element in driver.find_elements(By.CSS_SELECTOR, '.turn .role')]
            expect(turns == ['USER', 'ASSISTANT', 'USER', 'ASSISTANT', 'USER'] or turns == ['user', 'assistant', 'user', 'assistant', 'user'],
                   f'the conversation as turns: {turns}')
            chunk = driver.find_element(By.CSS_SELECTOR, 'details.chunk')
            expect(not chunk.get_attribute('open'), 'context chunks are folded')
            me.keys('c')
            expect(chunk.get_attribute('open'), 'c unfolds them')
            changed = [row.text for row in driver.find_elements(By.CSS_SELECTOR, 'table.diff tr.changed')]
            expect(len(changed) == 2 and changed[0].startswith('from_date'), f'the fields that differ: {changed}')
            if screenshots:
                driver.set_window_size(1400, 1750)
                driver.save_screenshot(str(screenshots / 'serve-conversation.png'))
                driver.set_window_size(1400, 1000)

        def runs_view():
            driver.get(workspace.base + '/runs?base=baseline&run=candidate&by=feature&budget=5')
            me.wait_loaded()
            expect(me.text('h1') == 'Runs', me.text('h1'))
            pictures = driver.find_elements(By.CSS_SELECTOR, 'main figure.plot > svg')
            expect(len(pictures) == 3, f'the forest plot, the pass rates and the trend: {len(pictures)}')
            for picture in pictures:
                box = picture.rect
                expect(box['width'] > 300 and box['height'] > 150, f'drawn at its size: {box}')
            rows = driver.execute_script("return Array.from(document.querySelectorAll('main svg g.row text.label')).map(t => t.textContent)")
            expect('all' in rows and 'feature=refund-request' in rows, f'row labels: {rows}')
            expect(driver.execute_script('return window.__pwned === undefined'), 'an injected script ran')
            scripts = driver.execute_script('return Array.from(document.scripts).map(s => s.src)')
            expect(len(scripts) == 1 and scripts[0].endswith('/assets/keys.js'), f'only the server\'s script: {scripts}')
            violations = [entry for entry in driver.get_log('browser') if 'Content Security Policy' in entry.get('message', '')]
            expect(not violations, f'the pictures need nothing the policy forbids: {violations}')
            if screenshots:
                driver.set_window_size(1400, 1700)
                driver.save_screenshot(str(screenshots / 'serve-runs.png'))
                driver.set_window_size(1400, 1000)

        def injection_is_text():
            link = workspace.base + '/example?' + urllib.parse.urlencode({'id': INJECTION_ID})
            driver.get(link)
            me.wait_loaded()
            me.keys('c')  # unfold everything
            me.no_script_ran()
            expect(me.text('h1.example-id') == INJECTION_ID, f'the id as text: {me.text("h1.example-id")!r}')
            page = me.text('main')
            for text in ['<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">',
                         '<b onmouseover="window.__pwned = 6">bold</b>', '<script>window.__pwned = 8</script>',
                         '<iframe src="javascript:window.__pwned = 4"></iframe>', '<i>mallory</i>']:
                expect(text in page, f'shown as text: {text}')
            expect(driver.find_element(By.ID, 'note').get_attribute('value') == INJECTION['notes'], 'the note, as text, in its field')
            # A new note of markup, typed with the keyboard, comes back as text too.
            me.keys('n')
            me.driver.execute_script('document.activeElement.value = ""')
            me.keys('<script>window.__pwned = 10</script>')
            me.press_and_wait(Keys.ENTER, control=True)
            me.no_script_ran()
            expect(driver.find_element(By.ID, 'note').get_attribute('value') == '<script>window.__pwned = 10</script>', 'saved as text')
            violations = [entry for entry in driver.get_log('browser') if 'Content Security Policy' in entry.get('message', '')]
            expect(not violations, f'nothing even tried to run: {violations}')

        def database_and_file():
            code, out, err = workspace.stop()
            expect(code == 0, f'serve stopped cleanly on Ctrl-C: {code} {out} {err}')
            expect('review ended: version 3' in out, f'stopping finished the open session: {out}')
            db = sqlite3.connect(f'file:{workspace.database}?mode=ro', uri=True)
            versions = db.execute('SELECT version, author FROM versions ORDER BY version').fetchall()
            expect(versions == [(1, 'setup'), (2, 'ana'), (3, 'ana')], f'versions: {versions}')
            # Marks are per revision: an example edited and read is read at its new revision too.
            marks = db.execute('SELECT DISTINCT e.id FROM review_marks m JOIN stored_revisions r ON r.rev = m.rev '
                               'JOIN stored_examples e ON e.key = r.example WHERE m.reviewer = ?', ('ana',)).fetchall()
            expect(sorted(m[0] for m in marks) == sorted([reviewed['first'], reviewed['second'], reviewed['third']]),
                   f'three examples read by ana: {marks}')
            unread = db.execute('SELECT count(*) FROM review_marks m JOIN stored_examples e ON e.head = m.rev '
                                'WHERE m.reviewer = ?', ('ana',)).fetchone()[0]
            expect(unread == 3, f'read at their current revisions: {unread}')
            categories = db.execute(
                'SELECT e.id, f.failure FROM result_failures f JOIN stored_examples e ON e.key = f.example ORDER BY f.id').fetchall()
            expect(categories == [(reviewed['first'], 'missed the apology'), (reviewed['third'], 'missed the apology')], f'{categories}')
            decisions = db.execute("SELECT id, status, decided_by FROM proposals WHERE status != 'pending'").fetchall()
            expect(decisions == [(1, 'accepted', 'ana')], f'decisions: {decisions}')
            db.close()

            records = {}
            with open(workspace.folder / DATASET, encoding='utf-8') as file:
                for line in file:
                    record = json.loads(line)
                    records[record['id']] = record
            expect(records[reviewed['first']]['notes'] == 'irate user: apologise before asking', 'the note is in the file')
            second = records[reviewed['second']]['labels']
            expect(second['scenario'] == 'edge-case' and second['tags'][-1] == 'needs-review', f'label and tag: {second}')
            proposal = json.loads((ROOT / 'evals/proposals/gpt-x.jsonl').read_text().splitlines()[0])
            accepted = records[reviewed['proposal']]['labels']
            expect(all(accepted[key] == value for key, value in proposal['labels'].items()), f'the accepted labels: {accepted}')
            expect(records[INJECTION_ID]['notes'] == '<script>window.__pwned = 10</script>', 'the injection record\'s new note')
            expect(records[INJECTION_ID]['input'] == INJECTION['input'], 'its input as it was')

            log = ''.join(path.read_text() for path in (workspace.folder / 'evals/log').glob('*.jsonl'))
            events = [json.loads(line) for line in log.splitlines()]
            kinds = [event['event'] for event in events]
            read = {event['id'] for event in events if event['event'] == 'read' and event['by'] == 'ana'}
            expect(read == {reviewed['first'], reviewed['second'], reviewed['third']}, f'read events: {read}')
            expect(kinds.count('failure') == 2 and kinds.count('decision') == 1, f'team log: {kinds}')

        checks.run('the printed address lets the browser in, and a cookie it cannot read keeps it in', sign_in)
        checks.run('three failures reviewed with the keyboard: note, category, label, tag, read', review_three_failures)
        checks.run('a proposal accepted with a, the session finished with q', accept_a_proposal)
        checks.run('a conversation as turns, context folded until c, expected and output side by side with a field diff', side_by_side)
        checks.run('the runs view draws the comparison per slice, the pass rates and the trend inline, under the CSP', runs_view)
        checks.run('a record of script and HTML injection shows as text; none of it runs', injection_is_text)
        checks.run('the database and the dataset file hold what was done (read without evaldb)', database_and_file)
    finally:
        driver.quit()
        workspace.stop()
        workspace.remove()
    return checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--evaldb', default=str(ROOT / '.build' / 'debug' / 'evaldb'), help='the evaldb binary')
    parser.add_argument('--screenshots', help='a folder to save screenshots of the pages in')
    arguments = parser.parse_args()
    screenshots = Path(arguments.screenshots).resolve() if arguments.screenshots else None
    if screenshots:
        screenshots.mkdir(parents=True, exist_ok=True)
    checks = run_checks(Path(arguments.evaldb).resolve(), screenshots)
    # The --plot pictures, rendered in the same browser (e2e/browser/test_plots.py).
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_plots import run_plot_checks
    run_plot_checks(Path(arguments.evaldb).resolve(), screenshots, checks)
    print(f'browser: {checks.passed} passed, {checks.failed} failed')
    sys.exit(1 if checks.failed else 0)


if __name__ == '__main__':
    main()
