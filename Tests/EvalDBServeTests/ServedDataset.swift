import EvalDBKit
import Foundation

@testable import EvalDBServe

/// The id that tries everything: markup, quotes, a path that climbs, an ampersand.
let hostileId = #"<script>alert("id")</script>/../"quo'te&amp;x"#

/// A git work tree in a temporary folder with a small dataset (a conversation, a plain question,
/// a record made of injection attempts, two more), two runs (`base`, `candidate`) and two
/// proposals, imported; and a server over it on a free port of 127.0.0.1.
final class ServedDataset: @unchecked Sendable {
    let folder: String
    let store: Store
    let server: ReviewServer
    private(set) var port: UInt16 = 0
    private(set) var token = ""
    var datasetPath: String { folder + "/evals/golden.jsonl" }

    static func record(
        _ id: String, input: Any, context: Any = NSNull(), expected: Any, labels: [String: Any], notes: Any = NSNull()
    ) throws -> String {
        let object: [String: Any] = [
            "id": id, "input": input, "context": context, "expected_output": expected, "labels": labels,
            "source": "synth", "author": "@test", "created_at": "2026-04-16", "notes": notes,
        ]
        return try CanonicalJSON.canonicalize(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
    }

    static var records: [String] {
        get throws {
            let longChunk = String(repeating: "Opening hours vary by venue. ", count: 40)
            return [
                try record(
                    "conv-001",
                    input: [
                        ["role": "user", "content": "table for 2 friday"],
                        ["role": "assistant", "content": "Which restaurant, and around what time?"],
                        ["role": "tool", "content": "{\"slots\": [\"20:00\"]}"],
                        ["role": "user", "content": "harbour st, 8ish. actually make it 3 people"],
                    ],
                    context: ["Harbour Street seats 40.", longChunk, ["tool": "availability", "slots": ["20:00"]]],
                    expected: ["action": "check_availability", "party_size": 3, "time": "20:00"],
                    labels: ["feature": "booking", "scenario": "multi-turn", "tags": ["party-size-change"]]),
                try record(
                    "plain-002", input: "is there a table for two tonight?", expected: "ask which venue",
                    labels: ["feature": "booking", "scenario": "happy-path", "tags": ["tonight"]]),
                try record(
                    hostileId, input: "<img src=x onerror=\"alert(1)\"></textarea><script>alert(2)</script>",
                    context: ["</details><script>alert(4)</script>"], expected: ["html": "<svg onload=alert(5)>"],
                    labels: ["feature": "<b>bold</b>", "persona": "\"><script>alert(6)</script>", "tags": ["<script>t</script>"]],
                    notes: "\"><script>alert(3)</script>"),
                try record(
                    "ex-004", input: "cancel my booking", expected: ["action": "cancel"],
                    labels: ["feature": "cancel", "persona": "first-time-visitor", "tags": [String]()]),
                try record(
                    "ex-005", input: "what time do you open?", expected: ["action": "answer"],
                    labels: ["feature": "hours", "tags": ["hours"]]),
            ]
        }
    }

    /// `system`: the command example pages may run (`serve --exec`), given the folder.
    init(system: ((String) -> ExecOptions)? = nil) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-serve-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/evals", withIntermediateDirectories: true)
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        git.arguments = ["init", "-q", folder]
        try git.run()
        git.waitUntilExit()
        let repository = Repository(top: folder)
        store = try Store(path: folder + "/.evaldb/evaldb.sqlite")
        store.repository = repository
        let dataset = folder + "/evals/golden.jsonl"
        try (try Self.records.joined(separator: "\n") + "\n").write(toFile: dataset, atomically: true, encoding: .utf8)
        let imported = try store.importFile(dataset, options: ImportOptions(author: "setup"))
        let version = imported.version
        let candidate = """
            {"id": "conv-001", "pass": false, "failure": "wrong-party-size", "output": {"action": "check_availability", "party_size": 2, "time": "20:00"}}
            {"id": "plain-002", "pass": true, "output": "ask which venue"}
            {"id": \(JSONText.string(hostileId)), "pass": false, "failure": "<i>category</i>", "output": {"html": "<svg onload=alert(7)>"}}
            {"id": "ex-004", "pass": false}
            {"id": "ex-005", "pass": true}

            """
        let base = """
            {"id": "conv-001", "pass": true}
            {"id": "plain-002", "pass": false, "failure": "asked nothing"}
            {"id": \(JSONText.string(hostileId)), "pass": false}
            {"id": "ex-004", "pass": false}
            {"id": "ex-005", "pass": true}

            """
        try candidate.write(toFile: folder + "/candidate.jsonl", atomically: true, encoding: .utf8)
        try base.write(toFile: folder + "/base.jsonl", atomically: true, encoding: .utf8)
        _ = try store.recordRun(folder + "/base.jsonl", against: version, options: RunOptions(name: "base"))
        _ = try store.recordRun(folder + "/candidate.jsonl", against: version, options: RunOptions(name: "candidate"))
        let proposals = """
            {"id": "ex-004", "labels": {"persona": "returning-customer"}, "proposed_by": "gpt-x", "rationale": "mentions an earlier booking"}
            {"id": "new-006", "input": "table for 0 people", "context": null, "expected_output": {"action": "ask_clarification"}, "labels": {"feature": "booking", "tags": ["edge-case"]}, "source": "synth", "author": "gpt-x", "created_at": "2026-11-26", "notes": null, "proposed_by": "gpt-x", "rationale": "party size 0 is never tested"}

            """
        try proposals.write(toFile: folder + "/proposals.jsonl", atomically: true, encoding: .utf8)
        _ = try store.propose(folder + "/proposals.jsonl", proposedBy: nil)
        var options = ServeOptions(databasePath: folder + "/.evaldb/evaldb.sqlite", repository: repository, port: 0, reviewer: "rita", token: nil)
        options.system = system?(folder)
        server = try ReviewServer(options)
    }

