import Foundation

/// The few questions evaldb asks git, through the `git` program. Every answer is nil when git or
/// the repository is missing: recording a commit is a courtesy, never a reason to fail.
public enum Git {
    /// The HEAD commit, when `path` is tracked by git and has no uncommitted change.
    public static func commitOfCleanFile(_ path: String) -> String? {
        guard path != "-" else { return nil }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let directory = url.deletingLastPathComponent().path
        guard run(["ls-files", "--error-unmatch", "--", url.lastPathComponent], in: directory) != nil,
              let status = run(["status", "--porcelain", "--", url.lastPathComponent], in: directory), status.isEmpty
        else { return nil }
        return run(["rev-parse", "HEAD"], in: directory)
    }

    /// `git config user.name`, if set.
    public static func userName(in directory: String = FileManager.default.currentDirectoryPath) -> String? {
        guard let name = run(["config", "user.name"], in: directory), !name.isEmpty else { return nil }
        return name
    }

    /// Runs git and returns its standard output, trimmed, or nil when it fails.
    static func run(_ arguments: [String], in directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
