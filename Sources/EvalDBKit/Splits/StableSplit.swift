import Crypto
import Foundation

/// Train, dev and test shares of a dataset, and the seed that places each example: an example's
/// place is a function of the seed and its id alone, so adding examples never moves an old one.
public struct StableSplit: Sendable, Equatable {
    public static let names = ["train", "dev", "test"]

    public var train: Double
    public var dev: Double
    public var test: Double
    public var seed: String

    /// The shares must be 0 or more and add up to 1 (within 1e-9).
    public init(train: Double, dev: Double, test: Double, seed: String) throws {
        guard [train, dev, test].allSatisfy({ $0 >= 0 && $0 <= 1 }), abs(train + dev + test - 1) < 1e-9 else {
            throw EvalDBError.invalidSplit(train: train, dev: dev, test: test)
        }
        self.train = train
        self.dev = dev
        self.test = test
        self.seed = seed
    }

    public var shares: [Double] { [train, dev, test] }

    /// The example's number in [0, 1): the first 8 bytes of SHA-256 of the UTF-8 bytes of
    /// `SEED:ID`, read as a big-endian unsigned integer, over 2⁶⁴.
    public func unit(of id: String) -> Double {
        let digest = Array(SHA256.hash(data: Data("\(seed):\(id)".utf8)))
        let high = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(high) * 0x1.0p-64
    }

    /// The split of an example on its own: train below `train`, dev below `train + dev`, else test.
    public func split(of id: String) -> String {
        let u = unit(of: id)
        return u < train ? "train" : u < train + dev ? "dev" : "test"
    }

    /// Places the new examples of one group (one value of `--by`), which holds `existing` examples
    /// in each split already: each new example, smallest number first, goes to the split furthest
    /// below its share of the group (ties: train, dev, test), so that every group is balanced
    /// within one example.
    public func balanced(_ ids: [String], existing: [String: Int]) -> [String: String] {
        var counts = Self.names.map { existing[$0] ?? 0 }
        var total = counts.reduce(0, +)
        var placed: [String: String] = [:]
        for id in ids.sorted(by: { unit(of: $0) < unit(of: $1) }) {
            total += 1
            var best = 0, bestDeficit = -Double.infinity
            for (index, share) in shares.enumerated() where share > 0 {
                let deficit = share * Double(total) - Double(counts[index])
                if deficit > bestDeficit + 1e-12 { (best, bestDeficit) = (index, deficit) }
            }
            counts[best] += 1
            placed[id] = Self.names[best]
        }
        return placed
    }
}

/// Text compared for leakage: every string of a JSON value trimmed, its runs of white space made
/// one space, and case-folded, so that `"  Where is my Refund?"` and `"where is my refund?"` meet.
public enum FoldedText {
    static func fold(_ tape: JSONTape, _ index: Int = 0) -> String {
        switch tape.nodes[index].kind {
        case .string:
            let words = tape.string(index).split(whereSeparator: { $0.isWhitespace })
            return JSONText.string(words.joined(separator: " ").lowercased())
        case .array:
            return "[" + tape.elements(index).map { fold(tape, $0) }.joined(separator: ",") + "]"
        case .object:
            return "{" + tape.members(index).map { JSONText.string(tape.string($0.key)) + ":" + fold(tape, $0.value) }.sorted().joined(separator: ",")
                + "}"
        default:
            var bytes: [UInt8] = []
            CanonicalJSON.write(tape, index, to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
