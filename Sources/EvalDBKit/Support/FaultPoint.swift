import Foundation

/// Points where a fault test stops evaldb on purpose (docs/reliability.md): set by the environment
/// only, and doing nothing otherwise.
///
/// `EVALDB_FAULT=pause-before-commit` with `EVALDB_FAULT_FILE=PATH`: an import that has written
/// its version, its transaction still open, creates PATH and waits until PATH is removed — so a
/// test can run readers at exactly that moment, with no sleep deciding when.
enum FaultPoint {
    static func pauseBeforeCommit() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["EVALDB_FAULT"] == "pause-before-commit", let marker = environment["EVALDB_FAULT_FILE"] else { return }
        guard FileManager.default.createFile(atPath: marker, contents: Data()) else { return }
        while FileManager.default.fileExists(atPath: marker) { usleep(5_000) }
    }
}
