import Foundation

/// Now, as ISO 8601 UTC to the second (`2026-11-26T09:30:00Z`).
func isoNow() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date())
}
