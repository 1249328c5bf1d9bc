import CVector

/// The gate of a gated MLP: out = act(gate) * up, where act is SiLU (SwiGLU: Llama, Qwen2) or GELU
/// with the tanh approximation (GeGLU: Gemma). Both are g · sigmoid(h(g)):
/// - SiLU: h(g) = g;
/// - GELU (tanh): 0.5 g (1 + tanh(z)) = g · sigmoid(2z), z = sqrt(2/π) (g + 0.044715 g³),
/// so one kernel serves both, with act'(g) = s + g s (1 − s) h'(g), s = sigmoid(h(g)). The kernels are
/// C (`ptune_gated_forward`, `ptune_gated_backward`), sixteen floats at a time in the widest registers
/// the CPU has, with the same bits on each (NaNs aside).
///
/// The gate and up projections arrive side by side in one matrix gateUp [rows, 2F]: columns 0..<F are
/// the gate, F..<2F the up projection (one fused GEMM produces both).
public enum GatedActivation: String, Sendable, Equatable {
    case silu
    case geluTanh

    /// The activation as the C kernels name it.
    private var code: Int32 {
        switch self {
        case .silu: Int32(PTUNE_GATE_SILU)
        case .geluTanh: Int32(PTUNE_GATE_GELU_TANH)
        }
    }

    /// gateUp [rows, 2F] -> out [rows, F]
    public func forward(gateUp: UnsafePointer<Float>, rows: Int, width: Int, out: UnsafeMutablePointer<Float>) {
        parallelFor(rows, minChunk: 4) { range in
            forwardOnThisThread(gateUp: gateUp + range.lowerBound * 2 * width, rows: range.count, width: width,
                                out: out + range.lowerBound * width)
        }
    }

    /// `forward` on the calling thread alone, as `backwardOnThisThread`.
    public func forwardOnThisThread(gateUp: UnsafePointer<Float>, rows: Int, width: Int, out: UnsafeMutablePointer<Float>) {
        ptune_gated_forward(code, gateUp, rows, width, out)
    }

    /// dOut [rows, F], gateUp [rows, 2F] -> dGateUp [rows, 2F]
    ///
    /// d gate = dOut * up * act'(gate),  d up = dOut * act(gate)
    public func backward(gateUp: UnsafePointer<Float>, dOut: UnsafePointer<Float>, rows: Int, width: Int,
                         dGateUp: UnsafeMutablePointer<Float>) {
        parallelFor(rows, minChunk: 4) { range in
            backwardOnThisThread(gateUp: gateUp + range.lowerBound * 2 * width, dOut: dOut + range.lowerBound * width,
                                 rows: range.count, width: width, dGateUp: dGateUp + range.lowerBound * 2 * width)
        }
    }

    /// `backward` on the calling thread alone: for rows made inside a parallel region (a product's
    /// operand made a block at a time, `FrozenMatrix.OperandRows`). Each value's bits do not depend on
    /// which rows go together.
    public func backwardOnThisThread(gateUp: UnsafePointer<Float>, dOut: UnsafePointer<Float>, rows: Int, width: Int,
                                     dGateUp: UnsafeMutablePointer<Float>) {
        ptune_gated_backward(code, gateUp, dOut, rows, width, dGateUp)
    }
}
