#!/usr/bin/env python3
"""Writes the hand-made Inspect AI logs of InspectTests (run with .build-python/bin/python3, which
has zstandard): scores.json, the log as Inspect's .json format lays it out, and the same log as
.eval archives, scores-deflate.eval (DEFLATE entries) and scores-zstd.eval (Zstandard, as Inspect
writes them since 2025). bad-score.json is written by hand."""
import json
import zipfile

import zstandard

HASH = "sha256:" + "ab" * 32


def sample(id, epoch, value, completion, error=None, explanation=None):
    s = {
        "id": id, "epoch": epoch, "input": "question for " + id, "target": '{"action": "answer"}',
        "output": {"model": "mockllm", "completion": completion, "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5}},
        "metadata": {"evaldb_dataset": HASH, "labels": {"feature": "booking-lookup"}},
    }
    if value is not None:
        s["scores"] = {"match": {"value": value, "answer": completion, "explanation": explanation or completion}}
    if error:
        s["error"] = {"message": error, "traceback": "Traceback ...", "traceback_ansi": ""}
    return s


samples = [
    sample("ex-0001", 1, "C", "answer"),
    sample("ex-0001", 2, "I", "no answer"),
    sample("ex-0002", 1, True, "answer"),
    sample("ex-0003", 1, "P", "half an answer", explanation="partly right"),
    sample("ex-0004", 1, 0.25, "café"),
    sample("ex-0005", 1, None, "", error="RuntimeError: the model went away"),
]
header = {
    "version": 2, "status": "success",
    "eval": {"eval_id": "E1", "task": "golden", "model": "mockllm/model",
             "dataset": {"name": "golden", "samples": 5, "sample_ids": ["ex-0001", "ex-0002", "ex-0003", "ex-0004", "ex-0005"]}},
    "results": {"scores": [{"name": "match", "scorer": "match", "metrics": {"accuracy": {"name": "accuracy", "value": 0.45}}}]},
}
with open("scores.json", "w", encoding="utf-8") as f:
    json.dump({**header, "samples": samples}, f, indent=2, ensure_ascii=False)


def deflate_archive(name):
    # Samples first and in reverse, as a running eval appends them; the header last.
    with zipfile.ZipFile(name, "w") as z:
        for s in reversed(samples):
            z.writestr(f"samples/{s['id']}_epoch_{s['epoch']}.json", json.dumps(s), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("header.json", json.dumps(header), compress_type=zipfile.ZIP_DEFLATED)


deflate_archive("scores-deflate.eval")


def zstd_archive(name):
    """zipfile cannot write method 93: lay out the archive by hand."""
    import struct
    import zlib
    entries = [(f"samples/{s['id']}_epoch_{s['epoch']}.json", json.dumps(s).encode()) for s in reversed(samples)]
    entries.append(("header.json", json.dumps(header).encode()))
    body, central = b"", b""
    for filename, data in entries:
        cobj = zstandard.ZstdCompressor().compressobj()
        compressed = cobj.compress(data) + cobj.flush()  # a streamed frame: no content size
        crc = zlib.crc32(data)
        name_bytes = filename.encode()
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 63, 0, 93, 0, 0, crc, len(compressed), len(data), len(name_bytes), 0)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 63, 63, 0, 93, 0, 0, crc, len(compressed), len(data),
                               len(name_bytes), 0, 0, 0, 0, 0, len(body)) + name_bytes
        body += local + name_bytes + compressed
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(body), 0)
    with open(name, "wb") as f:
        f.write(body + central + end)


zstd_archive("scores-zstd.eval")
