import Tensor

/// dLoss/dParameters of a prompt encoder, one part per tensor of its parameter layout.
///
/// The encoder's input is its m pseudo tokens, so the gradient of each of its weight matrices
/// W [R, C] is a sum of m outer products, dW = Σ_t a_tᵀ·b_t (a_t the output gradient [R] and b_t the
/// input [C] of token t). Such a tensor is kept as those factors, a [depth, R] and b [depth, C] with
/// depth ≤ m, and never formed: the optimizer forms each row of dW as it updates that row
/// (`AdamOptimizer.step`), and the norm comes from the factors' Gram matrices (`norm`). For the
/// default LSTM encoder of a 576-wide model that is 15 million floats (61 MB) not held, and the
/// passes that would write, norm and read them not made. Every other tensor (biases, the embedding
/// table) keeps its values.
public final class EncoderGradient {
    /// One tensor's gradient.
    public enum Part {
        /// The values, in the tensor's row-major layout.
        case values(FloatBuffer)
        /// The gradient aᵀ·b of a matrix, from its factors.
        case product(ProductFactors)
    }

    /// The parameters' layout, as the encoder's `parameterLayout`.
    public let layout: [ParameterTensor]
    /// One part per tensor of `layout`, in its order.
    public let parts: [Part]
    /// The number of parameters `layout` covers.
    public let parameterCount: Int
    /// The index in `parts` of the tensor at each offset.
    private let indexAtOffset: [Int: Int]

    /// A zero gradient for `layout`: the two-dimensional tensors at the offsets `productDepths` names kept
    /// as products of at most that many rows, every other tensor as values.
    public init(layout: [ParameterTensor], productDepths: [Int: Int] = [:]) {
        self.layout = layout
        parts = layout.map { tensor in
            let count = tensor.shape.reduce(1, *)
            guard let depth = productDepths[tensor.offset] else { return .values(FloatBuffer(count: count)) }
            precondition(tensor.shape.count == 2, "\(tensor.name): only a matrix's gradient is kept as a product")
            return .product(ProductFactors(rows: tensor.shape[0], columns: tensor.shape[1], capacity: depth))
        }
        parameterCount = layout.map { $0.offset + $0.shape.reduce(1, *) }.max() ?? 0
        indexAtOffset = Dictionary(uniqueKeysWithValues: layout.enumerated().map { ($1.offset, $0) })
    }

    /// Sets every part to zero.
    public func zero() {
        for part in parts {
            switch part {
            case .values(let values): values.zero()
            case .product(let factors): factors.clear()
            }
        }
    }

    /// The values of the tensor at `offset`, which must be kept as values.
    public func values(at offset: Int) -> UnsafeMutablePointer<Float> {
        guard case .values(let values) = part(at: offset) else {
            preconditionFailure("the gradient at offset \(offset) is kept as a product")
        }
        return values.pointer
    }

    /// The factors of the matrix at `offset`, which must be kept as a product.
    public func factors(at offset: Int) -> ProductFactors {
        guard case .product(let factors) = part(at: offset) else {
            preconditionFailure("the gradient at offset \(offset) is kept as values")
        }
        return factors
    }

    /// The L2 norm of the whole gradient, in double: each part's sum of squares (`Vector.sumOfSquares`,
    /// `Vector.sumOfSquaresOfProduct`), the parts in parallel and their sums then added in layout
    /// order, so the result does not depend on how many threads there are.
    public var norm: Double {
        var sums = [Double](repeating: 0, count: parts.count)
        sums.withUnsafeMutableBufferPointer { sums in
            parallelFor(parts.count) { range in
                for index in range {
                    switch parts[index] {
                    case .values(let values):
                        sums[index] = Vector.sumOfSquares(values.pointer, values.count)
                    case .product(let f):
                        sums[index] = Vector.sumOfSquaresOfProduct(a: f.a.pointer, b: f.b.pointer, depth: f.depth,
                                                                   rows: f.rows, columns: f.columns)
                    }
                }
            }
        }
        return sums.reduce(0, +).squareRoot()
    }

    private func part(at offset: Int) -> Part {
        guard let index = indexAtOffset[offset] else { preconditionFailure("no parameter tensor at offset \(offset)") }
        return parts[index]
    }
}

/// The gradient aᵀ·b of one matrix [rows, columns], as its factors a [depth, rows] and b [depth, columns]:
/// row t of a is an output gradient and row t of b the input it multiplies.
public final class ProductFactors {
    public let rows: Int
    public let columns: Int
    /// The most rows the factors hold.
    public let capacity: Int
    /// a [capacity, rows]; rows 0..<depth hold values.
    public let a: FloatBuffer
    /// b [capacity, columns]; rows 0..<depth hold values.
    public let b: FloatBuffer
    /// The rows of a and b that hold values; 0 is a zero gradient.
    public private(set) var depth = 0

    init(rows: Int, columns: Int, capacity: Int) {
        (self.rows, self.columns, self.capacity) = (rows, columns, capacity)
        a = FloatBuffer(count: capacity * rows)
        b = FloatBuffer(count: capacity * columns)
    }

    /// Makes the gradient zero.
    func clear() { depth = 0 }

    /// Adds Σ_t dyᵀ_t·x_t over `count` rows: row t of dy at dy + t·dyStride [rows], of x at x + t·xStride
    /// [columns].
    func add(count: Int, dy: UnsafePointer<Float>, dyStride: Int, x: UnsafePointer<Float>, xStride: Int) {
        precondition(depth + count <= capacity, "a product gradient holds at most \(capacity) rows")
        for t in 0..<count {
            (a.pointer + (depth + t) * rows).update(from: dy + t * dyStride, count: rows)
            (b.pointer + (depth + t) * columns).update(from: x + t * xStride, count: columns)
        }
        depth += count
    }
}
