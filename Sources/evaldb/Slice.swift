import ArgumentParser
import EvalDBKit
import Foundation

struct Slice: ParsableCommand {
    static let configuration = CommandConfiguration(
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
        let store = try database.openForReading()
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
        var json: [String] = []
        var listing = Listing(columns: ["id", "source", "labels"])
        let lines = Output.Buffered()
        try store.slice(chosen, where: all) { record in
            if let limit, printed >= limit { return }
            printed += 1
            if output == .jsonl {
                lines.append(record)
                return
            }
            let line = String(decoding: record, as: UTF8.self)
            switch output {
            case .jsonl: break
            case .json: json.append(line)
            case .table, .csv:
                let fields = RecordFields(record: line)
                let labels = fields.values.filter { $0.path.hasPrefix("labels.") }
                    .map { "\($0.path.dropFirst("labels.".count))=\($0.value)" }.joined(separator: " ")
                listing.rows.append([.text(fields.text("id") ?? ""), .text(fields.text("source") ?? ""), .text(labels)])
            }
        }
        lines.flush()
        switch output {
        case .json: Output.stdout("[" + json.joined(separator: ",\n") + "]")
        case .table, .csv: Output.stdout(listing.render(output, headers: !headers.noHeaders))
        case .jsonl: break
        }
    }
}
