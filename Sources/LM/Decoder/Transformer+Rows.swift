import Tensor

/// The rows of a packed batch as they enter and move through the decoder: the input rows, their
/// rotation by position, and the gathering of the rows the last layer keeps.
extension Transformer {
    /// The distinct batch rows of `positions`, in first-seen order, and each position's index among them.
    static func keptRows(_ positions: [LogitPosition], batch: DecoderBatch) -> (rows: [Int], slotOf: [Int]) {
        var rows: [Int] = []
        var index: [Int: Int] = [:]
        let slotOf = positions.map { position in
            let row = batch.row(sequence: position.sequence, position: position.position)
            if let known = index[row] { return known }
            index[row] = rows.count
            rows.append(row)
            return rows.count - 1
        }
        return (rows, slotOf)
    }

    /// out[i] = source[rows[i]] for rows of `width` floats.
    static func gather(_ rows: [Int], from source: UnsafePointer<Float>, width: Int,
                               into out: UnsafeMutablePointer<Float>) {
        for (i, row) in rows.enumerated() { (out + i * width).update(from: source + row * width, count: width) }
    }

    /// target[rows[i]] += source[i] for rows of `width` floats.
    static func scatterAdd(_ rows: [Int], from source: UnsafePointer<Float>, width: Int,
                                   into target: UnsafeMutablePointer<Float>) {
        for (i, row) in rows.enumerated() { Vector.axpy(1, source + i * width, target + row * width, width) }
    }

    /// Writes the input rows [N, H]: token embeddings, or the caller's vectors for `.embedding(i)`, times
    /// the family's `embeddingScale`.
    func embed(_ batch: DecoderBatch, into x: UnsafeMutablePointer<Float>) {
        let H = config.hiddenSize
        for (r, item) in batch.rowInputs.enumerated() {
            let dst = x + r * H
            switch item {
            case .token(let id):
                tokenEmbedding(id, into: dst)
            case .embedding(let e):
                guard let table = batch.embeddings, (e + 1) * H <= table.count else {
                    preconditionFailure("embedding row \(e) not in the batch's embedding table")
                }
                dst.update(from: table.pointer + e * H, count: H)
            }
        }
        let scale = config.embeddingScale
        if scale != 1 {
            for i in 0..<batch.rowCount * H { x[i] *= scale }
        }
    }

    /// Rotates the query and key heads of rows `rows` of qkv [N, W] by their positions in their
    /// sequences, with layer `l`'s rotary base.
    func rotate(_ qkv: UnsafeMutablePointer<Float>, batch: DecoderBatch, layer l: Int, inverse: Bool, rows: Range<Int>) {
        let W = attention.rowWidth
        let heads = config.headCount + config.kvHeadCount
        let rotary = config.window(layer: l) != nil ? localRotary ?? self.rotary : self.rotary
        let (positions, first) = (batch.rowPositions, rows.lowerBound)
        parallelFor(rows.count, minChunk: 16) { range in
            for r in first + range.lowerBound..<first + range.upperBound {
                // Query heads and key heads are adjacent columns, so one call rotates both.
                rotary.rotate(qkv + r * W, heads: heads, position: positions[r], inverse: inverse)
            }
        }
    }
}
