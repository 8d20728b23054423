import Foundation

/// What `split` did: the examples placed now, those that kept the split they had, and the version
/// the new labels made.
public struct SplitOutcome: Sendable {
    /// Each split's examples after the assignment, in `StableSplit.names` order.
    public var counts: [String: Int]
    /// Examples placed by this assignment (the others kept theirs).
    public var placed: Int
    public var kept: Int
    /// The review-style outcome of writing the labels (nil when nothing was placed).
    public var outcome: ReviewOutcome?
}

/// Examples whose inputs are the same across two or more splits: the same input in train and in
/// test grades the judge (or the prompt) on what it has seen.
public struct SplitLeak: Sendable {
    /// `exact`: the inputs are byte-identical (canonical JSON); `folded`: equal after trimming,
    /// collapsing white space and case-folding.
    public var kind: String
    /// The examples, each with its split.
    public var examples: [(id: String, split: String)]
}

extension Store {
    /// Labels every example of the current version with its split under `labelKey` (as a new
    /// version authored by `author`, written back to the dataset file when it was in sync). An
    /// example that has a split already keeps it; the others are placed by `plan` — each on its
    /// own by the hash of seed and id, or with `by`, balanced within each value of that key.
    public func assignSplits(_ plan: StableSplit, by key: String? = nil, labelKey: String = "split", author: String) throws -> SplitOutcome {
        guard let current = try currentVersion() else { throw EvalDBError.emptyDatabase }
        var existing: [String: String] = [:]
        var unplaced: [(id: String, group: String?)] = []
        var groupOf: [String: String?] = [:]
        var keysHeld = Set<ExactString>()
        try forEachRecord(of: current) { line in
            let values = SliceValues(record: line)
            guard let tape = try? JSONParser.parse(bytes: Array(line)), let idNode = tape.member(0, "id") else { return }
            let id = tape.string(idNode)
            keysHeld.formUnion(values.byKey.keys)
            let group = key.flatMap { values[$0]?.first }
            groupOf[id] = group
            if let split = values[labelKey]?.first, StableSplit.names.contains(split) {
                existing[id] = split
            } else {
                unplaced.append((id, group))
            }
        }
        if let key, !keysHeld.contains(ExactString(key)) {
            throw EvalDBError.unknownKeys([key], existing: keysHeld.sorted(by: ExactString.precedes).map(\.string))
        }
        var placed: [String: String] = [:]
        if key != nil {
            var existingByGroup: [String?: [String: Int]] = [:]
            for (id, split) in existing { existingByGroup[groupOf[id] ?? nil, default: [:]][split, default: 0] += 1 }
            var newByGroup: [String?: [String]] = [:]
            for item in unplaced { newByGroup[item.group, default: []].append(item.id) }
            for (group, ids) in newByGroup {
                placed.merge(plan.balanced(ids, existing: existingByGroup[group] ?? [:])) { a, _ in a }
            }
        } else {
            for item in unplaced { placed[item.id] = plan.split(of: item.id) }
        }
        var counts: [String: Int] = [:]
        for split in existing.values { counts[split, default: 0] += 1 }
        for split in placed.values { counts[split, default: 0] += 1 }
        var outcome: ReviewOutcome?
        if !placed.isEmpty {
            // One change of the placed examples' labels, written as one version (the file written
            // back when it held the current version).
            let fileInSync = try fileHoldingCurrentVersion()
            let shares = zip(StableSplit.names, plan.shares).map { "\($0) \(String(format: "%g", $1))" }.joined(separator: ", ")
            var change = VersionChange(
                author: author,
                message:
                    "split \(placed.count) example\(placed.count == 1 ? "" : "s") (\(shares); seed \(plan.seed)\(key.map { "; by \($0)" } ?? ""))")
            change.source = "split"
            let idKey = Array(#""id""#.utf8)
            // Ids compared byte for byte (a precomposed and a decomposed `café` are two examples).
            let splitOf = Dictionary(placed.map { (ExactString($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
            try forEachRecord(of: current) { line in
                guard let id = CanonicalMembers.value(of: idKey, in: line).map({ DatasetMerge.idString(Array($0)) }),
                    let split = splitOf[ExactString(id)]
                else { return }
                change.puts.append(
                    try ExampleEdit.label(key: labelKey, value: JSONText.string(split)).applied(to: String(decoding: line, as: UTF8.self)))
            }
            let result = try commit(change)
            var wroteFile: String?
            if result.outcome == .created, let file = fileInSync, let now = Store.fileStat(file.path), now.size == file.size, now.mtime == file.mtime
            {
                try export(result.version, toFile: file.path)
                try recordBase(of: file.path, version: result.version.row)
                wroteFile = file.path
            }
            outcome = ReviewOutcome(session: 0, reviewer: author, edits: placed.count, result: result, conflicts: [], wroteFile: wroteFile)
        }
        return SplitOutcome(counts: counts, placed: placed.count, kept: existing.count, outcome: outcome)
    }

    /// The examples of the current version whose `input` is the same (exactly, or once folded) as
    /// that of an example in another split.
    public func splitLeaks(labelKey: String = "split") throws -> [SplitLeak] {
        guard let current = try currentVersion() else { throw EvalDBError.emptyDatabase }
        var exact: [String: [(id: String, split: String)]] = [:]
        var folded: [String: [(id: String, split: String)]] = [:]
        var order: [String] = []
        try forEachRecord(of: current) { line in
            guard let split = SliceValues(record: line)[labelKey]?.first, let tape = try? JSONParser.parse(bytes: Array(line)),
                let idNode = tape.member(0, "id"), let input = tape.member(0, "input")
            else { return }
            var bytes: [UInt8] = []
            CanonicalJSON.write(tape, input, to: &bytes)
            let member = (tape.string(idNode), split)
            let exactKey = String(decoding: bytes, as: UTF8.self)
            if exact[exactKey] == nil { order.append("e" + exactKey) }
            exact[exactKey, default: []].append(member)
            let foldedKey = FoldedText.fold(tape, input)
            if folded[foldedKey] == nil { order.append("f" + foldedKey) }
            folded[foldedKey, default: []].append(member)
        }
        var leaks: [SplitLeak] = []
        var reported = Set<[String]>()
        for entry in order {
            let isExact = entry.hasPrefix("e")
            let members = (isExact ? exact : folded)[String(entry.dropFirst())] ?? []
            guard Set(members.map(\.split)).count > 1 else { continue }
            // A group found exactly is not reported again as folded.
            let ids = members.map(\.id).sorted()
            guard reported.insert(ids).inserted else { continue }
            leaks.append(SplitLeak(kind: isExact ? "exact" : "folded", examples: members))
        }
        return leaks
    }
}
