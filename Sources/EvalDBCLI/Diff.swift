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
        let diff = try store.diff(old, new, withValues: patch || format.format == .json || format.format == .jsonl)
        show(diff)
        if exitCode && !diff.isEmpty { throw ExitCode(1) }
    }

    private func show(_ diff: DatasetDiff) {
        switch format.format {
        case .json, .jsonl:
            let document: JSONOutput = .object([
                ("from", .string(diff.from)), ("to", .string(diff.to)), ("added", .array(diff.added.map(JSONOutput.string))),
                ("removed", .array(diff.removed.map(JSONOutput.string))),
                ("changed", .array(diff.changed.map { .object([("id", .string($0.id)), ("changes", .raw(FieldChangesJSON.text($0.changes)))]) })),
                ("renames", .array(diff.renames.map { .object([("from", .string($0.from)), ("to", .string($0.to))]) })),
                ("reordered", .bool(diff.reordered)), ("unchanged", .int(diff.unchanged)),
            ])
            Output.stdout(document.text)
            return
        case .csv:
            var listing = Listing(columns: ["id", "status", "fields"])
            for id in diff.added { listing.rows.append([.text(id), .text("added"), .null]) }
            for id in diff.removed { listing.rows.append([.text(id), .text("removed"), .null]) }
            for changed in diff.changed {
                listing.rows.append([.text(changed.id), .text("changed"), .list(changed.changes.map(\.path))])
            }
            Output.stdout(listing.render(.csv))
            return
        case .table:
            break
        }
        Output.stdout(
            "diff \(Terminal.sanitized(diff.from)) -> \(Terminal.sanitized(diff.to)): \(diff.added.count) added, \(diff.changed.count) changed, \(diff.removed.count) removed, \(diff.unchanged) unchanged\(diff.reordered ? ", lines reordered" : "")"
        )
        if stat { return }
        for id in diff.added { Output.stdout("+ \(Terminal.sanitized(id))") }
        for id in diff.removed { Output.stdout("- \(Terminal.sanitized(id))") }
        for changed in diff.changed {
            Output.stdout("~ \(Terminal.sanitized(changed.id)): \(changed.changes.map(\.path).joined(separator: ", "))")
            if patch { Output.fieldChanges(changed.changes) }
        }
        for rename in diff.renames {
            Output.stdout("suspected rename: \(Terminal.sanitized(rename.from)) -> \(Terminal.sanitized(rename.to))")
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
