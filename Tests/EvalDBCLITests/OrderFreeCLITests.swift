import Crypto
import Foundation
import Testing

/// Team state that replaces itself resolves alike in every clone (docs/teams.md): the latest `at`,
/// ties broken by the larger event id, whatever order `sync` met the events in.
@Suite("order-free team state across clones")
struct OrderFreeCLITests {
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-order-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    static let dataset = "evals/data/v0/golden.jsonl"

    /// `evaldb ARGS` must succeed.
    @discardableResult
    func ok(_ clone: Clone, _ arguments: [String], stdin: String? = nil) throws -> String {
        let result = try clone.evaldb(arguments, stdin: stdin)
        #expect(result.status == 0, "evaldb \(arguments.joined(separator: " ")) in \(clone.user): \(result.output) \(result.stderr)")
        return result.output
    }

    /// Fetches `other`'s HEAD into `clone`, merges it and syncs.
    func pull(_ clone: Clone, from other: Clone) throws {
        try clone.git("fetch", "-q", other.path, "HEAD")
        try clone.git("merge", "-q", "--no-edit", "FETCH_HEAD")
        try ok(clone, ["sync"])
    }

    /// The `failure` events of every log file in `clone`, as (at, event id, category).
    func failureEvents(_ clone: Clone) throws -> [(at: String, id: String, failure: String?)] {
        let logs = clone.path + "/evals/log"
        return try FileManager.default.contentsOfDirectory(atPath: logs).filter { $0.hasSuffix(".jsonl") }.flatMap { name in
            try Data(contentsOf: URL(fileURLWithPath: logs + "/" + name)).split(separator: UInt8(ascii: "\n")).compactMap { line in
                guard let event = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], event["event"] as? String == "failure"
                else { return nil }
                return (event["at"] as! String, sha256(Data(line)), event["failure"] as? String)
            }
        }
    }

    @Test(
        "two clones set different failure categories on the same result; after syncing both ways they, and a fresh clone, agree on the one of the latest at (then event id)"
    )
    func concurrentFailureCategoriesAgree() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ana = try Clone.new(in: folder, user: "ana")
        try ok(ana, ["import", Self.dataset, "-m", "first"])
        try ok(ana, ["run", "record", "evals/runs/candidate.jsonl", "--name", "candidate", "--dataset-file", Self.dataset])
        try ana.commitAll("version 1, the candidate run")
        let ben = try Clone.clone(ana, in: folder, user: "ben")
        try ok(ben, ["sync"])

        // The first failure of the run, then the second: ana and ben each set both, in opposite
        // orders, as close together as two commands go (often in one second: a tie on `at`).
        try ok(ana, ["review", "--run", "candidate", "--failed", "--reviewer", "ana"], stdin: "f ana-first\ns\nf ana-second\nq\n")
        try ok(ben, ["review", "--run", "candidate", "--failed", "--reviewer", "ben"], stdin: "s\nf ben-second\nb\nf ben-first\nq\n")
        try ok(ana, ["review", "--run", "candidate", "--failed", "--reviewer", "ana"], stdin: "f ana-first-again\nq\n")
        try ana.commitAll("ana's categories")
        try ben.commitAll("ben's categories")

        try pull(ana, from: ben)
        try pull(ben, from: ana)
        try pull(ana, from: ben)  // a fast-forward to ben's merge: nothing new to apply
        let carol = try Clone.clone(ben, in: folder, user: "carol")
        try ok(carol, ["sync"])

        let query = "SELECT id, failure FROM results WHERE run = 'candidate' AND failure IS NOT NULL ORDER BY id"
        let onAna = try ok(ana, ["sql", query])
        #expect(onAna == (try ok(ben, ["sql", query])))
        #expect(onAna == (try ok(carol, ["sql", query])))
        let report = try ok(ana, ["report", "candidate"])
        #expect(report == (try ok(ben, ["report", "candidate"])))
        #expect(report == (try ok(carol, ["report", "candidate"])))

        // The category in force is the rule's: of the events on each result, the latest at, then the larger id.
        let events = try failureEvents(carol)
        #expect(events.count == 5, "\(events)")
        let latest = { (names: Set<String>) in
            events.filter { names.contains($0.failure ?? "") }.max { ($0.at, $0.id) < ($1.at, $1.id) }?.failure
        }
        let first = try #require(latest(["ana-first", "ben-first", "ana-first-again"]))
        let second = try #require(latest(["ana-second", "ben-second"]))
        let setHere: Set<String> = ["ana-first", "ben-first", "ana-first-again", "ana-second", "ben-second"]
        let inForce = onAna.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }.filter(setHere.contains)
        #expect(Set(inForce) == [first, second] && inForce.count == 2, "\(onAna)")
    }
}
