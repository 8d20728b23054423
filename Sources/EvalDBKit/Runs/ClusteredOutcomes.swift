import Foundation

/// Outcomes and their clusters gathered for a design effect (`designEffect(values:clusters:)`,
/// the same sums in the same order) in bounded memory: each outcome and its cluster's number (12
/// bytes) go to a buffer that, once full, is appended to an anonymous temporary file (`File`,
/// which the slices of one command share: one descriptor, however many slices), read back once for
/// the sums. Memory holds the clusters' names and the buffer, not the examples: `report
/// --cluster-by` and `compare --cluster-by` on ten million examples.
struct ClusteredOutcomes {
    /// Each cluster's number, by name (`String` equality, as `designEffect(values:clusters:)` groups them).
    private var numbers: [String: Int32] = [:]
    private var count = 0
    private var total = 0.0
    private var buffer: [UInt8] = []
    private let file: File
    /// Where this one's full buffers are in `file`, in order.
    private var chunks: [(offset: Int, length: Int)] = []
    private let bufferSize: Int

    init(file: File = File(), bufferSize: Int = 64 << 10) {
        self.file = file
        self.bufferSize = Swift.max(12, bufferSize)
    }

    /// Throws `EvalDBError.cannotWrite` when the temporary file cannot be written.
    mutating func add(_ value: Double, cluster: String) throws {
        let number = numbers[cluster] ?? Int32(numbers.count)
        if number == Int32(numbers.count) { numbers[cluster] = number }
        count += 1
        total += value
        withUnsafeBytes(of: value) { buffer.append(contentsOf: $0) }
        withUnsafeBytes(of: number) { buffer.append(contentsOf: $0) }
        if buffer.count + 12 > bufferSize {
            chunks.append((try file.append(buffer), buffer.count))
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
            var chunk: [UInt8] = []
            for (offset, length) in chunks {
                try file.read(at: offset, count: length, into: &chunk)
                chunk.withUnsafeBytes { read($0) }
            }
            buffer.withUnsafeBytes { read($0) }
        }
    }

    /// The temporary file, opened at the first append; each append goes where the file ends.
    final class File {
        private var file: UnsafeMutablePointer<FILE>?
        private var length = 0

        deinit { if let file { fclose(file) } }

        /// Appends `bytes`; where they start.
        func append(_ bytes: [UInt8]) throws -> Int {
            if file == nil { file = tmpfile() }
            guard let file else { throw Self.error(writing: true) }
            let offset = length
            let written = bytes.withUnsafeBytes { pwrite(fileno(file), $0.baseAddress, $0.count, off_t(offset)) }
            guard written == bytes.count else { throw Self.error(writing: true) }
            length += bytes.count
            return offset
        }

        /// The `count` bytes at `offset` into `bytes`.
        func read(at offset: Int, count: Int, into bytes: inout [UInt8]) throws {
            bytes = [UInt8](repeating: 0, count: count)
            let read = bytes.withUnsafeMutableBytes { pread(fileno(file), $0.baseAddress, count, off_t(offset)) }
            guard read == count else { throw Self.error(writing: false) }
        }

        private static func error(writing: Bool) -> EvalDBError {
            let reason = String(cString: strerror(errno))
            let path = "a temporary file of outcomes"
            return writing ? .cannotWrite(path: path, reason: reason) : .cannotRead(path: path, reason: reason)
        }
    }
}
