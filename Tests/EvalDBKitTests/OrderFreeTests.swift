import Foundation
import Testing

@testable import EvalDBKit

/// A small world both databases start from: four examples (ex-0001 and ex-0002 fail in run `r`,
/// ex-0003 and ex-0004 pass) and two label proposals.
private func world(_ folder: TemporaryFolder, _ name: String) throws -> Store {
    let store = try folder.store(name + ".sqlite")
    let version = try store.importFile(try folder.write(name + ".jsonl", Sample.file(count: 4)), options: by("ana")).version
    let results = (1...4).map { #"{"id": "\#(String(format: "ex-%04d", $0))", "pass": \#($0 > 2)}"# + "\n" }.joined()
    _ = try store.recordRun(try folder.write(name + "-r.jsonl", results), against: version, options: RunOptions(name: "r"))
    let proposals = #"{"id": "ex-0001", "labels": {"persona": "new-user"}}"# + "\n" + #"{"id": "ex-0002", "labels": {"persona": "troll"}}"# + "\n"
    _ = try store.propose(try folder.write(name + "-p.jsonl", proposals), proposedBy: "gpt-x")
    return store
}

/// The team state that events replace, as the database reads it through the queries the commands
/// use, keyed as `expected` keys it.
private struct TeamState: Equatable {
    /// Example id → failure category in force ("null": none).
    var failures: [String: String] = [:]
    /// Example id → "pass reviewer" of the verdict in force on trial 0.
    var verdicts: [String: String] = [:]
    /// Proposal content digest → "status decided_by reason accepted".
    var decisions: [String: String] = [:]
    /// Calibration name → "tp fn fp tn by who".
    var calibrations: [String: String] = [:]

    init() {}

    init(_ store: Store) throws {
        func rows(_ sql: String, _ body: (Statement) -> Void) throws {
            let statement = try store.database.prepare(sql)
            while try statement.step() { body(statement) }
        }
        // The `results` view (migration 0011) and review's SQL (`reviewedFailure`) say the same.
        try rows(
            """
            SELECT e.id, v.failure, \(ReviewSession.reviewedFailure) FROM stored_results x JOIN stored_examples e ON e.key = x.example
            JOIN results v ON v.id = e.id AND v.trial = x.trial
            """
        ) {
            failures[$0.text(0)] = $0.optionalText(1) ?? "null"
            #expect($0.optionalText(1) == $0.optionalText(2), "the results view and review agree on \($0.text(0))")
        }
        try rows(
            """
            SELECT e.id, h.pass, h.reviewer FROM human_verdicts h JOIN stored_examples e ON e.key = h.example
            WHERE h.trial = 0 AND \(Store.latestVerdict)
            """
        ) { verdicts[$0.text(0)] = "\($0.int(1) != 0) \($0.text(2))" }
        try rows("SELECT lower(hex(content_sha256)), status, decided_by, reason, accepted FROM proposals") { row in
            decisions[row.text(0)] = (1...4).map { row.optionalText($0) ?? "null" }.joined(separator: " ")
        }
        for name in ["j", "k"] {
            guard let calibration = try? store.calibration(named: name) else { continue }
            let table = calibration.agreement
            calibrations[name] =
                "\(table.truePositives) \(table.falseNegatives) \(table.falsePositives) \(table.trueNegatives) by \(calibration.createdBy ?? "?")"
        }
    }

    /// The hex content digests of a world's proposals.
    static func proposals(_ store: Store) throws -> [String] {
        let rows = try store.database.prepare("SELECT lower(hex(content_sha256)) FROM proposals ORDER BY id")
        var result: [String] = []
        while try rows.step() { result.append(rows.text(0)) }
        return result
    }
}

/// A seeded random set of events that replace one another: failure categories and verdicts on
/// ex-0001 and ex-0002, decisions on both proposals, calibrations named j and k; by three people
/// at three times, so that many share an `at`.
private func events(seed: UInt64, proposals: [String]) -> [LogEvent] {
    var generator = SeededGenerator(seed: seed)
    func pick<T>(_ choices: [T]) -> T { choices[Int(generator.next() % UInt64(choices.count))] }
    var events: [LogEvent] = []
    var seen = Set<String>()
    for _ in 0..<60 {
        let at = LogEvent.Value.string(pick(["2026-12-01T10:00:00Z", "2026-12-01T10:00:01Z", "2026-12-01T10:00:02Z"]))
        let by = LogEvent.Value.string(pick(["ana", "ben", "kim"]))
        let id = LogEvent.Value.string(pick(["ex-0001", "ex-0002"]))
        let event: LogEvent
        switch generator.next() % 4 {
        case 0:
            event = LogEvent(
                "failure", ["run": .string("r"), "id": id, "failure": pick([.string("wrong-date"), .string("rude"), .null]), "by": by, "at": at])
        case 1:
            event = LogEvent("verdict", ["run": .string("r"), "id": id, "trial": .int(0), "pass": .bool(pick([true, false])), "by": by, "at": at])
        case 2:
            let status = pick(["accepted", "rejected", "pending"])
            event = LogEvent(
                "decision",
                [
                    "proposal": .string(pick(proposals)), "status": .string(status), "by": by, "at": at,
                    "reason": status == "rejected" ? .string(pick(["no", "not a persona we serve"])) : nil,
                    "accepted": status == "accepted" ? .json(#"{"accepted": \#(generator.next() % 100)}"#) : nil,
                ])
        default:
            let count = { LogEvent.Value.int(Int(generator.next() % 50)) }
            event = LogEvent(
                "calibration",
                [
                    "name": .string(pick(["j", "k"])), "judge": .string("r"), "human": .string("r"), "tp": count(), "fn": count(),
                    "fp": count(), "tn": count(), "left_out": .int(0), "by": by, "at": at,
                ])
        }
        if seen.insert(event.id).inserted { events.append(event) }  // an event is applied once (applied_events)
    }
    return events
}

/// What must be in force: of each fact's events, the one with the latest `at`, ties broken by the
/// larger id — worked out here, apart from the database.
private func expected(_ events: [LogEvent], proposals: [String]) -> TeamState {
    func latest(_ kind: String, _ key: String) -> [String: LogEvent] {
        var result: [String: LogEvent] = [:]
        for event in events where event.kind == kind {
            let fact = event.string(key)!
            if let old = result[fact], (old.at, old.id) > (event.at, event.id) { continue }
            result[fact] = event
        }
        return result
    }
    var state = TeamState()
    for id in (1...4).map({ String(format: "ex-%04d", $0) }) { state.failures[id] = "null" }  // the results file names none
    for (id, event) in latest("failure", "id") { state.failures[id] = event.string("failure") ?? "null" }
    state.verdicts = latest("verdict", "id").mapValues { "\($0.json("pass")!) \($0.string("by")!)" }
    for digest in proposals { state.decisions[digest] = "pending null null null" }
    for (digest, event) in latest("decision", "proposal") {
        let status = event.string("status")!
        let accepted = event.json("accepted").map { (try? CanonicalJSON.canonicalize($0)) ?? $0 }
        state.decisions[digest] = [status, status == "pending" ? "null" : event.string("by")!, event.string("reason") ?? "null", accepted ?? "null"]
            .joined(separator: " ")
    }
    state.calibrations = latest("calibration", "name").mapValues { event in
        let table = ["tp", "fn", "fp", "tn"].map { event.json($0)! }.joined(separator: " ")
        return "\(table) by \(event.string("by")!)"
    }
    return state
}

@Suite("Order-free team state: what replaces what is the latest at, then the larger event id, in any order")
struct OrderFreeTests {
    @Test(
        "the same events applied in two random orders give the same failure category, verdict, decision and calibration: the model's",
        arguments: [1, 2, 3, 4, 5] as [UInt64])
    func anyOrderSameState(seed: UInt64) throws {
        let folder = try TemporaryFolder()
        let first = try world(folder, "first"), second = try world(folder, "second")
        let proposals = try TeamState.proposals(first)
        let made = events(seed: seed, proposals: proposals)
        var generator = SeededGenerator(seed: seed &* 7919)
        for (store, order) in [(first, made.shuffled(using: &generator)), (second, made.reversed().shuffled(using: &generator))] {
            try store.database.writeTransaction {
                for event in order {
                    let applied = try store.apply(event)
                    #expect(applied, "\(event.text)")
                }
            }
        }
        let state = try TeamState(first)
        #expect(state == (try TeamState(second)))
        let model = expected(made, proposals: proposals)
        #expect(state.failures == model.failures)
        #expect(state.verdicts == model.verdicts)
        #expect(state.decisions == model.decisions)
        #expect(state.calibrations == model.calibrations)
        #expect(Set(made.map(\.kind)) == ["failure", "verdict", "decision", "calibration"], "every kind is played")
    }

    @Test(
        "a fact made here is in force over the one it replaces, also twice in one second and behind another clone's clock; its row keeps its event's id"
    )
    func madeHereReplaces() throws {
        let folder = try TemporaryFolder()
        let store = try world(folder, "here")
        let run = try store.run(named: "r")
        let (session, _) = try ReviewSession.start(store, reviewer: "ana", run: run)
        func failure() throws -> String? { try TeamState(store).failures["ex-0001"].flatMap { $0 == "null" ? nil : $0 } }
        func verdict() throws -> String? { try TeamState(store).verdicts["ex-0001"] }
        for n in 0..<12 {  // many within one second: each replaces the one before
            try session.setFailure("ex-0001", category: "category-\(n)")
            #expect(try failure() == "category-\(n)")
            try session.setVerdict("ex-0001", pass: n % 2 == 0)
            #expect(try verdict() == "\(n % 2 == 0) ana")
        }
        // Another clone's category from a clock ahead of this one's: in force until one is set here.
        try store.database.writeTransaction {
            let ahead = LogEvent(
                "failure",
                [
                    "run": .string("r"), "id": .string("ex-0001"), "failure": .string("from-ben"), "by": .string("ben"),
                    "at": .string("2999-01-01T00:00:00Z"),
                ])
            let behind = LogEvent(
                "failure",
                [
                    "run": .string("r"), "id": .string("ex-0001"), "failure": .string("old"), "by": .string("kim"),
                    "at": .string("2000-01-01T00:00:00Z"),
                ])
            for event in [ahead, behind] { _ = try store.apply(event) }
        }
        #expect(try failure() == "from-ben")
        try session.setFailure("ex-0001", category: nil)
        #expect(try failure() == nil, "cleared here, after ben's")
        #expect(try store.database.scalarText("SELECT max(set_at) FROM result_failures") == "2999-01-01T00:00:00Z", "at ben's time, with a larger id")

        // A decision, and going back to pending in the same second: pending.
        let proposal = try #require(try store.pendingProposals().first)
        try session.reject(proposal, reason: "not now")
        try store.database.writeTransaction { try store.reopenProposal(proposal.number, reviewer: "ana") }
        #expect(try store.pendingProposals().map(\.number).contains(proposal.number))
        try session.reject(proposal, reason: "no")
        #expect(try TeamState(store).decisions.values.contains("rejected ana no null"))

        // Two calibrations of one name in one second: the second is in use.
        for tp in [11, 12] {
            try store.save(
                JudgeCalibration(
                    name: "j", judgeRun: "r", humanRun: "r", split: nil,
                    agreement: JudgeAgreement(truePositives: tp, falseNegatives: 1, falsePositives: 2, trueNegatives: 13), leftOut: 0, unmatched: 0,
                    disagreements: []), by: "ana")
            #expect(try store.calibration(named: "j").agreement.truePositives == tp)
        }
        try session.finish()
        for table in ["result_failures", "human_verdicts", "judge_calibrations"] {
            #expect(try store.database.scalarInt("SELECT count(*) FROM \(table) WHERE event IS NULL") == 0, "\(table)")
        }
        #expect(try store.database.scalarInt("SELECT count(*) FROM proposals WHERE decided_event IS NULL AND decision_at IS NOT NULL") == 0)
    }

    @Test(
        "a database from before migration 0011 keeps its category, verdict and decision; any event of the same at replaces them, an earlier one does not"
    )
    func rowsFromBeforeTheMigration() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("old.sqlite")
        let at = "2026-12-01T10:00:00Z"
        let content = #"{"id": "ex-0001", "labels": {"persona": "troll"}}"#
        do {  // as an evaldb before 0011 left it: rows without event ids
            let database = try Database(path: path)
            try Migrator(migrations: embeddedMigrations.filter { $0.name < "0011" }).migrate(database)
            let record = Sample.line("ex-0001")
            try database.execute(
                """
                INSERT INTO stored_versions(number, hash, created_at, author, example_count, added, changed, removed, restored, unchanged)
                    VALUES (1, 'sha256:\(sha256Hex(Array((record + "\n").utf8)))', '\(at)', 'ana', 1, 1, 0, 0, 0, 0);
                INSERT INTO stored_examples(key, id, head) VALUES (1, 'ex-0001', 1);
                INSERT INTO stored_runs(id, name, version, created_at, result_count, missing) VALUES (1, 'r', 1, '\(at)', 1, 0);
                INSERT INTO stored_results(run, example, trial, line, pass, record) VALUES (1, 1, 0, 1, 0, '{"id": "ex-0001", "pass": false}');
                INSERT INTO result_failures(run, example, failure, reviewer, set_at) VALUES (1, 1, 'old', 'ana', '\(at)');
                INSERT INTO human_verdicts(run, example, trial, pass, reviewer, set_at) VALUES (1, 1, 0, 1, 'ana', '\(at)');
                """)
            try database.prepare("INSERT INTO stored_revisions(rev, example, version, kind, record, sha256) VALUES (1, 1, 1, 'added', ?, ?)")
                .run([.text(record), .blob(sha256Bytes(record))])
            try database.prepare(
                """
                INSERT INTO proposals(kind, example_id, content, content_sha256, proposed_at, status, decided_by, decided_at, reason)
                VALUES ('labels', 'ex-0001', ?, ?, ?, 'rejected', 'ana', ?, 'no')
                """
            ).run([.text(content), .blob(sha256Bytes(content)), .text(at), .text(at)])
        }
        let store = try Store(path: path)
        #expect(try TeamState(store).failures == ["ex-0001": "old"])
        #expect(try TeamState(store).verdicts == ["ex-0001": "true ana"])
        #expect(try store.database.scalarText("SELECT decision_at FROM proposals") == at, "0011 keeps the decision's time")

        let digest = sha256Hex(Array(content.utf8))
        func apply(_ kind: String, _ members: [String: LogEvent.Value?]) throws {
            try store.database.writeTransaction { _ = try store.apply(LogEvent(kind, members)) }
        }
        let earlier = LogEvent.Value.string("2026-11-30T00:00:00Z")
        try apply("failure", ["run": .string("r"), "id": .string("ex-0001"), "failure": .string("earlier"), "by": .string("ben"), "at": earlier])
        try apply(
            "verdict", ["run": .string("r"), "id": .string("ex-0001"), "trial": .int(0), "pass": .bool(false), "by": .string("ben"), "at": earlier])
        try apply("decision", ["proposal": .string(digest), "status": .string("pending"), "by": .string("ben"), "at": earlier])
        #expect(try TeamState(store).failures == ["ex-0001": "old"])
        #expect(try TeamState(store).verdicts == ["ex-0001": "true ana"])
        #expect(try TeamState(store).decisions[digest] == "rejected ana no null")
        try apply(
            "failure", ["run": .string("r"), "id": .string("ex-0001"), "failure": .string("same-time"), "by": .string("ben"), "at": .string(at)])
        try apply(
            "verdict",
            ["run": .string("r"), "id": .string("ex-0001"), "trial": .int(0), "pass": .bool(false), "by": .string("ben"), "at": .string(at)])
        try apply("decision", ["proposal": .string(digest), "status": .string("pending"), "by": .string("ben"), "at": .string(at)])
        #expect(try TeamState(store).failures == ["ex-0001": "same-time"])
        #expect(try TeamState(store).verdicts == ["ex-0001": "false ben"])
        #expect(try TeamState(store).decisions[digest] == "pending null null null")
    }
}
