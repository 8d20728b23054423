#!/usr/bin/env bash
# The team model test (Tests/EvalDBCLITests/TeamModelTests.swift) with more seeds and longer
# schedules than `swift test` plays: three clones and an origin doing concurrent work, checked
# against a model and against each other, a fresh clone and rebuilt databases.
#
#   fuzz/team.sh                 # seeds 1..20, 120 steps each
#   fuzz/team.sh 1,2,3 300       # these seeds, 300 steps each
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-$(seq -s, 1 20)}
steps=${2:-120}
swift build --build-tests
EVALDB_TEAM_SEEDS="$seeds" EVALDB_TEAM_STEPS="$steps" swift test --skip-build --filter TeamModelTests
