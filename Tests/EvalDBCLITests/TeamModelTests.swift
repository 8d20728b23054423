import Crypto
import Foundation
import Testing

/// A team plays a seeded random schedule against a model of what it did: three clones and an
/// origin, each member importing hand edits, adding and removing examples, recording runs,
/// reading and categorising failures in `review`, proposing and deciding, splitting, committing,
/// pulling (through evaldb's merge driver), syncing and pushing — some pushes held back, so that
/// branches really diverge and merges meet concurrent versions. At the end every clone, a fresh
/// clone and each clone rebuilt with `rm -rf .evaldb && evaldb sync` must answer alike, and hold
/// everything anyone made (docs/teams.md, docs/reliability.md).
///
/// `swift test` plays a few seeds; fuzz/team.sh plays many longer ones (EVALDB_TEAM_SEEDS,
/// EVALDB_TEAM_STEPS).
@Suite("a team of three clones converges (model-based, seeded schedules)")
struct TeamModelTests {
    static let seeds: [UInt64] = {
        let given = ProcessInfo.processInfo.environment["EVALDB_TEAM_SEEDS"] ?? ""
        let parsed = given.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        return parsed.isEmpty ? [7, 19, 42] : parsed
    }()
    static let steps = Int(ProcessInfo.processInfo.environment["EVALDB_TEAM_STEPS"] ?? "") ?? 36

    @Test(
        "after a seeded schedule of concurrent work, every clone, a fresh clone and a rebuilt database agree and nothing is missing",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/git"), "no git"), arguments: seeds)
    func teamConverges(seed: UInt64) throws {
        let simulation = try TeamSimulation(seed: seed)
        defer { simulation.cleanUp() }
        try simulation.play(steps: Self.steps)
        try simulation.settle()
        try simulation.check()
    }
}

/// SplitMix64: the same schedule for the same seed on every machine.
private struct Schedule {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// What the team did, as the model of what every clone must end up holding.
private struct TeamModel {
    /// The owner of each example (members edit only their own, so that merges are clean and the
    /// final dataset is known): the member index.
    var owner: [String: Int] = [:]
    /// The note and persona each example must end with, and the ids removed.
    var notes: [String: String] = [:]
    var persona: [String: String] = [:]
    var removed = Set<String>()
    /// The examples an owner may remove: those split before anyone cloned (a concurrent split
    /// labels only examples without a split).
    var removable = Set<String>()
    /// Runs recorded, by name.
    var runs = Set<String>()
    /// Failure categories set: (run, id) -> categories, any of which may be the latest.
    var categories: [String: Set<String>] = [:]
    /// (reviewer, id) read, on examples whose graded content no member changes.
    var read = Set<[String]>()
}

private final class TeamSimulation {
    let folder: String
    let origin: String
    var members: [Clone] = []
    var schedule: Schedule
    var model = TeamModel()
    var counter = 0
    static let dataset = "evals/data/v0/golden.jsonl"
    static let names = ["ana", "ben", "carol"]
    /// What each command did, for a failure's message.
    var transcript: [String] = []

    init(seed: UInt64) throws {
        schedule = Schedule(state: seed)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-teammodel-\(seed)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        origin = folder + "/origin.git"
        // The first member makes the repository, its first version and the merge driver, and
        // pushes them to a bare origin; the others clone it.
        let first = try Clone.new(in: folder, user: Self.names[0])
        try ok(first, ["import", Self.dataset, "-m", "first labelling session"])
        try ok(first, ["hook", "install"])
        try ok(first, Self.split)
        try first.commitAll("version 1, the team log and the merge driver")
        try run("/usr/bin/env", ["git", "clone", "-q", "--bare", first.path, origin], in: folder)
        try first.git("remote", "add", "origin", origin)
        try first.git("fetch", "-q", "origin")
        try first.git("branch", "-q", "--set-upstream-to=origin/master")
        members.append(first)
        for name in Self.names.dropFirst() {
            let member = try Clone.clone(Clone(path: origin, user: "origin"), in: folder, user: name)
            try ok(member, ["sync"])
            try ok(member, ["hook", "install"])
            members.append(member)
        }
        for (index, id) in try ids(of: first).enumerated() { model.owner[id] = index % members.count }
        model.removable = Set(model.owner.keys)
    }

