import Tensor

/// The keys and values of every layer at the rows before each sequence's first `.embedding` input,
/// kept across forward passes of one `Transformer`.
///
/// Those rows (`DecoderBatch.embeddingFreeRows`: a template's text ahead of its first pseudo token)
/// depend on nothing P-tuning changes, so a record's are the same at every step, every evaluation and
/// every seed. The first pass over a batch computes them and keeps them here, keyed by the tokens
/// (unless the caller says the batch will not come again); a later pass whose sequences are all
/// kept reads them instead, and runs every layer only on the rows after them. A backward pass after it differentiates those rows only
/// (`InputGradient.embeddingRows`), which is all P-tuning reads.
///
/// A row costs 2 · kvWidth · layers floats (SmolLM2-135M: 46 KB). Sequences are kept in the order
/// they first come until `byteLimit` is reached; after that a batch with a sequence not kept computes
/// every row, as without a cache.
public final class PrefixCache {
    /// The most bytes the kept keys and values take.
    public let byteLimit: Int
    /// The bytes they take now.
    public private(set) var byteCount = 0
    /// Forward passes that read their embedding-free rows from here.
    public private(set) var passesReusing = 0
    /// Forward passes that had embedding-free rows and computed them (keeping what fitted).
    public private(set) var passesComputing = 0
    /// tokens before the first `.embedding` -> their keys and values [layers, tokens, 2 · kvWidth].
    private var kept: [[Int]: FloatBuffer] = [:]

    public init(byteLimit: Int) {
        precondition(byteLimit >= 0, "a byte limit is not negative")
        self.byteLimit = byteLimit
    }

    /// The number of token runs kept.
    public var count: Int { kept.count }

    /// How a forward pass of `batch` with logits at `rows` uses the cache, keeping its new sequences
    /// when `keepingNew`: nil when it has no embedding-free rows or reads logits at one of them (whose
    /// hidden state the cache does not keep), or computes them and keeps nothing.
    func use(for batch: DecoderBatch, logitRows rows: [Int], keepingNew: Bool, layers: Int, kvWidth: Int) -> PrefixUse? {
        let first = batch.embeddingFreeRows
        guard first > 0, rows.allSatisfy({ $0 >= first }) else { return nil }
        let prefixes = batch.sequences.map(Self.leadingTokens)
        let rowsOf = { (b: Int) in (0..<prefixes[b].count).map { batch.row(sequence: b, position: $0) } }
        let texts = prefixes.indices.filter { !prefixes[$0].isEmpty }
        let found = texts.compactMap { b in kept[prefixes[b]].map { PrefixUse.Slice(values: $0, rows: rowsOf(b)) } }
        if found.count == texts.count {
            passesReusing += 1
            return PrefixUse(reading: true, firstComputedRow: first, slices: found, kvWidth: kvWidth)
        }
        passesComputing += 1
        guard keepingNew else { return nil }
        var slices: [PrefixUse.Slice] = []
        for b in texts where kept[prefixes[b]] == nil {
            let values = FloatBuffer(count: layers * prefixes[b].count * 2 * kvWidth)
            guard byteCount + 4 * values.count <= byteLimit else { continue }
            kept[prefixes[b]] = values
            byteCount += 4 * values.count
            slices.append(PrefixUse.Slice(values: values, rows: rowsOf(b)))
        }
        return PrefixUse(reading: false, firstComputedRow: 0, slices: slices, kvWidth: kvWidth)
    }

    /// The token ids a sequence begins with, up to its first `.embedding`.
    private static func leadingTokens(_ sequence: [DecoderInput]) -> [Int] {
        var ids: [Int] = []
        for input in sequence {
            guard case .token(let id) = input else { break }
            ids.append(id)
        }
        return ids
    }
}

/// One forward pass's part in a `PrefixCache`: it reads the keys and values of rows
/// 0..<firstComputedRow from the cache, or writes those of sequences the cache is taking.
struct PrefixUse {
    /// One sequence's kept values [layers, tokens, 2 · kvWidth] and the packed row of each token.
    struct Slice {
        let values: FloatBuffer
        let rows: [Int]
    }

    let reading: Bool
    /// The rows every layer computes start here: `DecoderBatch.embeddingFreeRows` when reading, else 0.
    let firstComputedRow: Int
    let slices: [Slice]
    let kvWidth: Int

    /// After layer `l`'s keys and values are made in qkv [N, W] (their 2 · kvWidth columns start at
    /// `keyColumn`): when reading, writes the kept ones into the rows before `firstComputedRow`; else
    /// copies the new sequences' out of it.
    func apply(layer l: Int, qkv: UnsafeMutablePointer<Float>, rowWidth W: Int, keyColumn: Int) {
        let width = 2 * kvWidth
        for slice in slices {
            let layer = slice.values.pointer + l * slice.rows.count * width
            for (t, row) in slice.rows.enumerated() {
                let packed = qkv + row * W + keyColumn
                if reading {
                    packed.update(from: layer + t * width, count: width)
                } else {
                    (layer + t * width).update(from: packed, count: width)
                }
            }
        }
    }
}
