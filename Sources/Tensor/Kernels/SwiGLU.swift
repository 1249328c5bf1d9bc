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
                let g = UnsafeRawPointer(gateUp + r * 2 * width)
                let u = g + width * 4
                let o = UnsafeMutableRawPointer(out + r * width)
                var i = 0
                while i + 16 <= width {
                    let gi = g.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    let ui = u.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    o.storeBytes(of: gi * FastExp.sigmoid(gi) * ui, toByteOffset: i * 4, as: SIMD16<Float>.self)
                    i += 16
                }
                let gs = gateUp + r * 2 * width, us = gs + width, os = out + r * width
                while i < width {
                    os[i] = gs[i] / (1 + expf(-gs[i])) * us[i]
                    i += 1
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
                let g = UnsafeRawPointer(gateUp + r * 2 * width)
                let u = g + width * 4
                let d = UnsafeRawPointer(dOut + r * width)
                let dg = UnsafeMutableRawPointer(dGateUp + r * 2 * width)
                let du = dg + width * 4
                var i = 0
                while i + 16 <= width {
                    let gi = g.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    let ui = u.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    let di = d.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                    let s = FastExp.sigmoid(gi)
                    dg.storeBytes(of: di * ui * s * (1 + gi * (1 - s)), toByteOffset: i * 4, as: SIMD16<Float>.self)
                    du.storeBytes(of: di * gi * s, toByteOffset: i * 4, as: SIMD16<Float>.self)
                    i += 16
                }
                let gs = gateUp + r * 2 * width, us = gs + width, ds = dOut + r * width
                let dgs = dGateUp + r * 2 * width, dus = dgs + width
                while i < width {
                    let s = 1 / (1 + expf(-gs[i]))
                    dgs[i] = ds[i] * us[i] * s * (1 + gs[i] * (1 - s))
                    dus[i] = ds[i] * gs[i] * s
                    i += 1
                }
            }
        }
    }
}
