/// The traces of one stratum with the smallest digests: bottom-k, or every trace below a rate.
///
/// Bottom-k keeps a max-heap of the kept digests: a trace whose digest is not below the largest
/// kept one is turned away with one comparison, so memory is bounded by `k` and the choice does not
/// depend on the order the traces come in. With a rate instead of `k`, nothing is evicted: every
/// trace whose digest, read as a fraction, is below the rate is kept.
///
/// At most `perSession` entries share a session: a trace of a session that has that many is kept
/// only by displacing the session's largest. The entries are then exactly the k smallest of the
/// traces that are among their session's `perSession` smallest — whatever the order (docs/traces.md
/// has the argument). A trace id seen twice has one digest: the payload `prefers` picks wins, so
/// that the choice does not depend on which came first.
struct BottomK<Payload> {
    struct Entry {
        var digest: SampleDigest
        var session: ExactString?
        var payload: Payload
    }

    let k: Int
    let perSession: Int
    /// Only digests whose fraction is below this enter (with a rate).
    let rate: Double?
    private var entries: [SampleDigest: Entry] = [:]
    /// Max-heap of the kept digests (bottom-k only); a displaced digest stays in it, dead, until it
    /// reaches the top. The top is always a kept digest.
    private var heap: [SampleDigest] = []
    private var sessions: [ExactString: [SampleDigest]] = [:]
    /// Traces the session rule kept out while they were below the threshold: their digests, and
    /// what `setAside` keeps of them (not the payload: with a rate there may be many).
    private var keptOut: [(digest: SampleDigest, note: SkippedTrace)] = []
    private let setAside: (Payload) -> SkippedTrace

    init(size: SampleSize, perSession: Int, setAside: @escaping (Payload) -> SkippedTrace) {
        self.setAside = setAside
        switch size {
        case .count(let k):
            self.k = k
            rate = nil
        case .rate(let rate):
            k = Int.max
            self.rate = rate
        }
        self.perSession = perSession
    }

    var count: Int { entries.count }

    /// The largest kept digest once `k` are kept (bottom-k only): no trace above it can enter, now or
    /// later, since it only falls.
    var threshold: SampleDigest? { rate == nil && k > 0 && entries.count >= k ? heap[0] : nil }

    /// Whether a trace with this digest could be kept: below the largest kept digest (or equal: the
    /// same trace id again), or below the rate.
    @inline(__always)
    func admits(_ digest: SampleDigest) -> Bool {
        if let rate { return digest.fraction < rate }
        return entries.count < k || (k > 0 && digest <= heap[0])
    }

    /// Offers a trace; `payload` is made only when the trace is kept.
    mutating func offer(
        _ digest: SampleDigest, session: ExactString?, payload: () throws -> Payload, prefers: (Payload, Payload) -> Bool
    ) rethrows {
        guard admits(digest) else { return }
        if let kept = entries[digest] {
            let candidate = try payload()
            if kept.session == session && prefers(candidate, kept.payload) { entries[digest]!.payload = candidate }
            return
        }
        if let session, let siblings = sessions[session], siblings.count >= perSession {
            // The session is full: the trace displaces the session's largest entry, or stays out.
            let largest = siblings.max()!
            guard digest < largest else {
                keptOut.append((digest, setAside(try payload())))
                return
            }
            keptOut.append((largest, setAside(entries[largest]!.payload)))
            entries[largest] = nil
            sessions[session] = siblings.filter { $0 != largest } + [digest]
            entries[digest] = Entry(digest: digest, session: session, payload: try payload())
            if rate == nil {
                push(digest)
                dropDeadTop()
            }
            pruneKeptOut()
            return
        }
        entries[digest] = Entry(digest: digest, session: session, payload: try payload())
        if let session { sessions[session, default: []].append(digest) }
        guard rate == nil else { return }
        push(digest)
        if entries.count > k {
            let largest = heap[0]
            let evicted = entries.removeValue(forKey: largest)!
            if let session = evicted.session {
                let left = sessions[session, default: []].filter { $0 != largest }
                sessions[session] = left.isEmpty ? nil : left
            }
            popTop()
            dropDeadTop()
            pruneKeptOut()
        }
    }

    /// The kept entries, smallest digest first.
    var sorted: [Entry] { entries.values.sorted { $0.digest < $1.digest } }

    /// The traces the session rule kept out that would otherwise have been chosen: those kept out
    /// or displaced while below what is now the threshold, in the order they were set aside.
    var keptOutBySession: [SkippedTrace] {
        guard rate == nil, entries.count >= k, k > 0 else { return keptOut.map(\.note) }
        return keptOut.filter { $0.digest < heap[0] }.map(\.note)
    }

    // MARK: - The heap

    /// Keeps `keptOut` from growing past a few times `k`: digests above the threshold never count.
    private mutating func pruneKeptOut() {
        guard rate == nil, keptOut.count > 4 * max(k, 16), entries.count >= k, k > 0 else { return }
        let threshold = heap[0]
        keptOut.removeAll { !($0.digest < threshold) }
    }

    /// Pops displaced digests off the top; rebuilds the heap when they pile up.
    private mutating func dropDeadTop() {
        while let top = heap.first, entries[top] == nil { popTop() }
        if heap.count > 2 * entries.count + 64 {
            heap = Array(entries.keys)
            for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
        }
    }

    private mutating func push(_ digest: SampleDigest) {
        heap.append(digest)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[parent] < heap[child] else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var largest = parent
            if left < heap.count && heap[largest] < heap[left] { largest = left }
            if right < heap.count && heap[largest] < heap[right] { largest = right }
            if largest == parent { return }
            heap.swapAt(parent, largest)
            parent = largest
        }
    }
}
