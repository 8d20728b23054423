/// LangSmith's run export as JSONL, one run a line. Only root runs are traces (`parent_run_id`
/// null or absent); their children are skipped. The trace id is `trace_id` (else the run's `id`),
/// the time `start_time`, the session the run metadata's `session_id`, `thread_id` or
/// `conversation_id` (LangSmith's own `session_id` is the project). `inputs` becomes the input: its
/// `messages` as `{"role", "content"}` turns, a lone text member as that text, else the object as
/// it is; `outputs` likewise. The attributes are the metadata, with the run's `name`, `run_type`,
/// `tags` and `error` when the metadata has no such key.
enum LangSmithTraces {
    /// Whether a line looks like a LangSmith run.
    static func recognises(_ tape: JSONTape) -> Bool {
        let has = { (name: String) in tape.member(0, bytes: Array(name.utf8)) != nil }
        return has("run_type") || (has("inputs") && (has("parent_run_id") || has("trace_id")))
    }

    /// The line's run as a plain trace object (canonical JSON); nil for a child run.
    static func trace(in tape: JSONTape) -> Result<String?, TraceProblem> {
        func member(_ name: String, of node: Int = 0) -> Int? {
            guard tape.nodes[node].kind == .object, let found = tape.member(node, bytes: Array(name.utf8)) else { return nil }
            return tape.nodes[found].kind == .null ? nil : found
        }
        if member("parent_run_id") != nil { return .success(nil) }
        guard let id = member("trace_id") ?? member("id"), tape.nodes[id].kind == .string, tape.nodes[id].length > 0 else {
            return .failure(TraceProblem(offset: Int(tape.nodes[0].source), message: "a LangSmith run needs \"trace_id\" or \"id\", a string"))
        }
        guard let inputs = member("inputs") else {
            return .failure(TraceProblem(offset: Int(tape.nodes[0].source), message: "a LangSmith root run needs \"inputs\""))
        }
        var object = CanonicalObject()
        object["trace_id"] = JSONText.string(tape.string(id))
        object["input"] = value(tape, inputs)
        if let outputs = member("outputs") { object["output"] = value(tape, outputs) }
        if let start = member("start_time"), tape.nodes[start].kind == .string { object["timestamp"] = JSONText.string(tape.string(start)) }
        var attributes = CanonicalObject()
        let metadata = member("extra").flatMap { member("metadata", of: $0) } ?? member("metadata")
        if let metadata, tape.nodes[metadata].kind == .object {
            for (key, value) in tape.members(metadata) { attributes[tape.string(key)] = OTLPTraces.canonical(tape, value) }
            for name in ["session_id", "thread_id", "conversation_id"] {
                guard let session = member(name, of: metadata) else { continue }
                switch tape.nodes[session].kind {
                case .string, .integer: object["session_id"] = JSONText.string(tape.string(session))
                default: continue
                }
                break
            }
        }
        for name in ["name", "run_type", "tags", "error"] where attributes[name] == nil {
            if let node = member(name) { attributes[name] = OTLPTraces.canonical(tape, node) }
        }
        object["attributes"] = attributes.text
        return .success(object.text)
    }

    /// `inputs` or `outputs` as the dataset holds an input: messages as turns, a lone text as itself.
    private static func value(_ tape: JSONTape, _ node: Int) -> String {
        guard tape.nodes[node].kind == .object else { return OTLPTraces.canonical(tape, node) }
        let members = tape.members(node)
        if let messages = tape.member(node, bytes: Array("messages".utf8)), tape.nodes[messages].kind == .array {
            var list = messages
            // Chat model runs hold a list of conversations: the first is the one.
            if let first = tape.elements(messages).first, tape.nodes[first].kind == .array { list = first }
            return "[" + tape.elements(list).map { turn(tape, $0) }.joined(separator: ", ") + "]"
        }
        if members.count == 1, tape.nodes[members[0].value].kind == .string { return OTLPTraces.canonical(tape, members[0].value) }
        return OTLPTraces.canonical(tape, node)
    }

    /// A LangChain message (`{"role", "content"}`, `{"type": "human", "content"}` or its serialized
    /// form `{"lc": 1, "kwargs": {...}, "id": [..., "HumanMessage"]}`) as a turn.
    private static func turn(_ tape: JSONTape, _ node: Int) -> String {
        guard tape.nodes[node].kind == .object else { return OTLPTraces.canonical(tape, node) }
        var message = node
        var className: String?
        if let kwargs = tape.member(node, bytes: Array("kwargs".utf8)), tape.nodes[kwargs].kind == .object {
            message = kwargs
            if let id = tape.member(node, bytes: Array("id".utf8)), tape.nodes[id].kind == .array,
                let last = tape.elements(id).last, tape.nodes[last].kind == .string
            {
                className = tape.string(last)
            }
        }
        func text(_ name: String) -> String? {
            guard let found = tape.member(message, bytes: Array(name.utf8)), tape.nodes[found].kind == .string else { return nil }
            return tape.string(found)
        }
        let roles = [
            "human": "user", "HumanMessage": "user", "ai": "assistant", "AIMessage": "assistant", "system": "system", "SystemMessage": "system",
            "tool": "tool", "ToolMessage": "tool",
        ]
        let role = text("role") ?? (text("type") ?? className).map { roles[$0] ?? $0 } ?? "user"
        var turn = CanonicalObject()
        turn["role"] = JSONText.string(role)
        turn["content"] = tape.member(message, bytes: Array("content".utf8)).map { OTLPTraces.canonical(tape, $0) } ?? "\"\""
        return turn.text
    }
}
