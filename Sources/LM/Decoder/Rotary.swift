import Foundation
import Tensor

/// Rotary position embeddings: cos/sin tables and the rotation of Q and K heads in place.
///
/// Pair i of a head (i < d/2) rotates by angle p * theta^(-2i/d) at position p. Which two dimensions
/// form pair i depends on the `RotaryLayout`.
struct Rotary {
    let headDim: Int
    let layout: RotaryLayout
    /// [positions, d/2]
    private(set) var cos: [Float] = []
    private(set) var sin: [Float] = []
    private let inverseFrequency: [Float]

    init(headDim: Int, theta: Float, layout: RotaryLayout) {
        self.headDim = headDim
        self.layout = layout
        inverseFrequency = (0..<headDim / 2).map { i in
            Float(1 / pow(Double(theta), Double(2 * i) / Double(headDim)))
        }
    }

    /// Grows the tables to cover positions 0..<length.
    mutating func reserve(_ length: Int) {
        let half = headDim / 2
        let have = cos.count / max(half, 1)
        guard length > have else { return }
        for p in have..<length {
            for i in 0..<half {
                // Angles in double: float32 loses digits for large p * theta.
                let angle = Double(p) * Double(inverseFrequency[i])
                cos.append(Float(Foundation.cos(angle)))
                sin.append(Float(Foundation.sin(angle)))
            }
        }
    }

    /// Rotates `heads` consecutive heads of one row in place by position `p`; `inverse` rotates back
    /// (the backward pass: the transpose of a rotation is its inverse).
    func rotate(_ row: UnsafeMutablePointer<Float>, heads: Int, position p: Int, inverse: Bool) {
        let half = headDim / 2
        cos.withUnsafeBufferPointer { cosTable in
            sin.withUnsafeBufferPointer { sinTable in
                HeadRotation.rotate(row, heads: heads, headDim: headDim, cos: cosTable.baseAddress! + p * half,
                                    sin: sinTable.baseAddress! + p * half, inverse: inverse,
                                    adjacentPairs: layout == .adjacentPairs)
            }
        }
    }
}
