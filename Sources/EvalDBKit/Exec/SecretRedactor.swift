import Foundation

/// Keeps the environment's secrets out of what `run exec` records: a command inherits the
/// environment (its API keys) and may print a key in an error; the value of every variable whose
/// name says it is a secret (KEY, TOKEN, SECRET, PASSWORD, PASSWD, CREDENTIAL, AUTH, COOKIE,
/// SESSION) and is 8 characters or longer is replaced by `[redacted NAME]` in outputs, standard
/// error tails and a judge's rationale before they are recorded.
struct SecretRedactor: Sendable {
    private let secrets: [(name: String, value: [UInt8])]

    static let markers = ["KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "COOKIE", "SESSION"]

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        secrets = environment.compactMap { name, value in
            let upper = name.uppercased()
            guard value.utf8.count >= 8, Self.markers.contains(where: { upper.contains($0) }) else { return nil }
            return (name, Array(value.utf8))
        }.sorted { $0.value.count > $1.value.count }  // a longer secret first, should one hold another
    }

    var isEmpty: Bool { secrets.isEmpty }

    /// `bytes` with every secret replaced.
    func redacted(_ bytes: [UInt8]) -> [UInt8] {
        guard !secrets.isEmpty else { return bytes }
        var result = bytes
        for secret in secrets where Grader.bytes(result, contain: secret.value) {
            let replacement = Array("[redacted \(secret.name)]".utf8)
            var out: [UInt8] = []
            out.reserveCapacity(result.count)
            var i = 0
            while i < result.count {
                if result[i] == secret.value[0], i + secret.value.count <= result.count,
                    result[i..<(i + secret.value.count)].elementsEqual(secret.value)
                {
                    out += replacement
                    i += secret.value.count
                } else {
                    out.append(result[i])
                    i += 1
                }
            }
            result = out
        }
        return result
    }
}
