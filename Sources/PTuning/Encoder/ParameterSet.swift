import Tensor

/// How one parameter tensor starts.
enum ParameterInitialisation {
    /// N(0, std²) samples.
    case normal(std: Float)
    /// U(-bound, bound) samples.
    case uniform(bound: Float)
    /// A copy of these values.
    case values(FloatBuffer)
}

/// A flat parameter buffer and its layout, built from named tensors in order and initialised from
/// one seeded generator in that same order.
struct ParameterSet {
    let parameters: FloatBuffer
    let layout: [ParameterTensor]

    /// `tensors`: (name, shape, initialisation) in layout order.
    init(seed: UInt64, _ tensors: [(name: String, shape: [Int], initialisation: ParameterInitialisation)]) {
        var layout: [ParameterTensor] = []
        var total = 0
        for tensor in tensors {
            layout.append((tensor.name, tensor.shape, total))
            total += tensor.shape.reduce(1, *)
        }
        parameters = FloatBuffer(count: total)
        var rng = SeededGenerator(seed: seed)
        for (tensor, entry) in zip(tensors, layout) {
            let p = parameters.pointer + entry.offset
            let n = tensor.shape.reduce(1, *)
            switch tensor.initialisation {
            case .normal(let std):
                for i in 0..<n { p[i] = rng.normal() * std }
            case .uniform(let bound):
                for i in 0..<n { p[i] = (rng.uniform() * 2 - 1) * bound }
            case .values(let source):
                precondition(source.count == n, "\(tensor.name): expected \(n) initial values, got \(source.count)")
                p.update(from: source.pointer, count: n)
            }
        }
        self.layout = layout
    }

    /// The offset of the tensor called `name`.
    func offset(_ name: String) -> Int {
        guard let entry = layout.first(where: { $0.name == name }) else {
            preconditionFailure("no parameter tensor \(name)")
        }
        return entry.offset
    }
}
