import Foundation

/// Distinct byte strings, each numbered in order of first sight: interning without a `String`
/// or an array per lookup (an open-addressing table over one byte arena).
struct ValueTable {
    private var arena: [UInt8] = []
    /// Value i is `arena[ends[i - 1]..<ends[i]]` (from 0 for the first).
    private var ends: [Int] = []
    private var slots = [Int32](repeating: -1, count: 16)

    var count: Int { ends.count }

    /// The number of `bytes`, added when new.
    mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let mask = slots.count - 1
        var slot = Self.hash(bytes) & mask
        while slots[slot] >= 0 {
            let number = Int(slots[slot])
            if equals(number, bytes) { return number }
            slot = (slot + 1) & mask
        }
        arena.append(contentsOf: bytes)
        ends.append(arena.count)
        slots[slot] = Int32(ends.count - 1)
        if ends.count * 2 > slots.count { grow() }
        return ends.count - 1
    }

    mutating func intern(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { intern($0) }
    }

    func string(_ number: Int) -> String {
        String(decoding: arena[(number == 0 ? 0 : ends[number - 1])..<ends[number]], as: UTF8.self)
    }

    /// The byte count of value `number`.
    func length(_ number: Int) -> Int { ends[number] - (number == 0 ? 0 : ends[number - 1]) }

    /// `body` given the bytes of value `number`, without a copy.
    func withBytes<T>(_ number: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try arena.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[(number == 0 ? 0 : ends[number - 1])..<ends[number]])) }
    }

    /// FNV-1a.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash)
    }

    private func equals(_ number: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = number == 0 ? 0 : ends[number - 1]
        guard ends[number] - start == bytes.count else { return false }
        return arena.withUnsafeBufferPointer { stored in
            bytes.count == 0 || memcmp(stored.baseAddress! + start, bytes.baseAddress!, bytes.count) == 0
        }
    }

    /// Twice the slots, each value placed again from where it is in the arena (no copy of the
    /// values: a key with a value an example has millions).
    private mutating func grow() {
        var slots = [Int32](repeating: -1, count: self.slots.count * 2)
        let mask = slots.count - 1
        for number in 0..<count {
            var slot = withBytes(number, Self.hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(number)
        }
        self.slots = slots
    }
}
