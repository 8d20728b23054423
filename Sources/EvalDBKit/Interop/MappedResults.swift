import Foundation

/// Another tool's results — a JSONL file of objects, or the array that a pointer names in one JSON
/// document (`/results/results` in promptfoo's output) — read as evaldb result lines through a map
/// of result fields to JSON pointers (RFC 6901, as `sample`'s trace fields are mapped).
///
/// - `id` (required): a string, or an integer as its decimal text;
/// - `pass` (required): true or false, or a value `InspectLog`'s score rule reads (`C`, `I`, 1, 0,
///   `yes`, …): a pass at 1 or more;
/// - `score`: a number, or a value the same rule reads; `trial`: a whole number from 0;
/// - `output`, `rationale`, `error`: any value, kept as it is; `failure`: a string or null.
///
/// An optional field whose pointer names nothing is left out; every line keeps the whole object it
/// came from as `mapped_from`, so nothing of it is lost.
public struct MappedResults: Sendable {
    public enum Field: String, CaseIterable, Sendable {
        case id, pass, score, trial, output, rationale, failure, error
    }

    public let path: String
    var lines: [[UInt8]] = []
    var origins: [InspectLog.Origin] = []
    public var resultCount: Int { lines.count }

    /// Reads `path` with `map` (which must name `id` and `pass`). With `each`, the file is one JSON
    /// document and the pointer names the array of results; without it, a JSONL file of objects.
    /// Throws `EvalDBError.invalidData` with every problem at its FILE:LINE:COL.
    public static func read(path: String, map: [Field: JSONPointer], each: JSONPointer?, maxErrors: Int = 50) throws -> MappedResults {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvalDBError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        let bytes = [UInt8](data)
        var results = MappedResults(path: path)
        var reader = InspectLog.Reader(maxErrors: maxErrors)
        if let each {
            let document = try reader.parse(bytes, file: path, what: "a results document")
            guard let array = each.resolve(in: document.tape), document.tape.nodes[array].kind == .array else {
                throw EvalDBError.invalidData(
                    errors: [DataError(file: path, line: 1, column: 1, message: "\(each) names no array of results in this document")],
                    truncated: false)
            }
            for element in document.tape.elements(array) { results.read(document, element, map: map, reader: &reader) }
        } else {
            var start = 0, number = 1
            while start < bytes.count && reader.problems.count < maxErrors {
                let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
                let line = Array(bytes[start..<end])
                if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    do {
                        var document = try reader.parse(line, file: path, what: "a result", firstLine: number)
                        document.firstLine = number
                        results.read(document, 0, map: map, reader: &reader)
                    } catch EvalDBError.invalidData(let errors, _) {
                        reader.problems += errors
                    }
                }
                start = end + 1
                number += 1
            }
        }
        if results.lines.isEmpty && reader.problems.isEmpty {
            reader.problems.append(DataError(file: path, line: 0, column: 0, message: "the file holds no results"))
        }
        if !reader.problems.isEmpty { throw EvalDBError.invalidData(errors: reader.problems, truncated: reader.problems.count >= maxErrors) }
        return results
    }

    private mutating func read(_ document: InspectLog.Document, _ object: Int, map: [Field: JSONPointer], reader: inout InspectLog.Reader) {
        let tape = document.tape
        guard tape.nodes[object].kind == .object else { return reader.report(document, object, "a result must be a JSON object") }
        func json(_ node: Int) -> [UInt8] {
            var out: [UInt8] = []
            CanonicalJSON.write(tape, node, to: &out)
            return out
        }
        var members: [(String, [UInt8])] = [("mapped_from", json(object))]
        for field in Field.allCases {
            guard let pointer = map[field] else { continue }
            guard let node = pointer.resolve(in: tape, from: object), tape.nodes[node].kind != .null || field == .failure else {
                if field == .id || field == .pass {
                    return reader.report(document, object, "the \(field.rawValue) pointer \(pointer) names nothing in this result")
                }
                continue
            }
            let kind = tape.nodes[node].kind
            switch field {
            case .id:
                guard kind == .string || kind == .integer else { return reader.report(document, node, "the id must be a string or an integer") }
                members.append(("id", Array(JSONText.string(tape.string(node)).utf8)))
            case .pass, .score:
                guard let number = InspectLog.number(tape, node) else {
                    return reader.report(
                        document, node,
                        "\(field.rawValue) must be true, false, a number, C, I, P, N, yes, no or a numeric string: found \(String(decoding: json(node).prefix(80), as: UTF8.self))"
                    )
                }
                members.append(
                    field == .pass ? ("pass", Array((number >= 1 ? "true" : "false").utf8)) : ("score", Array(PythonFloat.repr(number).utf8)))
            case .trial:
                guard kind == .integer, let trial = Int(tape.string(node)), trial >= 0 else {
                    return reader.report(document, node, "the trial must be a whole number, 0 or more")
                }
                members.append(("trial", Array(String(trial).utf8)))
            case .failure:
                guard kind == .string || kind == .null else { return reader.report(document, node, "the failure must be a string or null") }
                members.append(("failure", json(node)))
            case .output, .rationale, .error:
                members.append((field.rawValue, json(node)))
            }
        }
        lines.append(InspectLog.object(members))
        origins.append(document.origin(object))
    }
}

extension Store {
    /// Records mapped results (`MappedResults`) as a run against `version`, as `recordRun` records a
    /// results file; a problem with a result is reported at its place in the file.
    public func recordRun(mapped results: MappedResults, against version: DatasetVersion, options: RunOptions) throws -> RecordedRun {
        try recordRun(converted: results.lines, origins: results.origins, from: results.path, against: version, options: options)
    }
}
