import Foundation

/// The SwiGLU gate: out = silu(gate) * up, with silu(g) = g * sigmoid(g).
///
/// The gate and up projections arrive side by side in one matrix gateUp [rows, 2F]: columns 0..<F are
/// the gate, F..<2F the up projection (one fused GEMM produces both).
public enum SwiGLU {
    /// gateUp [rows, 2F] -> out [rows, F]
    public static func forward(gateUp: UnsafePointer<Float>, rows: Int, width: Int,
                               out: UnsafeMutablePointer<Float>) {
        parallelFor(rows, minChunk: 4) { range in
            for r in range {
                let g = gateUp + r * 2 * width
                let u = g + width
                let o = out + r * width
                for i in 0..<width {
                    let gi = g[i]
                    o[i] = gi / (1 + expf(-gi)) * u[i]
                }
            }
        }
    }

    /// dOut [rows, F], gateUp [rows, 2F] -> dGateUp [rows, 2F]
    ///
    /// d gate = dOut * up * s * (1 + g * (1 - s)),  d up = dOut * g * s,  with s = sigmoid(g)
    public static func backward(gateUp: UnsafePointer<Float>, dOut: UnsafePointer<Float>,
                                rows: Int, width: Int, dGateUp: UnsafeMutablePointer<Float>) {
        parallelFor(rows, minChunk: 4) { range in
            for r in range {
                let g = gateUp + r * 2 * width
                let u = g + width
                let d = dOut + r * width
                let dg = dGateUp + r * 2 * width
                let du = dg + width
                for i in 0..<width {
                    let gi = g[i]
                    let s = 1 / (1 + expf(-gi))
                    dg[i] = d[i] * u[i] * s * (1 + gi * (1 - s))
                    du[i] = d[i] * gi * s
                }
            }
        }
    }
}
