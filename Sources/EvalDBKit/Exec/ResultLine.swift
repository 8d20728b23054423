/// A result line as `run exec` records it, built member by member: canonical JSON, members in
/// code point order (docs/run.md, "Results").
struct ResultLine {
    private var members: [(key: String, value: [UInt8])] = []

    mutating func set(_ key: String, json value: [UInt8]) {
        members.removeAll { $0.key == key }
        members.append((key, value))
    }

    mutating func set(_ key: String, string value: String) {
        var json: [UInt8] = []
        Array(value.utf8).withUnsafeBufferPointer { CanonicalJSON.writeString($0, to: &json) }
        set(key, json: json)
    }

    mutating func set(_ key: String, int value: Int) { set(key, json: Array(String(value).utf8)) }

    mutating func set(_ key: String, bool value: Bool) { set(key, json: Array((value ? "true" : "false").utf8)) }

    /// An object of members, built the same way.
    mutating func set(_ key: String, object: ResultLine) { set(key, json: object.bytes) }

    /// The canonical JSON object. Keys are ASCII, so byte order is code point order.
    var bytes: [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
            if index > 0 { out += ", ".utf8 }
            out.append(UInt8(ascii: "\""))
            out += member.key.utf8
            out += "\": ".utf8
            out += member.value
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// What went wrong with one example, when its result is an error rather than a pass or a fail.
///
/// Recorded as the result's `error` member — `{"kind", "message", "status"?, "stderr"?}` — with
/// `"pass": false`, so that the line stays a valid result everywhere; `report` and `compare` leave
/// errors out of pass rates and count them (docs/run.md, "Errors").
struct ExecFailure: Error, Sendable, Equatable {
    enum Kind: String, Sendable {
        /// The command exited with a status other than 0.
        case exit
        /// It did not finish within the timeout (and was killed, with what it started).
        case timeout
        /// It could not be started.
        case start
        /// It printed something that cannot be recorded as it is: not UTF-8, or over the size limit.
        case output
        /// A streaming worker ended, or stopped answering, before it answered this example.
        case worker
        /// The judge command failed, or did not print a verdict.
        case judge
        /// The grader cannot grade this example (its expected output is not of the kind it needs).
        case grade
    }

    var kind: Kind
    var message: String
    var status: Int32?
    var stderr: [UInt8] = []

    var json: ResultLine {
        var error = ResultLine()
        error.set("kind", string: kind.rawValue)
        error.set("message", string: message)
        if let status { error.set("status", int: Int(status)) }
        if !stderr.isEmpty { error.set("stderr", string: String(decoding: stderr, as: UTF8.self)) }
        return error
    }
}
