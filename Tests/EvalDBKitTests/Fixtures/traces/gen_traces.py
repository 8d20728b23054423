#!/usr/bin/env python3
"""Writes the trace fixtures of SampleTests, and what sampling must choose from them, computed here
with hashlib alone: the independent reference for evaldb's bottom-k.

  python3 gen_traces.py      # rewrites the files beside this script

Files:
  plain.jsonl       400 plain traces (sessions, attributes.intent, attributes.tier)
  otlp.jsonl        OpenTelemetry OTLP JSON lines: GenAI and OpenInference spans
  langsmith.jsonl   a LangSmith run export: root runs and child runs
  mapped.jsonl      another shape, read with --map
  expected.json     for each case of plain.jsonl: the plan, and per stratum its size, the ids chosen
                    (smallest digest first) and the inclusion probability

The rule (docs/traces.md): digest = SHA-256 of the UTF-8 bytes of "SEED:TRACE_ID", compared as 32
unsigned bytes; a trace belongs to the first stratum it matches; within a stratum, each session keeps
its PER_SESSION traces with the smallest digests, and a quota of k keeps the k smallest of those; a
rate R keeps those whose digest's first 8 bytes, big-endian, over 2**64 are below R. The inclusion
probability is the number chosen over the stratum's size (or R).
"""
import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def dumps(value):
    return json.dumps(value, sort_keys=True)


def plain_traces():
    intents = ["booking", "refund", "menu", "booking", "hours", "booking", "refund", "menu", "other", "booking"]
    questions = [
        "Can I book a table for {n} people on Friday?",
        "I want my money back for order {n}",
        "Do you have vegan options? ({n})",
        "Is the terrace open tonight? {n}",
    ]
    traces = []
    for i in range(1, 401):
        trace = {
            "trace_id": f"t-{i:04d}",
            "timestamp": f"2026-04-{1 + i % 28:02d}T{i % 24:02d}:15:00Z",
            "input": questions[i % len(questions)].format(n=i),
            "output": f"answer {i}",
            "attributes": {"intent": intents[i % len(intents)], "latency_ms": 100 + i},
        }
        if i % 2 == 0:
            trace["session_id"] = f"s-{i % 37:02d}"  # 37 sessions of about 5 traces
        if i % 23 == 0:
            trace["attributes"]["tier"] = "vip"
        if i % 50 == 0:
            trace["input"] = [{"role": "user", "content": f"hello {i}"}, {"role": "assistant", "content": "hi"}]
        traces.append(trace)
    return traces


def digest(seed, trace_id):
    return hashlib.sha256(f"{seed}:{trace_id}".encode("utf-8")).digest()


def matches(trace, key, value):
    if key.startswith("attributes."):
        found = trace.get("attributes", {}).get(key[len("attributes."):])
    else:
        found = trace.get(key)
    values = found if isinstance(found, list) else [found]
    for v in values:
        if isinstance(v, str) and v == value:
            return True
        if isinstance(v, bool) and json.dumps(v) == value:
            return True
        if isinstance(v, (int, float)) and not isinstance(v, bool) and json.dumps(v) == value:
            return True
        if v is None and found is not None and value == "null":
            return True
    return False


def sample(traces, seed, strata, rest, per_session):
    """strata: [(name, [(key, value)], ("count", k) | ("rate", r))]; rest: the same size or None."""
    names = [s[0] for s in strata] + ["uniform"]
    sizes = [s[2] for s in strata] + [rest]
    members = {name: [] for name in names}
    for trace in traces:
        name = next((s[0] for s in strata if any(matches(trace, k, v) for k, v in s[1])), "uniform")
        if name == "uniform" and rest is None:
            continue
        members[name].append(trace)
    result = []
    for name, size in zip(names, sizes):
        if size is None:
            continue
        pool = members[name]
        by_session = {}
        reduced = []
        for trace in pool:
            if "session_id" in trace:
                by_session.setdefault(trace["session_id"], []).append(trace)
            else:
                reduced.append(trace)
        for siblings in by_session.values():
            reduced += sorted(siblings, key=lambda t: digest(seed, t["trace_id"]))[:per_session]
        reduced.sort(key=lambda t: digest(seed, t["trace_id"]))
        kind, amount = size
        if kind == "count":
            chosen = reduced[:amount]
            probability = len(chosen) / len(pool) if pool else 0
        else:
            chosen = [t for t in reduced if int.from_bytes(digest(seed, t["trace_id"])[:8], "big") / 2**64 < amount]
            probability = amount
        result.append({
            "stratum": name,
            "size": len(pool),
            "chosen": [t["trace_id"] for t in chosen],
            "digests": [digest(seed, t["trace_id"]).hex() for t in chosen],
            "inclusion_probability": probability,
        })
    return result


