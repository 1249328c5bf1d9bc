import Foundation
import Tensor

/// A stacked bidirectional LSTM over one sequence of `steps` rows, as PyTorch's
/// nn.LSTM(input, hidden, num_layers: layers, bidirectional: true) with zero initial states.
///
/// Per direction, with gate rows in PyTorch's order i, f, g, o:
///
///     a_t = W_ih x_t + b_ih + W_hh h_prev + b_hh                      [4h]
///     i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
///     c_t = f ⊙ c_prev + i ⊙ g,   h_t = o ⊙ tanh(c_t)
///
/// The forward direction runs t = 0..<T (prev = t - 1), the reverse one t = T-1...0 (prev = t + 1).
/// Layer output row t is [h_t forward : h_t reverse] [2h]; layer k+1 reads layer k's output.
/// A layer's two directions run at the same time, one per thread, each on its own products.
final class BidirectionalLSTM {
    /// Offsets of one direction's tensors in the parameter buffer, and its input width.
    private struct Direction {
        let input: Int
        let inputWeight: Int
        let hiddenWeight: Int
        let inputBias: Int
        let hiddenBias: Int
    }

    let hidden: Int
    let layers: Int
    let steps: Int
    private let directions: [[Direction]]
    /// Gate activations i, f, g, o per layer and direction [T, 4h].
    private let gates: [[FloatBuffer]]
    /// Cell states per layer and direction [T, h].
    private let cells: [[FloatBuffer]]
    /// Layer outputs [T, 2h].
    private let outputs: [FloatBuffer]
    /// Backward scratch per direction: dLoss/d(gate pre-activations) [T, 4h].
    private let dGates: [FloatBuffer]
    /// Backward scratch: dLoss/d(input of layer k) [T, 2h] for k ≥ 1 (index 0 unused).
    private let dInputs: [FloatBuffer]
    /// Backward scratch per direction: the gradients flowing to the previous step through h and c [h].
    private let dHidden: [FloatBuffer]
    private let dCell: [FloatBuffer]

    /// PyTorch's parameter names and shapes, layer by layer, forward before reverse, each drawn from
    /// U(-1/√hidden, 1/√hidden).
    static func tensors(input: Int, hidden: Int, layers: Int)
        -> [(name: String, shape: [Int], initialisation: ParameterInitialisation)] {
        let bound = ParameterInitialisation.uniform(bound: 1 / Float(hidden).squareRoot())
        var list: [(name: String, shape: [Int], initialisation: ParameterInitialisation)] = []
        for layer in 0..<layers {
            let width = layer == 0 ? input : 2 * hidden
            for suffix in ["", "_reverse"] {
                list.append(("lstm.weight_ih_l\(layer)\(suffix)", [4 * hidden, width], bound))
                list.append(("lstm.weight_hh_l\(layer)\(suffix)", [4 * hidden, hidden], bound))
                list.append(("lstm.bias_ih_l\(layer)\(suffix)", [4 * hidden], bound))
                list.append(("lstm.bias_hh_l\(layer)\(suffix)", [4 * hidden], bound))
            }
        }
        return list
    }

    init(input: Int, hidden: Int, layers: Int, steps: Int, in set: ParameterSet) {
        self.hidden = hidden
        self.layers = layers
        self.steps = steps
        directions = (0..<layers).map { layer in
            ["", "_reverse"].map { suffix in
                Direction(input: layer == 0 ? input : 2 * hidden,
                          inputWeight: set.offset("lstm.weight_ih_l\(layer)\(suffix)"),
                          hiddenWeight: set.offset("lstm.weight_hh_l\(layer)\(suffix)"),
                          inputBias: set.offset("lstm.bias_ih_l\(layer)\(suffix)"),
                          hiddenBias: set.offset("lstm.bias_hh_l\(layer)\(suffix)"))
            }
        }
        gates = (0..<layers).map { _ in (0..<2).map { _ in FloatBuffer(count: steps * 4 * hidden) } }
        cells = (0..<layers).map { _ in (0..<2).map { _ in FloatBuffer(count: steps * hidden) } }
        outputs = (0..<layers).map { _ in FloatBuffer(count: steps * 2 * hidden) }
        dGates = (0..<2).map { _ in FloatBuffer(count: steps * 4 * hidden) }
        dInputs = (0..<layers).map { $0 == 0 ? FloatBuffer(count: 0) : FloatBuffer(count: steps * 2 * hidden) }
        dHidden = (0..<2).map { _ in FloatBuffer(count: hidden) }
        dCell = (0..<2).map { _ in FloatBuffer(count: hidden) }
    }

