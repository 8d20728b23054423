/// Answering slice, count-by and coverage from the slice index: postings intersected, values
/// counted per example key, records read only for the examples a slice prints.
extension SliceIndex {
    /// The live examples matching every condition on an indexed key, ascending.
    func matching(_ conditions: [SliceCondition]) -> Postings {
        var result: Postings?
        for condition in conditions where Self.isIndexed(condition.key) {
            let key = keys[ExactString(condition.key)] ?? KeyPostings()
            var matched: Postings = []
            switch condition.match {
            case .equals(let wanted):
                if let value = key.values.firstIndex(where: { $0.utf8.elementsEqual(wanted.utf8) }) { matched = key.postings[value] }
            case .prefix(let prefix):
                let values = key.values.indices.filter { key.values[$0].utf8.starts(with: prefix.utf8) }
                matched = values.count == 1 ? key.postings[values[0]] : Array(Set(values.flatMap { key.postings[$0] })).sorted()
            }
            result = result.map { intersection($0, matched) } ?? matched
        }
        return result ?? live
    }

    private func intersection(_ a: Postings, _ b: Postings) -> Postings {
        var result = Postings()
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] {
                i += 1
            } else if a[i] > b[j] {
                j += 1
            } else {
                result.append(a[i])
                i += 1
                j += 1
            }
        }
        return result
    }

    /// Each example's value numbers of one key, by example key: `code(of:)` gives the only one
    /// (-1: none; -2: several, in `several`).
    struct ValueCodes {
        private var first: CodeColumn
        var several: [UInt32: [Int32]] = [:]

        /// `codes`: how many numbers there are (each in `0..<codes`).
        init(size: Int, codes: Int) { first = CodeColumn(size: size, codes: codes) }

        /// Only the values `numbering` gives a number to count (numbered from 0, under `codes`).
        init(_ key: KeyPostings, size: Int, codes: Int, numbering: (Int) -> Int32?) {
            self.init(size: size, codes: codes)
            for (value, postings) in key.postings.enumerated() {
                guard let code = numbering(value) else { continue }
                for example in postings { add(code, to: example) }
            }
        }

        /// The numbers of the values `example` holds, into `codes` (none: empty).
        func codes(of example: UInt32, into codes: inout [Int32]) {
            codes.removeAll(keepingCapacity: true)
            switch first[Int(example)] {
            case -1: break
            case -2: codes += several[example]!
            case let code: codes.append(code)
            }
        }

        /// `example` holds the value numbered `code`.
        mutating func add(_ code: Int32, to example: UInt32) {
            let e = Int(example)
            switch first[e] {
            case -1: first[e] = code
            case -2: several[example]!.append(code)
            default:
                several[example] = [first[e], code]
                first[e] = -2
            }
        }
    }

    /// How many of `examples` hold each combination of values (codes; -1: none), most first.
    static func countCombinations<Examples: Sequence<UInt32>>(
        of examples: Examples, _ codes: [ValueCodes], radices: [Int]
    ) -> [(codes: [Int32], count: Int)] {
        var examples = examples.makeIterator()
        return countCombinations(next: { examples.next() }, keys: codes.count, radices: radices) { codes[$0].codes(of: $1, into: &$2) }
    }

    /// How many of the examples `next` gives (ascending, nil after the last) hold each
    /// combination of values, `codes` giving the value numbers key `k` holds for an example
    /// (none: left empty), most first. What either throws (a damaged row) is thrown.
    static func countCombinations(
        next: () throws -> UInt32?, keys: Int, radices: [Int],
        codes: (_ key: Int, _ example: UInt32, _ into: inout [Int32]) throws -> Void
    ) rethrows -> [(codes: [Int32], count: Int)] {
        // Combination number: mixed radix, digit = code + 1 (0: none).
        var total = 1
        var fits = true
        for radix in radices {
            let (product, overflow) = total.multipliedReportingOverflow(by: radix + 1)
            if overflow || product > 1 << 22 { fits = false; break }
            total = product
        }
        var flat = fits ? [Int](repeating: 0, count: total) : []
        var sparse: [[Int32]: Int] = [:]
        var digits = [Int32](repeating: -1, count: keys)
        var options = [[Int32]](repeating: [], count: keys)
        func count(_ combination: [Int32]) {
            if fits {
                var number = 0
                for (digit, radix) in zip(combination, radices) { number = number * (radix + 1) + Int(digit + 1) }
                flat[number] += 1
            } else {
                sparse[combination, default: 0] += 1
            }
        }
        while let example = try next() {
            var several = false
            for k in 0..<keys {
                try codes(k, example, &options[k])
                digits[k] = options[k].first ?? -1
                if options[k].count > 1 { several = true }
            }
            guard several else {
                count(digits)
                continue
            }
            var combinations: [[Int32]] = [[]]
            for k in 0..<keys {
                let choices = options[k].isEmpty ? [-1] : options[k]
                combinations = combinations.flatMap { prefix in choices.map { prefix + [$0] } }
            }
            combinations.forEach(count)
        }
        if !fits { return sparse.map { ($0.key, $0.value) } }
        var result: [(codes: [Int32], count: Int)] = []
        for (number, n) in flat.enumerated() where n > 0 {
            var rest = number
            var combination = [Int32](repeating: -1, count: radices.count)
            for k in radices.indices.reversed() {
                combination[k] = Int32(rest % (radices[k] + 1)) - 1
                rest /= radices[k] + 1
            }
            result.append((combination, n))
        }
        return result
    }

    /// The size of per-example arrays: one past the largest live example key.
    var exampleKeyLimit: Int { Int(live.last ?? 0) + 1 }
}

