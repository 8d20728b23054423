/// What `evaldb serve`'s review server (EvalDBServe's `ReviewServer`) is told: the database, the
/// address to listen on, the default reviewer, the system its pages may run.
public struct ServeOptions: Sendable {
    public var databasePath: String
    /// The git work tree: the team log (`evals/log/`) that read marks, categories and decisions
    /// are written to, as terminal `review` writes them.
    public var repository: Repository?
    /// An IP address; 127.0.0.1 unless told otherwise.
    public var host: String
    /// 0: any free port.
    public var port: UInt16
    /// Who reviews when the page has not been told another name.
    public var reviewer: String
    /// The token the URL carries (random when nil).
    public var token: String?
    /// Database connections shared by the requests.
    public var connections: Int
    /// The system each example page can run its example through (`serve --exec`), on a request
    /// that passes the token and CSRF checks.
    public var system: ExecOptions?

    public init(
        databasePath: String, repository: Repository? = nil, host: String = "127.0.0.1", port: UInt16 = 0, reviewer: String,
        token: String? = nil, connections: Int = 4
    ) {
        self.databasePath = databasePath
        self.repository = repository
        self.host = host
        self.port = port
        self.reviewer = reviewer
        self.token = token
        self.connections = connections
    }
}
