import EvalDBKit
import Foundation

/// Files a command writes besides its output: a `--plot` picture, a `--junit` report — written
/// whole or not at all (a temporary file renamed into place).
enum ReportFile {
    static func write(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw EvalDBError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }
}
