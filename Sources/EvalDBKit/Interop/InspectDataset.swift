import Foundation

/// A dataset version as an Inspect AI dataset (`inspect_ai.dataset.json_dataset` reads it): one
/// canonical JSON object a line, `{"id", "input", "metadata", "target"}`.
///
/// - `id`: the example's id.
/// - `input`: a string as itself; a conversation — a list of `{"content", "role"}` objects, every
///   role `system`, `user` or `assistant` and every content a string — as the list, which Inspect
///   reads as chat messages; any other value as its JSON text (below).
/// - `target`: the expected output, a string as itself, any other value as its JSON text: what
///   Python's `json.dumps(value, sort_keys=True, ensure_ascii=False)` prints, the canonical form with
///   non-ASCII characters as themselves (`{"a": 1, "b": "€15"}`).
/// - `metadata`: every other member of the record as it is (labels, context, expected_output,
///   source, author, created_at, notes), and `evaldb_dataset`, the version's dataset hash, which
///   `run record --from inspect` reads back from the log to pin the run.
public enum InspectDataset {
    /// The metadata member that carries the dataset hash.
    public static let datasetKey = "evaldb_dataset"

    static let chatRoles: Set<String> = ["system", "user", "assistant"]

    /// Appends the Inspect sample of one canonical record (without newline) to `output`.
    static func writeSample(of record: JSONTape, datasetHash: String, to output: inout [UInt8]) {
        guard let idNode = record.member(0, "id"), let inputNode = record.member(0, "input") else { return }
        output.append(contentsOf: "{\"id\": ".utf8)
        CanonicalJSON.write(record, idNode, to: &output)
        output.append(contentsOf: ", \"input\": ".utf8)
        if record.nodes[inputNode].kind == .string || isConversation(record, inputNode) {
            CanonicalJSON.write(record, inputNode, to: &output)
        } else {
            writeAsText(record, inputNode, to: &output)
        }
        output.append(contentsOf: ", \"metadata\": {".utf8)
        var members: [(key: [UInt8], value: Int?)] = [(Array(datasetKey.utf8), nil)]
        for (key, value) in record.members(0) {
            let name = Array(record.bytes(key))
            if name == Array("id".utf8) || name == Array("input".utf8) || name == Array(datasetKey.utf8) { continue }
            members.append((name, value))
        }
        members.sort { $0.key.lexicographicallyPrecedes($1.key) }  // UTF-8 order is code point order
        for (index, member) in members.enumerated() {
            if index > 0 { output.append(contentsOf: ", ".utf8) }
            member.key.withUnsafeBufferPointer { CanonicalJSON.writeString($0, to: &output) }
            output.append(contentsOf: ": ".utf8)
            if let value = member.value {
                CanonicalJSON.write(record, value, to: &output)
            } else {
                output.append(contentsOf: JSONText.string(datasetHash).utf8)
            }
        }
        output.append(contentsOf: "}, \"target\": ".utf8)
        if let expected = record.member(0, "expected_output"), record.nodes[expected].kind != .string {
            writeAsText(record, expected, to: &output)
        } else if let expected = record.member(0, "expected_output") {
            CanonicalJSON.write(record, expected, to: &output)
        } else {
            output.append(contentsOf: "\"\"".utf8)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// A non-empty list of `{"content": STRING, "role": system|user|assistant}` objects.
    static func isConversation(_ tape: JSONTape, _ node: Int) -> Bool {
        guard tape.nodes[node].kind == .array else { return false }
        let messages = tape.elements(node)
        return !messages.isEmpty
            && messages.allSatisfy { message in
                guard tape.nodes[message].kind == .object, tape.members(message).count == 2,
                    let role = tape.member(message, "role"), tape.nodes[role].kind == .string,
                    let content = tape.member(message, "content"), tape.nodes[content].kind == .string
                else { return false }
                return chatRoles.contains(tape.string(role))
            }
    }

    /// The value's JSON text as Python's `json.dumps(value, sort_keys=True, ensure_ascii=False)`
    /// writes it — canonical JSON with every character from U+007F on as itself — as a JSON string.
    private static func writeAsText(_ tape: JSONTape, _ node: Int, to output: inout [UInt8]) {
        var canonical: [UInt8] = []
        CanonicalJSON.write(tape, node, to: &canonical)
        let text = unescapingNonASCII(canonical)
        text.withUnsafeBufferPointer { CanonicalJSON.writeString($0, to: &output) }
    }

    /// Canonical JSON text with its `\uXXXX` escapes of characters from U+007F on (a surrogate
    /// pair as one character) written as UTF-8; the escapes of control characters, quotes and
    /// backslashes, and lone surrogates, stay as they are.
    static func unescapingNonASCII(_ text: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        func hex(_ at: Int) -> UInt32? {
            guard at + 4 <= text.count else { return nil }
            var value: UInt32 = 0
            for byte in text[at..<at + 4] {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value << 4 | UInt32(byte - UInt8(ascii: "a") + 10)
                default: return nil
                }
            }
            return value
        }
        var index = 0
        while index < text.count {
            guard text[index] == UInt8(ascii: "\\"), index + 1 < text.count else {
                output.append(text[index])
                index += 1
                continue
            }
            if text[index + 1] == UInt8(ascii: "u"), let unit = hex(index + 2), unit >= 0x7F {
                var scalar: Unicode.Scalar?
                var length = 6
                if (0xD800..<0xDC00).contains(unit) {
                    if index + 12 <= text.count, text[index + 6] == UInt8(ascii: "\\"), text[index + 7] == UInt8(ascii: "u"),
                        let low = hex(index + 8), (0xDC00..<0xE000).contains(low)
                    {
                        scalar = Unicode.Scalar(0x10000 + (unit - 0xD800) << 10 + (low - 0xDC00))
                        length = 12
                    }
                } else {
                    scalar = Unicode.Scalar(unit)
                }
                if let scalar {
                    output.append(contentsOf: Array(String(Character(scalar)).utf8))
                    index += length
                    continue
                }
            }
            output.append(text[index])
            output.append(text[index + 1])
            index += 2
        }
        return output
    }
}

extension Store {
    /// Streams `version` as an Inspect dataset (`InspectDataset`), in its line order, to `sink` in
    /// chunks of about 1 MiB.
    public func exportInspect(
        _ version: DatasetVersion, progress: ((Int) -> Void)? = nil,
        to sink: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        var buffer: [UInt8] = []
        var tape = JSONTape()
        var lineCount = 0
        try forEachRecord(of: version) { record in
            do throws(JSONSyntaxError) {
                try JSONParser.parse(record, into: &tape)
            } catch {
                throw EvalDBError.storageInvariant("a record of version \(version.number) is not JSON: \(error.message)")
            }
            InspectDataset.writeSample(of: tape, datasetHash: version.hash, to: &buffer)
            buffer.append(0x0A)
            lineCount += 1
            if buffer.count >= 1 << 20 {
                try buffer.withUnsafeBufferPointer(sink)
                buffer.removeAll(keepingCapacity: true)
                progress?(lineCount)
            }
        }
        if !buffer.isEmpty { try buffer.withUnsafeBufferPointer(sink) }
    }
}

extension InspectDataset {
    /// Why `export --as inspect -o PATH` must not replace the file at `path`, or nil when it may:
    /// the file is missing or empty, or its first line is a sample of an Inspect export (its
    /// metadata holds `evaldb_dataset`). A dataset file is never taken for one.
    public static func overwriteProblem(path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 1 << 20)) ?? Data()
        if head.isEmpty { return nil }
        let firstLine = head.prefix { $0 != 0x0A }
        if let tape = try? JSONParser.parse(bytes: Array(firstLine)), tape.nodes[0].kind == .object,
            let metadata = tape.member(0, "metadata"), tape.nodes[metadata].kind == .object,
            tape.member(metadata, datasetKey) != nil, tape.member(0, "target") != nil
        {
            return nil
        }
        return "exists and is not an Inspect dataset that evaldb wrote"
    }
}
