#!/usr/bin/env python3
"""Writes the canonical-JSON fixtures the Swift tests check evaldb against, with Python as the oracle.

  python3 make_fixtures.py            # rewrites canonical_cases.jsonl and jsontestsuite_expected.jsonl
  python3 make_fixtures.py --random SEED COUNT   # prints COUNT fresh random cases (the live oracle test)

Each output line is {"input": TEXT, "canonical": TEXT} where canonical is
json.dumps(json.loads(input), sort_keys=True), or {"input": TEXT, "rejected": REASON} for
inputs evaldb must refuse (what Python refuses, plus the spec's extra rejections: NaN/Infinity,
duplicate keys, lone surrogates, numbers overflowing a double).
"""
import json
import math
import random
import sys
from pathlib import Path

ACCEPTED = [
    '{}', '[]', '""', '0', '-0', '1', '-1', '12345678901234567890123456789012345678901234567890',
    '-98765432109876543210', '0.0', '-0.0', '1.0', '1.5', '1e2', '1E2', '1e+2', '1e-2', '-1e-400', '1e-400',
    '100000.0', '1e16', '1e15', '1.0e15', '123456789012345678.0', '0.0001', '0.00001', '1e-05', '5e-324',
    '1.7976931348623157e308', '2.5e-7', '0.1', '0.30000000000000004', '3.141592653589793', '1e22', '1e21',
    '9007199254740993.0', '-123.456e-10', '4.35', '2.675', '1.0000000000000002', '0.000123', '12e-5',
    '0.84', '12.5', '-3.25', '0.0012', '0.00012', '0.000012', '99999999999999.9', '999999999999999.9',
    '123456789012345.0', '12345678901234.5', '0.10', '1.10', '10.0', '-0.5', '0.0001', '0.00010', '-0.00', '100.0',
    '0.123456789012345', '0.1234567890123456', '1.5e0', '5.0',
    'true', 'false', 'null',
    '"plain"', '"caf\\u00e9"', '"café"', '"cafe\\u0301"', '"e\u0301"', '"\\ud83d\\ude00"', '"😀"', '"\\u007f"', '"\x7f"',
    '"a/b"', '"a\\/b"', '"tab\\there"', '"nl\\nx"', '"cr\\rx"', '"bs\\bx"', '"ff\\fx"', '"q\\"x"', '"bsl\\\\x"',
    '"\\u0000"', '"\\u001f"', '"\\u00A0"', '"\\uFFFF"', '"\\uDBFF\\uDFFF"', '"日本語"', '"\u2028\u2029"',
    '{"b": 1, "a": 2}', '{"a":{"d":[3,2,1],"c":null},"B":true}', '{"é": 1, "e": 2, "f": 3, "z": 4, "~": 5}',
    '{"\\u00e9": 1, "\\uffff": 2, "\\ud83d\\ude00": 3, "\\ue000": 4}', '{"": 0, " ": 1, "a": 2}',
    '{"e\u0301": 1, "\u00e9": 2}', '[1,[2,[3,[4,[]]]],{}]', '  {"a" :  1 ,"b":[ 1 , 2 ] }  ',
    '\t[\r\n1\t]\n', '{"id":"x","labels":{"tags":["a","b"],"n":1.50}}', '[1.0, 2.50, -0.0, 0e0, 0E+1, -0e-1]',
]

# Must be refused. Python itself refuses most; the spec adds NaN/Infinity, duplicate keys, lone
# surrogates and overflowing numbers, which Python accepts.
REJECTED = [
    ('', 'empty'), (' ', 'empty'), ('{', 'unterminated'), ('[1,]', 'trailing comma'), ('{"a":1,}', 'trailing comma'),
    ('[1 2]', 'missing comma'), ('{"a" 1}', 'missing colon'), ("{'a': 1}", 'single quotes'), ('[01]', 'leading zero'),
    ('[1.]', 'bad fraction'), ('[.5]', 'bad number'), ('[1e]', 'bad exponent'), ('[+1]', 'plus sign'),
    ('[-]', 'bad number'), ('NaN', 'NaN'), ('[NaN]', 'NaN'), ('[Infinity]', 'Infinity'), ('[-Infinity]', 'Infinity'),
    ('[1e400]', 'overflow'), ('[-1e400]', 'overflow'), ('{"a": 1, "a": 2}', 'duplicate key'),
    ('{"a": {"b": 1, "b": 1}}', 'duplicate key'), ('["\\ud800"]', 'lone surrogate'), ('["\\udc00"]', 'lone surrogate'),
    ('["\\ud800x"]', 'lone surrogate'), ('["\\ud800\\u0041"]', 'lone surrogate'), ('["a\tb"]', 'raw control'),
    ('["a\x00b"]', 'raw control'), ('["\\x41"]', 'bad escape'), ('["\\u12"]', 'bad escape'), ('[true false]', 'missing comma'),
    ('tru', 'bad literal'), ('nul', 'bad literal'), ('[1] [2]', 'extra data'), ('{"a":1} x', 'extra data'),
    ('// c\n{}', 'comment'), ('{"a":1 /* c */}', 'comment'), ('["unterminated]', 'unterminated string'),
    ('\ufeff{}', 'BOM inside a JSON text'),
]