CASES = [
    {"name": "uniform", "seed": "fixture", "strata": [], "rest": ["count", 40], "per_session": 1000},
    {"name": "uniform-per-session", "seed": "fixture", "strata": [], "rest": ["count", 40], "per_session": 1},
    {"name": "strata", "seed": "2026-04", "per_session": 1,
     "strata": [["refund", [["attributes.intent", "refund"]], ["count", 10]],
                ["vip", [["attributes.tier", "vip"]], ["count", 5]]],
     "rest": ["count", 20]},
    {"name": "strata-swapped", "seed": "2026-04", "per_session": 1,
     "strata": [["vip", [["attributes.tier", "vip"]], ["count", 5]],
                ["refund", [["attributes.intent", "refund"]], ["count", 10]]],
     "rest": ["count", 20]},
    {"name": "small-stratum", "seed": "fixture", "per_session": 1000,
     "strata": [["vip", [["attributes.tier", "vip"]], ["count", 100]]], "rest": None},
    {"name": "rate", "seed": "fixture", "strata": [], "rest": ["rate", 0.1], "per_session": 1000},
    {"name": "rate-strata", "seed": "fixture", "per_session": 2,
     "strata": [["refund", [["attributes.intent", "refund"], ["attributes.intent", "hours"]], ["rate", 0.5]]],
     "rest": ["count", 15]},
]


def otlp_lines():
    def attr(key, value):
        if isinstance(value, bool):
            return {"key": key, "value": {"boolValue": value}}
        if isinstance(value, int):
            return {"key": key, "value": {"intValue": str(value)}}
        return {"key": key, "value": {"stringValue": value}}

    genai_root = {
        "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "parentSpanId": "",
        "name": "chat gpt-4o", "kind": 3, "startTimeUnixNano": "1776247200000000000", "endTimeUnixNano": "1776247201000000000",
        "attributes": [
            attr("gen_ai.operation.name", "chat"),
            attr("gen_ai.request.model", "gpt-4o"),
            attr("gen_ai.conversation.id", "conv-17"),
            attr("gen_ai.system_instructions", json.dumps([{"type": "text", "content": "You book tables."}])),
            attr("gen_ai.input.messages", json.dumps([{"role": "user", "parts": [{"type": "text", "content": "A table for two at 8?"}]}])),
            attr("gen_ai.output.messages", json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": "Booked for 8 pm."}], "finish_reason": "stop"}])),
            attr("app.intent", "booking"),
            attr("gen_ai.usage.input_tokens", 42),
        ],
    }
    tool_child = {
        "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "aaa19b7ec3c1b175", "parentSpanId": "eee19b7ec3c1b174",
        "name": "execute_tool book", "startTimeUnixNano": "1776247200500000000",
        "attributes": [attr("gen_ai.tool.name", "book")],
    }
    openinference_root = {
        "traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331", "parentSpanId": "",
        "name": "agent", "startTimeUnixNano": "1776333600000000000",
        "attributes": [
            attr("openinference.span.kind", "CHAIN"),
            attr("input.value", "where is my refund?"),
            attr("output.value", "{\"answer\": \"in 3 days\"}"),
            attr("output.mime_type", "application/json"),
            attr("session.id", "sess-9"),
            attr("app.intent", "refund"),
        ],
    }
    openinference_llm = {
        "traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "c7ad6b7169203332", "parentSpanId": "b7ad6b7169203331",
        "name": "llm", "startTimeUnixNano": "1776333600100000000",
        "attributes": [attr("input.value", "system: ... user: where is my refund?"), attr("openinference.span.kind", "LLM")],
    }
    no_input = {
        "traceId": "11111111111111111111111111111111", "spanId": "1111111111111111", "name": "GET /health",
        "attributes": [attr("http.method", "GET")],
    }
    child_only = {  # a trace whose root is elsewhere: its earliest span with an input stands for it
        "traceId": "22222222222222222222222222222222", "spanId": "2222222222222222", "parentSpanId": "9999999999999999",
        "name": "llm", "startTimeUnixNano": "1776420000000000000",
        "attributes": [attr("input.value", "late span"), attr("app.intent", "other")],
    }
    child_earlier = dict(child_only, spanId="2222222222222223", startTimeUnixNano="1776419999000000000",
                         attributes=[attr("input.value", "early span"), attr("app.intent", "other")])
    resource = {"attributes": [attr("service.name", "booking-bot"), attr("deployment.environment", "prod")]}
    line1 = {"resourceSpans": [{"resource": resource, "scopeSpans": [{"scope": {"name": "openai"}, "spans": [tool_child, genai_root]}]}]}
    line2 = {"resourceSpans": [{"resource": resource, "scopeSpans": [
        {"scope": {"name": "openinference"}, "spans": [openinference_llm, openinference_root, no_input]}]}]}
    line3 = {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [child_only, child_earlier]}]}]}
    return [line1, line2, line3]