extension Store {
    /// The slice index when it can answer for `version` (the current one) with these keys loaded.
    func sliceIndex(for version: DatasetVersion, loading keys: [String]) throws -> SliceIndex? {
        guard try currentVersion()?.row == version.row else { return nil }
        let loading = Set(keys.filter(SliceIndex.isIndexed).map(ExactString.init))
        guard let index = try currentSliceIndex(loading: loading), index.version == version.row,
            index.wideKeys.isDisjoint(with: loading)  // a wide key's values are the records'
        else { return nil }
        return index
    }

    /// `examples` (ascending keys) in the line order of `version`.
    func inLineOrder(_ examples: Postings, of version: DatasetVersion) throws -> [Int64] {
        guard let order = try storedLineOrder(of: version.row) else { return examples.map { Int64($0) } }
        var wanted = BitSet()
        for example in examples { wanted.insert(Int64(example)) }
        return order.filter { wanted.contains($0) }
    }

    /// The head record of each example, in the order given.
    func forEachHeadRecord(_ examples: [Int64], _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let head = try database.prepare(StorageModel.headByKey)
        for key in examples {
            try head.bind(key, at: 1)
            recordsRead += 1
            if try head.step(), !head.isNull(0) { try body(head.bytes(0).bindMemory(to: UInt8.self)) }
            head.reset()
        }
    }

    /// The ids of examples, by key, in the order given.
    func ids(of examples: Postings) throws -> [String] {
        let id = try database.prepare("SELECT id FROM stored_examples WHERE key = ?")
        return try examples.map { key in
            try id.bind([.int(Int64(key))])
            defer { id.reset() }
            return try id.step() ? id.text(0) : ""
        }
    }
}

/// A code for each example (-1 and -2 as marks), as narrow as the codes allow: a byte an example
/// for up to 254 codes, two for up to 65,534, else four. `slice --count-by` over two keys of ten
/// million examples then holds 20 MB of codes, not 80.
struct CodeColumn {
    private let width: Int
    private var bytes: [UInt8] = []
    private var shorts: [UInt16] = []
    private var words: [Int32] = []

    /// `size` examples, each without a code (-1); codes in `0..<codes`.
    init(size: Int, codes: Int) {
        switch codes {
        case ...0xFE:
            width = 1
            bytes = [UInt8](repeating: 0xFF, count: size)
        case ...0xFFFE:
            width = 2
            shorts = [UInt16](repeating: 0xFFFF, count: size)
        default:
            width = 4
            words = [Int32](repeating: -1, count: size)
        }
    }

    subscript(example: Int) -> Int32 {
        get {
            switch width {
            case 1:
                let code = bytes[example]
                return code < 0xFE ? Int32(code) : Int32(code) - 0x100
            case 2:
                let code = shorts[example]
                return code < 0xFFFE ? Int32(code) : Int32(code) - 0x10000
            default: return words[example]
            }
        }
        set {
            switch width {
            case 1: bytes[example] = UInt8(truncatingIfNeeded: newValue)
            case 2: shorts[example] = UInt16(truncatingIfNeeded: newValue)
            default: words[example] = newValue
            }
        }
    }
}