    /// The weights' gradients are products (`EncoderGradient`), by offset: T terms for W_ih, T - 1 for W_hh.
    var productDepths: [Int: Int] {
        var depths: [Int: Int] = [:]
        for direction in directions.joined() {
            depths[direction.inputWeight] = steps
            depths[direction.hiddenWeight] = steps - 1
        }
        return depths
    }

    /// The last layer's output [T, 2h] from the latest forward.
    var output: UnsafePointer<Float> { UnsafePointer(outputs[layers - 1].pointer) }

    /// x [T, input] -> the last layer's output [T, 2h] (owned by this object, valid until the next forward).
    func forward(x: UnsafePointer<Float>, parameters: UnsafePointer<Float>) -> UnsafePointer<Float> {
        for layer in 0..<layers {
            let layerInput = layer == 0 ? x : UnsafePointer(outputs[layer - 1].pointer)
            parallelFor(2) { directions in
                for direction in directions {
                    forward(layer: layer, direction: direction, x: layerInput, parameters: parameters)
                }
            }
        }
        return output
    }

    /// The time index processed at position `s` of a direction's sweep.
    @inline(__always)
    private func time(_ s: Int, direction: Int) -> Int { direction == 0 ? s : steps - 1 - s }

    private func forward(layer: Int, direction: Int, x: UnsafePointer<Float>, parameters: UnsafePointer<Float>) {
        let d = directions[layer][direction]
        let h = hidden, g4 = 4 * hidden, T = steps
        let a = gates[layer][direction].pointer, c = cells[layer][direction].pointer
        let out = outputs[layer].pointer + direction * h    // row t at out + t * 2h
        // a [T, 4h] = x [T, input] · W_ihᵀ + b_ih + b_hh
        singleThreadGEMM(.none, .transposed, m: T, n: g4, k: d.input, a: x, lda: d.input,
                         b: parameters + d.inputWeight, ldb: d.input, c: a, ldc: g4)
        for t in 0..<T {
            let row = a + t * g4
            for j in 0..<g4 { row[j] += parameters[d.inputBias + j] + parameters[d.hiddenBias + j] }
        }
        for s in 0..<T {
            let t = time(s, direction: direction), prev = time(s - 1, direction: direction)
            let row = a + t * g4
            if s > 0 {
                // a_t [4h] += W_hh [4h, h] · h_prev [h]
                singleThreadGEMV(.none, rows: g4, columns: h, a: parameters + d.hiddenWeight, lda: h,
                                 x: out + prev * 2 * h, beta: 1, y: row)
            }
            for j in 0..<h {
                let i = sigmoid(row[j]), f = sigmoid(row[h + j])
                let g = tanhf(row[2 * h + j]), o = sigmoid(row[3 * h + j])
                row[j] = i; row[h + j] = f; row[2 * h + j] = g; row[3 * h + j] = o
                let cPrev: Float = s > 0 ? c[prev * h + j] : 0
                let cell = f * cPrev + i * g
                c[t * h + j] = cell
                out[t * 2 * h + j] = o * tanhf(cell)
            }
        }
    }

