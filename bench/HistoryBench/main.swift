// Times evaldb's per-example history queries in process (no process start-up counted):
//
//   swift run -c release evaldb-history-bench DB [COUNT]
//
// For COUNT (default 1000) random ids of the database: `log` (every revision of the id),
// `show` (its state at the current version) and `blame` (each field's origin), as the CLI runs
// them. Prints the median and 99th percentile of each in milliseconds, as JSON.
import EvalDBKit
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write("usage: evaldb-history-bench DB [COUNT]\n".data(using: .utf8)!)
    exit(2)
}
let store = try Store(path: arguments[1])
let count = arguments.count > 2 ? Int(arguments[2]) ?? 1000 : 1000
guard let current = try store.currentVersion() else { fatalError("the database has no version") }
let maxKey = try store.database.scalarInt("SELECT max(key) FROM stored_examples") ?? 0
let idOf = try store.database.prepare("SELECT id FROM stored_examples WHERE key = ?")
var ids: [String] = []
var generator = SystemRandomNumberGenerator()
while ids.count < count {
    try idOf.bind([.int(Int64.random(in: 1...maxKey, using: &generator))])
    if try idOf.step() { ids.append(idOf.text(0)) }
    idOf.reset()
}

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

var times: [String: [Double]] = ["log": [], "show": [], "blame": []]
for id in ids {
    times["log"]!.append(
        try milliseconds {
            let history = try store.revisions(of: id)
            var previous: RecordFields?
            for revision in history {
                let fields = revision.record.map(RecordFields.init(record:))
                _ = FieldChange.between(previous, fields)
                if let fields { previous = fields }
            }
        })
    times["show"]!.append(try milliseconds { _ = try store.state(of: id, at: current) })
    times["blame"]!.append(try milliseconds { _ = try store.blame(id, at: current) })
}
var report: [String: [String: Double]] = [:]
for (name, values) in times {
    let sorted = values.sorted()
    report[name] = ["median_ms": sorted[sorted.count / 2], "p99_ms": sorted[sorted.count * 99 / 100]]
}
let json = try JSONSerialization.data(
    withJSONObject: [
        "ids": count, "versions": current.number, "examples": current.exampleCount,
        "queries": report,
    ], options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
