import Foundation
import Testing

@testable import EvalDBKit

/// A generated example, as a model: what slice should see of it is computed from the model, not
/// from evaldb's parser.
private struct ModelExample {
    enum Value {
        case string(String), int(Int), float(String), bool(Bool), null, list([String])

        var json: String {
            switch self {
            case .string(let text): "\"\(text)\""
            case .int(let number): String(number)
            case .float(let text): text
            case .bool(let flag): flag ? "true" : "false"
            case .null: "null"
            case .list(let items): "[" + items.map { "\"\($0)\"" }.joined(separator: ",") + "]"
            }
        }

        /// The values slice matches: a string as itself, a list as its elements, else JSON.
        var sliceValues: [String] {
            switch self {
            case .string(let text): [text]
            case .list(let items): items
            default: [json]
            }
        }
    }

    var id: String
    var source: String
    var labels: [(key: String, value: Value)]

    var line: String {
        let labelText = labels.map { "\"\($0.key)\":\($0.value.json)" }.joined(separator: ",")
        return
            #"{"id":"\#(id)","input":"q \#(id)","context":null,"expected_output":"a","labels":{\#(labelText)},"source":"\#(source)","author":"@gen","created_at":"2026-01-01","notes":null}"#
    }

    /// The values of `key`: a label hides the top-level field of the same name.
    func values(_ key: String) -> [String]? {
        if let label = labels.first(where: { $0.key.utf8.elementsEqual(key.utf8) }) { return label.value.sliceValues }
        return key == "source" ? [source] : nil
    }
}

/// Deterministic pseudo-random numbers (SplitMix64), so that a failure can be replayed.
private struct Generator {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
    mutating func pick<T>(_ options: [T]) -> T { options[next(options.count)] }
}

private let features = ["booking-lookup", "refund-request", "caf\u{E9}", "cafe\u{301}", "policy-question"]
private let tags = ["multi-turn", "p1", "p2", "long-context", "\u{1F389}"]

private func generate(_ id: String, _ random: inout Generator) -> ModelExample {
    var labels: [(String, ModelExample.Value)] = [("feature", .string(random.pick(features)))]
    switch random.next(5) {
    case 0: break  // no scenario
    case 1: labels.append(("scenario", .null))
    default: labels.append(("scenario", .string(random.pick(["happy-path", "irate-user", "no-results"]))))
    }
    var list: [String] = []
    for _ in 0..<random.next(4) { list.append(random.pick(tags)) }  // duplicates and empty lists included
    labels.append(("tags", .list(list)))
    if random.next(3) == 0 { labels.append(("priority", random.next(2) == 0 ? .int(random.next(3)) : .float("2.5"))) }
    if random.next(4) == 0 { labels.append(("flag", .bool(random.next(2) == 0))) }
    if random.next(20) == 0 { labels.append(("source", .string("label-source"))) }
    return ModelExample(id: id, source: random.pick(["synth", "redteam", "prod-trace:2026-04-15", "prod-trace:2026-04-16"]), labels: labels)
}

/// The combinations of `keys` per example, each value once, nil for a key without values.
/// Counts keyed by the UTF-8 of the joined values: Swift's `String` keys would merge canonically
/// equivalent values (`café` precomposed and decomposed), which evaldb keeps apart.
private func expectedCounts(_ examples: [ModelExample], _ keys: [String], where conditions: [(String, String)] = []) -> [[UInt8]: Int] {
    var counts: [[UInt8]: Int] = [:]
    for example in examples
    where conditions.allSatisfy({ key, value in example.values(key)?.contains { $0.utf8.elementsEqual(value.utf8) } ?? false }) {
        for combination in combinations(example, keys) { counts[combination, default: 0] += 1 }
    }
    return counts
}

/// The example's combinations of `keys`' values, each the UTF-8 of its values joined by "|".
private func combinations(_ example: ModelExample, _ keys: [String]) -> [[UInt8]] {
    var combinations: [[String]] = [[]]
    for key in keys {
        var options: [String] = []
        for value in example.values(key) ?? [] where !options.contains(where: { $0.utf8.elementsEqual(value.utf8) }) { options.append(value) }
        if options.isEmpty { options = ["<none>"] }
        combinations = combinations.flatMap { prefix in options.map { prefix + [$0] } }
    }
    return combinations.map { Array($0.joined(separator: "|").utf8) }
}

/// A slice's values as the model's combinations are written.
private func joined(_ values: [String?]) -> [UInt8] { Array(values.map { $0 ?? "<none>" }.joined(separator: "|").utf8) }

private func actualCounts(_ store: Store, _ version: DatasetVersion, _ keys: [String], where conditions: [(String, String)] = []) throws -> [[UInt8]:
    Int]
{
    let result = try store.sliceCounts(version, where: conditions.map { SliceCondition(key: $0.0, match: .equals($0.1)) }, countBy: keys)
    var counts: [[UInt8]: Int] = [:]
    for (values, count) in result.counts {
        let key = Array(values.map { $0 ?? "<none>" }.joined(separator: "|").utf8)
        #expect(counts[key] == nil, "one row a combination")
        counts[key] = count
    }
    return counts
}

