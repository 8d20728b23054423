import Crypto
import Foundation

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

/// Head digests of some live examples, to recognise a line that is byte for byte an example's
/// current record — unchanged — by hashing it, without parsing it.
///
/// An open-addressing table of the first 128 bits of each digest and the example's key: 24 bytes
/// an example. (Two different records sharing 128 bits of SHA-256 is as likely as guessing a
/// random 128-bit key.) An import holds a few of them at a time (`HeadDigestWindow`).
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

/// The live examples' head digests near where an import is in the file: segments of examples in
/// key order (`LiveHeadsLoader`), loaded by the importing thread just ahead of the keys it meets
/// and dropped behind them, so that memory stays flat whatever the number of examples. The worker
/// threads look a line's digest up in the segments loaded when they start a batch.
///
/// A file whose lines keep the examples' order (the usual case) has nearly every unchanged line
/// recognised. A line met outside the window is parsed and compared with its head by id instead:
/// slower, never wrong — recognising is only a shortcut.
final class HeadDigestWindow: @unchecked Sendable {  // its segments behind `lock`, given out as copies (`snapshot`)
    struct Segment {
        var table: KnownRecords
        var firstKey: Int64
        var lastKey: Int64
    }

    /// The segments loaded when a worker started its batch; the one that answered last is tried first.
    struct Snapshot {
        fileprivate var segments: [Segment]
        private var lastHit = 0

        fileprivate init(_ segments: [Segment]) { self.segments = segments }

        mutating func key(for digest: RecordDigest) -> Int64? {
            guard !segments.isEmpty else { return nil }
            if lastHit < segments.count, let key = segments[lastHit].table.key(for: digest) { return key }
            for i in segments.indices where i != lastHit {
                if let key = segments[i].table.key(for: digest) {
                    lastHit = i
                    return key
                }
            }
            return nil
        }
    }

    private let lock = NSLock()
    private var segments: [Segment] = []

    func snapshot() -> Snapshot { lock.withLock { Snapshot(segments) } }

    fileprivate func publish(_ segments: [Segment]) { lock.withLock { self.segments = segments } }
}

/// Reads the live examples (`examples.head_sha256` not NULL) in key order for an import: their
/// keys (`live`), and, when recognising, their head digests into a `HeadDigestWindow` a segment at
/// a time as `advance(to:)` says where the import is. Reads on the import's own connection and
/// transaction, one short query a segment.
struct LiveHeadsLoader {
    static let defaultSegmentSize = 1 << 16
    /// Segments kept loaded beyond the one the import is in, and behind it.
    static let ahead = 2
    static let behind = 1

    let window = HeadDigestWindow()
    private(set) var live = BitSet()
    private let recognizing: Bool
    /// Examples a segment holds.
    private let segmentSize: Int
    private let rows: Statement
    private var segments: [HeadDigestWindow.Segment] = []
    private var loadedThrough: Int64 = 0
    private var finished = false
    /// `advance` does nothing until a key reaches this one (the second-last segment's first key).
    private var nextCheck: Int64 = .max

    init(database: Database, recognizing: Bool, segmentSize: Int = defaultSegmentSize) throws {
        self.recognizing = recognizing
        self.segmentSize = segmentSize
        rows = try database.prepare(
            "SELECT key, head_sha256 FROM stored_examples WHERE key > ? AND head_sha256 IS NOT NULL ORDER BY key LIMIT ?")
    }

    /// Loads the first segments, before the file is read.
    mutating func start() throws {
        guard recognizing else { return }
        for _ in 0...Self.ahead where !finished { try loadSegment() }
        window.publish(segments)
        updateNextCheck()
    }

    /// The import met example `key` (an existing one): loads the segments ahead of it and drops
    /// those well behind.
    mutating func advance(to key: Int64) throws {
        guard key >= nextCheck else { return }
        guard let at = segments.lastIndex(where: { $0.firstKey <= key }) else { return }
        while !finished && segments.count - 1 - at < Self.ahead { try loadSegment() }
        let drop = max(0, at - Self.behind)
        if drop > 0 { segments.removeFirst(drop) }
        window.publish(segments)
        updateNextCheck()
    }

    /// Reads the rest of the live keys (not their digests): `live` is then complete.
    mutating func finish() throws {
        window.publish([])
        segments = []
        while !finished {
            try rows.bind([.int(loadedThrough), .int(Int64(segmentSize) * 16)])
            var count = 0
            while try rows.step() {
                loadedThrough = rows.int(0)
                live.insert(loadedThrough)
                count += 1
            }
            rows.reset()
            finished = count < segmentSize * 16
        }
    }

    private mutating func updateNextCheck() {
        nextCheck = finished || segments.count < 2 ? .max : segments[segments.count - 2].firstKey
    }

    private mutating func loadSegment() throws {
        try rows.bind([.int(loadedThrough), .int(Int64(segmentSize))])
        defer { rows.reset() }
        var table = KnownRecords(capacity: segmentSize)
        var first: Int64?
        var count = 0
        while try rows.step() {
            let key = rows.int(0)
            first = first ?? key
            loadedThrough = key
            live.insert(key)
            count += 1
            if let digest = RecordDigest(stored: rows.bytes(1)) { table.insert(digest, key: key) }
        }
        finished = count < segmentSize
        if let first { segments.append(.init(table: table, firstKey: first, lastKey: loadedThrough)) }
    }
}
