import FlyingFox

/// The page's script and stylesheet, compiled into the binary (`Assets/`): a copied `evaldb`
/// serves them with no other file. `/favicon.ico` answers 204 (no icon).
enum Assets {
    static func response(for path: String) -> HTTPResponse? {
        switch path {
        case "/assets/keys.js": Reply.asset(PackageResources.keys_js, contentType: "text/javascript; charset=utf-8")
        case "/assets/serve.css": Reply.asset(PackageResources.serve_css, contentType: "text/css; charset=utf-8")
        // Every browser asks for it: no icon, and no 404 in its console on every visit.
        case "/favicon.ico": HTTPResponse(statusCode: .noContent)
        default: nil
        }
    }
}
