/// The merge rules of a BPE vocabulary (byte-level or SentencePiece), and the merge loop that applies them.
struct BPEMerges: Sendable {
    /// A rule's priority (lower merges first) and the token it produces.
    struct Merge {
        let rank: Int32
        let result: Int32
    }

    private let table: PairTable

    /// Builds the table from rules "left right" in rank order; a repeated rule keeps its first rank.
    init(rules: [String], idsByToken: [String: Int]) throws(TokenizerError) {
        var table = PairTable(capacity: rules.count)
        for (rank, rule) in rules.enumerated() {
            guard let space = rule.firstIndex(of: " "),
                  let left = idsByToken[String(rule[..<space])],
                  let right = idsByToken[String(rule[rule.index(after: space)...])],
                  let result = idsByToken[String(rule[..<space]) + String(rule[rule.index(after: space)...])]
            else { throw .invalidMerge(rank: rank, rule: rule) }
            table.insertIfAbsent(left: Int32(left), right: Int32(right),
                                 Merge(rank: Int32(rank), result: Int32(result)))
        }
        self.table = table
    }

    /// The rules a SentencePiece BPE vocabulary implies, as Hugging Face derives them when a file lists
    /// none: every split of a token into two tokens is a rule producing it, the rules of tokens with
    /// higher `scores` first, a token's own splits with the longer left piece first (ties in score keep
    /// token order). `tokens` are spelled as `idsByToken` knows them.
    init(sentencePieceTokens tokens: [String], scores: [Float], idsByToken: [String: Int]) {
        let order = tokens.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        let lookup = TokenLookup(tokens: tokens, idsByToken: idsByToken)
        var rules: [(left: Int32, right: Int32, result: Int32)] = []
        for result in order {
            let bytes = lookup.utf8[result]
            // Splits at character boundaries, longest left piece first (UTF-8 continuation bytes are 10xxxxxx).
            for split in stride(from: bytes.count - 1, to: 0, by: -1) where bytes[split] & 0xC0 != 0x80 {
                guard let left = lookup.id(of: bytes[..<split]), let right = lookup.id(of: bytes[split...]) else { continue }
                rules.append((left, right, Int32(result)))
            }
        }
        var table = PairTable(capacity: rules.count)
        for (rank, rule) in rules.enumerated() {
            table.insertIfAbsent(left: rule.left, right: rule.right, Merge(rank: Int32(rank), result: rule.result))
        }
        self.table = table
    }

    @inline(__always)
    func merge(_ left: Int32, _ right: Int32) -> Merge? {
        table.find(left: left, right: right)
    }

    /// Words up to this many bytes merge by scanning; longer ones through the heap.
    static let scanLimit = 24

    /// Merges `symbols` (token ids, initially one per byte) in place until no rule applies.
    ///
    /// The lowest-ranked adjacent pair merges first, the leftmost of equal pairs first, as in
    /// Hugging Face `tokenizers`. Short words find that pair by scanning their pairs' ranks, which
    /// is fastest for the few bytes of a typical word. Longer ones keep candidate pairs in a
    /// min-heap keyed by (rank, left position); a popped pair whose symbols have changed since it
    /// was pushed no longer has that rank and is dropped, so a word of n bytes takes O(n log n).
    func apply(to symbols: inout [Int32], workspace: inout MergeWorkspace) {
        let count = symbols.count
        guard count > 1 else { return }
        if count <= BPEMerges.scanLimit {
            let merged = symbols.withUnsafeMutableBufferPointer(applyByScanning)
            symbols.removeLast(count - merged)
            return
        }
        workspace.reset(count: count)
        for index in 0..<count - 1 {
            if let merge = merge(symbols[index], symbols[index + 1]) {
                workspace.heap.push(rank: merge.rank, position: index)
            }
        }
        while let (rank, left) = workspace.heap.pop() {
            guard symbols[left] >= 0 else { continue }
            let right = workspace.next[left]
            guard right >= 0, let merge = merge(symbols[left], symbols[right]), merge.rank == rank
            else { continue }
            symbols[left] = merge.result
            symbols[right] = -1
            let after = workspace.next[right]
            workspace.next[left] = after
            if after >= 0 {
                workspace.previous[after] = left
                if let next = self.merge(merge.result, symbols[after]) {
                    workspace.heap.push(rank: next.rank, position: left)
                }
            }
            let before = workspace.previous[left]
            if before >= 0, let previous = self.merge(symbols[before], merge.result) {
                workspace.heap.push(rank: previous.rank, position: before)
            }
        }
        symbols.removeAll { $0 < 0 }
    }
}

