import Crypto

/// The SHA-256 of the UTF-8 bytes of `SEED:TRACE_ID`, the order of sampling: as four big-endian
/// words, so that comparing them compares the 32 digest bytes as unsigned bytes — what any
/// language gets from `sha256(...).digest()` compared as bytes.
public struct SampleDigest: Hashable, Comparable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64)

    init(_ digest: SHA256.Digest) {
        words = digest.withUnsafeBytes { raw in
            func word(_ index: Int) -> UInt64 { UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) }
            return (word(0), word(1), word(2), word(3))
        }
    }

    init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// The digest read as a fraction in [0, 1): its first 8 bytes as a big-endian unsigned integer
    /// over 2^64 (computed as Python's `int / 2**64` is: the integer rounded to a double, divided).
    public var fraction: Double { Double(words.0) / 0x1p64 }

    /// Lower-case hex of the 32 bytes.
    public var hex: String {
        [words.0, words.1, words.2, words.3].map { word in
            let text = String(word, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }

    public static func < (a: SampleDigest, b: SampleDigest) -> Bool {
        if a.words.0 != b.words.0 { return a.words.0 < b.words.0 }
        if a.words.1 != b.words.1 { return a.words.1 < b.words.1 }
        if a.words.2 != b.words.2 { return a.words.2 < b.words.2 }
        return a.words.3 < b.words.3
    }

    public static func == (a: SampleDigest, b: SampleDigest) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }
}

/// Hashes trace ids under one seed: the seed's bytes and the `:` are absorbed once, and each trace
/// costs one copy of that state and the bytes of its id.
struct SeededHasher {
    private let prefix: SHA256

    init(seed: String) {
        var hasher = SHA256()
        hasher.update(data: Array((seed + ":").utf8))
        prefix = hasher
    }

    /// SHA-256 of `SEED:` followed by `id` (UTF-8).
    func digest(_ id: UnsafeBufferPointer<UInt8>) -> SampleDigest {
        var hasher = prefix
        hasher.update(bufferPointer: UnsafeRawBufferPointer(id))
        return SampleDigest(hasher.finalize())
    }

    func digest(_ id: String) -> SampleDigest {
        Array(id.utf8).withUnsafeBufferPointer { digest($0) }
    }
}
