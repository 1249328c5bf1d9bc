import Foundation

/// The gate of a gated MLP: out = act(gate) * up, where act is SiLU (SwiGLU: Llama, Qwen2) or GELU
/// with the tanh approximation (GeGLU: Gemma). Both are g · sigmoid(h(g)):
/// - SiLU: h(g) = g;
/// - GELU (tanh): 0.5 g (1 + tanh(z)) = g · sigmoid(2z), z = sqrt(2/π) (g + 0.044715 g³),
/// so one kernel serves both, with act'(g) = s + g s (1 − s) h'(g), s = sigmoid(h(g)).
///
/// The gate and up projections arrive side by side in one matrix gateUp [rows, 2F]: columns 0..<F are
/// the gate, F..<2F the up projection (one fused GEMM produces both).
public enum GatedActivation: String, Sendable, Equatable {
    case silu
    case geluTanh

    /// 2 · sqrt(2/π) and 2 · sqrt(2/π) · 0.044715: h(g) = g (a + b g²) for GELU.
    private static let a: Float = 1.5957691216057308
    private static let b: Float = 0.0713548162726009

    /// h(g), the argument of the sigmoid.
    @inline(__always)
    private func inner(_ g: SIMD16<Float>) -> SIMD16<Float> {
        switch self {
        case .silu: g
        case .geluTanh: g * (Self.a + Self.b * g * g)
        }
    }

    /// h'(g).
    @inline(__always)
    private func innerSlope(_ g: SIMD16<Float>) -> SIMD16<Float> {
        switch self {
        case .silu: SIMD16(repeating: 1)
        case .geluTanh: Self.a + 3 * Self.b * g * g
        }
    }

    /// gateUp [rows, 2F] -> out [rows, F]
    public func forward(gateUp: UnsafePointer<Float>, rows: Int, width: Int, out: UnsafeMutablePointer<Float>) {
        parallelFor(rows, minChunk: 4) { range in
            for r in range {
                Self.lanes(width) { i, load, tail in
                    let g = load(gateUp + r * 2 * width + i), u = load(gateUp + r * 2 * width + width + i)
                    tail(out + r * width + i, g * FastExp.sigmoid(inner(g)) * u)
                }
            }
        }
    }

    /// dOut [rows, F], gateUp [rows, 2F] -> dGateUp [rows, 2F]
    ///
    /// d gate = dOut * up * act'(gate),  d up = dOut * act(gate)
    public func backward(gateUp: UnsafePointer<Float>, dOut: UnsafePointer<Float>, rows: Int, width: Int,
                         dGateUp: UnsafeMutablePointer<Float>) {
        parallelFor(rows, minChunk: 4) { range in
            for r in range {
                Self.lanes(width) { i, load, store in
                    let g = load(gateUp + r * 2 * width + i), u = load(gateUp + r * 2 * width + width + i)
                    let d = load(dOut + r * width + i)
                    let s = FastExp.sigmoid(inner(g))
                    store(dGateUp + r * 2 * width + i, d * u * (s + g * s * (1 - s) * innerSlope(g)))
                    store(dGateUp + r * 2 * width + width + i, d * g * s)
                }
            }
        }
    }

    /// Runs `body` over columns 0..<width 16 at a time, the last group padded: `load` reads up to 16
    /// floats (zeros past the end), `store` writes as many as are in range.
    @inline(__always)
    private static func lanes(_ width: Int, _ body: (Int, (UnsafePointer<Float>) -> SIMD16<Float>,
                                                     (UnsafeMutablePointer<Float>, SIMD16<Float>) -> Void) -> Void) {
        var i = 0
        while i + 16 <= width {
            body(i, { UnsafeRawPointer($0).loadUnaligned(as: SIMD16<Float>.self) },
                 { UnsafeMutableRawPointer($0).storeBytes(of: $1, as: SIMD16<Float>.self) })
            i += 16
        }
        guard i < width else { return }
        let n = width - i
        body(i, { p in
            var v = SIMD16<Float>()
            for k in 0..<n { v[k] = p[k] }
            return v
        }, { p, v in
            for k in 0..<n { p[k] = v[k] }
        })
    }
}
