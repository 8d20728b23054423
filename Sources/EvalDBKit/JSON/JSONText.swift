/// JSON text for messages and listings.
public enum JSONText {
    /// A JSON string literal, in canonical form.
    public static func string(_ text: String) -> String {
        var output: [UInt8] = []
        Array(text.utf8).withUnsafeBufferPointer { CanonicalJSON.writeString($0, to: &output) }
        return String(decoding: output, as: UTF8.self)
    }
}
