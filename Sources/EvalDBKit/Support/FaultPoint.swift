import Foundation

/// Points where a fault test stops evaldb on purpose (docs/reliability.md): set by the environment
/// only, and doing nothing otherwise.
///
/// `EVALDB_FAULT=pause-POINT` with `EVALDB_FAULT_FILE=PATH`: evaldb, reaching POINT, creates PATH
/// and waits until PATH is removed (or the process is killed) — so a test can run readers, or
/// SIGKILL it, at exactly that moment, with no sleep deciding when. The points:
///
/// - `pause-after-records=N`: an import that has written its first N records, its transaction open;
/// - `pause-before-commit`: an import that has written its version, its transaction still open;
/// - `pause-before-link`: a first import's database built and synced aside, not yet linked into place.
enum FaultPoint {
    /// A moment a test can pause evaldb at.
    enum Point: String {
        case beforeCommit = "before-commit"
        case beforeLink = "before-link"
    }

    /// Pauses at `point` when the environment asks for it.
    static func pause(at point: Point) {
        guard requested == "pause-" + point.rawValue else { return }
        pause()
    }

    /// The number of records after which an import pauses (`pause-after-records=N`), read once:
    /// the import checks it at every record.
    static let pauseAfterRecords: Int? = {
        guard let requested, requested.hasPrefix("pause-after-records=") else { return nil }
        return Int(requested.dropFirst("pause-after-records=".count))
    }()

    /// Pauses an import that has just written its `count`-th record, when asked (`pauseAfterRecords`).
    static func pause(afterRecords count: Int) {
        if count == pauseAfterRecords { pause() }
    }

    private static let requested = ProcessInfo.processInfo.environment["EVALDB_FAULT"]

    private static func pause() {
        guard let marker = ProcessInfo.processInfo.environment["EVALDB_FAULT_FILE"],
            FileManager.default.createFile(atPath: marker, contents: Data())
        else { return }
        // Polls for the test's answer: only a test waits here.
        while FileManager.default.fileExists(atPath: marker) { usleep(5_000) }
    }
}
