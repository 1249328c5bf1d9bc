import PTuning
import Tensor

extension EncoderGradient {
    /// A gradient of one tensor [count] holding a copy of `values`.
    static func dense(_ values: FloatBuffer) -> EncoderGradient {
        let gradient = EncoderGradient(layout: [("values", [values.count], 0)])
        gradient.values(at: 0).update(from: values.pointer, count: values.count)
        return gradient
    }

    /// Every value, in the parameters' layout; a product's elements summed over its depth in order, each
    /// product and sum rounded, as the optimizer forms them.
    var array: [Float] {
        var all = [Float](repeating: 0, count: parameterCount)
        for (tensor, part) in zip(layout, parts) {
            switch part {
            case .values(let values):
                for i in 0..<values.count { all[tensor.offset + i] = values[i] }
            case .product(let f):
                for r in 0..<f.rows {
                    for c in 0..<f.columns {
                        var sum: Float = 0
                        for t in 0..<f.depth {
                            let term = f.a[t * f.rows + r] * f.b[t * f.columns + c]
                            sum = t == 0 ? term : sum + term
                        }
                        all[tensor.offset + r * f.columns + c] = sum
                    }
                }
            }
        }
        return all
    }
}
