import Crypto

/// A record's SHA-256, held as four words so that computing and comparing it allocates nothing.
struct RecordDigest: Hashable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64)

    init(of bytes: UnsafeBufferPointer<UInt8>) {
        self.init(SHA256.hash(data: UnsafeRawBufferPointer(bytes)))
    }

    init(_ digest: SHA256Digest) {
        var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        digest.withUnsafeBytes { raw in
            words = (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            )
        }
        self.words = words
    }

    /// From 32 stored bytes; nil for anything else.
    init?(stored bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 32 else { return nil }
        words = (
            bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        )
    }

    /// Calls `body` with the 32 digest bytes, for storing.
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        var copy = words
        return try withUnsafeBytes(of: &copy) { try body($0) }
    }

    static func == (a: RecordDigest, b: RecordDigest) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    func hash(into hasher: inout Hasher) { hasher.combine(words.0) }
}

/// The live examples' head digests, to recognise a line that is byte for byte an example's current
/// record — unchanged — by hashing it, without parsing it.
///
/// An open-addressing table of the first 128 bits of each digest and the example's key: 24 bytes
/// an example, so a million examples take about 31 MB. (Two different records sharing 128 bits of
/// SHA-256 is as likely as guessing a random 128-bit key.)
struct KnownRecords {
    /// One slot: the digest's first 128 bits and the example's key (0: empty; keys start at 1),
    /// side by side so that a probe touches one cache line.
    private struct Slot {
        var high: UInt64
        var low: UInt64
        var key: Int64
    }

    private var slots: [Slot]
    private(set) var count = 0

    init(capacity: Int) {
        slots = Array(repeating: Slot(high: 0, low: 0, key: 0), count: max(16, capacity + capacity / 3))
    }

    var isEmpty: Bool { count == 0 }

    private func slot(_ digest: RecordDigest) -> Int {
        Int(digest.words.0.multipliedFullWidth(by: UInt64(slots.count)).high)
    }

    mutating func insert(_ digest: RecordDigest, key: Int64) {
        precondition(key > 0 && count < slots.count - 1)
        let start = slot(digest)
        let inserted = slots.withUnsafeMutableBufferPointer { slots -> Bool in
            var i = start
            while slots[i].key != 0 {
                if slots[i].high == digest.words.0 && slots[i].low == digest.words.1 { return false }  // two examples with one record: keep the first
                i = i + 1 == slots.count ? 0 : i + 1
            }
            slots[i] = Slot(high: digest.words.0, low: digest.words.1, key: key)
            return true
        }
        if inserted { count += 1 }
    }

    func key(for digest: RecordDigest) -> Int64? {
        slots.withUnsafeBufferPointer { slots in
            var i = Int(digest.words.0.multipliedFullWidth(by: UInt64(slots.count)).high)
            while slots[i].key != 0 {
                if slots[i].high == digest.words.0 && slots[i].low == digest.words.1 { return slots[i].key }
                i = i + 1 == slots.count ? 0 : i + 1
            }
            return nil
        }
    }
}