    /// Labels the examples without a split (those added since the last split: the first version's
    /// are split before anyone clones, so that a split never meets a concurrent removal).
    static let split = ["split", "--train", "80", "--dev", "10", "--test", "10", "--seed", "7"]

    func cleanUp() { try? FileManager.default.removeItem(atPath: folder) }

    // MARK: - Running things

    @discardableResult
    func run(_ executable: String, _ arguments: [String], in directory: String, stdin: String? = nil) throws -> CLI.Result {
        try CLI.execute(executable, arguments, in: directory, stdin: stdin.map { Data($0.utf8) }, environment: ["EVALDB_DB": ""])
    }

    /// `evaldb ARGS` in a member's clone, which must exit 0.
    @discardableResult
    func ok(_ member: Clone, _ arguments: [String], stdin: String? = nil) throws -> String {
        let result = try member.evaldb(arguments, stdin: stdin)
        transcript.append("\(member.user)$ evaldb \(arguments.joined(separator: " ")) -> \(result.status)")
        #expect(
            result.status == 0,
            "evaldb \(arguments.joined(separator: " ")) in \(member.user): \(result.output) \(result.stderr)\n\(transcript.suffix(12).joined(separator: "\n"))"
        )
        return result.output
    }

    func git(_ member: Clone, _ arguments: [String]) throws -> CLI.Result {
        let result = try run("/usr/bin/env", ["git"] + arguments, in: member.path)
        transcript.append("\(member.user)$ git \(arguments.joined(separator: " ")) -> \(result.status)")
        return result
    }

    func ids(of member: Clone) throws -> [String] {
        try records(of: member).map { $0["id"] as! String }
    }

    func records(of member: Clone) throws -> [[String: Any]] {
        try String(decoding: member.read(Self.dataset), as: UTF8.self).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    // MARK: - The schedule

    func play(steps: Int) throws {
        for _ in 0..<steps {
            let index = schedule.below(members.count)
            let member = members[index]
            counter += 1
            switch schedule.below(100) {
            case 0..<20: try handEdit(member, index)
            case 20..<30: try recordRun(member)
            case 30..<42: try read(member)
            case 42..<50: try categorise(member)
            case 50..<56: try propose(member, index)
            case 56..<60: try ok(member, Self.split)
            case 60..<72: try commit(member)
            case 72..<84: try pull(member)
            case 84..<92: try push(member)
            default: try ok(member, ["sync"])
            }
        }
    }

    /// A hand edit of the member's own examples (a note, a persona), now and then a new example
    /// or a removal, imported and written back canonically as a user does.
    func handEdit(_ member: Clone, _ index: Int) throws {
        var records = try records(of: member)
        let mine = records.indices.filter { model.owner[records[$0]["id"] as! String] == index }
        let stamp = "\(member.user)-\(counter)"
        if let position = mine.isEmpty ? nil : schedule.pick(mine) {
            let id = records[position]["id"] as! String
            if schedule.chance(50) {
                records[position]["notes"] = "note \(stamp)"
                model.notes[id] = "note \(stamp)"
            } else {
                var labels = records[position]["labels"] as! [String: Any]
                labels["persona"] = "persona-\(stamp)"
                records[position]["labels"] = labels
                model.persona[id] = "persona-\(stamp)"
            }
        }
        if schedule.chance(25) {
            var added = records[0]
            let id = "\(member.user)-added-\(counter)"
            added["id"] = id
            added["notes"] = "added \(stamp)"
            var labels = added["labels"] as! [String: Any]
            labels["persona"] = "persona-\(stamp)"
            labels.removeValue(forKey: "split")
            added["labels"] = labels
            records.append(added)
            model.owner[id] = index
            model.notes[id] = "added \(stamp)"
            model.persona[id] = "persona-\(stamp)"
        }
        let removable = mine.filter { model.removable.contains(records[$0]["id"] as! String) }
        if schedule.chance(15), removable.count > 3 {
            let position = schedule.pick(removable)
            model.removed.insert(records[position]["id"] as! String)
            records.remove(at: position)
        }
        let text =
            try records.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
            .joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: member.path + "/" + Self.dataset))
        try ok(member, ["import", Self.dataset, "-m", "hand edit \(stamp)"])
        try ok(member, ["export", "-o", Self.dataset])
    }

