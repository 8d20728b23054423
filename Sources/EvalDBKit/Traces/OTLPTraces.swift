/// OpenTelemetry's OTLP JSON file export, one `ExportTraceServiceRequest` a line:
/// `resourceSpans` → `scopeSpans` → `spans`, attributes as `{"key", "value": {"stringValue" | ...}}`.
///
/// A trace is the spans of one `traceId` on a line; it is read from its root span when that has an
/// input, else from its earliest span with one. The input is the GenAI semantic conventions'
/// `gen_ai.input.messages` (with `gen_ai.system_instructions` as a first `system` turn) as
/// `{"role", "content"}` turns, else OpenInference's `input.value`; the output likewise
/// (`gen_ai.output.messages`, `output.value`); the session is `gen_ai.conversation.id` or
/// `session.id`; the other attributes of the span and its resource are the trace's attributes.
enum OTLPTraces {
    /// The attributes that become the input, output and session rather than attributes.
    private static let consumed: Set<String> = [
        "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "input.value", "output.value",
        "input.mime_type", "output.mime_type",
    ]

    /// The traces of one line, each as a plain trace object (canonical JSON) with the byte offset of
    /// its span; a span that is not valid OTLP is a problem.
    static func traces(in tape: JSONTape) -> Result<[(text: String, offset: Int)], TraceProblem> {
        guard let resourceSpans = tape.member(0, bytes: Array("resourceSpans".utf8)), tape.nodes[resourceSpans].kind == .array else {
            return .failure(TraceProblem(offset: Int(tape.nodes[0].source), message: "an OTLP JSON line needs \"resourceSpans\", a list"))
        }
        var best: [String: Span] = [:]
        var order: [String] = []
        for resource in tape.elements(resourceSpans) where tape.nodes[resource].kind == .object {
            var resourceAttributes: [(String, String)] = []
            if let description = tape.member(resource, bytes: Array("resource".utf8)), tape.nodes[description].kind == .object,
                let list = tape.member(description, bytes: Array("attributes".utf8))
            {
                resourceAttributes = attributes(tape, list)
            }
            for scopeKey in ["scopeSpans", "instrumentationLibrarySpans"] {
                guard let scopes = tape.member(resource, bytes: Array(scopeKey.utf8)), tape.nodes[scopes].kind == .array else { continue }
                for scope in tape.elements(scopes) where tape.nodes[scope].kind == .object {
                    guard let spans = tape.member(scope, bytes: Array("spans".utf8)), tape.nodes[spans].kind == .array else { continue }
                    for node in tape.elements(spans) where tape.nodes[node].kind == .object {
                        switch Span.read(tape, node, resource: resourceAttributes) {
                        case .failure(let problem): return .failure(problem)
                        case .success(nil): continue
                        case .success(let span?):
                            if let current = best[span.traceId] {
                                if span.precedes(current) { best[span.traceId] = span }
                            } else {
                                best[span.traceId] = span
                                order.append(span.traceId)
                            }
                        }
                    }
                }
            }
        }
        return .success(order.map { (best[$0]!.plainTrace, best[$0]!.offset) })
    }

    /// A span with an input.
    private struct Span {
        var traceId: String
        var isRoot: Bool
        /// `startTimeUnixNano`, as digits.
        var start: String
        var offset: Int
        var input: String
        var output: String?
        var session: String?
        var attributes: [(String, String)]

        /// The span at `node`; nil when it has no input.
        static func read(_ tape: JSONTape, _ node: Int, resource: [(String, String)]) -> Result<Span?, TraceProblem> {
            let offset = Int(tape.nodes[node].source)
            let own = tape.member(node, bytes: Array("attributes".utf8)).map { OTLPTraces.attributes(tape, $0) } ?? []
            func attribute(_ name: String) -> String? { own.last { $0.0 == name }?.1 }
            guard let input = Self.input(attribute) else { return .success(nil) }
            guard let idNode = tape.member(node, bytes: Array("traceId".utf8)), tape.nodes[idNode].kind == .string,
                tape.nodes[idNode].length > 0
            else {
                return .failure(TraceProblem(offset: offset, message: "an OTLP span needs \"traceId\", a non-empty string"))
            }
            let parent = tape.member(node, bytes: Array("parentSpanId".utf8))
            let isRoot = parent == nil || tape.nodes[parent!].kind != .string || tape.nodes[parent!].length == 0
            var start = ""
            if let time = tape.member(node, bytes: Array("startTimeUnixNano".utf8)),
                tape.nodes[time].kind == .string || tape.nodes[time].kind == .integer
            {
                start = tape.string(time)
            }
            let session = [own, resource].lazy.compactMap { list in
                list.last { $0.0 == "gen_ai.conversation.id" || $0.0 == "session.id" }?.1
            }.first.flatMap(Self.scalarText)
            var merged: [(String, String)] = []
            for (key, value) in resource + own where !consumed.contains(key) {
                if let index = merged.firstIndex(where: { $0.0.utf8.elementsEqual(key.utf8) }) {
                    merged[index].1 = value
                } else {
                    merged.append((key, value))
                }
            }
            return .success(
                Span(
                    traceId: tape.string(idNode), isRoot: isRoot, start: start, offset: offset, input: input,
                    output: output(attribute), session: session, attributes: merged))
        }

