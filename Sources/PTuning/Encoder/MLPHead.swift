import Tensor

/// Linear(input, hidden) -> ReLU -> Linear(hidden, output), named `mlp.0` and `mlp.2` as in PyTorch's
/// nn.Sequential; keeps the hidden activations of the latest forward for the backward pass.
final class MLPHead {
    let first: Linear
    let second: Linear
    let rows: Int
    /// Pre-activations of the hidden layer [rows, hidden].
    private let preActivation: FloatBuffer
    /// ReLU of `preActivation` [rows, hidden].
    private let activation: FloatBuffer
    /// dLoss/d(hidden activation) [rows, hidden], scratch for backward.
    private let dHidden: FloatBuffer

    /// The tensors this head adds to a parameter set, in initialisation order.
    static func tensors(input: Int, hidden: Int, output: Int)
        -> [(name: String, shape: [Int], initialisation: ParameterInitialisation)] {
        let b0 = Linear.initBound(input: input), b2 = Linear.initBound(input: hidden)
        return [("mlp.0.weight", [hidden, input], .uniform(bound: b0)),
                ("mlp.0.bias", [hidden], .uniform(bound: b0)),
                ("mlp.2.weight", [output, hidden], .uniform(bound: b2)),
                ("mlp.2.bias", [output], .uniform(bound: b2))]
    }

    init(input: Int, hidden: Int, output: Int, rows: Int, in set: ParameterSet) {
        first = Linear(input: input, output: hidden, weight: set.offset("mlp.0.weight"), bias: set.offset("mlp.0.bias"))
        second = Linear(input: hidden, output: output, weight: set.offset("mlp.2.weight"), bias: set.offset("mlp.2.bias"))
        self.rows = rows
        preActivation = FloatBuffer(count: rows * hidden)
        activation = FloatBuffer(count: rows * hidden)
        dHidden = FloatBuffer(count: rows * hidden)
    }

    /// x [rows, input] -> y [rows, output].
    func forward(x: UnsafePointer<Float>, parameters: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        first.forward(x: x, rows: rows, parameters: parameters, y: preActivation.pointer)
        for i in 0..<preActivation.count { activation.pointer[i] = max(preActivation.pointer[i], 0) }
        second.forward(x: activation.pointer, rows: rows, parameters: parameters, y: y)
    }

    /// The weights' gradients are products of `rows` terms (`EncoderGradient`), by offset.
    var productDepths: [Int: Int] { [first.weight: rows, second.weight: rows] }

    /// x [rows, input] (the latest forward's input), dy [rows, output] -> adds the head's parameter
    /// gradients into `gradient`, and writes dx [rows, input].
    func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                  gradient: EncoderGradient, dx: UnsafeMutablePointer<Float>) {
        second.backward(x: activation.pointer, dy: dy, rows: rows, parameters: parameters, gradient: gradient,
                        dx: dHidden.pointer)
        for i in 0..<dHidden.count where preActivation.pointer[i] <= 0 { dHidden.pointer[i] = 0 }
        first.backward(x: x, dy: dHidden.pointer, rows: rows, parameters: parameters, gradient: gradient, dx: dx)
    }
}