    /// A run of the member's current dataset: every example, pass or fail at random.
    func recordRun(_ member: Clone) throws {
        let name = "\(member.user)-run-\(counter)"
        let lines = try ids(of: member).map { id in
            "{\"id\": \(String(decoding: try JSONSerialization.data(withJSONObject: id, options: .fragmentsAllowed), as: UTF8.self)), \"pass\": \(schedule.chance(70))}"
        }
        let file = folder + "/\(name).jsonl"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        try ok(member, ["run", "record", file, "--name", name, "--dataset-file", Self.dataset])
        model.runs.insert(name)
    }

    /// Reads a few examples in `review`: marks some read, skips others.
    func read(_ member: Clone) throws {
        let before = try ids(of: member)
        var keys: [String] = []
        var marked: [String] = []
        for id in before.prefix(8 + schedule.below(6)) {
            if schedule.chance(60) {
                keys.append("y")
                marked.append(id)
            } else {
                keys.append("s")
            }
        }
        try ok(member, ["review", "--reviewer", member.user], stdin: keys.joined(separator: "\n") + "\nq\n")
        for id in marked { model.read.insert([member.user, id]) }
    }

    /// Sets the failure category of one failing result of one of the member's runs.
    func categorise(_ member: Clone) throws {
        let runs = try JSONSerialization.jsonObject(with: Data(try ok(member, ["run", "list", "--format", "json"]).utf8)) as! [[String: Any]]
        guard !runs.isEmpty else { return }
        let run = schedule.pick(runs)["name"] as! String
        let category = "category-\(member.user)-\(counter)"
        let shown = try member.evaldb(["review", "--run", run, "--failed", "--reviewer", member.user], stdin: "f \(category)\nq\n")
        transcript.append("\(member.user)$ evaldb review --run \(run) --failed (f \(category)) -> \(shown.status)")
        #expect(shown.status == 0, "\(shown.output) \(shown.stderr)")
        // The first failing example of the run in the current version's line order.
        let failing = try ok(member, ["sql", "SELECT id FROM results WHERE run = '\(run)' AND pass = 0", "--format", "json"])
        let failed = Set((try JSONSerialization.jsonObject(with: Data(failing.utf8)) as! [[String: Any]]).map { $0["id"] as! String })
        if let id = try ids(of: member).first(where: failed.contains) { model.categories["\(run) \(id)", default: []].insert(category) }
    }

    /// Proposes a new example and a label change; accepts or rejects them.
    func propose(_ member: Clone, _ index: Int) throws {
        var candidate = try records(of: member)[0]
        let id = "\(member.user)-proposed-\(counter)"
        candidate["id"] = id
        candidate["notes"] = "proposed \(counter)"
        var labels = candidate["labels"] as! [String: Any]
        labels.removeValue(forKey: "split")
        labels["persona"] = "proposed-\(counter)"
        candidate["labels"] = labels
        candidate["proposed_by"] = "llm-\(member.user)"
        candidate["rationale"] = "a case nobody wrote"
        let file = folder + "/proposal-\(counter).jsonl"
        try JSONSerialization.data(withJSONObject: candidate, options: [.sortedKeys]).write(to: URL(fileURLWithPath: file))
        try ok(member, ["propose", file])
        let accept = schedule.chance(60)
        try ok(member, ["review", "--proposals", "--reviewer", member.user], stdin: accept ? "a\nq\n" : "r not needed\nq\n")
        if accept {
            model.owner[id] = index
            model.notes[id] = "proposed \(counter)"
            model.persona[id] = "proposed-\(counter)"
        }
    }

