import ArgumentParser
import EvalDBKit
import Foundation

struct Slice: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slice",
        abstract: "Print the examples that match every condition, or count them per combination of values.",
        discussion: """
            KEY is a label key or a top-level field; KEY=VALUE splits at the first '='. VALUE matches a \
            string equal to it exactly, a number, boolean or null whose JSON spelling equals it, or a \
            list that holds such a value. Conditions combine with AND. Without --count-by: the matching \
            examples as canonical JSON lines, in the version's line order (jsonl by default). With it: \
            the count per combination (a list-valued key such as tags counts an example once under each \
            of its values).

            Examples:
              evaldb slice --where feature=refund-request --where persona=adversarial
              evaldb slice --tag stale-doc --source prod-trace
              evaldb slice --count-by feature,scenario
            """)

    @OptionGroup var versionOptions: VersionOptions

    @OptionGroup var conditions: ConditionOptions

    @Option(name: .customLong("count-by"), help: "Count per combination of these keys (K[,K...]).")
    var countBy: String?

    @Option(help: "Print at most this many examples.")
    var limit: Int?

    @OptionGroup var database: DatabaseOptions

    @Option(name: .long, help: "jsonl (default), json, table or csv.")
    var format: OutputFormat?

    @OptionGroup var headers: HeaderOptions

    func run() throws {
        try database.reading(run)
    }

    private func run(_ store: Store) throws {
        let chosen = try versionOptions.resolve(in: store)
        let all = try conditions.parsed()
        if let countBy {
            let keys = countBy.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            let result = try store.sliceCounts(chosen, where: all, countBy: keys)
            var listing = Listing(columns: keys + ["examples"])
            for (values, count) in result.counts {
                listing.rows.append(values.map { $0.map(Listing.Value.text) ?? .null } + [.int(count)])
            }
            Output.stdout(listing.render(format ?? .table, headers: !headers.noHeaders))
            return
        }
        let output = format ?? .jsonl
        var printed = 0
        let lines = Output.Buffered()
        switch output {
        case .jsonl:
            try store.slice(chosen, where: all, limit: limit) { record in
                printed += 1
                lines.append(record)
            }
        case .json:
            // Streamed as read, one line as json.dumps writes a list: a slice of millions is not held.
            try store.slice(chosen, where: all, limit: limit) { record in
                printed += 1
                lines.write(printed == 1 ? "[" : ", ")
                lines.write(record)
            }
            lines.write(printed == 0 ? "[]\n" : "]\n")
        case .csv:
            // A column per label key, in order of first appearance: the keys from a first reading
            // of the slice, then each row printed as read the second time (the same snapshot:
            // `reading`), so that a slice of millions is not held.
            var labelKeys: [String] = []
            var seen = Set<String>()
            try store.sliceRows(chosen, where: all, limit: limit) { row in
                for label in row.labels where seen.insert(label.key).inserted { labelKeys.append(label.key) }
            }
            let columns = ["id", "source"] + labelKeys
            if !headers.noHeaders { lines.write(Listing(columns: columns).render(.csv) + "\n") }
            try store.sliceRows(chosen, where: all, limit: limit) { row in
                printed += 1
                var labels: [String: String] = [:]
                for label in row.labels { labels[label.key] = label.value.plain }
                let cells = [Listing.Value.text(row.id), .text(row.source ?? "")] + labelKeys.map { labels[$0].map(Listing.Value.text) ?? .null }
                lines.write(Listing(columns: columns, rows: [cells]).render(.csv, headers: false) + "\n")
            }
        case .table:
            // Aligned: every row is held to size the columns.
            var listing = Listing(columns: ["id", "source", "labels"])
            try store.sliceRows(chosen, where: all, limit: limit) { row in
                printed += 1
                let labels = row.labels.map { "\($0.key)=\($0.value.canonical)" }.joined(separator: " ")
                listing.rows.append([.text(row.id), .text(row.source ?? ""), .text(labels)])
            }
            lines.flush()
            Output.stdout(listing.render(output, headers: !headers.noHeaders))
        }
        lines.flush()
        if printed == 0 { try hintNearValues(all, in: store, version: chosen) }
    }

    /// Nothing matched: a condition whose value differs from an existing one only by case (or a
    /// typo's worth) is named, with the value that exists.
    private func hintNearValues(_ conditions: [SliceCondition], in store: Store, version: DatasetVersion) throws {
        for condition in conditions {
            guard case .equals(let wanted) = condition.match else { continue }
            let near = try store.values(near: wanted, key: condition.key, in: version, limit: 3)
            if !near.isEmpty {
                Output.stderr(
                    "evaldb: no example has \(condition.key)=\(Terminal.sanitized(wanted)); values match exactly (case too): did you mean \(near.map { "\(condition.key)=\(Terminal.sanitized($0))" }.joined(separator: " or "))?"
                )
            }
        }
    }
}
