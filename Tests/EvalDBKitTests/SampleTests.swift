import Crypto
import Foundation
import Testing

@testable import EvalDBKit

/// The trace fixtures (Fixtures/traces, written by gen_traces.py).
private enum Traces {
    static func path(_ name: String) -> String { Fixtures.url("traces/" + name).path }

    /// The cases of expected.json: the plan, and per stratum what Python's hashlib chose.
    static func cases() throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("traces/expected.json"))) as! [[String: Any]]
    }

    static func size(_ value: Any) -> SampleSize {
        let pair = value as! [Any]
        return pair[0] as! String == "count" ? .count(pair[1] as! Int) : .rate((pair[1] as! NSNumber).doubleValue)
    }

    static func plan(_ spec: [String: Any]) throws -> SamplePlan {
        let strata = try (spec["strata"] as! [[Any]]).map { stratum in
            Stratum(
                name: stratum[0] as! String,
                conditions: try (stratum[1] as! [[String]]).map { try TraceCondition(key: $0[0], value: $0[1]) },
                size: size(stratum[2]))
        }
        return SamplePlan(
            seed: spec["seed"] as! String, strata: strata, rest: spec["rest"].flatMap { $0 is NSNull ? nil : size($0) },
            perSession: spec["per_session"] as! Int)
    }

    /// The lines of plain.jsonl.
    static func plainLines() throws -> [String] {
        try String(contentsOfFile: path("plain.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
    }
}

/// SHA-256 of `SEED:ID`, computed here as any program would.
private func digestHex(_ seed: String, _ id: String) -> String {
    SHA256.hash(data: Array("\(seed):\(id)".utf8)).map { String(format: "%02x", $0) }.joined()
}

private func ids(_ stratum: TraceSample.StratumResult) -> [String] { stratum.chosen.map(\.trace.id) }

/// A plain trace line.
private func trace(_ id: String, _ input: String, session: String? = nil, intent: String = "booking", tier: String? = nil) -> String {
    var line = #"{"trace_id": "\#(id)", "input": "\#(input)", "output": "ok", "attributes": {"intent": "\#(intent)""#
    if let tier { line += #", "tier": "\#(tier)""# }
    line += "}"
    if let session { line += #", "session_id": "\#(session)""# }
    return line + "}\n"
}

@Suite("Sampling production traces: forms, bottom-k, strata, sessions, deduplication, proposals")
struct SampleTests {
    // MARK: - Bottom-k against an independent computation

    @Test("bottom-k chooses what Python's hashlib computes, for every case of the fixture (strata, quotas, rates, sessions)")
    func bottomKMatchesPython() throws {
        for spec in try Traces.cases() {
            let name = spec["name"] as! String
            let sample = try TraceSampler.sample([Traces.path("plain.jsonl")], plan: try Traces.plan(spec), duplicates: .empty)
            let expected = spec["result"] as! [[String: Any]]
            #expect(sample.strata.map(\.name) == expected.map { $0["stratum"] as! String }, "\(name)")
            for (stratum, want) in zip(sample.strata, expected) {
                #expect(ids(stratum) == want["chosen"] as! [String], "\(name) \(stratum.name)")
                #expect(stratum.chosen.map(\.digest.hex) == want["digests"] as! [String], "\(name) \(stratum.name)")
                #expect(stratum.traces == want["size"] as! Int, "\(name) \(stratum.name)")
                #expect(
                    abs(stratum.inclusionProbability - (want["inclusion_probability"] as! NSNumber).doubleValue) < 1e-12,
                    "\(name) \(stratum.name)")
            }
            #expect(sample.traces == 400)
        }
    }

    @Test("the digest is SHA-256 of SEED:TRACE_ID and the chosen ones are the smallest, compared as unsigned bytes")
    func digestIsSeededSHA256() throws {
        let plan = SamplePlan(seed: "fixture", rest: .count(40), perSession: 1000)
        let sample = try TraceSampler.sample([Traces.path("plain.jsonl")], plan: plan, duplicates: .empty)
        let chosen = sample.strata[0].chosen
        #expect(chosen.allSatisfy { $0.digest.hex == digestHex("fixture", $0.trace.id) })
        let all = (1...400).map { digestHex("fixture", String(format: "t-%04d", $0)) }.sorted()
        #expect(chosen.map(\.digest.hex) == Array(all.prefix(40)), "hex order is unsigned byte order")
    }

    @Test("the sample does not depend on the order of the lines")
    func independentOfFileOrder() throws {
        let folder = try TemporaryFolder()
        let reversed = try folder.write("reversed.jsonl", Traces.plainLines().reversed().joined(separator: "\n") + "\n")
        for spec in try Traces.cases() {
            let plan = try Traces.plan(spec)
            let forward = try TraceSampler.sample([Traces.path("plain.jsonl")], plan: plan, duplicates: .empty)
            let backward = try TraceSampler.sample([reversed], plan: plan, duplicates: .empty)
            #expect(forward.strata.map(ids) == backward.strata.map(ids), "\(spec["name"]!)")
        }
    }

    @Test("as the logs grow, a chosen trace leaves the sample only when one with a smaller hash arrives")
    func stableAsLogsGrow() throws {
        let folder = try TemporaryFolder()
        let lines = try Traces.plainLines()
        let yesterday = try folder.write("day1.jsonl", lines.prefix(200).joined(separator: "\n") + "\n")
        let today = try folder.write("day2.jsonl", lines.dropFirst(200).joined(separator: "\n") + "\n")
        for perSession in [1000, 1] {
            let plan = SamplePlan(seed: "grow", rest: .count(30), perSession: perSession)
            let before = try TraceSampler.sample([yesterday], plan: plan, duplicates: .empty).strata[0].chosen
            let after = try TraceSampler.sample([yesterday, today], plan: plan, duplicates: .empty).strata[0].chosen
            let kept = Set(after.map(\.trace.id))
            let newcomers = after.filter { $0.trace.file == today }
            for left in before where !kept.contains(left.trace.id) {
                #expect(newcomers.contains { $0.digest < left.digest }, "\(left.trace.id) left without a smaller newcomer")
            }
            // Every trace of yesterday chosen today was chosen yesterday.
            let yesterdays = Set(before.map(\.trace.id))
            #expect(after.filter { $0.trace.file == yesterday }.allSatisfy { yesterdays.contains($0.trace.id) })
            #expect(before.count == 30 && after.count == 30)
        }
        // A rate: a trace chosen yesterday is chosen today.
        let rate = SamplePlan(seed: "grow", rest: .rate(0.2), perSession: 1000)
        let first = try TraceSampler.sample([yesterday], plan: rate, duplicates: .empty).strata[0].chosen.map(\.trace.id)
        let second = Set(try TraceSampler.sample([yesterday, today], plan: rate, duplicates: .empty).strata[0].chosen.map(\.trace.id))
        #expect(!first.isEmpty && first.allSatisfy(second.contains))
    }

    // MARK: - Strata, quotas, sessions

    @Test("a trace belongs to the first stratum it matches; the rest is the uniform stratum")
    func strataInOrder() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write(
            "t.jsonl",
            trace("a", "refund vip", intent: "refund", tier: "vip") + trace("b", "refund", intent: "refund") + trace("c", "vip", tier: "vip")
                + trace("d", "other"))
        let refund = Stratum(name: "refund", conditions: [try TraceCondition(parsing: "attributes.intent=refund")], size: .count(10))
        let vip = Stratum(name: "vip", conditions: [try TraceCondition(parsing: "attributes.tier=vip")], size: .count(10))
        let first = try TraceSampler.sample([file], plan: SamplePlan(seed: "s", strata: [refund, vip], rest: .count(10)), duplicates: .empty)
        #expect(first.strata.map(ids).map { Set($0) } == [["a", "b"], ["c"], ["d"]])
        let swapped = try TraceSampler.sample([file], plan: SamplePlan(seed: "s", strata: [vip, refund], rest: .count(10)), duplicates: .empty)
        #expect(swapped.strata.map(ids).map { Set($0) } == [["a", "c"], ["b"], ["d"]])
        // Without the rest, the traces in no stratum are counted, not sampled.
        let only = try TraceSampler.sample([file], plan: SamplePlan(seed: "s", strata: [refund]), duplicates: .empty)
        #expect(only.strata.map(\.name) == ["refund"])
        #expect(only.unsampled == 2)
    }

    @Test("a quota keeps at most k; a stratum smaller than its quota is taken whole with probability 1; a quota of 0 takes none")
    func quotas() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("t.jsonl", (1...12).map { trace("id-\($0)", "q \($0)", intent: $0 <= 3 ? "refund" : "other") }.joined())
        let refund = Stratum(name: "refund", conditions: [try TraceCondition(parsing: "attributes.intent=refund")], size: .count(5))
        let sample = try TraceSampler.sample([file], plan: SamplePlan(seed: "s", strata: [refund], rest: .count(4)), duplicates: .empty)
        #expect(sample.strata[0].chosen.count == 3 && sample.strata[0].inclusionProbability == 1)
        #expect(sample.strata[1].chosen.count == 4 && sample.strata[1].traces == 9)
        #expect(sample.strata[1].inclusionProbability == 4.0 / 9.0)
        let none = try TraceSampler.sample([file], plan: SamplePlan(seed: "s", rest: .count(0)), duplicates: .empty)
        #expect(none.strata[0].chosen.isEmpty && none.strata[0].traces == 12)
    }

    @Test("one trace a session, the one with the smallest hash, unless the session limit is raised")
    func perSession() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write(
            "t.jsonl",
            (1...5).map { trace("a\($0)", "turn \($0)", session: "A") }.joined() + trace("b1", "alone") + trace("c1", "other", session: "C"))
        let smallest = (1...5).map { "a\($0)" }.sorted { digestHex("s", $0) < digestHex("s", $1) }
        let one = try TraceSampler.sample([file], plan: SamplePlan(seed: "s", rest: .count(10)), duplicates: .empty)
        #expect(Set(ids(one.strata[0])) == [smallest[0], "b1", "c1"])
        // Each trace the session rule set aside is named, with its session.
        let setAside = try #require(one.skipped.first { $0.reason == .session })
        #expect(Set(setAside.traces.map(\.id)) == Set(smallest.dropFirst()) && setAside.traces.allSatisfy { $0.like == "session A" })
        let two = try TraceSampler.sample([file], plan: SamplePlan(seed: "s", rest: .count(10), perSession: 2), duplicates: .empty)
        #expect(Set(ids(two.strata[0])) == [smallest[0], smallest[1], "b1", "c1"])
        #expect(two.strata[0].inclusionProbability == 4.0 / 7.0, "chosen over the stratum's traces")
    }

    // MARK: - Input forms

    @Test("OTLP JSON: GenAI and OpenInference spans become traces; one a trace id, its root or its earliest span with an input")
    func otlpForm() throws {
        let sample = try TraceSampler.sample([Traces.path("otlp.jsonl")], plan: SamplePlan(seed: "s", rest: .count(10)), duplicates: .empty)
        #expect(sample.files.map(\.form) == [.otlp])
        let traces = Dictionary(uniqueKeysWithValues: sample.chosen.map { ($0.trace.id, $0.trace) })
        #expect(traces.count == 3, "the health check span has no input")
        let genai = try #require(traces["5b8efff798038103d269b633813fc60c"])
        #expect(
            genai.input
                == #"[{"content": "You book tables.", "role": "system"}, {"content": "A table for two at 8?", "role": "user"}]"#)
        #expect(genai.output == #""Booked for 8 pm.""#)
        #expect(genai.sessionId == "conv-17")
        #expect(genai.timestamp == "2026-04-15T10:00:00Z")
        let attributes = try #require(genai.attributes)
        #expect(attributes.contains(#""app.intent": "booking""#) && attributes.contains(#""service.name": "booking-bot""#))
        #expect(attributes.contains(#""gen_ai.usage.input_tokens": 42"#), "intValue is a number")
        #expect(!attributes.contains("gen_ai.input.messages"), "the input is not repeated as an attribute")
        let openInference = try #require(traces["0af7651916cd43dd8448eb211c80319c"])
        #expect(openInference.input == #""where is my refund?""#, "the root span, not its LLM child")
        #expect(openInference.output == #"{"answer": "in 3 days"}"#, "JSON by its mime type")
        #expect(openInference.sessionId == "sess-9")
        #expect(traces["22222222222222222222222222222222"]?.input == #""early span""#)
        // Strata read the span's attributes.
        let refund = Stratum(name: "refund", conditions: [try TraceCondition(parsing: "attributes.app.intent=refund")], size: .count(5))
        let strata = try TraceSampler.sample([Traces.path("otlp.jsonl")], plan: SamplePlan(seed: "s", strata: [refund]), duplicates: .empty)
        #expect(ids(strata.strata[0]) == ["0af7651916cd43dd8448eb211c80319c"])
    }

    @Test("LangSmith runs: root runs only, messages as turns, a lone text as itself, the session from metadata")
    func langSmithForm() throws {
        let sample = try TraceSampler.sample(
            [Traces.path("langsmith.jsonl")], plan: SamplePlan(seed: "s", rest: .count(10)), duplicates: .empty)
        #expect(sample.files.map(\.form) == [.langSmith])
        #expect(sample.traces == 3, "the child run is not a trace")
        let traces = Dictionary(uniqueKeysWithValues: sample.chosen.map { ($0.trace.id, $0.trace) })
        let first = try #require(traces["8c5a3f0e-0000-4000-8000-000000000001"])
        #expect(first.input == #"[{"content": "You book tables.", "role": "system"}, {"content": "Table for 4 tomorrow?", "role": "user"}]"#)
        #expect(first.output == #""Done: tomorrow, 4 people.""#)
        #expect(first.sessionId == "thread-3", "the thread, not LangSmith's project session")
        #expect(first.attributes?.contains(#""intent": "booking""#) == true)
        #expect(first.attributes?.contains(#""run_type": "chain""#) == true)
        let second = try #require(traces["8c5a3f0e-0000-4000-8000-000000000003"])
        #expect(second.input == #""Do you open on Mondays?""#)
        #expect(second.output == #""No, we are closed on Mondays.""#)
        let serialized = try #require(traces["8c5a3f0e-0000-4000-8000-000000000004"])
        #expect(serialized.input == #"[{"content": "Refund my deposit", "role": "user"}]"#)
        #expect(serialized.output == nil && serialized.sessionId == "sess-4")
    }

    @Test("another shape is read through JSON pointers, field by field")
    func mappedForm() throws {
        var map: [TraceField: JSONPointer] = [:]
        for (field, pointer) in [
            (TraceField.traceId, "/request/id"), (.input, "/request/messages"), (.output, "/response/text"), (.sessionId, "/meta/conversation"),
            (.timestamp, "/ts"), (.attributes, "/meta"),
        ] {
            map[field] = try JSONPointer(parsing: pointer)
        }
        let refund = Stratum(name: "refund", conditions: [try TraceCondition(parsing: "attributes.route=refund")], size: .count(5))
        let sample = try TraceSampler.sample(
            [Traces.path("mapped.jsonl")], plan: SamplePlan(seed: "s", strata: [refund], rest: .count(5), map: map), duplicates: .empty)
        #expect(sample.files.map(\.form) == [.mapped])
        #expect(ids(sample.strata[0]) == ["req-2"] && ids(sample.strata[1]) == ["req-1"])
        let trace = sample.strata[1].chosen[0].trace
        #expect(trace.input == #"[{"content": "Gluten free?", "role": "user"}]"#)
        #expect(trace.output == #""Yes, two dishes.""# && trace.sessionId == "c-1" && trace.date == "2026-04-10")
        #expect(throws: EvalDBError.self) { try JSONPointer(parsing: "request/id") }
        #expect(try JSONPointer(parsing: "/a~1b/~0c").tokens == [Array("a/b".utf8), Array("~c".utf8)])
    }

    @Test("bad lines are reported at FILE:LINE:COL, up to the error limit, and nothing is chosen")
    func badLines() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write(
            "bad.jsonl",
            trace("ok", "fine") + "{\"trace_id\": \"x\", \"input\": \"a\",}\n" + "{\"input\": \"no id\"}\n"
                + "{\"trace_id\": \"y\", \"input\": null}\n"
                + "{\"trace_id\": \"z\", \"input\": \"a\", \"attributes\": [1]}\n")
        let errors = try #require(
            dataErrors { _ = try TraceSampler.sample([file], plan: SamplePlan(seed: "s", rest: .count(5)), duplicates: .empty) })
        #expect(errors.map(\.line) == [2, 3, 4, 5])
        #expect(errors[0].column == 32, "the } after the trailing comma, as Python says")
        #expect(errors[1].message.contains("\"trace_id\""))
        #expect(errors[2].message.contains("\"input\"") && errors[2].column == 28)
        #expect(errors.allSatisfy { $0.file == file })
        let limited = try #require(
            dataErrors { _ = try TraceSampler.sample([file, file], plan: SamplePlan(seed: "s", rest: .count(5), maxErrors: 2), duplicates: .empty) })
        #expect(limited.count == 2)
    }

    @Test("a plan with nothing to sample, a stratum named twice or a rate out of range is refused, with the problem as data")
    func badPlans() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("t.jsonl", trace("a", "x"))
        let condition = try TraceCondition(parsing: "attributes.intent=refund")
        func problem(_ body: () throws -> Void) -> SamplePlanProblem? {
            do {
                try body()
            } catch EvalDBError.invalidSamplePlan(let problem) {
                return problem
            } catch {
                Issue.record("another error: \(error)")
            }
            return nil
        }
        let twice = [Stratum(name: "r", conditions: [condition], size: .count(1)), Stratum(name: "r", conditions: [condition], size: .count(1))]
        let plans: [(SamplePlan, SamplePlanProblem)] = [
            (SamplePlan(seed: "s"), .nothingToSample),
            (SamplePlan(seed: "s", strata: twice), .stratumDeclaredTwice("r")),
            (
                SamplePlan(seed: "s", strata: [Stratum(name: "uniform", conditions: [condition], size: .count(1))]),
                .stratumNamedLikeTheRest("uniform")
            ),
            (SamplePlan(seed: "s", rest: .rate(1.5)), .rateOutOfRange(stratum: "uniform", 1.5)),
            (SamplePlan(seed: "s", rest: .count(-1)), .negativeQuota(stratum: "uniform", -1)),
            (SamplePlan(seed: "s", rest: .count(1), perSession: 0), .perSessionBelowOne(0)),
            (SamplePlan(seed: "s", rest: .count(1), labels: [("stratum", "\"x\"")]), .reservedLabel("stratum")),
        ]
        for (plan, expected) in plans {
            #expect(problem { _ = try TraceSampler.sample([file], plan: plan, duplicates: .empty) } == expected)
        }
        #expect(
            problem { _ = try TraceCondition(parsing: "intent=refund") }
                == .unknownTraceKey("intent", known: TraceField.allCases.filter { $0 != .attributes }.map(\.rawValue) + ["attributes.NAME"]))
        #expect(problem { _ = try TraceCondition(parsing: "attributes.intent") } == .conditionWithoutEquals("attributes.intent"))
        #expect(problem { _ = try JSONPointer(parsing: "request") } == .pointerWithoutSlash("request"))
        #expect(problem { _ = try JSONPointer(parsing: "/a~2") } == .pointerBadEscape("/a~2"))
    }

    // MARK: - Deduplication and proposals

    /// A store whose examples hold some traces' inputs: exactly, folded, removed, and a rejected proposal's.
    private func dedupeStore(_ folder: TemporaryFolder) throws -> Store {
        let store = try folder.store()
        let v1 = [
            Sample.line("ex-exact", question: "Where is my refund?"), Sample.line("ex-folded", question: "where IS my   order"),
            Sample.line("ex-removed", question: "Do you deliver?"), Sample.line("ex-other", question: "unrelated"),
        ]
        _ = try store.importFile(try folder.write("v1.jsonl", v1.joined(separator: "\n") + "\n"), options: by())
        _ = try store.importFile(
            try folder.write("v2.jsonl", [v1[0], v1[1], v1[3]].joined(separator: "\n") + "\n"), options: by())
        _ = try store.propose(try folder.write("p.jsonl", Sample.line("ex-proposed", question: "Can I bring my dog?") + "\n"), proposedBy: "gpt")
        let (session, _) = try ReviewSession.start(store, reviewer: "rita")
        try session.reject(try store.pendingProposals()[0], reason: "dogs are a policy question")
        try session.finish()
        return store
    }

    @Test("traces repeating an example's input (exactly or folded, removed examples too) or a rejected proposal's are skipped, and said why")
    func deduplication() throws {
        let folder = try TemporaryFolder()
        let store = try dedupeStore(folder)
        let file = try folder.write(
            "t.jsonl",
            trace("t1", "Where is my refund?") + trace("t2", "  WHERE is my order ") + trace("t3", "Do you deliver?")
                + trace("t4", "can i bring my DOG?")
                + trace("t5", "a new question") + trace("t6", "Where is my refund!"))
        let sample = try TraceSampler.sample([file], plan: SamplePlan(seed: "s", rest: .count(10)), duplicates: try store.duplicateIndex())
        #expect(Set(ids(sample.strata[0])) == ["t5", "t6"])
        #expect(sample.strata[0].traces == 2, "duplicates are not part of the stratum")
        let reasons = Dictionary(uniqueKeysWithValues: sample.skipped.map { ($0.reason, $0) })
        // Every skipped trace, in file order, with its place and what it repeats.
        #expect(reasons[.sameInput]?.traces.map(\.id) == ["t1", "t3"], "t1, and t3 whose example was removed")
        #expect(reasons[.sameInput]?.traces.map(\.line) == [1, 3] && reasons[.sameInput]?.traces.allSatisfy { $0.file == file } == true)
        #expect(reasons[.sameInput]?.traces.first?.like == "example ex-exact")
        #expect(reasons[.sameInputFolded]?.count == 1 && reasons[.sameInputFolded]?.traces.first?.like == "example ex-folded")
        #expect(reasons[.rejectedInput]?.count == 1)
        #expect(reasons[.rejectedInput]?.traces.first?.like.contains("dogs are a policy question") == true)
    }

    @Test(
        "chosen traces become proposals carrying the sampling facts; sampling again queues nothing new; accepted, the example keeps its inclusion probability"
    )
    func proposals() throws {
        let folder = try TemporaryFolder()
        let store = try dedupeStore(folder)
        let file = try folder.write(
            "t.jsonl",
            (1...6).map { trace("r\($0)", "refund \($0)", intent: "refund") }.joined()
                + (1...4).map { trace("o\($0)", "other \($0)", session: "S\($0 % 2)") }.joined())
        let refund = Stratum(name: "refund", conditions: [try TraceCondition(parsing: "attributes.intent=refund")], size: .count(3))
        let plan = SamplePlan(seed: "day-1", strata: [refund], rest: .count(5), labels: [("feature", "\"refunds\"")])
        let dry = try store.sample([file], plan: plan, author: "ana", proposedBy: "sampler", dryRun: true)
        #expect(dry.queued.count == 5 && dry.proposals.count == 5, "3 refunds and one trace of each of the 2 sessions")
        #expect(try store.pendingProposals().isEmpty, "a dry run writes nothing")
        let outcome = try store.sample([file], plan: plan, author: "ana", proposedBy: "sampler")
        #expect(outcome.queued.count == 5 && outcome.skipped.isEmpty)
        let pending = try store.pendingProposals()
        #expect(pending.map(\.exampleId) == outcome.proposals.map(\.exampleId))
        #expect(pending.allSatisfy { $0.exampleId.hasPrefix("trace-") && $0.proposedBy == "sampler" })
        for proposal in pending {
            var problems: [RecordSchema.Problem] = []
            _ = RecordSchema.check(try JSONParser.parse(proposal.content), problems: &problems)
            #expect(problems.isEmpty, "\(problems)")
            let record = try JSONSerialization.jsonObject(with: Data(proposal.content.utf8)) as! [String: Any]
            let labels = record["labels"] as! [String: Any]
            #expect(labels["feature"] as? String == "refunds")
            #expect(labels["sample_seed"] as? String == "day-1")
            #expect(labels["trace_file"] as? String == file)
            #expect((record["source"] as? String)?.hasPrefix("prod-trace:") == true)
            #expect(record["expected_output"] as? String == "ok")
            if labels["stratum"] as? String == "refund" {
                #expect(labels["inclusion_probability"] as? Double == 0.5 && labels["stratum_size"] as? Int == 6)
            } else {
                #expect(labels["stratum"] as? String == "uniform" && labels["inclusion_probability"] as? Double == 0.5)
                #expect(labels["session_id"] is String)
            }
        }
        // Again: the same traces are chosen, and none is queued twice.
        let again = try store.sample([file], plan: plan, author: "ana", proposedBy: "sampler")
        #expect(again.queued.isEmpty && again.skipped.count == 5)
        #expect(again.skipped.allSatisfy { $0.reason.contains("queued already") })
        // Accepted, the example carries its inclusion probability; the next sample skips it as sampled before.
        let (session, _) = try ReviewSession.start(store, reviewer: "rita")
        for proposal in try store.pendingProposals() { try session.accept(proposal) }
        try session.finish()
        let key = try #require(try store.database.scalarInt("SELECT key FROM stored_examples WHERE id = ?", [.text(outcome.proposals[0].exampleId)]))
        let values = try store.sliceValues(of: [key], at: try store.currentVersion()!.number)
        #expect(values.values.first?["inclusion_probability"] == ["0.5"])
        let third = try store.sample([file], plan: plan, author: "ana", proposedBy: "sampler")
        #expect(third.queued.isEmpty && third.skipped.allSatisfy { $0.reason.contains("exists already") })
        #expect(third.sample.strata[0].traces == 6, "its own example does not make a trace a duplicate")
    }

    @Test("sampling needs a dataset version to propose into")
    func needsADataset() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let file = try folder.write("t.jsonl", trace("a", "x"))
        #expect(throws: EvalDBError.self) { try store.sample([file], plan: SamplePlan(seed: "s", rest: .count(1)), author: "a", proposedBy: nil) }
    }

    @Test("folding lower-cases strings and collapses white space, keeping the shape")
    func folding() throws {
        func fold(_ json: String) throws -> String { String(decoding: try #require(InputFolder.folded(json)), as: UTF8.self) }
        #expect(try fold(#""  Hello\n\tWORLD  ""#) == #""hello world""#)
        #expect(try fold(#""ÉTÉ  À Paris""#) == #""\u00e9t\u00e9 \u00e0 paris""#)
        #expect(try fold(#"[{"role": "user", "content": "Hi  There"}]"#) == #"[{"content": "hi there", "role": "user"}]"#)
        #expect(try fold(#""Hi""#) != (try fold(#"[{"content": "Hi", "role": "user"}]"#)))
    }

    @Test("inputs that fold alike share the key that spares folding the others, whatever their white space and case")
    func prefixKeys() throws {
        let folder = InputFolder()
        func key(_ json: String) throws -> Int { folder.prefixKey(try JSONParser.parse(json), 0) }
        let word = String(repeating: "abcdefghij", count: 3)  // 30 letters: the key's 33 bytes end near it
        let alike = [
            ["\"\(word) xy\"", "\"  \(word.uppercased())   XY  \"", "\"\(word)\\n xy \\t\""],
            ["\"\(word)x  \"", "\"\(word)X\"", "\" \(word)x\""],
            ["\"\(word)xy z and more words after the key\"", "\"\(word)XY   Z and MORE words after the key   \""],
            [#"[{"role": "user", "content": "Où est  MON remboursement ?"}]"#, #"[{"content": "où est mon REMBOURSEMENT ?", "role": "user"}]"#],
            [#"{"q": "\"Quoted\" text", "n": 1}"#, #"{"n": 1, "q": "\"quoted\"   TEXT"}"#],
        ]
        for group in alike {
            let folded = try group.map { String(decoding: try #require(InputFolder.folded($0)), as: UTF8.self) }
            #expect(Set(folded).count == 1, "\(folded)")
            #expect(Set(try group.map(key)).count == 1, "\(group)")
        }
        #expect(try key("\"\(word) xy\"") != (try key("\"\(word)xy\"")))
        #expect(try key(#""where is my refund""#) != (try key(#""where is my order""#)))
    }
}

@Suite("Horvitz–Thompson: a pass rate re-weighted by inclusion probabilities")
struct HorvitzThompsonTests {
    @Test("two strata by hand: 4 examples at π = 0.5 (3 pass), 5 at π = 0.1 (2 pass)")
    func handComputed() throws {
        // Weights 2 and 10: Σw = 8 + 50 = 58, Σwy = 6 + 20 = 26, R = 26/58 (unweighted: 5/9).
        // z = w(y − R): stratum A deviations from its mean ±(0.5, −1.5), Σ = 3, v_A = (1 − 0.5)·4/3·3 = 2;
        // stratum B deviations (6, −4), Σ = 2·36 + 3·16 = 120, v_B = 0.9·5/4·120 = 135. V = 137/58².
        let estimate = try #require(
            HorvitzThompson.passRate(
                values: [1, 1, 0, 1, 1, 0, 0, 1, 0], probabilities: [0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1],
                strata: ["a", "a", "a", "a", "b", "b", "b", "b", "b"]))
        #expect(abs(estimate.rate - 26.0 / 58.0) < 1e-12)
        #expect(abs(estimate.standardError * estimate.standardError - 137.0 / 3364.0) < 1e-12)
        #expect(abs(estimate.population - 58) < 1e-12 && estimate.examples == 9)
        // Wilson at the effective size R(1 − R)/V = 6.0730 (computed in Python): 15.8% to 77.9%.
        #expect(abs(estimate.effectiveSize - 6.072992700729927) < 1e-9)
        #expect(abs(estimate.interval.lower - 0.1581070370382921) < 1e-9)
        #expect(abs(estimate.interval.upper - 0.7785268127661191) < 1e-9)
    }

    @Test("equal probabilities give the plain pass rate; a census has no sampling error; all passing uses Kish's size")
    func limits() throws {
        let equal = try #require(HorvitzThompson.passRate(values: [1, 0, 1, 1], probabilities: [0.2, 0.2, 0.2, 0.2], strata: ["u", "u", "u", "u"]))
        #expect(abs(equal.rate - 0.75) < 1e-12)
        let census = try #require(HorvitzThompson.passRate(values: [1, 0, 1], probabilities: [1, 1, 1], strata: ["u", "u", "u"]))
        #expect(census.interval == ProportionInterval(lower: 2.0 / 3.0, upper: 2.0 / 3.0))
        let allPass = try #require(
            HorvitzThompson.passRate(values: [1, 1, 1, 1], probabilities: [0.5, 0.5, 0.1, 0.1], strata: ["a", "a", "b", "b"]))
        #expect(allPass.rate == 1)
        // Kish: (Σw)²/Σw² = 24²/208 = 2.769; Wilson for 2.769 of 2.769 passing: 41.9% to 100% (Python).
        #expect(abs(allPass.effectiveSize - 576.0 / 208.0) < 1e-12)
        #expect(abs(allPass.interval.lower - 0.41890195138662234) < 1e-9 && abs(allPass.interval.upper - 1) < 1e-12)
        #expect(HorvitzThompson.passRate(values: [], probabilities: [], strata: []) == nil)
    }
}

@Suite("report --weighted: a run's pass rate over sampled examples, re-weighted")
struct WeightedReportTests {
    @Test("the examples' inclusion_probability and stratum labels weight the run's results; examples without one are left out")
    func weightedRun() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        // The hand case of HorvitzThompsonTests: stratum a at π = 0.5 (3 of 4 pass), b at π = 0.1 (2 of 5 pass).
        let passes = [true, true, false, true, true, false, false, true, false]
        var lines: [String] = []
        for i in passes.indices {
            let (stratum, probability) = i < 4 ? ("a", "0.5") : ("b", "0.1")
            lines.append(
                #"{"author": "a", "context": null, "created_at": "2026-04-16", "expected_output": "x", "id": "p\#(i)", "input": "q\#(i)", "labels": {"inclusion_probability": \#(probability), "stratum": "\#(stratum)"}, "notes": null, "source": "prod-trace:2026-04-15"}"#
            )
        }
        lines.append(Sample.line("synth-1"))
        lines.append(Sample.line("synth-2"))
        let version = try store.importFile(try folder.write("d.jsonl", lines.joined(separator: "\n") + "\n"), options: by()).version
        let results =
            passes.enumerated().map { #"{"id": "p\#($0.offset)", "pass": \#($0.element)}"# }.joined(separator: "\n")
            + "\n{\"id\": \"synth-1\", \"pass\": false}\n{\"id\": \"synth-2\", \"pass\": false}\n"
        let run = try store.recordRun(try folder.write("r.jsonl", results), against: version, options: RunOptions(name: "prod")).run
        let weighted = try store.weightedPassRate(run)
        #expect(weighted.weighted == 9 && weighted.leftOut == 2)
        #expect(abs((weighted.unweightedRate ?? 0) - 5.0 / 9.0) < 1e-12)
        let estimate = try #require(weighted.estimate)
        #expect(abs(estimate.rate - 26.0 / 58.0) < 1e-12)
        #expect(abs(estimate.interval.lower - 0.1581070370382921) < 1e-9 && abs(estimate.interval.upper - 0.7785268127661191) < 1e-9)
    }
}