    func commit(_ member: Clone) throws {
        _ = try git(member, ["add", "-A"])
        if try git(member, ["diff", "--cached", "--quiet"]).status != 0 {
            let committed = try git(member, ["commit", "-q", "-m", "\(member.user): step \(counter)"])
            #expect(committed.status == 0, "\(committed.output) \(committed.stderr)")
        }
    }

    /// Commits what is there, pulls (merging through the driver) and syncs.
    func pull(_ member: Clone) throws {
        try commit(member)
        let pulled = try git(member, ["pull", "-q", "--no-rebase", "--no-edit", "origin", "master"])
        #expect(pulled.status == 0, "git pull in \(member.user): \(pulled.output) \(pulled.stderr)\n\(transcript.suffix(12).joined(separator: "\n"))")
        try ok(member, ["sync"])
    }

    /// Pushes unless held back; a rejected push (someone pushed first) waits for the next pull.
    func push(_ member: Clone) throws {
        guard !schedule.chance(30) else { return }  // held back: the branch diverges for longer
        try commit(member)
        _ = try git(member, ["push", "-q", "origin", "HEAD:master"])
    }

    /// Everyone commits, pulls, syncs and pushes until every clone holds the same commit.
    func settle() throws {
        for _ in 0..<4 {
            for member in members {
                try pull(member)
                try commit(member)  // what sync wrote to the log
                let pushed = try git(member, ["push", "-q", "origin", "HEAD:master"])
                #expect(pushed.status == 0, "\(pushed.stderr)")
            }
        }
        for member in members {
            try pull(member)
            #expect(try git(member, ["status", "--porcelain"]).output.isEmpty, "\(member.user): git status is clean after sync")
        }
    }

    // MARK: - What must hold

    /// What a clone answers, keyed so that clones compare: versions by hash, runs and their
    /// reports, read progress, failure categories, the current dataset and `status`.
    func answers(of member: Clone) throws -> [String: String] {
        var result: [String: String] = [:]
        let versions = try JSONSerialization.jsonObject(with: Data(try ok(member, ["versions", "--format", "json"]).utf8)) as! [[String: Any]]
        result["versions"] = versions.map { v in
            ["hash", "author", "message", "date", "examples", "added", "changed", "removed", "commit"].map { "\(v[$0] ?? "nil")" }.joined(
                separator: " | ")
                + " | parents \((v["parents"] as? [String]) ?? [])"
        }.sorted().joined(separator: "\n")
        let runs = try JSONSerialization.jsonObject(with: Data(try ok(member, ["run", "list", "--format", "json"]).utf8)) as! [[String: Any]]
        result["runs"] = runs.map { "\($0["name"]!) \($0["dataset"]!) \($0["results"]!) \($0["date"]!)" }.sorted().joined(separator: "\n")
        for run in runs {
            let name = run["name"] as! String
            var report = try JSONSerialization.jsonObject(with: Data(try ok(member, ["report", name, "--format", "json"]).utf8)) as! [[String: Any]]
            for index in report.indices { report[index].removeValue(forKey: "version") }  // a local number
            result["report \(name)"] = String(
                decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self)
        }
        result["failures"] = try ok(member, ["sql", "SELECT run, id, trial, failure FROM results WHERE failure IS NOT NULL ORDER BY 1, 2, 3"])
        var status = try JSONSerialization.jsonObject(with: Data(try ok(member, ["status", "--format", "json"]).utf8)) as! [[String: Any]]
        status[0].removeValue(forKey: "version")
        result["status"] = String(decoding: try JSONSerialization.data(withJSONObject: status, options: [.sortedKeys]), as: UTF8.self)
        result["dataset"] = try ok(member, ["export"])
        return result
    }

