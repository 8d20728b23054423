import EvalDBKit

/// Which examples a queue holds, as the page's query parameters say: a slice (`where`, `tag`,
/// `source` as in `slice`), a run's results (`run`, `results` failed or passed, a failure
/// `category`), the flips of a comparison (`base` run, `flips` regressed or fixed), and `unread`
/// (what this reviewer has not read at its current revision). Every link of a queue's pages
/// carries it.
struct QueueSpec: Sendable {
    var conditions: [String] = []
    var tags: [String] = []
    var source: String?
    var run: String?
    var results: ResultFilter = .all
    var category: String?
    var unread = false
    /// With `flips`: the base run of a comparison, `run` being the candidate.
    var base: String?
    /// `regressed` (pass → fail) or `fixed` (fail → pass).
    var flips: String?

    init() {}

    init(_ form: FormData) {
        conditions = form.all("where").filter { !$0.isEmpty }
        tags = form.all("tag").filter { !$0.isEmpty }
        source = form["source"].flatMap { $0.isEmpty ? nil : $0 }
        run = form["run"].flatMap { $0.isEmpty ? nil : $0 }
        results = form["results"].flatMap(ResultFilter.init(rawValue:)) ?? .all
        category = form["category"].flatMap { $0.isEmpty ? nil : $0 }
        unread = form["unread"] == "1"
        base = form["base"].flatMap { $0.isEmpty ? nil : $0 }
        flips = form["flips"].flatMap { $0 == "regressed" || $0 == "fixed" ? $0 : nil }
        if run == nil {
            results = .all
            category = nil
        }
        if base == nil || run == nil { flips = nil }
        if flips == nil { base = nil }
    }

    /// The parameters, for links and hidden form fields.
    var parameters: [(String, String)] {
        var items: [(String, String)] = conditions.map { ("where", $0) } + tags.map { ("tag", $0) }
        if let source { items.append(("source", source)) }
        if let run { items.append(("run", run)) }
        if results != .all { items.append(("results", results.rawValue)) }
        if let category { items.append(("category", category)) }
        if let base { items.append(("base", base)) }
        if let flips { items.append(("flips", flips)) }
        if unread { items.append(("unread", "1")) }
        return items
    }

    /// What the list of examples depends on (not `unread`, which the pages apply as they go), as
    /// exact bytes: the key of a cached list.
    var listKey: String {
        Link("", parameters.filter { $0.0 != "unread" }).href
    }

    func sliceConditions() throws -> [SliceCondition] {
        var all = try conditions.map(SliceCondition.init(parsing:))
        all += tags.map { SliceCondition(key: "tags", match: .equals($0)) }
        if let source { all.append(SliceCondition(key: "source", match: .prefix(source))) }
        return all
    }

    /// The queue in words, for titles.
    var title: String {
        var parts: [String] = conditions + tags.map { "tag " + $0 } + (source.map { ["source " + $0 + "…"] } ?? [])
        if let flips, let base, let run {
            parts.append(flips == "regressed" ? "pass in \(base) → fail in \(run)" : "fail in \(base) → pass in \(run)")
        } else if let run {
            let which = results == .failed ? "failures" : results == .passed ? "passes" : "results"
            parts.append("\(run): \(which)" + (category.map { " · category \($0)" } ?? ""))
        }
        if unread { parts.append("unread") }
        return parts.isEmpty ? "all examples" : parts.joined(separator: " · ")
    }

    func link(_ path: String, _ extra: [(String, String)] = []) -> Link {
        Link(path, parameters + extra)
    }
}
