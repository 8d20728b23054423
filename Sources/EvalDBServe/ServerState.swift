import EvalDBKit
import FlyingFox
import Foundation

/// What the server keeps between requests: its connections, the reviewers' open sessions, the
/// gate (token, CSRF token, own addresses) and the queues already listed.
final class ServerState: @unchecked Sendable {  // `_gate` behind `lock`; the rest immutable after init
    let options: ServeOptions
    let pool: StorePool
    let sessions = ReviewerSessions()
    let lists = ListCache()
    let memo = GenerationCache()
    let rows = RowCache()
    let passes = Passes()
    /// The system example pages run (nil: serve was started without one).
    let system: CachedSystem?
    /// Each reviewer's notebook on it: the outputs shown to them and their verdicts.
    let notebooks: ReviewerNotebooks?
    private let lock = NSLock()
    private var _gate: Gate?

    /// The largest form a POST may send (an expected output is edited in one).
    static let maximumBody = 8 << 20

    init(options: ServeOptions, system: CachedSystem? = nil) {
        self.options = options
        self.system = system
        notebooks = system.map(ReviewerNotebooks.init)
        pool = StorePool(path: options.databasePath, repository: options.repository, limit: options.connections)
    }

    var gate: Gate? { lock.withLock { _gate } }
    func setGate(_ gate: Gate) { lock.withLock { _gate = gate } }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard let gate else { return Reply.refusal(.serviceUnavailable, "The server is starting.") }
        switch gate.check(request) {
        case .refuse(let status, let message): return Reply.refusal(status, message)
        case .admit(let location): return Reply.redirect(location, cookies: [gate.tokenCookie])
        case .pass: break
        }
        let reviewer = gate.reviewer(request) ?? options.reviewer
        let path = request.path
        switch request.method {
        case .GET, .HEAD:
            if let asset = Assets.response(for: path) { return asset }
            guard let page = Route.pages[path] else { return Reply.refusal(.notFound, "There is no page at this address.") }
            let context = Context(state: self, gate: gate, reviewer: reviewer, form: FormData(encoded: request.target.query()))
            return await run(context, cached: true) { try page($0, $1) }
        case .POST:
            guard let action = Route.actions[path] else { return Reply.refusal(.notFound, "There is no action at this address.") }
            let type = request.headers[.contentType]?.lowercased() ?? ""
            guard type.hasPrefix("application/x-www-form-urlencoded") else {
                return Reply.refusal(.unsupportedMediaType, "A change is posted as a form (application/x-www-form-urlencoded).")
            }
            if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maximumBody {
                return Reply.refusal(.payloadTooLarge, "A form of more than \(Self.maximumBody >> 20) MiB is refused.")
            }
            let body: Data
            do {
                body = try await request.bodyData
            } catch {
                return Reply.refusal(.badRequest, "The form could not be read.")
            }
            guard body.count <= Self.maximumBody else { return Reply.refusal(.payloadTooLarge, "The form is too large.") }
            let form = FormData(encoded: String(decoding: body, as: UTF8.self))
            if let refusal = gate.checkPost(request, form: form) { return Reply.refusal(.forbidden, refusal) }
            let context = Context(state: self, gate: gate, reviewer: reviewer, form: form)
            return await run(context) { try action($0, $1) }
        default:
            return Reply.refusal(.methodNotAllowed, "Pages are read with GET and changed with POST.")
        }
    }

    /// Runs a page or an action on a worker thread with a connection; errors become pages that
    /// say what went wrong. A page (`cached`) may use what was read at the database's current
    /// generation; an action reads afresh what it shows after its change.
    private func run(
        _ context: Context, cached: Bool = false, _ body: @escaping @Sendable (Context, Store) throws -> HTTPResponse
    ) async -> HTTPResponse {
        let pool = self.pool
        do {
            return try await pool.run { store in
                var context = context
                if cached { context.generation = pool.generation }
                do {
                    return try body(context, store)
                } catch let error as EvalDBError {
                    return Reply.page(Layout.errorPage(context, store: store, message: error.description), status: .unprocessableContent)
                } catch let error as PageError {
                    return Reply.page(Layout.errorPage(context, store: store, message: error.message), status: error.status)
                }
            }
        } catch {
            return Reply.refusal(.internalServerError, "evaldb: \(error)")
        }
    }
}

/// A page's or an action's view of its request.
struct Context: Sendable {
    let state: ServerState
    let gate: Gate
    let reviewer: String
    /// The query (a page) or the posted form (an action).
    let form: FormData
    /// The database's generation as the page started (nil for an action, which changes it).
    var generation: UInt64?

    var spec: QueueSpec { QueueSpec(form) }
}

/// A request that cannot be answered as asked, with the status that says so.
struct PageError: Error {
    var status: HTTPStatusCode
    var message: String

    static func notFound(_ message: String) -> PageError { PageError(status: .notFound, message: message) }
    static func bad(_ message: String) -> PageError { PageError(status: .badRequest, message: message) }
}

/// The lists of the queues shown: a queue of a million examples is listed once a version, not
/// on every page. After an import, a page is served from the list of the version before while
/// the new list is made in the background (once), so that pages stay quick while versions land.
final class ListCache: @unchecked Sendable {  // its state behind `lock`
    private let lock = NSLock()
    private var lists: [String: ReviewList] = [:]
    private var making: Set<String> = []
    private var categories: [Int64: (stamp: Int64, categories: [(category: String, count: Int)])] = [:]

    /// The list of `key` for `version`: the cached one, else (with `stale`) the cached one of an
    /// older version while `later` makes the new one on another thread, else made `now`.
    func list(
        _ key: String, version: Int, stale: Bool, now: () throws -> ReviewList, later: @escaping @Sendable () throws -> ReviewList
    ) throws -> ReviewList {
        let cached = lock.withLock { lists[key] }
        if let cached, cached.version == version { return cached }
        if stale, let cached {
            let start = lock.withLock { making.insert(key).inserted }
            if start {
                DispatchQueue.global(qos: .utility).async {
                    if let made = try? later() { self.keep(key, made) }
                    self.lock.withLock { _ = self.making.remove(key) }
                }
            }
            return cached
        }
        let made = try now()
        keep(key, made)
        return made
    }

    private func keep(_ key: String, _ list: ReviewList) {
        lock.withLock {
            if lists[key].map({ $0.version > list.version }) == true { return }
            if lists.count >= 64 { lists.removeAll() }
            lists[key] = list
        }
    }

    func categories(run: Int64, stamp: Int64, make: () throws -> [(category: String, count: Int)]) rethrows -> [(category: String, count: Int)] {
        if let cached = lock.withLock({ categories[run] }), cached.stamp == stamp { return cached.categories }
        let made = try make()
        lock.withLock { categories[run] = (stamp, made) }
        return made
    }
}
