import Foundation

/// Outcomes and their clusters gathered for a design effect (`designEffect(values:clusters:)`,
/// the same sums in the same order) in bounded memory: each outcome and its cluster's number (12
/// bytes) go to a buffer that, once full, is appended to an anonymous temporary file (`tmpfile`),
/// read back once for the sums. Memory holds the clusters' names and the buffer, not the
/// examples: `report --cluster-by` and `compare --cluster-by` on ten million examples.
struct ClusteredOutcomes {
    /// Each cluster's number, by name (`String` equality, as `designEffect(values:clusters:)` groups them).
    private var numbers: [String: Int32] = [:]
    private var count = 0
    private var total = 0.0
    private var buffer: [UInt8] = []
    private var spill: Spill?
    private let bufferSize: Int

    init(bufferSize: Int = 64 << 10) { self.bufferSize = Swift.max(12, bufferSize) }

    /// Throws `EvalDBError.cannotWrite` when the temporary file cannot be written.
    mutating func add(_ value: Double, cluster: String) throws {
        let number = numbers[cluster] ?? Int32(numbers.count)
        if number == Int32(numbers.count) { numbers[cluster] = number }
        count += 1
        total += value
        withUnsafeBytes(of: value) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: number) { buffer.append(contentsOf: $0) }
        if buffer.count + 12 > bufferSize {
            if spill == nil { spill = try Spill() }
            try spill!.append(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// The design effect of the outcomes added (at least 1).
    func designEffect() throws -> Double {
        try EvalDBKit.designEffect(count: count, total: total, clusters: numbers.count) { visit in
            func read(_ bytes: UnsafeRawBufferPointer) {
                for offset in stride(from: 0, to: bytes.count, by: 12) {
                    visit(
                        bytes.loadUnaligned(fromByteOffset: offset, as: Double.self),
                        Int(bytes.loadUnaligned(fromByteOffset: offset + 8, as: Int32.self)))
                }
            }
            try spill?.forEachChunk(of: 12 * 8192) { read($0) }
            buffer.withUnsafeBytes { read($0) }
        }
    }

    /// The temporary file, written in order and read back from its start.
    private final class Spill {
        private let file: UnsafeMutablePointer<FILE>
        private var length = 0

        init() throws {
            guard let file = tmpfile() else { throw Self.error() }
            self.file = file
        }

        deinit { fclose(file) }

        func append(_ bytes: [UInt8]) throws {
            let written = bytes.withUnsafeBytes { pwrite(fileno(file), $0.baseAddress, $0.count, off_t(length)) }
            guard written == bytes.count else { throw Self.error() }
            length += bytes.count
        }

        /// Calls `body` with the file's bytes, `size` at a time.
        func forEachChunk(of size: Int, _ body: (UnsafeRawBufferPointer) -> Void) throws {
            var chunk = [UInt8](repeating: 0, count: size)
            var offset = 0
            while offset < length {
                let wanted = Swift.min(size, length - offset)
                let read = chunk.withUnsafeMutableBytes { pread(fileno(file), $0.baseAddress, wanted, off_t(offset)) }
                guard read == wanted else {
                    throw EvalDBError.cannotRead(path: "a temporary file of outcomes", reason: String(cString: strerror(errno)))
                }
                chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<wanted])) }
                offset += wanted
            }
        }

        private static func error() -> EvalDBError {
            .cannotWrite(path: "a temporary file of outcomes", reason: String(cString: strerror(errno)))
        }
    }
}