private func sliceIds(_ store: Store, _ version: DatasetVersion, _ conditions: [SliceCondition]) throws -> [String] {
    var ids: [String] = []
    try store.slice(version, where: conditions) { record in
        ids.append((try JSONSerialization.jsonObject(with: Data(Array(record))) as! [String: Any])["id"] as! String)
    }
    return ids
}

@Suite("The slice index answers as reading every record would")
struct SliceIndexTests {
    /// Checks counts and slices of the current version against the model of its lines.
    private func check(_ store: Store, _ model: [ModelExample], _ context: String) throws {
        let version = try #require(try store.currentVersion())
        for keys in [["feature"], ["feature", "scenario"], ["tags"], ["feature", "tags", "priority"], ["flag", "source"]] {
            #expect(try actualCounts(store, version, keys) == expectedCounts(model, keys), "\(context): count-by \(keys)")
        }
        let counted: [(keys: [String], conditions: [(String, String)])] = [
            (["scenario"], [("tags", "p1"), ("priority", "2")]), (["feature", "tags"], [("tags", "p2")]),
            (["tags", "source"], [("feature", "caf\u{E9}"), ("scenario", "irate-user")]), (["feature"], [("tags", "nothing-has-this")]),
        ]
        for (keys, conditions) in counted {
            #expect(
                try actualCounts(store, version, keys, where: conditions) == expectedCounts(model, keys, where: conditions),
                "\(context): count-by \(keys) where \(conditions)")
        }
        let cases: [[(String, String)]] = [
            [("feature", "caf\u{E9}")], [("feature", "cafe\u{301}"), ("tags", "\u{1F389}")], [("scenario", "null")],
            [("flag", "true"), ("tags", "multi-turn")], [("priority", "2.5")], [("source", "label-source")], [("feature", "nothing-has-this")],
        ]
        for conditions in cases {
            let expected = model.filter { example in
                conditions.allSatisfy { key, value in example.values(key)?.contains { $0.utf8.elementsEqual(value.utf8) } ?? false }
            }.map(\.id)
            let actual = try sliceIds(store, version, conditions.map { SliceCondition(key: $0.0, match: .equals($0.1)) })
            #expect(actual == expected, "\(context): slice \(conditions)")
        }
        let prefixed = try sliceIds(
            store, version,
            [
                SliceCondition(key: "source", match: .prefix("prod-trace")),
                try SliceCondition(parsing: "feature=refund-request"),
            ])
        #expect(prefixed == model.filter { $0.values("source")![0].hasPrefix("prod-trace") && $0.values("feature") == ["refund-request"] }.map(\.id))
        // A condition on an unindexed field is checked on the records the indexed one selects.
        let first = model[model.count / 2]
        #expect(
            try sliceIds(
                store, version,
                [try SliceCondition(parsing: "id=\(first.id)"), SliceCondition(key: "feature", match: .equals(first.values("feature")![0]))]) == [
                    first.id
                ])
    }

    private func stateVersion(_ store: Store) throws -> Int64? {
        try store.database.scalarInt("SELECT version FROM slice_index_state")
    }

    /// The stored index as data: each key's values with their examples (valueless ones as `nil`),
    /// and the live examples. Value order left out: it is not part of what the index says.
    private func storedIndex(_ store: Store) throws -> (keys: [ExactString: [ExactString?: [UInt32]]], live: [UInt32]) {
        var keys: [ExactString: [ExactString?: [UInt32]]] = [:]
        let rows = try store.database.prepare("SELECT key, data FROM slice_index")
        while try rows.step() {
            guard !SliceIndexCoding.isWide(rows.bytes(1)) else {
                keys[ExactString(rows.text(0))] = [ExactString("(wide)"): []]
                continue
            }
            let key = try SliceIndexCoding.decode(rows.bytes(1))
            var values: [ExactString?: [UInt32]] = [:]
            for (value, examples) in zip(key.values, key.postings) {
                #expect(!examples.isEmpty && values[ExactString(value)] == nil, "value \(value) of \(rows.text(0)): no example, or twice")
                values[ExactString(value)] = examples
            }
            if !key.valueless.isEmpty { values[nil] = key.valueless }
            keys[ExactString(rows.text(0))] = values
        }
        let state = try store.database.prepare("SELECT live FROM slice_index_state")
        #expect(try state.step())
        var reader = SliceIndexCoding.Reader(state.bytes(0))
        return (keys, try reader.postings())
    }

    @Test("built, brought up to date after an import that changes, removes, adds and reorders, rebuilt when lost or damaged")
    func indexFollowsVersions() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        var random = Generator(state: 2026)
        var model = (1...600).map { generate(String(format: "g-%04d", $0), &random) }
        _ = try store.importFile(try folder.write("v1.jsonl", model.map(\.line).joined(separator: "\n") + "\n"), options: by())
        try check(store, model, "v1, built")
        #expect(try stateVersion(store) == 1)

        // v2: about 10% changed, 5% removed, 5% added, two lines swapped.
        var next: [ModelExample] = []
        for (number, example) in model.enumerated() {
            switch random.next(20) {
            case 0: continue
            case 1, 2: next.append(generate(example.id, &random))
            default: next.append(example)
            }
            if number % 20 == 0 { next.append(generate("n-\(number)", &random)) }
        }
        next.swapAt(3, next.count - 4)
        _ = try store.importFile(try folder.write("v2.jsonl", next.map(\.line).joined(separator: "\n") + "\n"), options: by())
        try check(store, next, "v2, refreshed")
        #expect(try stateVersion(store) == 2)
        let refreshed = try storedIndex(store)

        // The older version is answered from its records.
        let v1 = try #require(try store.version(number: 1))
        #expect(try actualCounts(store, v1, ["feature", "tags"]) == expectedCounts(model, ["feature", "tags"]))
        #expect(try sliceIds(store, v1, [try SliceCondition(parsing: "tags=p2")]) == model.filter { $0.values("tags")!.contains("p2") }.map(\.id))

        try store.database.execute("DELETE FROM slice_index; DELETE FROM slice_index_state")
        try check(store, next, "v2, rebuilt")
        let rebuilt = try storedIndex(store)
        #expect(refreshed.keys == rebuilt.keys && refreshed.live == rebuilt.live, "brought up to date, it is the index built afresh")
        // Built on two threads (each half of the example keys over its own connection), merged.
        store.parallelSliceIndexBuild = 1
        try store.database.execute("DELETE FROM slice_index; DELETE FROM slice_index_state")
        try check(store, next, "v2, rebuilt on two threads")
        // Within a budget of a few hundred bytes: the postings written out in runs and joined,
        // the rows kept in a temporary file, on one thread and on two.
        store.sliceIndexMemoryLimits = (postings: 300, rows: 100)
        try store.database.execute("DELETE FROM slice_index; DELETE FROM slice_index_state")
        try check(store, next, "v2, rebuilt within a budget on two threads")
        #expect(try storedIndex(store).keys == rebuilt.keys)
        store.parallelSliceIndexBuild = 50_000
        try store.database.execute("DELETE FROM slice_index; DELETE FROM slice_index_state")
        try check(store, next, "v2, rebuilt within a budget")
        #expect(try storedIndex(store).keys == rebuilt.keys)
        try store.database.execute("UPDATE slice_index SET data = X'FFFF'")
        try check(store, next, "v2, damaged")

        // v3 brought up to date within the budget (its rows in a file): the index built afresh.
        var third = next
        for i in stride(from: 0, to: third.count, by: 9) { third[i] = generate(third[i].id, &random) }
        _ = try store.importFile(try folder.write("v3.jsonl", third.map(\.line).joined(separator: "\n") + "\n"), options: by())
        try check(store, third, "v3, refreshed within a budget")
        #expect(try stateVersion(store) == 3)
        let refreshedWithin = try storedIndex(store)
        try store.database.execute("DELETE FROM slice_index; DELETE FROM slice_index_state")
        try check(store, third, "v3, rebuilt within a budget")
        let rebuiltWithin = try storedIndex(store)
        #expect(refreshedWithin.keys == rebuiltWithin.keys && refreshedWithin.live == rebuiltWithin.live)
        model = third
    }

    @Test(
        "a key with more values than the index keeps is stored wide and answered from the records: built, on two threads, within a budget, brought up to date"
    )
    func wideKeysAnsweredFromRecords() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        store.sliceIndexValueLimit = 4
        var random = Generator(state: 4444)
        // A trace id (a value an example) beside the usual keys: feature, tags and source have five
        // values, scenario and priority four, flag two.
        var model = (1...400).map { generate(String(format: "w-%04d", $0), &random) }
        for i in model.indices { model[i].labels.append(("trace", .string("t-\(i)"))) }
        func wideKeys() throws -> Set<String> {
            var wide = Set<String>()
            let rows = try store.database.prepare("SELECT key FROM slice_index WHERE length(data) = 0")
            while try rows.step() { wide.insert(rows.text(0)) }
            return wide
        }
        func expectedWide(_ model: [ModelExample]) -> Set<String> {
            var values: [String: Set<[UInt8]>] = [:]
            for example in model {
                for key in Set(example.labels.map(\.key) + ["source"]) {
                    for value in example.values(key) ?? [] { values[key, default: []].insert(Array(value.utf8)) }
                }
            }
            return Set(values.filter { $0.value.count > 4 }.keys)
        }
        func checkAll(_ model: [ModelExample], _ context: String) throws {
            try check(store, model, context)
            let version = try #require(try store.currentVersion())
            #expect(try wideKeys() == expectedWide(model), "\(context): the wide keys")
            let traced = model[model.count / 3]
            #expect(try sliceIds(store, version, [SliceCondition(key: "trace", match: .equals(traced.values("trace")![0]))]) == [traced.id])
            #expect(try actualCounts(store, version, ["trace", "flag"]) == expectedCounts(model, ["trace", "flag"]), "\(context)")
            // report's and compare's grouping: from the records for a wide key, from the index for another.
            #expect(try !SliceValueSource(store, keys: ["feature", "flag"], version: version.row).usesIndex, "\(context)")
            #expect(
                try SliceValueSource(store, keys: ["flag", "priority"], version: version.row).usesIndex == !expectedWide(model).contains("priority"))
            // The values near a mistyped one come from the index: none for a wide key (they would
            // be every value of it, held), those of a narrow one.
            #expect(try store.values(near: traced.values("trace")![0] + "x", key: "trace", in: version).isEmpty, "\(context)")
            #expect(try store.values(near: "TRUE", key: "flag", in: version) == ["true"], "\(context)")
        }
        _ = try store.importFile(try folder.write("v1.jsonl", model.map(\.line).joined(separator: "\n") + "\n"), options: by())
        try checkAll(model, "v1, built")
        #expect(try wideKeys() == ["feature", "tags", "source", "trace"])
        let first = try #require(try store.currentVersion())

        // v2: scenario, four values so far, given three more by the changed examples: wide once
        // brought up to date, as when built afresh.
        var next = model
        for i in stride(from: 0, to: next.count, by: 7) {
            next[i].labels = next[i].labels.filter { $0.key != "scenario" } + [("scenario", .string("new-\(i % 3)"))]
        }
        _ = try store.importFile(try folder.write("v2.jsonl", next.map(\.line).joined(separator: "\n") + "\n"), options: by())
        try checkAll(next, "v2, brought up to date")
        #expect(try wideKeys().contains("scenario") && stateVersion(store) == 2)
        #expect(try store.values(near: "TRUE", key: "flag", in: first).isEmpty, "an older version: the index does not describe it")
        let refreshed = try storedIndex(store)
        for (threads, limits) in [(50_000, store.sliceIndexMemoryLimits), (1, store.sliceIndexMemoryLimits), (1, (postings: 300, rows: 100))] {
            store.parallelSliceIndexBuild = threads
            store.sliceIndexMemoryLimits = limits
            try store.database.execute("DELETE FROM slice_index; DELETE FROM slice_index_state")
            try checkAll(next, "v2, built again (two threads from \(threads), budget \(limits))")
            #expect(try storedIndex(store).keys == refreshed.keys)
        }
    }

    @Test("each example's value code reads back as set, none and several included, at each width's edges; seeded")
    func codeColumnReadsBackAsSet() {
        var random = Generator(state: 254)
        for codes in [1, 2, 253, 254, 255, 256, 65533, 65534, 65535, 65536, 1 << 20] {
            var column = CodeColumn(size: 500, codes: codes)
            var model = [Int32](repeating: -1, count: 500)
            #expect((0..<500).allSatisfy { column[$0] == -1 }, "none to begin with, \(codes) codes")
            for _ in 0..<2000 {
                let example = random.next(500)
                let code: Int32 =
                    switch random.next(6) {
                    case 0: -2
                    case 1: -1
                    case 2: Int32(codes - 1)
                    default: Int32(random.next(codes))
                    }
                column[example] = code
                model[example] = code
            }
            #expect((0..<500).map { column[$0] } == model, "\(codes) codes")
        }
    }

    @Test("a stored row's values for examples asked about in order are those the model's postings hold; seeded")
    func storedValueCodesMatchModel() throws {
        var random = Generator(state: 330)
        for round in 0..<40 {
            let universe = 1 + random.next(600)
            var key = KeyPostings()
            for value in 0..<random.next(300) {
                key.values.append("v\(value)")
                let density = random.next(4) == 0 ? 30 : 1 + random.next(3)
                key.postings.append((0..<UInt32(universe)).filter { _ in random.next(100) < density })
            }
            key.valueless = (0..<UInt32(universe)).filter { _ in random.next(50) == 0 }
            let row = SliceIndexCoding.encode(key)
            let asked = (0..<UInt32(universe)).filter { _ in random.next(3) > 0 }
            var held = [[Int32]](repeating: [], count: universe)  // the model: each example's values, ascending
            for (value, postings) in key.postings.enumerated() {
                for example in postings { held[Int(example)].append(Int32(value)) }
            }
            try row.withUnsafeBytes { row in
                var column = try StoredValueCodes(row: row)
                #expect(column.values == key.values)
                var codes: [Int32] = []
                var read: [[Int32]] = []
                for example in asked {
                    try column.codes(of: example, into: &codes)
                    read.append(codes)
                }
                #expect(read == asked.map { held[Int($0)] }, "round \(round)")
            }
        }
    }

    @Test("rows kept past their memory budget in a file read back whole and in parts as they were given; seeded")
    func rowsReadBackAsGiven() throws {
        var random = Generator(state: 77)
        for round in 0..<50 {
            var rows = SliceIndexRows(memoryLimit: random.next(300))
            var given: [[UInt8]] = []
            for number in 0..<random.next(8) {
                let row = (0..<random.next(200)).map { _ in UInt8(random.next(256)) }
                given.append(row)
                try rows.append(ExactString("key-\(number)"), row)
            }
            #expect(rows.names.map(\.string) == given.indices.map { "key-\($0)" })
            let partSize = 1 + random.next(50)
            for (number, row) in given.enumerated() {
                #expect(try rows.row(number) == row, "round \(round), row \(number)")
                #expect(try rows.row(named: ExactString("key-\(number)")) == row)
                #expect(rows.size(number) == row.count)
                var read: [UInt8] = []
                try rows.forEachPart(number, partSize: partSize) { part, offset in
                    #expect(offset == read.count && part.count <= partSize)
                    read += part
                }
                #expect(read == row, "round \(round), row \(number) in parts of \(partSize)")
            }
            #expect(try rows.row(named: ExactString("absent")) == nil)
        }
    }

    @Test("a build within a memory budget (postings written out in runs, rows in a file) makes the rows one in memory makes; seeded")
    func budgetedBuildMatchesInMemory() throws {
        var random = Generator(state: 1226)
        for round in 0..<40 {
            var examples = (0..<(1 + random.next(300))).map { generate("b-\($0)", &random) }
            // In half the rounds a key with a value an example (a trace id): a piece a value in
            // every run, and a value table grown many times.
            if random.next(2) == 0 { for i in examples.indices { examples[i].labels.append(("trace", .string("t-\(i)"))) } }
            // Example keys with gaps, ascending, as the stored examples' keys are.
            var keys: [UInt32] = []
            for _ in examples { keys.append((keys.last ?? 0) + UInt32(1 + random.next(random.next(2) == 0 ? 3 : 300))) }
            func built(_ limits: (postings: Int, rows: Int), splitAt split: Int?) throws -> EncodedSliceIndex {
                func half(_ range: Range<Int>) throws -> SliceIndexBuilder {
                    var builder = SliceIndexBuilder(memoryLimit: limits.postings, rowsMemoryLimit: limits.rows)
                    for i in range {
                        var line = examples[i].line
                        try line.withUTF8 { try builder.add(keys[i], record: $0) }
                    }
                    return builder
                }
                guard let split else { return try half(0..<examples.count).finish(version: round) }
                var lower = try half(0..<split)
                try lower.append(try half(split..<examples.count))
                return try lower.finish(version: round)
            }
            func rows(_ index: EncodedSliceIndex) throws -> [String: [UInt8]] {
                var rows: [String: [UInt8]] = [:]
                for (number, name) in index.rows.names.enumerated() { rows[name.string] = try index.rows.row(number) }
                return rows
            }
            let expected = try built((Int.max, Int.max), splitAt: nil)
            let limits = (postings: random.next(2) == 0 ? 1 : random.next(3000), rows: random.next(2) == 0 ? 0 : random.next(400))
            let split = random.next(2) == 0 ? nil : random.next(examples.count + 1)
            let budgeted = try built(limits, splitAt: split)
            let context = "round \(round), limits \(limits), split at \(split.map(String.init) ?? "none")"
            #expect(budgeted.rows.names == expected.rows.names, "\(context)")
            #expect(try rows(budgeted) == rows(expected), "\(context)")
            #expect(budgeted.live.decoded() == expected.live.decoded(), "\(context)")
        }
    }

    @Test("a value table numbers values in order of first sight, byte for byte, however large it grows; seeded")
    func valueTableNumbersAsFirstSeen() {
        var random = Generator(state: 7)
        for round in 0..<20 {
            var table = ValueTable()
            var model: [[UInt8]: Int] = [:]
            var order: [[UInt8]] = []
            for _ in 0..<random.next(5000) {
                // Short and long, ASCII and not, repeats and new ones; "é" two ways apart.
                let pick = random.next(4)
                let text =
                    pick == 0
                    ? "v\(random.next(50))" : pick == 1 ? ["caf\u{E9}", "cafe\u{301}", ""][random.next(3)] : "value-\(random.next(100_000))-\(round)"
                let bytes = Array(text.utf8)
                let expected = model[bytes] ?? order.count
                if expected == order.count {
                    model[bytes] = expected
                    order.append(bytes)
                }
                #expect(table.intern(text) == expected)
            }
            #expect(table.count == order.count)
            for (number, bytes) in order.enumerated() {
                #expect(Array(table.string(number).utf8) == bytes && table.length(number) == bytes.count)
                #expect(table.withBytes(number) { Array($0) } == bytes)
            }
        }
    }

    @Test("a key's stored row brought up to date as read is what decoding, replacing and encoding it gives; seeded")
    func refreshedRowMatchesModel() throws {
        var random = Generator(state: 26)
        for round in 0..<300 {
            let universe = UInt32(1 + random.next(400))
            func postings(_ density: Int) -> Postings { (0..<universe).filter { _ in random.next(100) < density } }
            let valueNames = ["a", "b", "é", "e\u{301}", "", "[1]", "long-value-\(round)"]
            var key = KeyPostings()
            for name in valueNames where random.next(3) > 0 {
                key.values.append(name)
                key.postings.append(postings(random.next(60)))
            }
            key.valueless = postings(random.next(10))
            var changed = BitSet()
            let changedKeys = postings(random.next(40))
            for example in changedKeys { changed.insert(Int64(example)) }
            // The changed examples' current values: each in at most one value, or none.
            var added: KeyPostings? = nil
            if random.next(4) > 0 {
                var new = KeyPostings()
                for name in (random.next(2) == 0 ? valueNames : valueNames.reversed()) where random.next(2) == 0 {
                    new.values.append(name)
                    new.postings.append([])
                }
                for example in changedKeys where random.next(3) > 0 {
                    if new.values.isEmpty || random.next(8) == 0 {
                        new.valueless.append(example)
                    } else {
                        new.postings[random.next(new.values.count)].append(example)
                    }
                }
                added = new
            }
            let model = key.replacing(changed, with: added)
            let row = SliceIndexCoding.encode(key)
            let addedRow = added.map(SliceIndexCoding.encode)
            // Half the rounds with a limit on the values a row keeps: past it, the row is wide.
            let valueLimit = random.next(2) == 0 ? Int.max : random.next(8)
            let refreshed = try row.withUnsafeBytes { row in
                guard let addedRow else { return try SliceIndexCoding.refreshed(row, without: changed, adding: nil, valueLimit: valueLimit) }
                return try addedRow.withUnsafeBytes { try SliceIndexCoding.refreshed(row, without: changed, adding: $0, valueLimit: valueLimit) }
            }
            if model.isEmpty {
                #expect(refreshed == nil, "round \(round)")
            } else if model.postings.filter({ !$0.isEmpty }).count > valueLimit {
                #expect(refreshed == SliceIndexCoding.wideRow, "round \(round): more values than \(valueLimit)")
            } else {
                #expect(refreshed == SliceIndexCoding.encode(model), "round \(round)")
            }
            // A wide row stays wide, whatever is added; so does one a wide row is added to.
            let wide = try SliceIndexCoding.wideRow.withUnsafeBytes { wide in
                try row.withUnsafeBytes { row in
                    [
                        try SliceIndexCoding.refreshed(wide, without: changed, adding: row, valueLimit: .max),
                        try SliceIndexCoding.refreshed(row, without: changed, adding: wide, valueLimit: .max),
                    ]
                }
            }
            #expect(wide == [SliceIndexCoding.wideRow, SliceIndexCoding.wideRow], "round \(round)")
        }
    }

    @Test("label keys that differ only by Unicode normalisation are two keys, from the index and from the records")
    func labelKeysComparedByteForByte() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        func line(_ id: String, _ key: String) -> String {
            ModelExample(id: id, source: "synth", labels: [(key, .string("x"))]).line + "\n"
        }
        _ = try store.importFile(try folder.write("v1.jsonl", line("a", composed) + line("b", decomposed) + line("c", decomposed)), options: by())
        for version in [1, 2] {
            if version == 2 {  // version 1 is then answered from its records
                _ = try store.importFile(try folder.write("v2.jsonl", line("a", composed)), options: by())
            }
            let v1 = try #require(try store.version(number: 1))
            #expect(try sliceIds(store, v1, [SliceCondition(key: decomposed, match: .equals("x"))]) == ["b", "c"])
            #expect(try sliceIds(store, v1, [SliceCondition(key: composed, match: .equals("x"))]) == ["a"])
            let counts = try store.sliceCounts(v1, where: [], countBy: [decomposed]).counts
            #expect(counts.map(\.count) == [2, 1], "2 with the key (x), 1 without (nil)")
        }
    }

    @Test("coverage from the index: cells, stray values with their ids, examples without an axis key")
    func coverageFromIndex() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        var random = Generator(state: 7)
        let model = (1...300).map { generate(String(format: "c-%04d", $0), &random) }
        _ = try store.importFile(try folder.write("v1.jsonl", model.map(\.line).joined(separator: "\n") + "\n"), options: by())
        let axesFile = try folder.write(
            "axes.json", #"{"feature": ["booking-lookup", "refund-request", "caf\u00e9"], "scenario": ["happy-path", "irate-user"]}"#)
        let coverage = try store.coverage(try #require(try store.currentVersion()), axes: try Axes(path: axesFile))
        let counts = expectedCounts(model, ["feature", "scenario"])
        #expect(coverage.cells.count == 6)
        for cell in coverage.cells {
            #expect(cell.count == counts[Array(cell.values.joined(separator: "|").utf8)] ?? 0, "\(cell.values)")
        }
        let stray = coverage.stray.map { "\($0.key)=\($0.value) \($0.ids.count)" }
        let expectedStray = [("feature", "cafe\u{301}"), ("feature", "policy-question"), ("scenario", "no-results"), ("scenario", "null")]
            .map { key, value in "\(key)=\(value) \(model.filter { $0.values(key)?.contains { $0.utf8.elementsEqual(value.utf8) } ?? false }.count)" }
        #expect(stray == expectedStray)
        #expect(coverage.missingAxis.map(\.key) == ["scenario"])
        #expect(coverage.missingAxis.first?.ids == model.filter { $0.values("scenario") == nil }.map(\.id))

        let short = try store.coverage(try #require(try store.currentVersion()), axes: try Axes(path: axesFile), idLimit: 2)
        #expect(short.stray.map(\.count) == coverage.stray.map(\.ids.count))
        #expect(short.stray.allSatisfy { $0.ids.count == min(2, $0.count) })
        #expect(short.missingAxis.first?.ids == Array(coverage.missingAxis.first!.ids.prefix(2)))

        // A list-valued axis (an example in a cell for each listed tag), a value listed twice.
        let tagsFile = try folder.write(
            "tags.json", #"{"tags": ["p1", "p2", "multi-turn", "p1"], "priority": ["0", "1", "2", "2.5"]}"#)
        let tagged = try store.coverage(try #require(try store.currentVersion()), axes: try Axes(path: tagsFile))
        // An axis key no example has: every example misses it, no cell is filled.
        let ghostFile = try folder.write("ghost.json", #"{"feature": ["booking-lookup"], "no-such-key": ["x"]}"#)
        let ghost = try store.coverage(try #require(try store.currentVersion()), axes: try Axes(path: ghostFile))
        #expect(ghost.cells.map(\.count) == [0])
        #expect(ghost.missingAxis.map { "\($0.key) \($0.count)" } == ["no-such-key \(model.count)"])

        // Once version 1 is not the current one, it is answered from its records: the same answer.
        _ = try store.importFile(try folder.write("v2.jsonl", model.dropFirst().map(\.line).joined(separator: "\n") + "\n"), options: by())
        let taggedScanned = try store.coverage(try #require(try store.version(number: 1)), axes: try Axes(path: tagsFile))
        let ghostScanned = try store.coverage(try #require(try store.version(number: 1)), axes: try Axes(path: ghostFile))
        #expect(ghostScanned.missingAxis.map { "\($0.key) \($0.count) \($0.ids)" } == ghost.missingAxis.map { "\($0.key) \($0.count) \($0.ids)" })
        #expect(ghostScanned.stray.map { "\($0.key)=\($0.value)" } == ghost.stray.map { "\($0.key)=\($0.value)" })
        #expect(tagged.cells.map { "\($0.values) \($0.count)" } == taggedScanned.cells.map { "\($0.values) \($0.count)" })
        #expect(tagged.cells.contains { $0.count > 0 })
        #expect(tagged.stray.map { "\($0.key)=\($0.value) \($0.ids)" } == taggedScanned.stray.map { "\($0.key)=\($0.value) \($0.ids)" })
        #expect(tagged.missingAxis.map { "\($0.key) \($0.count) \($0.ids)" } == taggedScanned.missingAxis.map { "\($0.key) \($0.count) \($0.ids)" })
        let scanned = try store.coverage(try #require(try store.version(number: 1)), axes: try Axes(path: axesFile))
        #expect(scanned.cells.map(\.count) == coverage.cells.map(\.count))
        #expect(scanned.stray.map { "\($0.key)=\($0.value) \($0.ids)" } == coverage.stray.map { "\($0.key)=\($0.value) \($0.ids)" })
        #expect(scanned.missingAxis.map { "\($0.key) \($0.ids)" } == coverage.missingAxis.map { "\($0.key) \($0.ids)" })
    }

    @Test("report, compare and trend group results by slice as the model does: from the index (by value numbers) and from the records")
    func runsGroupedBySliceAsTheModel() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        var random = Generator(state: 27)
        let model = (1...500).map { generate(String(format: "r-%04d", $0), &random) }
        _ = try store.importFile(try folder.write("v1.jsonl", model.map(\.line).joined(separator: "\n") + "\n"), options: by())
        let v1 = try #require(try store.currentVersion())
        var outcomes: [String: [Bool]] = [:]
        for name in ["base", "candidate"] {
            let passes = model.map { _ in random.next(3) != 0 }
            outcomes[name] = passes
            let lines = zip(model, passes).map { #"{"id": "\#($0.id)", "pass": \#($1)}"# }
            _ = try store.recordRun(
                try folder.write("\(name).jsonl", lines.joined(separator: "\n") + "\n"), against: v1, options: RunOptions(name: name))
        }
        let base = try store.run(named: "base"), candidate = try store.run(named: "candidate")
        let keySets = [["feature"], ["feature", "scenario"], ["tags"], ["feature", "tags", "priority"], ["flag", "source"], ["scenario", "flag"]]

        func check(_ context: String) throws {
            for keys in keySets {
                var expectedReport: [[UInt8]: (examples: Int, passed: Int)] = [:]
                var expectedPairs: [[UInt8]: PairedCounts] = [:]
                for (index, example) in model.enumerated() {
                    for combination in combinations(example, keys) {
                        expectedReport[combination, default: (0, 0)].examples += 1
                        if outcomes["base"]![index] { expectedReport[combination]!.passed += 1 }
                        expectedPairs[combination, default: PairedCounts(both: 0, firstOnly: 0, secondOnly: 0, neither: 0)]
                            .add(first: outcomes["candidate"]![index], second: outcomes["base"]![index])
                    }
                }
                let report = try store.report(base, by: keys)
                #expect(report.slices.count == expectedReport.count, "\(context): report by \(keys), one slice a combination")
                for slice in report.slices {
                    let expected = expectedReport[joined(slice.values)]
                    #expect(
                        expected?.examples == slice.examples && expected.map { Double($0.passed) } == slice.passed,
                        "\(context): report by \(keys), slice \(slice.values)")
                }
                let comparison = try store.compare(base: base, candidate: candidate, by: keys)
                #expect(comparison.slices.count == expectedPairs.count, "\(context): compare by \(keys)")
                for slice in comparison.slices {
                    #expect(expectedPairs[joined(slice.values)] == slice.counts, "\(context): compare by \(keys), slice \(slice.values)")
                }
                let trend = try store.trend(by: keys)
                #expect(
                    trend.runs.map { $0.slices.map { "\($0.values) \($0.examples) \($0.passed)" } }
                        == (try [base, candidate].map {
                            try store.report($0, by: keys).slices.map { "\($0.values) \($0.examples) \($0.passed)" }
                        }), "\(context): trend by \(keys) reports each run as report does")
            }
        }
        try check("version 1, current: values from the index")
        // A second version makes version 1 an older one: its values are read from its records.
        _ = try store.importFile(try folder.write("v2.jsonl", model.dropLast().map(\.line).joined(separator: "\n") + "\n"), options: by())
        try check("version 1, older: values from the records")
    }
}

@Suite("Reading a canonical record's indexed members without parsing the others")
struct CanonicalMembersTests {
    @Test("the members kept are those of the record but id, input, context, expected_output and notes, byte for byte")
    func keepsIndexedMembers() throws {
        let records = [
            #"{"author": "@a", "context": [{"text": "a } ] { [ \" \\ quote", "x": [1, [2, {"y": null}]]}], "created_at": "2026-01-01", "expected_output": "}", "id": "x\"y", "input": "{[", "labels": {"feature": "f", "tags": ["a", "b\\"], "w\"eird": 1.5}, "notes": null, "source": "s", "zz": {"k": [true, false]}}"#,
            #"{"author": "", "context": null, "created_at": "2026-01-01", "expected_output": 0, "id": "e", "input": -1e-05, "labels": {}, "notes": "\u00e9\ud83c\udf89", "source": "caf\u00e9"}"#,
        ]
        for text in records {
            let canonical = try CanonicalJSON.canonicalize(text)
            #expect(canonical == text, "the fixture is canonical")
            var reduced: [UInt8] = []
            let ok = Array(text.utf8).withUnsafeBufferPointer { CanonicalMembers.indexed(of: $0, into: &reduced) }
            #expect(ok)
            var expected = try CanonicalObject(parsing: text)
            for name in ["id", "input", "context", "expected_output", "notes"] { expected[name] = nil }
            #expect(String(decoding: reduced, as: UTF8.self) == expected.text)
        }
    }
}

/// The rule `SliceIndexCoding.refreshed` follows, on decoded postings: the model it is checked against.
extension KeyPostings {
    /// These postings without the examples in `changed`, and with `added`'s (examples of
    /// `changed`, with their current values); values no example holds any more are left out.
    func replacing(_ changed: BitSet, with added: KeyPostings?) -> KeyPostings {
        let added = added ?? KeyPostings()
        var result = KeyPostings(values: [], postings: [], valueless: .merging(valueless, without: changed, added.valueless))
        var position = Dictionary(uniqueKeysWithValues: added.values.enumerated().map { (ExactString($1), $0) })  // byte for byte
        for (value, examples) in zip(values, postings) {
            let new = position.removeValue(forKey: ExactString(value)).map { added.postings[$0] } ?? []
            result.values.append(value)
            result.postings.append(.merging(examples, without: changed, new))
        }
        for (number, value) in added.values.enumerated() where position[ExactString(value)] != nil {
            result.values.append(value)
            result.postings.append(added.postings[number])
        }
        let kept = result.postings.indices.filter { !result.postings[$0].isEmpty }
        if kept.count < result.values.count {
            result.values = kept.map { result.values[$0] }
            result.postings = kept.map { result.postings[$0] }
        }
        return result
    }
}

extension Array where Element == UInt32 {
    /// `a` without the keys in `removed`, merged with `b` (ascending, no key of `a` outside
    /// `removed`), in one pass: ascending.
    static func merging(_ a: Postings, without removed: BitSet, _ b: Postings) -> Postings {
        var result = Postings()
        result.reserveCapacity(a.count + b.count)
        var j = 0
        for key in a where !removed.contains(Int64(key)) {
            while j < b.count && b[j] < key {
                result.append(b[j])
                j += 1
            }
            result.append(key)
        }
        result += b[j...]
        return result
    }
}
