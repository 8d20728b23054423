import ArgumentParser
import EvalDBKit
import Foundation

/// Shell completion of what is in the database: run names and dataset version numbers. The
/// shell asks the evaldb on its PATH as the user types (`evaldb --generate-completion-script
/// bash|zsh|fish`, docs/commands.md); a database that cannot be read completes nothing.
enum Completions {
    static let runNames = CompletionKind.custom { words, _, _ in (try? store(words)?.runs().map(\.name)) ?? [] }

    static let versions = CompletionKind.custom { words, _, _ in
        (try? store(words)?.versions().map { String($0.number) }) ?? []
    }

    /// The database the command line names with `--db`, else the default one, opened read-only.
    private static func store(_ words: [String]) throws -> Store? {
        var path = Store.defaultPath()
        if let flag = words.firstIndex(where: { $0 == "--db" }), flag + 1 < words.count { path = words[flag + 1] }
        if let inline = words.first(where: { $0.hasPrefix("--db=") }) { path = String(inline.dropFirst("--db=".count)) }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try Store(readingAt: path)
    }
}