    func check() throws {
        let reference = try answers(of: members[0])
        func compare(_ answers: [String: String], _ who: String) {
            for key in Set(reference.keys).union(answers.keys).sorted() where reference[key] != answers[key] {
                // The lines each side has and the other has not.
                let mine = (reference[key] ?? "").split(separator: "\n"), theirs = (answers[key] ?? "").split(separator: "\n")
                let onlyMine = mine.filter { !theirs.contains($0) }, onlyTheirs = theirs.filter { !mine.contains($0) }
                Issue.record(
                    "\(who) answers \(key) otherwise:\n--- only \(members[0].user)\n\(onlyMine.joined(separator: "\n"))\n--- only \(who)\n\(onlyTheirs.joined(separator: "\n"))"
                )
            }
        }
        for member in members.dropFirst() { compare(try answers(of: member), member.user) }
        let fresh = try Clone.clone(Clone(path: origin, user: "origin"), in: folder, user: "fresh")
        try ok(fresh, ["sync"])
        compare(try answers(of: fresh), "a fresh clone")
        #expect(try git(fresh, ["status", "--porcelain"]).output.isEmpty, "sync in a fresh clone leaves git status clean")
        for member in members {
            try FileManager.default.removeItem(atPath: member.path + "/.evaldb")
            try ok(member, ["sync"])
            compare(try answers(of: member), "\(member.user) after rm -rf .evaldb && evaldb sync")
        }

        // Every commit's dataset is the version `--version COMMIT` names.
        let commits = try git(fresh, ["log", "--all", "--format=%H", "--", Self.dataset]).output.split(separator: "\n").map(String.init)
        for commit in commits {
            let bytes = try git(fresh, ["show", "\(commit):\(Self.dataset)"]).stdout
            let expected = "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            let named = try ok(fresh, ["hash", "--version", commit]).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(named == expected, "hash --version \(commit.prefix(10))")
        }

        // Nothing anyone added, edited or decided is missing.
        let final = Dictionary(
            uniqueKeysWithValues: try String(decoding: Data(reference["dataset"]!.utf8), as: UTF8.self).split(separator: "\n").map {
                let record = try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
                return (record["id"] as! String, record)
            })
        for id in model.owner.keys.sorted() {
            if model.removed.contains(id) {
                #expect(final[id] == nil, "\(id) was removed")
                continue
            }
            guard let record = final[id] else {
                Issue.record("\(id) is missing from the final dataset")
                continue
            }
            if let note = model.notes[id] { #expect(record["notes"] as? String == note, "\(id)'s note") }
            let labels = record["labels"] as? [String: Any]
            if let persona = model.persona[id] { #expect(labels?["persona"] as? String == persona, "\(id)'s persona") }
            if let split = labels?["split"] as? String { #expect(["train", "dev", "test"].contains(split)) }
        }
        let runs = Set(reference["runs"]!.split(separator: "\n").map { String($0.split(separator: " ")[0]) })
        #expect(model.runs.isSubset(of: runs), "every run recorded: missing \(model.runs.subtracting(runs).sorted())")
        let failures = reference["failures"]!
        for (key, categories) in model.categories {
            let parts = key.split(separator: " ")
            let line = failures.split(separator: "\n").first { $0.contains(parts[0]) && $0.contains(parts[1]) }
            #expect(line.map { row in categories.contains { row.contains($0) } } == true, "\(key): one of \(categories.sorted())")
        }
        let status = try JSONSerialization.jsonObject(with: Data(reference["status"]!.utf8)) as! [[String: Any]]
        let progress = (status[0]["read"] as? [[String: Any]]) ?? []
        for name in Self.names {
            let expected = model.read.filter { $0[0] == name && final[$0[1]] != nil }.count
            let found = progress.first { $0["reviewer"] as? String == name }?["read"] as? Int ?? 0
            #expect(found == expected, "\(name) read \(expected) of the current examples (labels and notes changed since keep read marks)")
        }
    }
}
