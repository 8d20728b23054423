#!/usr/bin/env python3
"""A STAND-IN for your system, so that the sample project runs end to end with no model.

It replays the answers that two versions of a booking assistant gave (evals/standin/answers.jsonl,
looked up by the SHA-256 of the example's input): `baseline` or `candidate`, the first argument.
An input it has no answer for gets a polite non-answer. It reads what evaldb sends — the example's
record, one JSON line on stdin — and prints the answer as JSON; run with --worker it answers each
line of a stream the same way.

Replace it with your system: any command that reads the example on stdin and prints its answer.
With the `llm` tool, for instance (docs/run.md):

    evaldb run exec --name gpt-4o-mini --send input --grade contains -- llm -m gpt-4o-mini -s "$(cat prompt.txt)"
"""
import hashlib
import json
import os
import sys

version = sys.argv[1] if len(sys.argv) > 1 else "baseline"
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "answers.jsonl")) as recorded:
    answers = {entry["input_sha256"]: entry for entry in map(json.loads, recorded)}

for line in sys.stdin:
    example = json.loads(line)
    key = hashlib.sha256(json.dumps(example["input"], sort_keys=True).encode()).hexdigest()
    answer = answers.get(key, {}).get(version, {"action": "reply", "message": "Sorry, I can only help with bookings."})
    print(json.dumps(answer), flush=True)