def langsmith_lines():
    root = {
        "id": "8c5a3f0e-0000-4000-8000-000000000001", "trace_id": "8c5a3f0e-0000-4000-8000-000000000001",
        "name": "RunnableSequence", "run_type": "chain", "parent_run_id": None,
        "start_time": "2026-04-14T08:00:00.000000", "end_time": "2026-04-14T08:00:02.000000",
        "inputs": {"messages": [{"type": "system", "content": "You book tables."}, {"type": "human", "content": "Table for 4 tomorrow?"}]},
        "outputs": {"output": "Done: tomorrow, 4 people."},
        "extra": {"metadata": {"thread_id": "thread-3", "intent": "booking"}},
        "tags": ["prod"], "error": None, "session_id": "project-uuid",
    }
    child = {
        "id": "8c5a3f0e-0000-4000-8000-000000000002", "trace_id": "8c5a3f0e-0000-4000-8000-000000000001",
        "name": "ChatOpenAI", "run_type": "llm", "parent_run_id": "8c5a3f0e-0000-4000-8000-000000000001",
        "inputs": {"messages": [[{"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "HumanMessage"],
                                  "kwargs": {"content": "Table for 4 tomorrow?"}}]]},
        "outputs": {"generations": []},
    }
    second = {
        "id": "8c5a3f0e-0000-4000-8000-000000000003", "trace_id": "8c5a3f0e-0000-4000-8000-000000000003",
        "name": "qa", "run_type": "chain", "parent_run_id": None, "start_time": "2026-04-15T09:00:00",
        "inputs": {"question": "Do you open on Mondays?"}, "outputs": {"answer": "No, we are closed on Mondays."},
        "extra": {"metadata": {}}, "tags": [],
    }
    lc_root = {
        "id": "8c5a3f0e-0000-4000-8000-000000000004", "trace_id": "8c5a3f0e-0000-4000-8000-000000000004",
        "name": "agent", "run_type": "chain", "parent_run_id": None,
        "inputs": {"messages": [[{"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", "HumanMessage"],
                                  "kwargs": {"content": "Refund my deposit", "type": "human"}}]]},
        "outputs": None, "extra": {"metadata": {"session_id": "sess-4"}},
    }
    return [root, child, second, lc_root]


def mapped_lines():
    return [
        {"request": {"id": "req-1", "messages": [{"role": "user", "content": "Gluten free?"}]},
         "response": {"text": "Yes, two dishes."}, "meta": {"conversation": "c-1", "route": "menu"}, "ts": "2026-04-10T10:00:00Z"},
        {"request": {"id": "req-2", "messages": [{"role": "user", "content": "Refund please"}]},
         "response": {"text": "Sure."}, "meta": {"conversation": "c-2", "route": "refund"}, "ts": "2026-04-11T10:00:00Z"},
    ]


def write_lines(name, lines):
    (HERE / name).write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")


def main():
    traces = plain_traces()
    write_lines("plain.jsonl", traces)
    write_lines("otlp.jsonl", otlp_lines())
    write_lines("langsmith.jsonl", langsmith_lines())
    write_lines("mapped.jsonl", mapped_lines())
    expected = []
    for case in CASES:
        strata = [(s[0], [tuple(c) for c in s[1]], tuple(s[2])) for s in case["strata"]]
        rest = tuple(case["rest"]) if case["rest"] else None
        expected.append(dict(case, strata=case["strata"], result=sample(traces, case["seed"], strata, rest, case["per_session"])))
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