    /// Backward through time for every layer and both directions.
    ///
    /// x [T, input] (the latest forward's input), dOutput [T, 2h] = dLoss/d(last layer's output) ->
    /// adds the LSTM's parameter gradients into `gradient` and dLoss/dx [T, input] into `dx`.
    func backward(x: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, parameters: UnsafePointer<Float>,
                  gradient: EncoderGradient, dx: UnsafeMutablePointer<Float>) {
        for layer in stride(from: layers - 1, through: 0, by: -1) {
            let dLayerOutput = layer == layers - 1 ? dOutput : UnsafePointer(dInputs[layer + 1].pointer)
            let layerInput = layer == 0 ? x : UnsafePointer(outputs[layer - 1].pointer)
            parallelFor(2) { directions in
                for direction in directions {
                    backward(layer: layer, direction: direction, x: layerInput, dOutput: dLayerOutput,
                             parameters: parameters, gradient: gradient)
                }
            }
            // dx [T, input] (+)= da · W_ih for both directions; layer 0 adds into the caller's dx.
            let dLayerInput = layer == 0 ? dx : dInputs[layer].pointer
            for direction in 0..<2 {
                let d = directions[layer][direction]
                gemm(.none, .none, m: steps, n: d.input, k: 4 * hidden, a: dGates[direction].pointer,
                     b: parameters + d.inputWeight, beta: layer == 0 || direction == 1 ? 1 : 0, c: dLayerInput)
            }
        }
    }

    /// One direction's backward through time: its gate gradients into `dGates[direction]` and its
    /// parameter gradients added into `gradient`.
    private func backward(layer: Int, direction: Int, x: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                          parameters: UnsafePointer<Float>, gradient: EncoderGradient) {
        let d = directions[layer][direction]
        let h = hidden, g4 = 4 * hidden, T = steps
        let a = gates[layer][direction].pointer, c = cells[layer][direction].pointer
        let out = outputs[layer].pointer + direction * h
        let dOut = dOutput + direction * h
        let da = dGates[direction].pointer, dh = dHidden[direction].pointer, dc = dCell[direction].pointer
        dHidden[direction].zero()
        dCell[direction].zero()
        for s in stride(from: T - 1, through: 0, by: -1) {
            let t = time(s, direction: direction), prev = time(s - 1, direction: direction)
            let row = a + t * g4, dRow = da + t * g4
            for j in 0..<h {
                let i = row[j], f = row[h + j], g = row[2 * h + j], o = row[3 * h + j]
                let tc = tanhf(c[t * h + j])
                let dhj = dOut[t * 2 * h + j] + dh[j]
                let dcj = dc[j] + dhj * o * (1 - tc * tc)
                let cPrev: Float = s > 0 ? c[prev * h + j] : 0
                dRow[j] = dcj * g * i * (1 - i)
                dRow[h + j] = dcj * cPrev * f * (1 - f)
                dRow[2 * h + j] = dcj * i * (1 - g * g)
                dRow[3 * h + j] = dhj * tc * o * (1 - o)
                dc[j] = dcj * f
            }
            if s > 0 {
                // dh_prev [h] = W_hhᵀ [h, 4h] · da_t [4h]
                singleThreadGEMV(.transposed, rows: g4, columns: h, a: parameters + d.hiddenWeight, lda: h,
                                 x: dRow, y: dh)
            }
        }
        // dW_ih [4h, input] += daᵀ · x
        gradient.factors(at: d.inputWeight).add(count: T, dy: da, dyStride: g4, x: x, xStride: d.input)
        // dW_hh [4h, h] += Σ_t da_tᵀ h_prev(t): rows 1..<T with h rows 0..<T-1 (forward), or rows 0..<T-1
        // with h rows 1..<T (reverse).
        let dRows = direction == 0 ? da + g4 : da
        let hRows = direction == 0 ? out : out + 2 * h
        gradient.factors(at: d.hiddenWeight).add(count: T - 1, dy: dRows, dyStride: g4, x: hRows, xStride: 2 * h)
        addColumnSums(da, rows: T, width: g4, into: gradient.values(at: d.inputBias))
        addColumnSums(da, rows: T, width: g4, into: gradient.values(at: d.hiddenBias))
    }
}

@inline(__always)
private func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
