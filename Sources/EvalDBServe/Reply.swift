import FlyingFox
import Foundation

/// The responses the server sends, each with the headers that keep a page to itself: a
/// Content-Security-Policy that allows only this server's own script, style and forms (no inline
/// script, no frames), no MIME sniffing, no referrer, no caching of pages that hold user data.
enum Reply {
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    static func headers(contentType: String?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let contentType { headers[.contentType] = contentType }
        headers[HTTPHeader("Content-Security-Policy")] = contentSecurityPolicy
        headers[HTTPHeader("X-Content-Type-Options")] = "nosniff"
        headers[HTTPHeader("Referrer-Policy")] = "same-origin"
        headers[HTTPHeader("X-Frame-Options")] = "DENY"
        headers[HTTPHeader("Cross-Origin-Opener-Policy")] = "same-origin"
        headers[HTTPHeader("Cross-Origin-Resource-Policy")] = "same-origin"
        headers[.cacheControl] = "no-store"
        return headers
    }

    static func page(_ html: HTML, status: HTTPStatusCode = .ok, cookies: [String] = []) -> HTTPResponse {
        var headers = headers(contentType: "text/html; charset=utf-8")
        for cookie in cookies { headers.addValue(cookie, for: .setCookie) }
        return HTTPResponse(statusCode: status, headers: headers, body: Data(html.text.utf8))
    }

    /// 303 See Other: after a POST, the page to show (so that reloading it posts nothing again).
    static func redirect(_ location: String, cookies: [String] = []) -> HTTPResponse {
        var headers = headers(contentType: "text/plain; charset=utf-8")
        headers[.location] = location
        for cookie in cookies { headers.addValue(cookie, for: .setCookie) }
        return HTTPResponse(statusCode: .seeOther, headers: headers, body: Data("see \(location)\n".utf8))
    }

    /// A refusal, as a small page that says why (its text escaped like everything else).
    static func refusal(_ status: HTTPStatusCode, _ message: String) -> HTTPResponse {
        page(
            """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>evaldb: \(String(status.code))</title></head>
            <body><h1>\(String(status.code)) \(status.phrase)</h1><p class="error">\(message)</p></body></html>
            """, status: status)
    }

    static func asset(_ bytes: [UInt8], contentType: String) -> HTTPResponse {
        var headers = headers(contentType: contentType)
        headers[.cacheControl] = "no-cache"
        return HTTPResponse(statusCode: .ok, headers: headers, body: Data(bytes))
    }
}
