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
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
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

    private func equals(_ number: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = number == 0 ? 0 : ends[number - 1]
        guard ends[number] - start == bytes.count else { return false }
        return arena.withUnsafeBufferPointer { stored in
            bytes.count == 0 || memcmp(stored.baseAddress! + start, bytes.baseAddress!, bytes.count) == 0
        }
    }

    private mutating func grow() {
        let values = (0..<count).map { number in Array(arena[(number == 0 ? 0 : ends[number - 1])..<ends[number]]) }
        arena = []
        ends = []
        slots = [Int32](repeating: -1, count: slots.count * 4)
        for value in values { _ = value.withUnsafeBufferPointer { intern($0) } }
    }
}
