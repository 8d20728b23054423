/// Many ids kept compactly: their UTF-8 bytes back to back and where each ends (8 bytes an id
/// besides its text, where a `String` of more than 15 bytes costs 16 and an allocation of its
/// own). A collection of `String`s: `compare`'s flipped examples, which may be most of a run.
public struct IdList: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral, CustomStringConvertible {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    public init() {}

    public init(arrayLiteral ids: String...) {
        for id in ids { append(id) }
    }

    public mutating func append(_ id: String) {
        bytes.append(contentsOf: id.utf8)
        ends.append(bytes.count)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { ends.count }

    public subscript(position: Int) -> String {
        String(decoding: bytes[(position == 0 ? 0 : ends[position - 1])..<ends[position]], as: UTF8.self)
    }

    public var description: String { Array(self).description }
}
