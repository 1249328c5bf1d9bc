/// An open-addressing hash table from a pair of token ids to its merge rule.
///
/// The merge loop looks pairs up several times per byte of text; a multiplicative hash with
/// linear probing over one flat array (key and rule side by side, one cache line per probe) is
/// several times cheaper than `Dictionary`'s SipHash.
struct PairTable: Sendable {
    private struct Entry {
        var key: UInt64
        var merge: BPEMerges.Merge
    }

    private static let empty = UInt64.max
    private var entries: [Entry]
    private let shift: UInt64
    private let mask: Int

    /// A table for up to `capacity` pairs, kept at most half full.
    init(capacity: Int) {
        var bits = 4
        while 1 << bits < 2 * max(capacity, 1) { bits += 1 }
        entries = [Entry](repeating: Entry(key: PairTable.empty, merge: .init(rank: 0, result: 0)), count: 1 << bits)
        shift = UInt64(64 - bits)
        mask = (1 << bits) - 1
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private func slot(of key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Stores `merge` for the pair unless the pair is already present.
    mutating func insertIfAbsent(left: Int32, right: Int32, _ merge: BPEMerges.Merge) {
        let key = PairTable.key(left, right)
        var index = slot(of: key)
        while entries[index].key != PairTable.empty {
            if entries[index].key == key { return }
            index = (index + 1) & mask
        }
        entries[index] = Entry(key: key, merge: merge)
    }

    @inline(__always)
    func find(left: Int32, right: Int32) -> BPEMerges.Merge? {
        let key = PairTable.key(left, right)
        var index = slot(of: key)
        return entries.withUnsafeBufferPointer { entries in
            while true {
                let entry = entries[index]
                if entry.key == key { return entry.merge }
                if entry.key == PairTable.empty { return nil }
                index = (index + 1) & mask
            }
        }
    }
}
