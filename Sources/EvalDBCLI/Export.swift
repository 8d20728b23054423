import ArgumentParser
import EvalDBKit
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a dataset version as canonical JSONL, in its line order.",
        discussion: """
            The output's SHA-256 is the version's dataset hash. With -o the file is written atomically \
            (a temporary file beside it, then a rename), and only over a file as evaldb left it or that \
            holds a version the database knows: a file that differs from every version (lines edited, \
            added, deleted or reordered, never imported) is left as it is, the ids edited, added and \
            deleted are named, and the exit status is 1 (--force overwrites).
            --version takes a number, a hash or hash prefix, or a git revision (a tag, a branch, HEAD~3).
            --as inspect writes an Inspect AI dataset instead (id, input, target, metadata: the labels, \
            the other fields and evaldb_dataset, the dataset hash, which `run record --from inspect` \
            reads back); with -o it replaces only a missing file or an Inspect export (--force: any).

            Examples:
              evaldb export -o evals/data/v0/golden.jsonl
              evaldb export --version 3 > v3.jsonl
              evaldb export --as inspect -o golden-inspect.jsonl
            """)

    enum Shape: String, ExpressibleByArgument, CaseIterable {
        case jsonl, inspect
    }

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    @Option(help: "The version: a number, a hash prefix, or a git revision (default: the current version).", completion: Completions.versions)
    var version: String?

    @Option(help: "The version with this dataset hash or unique hash prefix.")
    var hash: String?

    @Option(name: .customLong("as"), help: "What to write: jsonl (the dataset, canonical) or inspect (an Inspect AI dataset).")
    var shape: Shape = .jsonl

    @Flag(help: "With -o: overwrite the file even when it differs from every version (edits never imported).")
    var force = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if version != nil && hash != nil { throw ValidationError("give --version or --hash, not both") }
    }

    func run() throws {
        let store = try database.openForReading()
        // The version named and its records, read in one transaction (the current version read once).
        guard let chosen = try store.reading({ try exportVersion(store) }), let output, output != "-" else { return }
        try? store.recordBase(of: output, version: chosen.number)  // not in a database that cannot be written
        Output.stderr("wrote version \(chosen.number) (\(chosen.exampleCount) examples) to \(output)  \(chosen.hash)")
    }

    /// Exports the version named; returns it, or nil for `--as inspect` (which says what it wrote).
    private func exportVersion(_ store: Store) throws -> DatasetVersion? {
        let chosen = try store.resolveVersion(version ?? hash ?? "current")
        let progress = Output.Progress("exporting version \(chosen.number)")
        if shape == .inspect {
            try exportInspect(store, chosen, progress: progress)
            return nil
        }
        let exported: String
        if let output, output != "-" {
            if !force { try store.checkOverwrite(of: output, with: chosen) }
            exported = try store.export(chosen, toFile: output) { progress.update(lines: $0, of: chosen.exampleCount) }
        } else {
            exported = try store.export(chosen, progress: { progress.update(lines: $0, of: chosen.exampleCount) }) { chunk in
                try writeAll(1, chunk, path: "<stdout>")
            }
        }
        progress.finish()
        if exported != chosen.hash {
            Output.error(
                "version \(chosen.number) exported with hash \(exported) but its stored hash is \(chosen.hash): the database is damaged; run `evaldb verify`"
            )
            throw ExitCode(2)
        }
        return chosen
    }

    /// `--as inspect`: an Inspect dataset, to standard output or -o FILE.
    private func exportInspect(_ store: Store, _ chosen: DatasetVersion, progress: Output.Progress) throws {
        let update: (Int) -> Void = { progress.update(lines: $0, of: chosen.exampleCount) }
        if let output, output != "-" {
            if !force, let problem = InspectDataset.overwriteProblem(path: output) {
                Output.error("\(output) \(problem); it was left as it is (--force overwrites it)")
                throw ExitCode(1)
            }
            try store.exportInspect(chosen, toFile: output, progress: update)
            progress.finish()
            Output.stderr("wrote version \(chosen.number) (\(chosen.exampleCount) examples) as an Inspect dataset to \(output)  \(chosen.hash)")
        } else {
            try store.exportInspect(chosen, progress: update) { chunk in try writeAll(1, chunk, path: "<stdout>") }
            progress.finish()
        }
    }
}
