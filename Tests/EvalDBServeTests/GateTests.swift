import EvalDBKit
import Foundation
import Testing

@testable import EvalDBServe

@Suite("serve lets in only its own browser: token, Host, Origin, CSRF")
struct GateTests {
    @Test("a request without the token is refused; the token in the address sets an HttpOnly SameSite=Strict cookie and leaves the address")
    func tokenThenCookie() async throws {
        let served = try ServedDataset()
        try await served.start()
        let host = [("Host", "127.0.0.1:\(served.port)")]
        #expect(try await served.get("/", headers: host).status == 403)
        #expect(try await served.get("/?token=not-the-token", headers: host).status == 403)
        #expect(try await served.get("/", headers: host + [("Cookie", "evaldb_token_\(served.port)=not-the-token")]).status == 403)
        #expect(try await served.get("/assets/keys.js", headers: host).status == 403, "assets too")

        let admitted = try await served.get("/queue?token=\(served.token)&unread=1", headers: host)
        #expect(admitted.status == 303)
        #expect(admitted.header("Location") == "/queue?unread=1", "the token leaves the address")
        let cookie = try #require(admitted.header("Set-Cookie"))
        #expect(cookie.hasPrefix("evaldb_token_\(served.port)=\(served.token);"))
        #expect(cookie.contains("HttpOnly"))
        #expect(cookie.contains("SameSite=Strict"))

        let page = try await served.get("/queue?unread=1")
        #expect(page.status == 200)
        _ = await served.stop()
    }

    @Test("every page says Content-Security-Policy default-src 'self' and carries no inline script or style")
    func contentSecurityPolicy() async throws {
        let served = try ServedDataset()
        try await served.start()
        for target in ["/", "/queue", "/example?id=conv-001&run=candidate", "/proposals", "/proposal?n=1", "/categories?run=candidate"] {
            let page = try await served.get(target)
            #expect(page.status == 200, "\(target): \(page.body.prefix(300))")
            let policy = try #require(page.header("Content-Security-Policy"))
            #expect(policy.contains("default-src 'self'"))
            #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
            #expect(page.header("X-Content-Type-Options") == "nosniff")
            #expect(page.header("X-Frame-Options") == "DENY")
            // The only script is the server's own file; no element carries an event handler or a style.
            let scripts = page.body.components(separatedBy: "<script").count - 1
            #expect(scripts == 1 && page.body.contains("<script src=\"/assets/keys.js\" defer></script>"), "\(target)")
            #expect(page.body.firstMatch(of: #/<[^>]*\son[a-z]+\s*=/#) == nil, "\(target): an inline event handler")
            #expect(!page.body.contains(" style="), "\(target)")
        }
        _ = await served.stop()
    }

    @Test("a request addressed to another host, or sent from another site's page, is refused (DNS rebinding)")
    func hostAndOrigin() async throws {
        let served = try ServedDataset()
        try await served.start()
        let cookie = ("Cookie", "evaldb_token_\(served.port)=\(served.token)")
        #expect(try await served.get("/", headers: [("Host", "evil.example:\(served.port)"), cookie]).status == 403)
        #expect(try await served.get("/", headers: [("Host", "127.0.0.1:1"), cookie]).status == 403)
        #expect(try await served.get("/", headers: [cookie]).status == 403, "no Host at all")
        #expect(try await served.get("/", headers: [("Host", "localhost:\(served.port)"), cookie]).status == 200, "localhost is this server too")
        #expect(try await served.get("/", headers: served.browserHeaders() + [("Origin", "http://evil.example")]).status == 403)

        let foreign = try await served.post(
            "/read", [("id", "conv-001")], headers: served.browserHeaders() + [("Origin", "http://evil.example")])
        #expect(foreign.status == 403)
        let crossSite = try await served.post(
            "/read", [("id", "conv-001")], headers: served.browserHeaders() + [("Sec-Fetch-Site", "cross-site"), ("Sec-Fetch-Mode", "cors")])
        #expect(crossSite.status == 403)
        #expect(try served.store.readProgress().isEmpty, "nothing was marked read")
        _ = await served.stop()
    }

    @Test("a change needs a POST with the page's CSRF token: without it, or with another, nothing changes")
    func csrf() async throws {
        let served = try ServedDataset()
        try await served.start()
        let missing = try await HTTP.send(
            port: served.port, "POST", "/read",
            headers: served.browserHeaders() + [("Content-Type", "application/x-www-form-urlencoded")], body: "id=conv-001")
        #expect(missing.status == 403)
        #expect(try await served.post("/read", [("id", "conv-001")], csrf: "0123").status == 403)
        #expect(try await served.post("/edit", [("id", "conv-001"), ("field", "note"), ("value", "x")], csrf: "").status == 403)
        #expect(try await served.get("/read?id=conv-001").status == 404, "a GET changes nothing")
        let json = try await HTTP.send(
            port: served.port, "POST", "/read",
            headers: served.browserHeaders() + [("Content-Type", "application/json")], body: #"{"id": "conv-001"}"#)
        #expect(json.status == 415)
        #expect(try await HTTP.send(port: served.port, "PUT", "/read", headers: served.browserHeaders(), body: "").status == 405)
        #expect(try served.store.readProgress().isEmpty)
        #expect(!(try served.logEvents().contains { $0["event"] as? String == "read" }))
        // The page's own token works.
        let page = try await served.get("/example?id=conv-001")
        #expect(try await served.post("/read", [("id", "conv-001")], csrf: page.csrf).status == 303)
        #expect(try served.store.readProgress().first?.read == 1)
        _ = await served.stop()
    }

    @Test("listening on every address is refused; 127.0.0.1 is the default")
    func addresses() throws {
        #expect(throws: EvalDBError.self) { try ReviewServer.address("0.0.0.0", port: 0) }
        #expect(throws: EvalDBError.self) { try ReviewServer.address("example.com", port: 0) }
        #expect(ServeOptions(databasePath: "x", reviewer: "r").host == "127.0.0.1")
        let gate = Gate(token: "t", csrf: "c", host: "127.0.0.1", port: 9)
        #expect(gate.hosts == ["127.0.0.1:9", "localhost:9", "[::1]:9"])
    }
}
