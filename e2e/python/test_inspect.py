#!/usr/bin/env python3
"""Inspect AI both ways, against a real `inspect eval`: evaldb's dataset out, Inspect's log back in.

  .build-python/bin/python3 e2e/python/test_inspect.py --evaldb .build/debug/evaldb

In a fresh copy of the sample project (evals/ in a new git work tree, the dataset imported):

  - `evaldb export --as inspect` writes the dataset; Inspect's own json_dataset reads every
    sample, with the ids, inputs (text and conversations), targets and the dataset hash;
  - `inspect eval` runs a task on it with mockllm/model, offline: the model replays the sample
    project's recorded candidate answers (evals/standin/answers.jsonl), so no network and no
    tokenizer download are needed; scored by Inspect's match(); once with a .json log, once with
    a .eval log (Zstandard in a zip) and two epochs;
  - `evaldb run record --from inspect LOG` records each log with no --dataset (the hash comes from
    the samples' metadata); `evaldb report` gives the pass rate Inspect's log holds as accuracy,
    with the passes counted sample by sample; `evaldb compare` of the two runs finds no difference;
    the run's meta names the model, task and scorer; trials are epochs - 1.

Needs inspect-ai (script/bootstrap-python installs it in .build-python/). Ends with a line
`inspect: N passed, N failed`.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / 'e2e'))
from checks import Checks, expect  # noqa: E402

DATASET = 'evals/data/v0/golden.jsonl'

TASK = '''
import hashlib, json
from pathlib import Path
from inspect_ai import Task, task
from inspect_ai.dataset import json_dataset
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import match
from inspect_ai.solver import generate

HERE = Path(__file__).parent
ANSWERS = {entry["input_sha256"]: entry for entry in map(json.loads, open(HERE / "evals/standin/answers.jsonl"))}


def replay(messages, tools, tool_choice, config):
    # The example's input as the sample project's stand-in system keys it: the text of a single
    # message, else the conversation.
    if len(messages) == 1:
        original = messages[0].text
    else:
        original = [{"content": m.text, "role": m.role} for m in messages]
    key = hashlib.sha256(json.dumps(original, sort_keys=True).encode()).hexdigest()
    answer = ANSWERS.get(key, {}).get("candidate", "Sorry, I can only help with bookings.")
    text = answer if isinstance(answer, str) else json.dumps(answer, sort_keys=True, ensure_ascii=False)
    output = ModelOutput.from_content(model="mockllm", content=text)
    output.usage = ModelUsage(input_tokens=10, output_tokens=len(text), total_tokens=10 + len(text))
    return output


@task
def golden():
    return Task(
        dataset=json_dataset(str(HERE / "golden-inspect.jsonl")),
        solver=generate(),
        scorer=match(location="exact"),
        model=get_model("mockllm/model", custom_outputs=replay),
    )
'''


class Project:
    """A fresh git work tree with the sample project's evals/, its dataset imported."""

    def __init__(self, evaldb):
        self.evaldb = str(Path(evaldb).resolve())
        self.folder = Path(tempfile.mkdtemp(prefix='evaldb-inspect-'))
        shutil.copytree(ROOT / 'evals', self.folder / 'evals', ignore=shutil.ignore_patterns('log'))
        subprocess.run(['git', 'init', '-q', str(self.folder)], check=True)
        self.env = {k: v for k, v in os.environ.items() if k != 'EVALDB_DB'}
        # Inspect writes its logs here and reads no configuration of the user's.
        self.env['INSPECT_LOG_DIR'] = str(self.folder / 'logs')
        self.env['INSPECT_DISPLAY'] = 'none'
        self.cli('import', DATASET, '--author', 'setup')

    def cli(self, *arguments, status=0):
        done = subprocess.run([self.evaldb, *arguments], cwd=self.folder, env=self.env, capture_output=True, text=True)
        expect(done.returncode == status, f'evaldb {" ".join(arguments)} exited {done.returncode}: {done.stdout}{done.stderr}')
        return done

    def inspect_eval(self, *arguments):
        inspect = Path(sys.executable).parent / 'inspect'
        done = subprocess.run([str(inspect), 'eval', 'task.py', *arguments], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, timeout=600)
        expect(done.returncode == 0, f'inspect eval exited {done.returncode}: {done.stdout}{done.stderr}')

    def remove(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--evaldb', default=str(ROOT / '.build/debug/evaldb'))
    args = parser.parse_args()

    from inspect_ai.dataset import json_dataset
    from inspect_ai.log import read_eval_log

    checks = Checks()
    project = Project(args.evaldb)
    records = [json.loads(line) for line in open(project.folder / DATASET, encoding='utf-8')]
    dataset_hash = json.loads(project.cli('versions', '--format', 'json').stdout)[-1]['hash']
    logs = {}

    def export():
        project.cli('export', '--as', 'inspect', '-o', 'golden-inspect.jsonl')
        (project.folder / 'task.py').write_text(TASK, encoding='utf-8')
        samples = list(json_dataset(str(project.folder / 'golden-inspect.jsonl')))
        expect([s.id for s in samples] == [r['id'] for r in records], 'the samples are the examples, in order')
        for sample, record in zip(samples, records):
            if isinstance(record['input'], str):
                expect(sample.input == record['input'], f'{sample.id}: a text input is the text')
            else:
                expect([(m.role, m.text) for m in sample.input] == [(m['role'], m['content']) for m in record['input']],
                       f'{sample.id}: a conversation is read as chat messages')
            expected = record['expected_output']
            target = expected if isinstance(expected, str) else json.dumps(expected, sort_keys=True, ensure_ascii=False)
            expect(sample.target == target, f'{sample.id}: the target is the expected output (non-strings as canonical JSON)')
            expect(sample.metadata['evaldb_dataset'] == dataset_hash, f'{sample.id}: the metadata holds the dataset hash')
            expect(sample.metadata['labels'] == record['labels'], f'{sample.id}: the metadata holds the labels')
            expect(sample.metadata['expected_output'] == expected, f'{sample.id}: and the expected output as JSON')

    def run_inspect(format, epochs):
        def body():
            before = set((project.folder / 'logs').glob('*')) if (project.folder / 'logs').exists() else set()
            project.inspect_eval('--log-format', format, '--epochs', str(epochs))
            written = [p for p in (project.folder / 'logs').glob(f'*.{format}') if p not in before]
            expect(len(written) == 1, f'inspect eval wrote one .{format} log: {written}')
            logs[format] = written[0]
        return body

    def record_and_report(format, epochs):
        def body():
            log_path = logs[format]
            log = read_eval_log(str(log_path))
            expect(log.status == 'success', f'the eval succeeded: {log.status}')
            accuracy = log.results.scores[0].metrics['accuracy'].value
            name = f'inspect-{format}'
            done = project.cli('run', 'record', '--from', 'inspect', str(log_path), '--name', name)
            expect(f'run {name}: {42 * epochs} results against version 1' in done.stdout, done.stdout)
            report = json.loads(project.cli('report', name, '--format', 'json').stdout)[0]
            expect(report['examples'] == 42, report)
            expect(report['rate'] == round(accuracy * 100, 1), f'pass rate {report["rate"]} = Inspect accuracy {accuracy * 100:.1f}')
            passes = sum(1 for s in log.samples if s.scores['match'].value == 'C')
            expect(report['passed'] * epochs == passes, f'passed {report["passed"]} x {epochs} epochs = {passes} samples scored C')
            expect(0 < passes < 42 * epochs, f'the replayed answers pass some examples and fail others: {passes}')
            shown = json.loads(project.cli('run', 'show', name, '--format', 'json').stdout)
            meta = json.loads(shown['meta']) if isinstance(shown['meta'], str) else shown['meta']
            expect(meta['model'] == 'mockllm/model' and meta['task'] == 'golden' and meta['scorer'] == 'match', meta)
            lines = [json.loads(line) for line in project.cli('run', 'export', name).stdout.splitlines()]
            by_sample = {(s.id, s.epoch): s for s in log.samples}
            for line in lines:
                sample = by_sample[(line['id'], line['trial'] + 1)]
                expect(line['pass'] == (sample.scores['match'].value == 'C'), f'{line["id"]}: pass is the score')
                expect(line['output'] == sample.output.completion, f'{line["id"]}: the output is the completion')
            expect(sorted({line['trial'] for line in lines}) == list(range(epochs)), 'trials are epochs - 1')
        return body

    def compare():
        result = subprocess.run([project.evaldb, 'compare', 'inspect-json', 'inspect-eval', '--budget', '5', '--format', 'json'],
                                cwd=project.folder, env=project.env, capture_output=True, text=True)
        expect(result.returncode in (0, 3), f'compare exited {result.returncode}: {result.stdout}{result.stderr}')
        verdict = json.loads(result.stdout.splitlines()[0])
        expect(verdict['difference'] == 0, f'the same answers, the same pass rate: {verdict}')

    def refusals():
        other = project.folder / 'other.json'
        log = json.loads(logs['json'].read_text(encoding='utf-8'))
        log['samples'][3]['metadata']['evaldb_dataset'] = 'sha256:' + '0' * 64
        other.write_text(json.dumps(log, indent=2), encoding='utf-8')
        done = project.cli('run', 'record', '--from', 'inspect', 'other.json', '--name', 'mixed', status=1)
        expect('other.json:' in done.stderr and 'a run is of one dataset version' in done.stderr, done.stderr)

    try:
        checks.run('export --as inspect: Inspect reads every sample, its input, target and metadata', export)
        checks.run('inspect eval with mockllm/model writes a .json log', run_inspect('json', 1))
        checks.run('run record --from inspect of the .json log: report equals Inspect accuracy', record_and_report('json', 1))
        checks.run('inspect eval writes a .eval log (zip, Zstandard) of two epochs', run_inspect('eval', 2))
        checks.run('run record --from inspect of the .eval log: report equals Inspect accuracy', record_and_report('eval', 2))
        checks.run('compare of the two Inspect runs finds no difference', compare)
        checks.run('a log whose samples name two datasets is refused at FILE:LINE:COL', refusals)
    finally:
        project.remove()
    print(f'inspect: {checks.passed} passed, {checks.failed} failed')
    sys.exit(1 if checks.failed else 0)


if __name__ == '__main__':
    main()
