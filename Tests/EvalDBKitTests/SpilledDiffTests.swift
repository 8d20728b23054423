import Foundation
import Testing

@testable import EvalDBKit

@Suite("A diff of two versions read back from disk (SpilledDiff)")
struct SpilledDiffTests {
    /// Version 1: ex-000 ... ex-199. Version 2, in key order: every 7th changed (input), every
    /// 11th changed (its feature label) and input, every 13th removed, three examples of one
    /// content and one of another removed with ids given to added examples (renames, the first
    /// content added only twice), and ten added examples of their own.
    private func twoVersions(_ folder: TemporaryFolder) throws -> (Store, v1: DatasetVersion, v2: DatasetVersion, file2: String) {
        let store = try folder.store()
        let ids = (0..<200).map { String(format: "ex-%03d", $0) }
        var v1: [String] = [], v2: [String] = []
        for (index, id) in ids.enumerated() {
            let renamed = [20, 40, 60].contains(index) ? "same" : index == 80 ? "other" : nil
            v1.append(Sample.line(id, question: renamed))
            if index % 13 == 0 || renamed != nil { continue }
            if index % 11 == 0 {
                v2.append(Sample.line(id, question: "edited \(index)", feature: "refund-request"))
            } else {
                v2.append(Sample.line(id, question: index % 7 == 0 ? "edited \(index)" : nil))
            }
        }
        v2 += ["new-same-1", "new-same-2"].map { Sample.line($0, question: "same") } + [Sample.line("new-other", question: "other")]
        v2 += (0..<10).map { Sample.line("new-\($0)") }
        let file1 = try folder.write("v1.jsonl", v1.joined(separator: "\n") + "\n")
        let file2 = try folder.write("v2.jsonl", v2.joined(separator: "\n") + "\n")
        _ = try store.importFile(file1, options: ImportOptions(author: "a"))
        _ = try store.importFile(file2, options: ImportOptions(author: "a"))
        return (store, try #require(try store.version(number: 1)), try #require(try store.version(number: 2)), file2)
    }

    @Test("two versions give, section by section, what the in-memory diff of the first version and the second's file gives")
    func sameAsInMemory() throws {
        let folder = try TemporaryFolder()
        let (store, v1, v2, file2) = try twoVersions(folder)
        for withValues in [true, false] {
            let listing = try store.diffListing(.version(v1), .version(v2), withValues: withValues)
            #expect(listing is SpilledDiff)
            var spilled = try DatasetDiff(collecting: listing)
            let model = try store.diff(.version(v1), .file(file2), withValues: withValues)
            #expect(spilled.to == "version 2")
            spilled.to = model.to
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            #expect(try encoder.encode(spilled) == encoder.encode(model))
            #expect(spilled.renames.map { "\($0.from)->\($0.to)" } == ["ex-020->new-same-1", "ex-040->new-same-2", "ex-080->new-other"])
            #expect(spilled.changed.count == listing.changedCount && spilled.changed.count > 20)
        }
    }

    @Test("backwards, the added are the removed: version 2 to version 1 reads back as the model gives it")
    func backwards() throws {
        let folder = try TemporaryFolder()
        let (store, v1, v2, _) = try twoVersions(folder)
        let forwards = try store.diff(.version(v1), .version(v2))
        let backwards = try store.diff(.version(v2), .version(v1))
        #expect(backwards.added == forwards.removed && backwards.removed == forwards.added)
        #expect(backwards.changed.map(\.id) == forwards.changed.map(\.id))
        #expect(backwards.changed.map { $0.changes.map(\.old) } == forwards.changed.map { $0.changes.map(\.new) })
        #expect(backwards.renames.map { "\($0.from)->\($0.to)" } == ["new-same-1->ex-020", "new-same-2->ex-040", "new-other->ex-080"])
    }

    @Test("reordering is told from the line orders read a few keys at a time as the in-memory diff of the files tells it")
    func reorderedFromLineOrders() throws {
        let folder = try TemporaryFolder()
        let store = try folder.store()
        let ids = (0..<12).map { String(format: "ex-%02d", $0) }
        var orders = [ids]  // v1 ascending
        orders.append(Array(ids[6...] + ids[..<6]))  // v2: halves swapped
        orders.append(orders[1].filter { $0 != "ex-07" } + ["ex-12"])  // v3: v2's order less one, one added at the end
        orders.append(orders[2].reversed())  // v4: reversed
        orders.append(orders[3].filter { $0 != "ex-00" && $0 != "ex-11" })  // v5: v4's order less two
        orders.append(Array(ids[..<5] + ["new"]))  // v6: ascending keys again, fewer of them
        var files: [String] = []
        for (number, order) in orders.enumerated() {
            files.append(try folder.write("v\(number + 1).jsonl", order.map { Sample.line($0) }.joined(separator: "\n") + "\n"))
            _ = try store.importFile(files[number], options: by())
        }
        let versions = try (1...orders.count).map { try #require(try store.version(number: $0)) }
        for chunkKeys in [1, 3, LineOrderCursor.defaultChunkKeys] {
            store.lineOrderChunkKeys = chunkKeys
            var told: [String] = []
            for a in versions.indices {
                for b in versions.indices where a != b {
                    let versionsDiff = try store.diff(.version(versions[a]), .version(versions[b]), withValues: false)
                    let model = try store.diff(.version(versions[a]), .file(files[b]), withValues: false)
                    #expect(versionsDiff.reordered == model.reordered, "v\(a + 1) -> v\(b + 1), \(chunkKeys) keys a chunk")
                    if versionsDiff.reordered { told.append("\(a + 1)\(b + 1)") }
                }
            }
            #expect(!told.contains("23") && !told.contains("45") && told.contains("12") && told.contains("34"), "\(told)")
        }
    }

    @Test("field changes read back as they were written: values absent, empty or not ASCII, and no change at all")
    func fieldChangesRoundTrip() throws {
        let changes = [
            FieldChange(path: "labels.feature", old: "\"a\"", new: nil), FieldChange(path: "notes", old: nil, new: "\"é ✓\""),
            FieldChange(path: "input", old: "", new: "\"\""), FieldChange(path: "source", old: nil, new: nil),
        ]
        for list in [changes, []] {
            let bytes = FieldChangeCoding.encode(list)
            #expect(try bytes.withUnsafeBytes { try FieldChangeCoding.decode($0) } == list)
        }
        let cut = FieldChangeCoding.encode(changes).dropLast()
        #expect(throws: EvalDBError.self) { try Array(cut).withUnsafeBytes { try FieldChangeCoding.decode($0) } }
    }
}
