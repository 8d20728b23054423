import Foundation

/// Lines set aside in an unnamed temporary file while a command streams (a run's canonical result
/// lines, for the team log file written at the end, once their count is known), so that memory
/// does not grow with the input. Written in large blocks; removed when released.
final class Spool {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private static let blockSize = 1 << 20

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/evaldb-spool-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard descriptor >= 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        unlink(path)  // nobody else needs its name; the space is freed when it is closed
        self.descriptor = descriptor
        buffer.reserveCapacity(Self.blockSize + 4096)
    }

    deinit { close(descriptor) }

    /// Adds `line` and a newline.
    func append(_ line: [UInt8]) throws {
        buffer += line
        buffer.append(0x0A)
        if buffer.count >= Self.blockSize { try flush() }
    }

    /// Writes everything added, in order, to `target` (at its current offset).
    func copy(to target: Int32, path: String) throws {
        try flush()
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        while true {
            let count = block.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, Self.blockSize) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw EvalDBError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
            if count == 0 { break }
            try block.withUnsafeBufferPointer { try writeAll(target, UnsafeBufferPointer(rebasing: $0[..<count]), path: path) }
        }
    }

    private func flush() throws {
        try buffer.withUnsafeBufferPointer { try writeAll(descriptor, $0, path: "a temporary file") }
        buffer.removeAll(keepingCapacity: true)
    }
}
