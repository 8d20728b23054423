import EvalDBKit
import Foundation
import Testing

/// The built `evaldb` beside the test bundle.
private let evaldb: String = {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("evaldb")
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside.path }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/evaldb").path
}()

@Suite("evaldb serve, the command")
struct ServeCommandTests {
    @Test("it prints its address with the token, serves it, and on Ctrl-C ends the session: the edits become a version")
    func printsServesAndStops() async throws {
        let served = try ServedDataset()  // a dataset, a run and proposals; its in-process server is not started
        defer { try? FileManager.default.removeItem(atPath: served.folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: evaldb)
        process.arguments = ["serve", "--port", "0", "--reviewer", "kim"]
        process.currentDirectoryURL = URL(fileURLWithPath: served.folder)
        var environment = ProcessInfo.processInfo.environment
        environment["EVALDB_DB"] = nil
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let first = try #require(String(data: readLine(out.fileHandleForReading), encoding: .utf8))
        let match = try #require(first.firstMatch(of: #/^evaldb serve: http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{64})$/#))
        let port = UInt16(match.1)!, token = String(match.2)

        let host = [("Host", "127.0.0.1:\(port)")]
        let admitted = try await HTTP.send(port: port, "GET", "/?token=\(token)", headers: host)
        #expect(admitted.status == 303)
        let cookie = ("Cookie", "evaldb_token_\(port)=\(token)")
        let page = try await HTTP.send(port: port, "GET", "/example?id=plain-002", headers: host + [cookie])
        #expect(page.status == 200)
        #expect(page.body.contains("reviewing as <b class=\"reviewer\">kim</b>"))
        let csrf = try #require(page.csrf)
        let posted = try await HTTP.send(
            port: port, "POST", "/edit",
            headers: host + [cookie, ("Content-Type", "application/x-www-form-urlencoded"), ("Origin", "http://127.0.0.1:\(port)")],
            body: "csrf=\(csrf)&id=plain-002&field=note&value=checked+in+the+browser")
        #expect(posted.status == 303)

        process.interrupt()
        let rest = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(rest.contains("review ended: version 2"), "\(rest)")
        #expect(rest.contains("wrote version 2 to evals/golden.jsonl"), "\(rest)")
        #expect(try served.current("plain-002")?["notes"] as? String == "checked in the browser")
    }

    @Test("listening on every address is a usage error (exit 2), and so is a port out of range")
    func refusesWildcard() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-serve-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for arguments in [["serve", "--host", "0.0.0.0", "--db", folder + "/evaldb.sqlite"], ["serve", "--port", "70000"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: evaldb)
            process.arguments = arguments
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 2, "\(arguments): \(message)")
            #expect(message.hasPrefix("evaldb: error: "))
        }
    }

    @Test("evaldb links no web server: serve runs evaldb-serve beside it, and without one says so (exit 2)")
    func serveRunsItsOwnProgram() throws {
        // The HTTP stack is in evaldb-serve alone, so that every other command starts without it.
        let serve = URL(fileURLWithPath: evaldb).deletingLastPathComponent().appendingPathComponent("evaldb-serve").path
        let linked = try Data(contentsOf: URL(fileURLWithPath: evaldb), options: .alwaysMapped)
        let linkedByServe = try Data(contentsOf: URL(fileURLWithPath: serve), options: .alwaysMapped)
        for name in ["FlyingFox", "FoundationNetworking"] {
            #expect(linked.range(of: Data(name.utf8)) == nil, "evaldb links \(name)")
        }
        #expect(linkedByServe.range(of: Data("FlyingFox".utf8)) != nil, "the check can find the server where it is")

        // A copied evaldb alone: every other command works, serve says what it needs; help still answers.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evaldb-alone-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A hard link where it can be: a copy is open for writing while it is made, and a child
        // another test starts meanwhile keeps that open, so running it fails ("Text file busy").
        if link(evaldb, folder + "/evaldb") != 0 { try FileManager.default.copyItem(atPath: evaldb, toPath: folder + "/evaldb") }
        func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: folder + "/evaldb")
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: folder)
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output, message)
        }
        let alone = try run(["serve", "--port", "0", "--reviewer", "kim"])
        #expect(alone.status == 2)
        #expect(alone.err.contains("evaldb: error: serve runs evaldb-serve, which is not beside evaldb in "), "\(alone.err)")
        let help = try run(["serve", "--help"])
        #expect(help.status == 0 && help.out.contains("USAGE: evaldb serve"), "\(help)")
        #expect(try run(["version"]).status == 0)
    }
}

/// One line from a pipe (without its newline), read a byte at a time so that nothing after it is taken.
private func readLine(_ handle: FileHandle) -> Data {
    var line = Data()
    while let byte = try? handle.read(upToCount: 1), let first = byte.first, first != 0x0A { line.append(first) }
    return line
}
