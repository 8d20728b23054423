import EvalDBKit

/// `versions --graph`: the versions newest first, each on a line of lanes as `git log --graph`
/// draws commits — `*` the version, `|` a line of descent passing by, `|\` a merge's second
/// parent branching off, `|/` two lines joining at a common parent.
enum VersionGraphText {
    /// The lines for `versions` (oldest first, parents before children, as `Store.versions()`
    /// gives them), each version's line ending with `describe`'s text.
    static func lines(_ versions: [DatasetVersion], describe: (DatasetVersion) -> String) -> [String] {
        var lanes: [String] = []  // the hash each lane waits for
        var lines: [String] = []
        let known = Set(versions.map(\.hash))
        for version in versions.reversed() {
            let column =
                lanes.firstIndex(of: version.hash)
                ?? {
                    lanes.append(version.hash)
                    return lanes.count - 1
                }()
            lines.append(row(lanes.count, mark: column) + "  " + describe(version))
            let parents = version.parents.filter(known.contains)
            if parents.isEmpty {
                lanes.remove(at: column)
                continue
            }
            lanes[column] = parents[0]
            for parent in parents.dropFirst() where !lanes.contains(parent) {
                lanes.insert(parent, at: column + 1)
                lines.append(row(lanes.count, branchingAt: column + 1))
            }
            // Two lanes waiting for one version join into the first of them.
            var lane = lanes.count - 1
            while lane > 0 {
                if lanes[..<lane].contains(lanes[lane]) {
                    lines.append(row(lanes.count, joiningAt: lane))
                    lanes.remove(at: lane)
                }
                lane -= 1
            }
        }
        return lines
    }

    private static func row(_ count: Int, mark: Int) -> String {
        (0..<count).map { $0 == mark ? "*" : "|" }.joined(separator: " ")
    }

    /// Lane `lane` ends, joining the lane before it.
    private static func row(_ count: Int, joiningAt lane: Int) -> String {
        (0..<count).map { $0 < lane ? "|" : $0 == lane ? "/" : " /" }.joined(separator: " ").replacingOccurrences(of: "| /", with: "|/")
    }

    /// A new lane at `lane` branches off the one before it.
    private static func row(_ count: Int, branchingAt lane: Int) -> String {
        (0..<count).map { $0 < lane ? "|" : $0 == lane ? "\\" : "\\" }.joined(separator: " ").replacingOccurrences(of: "| \\", with: "|\\")
    }
}
