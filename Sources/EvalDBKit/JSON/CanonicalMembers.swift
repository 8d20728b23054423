import Foundation

/// Top-level members of a canonical record, found without parsing their values.
enum CanonicalMembers {
    /// Calls `body` with each top-level member's key (as written, with its quotes) and value, in
    /// order, until it returns false. False when `record` is not shaped as a canonical object.
    @discardableResult
    static func forEach(
        in record: UnsafeBufferPointer<UInt8>,
        _ body: (_ key: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Bool {
        let n = record.count
        guard n >= 2, record[0] == UInt8(ascii: "{") else { return false }
        var i = 1
        while i < n {
            while i < n && (record[i] == 0x20 || record[i] == UInt8(ascii: ",")) { i += 1 }
            guard i < n else { return false }
            if record[i] == UInt8(ascii: "}") { return true }
            guard record[i] == UInt8(ascii: "\""), let keyEnd = endOfString(record, i) else { return false }
            let key = UnsafeBufferPointer(rebasing: record[i..<keyEnd])
            i = keyEnd
            while i < n && (record[i] == 0x20 || record[i] == UInt8(ascii: ":")) { i += 1 }
            guard i < n, let valueEnd = endOfValue(record, i) else { return false }
            if !body(key, UnsafeBufferPointer(rebasing: record[i..<valueEnd])) { return true }
            i = valueEnd
        }
        return false
    }

    /// The value of the top-level member `key` (its canonical JSON string, quotes included), as
    /// written in `record`.
    static func value(of key: [UInt8], in record: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        var found: UnsafeBufferPointer<UInt8>?
        forEach(in: record) { name, value in
            if name.elementsEqual(key) { found = value }
            return found == nil
        }
        return found
    }

    /// Writes to `output` the canonical record `record` without its `id` member, cut out of its
    /// text: what `CanonicalJSON.write` of its parse, `excluding: "id"`, writes. False when
    /// `record` is not shaped as a canonical object.
    static func object(of record: UnsafeBufferPointer<UInt8>, withoutId output: inout [UInt8]) -> Bool {
        object(of: record, into: &output) { !$0.elementsEqual(#""id""#.utf8) }
    }

    /// Writes to `output` a JSON object of the members of `record` that the slice index reads
    /// (all but `id`, `input`, `context`, `expected_output` and `notes`). False when `record` is
    /// not shaped as a canonical object.
    static func indexed(of record: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) -> Bool {
        object(of: record, into: &output) { !isSkipped($0) }
    }

    /// Writes to `output` the object of the members of `record` whose keys (quoted, as written)
    /// `keep` accepts, in their order, each as written.
    private static func object(
        of record: UnsafeBufferPointer<UInt8>, into output: inout [UInt8], keeping keep: (UnsafeBufferPointer<UInt8>) -> Bool
    ) -> Bool {
        output.removeAll(keepingCapacity: true)
        output.append(UInt8(ascii: "{"))
        var first = true
        let shaped = forEach(in: record) { key, value in
            if keep(key) {
                if !first { output.append(contentsOf: ", ".utf8) }
                first = false
                output.append(contentsOf: key)
                output.append(contentsOf: ": ".utf8)
                output.append(contentsOf: value)
            }
            return true
        }
        output.append(UInt8(ascii: "}"))
        return shaped
    }

    private static let skipped: [[UInt8]] = ["id", "input", "context", "expected_output", "notes"].map { Array("\"\($0)\"".utf8) }

    private static func isSkipped(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        skipped.contains { $0.count == key.count && $0.elementsEqual(key) }
    }

    /// The index after the string that starts (with its quote) at `start`: the next quote not
    /// escaped (preceded by an even number of backslashes), found with `memchr`.
    private static func endOfString(_ text: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        guard let base = text.baseAddress else { return nil }
        var j = start + 1
        while j < text.count {
            guard let found = memchr(base + j, Int32(UInt8(ascii: "\"")), text.count - j) else { return nil }
            let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            var backslashes = 0
            while quote - backslashes - 1 > start && text[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { return quote + 1 }
            j = quote + 1
        }
        return nil
    }

    /// The index after the value that starts at `start`.
    private static func endOfValue(_ text: UnsafeBufferPointer<UInt8>, _ start: Int) -> Int? {
        switch text[start] {
        case UInt8(ascii: "\""):
            return endOfString(text, start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var j = start
            while j < text.count {
                switch text[j] {
                case UInt8(ascii: "\""):
                    guard let end = endOfString(text, j) else { return nil }
                    j = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return j + 1 }
                default: break
                }
                j += 1
            }
            return nil
        default:
            var j = start
            while j < text.count {
                let byte = text[j]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == 0x20 { break }
                j += 1
            }
            return j
        }
    }
}
