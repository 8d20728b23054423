/// One change a reviewer makes to an example: its note, a label, a tag, its expected output.
public enum ExampleEdit: Sendable, Equatable {
    /// Sets `notes` (nil: null).
    case note(String?)
    /// Sets `expected_output` to a value given as canonical JSON.
    case expectedOutput(String)
    /// Sets label `key` to a value given as canonical JSON; nil removes the key.
    case label(key: String, value: String?)
    case addTag(String)
    case removeTag(String)

    /// A label edit as typed: `key=value` sets a string, `key:=JSON` any label value (a number,
    /// `true`, `null`, a list of strings), `-key` removes the key.
    public init(labelEdit text: String) throws {
        if text.hasPrefix("-"), !text.contains("=") {
            let key = String(text.dropFirst())
            guard !key.isEmpty else { throw EvalDBError.invalidEdit("-KEY removes a label: name the key") }
            self = .label(key: key, value: nil)
            return
        }
        guard let equals = text.firstIndex(of: "=") else {
            throw EvalDBError.invalidEdit("a label is key=value (a string), key:=JSON (any value) or -key (remove), found \(quoted(text))")
        }
        var key = String(text[..<equals])
        let value = String(text[text.index(after: equals)...])
        if key.hasSuffix(":") {
            key.removeLast()
            guard !key.isEmpty else { throw EvalDBError.invalidEdit("a label needs a key before :=") }
            do {
                self = .label(key: key, value: try CanonicalJSON.canonicalize(value))
            } catch {
                throw EvalDBError.invalidEdit(
                    "the value after \(key):= is not JSON (\(error.message) at column \(error.offset + 1)): use \(key)=TEXT for a string")
            }
            return
        }
        guard !key.isEmpty else { throw EvalDBError.invalidEdit("a label needs a key before =") }
        self = .label(key: key, value: JSONText.string(value))
    }

    /// A tag edit as typed: `tag` or `+tag` adds, `-tag` removes.
    public init(tagEdit text: String) throws {
        if text.hasPrefix("-") {
            self = .removeTag(String(text.dropFirst()))
        } else {
            self = .addTag(text.hasPrefix("+") ? String(text.dropFirst()) : text)
        }
        if case .addTag(let tag) = self, tag.isEmpty { throw EvalDBError.invalidEdit("name the tag to add") }
        if case .removeTag(let tag) = self, tag.isEmpty { throw EvalDBError.invalidEdit("name the tag to remove") }
    }

    /// The expected output as typed: any JSON but null (spaces and line breaks as one likes).
    public init(expectedOutput text: String) throws {
        do {
            self = .expectedOutput(try CanonicalJSON.canonicalize(text))
        } catch {
            throw EvalDBError.invalidEdit(
                "the expected output is not JSON (\(error.message) at column \(error.offset + 1)): a text is written \"in quotes\"")
        }
    }

    /// An edit as typed after its key in `review`: `l` a label edit, `t` a tag edit, `n` the note
    /// (`-` or nothing clears it), `o` the expected output (JSON).
    public init(key: Character, text: String) throws {
        switch key {
        case "l": try self.init(labelEdit: text)
        case "t": try self.init(tagEdit: text)
        case "n": self = .note(text == "-" || text.isEmpty ? nil : text)
        case "o": try self.init(expectedOutput: text)
        default: throw EvalDBError.invalidEdit("an edit is l key=value, t tag, n note or o expected output")
        }
    }

    /// The record after this edit, canonical; throws when the result would not be a valid example
    /// (a label value the spec does not allow, tags that are not a list of strings).
    public func applied(to record: String) throws -> String {
        var object = try CanonicalObject(parsing: record)
        var labels = try CanonicalObject(parsing: object["labels"] ?? "{}")
        switch self {
        case .note(let text):
            object["notes"] = text.map(JSONText.string) ?? "null"
        case .expectedOutput(let json):
            object["expected_output"] = json
        case .label(let key, let value):
            labels[key] = value
        case .addTag(let tag), .removeTag(let tag):
            var tags: [String] = []
            if let existing = labels["tags"] {
                let tape = try JSONParser.parse(existing)
                guard tape.nodes[0].kind == .array, tape.elements(0).allSatisfy({ tape.nodes[$0].kind == .string }) else {
                    throw EvalDBError.invalidEdit("label \"tags\" is \(existing), not a list of strings: set it with tags:=[...] first")
                }
                tags = tape.elements(0).map { tape.string($0) }
            }
            let present = tags.contains { $0.utf8.elementsEqual(tag.utf8) }
            if case .addTag = self, !present { tags.append(tag) }
            if case .removeTag = self { tags.removeAll { $0.utf8.elementsEqual(tag.utf8) } }
            labels["tags"] = "[" + tags.map(JSONText.string).joined(separator: ", ") + "]"
        }
        object["labels"] = labels.text
        let text = object.text
        var problems: [RecordSchema.Problem] = []
        _ = RecordSchema.check(try JSONParser.parse(text), problems: &problems)
        if let problem = problems.first(where: { !$0.isWarning }) {
            throw EvalDBError.invalidEdit("that edit would make the example invalid: \(problem.message)")
        }
        return text
    }

    /// How the edit reads in a summary: `notes`, `labels.feature`, `+tag`, `-tag`.
    public var summary: String {
        switch self {
        case .note: "notes"
        case .expectedOutput: "expected_output"
        case .label(let key, let value): value == nil ? "-labels.\(key)" : "labels.\(key)"
        case .addTag(let tag): "+tag \(tag)"
        case .removeTag(let tag): "-tag \(tag)"
        }
    }
}
