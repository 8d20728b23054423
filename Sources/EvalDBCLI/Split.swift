import ArgumentParser
import EvalDBKit

struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Place each example in train, dev or test, stably, and check the splits for leakage.",
        discussion: """
            The shares are in percent, as every rate (--train 20: 20% of the examples); a share not \
            given is what the others leave, split evenly. Each example's split comes from SHA-256 of \
            `SEED:ID` (its first 8 bytes over 2^64, against the shares), so adding examples never \
            moves an old one; with --by KEY the new examples are placed so that every value of KEY is balanced within one example. The split is a label (--label, \
            default split) of each example, written as a new dataset version (and to the dataset file \
            when it was in sync), so it lives in git with the dataset and works with \
            `--where split=test` everywhere. Examples that have a split keep it.

            Then, and with --check alone, reports examples whose input is identical across splits, \
            exactly or after trimming, collapsing white space and case-folding: exit 1 when there are \
            any (--allow-leaks: exit 0).

            Examples:
              evaldb split --train 20 --dev 40 --test 40 --seed 7 --by feature
              evaldb split --check
            """)

    @Option(help: "The share of train, in percent (20 for 20%).", transform: { try Percent.parse($0, flag: "--train") }) var train: Double?
    @Option(help: "The share of dev, in percent.", transform: { try Percent.parse($0, flag: "--dev") }) var dev: Double?
    @Option(help: "The share of test, in percent.", transform: { try Percent.parse($0, flag: "--test") }) var test: Double?
    @Option(help: "The seed: the same seed gives the same splits.") var seed: String?
    @Option(help: "Balance the splits within each value of this label key.") var by: String?
    @Option(help: "The label that holds the split.") var label = "split"
    @Option(help: "The author of the new version (default: git user.name, else $USER).") var author: String?
    @Flag(help: "Only check the splits for leakage.") var check = false
    @Flag(name: .customLong("allow-leaks"), help: "Exit 0 even when inputs leak across splits.") var allowLeaks = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var format: FormatOptions

    func validate() throws {
        if check {
            guard [train, dev, test].allSatisfy({ $0 == nil }), seed == nil, by == nil else {
                throw ValidationError("--check only checks: give it without --train, --dev, --test, --seed and --by")
            }
        } else {
            guard train != nil || dev != nil || test != nil else { throw ValidationError("give the shares (--train, --dev, --test) or --check") }
            guard seed != nil else { throw ValidationError("give --seed: the same seed gives the same splits") }
        }
    }

    func run() throws {
        let store = check ? try database.openForReading() : try database.open()
        var lines: [String] = []
        if !check, let seed {
            // Shares not given are what is left, split evenly among them.
            let given = [train, dev, test].compactMap { $0 }.reduce(0, +)
            let missing = [train, dev, test].filter { $0 == nil }.count
            let rest = missing == 0 ? 0 : (1 - given) / Double(missing)
            let plan = try StableSplit(train: train ?? rest, dev: dev ?? rest, test: test ?? rest, seed: seed)
            let outcome = try store.assignSplits(plan, by: by, labelKey: label, author: author ?? defaultUser())
            let counts = StableSplit.names.map { "\($0) \(outcome.counts[$0] ?? 0)" }.joined(separator: ", ")
            lines.append("placed \(outcome.placed) example\(outcome.placed == 1 ? "" : "s"), \(outcome.kept) kept their split: \(counts)")
            if let result = outcome.outcome?.result, result.outcome == .created {
                lines.append("version \(result.version.number) (\(result.version.shortHash)) holds the \(label) labels")
                if let file = outcome.outcome?.wroteFile {
                    lines.append("wrote \(file)")
                } else {
                    lines.append("the dataset file was not in sync: `evaldb export -o FILE` writes the new version")
                }
            }
            for conflict in outcome.outcome?.conflicts ?? [] { lines.append("not placed: \(conflict.id): \(conflict.reason)") }
        }
        let leaks = try store.splitLeaks(labelKey: label)
        if format.format == .table {
            for line in lines { Output.stdout(line) }
            if leaks.isEmpty {
                Output.stdout("no input is shared across splits")
            } else {
                Output.stdout("inputs shared across splits (\(leaks.count)):")
                for leak in leaks.prefix(50) {
                    Output.stdout("  \(leak.kind): " + leak.examples.map { "\(Terminal.sanitized($0.id)) (\($0.split))" }.joined(separator: ", "))
                }
                if leaks.count > 50 { Output.stdout("  ... and \(leaks.count - 50) more (--format json lists all)") }
            }
        } else {
            var listing = Listing(columns: ["leak", "kind", "id", "split"])
            for (number, leak) in leaks.enumerated() {
                for example in leak.examples { listing.rows.append([.int(number + 1), .text(leak.kind), .text(example.id), .text(example.split)]) }
            }
            Output.stdout(format.render(listing))
        }
        if !leaks.isEmpty && !allowLeaks { throw ExitCode(1) }
    }
}