        /// Root first, then the earliest start, then the first read.
        func precedes(_ other: Span) -> Bool {
            if isRoot != other.isRoot { return isRoot }
            if start.count != other.start.count { return start.count < other.start.count }
            return start.utf8.lexicographicallyPrecedes(other.start.utf8)
        }

        var plainTrace: String {
            var object = CanonicalObject()
            object["trace_id"] = JSONText.string(traceId)
            object["input"] = input
            if let output { object["output"] = output }
            if let session { object["session_id"] = JSONText.string(session) }
            if let time = Self.isoTime(nanoseconds: start) { object["timestamp"] = JSONText.string(time) }
            var attributesObject = CanonicalObject()
            for (key, value) in attributes { attributesObject[key] = value }
            object["attributes"] = attributesObject.text
            return object.text
        }

        private static func input(_ attribute: (String) -> String?) -> String? {
            if let messages = attribute("gen_ai.input.messages").flatMap(embeddedJSON) {
                var turns = GenAIMessages.turns(messages) ?? []
                if let system = attribute("gen_ai.system_instructions").flatMap(embeddedJSON) {
                    turns.insert("{\"content\": \(GenAIMessages.content(ofParts: system)), \"role\": \"system\"}", at: 0)
                }
                return "[" + turns.joined(separator: ", ") + "]"
            }
            return attribute("input.value").map { openInferenceValue($0, mimeType: attribute("input.mime_type")) }
        }

        private static func output(_ attribute: (String) -> String?) -> String? {
            if let messages = attribute("gen_ai.output.messages").flatMap(embeddedJSON) {
                guard let turns = GenAIMessages.turns(messages) else { return messages }
                // One answer: its text alone.
                if turns.count == 1, let tape = try? JSONParser.parse(turns[0]), let content = tape.member(0, bytes: Array("content".utf8)),
                    tape.nodes[content].kind == .string
                {
                    return JSONText.string(tape.string(content))
                }
                return "[" + turns.joined(separator: ", ") + "]"
            }
            return attribute("output.value").map { openInferenceValue($0, mimeType: attribute("output.mime_type")) }
        }

        /// A GenAI attribute's value: structured already, or JSON text in a string.
        private static func embeddedJSON(_ value: String) -> String? {
            guard let tape = try? JSONParser.parse(value) else { return nil }
            if tape.nodes[0].kind == .string, let inner = try? CanonicalJSON.canonicalize(tape.string(0)) { return inner }
            return value
        }

        /// OpenInference's `input.value`: JSON when its mime type says so, else the text.
        private static func openInferenceValue(_ value: String, mimeType: String?) -> String {
            guard let mimeType, scalarText(mimeType) == "application/json", let text = scalarText(value),
                let json = try? CanonicalJSON.canonicalize(text)
            else { return value }
            return json
        }

        /// The text of a canonical JSON string or number.
        static func scalarText(_ canonical: String) -> String? {
            guard let tape = try? JSONParser.parse(canonical) else { return nil }
            switch tape.nodes[0].kind {
            case .string, .integer, .float: return tape.string(0)
            default: return nil
            }
        }

