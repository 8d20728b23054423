import FlyingFox

/// The page's script and stylesheet, compiled into the binary (`Assets/`): a copied `evaldb`
/// serves them with no other file.
enum Assets {
    static func response(for path: String) -> HTTPResponse? {
        switch path {
        case "/assets/keys.js": Reply.asset(PackageResources.keys_js, contentType: "text/javascript; charset=utf-8")
        case "/assets/serve.css": Reply.asset(PackageResources.serve_css, contentType: "text/css; charset=utf-8")
        default: nil
        }
    }
}
