import FlyingFox
import Foundation

/// What every request passes before a page sees it: the Host it was sent to is this server's
/// (a page of another site cannot reach it through DNS rebinding), its Origin, when it has one,
/// is this server's, and it carries the token printed in the URL — as `?token=` once, which
/// sets a cookie (HttpOnly, SameSite=Strict) and redirects to the same page without it, then as
/// that cookie. A POST also carries the CSRF token of the page its form came from.
struct Gate: Sendable {
    let token: String
    let csrf: String
    let port: UInt16
    /// `host:port` values a request may name (lower case).
    let hosts: Set<String>
    var cookieName: String { "evaldb_token_\(port)" }
    var reviewerCookieName: String { "evaldb_reviewer_\(port)" }

    init(token: String, csrf: String, host: String, port: UInt16) {
        self.token = token
        self.csrf = csrf
        self.port = port
        var names: Set<String> = []
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        names.insert("\(bracketed.lowercased()):\(port)")
        if ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased()) {
            names.formUnion(["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"])
        }
        hosts = names
    }

    enum Verdict: Sendable {
        case pass
        /// The token came in the URL: set the cookie and go to `location` without it.
        case admit(location: String)
        case refuse(HTTPStatusCode, String)
    }

    func check(_ request: HTTPRequest) -> Verdict {
        guard let host = request.headers[.host]?.lowercased(), hosts.contains(host) else {
            return .refuse(
                .forbidden,
                "This server answers only requests addressed to it (the Host header must be one of \(hosts.sorted().joined(separator: ", "))).")
        }
        if let origin = request.headers[HTTPHeader("Origin")], !isOwn(origin: origin) {
            return .refuse(.forbidden, "Requests from another site's pages are refused.")
        }
        if let site = request.headers[HTTPHeader("Sec-Fetch-Site")]?.lowercased(), !["same-origin", "none"].contains(site),
            request.method != .GET || request.headers[HTTPHeader("Sec-Fetch-Mode")]?.lowercased() != "navigate"
        {
            return .refuse(.forbidden, "Requests from another site's pages are refused.")
        }
        let query = FormData(encoded: request.target.query())
        if let given = query["token"] {
            guard Self.same(given, token) else {
                return .refuse(.forbidden, "The token in the address is not this server's: open the address `evaldb serve` printed.")
            }
            let rest = query.items.filter { $0.name != "token" }.map { ($0.name, $0.value) }
            return .admit(location: Link(request.path.isEmpty ? "/" : request.path, rest).href)
        }
        guard let cookie = cookies(request)[cookieName], Self.same(cookie, token) else {
            return .refuse(.forbidden, "Open the address `evaldb serve` printed (it carries this server's token).")
        }
        return .pass
    }

    /// A POST's form carries this server's CSRF token, and a browser's POST its own origin.
    func checkPost(_ request: HTTPRequest, form: FormData) -> String? {
        guard let given = form["csrf"], Self.same(given, csrf) else {
            return "This form is stale or did not come from this server's page (its CSRF token does not match): reload the page."
        }
        if request.headers[HTTPHeader("Origin")] == nil, let referer = request.headers[HTTPHeader("Referer")], !isOwn(origin: referer, prefix: true) {
            return "Requests from another site's pages are refused."
        }
        return nil
    }

    private func isOwn(origin: String, prefix: Bool = false) -> Bool {
        let lower = origin.lowercased()
        return hosts.contains { host in
            prefix ? lower == "http://\(host)" || lower.hasPrefix("http://\(host)/") : lower == "http://\(host)"
        }
    }

    func cookies(_ request: HTTPRequest) -> [String: String] {
        var result: [String: String] = [:]
        for value in request.headers.values(for: .cookie) {
            for pair in value.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingCharacters(in: .whitespaces)
                if result[name] == nil { result[name] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return result
    }

    var tokenCookie: String { "\(cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict" }

    func reviewerCookie(_ name: String) -> String {
        "\(reviewerCookieName)=\(Link.encode(name)); Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000"
    }

    /// The reviewer named by the request's cookie, if any.
    func reviewer(_ request: HTTPRequest) -> String? {
        guard let value = cookies(request)[reviewerCookieName] else { return nil }
        let name = FormData.decode(Substring(value))
        return name.isEmpty ? nil : name
    }

    /// Compares in time that does not depend on where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// 32 random bytes as hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