    func start() async throws {
        let started = try await server.start()
        let url = URL(string: started.url)!
        port = UInt16(url.port!)
        token = String(started.url.split(separator: "=").last!)
    }

    func stop() async -> [Result<ReviewOutcome, Error>] {
        let outcomes = await server.stop()
        try? FileManager.default.removeItem(atPath: folder)
        return outcomes
    }

    var csrf: String { server.state.gate!.csrf }

    /// The headers a browser sends once it holds the cookie: Host, the token cookie, and the
    /// reviewer's cookie when named.
    func browserHeaders(reviewer: String? = nil) -> [(String, String)] {
        var cookie = "evaldb_token_\(port)=\(token)"
        if let reviewer { cookie += "; evaldb_reviewer_\(port)=\(Link.encode(reviewer))" }
        return [("Host", "127.0.0.1:\(port)"), ("Cookie", cookie)]
    }

    func get(_ target: String, reviewer: String? = nil, headers: [(String, String)]? = nil) async throws -> HTTPReply {
        try await HTTP.send(port: port, "GET", target, headers: headers ?? browserHeaders(reviewer: reviewer))
    }

    func get(_ link: Link, reviewer: String? = nil) async throws -> HTTPReply {
        try await get(link.href, reviewer: reviewer)
    }

    /// Posts a form as a browser posts it from one of the server's pages (Origin, CSRF token).
    func post(_ path: String, _ fields: [(String, String)], reviewer: String? = nil, csrf: String? = nil, headers: [(String, String)]? = nil)
        async throws -> HTTPReply
    {
        let form = ([("csrf", csrf ?? self.csrf)] + fields).map { Link.encode($0.0) + "=" + Link.encode($0.1) }.joined(separator: "&")
        return try await HTTP.send(
            port: port, "POST", path,
            headers: (headers ?? browserHeaders(reviewer: reviewer) + [("Origin", "http://127.0.0.1:\(port)")])
                + [("Content-Type", "application/x-www-form-urlencoded")],
            body: form)
    }

    /// The current record of `id`, decoded by Foundation.
    func current(_ id: String) throws -> [String: Any]? {
        guard case .live(let revision) = try store.state(of: id, at: try store.currentVersion()!) else { return nil }
        return try JSONSerialization.jsonObject(with: Data(revision.record!.utf8)) as? [String: Any]
    }

    /// The team log's events, each decoded by Foundation.
    func logEvents() throws -> [[String: Any]] {
        let folder = self.folder + "/evals/log"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return try files.filter { $0.hasSuffix(".jsonl") }.flatMap { name in
            try String(contentsOfFile: folder + "/" + name, encoding: .utf8).split(separator: "\n").map {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            }
        }
    }
}
