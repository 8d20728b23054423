import Foundation

/// An anonymous temporary file (`tmpfile`: gone when closed), opened at the first append, written
/// at its end and read anywhere: where `IdList`, `ClusteredOutcomes`, `SpilledIds` and `FirstLines`
/// put what they hold beyond their memory. `contents` names it in errors ("a temporary file of ids").
final class ScratchFile: @unchecked Sendable {  // appended to only by its one holder; readers read below a length they saw (pread)
    private var file: UnsafeMutablePointer<FILE>?
    private(set) var length = 0
    private let contents: String

    init(of contents: String) { self.contents = contents }

    deinit { if let file { fclose(file) } }

    /// Appends the bytes of `values` (plain values: bytes, fixed-size records) at the end; where
    /// they start.
    @discardableResult
    func append<Value>(contentsOf values: [Value]) throws(EvalDBError) -> Int {
        let offset = length
        guard values.withUnsafeBytes({ write($0) }) else { throw error(writing: true) }
        return offset
    }

    /// Appends the first `length` bytes of `other`, a megabyte at a time.
    func append(copying other: ScratchFile, length: Int) throws(EvalDBError) {
        var offset = 0
        while offset < length {
            let size = Swift.min(1 << 20, length - offset)
            try append(contentsOf: other.read(at: offset, count: size))
            offset += size
        }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count > 0 else { return true }
        if file == nil { file = tmpfile() }
        guard let file, pwrite(fileno(file), bytes.baseAddress, bytes.count, off_t(length)) == bytes.count else { return false }
        length += bytes.count
        return true
    }

    /// The `count` bytes at `offset`, which were written: a short read is a failed disk.
    func read(at offset: Int, count: Int) throws(EvalDBError) -> [UInt8] {
        guard count > 0 else { return [] }
        guard let file else { throw error(writing: false) }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { pread(fileno(file), $0.baseAddress, count, off_t(offset)) }
        guard read == count else { throw error(writing: false) }
        return bytes
    }

    private func error(writing: Bool) -> EvalDBError {
        let reason = String(cString: strerror(errno))
        let path = "a temporary file of " + contents
        return writing ? .cannotWrite(path: path, reason: reason) : .cannotRead(path: path, reason: reason)
    }
}
