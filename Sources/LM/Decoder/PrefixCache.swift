import Tensor

/// The keys and values of every layer at the rows before a sequence's first `.embedding` input,
/// kept for the forward passes of one `Transformer`.
///
/// Those rows (`DecoderBatch.embeddingFreeRows`: a template's text ahead of its first pseudo token)
/// depend on nothing P-tuning changes, so a record's are the same at every step, every evaluation and
/// every seed. `Transformer.keepPrefixes(of:)` computes the texts of a list of sequences in batches
/// of their own (`fillBatch` texts each, in the list's order) and keeps them here, keyed by their
/// tokens. What is kept depends only on that list, never on the batches training forms or the order
/// they come in, so a run resumed in a new process reads the bits it would have read. A forward pass
/// whose sequences' texts are all kept reads them into its key and value rows and runs every layer
/// only on the rows after them; a pass with a text not kept computes every row, as without a cache.
/// A backward pass after a pass that read must differentiate those rows only
/// (`InputGradient.embeddingRows`), which is all P-tuning reads.
///
/// A row costs 2 · kvWidth · layers floats (SmolLM2-135M: 46 KB). A list's texts are kept all or
/// none: when they would take the cache past `byteLimit`, batches of records drawn at random from
/// them would seldom have every text kept, so none is.
public final class PrefixCache {
    /// The most bytes the kept keys and values take.
    public let byteLimit: Int
    /// The bytes they take now.
    public private(set) var byteCount = 0
    /// Forward passes that read their embedding-free rows from here.
    public private(set) var passesReusing = 0
    /// Forward passes that had embedding-free rows and computed them, a text of theirs not kept.
    public private(set) var passesComputing = 0
    /// The tokens of a text -> its keys and values [layers, tokens, 2 · kvWidth].
    private var kept: [[Int]: FloatBuffer] = [:]

    /// The texts `Transformer.keepPrefixes(of:)` computes in one batch.
    public static let fillBatch = 16

    public init(byteLimit: Int) {
        precondition(byteLimit >= 0, "a byte limit is not negative")
        self.byteLimit = byteLimit
    }

    /// The number of texts kept.
    public var count: Int { kept.count }

    /// Drops every text kept and zeroes the counts.
    public func removeAll() {
        kept = [:]
        (byteCount, passesReusing, passesComputing) = (0, 0, 0)
    }

    /// The texts of `sequences` worth keeping and not kept yet, once each, in order: those before an
    /// `.embedding` (a sequence without one is all text, and a pass reading logits in it never reads
    /// the cache).
    func missing(_ sequences: [[DecoderInput]]) -> [[Int]] {
        var seen = Set<[Int]>()
        return sequences.compactMap { sequence in
            guard sequence.contains(where: \.isEmbedding) else { return nil }
            let text = Self.leadingTokens(sequence)
            guard !text.isEmpty, kept[text] == nil, seen.insert(text).inserted else { return nil }
            return text
        }
    }

    /// Room for `floats` more values within `byteLimit`.
    func fits(_ floats: Int) -> Bool { byteCount + 4 * floats <= byteLimit }

    /// Keeps `values` [layers, text.count, 2 · kvWidth], the keys and values of `text`.
    func keep(_ text: [Int], values: FloatBuffer) {
        precondition(fits(values.count), "\(4 * values.count) bytes past the cache's limit")
        kept[text] = values
        byteCount += 4 * values.count
    }

    /// How a forward pass of `batch` with logits at `rows` reads the cache: nil when it has no
    /// embedding-free rows, reads logits at one of them (whose hidden state the cache does not keep),
    /// or has a text not kept.
    func reading(_ batch: DecoderBatch, logitRows rows: [Int], kvWidth: Int) -> PrefixUse? {
        let first = batch.embeddingFreeRows
        guard first > 0, rows.allSatisfy({ $0 >= first }) else { return nil }
        var slices: [PrefixUse.Slice] = []
        for (b, sequence) in batch.sequences.enumerated() {
            let text = Self.leadingTokens(sequence)
            guard !text.isEmpty else { continue }
            guard let values = kept[text] else {
                passesComputing += 1
                return nil
            }
            slices.append(PrefixUse.Slice(values: values, rows: text.indices.map { batch.row(sequence: b, position: $0) }))
        }
        passesReusing += 1
        return PrefixUse(firstComputedRow: first, slices: slices, kvWidth: kvWidth)
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
/// 0..<firstComputedRow from the cache, or (a batch of texts to be kept) writes them out.
struct PrefixUse {
    /// One sequence's kept values [layers, tokens, 2 · kvWidth] and the packed row of each token.
    struct Slice {
        let values: FloatBuffer
        let rows: [Int]
    }

    /// The rows every layer computes start here: `DecoderBatch.embeddingFreeRows` when reading, else 0.
    let firstComputedRow: Int
    let slices: [Slice]
    let kvWidth: Int

    /// Whether the pass reads the kept values (else it writes them).
    var reading: Bool { firstComputedRow > 0 }

    /// After layer `l`'s keys and values are made in qkv [N, W] (their 2 · kvWidth columns start at
    /// `keyColumn`): when reading, writes the kept ones into the rows before `firstComputedRow`; else
    /// copies them out of it.
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

extension Transformer {
    /// What `keepPrefixes(of:)` did: the texts it found not kept yet, the bytes their keys and values
    /// take, and whether it kept them (all of them fit the cache's byte limit).
    public struct PrefixesKept: Equatable, Sendable {
        public let texts: Int
        public let bytes: Int
        public let kept: Bool

        public init(texts: Int, bytes: Int, kept: Bool) {
            (self.texts, self.bytes, self.kept) = (texts, bytes, kept)
        }
    }

    /// Computes and keeps in `prefixCache` the text of each of `sequences` before its first
    /// `.embedding` that is not kept yet, in batches of `PrefixCache.fillBatch` texts in order, when
    /// all of them fit its byte limit; none when they do not.
    public func keepPrefixes(of sequences: [[DecoderInput]]) -> PrefixesKept {
        guard let cache = prefixCache else { return PrefixesKept(texts: 0, bytes: 0, kept: false) }
        let texts = cache.missing(sequences)
        let floatsPerToken = config.layerCount * 2 * config.kvWidth
        let floats = texts.reduce(0) { $0 + floatsPerToken * $1.count }
        guard cache.fits(floats) else { return PrefixesKept(texts: texts.count, bytes: 4 * floats, kept: false) }
        for start in stride(from: 0, to: texts.count, by: PrefixCache.fillBatch) {
            let chunk = Array(texts[start..<min(start + PrefixCache.fillBatch, texts.count)])
            let batch = DecoderBatch(tokens: chunk)
            let slices = chunk.indices.map { b in
                PrefixUse.Slice(values: FloatBuffer(count: floatsPerToken * chunk[b].count),
                                rows: chunk[b].indices.map { batch.row(sequence: b, position: $0) })
            }
            let writing = PrefixUse(firstComputedRow: 0, slices: slices, kvWidth: config.kvWidth)
            _ = run(batch, logitsAt: [], saveForBackward: false, prefix: writing)
            for (text, slice) in zip(chunk, slices) { cache.keep(text, values: slice.values) }
        }
        return PrefixesKept(texts: texts.count, bytes: 4 * floats, kept: true)
    }
}
