import EvalDBKit
import Foundation

/// The review server that `serve` runs, given to the command by the program that links it.
///
/// `evaldb serve` runs in a program of its own, `evaldb-serve`, installed beside `evaldb`: the HTTP
/// server (FlyingFox, and FoundationNetworking with curl under it) is linked into that program
/// only, so that every other command starts without loading it (docs/performance.md, "Starting a
/// command"). `evaldb-serve` is this whole command line with EvalDBServe's `ReviewServer` given
/// here; `evaldb` has none.
package protocol ReviewServing: AnyObject, Sendable {
    init(_ options: ServeOptions) throws
    func start() async throws -> (url: String, resumed: [ReviewOutcome])
    func stop() async -> [Result<ReviewOutcome, Error>]
    func finishNotebooks() async -> [Result<NotebookOutcome, Error>]
}

/// As git runs `git-foo` for `git foo`: `evaldb serve ARGS` becomes `evaldb-serve serve ARGS`, in
/// the same process (its pid, its signals, its terminal), which parses and runs the command as
/// `evaldb` would.
package enum ServeProgram {
    static let name = "evaldb-serve"

    /// The server `serve` runs: set by `evaldb-serve`'s main before the command line is parsed;
    /// nil in `evaldb`, which runs `evaldb-serve` instead.
    nonisolated(unsafe) package static var server: (any ReviewServing.Type)?  // written once, before any other thread exists

    /// `evaldb-serve` beside the running executable (its symbolic links resolved), when it is there.
    static func locate() -> String? {
        guard let folder = executableFolder() else { return nil }
        let candidate = folder + "/" + name
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }

    /// Replaces this process by `program` with `arguments` (the command line after the global
    /// options, which were applied already: the current folder and `EVALDB_DB` carry over).
    /// Returns, with the reason, only when that failed.
    static func exec(_ program: String, _ arguments: [String]) -> String {
        var argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) }
        argv.append(nil)
        execv(program, argv)
        return String(cString: strerror(errno))
    }

    /// What `serve` says when it cannot run: no `evaldb-serve` beside this `evaldb`.
    static var missing: String {
        let folder = executableFolder() ?? "its folder"
        return
            "serve runs \(name), which is not beside evaldb in \(folder): install both (script/install), or build it (swift build --product \(name))"
    }

    private static func executableFolder() -> String? {
        #if os(Linux)
            guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        #else
            guard let path = Bundle.main.executablePath else { return nil }
        #endif
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent().path
    }
}
