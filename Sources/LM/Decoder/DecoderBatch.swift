import Tensor

/// One position of an input sequence: a vocabulary token, or a row of a caller-given embedding table
/// (how P-tuning inserts its pseudo tokens).
public enum DecoderInput: Hashable, Sendable {
    case token(Int)
    case embedding(Int)
}

/// B sequences of different lengths, packed end to end without padding: sequence b occupies rows
/// offsets[b] ..< offsets[b] + lengths[b] of every activation matrix, and attends only within itself.
public struct DecoderBatch: Sendable {
    public let sequences: [[DecoderInput]]
    /// [E, H] vectors addressed by `.embedding(i)`; nil when no sequence uses them.
    public let embeddings: FloatBuffer?
    /// Rows of the packed batch where each sequence starts.
    public let offsets: [Int]
    /// N: total rows.
    public let rowCount: Int

    public init(sequences: [[DecoderInput]], embeddings: FloatBuffer? = nil) {
        self.sequences = sequences
        self.embeddings = embeddings
        var offsets: [Int] = []
        var total = 0
        for s in sequences {
            offsets.append(total)
            total += s.count
        }
        self.offsets = offsets
        self.rowCount = total
    }

    /// A batch of plain token sequences.
    public init(tokens: [[Int]]) {
        self.init(sequences: tokens.map { $0.map(DecoderInput.token) })
    }

    /// Packed row index of `position` in sequence `sequence`.
    public func row(sequence: Int, position: Int) -> Int { offsets[sequence] + position }

    /// The length of the longest sequence.
    public var maxLength: Int { sequences.map(\.count).max() ?? 0 }

    /// Adds each row of the input gradient dInput [N, H] that came from `.embedding(i)` into row i of
    /// dEmbeddings [E, H] (a pseudo token used several times receives the sum).
    public func accumulateEmbeddingGradient(_ dInput: FloatBuffer, width: Int, into dEmbeddings: FloatBuffer) {
        for (b, s) in sequences.enumerated() {
            for (t, item) in s.enumerated() {
                guard case .embedding(let e) = item else { continue }
                let src = dInput.pointer + row(sequence: b, position: t) * width
                let dst = dEmbeddings.pointer + e * width
                for i in 0..<width { dst[i] += src[i] }
            }
        }
    }
}

/// Where logits are wanted: position `position` of sequence `sequence`.
public struct LogitPosition: Hashable, Sendable {
    public var sequence: Int
    public var position: Int
    public init(sequence: Int, position: Int) {
        self.sequence = sequence
        self.position = position
    }
}
