#!/usr/bin/env python3
"""Writes the hostile-input corpus in bad/: one file per kind of bad input, and bad/expected.json
with the position of the first error in each (line, column in code points, a word of the message),
worked out here from where each file puts its fault, not from evaldb's output.

  python3 make_bad.py
"""
import json
from pathlib import Path

HERE = Path(__file__).with_name('bad')


def record(i, **override):
    r = {'id': f'ex-{i}', 'input': 'hello', 'context': None, 'expected_output': 'hi',
         'labels': {'feature': 'f'}, 'source': 'synth', 'author': 'a', 'created_at': '2026-04-16', 'notes': None}
    r.update(override)
    return json.dumps(r, sort_keys=True)


def main():
    HERE.mkdir(exist_ok=True)
    good = record(1) + '\n'
    cases = {}

    def case(name, data, line, column, word):
        (HERE / name).write_bytes(data if isinstance(data, bytes) else data.encode())
        cases[name] = {'line': line, 'column': column, 'message': word}

    def faulty(name, line_text, token, word, prefix=good, last=False):
        # the fault is at `token` (its last occurrence with `last`) in line 2; column in code points
        at = line_text.rindex(token) if last else line_text.index(token)
        case(name, prefix + line_text + '\n', 2, at + 1, word)

    base = record(2)
    faulty('nan.jsonl', base.replace('"context": null', '"context": NaN'), 'NaN', 'NaN')
    faulty('infinity.jsonl', base.replace('"context": null', '"context": -Infinity'), '-Infinity', 'Infinity')
    faulty('trailing_comma.jsonl', base[:-1] + ', }', '}', 'trailing comma', last=True)
    faulty('comment.jsonl', base.replace('"context": null', '"context": /* x */ null'), '/*', 'expected a JSON value')
    faulty('duplicate_key.jsonl', base[:-1] + ', "id": "again"}', '"id": "again"', 'duplicate key')
    faulty('lone_surrogate.jsonl', base.replace('"input": "hello"', '"input": "a\\ud800b"'), '\\ud800', 'surrogate')
    faulty('overflow.jsonl', base.replace('"context": null', '"context": 1e400'), '1e400', 'overflows')
    faulty('non_object.jsonl', '[1, 2]', '[', 'object')
    assert ', "source": "synth"' in base
    faulty('missing_field.jsonl', base.replace(', "source": "synth"', ''), '{', 'missing required field')
    faulty('labels_not_object.jsonl', base.replace('"labels": {"feature": "f"}', '"labels": ["f"]'), '["f"]', 'labels')
    faulty('duplicate_id.jsonl', record(1), '"ex-1"', 'duplicate id')
    # Bytes that are not UTF-8, in a value and in a key; a raw NUL in a string.
    line = base.replace('"input": "hello"', '"input": "he\udcffllo"')
    column = line.index('\udcff') + 1
    case('invalid_utf8_value.jsonl', good.encode() + line.encode('utf-8', 'surrogateescape') + b'\n', 2, column, 'UTF-8')
    line = base.replace('"notes": null', '"n\udcfeotes": null')
    column = line.index('\udcfe') + 1
    case('invalid_utf8_key.jsonl', good.encode() + line.encode('utf-8', 'surrogateescape') + b'\n', 2, column, 'UTF-8')
    line = base.replace('"input": "hello"', '"input": "he\x00llo"')
    case('nul_byte.jsonl', good + line + '\n', 2, line.index('\x00') + 1, 'control character')
    # A file cut short in the middle of its last record, without a final newline.
    cut = base[:len(base) // 2]
    case('truncated.jsonl', good + cut, 2, len(cut) + 1, 'unterminated')
    # 100,000 nested arrays: refused at the depth limit, without overflowing the stack.
    deep = base.replace('"context": null', '"context": ' + '[' * 100000 + ']' * 100000)
    # The record is level 1, so the 995th '[' is level 996: one too deep.
    case('deep_nesting.jsonl', good + deep + '\n', 2, deep.index('[') + 995, 'nesting')
    # (A 10 MB line is made by the test itself, not committed.)
    case('empty.jsonl', b'', 1, 1, 'the file is empty')
    case('blank_only.jsonl', '\n  \n\t\n', 1, 1, 'the file is empty')
    # A results file for `run record` naming ids the dataset does not have.
    results = json.dumps({'id': 'ex-1', 'pass': True}) + '\n' + json.dumps({'id': 'from-another-dataset', 'pass': False}) + '\n'
    (HERE / 'results_other_dataset.jsonl').write_text(results)
    cases['results_other_dataset.jsonl'] = {'line': 2, 'column': results.splitlines()[1].index('"from') + 1,
                                            'message': 'not an example of version'}
    (HERE / 'expected.json').write_text(json.dumps(cases, indent=1, sort_keys=True) + '\n')
    print(f'wrote {len(cases)} cases to {HERE}')


if __name__ == '__main__':
    main()
