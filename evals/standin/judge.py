#!/usr/bin/env python3
"""A STAND-IN for an LLM judge, so that the sample project runs end to end with no model.

evaldb run exec --judge -- python3 evals/standin/judge.py -- CMD gives it, for each example,
{"context", "expected_output", "id", "input", "output"} as one JSON line on stdin; it prints
{"pass": true|false, "rationale": "..."}. It checks what the sample dataset's expected outputs
describe: members such as "action" must be equal, each "must_include" phrase must be in the
answer's message and no "must_not_include" phrase, a "tone" of "apologetic" needs an apology, and
an expected answer in plain text must match (case and spacing aside).

A real judge is a prompt to a model: replace this script with any command that reads that line
and prints that object, e.g. a script calling your model's API. Measure it against people first
(`evaldb judge calibrate`, docs/statistics.md).
"""
import json
import sys


def norm(text):
    return " ".join(str(text).casefold().split())


def message(output):
    if isinstance(output, dict):
        return norm(output.get("message", ""))
    return norm(output if isinstance(output, str) else json.dumps(output))


for line in sys.stdin:
    question = json.loads(line)
    output, expected = question["output"], question["expected_output"]
    problems = []
    if isinstance(expected, str):
        if message(output) != norm(expected):
            problems.append("the answer is not the expected one")
    elif not isinstance(output, dict):
        problems.append("expected an action, got text")
    else:
        said = message(output)
        for key, value in expected.items():
            if key == "must_include":
                problems += [f"does not say {phrase!r}" for phrase in value if norm(phrase) not in said]
            elif key == "must_not_include":
                problems += [f"says {phrase!r}" for phrase in value if norm(phrase) in said]
            elif key == "tone":
                if value == "apologetic" and "sorry" not in said and "apolog" not in said:
                    problems.append("does not apologise")
            elif output.get(key) != value:
                problems.append(f"{key}: expected {json.dumps(value)}, got {json.dumps(output.get(key))}")
    print(json.dumps({"pass": not problems, "rationale": "; ".join(problems) or "does what the example expects"}), flush=True)