def random_value(rng, depth=0):
    kind = rng.choice(['int', 'float', 'str', 'bool', 'null', 'list', 'dict'] if depth < 4 else ['int', 'float', 'str'])
    if kind == 'int':
        return rng.choice([0, -1, rng.randint(-10**6, 10**6), rng.randint(-10**30, 10**30)])
    if kind == 'float':
        return rng.choice([
            rng.uniform(-1e6, 1e6), rng.random() * 10 ** rng.randint(-320, 308), -rng.random() * 10 ** rng.randint(-20, 20),
            float(rng.randint(0, 10**17)), rng.choice([0.1, 0.5, 100000.0, 1e16, 1e-5, 1e-4, 2.5e-10, -0.0]),
            round(rng.uniform(-1000, 1000), rng.randint(0, 8)), round(rng.random() / 10 ** rng.randint(0, 6), rng.randint(1, 12))])
    if kind == 'str':
        alphabet = 'abcXYZ09 "\\/\n\t\x01\x7fé€😀\u0301\u2028日本\ud7ff\ue000\uffff'
        return ''.join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
    if kind == 'bool':
        return rng.random() < 0.5
    if kind == 'null':
        return None
    if kind == 'list':
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ['id', 'a', 'B', 'é', 'e\u0301', '😀', '\uffff', '', 'labels', 'z~', 'Z']
    return {rng.choice(keys) + rng.choice(['', '1', 'x']): random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def scrambled(value, rng):
    """A non-canonical but equivalent spelling of value: raw UTF-8, compact or loose separators, shuffled keys."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        sep = rng.choice([',', ', ', ' ,\t'])
        return '{' + sep.join(json.dumps(k, ensure_ascii=rng.random() < 0.5) + rng.choice([':', ': ', ' : ']) + scrambled(v, rng)
                              for k, v in items) + '}'
    if isinstance(value, list):
        return '[' + rng.choice([',', ', ']).join(scrambled(v, rng) for v in value) + ']'
    if isinstance(value, float) and rng.random() < 0.3 and math.isfinite(value) and value != 0:
        return '%.17e' % value  # another spelling of the same double
    return json.dumps(value, ensure_ascii=rng.random() < 0.5)


def random_cases(rng, count):
    for _ in range(count):
        value = random_value(rng)
        yield {'input': scrambled(value, rng), 'canonical': json.dumps(value, sort_keys=True)}


class Refused(ValueError):
    pass


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise Refused('duplicate key')
    return dict(pairs)


def refuse_constant(name):
    raise Refused(name)


def check_strings(value):
    """Lone surrogates cannot be encoded as UTF-8; overflowed floats are inf."""
    if isinstance(value, str):
        value.encode('utf-8')
    elif isinstance(value, float) and math.isinf(value):
        raise Refused('overflow')
    elif isinstance(value, list):
        for v in value:
            check_strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            check_strings(k)
            check_strings(v)


def evaldb_expectation(data):
    """What the spec says evaldb makes of one JSON text given as bytes: its canonical text or None.

    Python's json.loads is the oracle, with the spec's extra rules: strict UTF-8 (a BOM at the
    start is accepted, as at the start of a file), no duplicate keys, no NaN/Infinity, no number
    overflowing a double, no lone surrogate.
    """
    if data.startswith(b'\xef\xbb\xbf'):
        data = data[3:]
    try:
        text = data.decode('utf-8')
        value = json.loads(text, object_pairs_hook=no_duplicates, parse_constant=refuse_constant)
        check_strings(value)
        return json.dumps(value, sort_keys=True)
    except (ValueError, UnicodeError, RecursionError):
        return None


# Cases the suite accepts that the spec rejects: a duplicate key in one object.
SPEC_EXCEPTIONS = {'y_object_duplicated_key.json', 'y_object_duplicated_key_and_value.json'}


def suite_expectations():
    suite = Path(__file__).with_name('JSONTestSuite')
    for folder in ('test_parsing', 'test_transform'):
        for path in sorted((suite / folder).iterdir()):
            canonical = evaldb_expectation(path.read_bytes())
            entry = {'file': f'{folder}/{path.name}'}
            if canonical is None:
                entry['rejected'] = True
            else:
                entry['canonical'] = canonical
            if folder == 'test_parsing':
                expected = {'y': True, 'n': False}.get(path.name[0])
                if expected is not None and expected != (canonical is not None) and path.name not in SPEC_EXCEPTIONS:
                    sys.exit(f'{path.name}: the oracle disagrees with the suite')
            yield entry


def main():
    if len(sys.argv) == 4 and sys.argv[1] == '--random':
        for case in random_cases(random.Random(int(sys.argv[2])), int(sys.argv[3])):
            print(json.dumps(case, sort_keys=True))
        return
    suite_out = Path(__file__).with_name('jsontestsuite_expected.jsonl')
    with suite_out.open('w') as f:
        for entry in suite_expectations():
            f.write(json.dumps(entry, sort_keys=True) + '\n')
    out = Path(__file__).with_name('canonical_cases.jsonl')
    rng = random.Random(20261126)
    lines = []
    for text in ACCEPTED:
        lines.append({'input': text, 'canonical': json.dumps(json.loads(text), sort_keys=True)})
    lines.extend(random_cases(rng, 400))
    for text, reason in REJECTED:
        lines.append({'input': text, 'rejected': reason})
    with out.open('w') as f:
        for line in lines:
            f.write(json.dumps(line, sort_keys=True) + '\n')
    print(f'wrote {len(lines)} cases to {out}')


if __name__ == '__main__':
    main()
