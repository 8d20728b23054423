import EvalDBKit
import FlyingFox
import FlyingSocks
import Foundation

/// The review loop as local web pages (`evaldb serve`): queues, one example a page, proposals,
/// flips and failure categories, over HTTP on one address. Every change goes through the same
/// library calls as terminal `review` (`ReviewSession`), so read marks, failure categories and
/// decisions land in the database and the team log as they are made, and each reviewer's edits
/// become one dataset version when their session finishes (the `q` key) or the server stops.
public final class ReviewServer: Sendable {
    let state: ServerState
    private let http: HTTPServer
    private let running = RunningTask()

    /// Checks the options and the database (made on first use, as `review` makes it).
    public init(_ options: ServeOptions) throws {
        guard !options.reviewer.isEmpty else { throw EvalDBError.emptyName(.reviewer) }
        let address = try Self.address(options.host, port: options.port)
        state = ServerState(options: options, system: try options.system.map { try CachedSystem(options: $0, databasePath: options.databasePath) })
        try state.pool.withStore { _ in }  // opens (and migrates) the database now: errors before listening
        let handler = ServerHandler(state: state)
        http = HTTPServer(
            config: HTTPServer.Configuration(
                address: address, timeout: 600, pool: NoDelayPool(base: HTTPServer.defaultPool()), logger: .disabled),
            handler: handler)
    }

    /// Starts listening and starts the default reviewer's session (ending the sessions of
    /// processes that are gone, whose outcomes it returns). Returns the address to open, with
    /// the token.
    public func start() async throws -> (url: String, resumed: [ReviewOutcome]) {
        let http = self.http
        let running = self.running
        // Listening, or the server's failure (a port in use) as soon as it fails: no polling.
        let listening = Task { try await http.waitUntilListening(timeout: 15) }
        running.task = Task {
            do {
                try await http.run()
            } catch {
                running.failure = error
                listening.cancel()
            }
        }
        do {
            try await listening.value
        } catch {
            if let failure = running.failure { throw failure }
            throw EvalDBError.usage("the server did not start listening within 15 seconds")
        }
        guard let address = await http.listeningAddress else { throw EvalDBError.usage("the server has no address") }
        let port: UInt16
        switch address {
        case .ip4(_, let p), .ip6(_, let p): port = p
        case .unix: port = 0
        }
        let gate = Gate(token: state.options.token ?? Gate.randomToken(), csrf: Gate.randomToken(), host: state.options.host, port: port)
        state.setGate(gate)
        let reviewer = state.options.reviewer
        let sessions = state.sessions
        let resumed = try await state.pool.run { store in
            try sessions.withSession(of: reviewer, run: nil, store: store) { _ in }.resumed
        }
        return (url: "http://\(Self.urlHost(state.options.host)):\(port)/?token=\(gate.token)", resumed: resumed)
    }

    /// The address to open, with the token (nil before `start`).
    public var url: String? {
        state.gate.map { "http://\(Self.urlHost(state.options.host)):\($0.port)/?token=\($0.token)" }
    }

    /// Stops listening, lets the requests under way finish, and ends every open session: each
    /// reviewer's edits become one version. Returns each session's outcome, or why it could not
    /// end (it stays open for the next `review` or `serve` to end). With `--exec`, then
    /// `finishNotebooks`.
    public func stop() async -> [Result<ReviewOutcome, Error>] {
        await http.stop(timeout: 5)
        running.task?.cancel()
        let sessions = state.sessions
        return (try? await state.pool.run { store in sessions.finishAll(store: store) }) ?? []
    }

    /// After `stop` (`serve --exec`): each reviewer's notebook becomes its run. Returns what each
    /// became, or why it could not be recorded (its journal stays for the next `review` or `serve`).
    public func finishNotebooks() async -> [Result<NotebookOutcome, Error>] {
        guard let notebooks = state.notebooks else { return [] }
        return (try? await state.pool.run { store in notebooks.finishAll(store: store) }) ?? []
    }

    static func address(_ host: String, port: UInt16) throws -> any SocketAddress {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if ["0.0.0.0", "::", "*", ""].contains(bare) {
            throw EvalDBError.usage(
                "listen on one address that browsers will use (such as 127.0.0.1), not on every address: requests must name the server's own address")
        }
        if bare == "localhost" { return try sockaddr_in.inet(ip4: "127.0.0.1", port: port) }
        if let v4 = try? sockaddr_in.inet(ip4: bare, port: port) { return v4 }
        if let v6 = try? sockaddr_in6.inet6(ip6: bare, port: port) { return v6 }
        throw EvalDBError.usage("the host to listen on must be an IP address (such as 127.0.0.1 or ::1), found \(JSONText.string(host))")
    }

    static func urlHost(_ host: String) -> String {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" { return "127.0.0.1" }
        return bare.contains(":") ? "[\(bare)]" : bare
    }
}

/// The server's task and how it failed, if it did.
private final class RunningTask: @unchecked Sendable {  // its state behind `lock`
    private let lock = NSLock()
    private var _task: Task<Void, Never>?
    private var _failure: Error?
    var task: Task<Void, Never>? {
        get { lock.withLock { _task } }
        set { lock.withLock { _task = newValue } }
    }
    var failure: Error? {
        get { lock.withLock { _failure } }
        set { lock.withLock { _failure = newValue } }
    }
}

/// FlyingFox's handler: every request goes to the server's state.
private struct ServerHandler: HTTPHandler {
    let state: ServerState
    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        await state.handle(request)
    }
}
