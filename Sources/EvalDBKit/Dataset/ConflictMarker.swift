/// git's conflict markers, which a merge that stopped leaves in the file for a person to resolve:
/// `<<<<<<< ours`, `||||||| base` (the diff3 style), `=======`, `>>>>>>> theirs`. A dataset line
/// that is one is an unresolved merge, not a JSON error.
enum ConflictMarker {
    /// True when `line` (without its line end) is a conflict marker as git tells one: seven of
    /// `<`, `|`, `=` or `>`, then the end of the line or white space (as git's `diff --check`).
    static func isMarker(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard line.count >= 7, let first = line.first, first == 0x3C || first == 0x7C || first == 0x3D || first == 0x3E else {
            return false
        }
        for index in 1..<7 where line[index] != first { return false }
        return line.count == 7 || line[7] == 0x20 || line[7] == 0x09 || line[7] == 0x0D
    }

    static func isMarker(_ line: some StringProtocol) -> Bool {
        Array(line.utf8).withUnsafeBufferPointer { isMarker($0) }
    }
}
