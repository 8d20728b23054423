import Foundation

/// Outcomes and their clusters gathered for a design effect (`designEffect(values:clusters:)`,
/// the same sums in the same order) in bounded memory: each outcome and its cluster's number (12
/// bytes) go to a buffer that, once full, is appended to an anonymous temporary file (`ScratchFile`,
/// which the slices of one command share: one descriptor, however many slices), read back once for
/// the sums. Memory holds the clusters' names and the buffer, not the examples: `report
/// --cluster-by` and `compare --cluster-by` on ten million examples.
struct ClusteredOutcomes {
    /// Each cluster's number, by name (`String` equality, as `designEffect(values:clusters:)` groups them).
    private var numbers: [String: Int32] = [:]
    private var count = 0
    private var total = 0.0
    private var buffer: [UInt8] = []
    private let file: ScratchFile
    /// Where this one's full buffers are in `file`, in order.
    private var chunks: [(offset: Int, length: Int)] = []
    private let bufferSize: Int

    init(file: ScratchFile = ScratchFile(of: "outcomes"), bufferSize: Int = 64 << 10) {
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
            chunks.append((try file.append(contentsOf: buffer), buffer.count))
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
            for (offset, length) in chunks {
                try file.read(at: offset, count: length).withUnsafeBytes { read($0) }
            }
            buffer.withUnsafeBytes { read($0) }
        }
    }
}
