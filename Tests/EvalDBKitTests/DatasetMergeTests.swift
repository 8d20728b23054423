import Testing

@testable import EvalDBKit

@Suite("Three-way merge of datasets by example id")
struct DatasetMergeTests {
    static func record(_ id: String, notes: String = "n", scenario: String = "s", persona: String = "p") -> DatasetMerge.Record {
        let text =
            #"{"author": "a", "context": null, "created_at": "2026-04-16", "expected_output": "e", "id": "\#(id)", "input": "i", "labels": {"persona": "\#(persona)", "scenario": "\#(scenario)"}, "notes": "\#(notes)", "source": "synth"}"#
        return (Array(JSONText.string(id).utf8), text)
    }

    static let base = ["a", "b", "c", "d"].map { record($0) }

    @Test("changes of different examples, and of different fields of one example, combine")
    func nonConflictingChangesCombine() {
        var ours = Self.base, theirs = Self.base
        ours[0] = Self.record("a", notes: "ours")
        ours[2] = Self.record("c", scenario: "ours")
        theirs[1] = Self.record("b", notes: "theirs")
        theirs[2] = Self.record("c", persona: "theirs")
        theirs.remove(at: 3)
        theirs.append(Self.record("e"))
        let merge = DatasetMerge(base: Self.base, ours: ours, theirs: theirs)
        #expect(merge.conflicts.isEmpty)
        #expect(
            merge.lines == [
                Self.record("a", notes: "ours").record, Self.record("b", notes: "theirs").record,
                Self.record("c", scenario: "ours", persona: "theirs").record, Self.record("e").record,
            ])
        #expect(merge.keptFromDatabase == 1)
        #expect(merge.mergedFieldByField == ["c"])
    }

    @Test("the same field changed differently, or changed against removed, is a conflict between markers")
    func conflictsAreNamedAndMarked() {
        var ours = Self.base, theirs = Self.base
        ours[0] = Self.record("a", scenario: "ours")
        theirs[0] = Self.record("a", scenario: "theirs")
        ours.remove(at: 1)
        theirs[1] = Self.record("b", notes: "theirs")
        let merge = DatasetMerge(base: Self.base, ours: ours, theirs: theirs, markConflicts: true)
        #expect(
            merge.conflicts == [
                MergeConflict(id: "a", fields: ["labels.scenario"], file: "changed", database: "changed"),
                MergeConflict(id: "b", fields: [], file: "changed", database: "removed"),
            ])
        #expect(
            Array(merge.lines.prefix(5)) == [
                "<<<<<<< ours", Self.record("a", scenario: "ours").record, "=======",
                Self.record("a", scenario: "theirs").record, ">>>>>>> theirs",
            ])
    }

    @Test("the same change on both sides is no conflict; ids differing only by normalisation stay two examples")
    func sameChangeAndExactIds() {
        let decomposed = "cafe\u{301}", precomposed = "caf\u{e9}"
        let base = [Self.record(precomposed)]
        let ours = [Self.record(precomposed, notes: "same"), Self.record(decomposed)]
        let theirs = [Self.record(precomposed, notes: "same")]
        let merge = DatasetMerge(base: base, ours: ours, theirs: theirs)
        #expect(merge.conflicts.isEmpty)
        #expect(merge.lines.count == 2)
    }
}
