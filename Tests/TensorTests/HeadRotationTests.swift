import Foundation
import Tensor
import TestSupport
import Testing

/// The rotation against its formula in scalar Swift, bit for bit (the same operations on each element):
/// head sizes with whole groups of sixteen pairs and with a short last group, both layouts, both ways.
struct HeadRotationTests {
    @Test(arguments: [(64, true), (64, false), (40, true), (40, false), (6, true)] as [(Int, Bool)])
    func rotationIsItsFormulaBitForBit(headDim: Int, adjacentPairs: Bool) {
        var rng = SeededGenerator(seed: 31)
        let (heads, half) = (3, headDim / 2)
        let row = rng.normalBuffer(count: heads * headDim, std: 2)
        let angles = (0..<half).map { Float($0) * 0.37 + 0.1 }
        let (cos, sin) = (angles.map { Foundation.cos($0) }, angles.map { Foundation.sin($0) })
        for inverse in [false, true] {
            var expected = row.array
            let sign: Float = inverse ? -1 : 1
            for h in 0..<heads {
                for i in 0..<half {
                    let (a, b) = adjacentPairs ? (h * headDim + 2 * i, h * headDim + 2 * i + 1)
                        : (h * headDim + i, h * headDim + half + i)
                    let (x, y, s) = (expected[a], expected[b], sign * sin[i])
                    expected[a] = x * cos[i] - y * s
                    expected[b] = x * s + y * cos[i]
                }
            }
            let rotated = FloatBuffer(row.array)
            HeadRotation.rotate(rotated.pointer, heads: heads, headDim: headDim, cos: cos, sin: sin, inverse: inverse,
                                adjacentPairs: adjacentPairs)
            #expect(rotated.array.map(\.bitPattern) == expected.map(\.bitPattern), "\(headDim) \(adjacentPairs) \(inverse)")
        }
    }
}
