import ArgumentParser
import EvalDBKit
import Foundation

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show which ids were added, removed or changed between two datasets.",
        discussion: """
            A and B are each a version number, a hash or unique hash prefix (with or without \
            sha256:), or a dataset file. `diff FILE` alone shows what importing FILE would do; `diff V` \
            alone, what changed from version V to the current one. \
            Changed ids list the fields and label keys that changed (-p: with their values); removed \
            and added ids with identical records are reported as suspected renames (and still counted \
            as one removed and one added). Exit status 0 whether or not they differ; with \
            --exit-code, as git's: 1 when they differ, 0 when they do not.

            Examples:
              evaldb diff 1 2
              evaldb diff evals/data/v0/golden.jsonl
              evaldb diff 3 evals/data/v0/golden.jsonl -p --format json
            """)

    @Argument(help: "The old side (or, alone, a file or a version to compare with the current version).")
    var a: String

    @Argument(help: "The new side.")
    var b: String?

    @Flag(name: .customShort("p"), help: "Print each changed field's old and new value.")
    var patch = false

    @Flag(help: "Print only the counts.")
    var stat = false

    @Flag(name: .customLong("exit-code"), help: "Exit 1 when the datasets differ, 0 when they do not (as git diff).")
    var exitCode = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func run() throws {
        try database.reading(run)
    }

    private func run(_ store: Store) throws {
        let old: DiffSide, new: DiffSide
        if let b {
            old = try side(a, store)
            new = try side(b, store)
        } else if case .version(let version) = try side(a, store) {
            // A version alone, as `git diff REV`: from it to where things stand (the current version).
            old = .version(version)
            new = .version(try store.resolveVersion("current"))
        } else {
            old = .version(try store.resolveVersion("current"))
            new = .file(a)
        }
        // The table and csv name the changed fields; -p and json show their values.
        let diff = try store.diffListing(old, new, withValues: patch || format.format == .json || format.format == .jsonl)
        try show(diff)
        if exitCode && !diff.isEmpty { throw ExitCode(1) }
    }

    /// Prints `diff` a section at a time, as it is read (a diff of two versions from disk).
    private func show(_ diff: some DiffListing) throws {
        let out = Output.Buffered()
        defer { out.flush() }
        switch format.format {
        case .json, .jsonl:
            // One line, as `JSONOutput` writes a document, its lists written as they are read.
            func list(_ name: String, _ each: (((JSONOutput) -> Void) throws -> Void)) throws {
                out.write(", \(JSONText.string(name)): [")
                var first = true
                try each { element in
                    out.write(first ? element.text : ", " + element.text)
                    first = false
                }
                out.write("]")
            }
            out.write("{\"from\": \(JSONText.string(diff.from)), \"to\": \(JSONText.string(diff.to))")
            try list("added") { element in try diff.forEachAdded { element(.string($0)) } }
            try list("removed") { element in try diff.forEachRemoved { element(.string($0)) } }
            try list("changed") { element in
                try diff.forEachChanged { element(.object([("id", .string($0.id)), ("changes", .raw(FieldChangesJSON.text($0.changes)))])) }
            }
            try list("renames") { element in
                try diff.forEachRename { element(.object([("from", .string($0.from)), ("to", .string($0.to))])) }
            }
            out.write(", \"reordered\": \(JSONOutput.bool(diff.reordered).text), \"unchanged\": \(diff.unchanged)}\n")
            return
        case .csv:
            let header = Listing(columns: ["id", "status", "fields"])
            out.write(header.render(.csv) + "\n")
            func row(_ values: [Listing.Value]) {
                var listing = header
                listing.rows = [values]
                out.write(listing.render(.csv, headers: false) + "\n")
            }
            try diff.forEachAdded { row([.text($0), .text("added"), .null]) }
            try diff.forEachRemoved { row([.text($0), .text("removed"), .null]) }
            try diff.forEachChanged { row([.text($0.id), .text("changed"), .list($0.changes.map(\.path))]) }
            return
        case .table:
            break
        }
        out.write(
            "diff \(Terminal.sanitized(diff.from)) -> \(Terminal.sanitized(diff.to)): \(diff.addedCount) added, \(diff.changedCount) changed, \(diff.removedCount) removed, \(diff.unchanged) unchanged\(diff.reordered ? ", lines reordered" : "")\n"
        )
        if stat { return }
        try diff.forEachAdded { out.write("+ \(Terminal.sanitized($0))\n") }
        try diff.forEachRemoved { out.write("- \(Terminal.sanitized($0))\n") }
        try diff.forEachChanged { changed in
            out.write("~ \(Terminal.sanitized(changed.id)): \(changed.changes.map(\.path).joined(separator: ", "))\n")
            if patch { Output.fieldChanges(changed.changes, to: out) }
        }
        try diff.forEachRename { rename in
            out.write("suspected rename: \(Terminal.sanitized(rename.from)) -> \(Terminal.sanitized(rename.to))\n")
        }
    }

    /// A file when `spec` is one (or looks like a path), else a version.
    private func side(_ spec: String, _ store: Store) throws -> DiffSide {
        if spec == "-" || FileManager.default.fileExists(atPath: spec) { return .file(spec) }
        do {
            return .version(try store.resolveVersion(spec))
        } catch EvalDBError.noSuchVersion where spec.contains("/") || spec.hasSuffix(".jsonl") {
            return .file(spec)  // reading it says what is wrong
        }
    }
}
