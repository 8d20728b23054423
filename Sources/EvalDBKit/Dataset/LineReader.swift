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

    /// The bytes `forEachMappedLine` maps at a time (more for a line longer than that).
    var mappedRegionSize = FileRegion.defaultSize

    /// Whether `forEachMappedLine` may be used: a regular file, its raw bytes not hashed.
    var isMappable: Bool { path != "-" && totalBytes != nil && !hashesRawBytes && bytesRead == 0 }

    /// As `forEachLine`, for a regular file (`isMappable`): the file is mapped into memory a region
    /// at a time and each line is given with the region that holds it, valid as long as the region
    /// is referenced. The bytes are not copied out of the page cache.
    func forEachMappedLine(_ body: (Int, UnsafeBufferPointer<UInt8>, FileRegion) throws -> Void) throws {
        let size = totalBytes ?? 0
        let pageSize = Int(getpagesize())
        var regionSize = mappedRegionSize
        var offset = 0  // the file offset of the next line
        var lineNumber = 0
        while offset < size {
            let mapStart = offset & ~(pageSize - 1)
            let region = try FileRegion(descriptor: descriptor, path: path, offset: mapStart, count: min(size - mapStart, regionSize))
            let base = region.bytes.baseAddress!
            let end = region.bytes.count
            let atEnd = mapStart + end == size
            var start = offset - mapStart
            if offset == 0 && end >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF {
                hadByteOrderMark = true
                start = 3
            }
            let first = start
            while start < end {
                guard let newline = memchr(base + start, 0x0A, end - start) else { break }
                let lineEnd = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                lineNumber += 1
                lineCount = lineNumber
                try body(lineNumber, line(base, from: start, to: lineEnd), region)
                start = lineEnd + 1
            }
            if atEnd && start < end {
                missingFinalNewline = true
                lineNumber += 1
                lineCount = lineNumber
                try body(lineNumber, line(base, from: start, to: end), region)
                start = end
            }
            if start == first && !atEnd {
                regionSize *= 2  // one line longer than a region
                continue
            }
            offset = mapStart + start
            bytesRead = offset
        }
        bytesRead = max(bytesRead, size)
    }

    private func line(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> UnsafeBufferPointer<UInt8> {
        var end = end
        lineHadCarriageReturn = end > start && base[end - 1] == 0x0D
        if lineHadCarriageReturn { end -= 1 }
        return UnsafeBufferPointer(start: base + start, count: end - start)
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

/// Part of a file mapped into memory (read-only), unmapped when the last reference is gone.
final class FileRegion: @unchecked Sendable {  // immutable after init: a read-only mapping
    /// The bytes of a region, but for a line longer than that.
    static let defaultSize = 4 << 20

    let bytes: UnsafeBufferPointer<UInt8>

    init(descriptor: Int32, path: String, offset: Int, count: Int) throws {
        #if os(Linux)
            let flags = MAP_PRIVATE | MAP_POPULATE  // the page tables filled at once, not a fault a page
        #else
            let flags = MAP_PRIVATE
        #endif
        let mapped = mmap(nil, count, PROT_READ, flags, descriptor, off_t(offset))
        guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw EvalDBError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        bytes = UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: count)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }
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
