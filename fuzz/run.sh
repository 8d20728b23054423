#!/usr/bin/env bash
# Fuzzes the JSON parser and canonical serializer with libFuzzer and AddressSanitizer.
#
#   fuzz/run.sh [SECONDS]        # default 60; crashes are written to .build-fuzz/crash-*
#
# Seeds: the JSONTestSuite cases and the canonical JSON fixtures. Not part of `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out=.build-fuzz
mkdir -p "$out/corpus"
cp Tests/EvalDBKitTests/Fixtures/JSONTestSuite/test_parsing/*.json "$out/corpus/" 2>/dev/null || true
python3 - "$out/corpus" <<'PY'
import json, sys, hashlib, pathlib
out = pathlib.Path(sys.argv[1])
for line in open('Tests/EvalDBKitTests/Fixtures/canonical_cases.jsonl'):
    text = json.loads(line)['input'].encode('utf-8', 'surrogatepass')
    (out / hashlib.sha1(text).hexdigest()).write_bytes(text)
PY
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzJSON \
    Sources/EvalDBKit/JSON/*.swift fuzz/FuzzCanonicalJSON.swift -o "$out/fuzz-canonical-json"
"$out/fuzz-canonical-json" "$out/corpus" -max_total_time="$seconds" -max_len=65536 -artifact_prefix="$out/" -print_final_stats=1