extension BPEMerges {
    private static let noMerge = Merge(rank: .max, result: -1)

    /// The scanning merge loop for short words; returns how many symbols remain at the front.
    private func applyByScanning(_ symbols: inout UnsafeMutableBufferPointer<Int32>) -> Int {
        var count = symbols.count
        return withUnsafeTemporaryAllocation(of: Merge.self, capacity: count - 1) { pairs in
            for index in 0..<count - 1 {
                pairs[index] = merge(symbols[index], symbols[index + 1]) ?? BPEMerges.noMerge
            }
            while true {
                var best = -1
                var bestRank = Int32.max
                for index in 0..<count - 1 where pairs[index].rank < bestRank {
                    best = index
                    bestRank = pairs[index].rank
                }
                guard best >= 0 else { return count }
                symbols[best] = pairs[best].result
                for index in best + 1..<count - 1 { symbols[index] = symbols[index + 1] }
                for index in best..<count - 2 { pairs[index] = pairs[index + 1] }
                count -= 1
                if best > 0 {
                    pairs[best - 1] = merge(symbols[best - 1], symbols[best]) ?? BPEMerges.noMerge
                }
                if best < count - 1 {
                    pairs[best] = merge(symbols[best], symbols[best + 1]) ?? BPEMerges.noMerge
                }
            }
        }
    }
}

/// Scratch buffers for `BPEMerges.apply`, reused across the words of one encode call.
struct MergeWorkspace {
    var next: [Int] = []
    var previous: [Int] = []
    var heap = PairHeap()

    mutating func reset(count: Int) {
        next.removeAll(keepingCapacity: true)
        previous.removeAll(keepingCapacity: true)
        for index in 0..<count {
            next.append(index + 1 < count ? index + 1 : -1)
            previous.append(index - 1)
        }
        heap.removeAll()
    }
}

/// A binary min-heap of (rank, position) pairs, ordered by rank and then position.
struct PairHeap {
    private var items: [UInt64] = []

    mutating func removeAll() { items.removeAll(keepingCapacity: true) }

    mutating func push(rank: Int32, position: Int) {
        items.append(UInt64(UInt32(rank)) << 32 | UInt64(UInt32(position)))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (rank: Int32, position: Int)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < items.count else { break }
                let smaller = left + 1 < items.count && items[left + 1] < items[left] ? left + 1 : left
                guard items[smaller] < items[parent] else { break }
                items.swapAt(smaller, parent)
                parent = smaller
            }
        }
        return (Int32(top >> 32), Int(top & 0xFFFF_FFFF))
    }
}

/// Token ids by their UTF-8 bytes, for the millions of lookups that deriving SentencePiece merges
/// makes: keyed by a 64-bit FNV-1a hash of the bytes, checked against the token's own bytes, so no
/// String is built per lookup (building them took seconds for Gemma's 262,144 tokens). Agrees with
/// `idsByToken` (the first of equal tokens), which it falls back on for a hash two tokens share.
private struct TokenLookup {
    let utf8: [[UInt8]]
    private var byHash: [UInt64: Int32] = [:]
    private var collided: Set<UInt64> = []
    private let idsByToken: [String: Int]

    init(tokens: [String], idsByToken: [String: Int]) {
        utf8 = tokens.map { Array($0.utf8) }
        self.idsByToken = idsByToken
        byHash.reserveCapacity(tokens.count)
        for (id, bytes) in utf8.enumerated() {
            let hash = Self.hash(bytes[...])
            if let known = byHash[hash] {
                if utf8[Int(known)] != bytes { collided.insert(hash) }
            } else {
                byHash[hash] = Int32(id)
            }
        }
    }

    func id(of bytes: ArraySlice<UInt8>) -> Int32? {
        let hash = Self.hash(bytes)
        if collided.contains(hash) { return idsByToken[String(decoding: bytes, as: UTF8.self)].map(Int32.init) }
        guard let id = byHash[hash], utf8[Int(id)].elementsEqual(bytes) else { return nil }
        return id
    }

    private static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return h
    }
}
