import Crypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file (or standard input, for `-`) line by line in fixed-size chunks, so memory stays flat
/// whatever the file's size. Hashes the raw bytes as it goes when asked to.
///
/// A UTF-8 byte order mark at the start is dropped and a CR before each LF is removed; the final
/// newline may be missing.
public final class LineReader {
    public let path: String
    private let descriptor: Int32
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var rawHasher = SHA256()
    private let hashesRawBytes: Bool
    public private(set) var bytesRead = 0
    /// The file started with a UTF-8 byte order mark.
    public private(set) var hadByteOrderMark = false
    /// The line last handed over ended with CR LF.
    public private(set) var lineHadCarriageReturn = false
    /// Lines handed over so far.
    public private(set) var lineCount = 0
    /// The file's last line had no newline.
    public private(set) var missingFinalNewline = false
    /// The size of the file, when it is a regular file (for progress).
    public let totalBytes: Int?

    public init(path: String, chunkSize: Int = 1 << 22, hashingRawBytes: Bool = true) throws {
        self.path = path
        hashesRawBytes = hashingRawBytes
        if path == "-" {
            descriptor = 0
            totalBytes = nil
        } else {
            descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else {
                throw EvalDBError.cannotRead(path: path, reason: String(cString: strerror(errno)))
            }
            var info = stat()
            if fstat(descriptor, &info) == 0 {
                if (info.st_mode & S_IFMT) == S_IFDIR {
                    close(descriptor)
                    throw EvalDBError.cannotRead(path: path, reason: "it is a directory")
                }
                totalBytes = (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
            } else {
                totalBytes = nil
            }
        }
        capacity = chunkSize
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
        if descriptor > 0 { close(descriptor) }
    }

    /// Hex SHA-256 of every raw byte read so far (of the whole file once `forEachLine` returned),
    /// when the reader was made `hashingRawBytes`.
    public var rawSHA256: String { rawHasher.finalize().hexString }

    /// Calls `body` with each line's number (1-based) and bytes, without its line end. The bytes are
    /// valid only during the call.
    public func forEachLine(_ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var filled = 0  // bytes in buffer
        var lineStart = 0  // start of the current (incomplete) line in buffer
        var scanFrom = 0  // where to look for the next newline
        var lineNumber = 0
        var atStart = true
        var finished = false
        while !finished {
            if filled == capacity {
                if lineStart > 0 {
                    // Move the partial line to the front.
                    let remaining = filled - lineStart
                    (buffer).update(from: buffer + lineStart, count: remaining)
                    scanFrom -= lineStart
                    filled = remaining
                    lineStart = 0
                } else {
                    // One line longer than the buffer: grow it.
                    let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                    bigger.update(from: buffer, count: filled)
                    buffer.deallocate()
                    buffer = bigger
                    capacity *= 2
                }
            }
            let count = read(descriptor, buffer + filled, capacity - filled)
            if count < 0 {
                if errno == EINTR { continue }
                throw EvalDBError.cannotRead(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 {
                finished = true
            } else {
                if hashesRawBytes {
                    rawHasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer + filled, count: count))
                }
                bytesRead += count
                filled += count
            }
            if atStart && (filled >= 3 || finished) {
                atStart = false
                if filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
                    lineStart = 3
                    scanFrom = 3
                    hadByteOrderMark = true
                }
            }
            if atStart { continue }
            while scanFrom < filled {
                guard let newline = memchr(buffer + scanFrom, 0x0A, filled - scanFrom) else {
                    scanFrom = filled
                    break
                }
                let end = buffer.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                lineNumber += 1
                lineCount = lineNumber
                try body(lineNumber, line(from: lineStart, to: end))
                lineStart = end + 1
                scanFrom = lineStart
            }
            if finished && lineStart < filled {
                missingFinalNewline = true
                lineNumber += 1
                lineCount = lineNumber
                try body(lineNumber, line(from: lineStart, to: filled))
                lineStart = filled
            }
        }
    }

    /// Reads the rest of the file only to hash it.
    public func drain() throws {
        while true {
            let count = read(descriptor, buffer, capacity)
            if count < 0 {
                if errno == EINTR { continue }
                throw EvalDBError.cannotRead(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { return }
            rawHasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: count))
            bytesRead += count
        }
    }

    private func line(from start: Int, to end: Int) -> UnsafeBufferPointer<UInt8> {
        var end = end
        lineHadCarriageReturn = end > start && buffer[end - 1] == 0x0D
        if lineHadCarriageReturn { end -= 1 }
        return UnsafeBufferPointer(start: buffer + start, count: end - start)
    }
}

extension Digest {
    /// Lower-case hex, as `sha256sum` prints it.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var result: [UInt8] = []
        result.reserveCapacity(Self.byteCount * 2)
        for byte in self {
            result.append(digits[Int(byte >> 4)])
            result.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: result, as: UTF8.self)
    }
}
