/// One value's postings as they are stored (`SliceIndexCoding`: the count, then each key minus
/// the one before as a varint), about 1.3 bytes an example instead of 4, appended in ascending
/// order (the builds read the records in key order). An example added twice in a row counts once.
struct PostingsBuffer {
    private(set) var count = 0
    private var last: UInt32 = 0
    private var gaps: [UInt8] = []

    var isEmpty: Bool { count == 0 }
    var encodedSize: Int { gaps.count + 5 }
    /// The bytes it holds, with what it has room for and its allocation's header: what a builder
    /// counts against its budget.
    var memorySize: Int { gaps.capacity + (gaps.capacity > 0 ? Self.allocationOverhead : 0) + MemoryLayout<Self>.stride }

    /// An array's header and malloc's own, about.
    private static let allocationOverhead = 48

    /// Appends `key`; the bytes of memory that took (its growth, when it grew).
    @discardableResult
    mutating func append(_ key: UInt32) -> Int {
        if count > 0 && key <= last {
            precondition(key == last, "postings are appended in ascending key order")
            return 0
        }
        // Grown by an eighth, not doubled: a whole index of these is held while it is built, and
        // doubling leaves up to half of it unused. Small at first: a key can have a value an example.
        let size = memorySize
        if gaps.count + 5 > gaps.capacity { gaps.reserveCapacity(gaps.count + max(gaps.isEmpty ? 8 : 32, gaps.count / 8)) }
        SliceIndexCoding.append(Int(key - (count > 0 ? last : 0)), to: &gaps)
        count += 1
        last = key
        return memorySize - size
    }

    /// Appends `other`, whose keys are all greater than these.
    mutating func append(contentsOf other: PostingsBuffer) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        precondition(other.first > last)
        SliceIndexCoding.append(Int(other.first - last), to: &gaps)
        gaps.append(contentsOf: other.gaps[other.firstGapLength...])
        count += other.count
        last = other.last
    }

    /// Appends it as a run of a builder's spilled postings (`PostingsRun`) has it: the count, the
    /// last key, the gaps' length, the gaps.
    func writeRun(to output: inout [UInt8]) {
        SliceIndexCoding.append(count, to: &output)
        SliceIndexCoding.append(Int(last), to: &output)
        SliceIndexCoding.append(gaps.count, to: &output)
        output.append(contentsOf: gaps)
    }

    /// The stored form: the count and the gaps.
    func encode(to output: inout [UInt8]) {
        SliceIndexCoding.append(count, to: &output)
        output.append(contentsOf: gaps)
    }

    /// The keys, decoded.
    func decoded() -> Postings {
        var result = Postings()
        result.reserveCapacity(count)
        var key: UInt32 = 0, delta: UInt32 = 0, shift: UInt32 = 0
        for byte in gaps {
            delta |= UInt32(byte & 0x7F) << shift
            if byte < 0x80 {
                key &+= delta
                result.append(key)
                delta = 0
                shift = 0
            } else {
                shift += 7
            }
        }
        return result
    }

    private var firstGapLength: Int { (gaps.firstIndex { $0 < 0x80 } ?? (gaps.count - 1)) + 1 }

    private var first: UInt32 {
        var key = 0, shift = 0
        for byte in gaps[..<firstGapLength] {
            key |= Int(byte & 0x7F) << shift
            shift += 7
        }
        return UInt32(truncatingIfNeeded: key)
    }
}
