import EvalDBKit
import Testing

@testable import EvalDBCLI

/// What the executable says of an error the library throws, and its exit status, in process.
@Suite("Error messages")
struct MessageTests {
    @Test("a damaged database is said as such, with the commands that find and mend it, and exits 2 (not an SQLite error)")
    func damagedDatabase() {
        let error = EvalDBError.storageInvariant("version 2 lists example key 99, which has no live revision at that version")
        let message = Messages.describe(error)
        #expect(message.hasPrefix("the database is damaged: version 2 lists example key 99"), "\(message)")
        #expect(message.contains("`evaldb verify`") && message.contains("`evaldb sync` rebuilds it"), "\(message)")
        #expect(Output.report(error) == 2)
    }

    @Test("a run whose folder lost results says so and how to finish it")
    func partialRunIncomplete() {
        let message = SystemOptions.describe(.partialRunIncomplete(name: "nightly", missing: 2, folder: ".evaldb/exec/nightly-1a2b"))
        #expect(message.contains("2 results missing from .evaldb/exec/nightly-1a2b") && message.contains("--resume"), "\(message)")
    }
}
