#!/usr/bin/env python3
"""A STAND-IN for an LLM that rewrites an example's input, so that `evaldb synth` runs with no model.

evaldb synth -- python3 evals/standin/rewrite.py gives it an example's record as one JSON line on
stdin (and EVALDB_SYNTH_N, how many rewrites are wanted); it prints that many new inputs, one JSON
value a line. Its rewrites are mechanical (casing, politeness, a typo, urgency); a real rewriter is
a prompt to a model, e.g. `llm -m gpt-4o-mini -s "Rewrite this user message N ways, one a line"`
reading the input (docs/run.md).
"""
import json
import os
import sys

VARIANTS = [
    lambda text: text.lower(),
    lambda text: "hi, " + text[:1].lower() + text[1:] + " thanks",
    lambda text: text.replace("e", "3", 1),
    lambda text: text.upper() + "!!",
    lambda text: "quick question: " + text,
]

wanted = int(os.environ.get("EVALDB_SYNTH_N", "3"))
record = json.loads(sys.stdin.read())
original = record["input"]
for variant in VARIANTS[:wanted]:
    if isinstance(original, str):
        rewritten = variant(original)
    else:  # a conversation: rewrite the last user turn
        rewritten = [dict(turn) for turn in original]
        for turn in reversed(rewritten):
            if turn.get("role") == "user" and isinstance(turn.get("content"), str):
                turn["content"] = variant(turn["content"])
                break
    print(json.dumps(rewritten))
