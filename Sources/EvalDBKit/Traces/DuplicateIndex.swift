/// Why a trace was not sampled, or not proposed.
public enum SkipReason: String, Sendable, CaseIterable {
    /// Its input equals an example's (current or removed), byte for byte as canonical JSON.
    case sameInput = "same input as an example"
    /// ... after white space and case folding.
    case sameInputFolded = "same input as an example after white space and case folding"
    /// Its input equals (or folds to) a rejected proposal's.
    case rejectedInput = "same input as a rejected proposal"
    /// Its input equals (or folds to) a proposal's that is queued or was accepted.
    case proposedInput = "same input as a queued or accepted proposal"
    /// Another trace of its session has a smaller hash (at most so many a session).
    case session = "a trace of the same session has a smaller hash"
    /// Chosen, but its example or proposal exists already (sampled before).
    case sampledBefore = "sampled before"
}

/// The inputs a trace must not repeat: every example's (its latest input, removed ones too) and
/// every proposed example's, each exactly and folded (`FoldedInput`). Lookups hash the folded
/// bytes once; the bytes themselves are compared on a hit, so there are no false matches.
public struct DuplicateIndex: Sendable {
    enum Owner: Sendable {
        case example(id: String, removed: Bool)
        case proposal(number: Int64, exampleId: String, status: String, reason: String?)

        var exampleId: String {
            switch self {
            case .example(let id, _): id
            case .proposal(_, let id, _, _): id
            }
        }

        var description: String {
            switch self {
            case .example(let id, let removed): "\(removed ? "removed example" : "example") \(id)"
            case .proposal(let number, _, let status, let reason):
                "proposal #\(number) (\(status)\(reason.map { ": \($0)" } ?? ""))"
            }
        }
    }

    struct Entry: Sendable {
        var folded: [UInt8]
        var exact: [UInt8]
        var owner: Owner
    }

    private var buckets: [Int: [Entry]] = [:]
    /// The inputs' `InputFolder.prefixKey`s: a trace whose key is not here is no duplicate.
    private var prefixes: Set<Int> = []
    public private(set) var count = 0

    public static let empty = DuplicateIndex()

    var isEmpty: Bool { count == 0 }

    /// Adds an input (canonical JSON) and whose it is.
    mutating func add(input canonical: String, owner: Owner, folder: InputFolder = InputFolder()) {
        guard let tape = try? JSONParser.parse(canonical) else { return }
        prefixes.insert(folder.prefixKey(tape, 0))
        folder.fold(tape, 0)
        buckets[folder.hash, default: []].append(Entry(folded: Array(folder.bytes), exact: Array(canonical.utf8), owner: owner))
        count += 1
    }

    /// The first input that folds as the trace's input (at node `input` of `tape`, folded by
    /// `folder`) and is not its own example's or proposal's: why the trace is a duplicate, and of
    /// what. The trace's exact input and own id are made only on a hit.
    func match(_ folder: InputFolder, _ tape: JSONTape, input: Int, traceId: Int) -> (reason: SkipReason, match: String)? {
        guard prefixes.contains(folder.prefixKey(tape, input)) else { return nil }
        folder.fold(tape, input)
        guard let bucket = buckets[folder.hash] else { return nil }
        var exactInput: [UInt8]?
        var own: String?
        for entry in bucket where entry.folded.elementsEqual(folder.bytes) {
            own = own ?? Trace.exampleId(forTrace: tape.string(traceId))
            if entry.owner.exampleId.utf8.elementsEqual(own!.utf8) { continue }
            if exactInput == nil {
                exactInput = []
                CanonicalJSON.write(tape, input, to: &exactInput!)
            }
            switch entry.owner {
            case .example:
                return (entry.exact == exactInput! ? .sameInput : .sameInputFolded, entry.owner.description)
            case .proposal(_, _, let status, _):
                return (status == "rejected" ? .rejectedInput : .proposedInput, entry.owner.description)
            }
        }
        return nil
    }
}

extension Store {
    /// The inputs sampled traces must not repeat: each example's latest input (removed examples
    /// too) and each proposed candidate example's input, with its proposal's status.
    public func duplicateIndex() throws -> DuplicateIndex {
        var index = DuplicateIndex()
        let folder = InputFolder()
        let examples = try database.prepare(
            """
            SELECT e.id, r.record -> '$.input', e.head != r.rev
            FROM stored_examples e JOIN stored_revisions r ON r.rev = (
                SELECT max(rev) FROM stored_revisions WHERE example = e.key AND record IS NOT NULL)
            """)
        while try examples.step() {
            guard let input = examples.optionalText(1), let canonical = try? CanonicalJSON.canonicalize(input) else { continue }
            index.add(input: canonical, owner: .example(id: examples.text(0), removed: examples.int(2) != 0), folder: folder)
        }
        let proposals = try database.prepare(
            "SELECT id, example_id, content -> '$.input', status, reason FROM proposals WHERE kind = 'example' ORDER BY id")
        while try proposals.step() {
            guard let input = proposals.optionalText(2), let canonical = try? CanonicalJSON.canonicalize(input) else { continue }
            index.add(
                input: canonical,
                owner: .proposal(
                    number: proposals.int(0), exampleId: proposals.text(1), status: proposals.text(3), reason: proposals.optionalText(4)),
                folder: folder)
        }
        return index
    }
}
