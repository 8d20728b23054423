import Foundation

/// The git blobs `sync` will have to read (commits whose dataset no version's change set gives)
/// that git stores as deltas, read ahead on a thread of their own — newest first, which costs git
/// the fewest delta applications — into files of a scratch folder, while the calling thread places
/// the other commits. `file(for:)` waits for a blob that is not read yet; its caller removes the
/// file once placed.
final class BlobPrefetch: @unchecked Sendable {  // its state behind `condition`
    private let condition = NSCondition()
    private var done: [String: (path: String, rawSHA256: String?)] = [:]
    private var failure: Error?
    private var finished = false
    /// The blobs asked for: `file(for:)` of any other returns at once.
    private let asked: Set<String>

    /// Starts reading `blobs` (in this order) from the repository at `top` into `folder`.
    init(blobs: [String], top: String, folder: String) {
        asked = Set(blobs)
        startThread { [self] in
            do {
                let reader = try GitBlobReader(top: top)
                for blob in blobs {
                    let path = folder + "/blob-\(blob).jsonl"
                    let digest = try reader.write(blob: blob, to: path)
                    condition.lock()
                    done[blob] = (path, digest)
                    condition.broadcast()
                    condition.unlock()
                }
            } catch {
                condition.lock()
                failure = error
                condition.unlock()
            }
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The file a blob was read into and the hex SHA-256 of its bytes (nil: git has no such blob);
    /// nil when the blob was not asked for. Waits until it is read.
    func file(for blob: String) throws -> (path: String, rawSHA256: String?)? {
        guard asked.contains(blob) else { return nil }
        condition.lock()
        defer { condition.unlock() }
        while done[blob] == nil && !finished { condition.wait() }
        if let read = done[blob] { return read }
        if let failure { throw failure }
        return nil
    }

    /// Waits for the reading thread to end (its files may then be removed).
    func finish() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
