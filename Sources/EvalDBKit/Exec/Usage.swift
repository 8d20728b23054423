/// Token and cost figures summed over a run's results, from the `usage` each command reported
/// (`CommandOutput`): `input_tokens` (or `prompt_tokens`), `output_tokens` (or
/// `completion_tokens`), and `cost_usd` (or `cost`), numbers; other members are kept in the result
/// and not summed.
public struct UsageTotals: Sendable, Equatable {
    /// Results that reported usage.
    public var results = 0
    public var inputTokens = 0.0
    public var outputTokens = 0.0
    public var costUSD = 0.0
    /// Whether any result reported a cost.
    public var hasCost = false

    public init() {}

    /// The figures of one result's `usage` (canonical JSON of an object).
    init(usage: [UInt8]) {
        guard let tape = try? JSONParser.parse(bytes: usage), tape.nodes.first?.kind == .object else { return }
        results = 1
        func number(_ names: [String]) -> Double? {
            for name in names {
                if let node = tape.member(0, name), [.integer, .float].contains(tape.nodes[node].kind), let value = Double(tape.string(node)) {
                    return value
                }
            }
            return nil
        }
        inputTokens = number(["input_tokens", "prompt_tokens"]) ?? 0
        outputTokens = number(["output_tokens", "completion_tokens"]) ?? 0
        if let cost = number(["cost_usd", "cost"]) {
            costUSD = cost
            hasCost = true
        }
    }

    mutating func add(_ other: UsageTotals) {
        results += other.results
        inputTokens += other.inputTokens
        outputTokens += other.outputTokens
        costUSD += other.costUSD
        hasCost = hasCost || other.hasCost
    }
}