        /// Nanoseconds since 1970 as ISO 8601 UTC to the second.
        static func isoTime(nanoseconds: String) -> String? {
            guard !nanoseconds.isEmpty, nanoseconds.count <= 20, let value = UInt64(nanoseconds) else { return nil }
            let seconds = Int64(value / 1_000_000_000)
            let days = seconds / 86_400, rest = seconds % 86_400
            // Civil date from days (H. Hinnant's algorithm).
            let z = days + 719_468
            let era = z / 146_097
            let doe = z - era * 146_097
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
            let mp = (5 * doy + 2) / 153
            let day = doy - (153 * mp + 2) / 5 + 1
            let month = mp < 10 ? mp + 3 : mp - 9
            let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
            func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
            return "\(year)-\(two(month))-\(two(day))T\(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))Z"
        }
    }

    /// OTLP attributes (`[{"key", "value": AnyValue}]`) as (key, canonical JSON value), in order.
    static func attributes(_ tape: JSONTape, _ list: Int) -> [(String, String)] {
        guard tape.nodes[list].kind == .array else { return [] }
        var result: [(String, String)] = []
        for item in tape.elements(list) where tape.nodes[item].kind == .object {
            guard let key = tape.member(item, bytes: Array("key".utf8)), tape.nodes[key].kind == .string else { continue }
            let value = tape.member(item, bytes: Array("value".utf8)).map { anyValue(tape, $0) } ?? "null"
            result.append((tape.string(key), value))
        }
        return result
    }

    /// An OTLP `AnyValue` as canonical JSON: `intValue` (a string in OTLP JSON) as a number,
    /// `arrayValue` as a list, `kvlistValue` as an object, an empty value as null.
    static func anyValue(_ tape: JSONTape, _ node: Int) -> String {
        guard tape.nodes[node].kind == .object, let (key, value) = tape.members(node).first else { return canonical(tape, node) }
        switch tape.string(key) {
        case "intValue":
            if tape.nodes[value].kind == .string, let number = Int64(tape.string(value)) { return String(number) }
            return canonical(tape, value)
        case "arrayValue":
            guard tape.nodes[value].kind == .object, let values = tape.member(value, bytes: Array("values".utf8)),
                tape.nodes[values].kind == .array
            else { return "[]" }
            return "[" + tape.elements(values).map { anyValue(tape, $0) }.joined(separator: ", ") + "]"
        case "kvlistValue":
            guard tape.nodes[value].kind == .object, let values = tape.member(value, bytes: Array("values".utf8)) else { return "{}" }
            var object = CanonicalObject()
            for (name, member) in attributes(tape, values) { object[name] = member }
            return object.text
        default:
            return canonical(tape, value)
        }
    }

    static func canonical(_ tape: JSONTape, _ node: Int) -> String {
        var bytes: [UInt8] = []
        CanonicalJSON.write(tape, node, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// GenAI messages (`[{"role", "parts": [{"type": "text", "content"}]}]`) as the dataset's turns.
enum GenAIMessages {
    /// Each message as `{"content", "role"}` (canonical JSON); nil when `messages` is not a list.
    static func turns(_ messages: String) -> [String]? {
        guard let tape = try? JSONParser.parse(messages), tape.nodes[0].kind == .array else { return nil }
        return tape.elements(0).map { message in
            guard tape.nodes[message].kind == .object else { return OTLPTraces.canonical(tape, message) }
            var turn = CanonicalObject()
            let role = tape.member(message, bytes: Array("role".utf8))
            turn["role"] = role.map { OTLPTraces.canonical(tape, $0) } ?? "\"user\""
            if let parts = tape.member(message, bytes: Array("parts".utf8)) {
                turn["content"] = content(ofParts: OTLPTraces.canonical(tape, parts))
            } else if let content = tape.member(message, bytes: Array("content".utf8)) {
                turn["content"] = OTLPTraces.canonical(tape, content)
            } else {
                turn["content"] = "\"\""
            }
            return turn.text
        }
    }

    /// Parts that are all text, as their texts joined by a line break; other parts as they are.
    static func content(ofParts parts: String) -> String {
        guard let tape = try? JSONParser.parse(parts) else { return parts }
        if tape.nodes[0].kind == .string { return parts }
        guard tape.nodes[0].kind == .array else { return parts }
        var texts: [String] = []
        for part in tape.elements(0) {
            guard tape.nodes[part].kind == .object, let type = tape.member(part, bytes: Array("type".utf8)),
                tape.nodes[type].kind == .string, tape.string(type) == "text",
                let content = tape.member(part, bytes: Array("content".utf8)), tape.nodes[content].kind == .string
            else { return parts }
            texts.append(tape.string(content))
        }
        return JSONText.string(texts.joined(separator: "\n"))
    }
}
