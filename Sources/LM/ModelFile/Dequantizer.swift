import Tensor

/// Converts ggml-encoded tensor data to float32. Block layouts follow ggml (`ggml-common.h`): each
/// block starts with its float16 scale(s), and the float operations are done in the same order as
/// ggml's reference de-quantization, so results match it bit for bit.
enum Dequantizer {
    /// Blocks per parallel chunk: small tensors stay on the calling thread.
    private static let minBlocksPerChunk = 4096

    /// Writes `count` floats decoded from `source` (stored as `type`) to `output`.
    /// `type.isDequantizable` must hold and `count` must be a multiple of the type's block size.
    static func run(_ type: GGMLType, source: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32:
            UnsafeMutableRawPointer(output).copyMemory(from: source, byteCount: count * 4)
            return
        case .f16:
            parallelFor(count, minChunk: minBlocksPerChunk * 8) { range in
                for i in range { output[i] = half(source + 2 * i) }
            }
            return
        case .bf16:
            parallelFor(count, minChunk: minBlocksPerChunk * 8) { range in
                for i in range {
                    let bits = UInt16(littleEndian: (source + 2 * i).loadUnaligned(as: UInt16.self))
                    output[i] = Float(bitPattern: UInt32(bits) << 16)
                }
            }
            return
        default:
            break
        }
        let kernel: (UnsafeRawPointer, UnsafeMutablePointer<Float>) -> Void
        switch type {
        case .q8_0: kernel = q8_0
        case .q4_0: kernel = q4_0
        case .q4_1: kernel = q4_1
        case .q5_0: kernel = q5_0
        case .q5_1: kernel = q5_1
        case .q4_K: kernel = q4_K
        case .q5_K: kernel = q5_K
        case .q6_K: kernel = q6_K
        default: preconditionFailure("\(type.name) is not dequantizable")
        }
        let layout = type.blockLayout
        let blockCount = count / layout.elements
        let minChunk = max(1, minBlocksPerChunk / layout.elements)
        parallelFor(blockCount, minChunk: minChunk) { blocks in
            var src = source + blocks.lowerBound * layout.bytes
            var dst = output + blocks.lowerBound * layout.elements
            for _ in blocks {
                kernel(src, dst)
                src += layout.bytes
                dst += layout.elements
            }
        }
    }

    /// The little-endian float16 at `p`.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer) -> Float {
        Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(as: UInt16.self))))
    }

    /// 34 bytes: d (f16), 32 × int8. x = q·d.
    private static func q8_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src)
        let q = (src + 2).assumingMemoryBound(to: Int8.self)
        for i in 0..<32 { dst[i] = Float(q[i]) * d }
    }

    /// 18 bytes: d, 16 bytes of nibbles (low nibbles are elements 0..15, high nibbles 16..31). x = (q-8)·d.
    private static func q4_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src)
        let q = (src + 2).assumingMemoryBound(to: UInt8.self)
        for i in 0..<16 {
            dst[i] = d * Float(Int32(q[i] & 0x0F) - 8)
            dst[i + 16] = d * Float(Int32(q[i] >> 4) - 8)
        }
    }

    /// 20 bytes: d, m, 16 bytes of nibbles. x = q·d + m.
    private static func q4_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src)
        let m = half(src + 2)
        let q = (src + 4).assumingMemoryBound(to: UInt8.self)
        for i in 0..<16 {
            dst[i] = d * Float(q[i] & 0x0F) + m
            dst[i + 16] = d * Float(q[i] >> 4) + m
        }
    }

    /// 22 bytes: d, 32 high bits (u32, bit j for element j), 16 bytes of nibbles. x = (q-16)·d.
    private static func q5_0(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src)
        let high = UInt32(littleEndian: (src + 2).loadUnaligned(as: UInt32.self))
        let q = (src + 6).assumingMemoryBound(to: UInt8.self)
        for i in 0..<16 {
            let lo = Int32(q[i] & 0x0F) | Int32((high >> UInt32(i)) & 1) << 4
            let hi = Int32(q[i] >> 4) | Int32((high >> UInt32(i + 16)) & 1) << 4
            dst[i] = d * Float(lo - 16)
            dst[i + 16] = d * Float(hi - 16)
        }
    }

    /// 24 bytes: d, m, 32 high bits, 16 bytes of nibbles. x = q·d + m.
    private static func q5_1(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src)
        let m = half(src + 2)
        let high = UInt32(littleEndian: (src + 4).loadUnaligned(as: UInt32.self))
        let q = (src + 8).assumingMemoryBound(to: UInt8.self)
        for i in 0..<16 {
            let lo = UInt32(q[i] & 0x0F) | ((high >> UInt32(i)) & 1) << 4
            let hi = UInt32(q[i] >> 4) | ((high >> UInt32(i + 16)) & 1) << 4
            dst[i] = d * Float(lo) + m
            dst[i + 16] = d * Float(hi) + m
        }
    }

    /// The 6-bit scale and min of sub-block `j` (0..<8) from the 12 packed bytes of a Q4_K/Q5_K block:
    /// sub-blocks 0-3 use the low 6 bits of bytes j and j+4; 4-7 combine a nibble of byte j+4 with the
    /// top 2 bits of bytes j-4 and j.
    @inline(__always)
    private static func scaleMin(_ s: UnsafePointer<UInt8>, _ j: Int) -> (Float, Float) {
        if j < 4 { return (Float(s[j] & 63), Float(s[j + 4] & 63)) }
        let scale = (s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4)
        let min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4)
        return (Float(scale), Float(min))
    }

    /// 144 bytes: d, dmin, 12 bytes of scales/mins, 128 bytes of nibbles for 8 sub-blocks of 32
    /// (sub-blocks 2c and 2c+1 share bytes 32c..<32c+32, low then high nibble). x = d·sc·q − dmin·m.
    private static func q4_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src)
        let dmin = half(src + 2)
        let scales = (src + 4).assumingMemoryBound(to: UInt8.self)
        let q = (src + 16).assumingMemoryBound(to: UInt8.self)
        for chunk in 0..<4 {
            let (sc0, m0) = scaleMin(scales, 2 * chunk)
            let (sc1, m1) = scaleMin(scales, 2 * chunk + 1)
            let d0 = d * sc0, min0 = dmin * m0
            let d1 = d * sc1, min1 = dmin * m1
            let bytes = q + 32 * chunk
            let out = dst + 64 * chunk
            for i in 0..<32 {
                out[i] = d0 * Float(bytes[i] & 0x0F) - min0
                out[i + 32] = d1 * Float(bytes[i] >> 4) - min1
            }
        }
    }

    /// 176 bytes: d, dmin, 12 bytes of scales/mins, 32 bytes of high bits (bit j of byte i belongs to
    /// element i of sub-block j), 128 bytes of nibbles laid out as in Q4_K.
    private static func q5_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let d = half(src)
        let dmin = half(src + 2)
        let scales = (src + 4).assumingMemoryBound(to: UInt8.self)
        let high = (src + 16).assumingMemoryBound(to: UInt8.self)
        let q = (src + 48).assumingMemoryBound(to: UInt8.self)
        for chunk in 0..<4 {
            let (sc0, m0) = scaleMin(scales, 2 * chunk)
            let (sc1, m1) = scaleMin(scales, 2 * chunk + 1)
            let d0 = d * sc0, min0 = dmin * m0
            let d1 = d * sc1, min1 = dmin * m1
            let bytes = q + 32 * chunk
            let out = dst + 64 * chunk
            let shift0 = UInt8(2 * chunk), shift1 = UInt8(2 * chunk + 1)
            for i in 0..<32 {
                let lo = (bytes[i] & 0x0F) | ((high[i] >> shift0) & 1) << 4
                let hi = (bytes[i] >> 4) | ((high[i] >> shift1) & 1) << 4
                out[i] = d0 * Float(lo) - min0
                out[i + 32] = d1 * Float(hi) - min1
            }
        }
    }

    /// 210 bytes: 128 bytes of low nibbles, 64 bytes of 2-bit highs, 16 int8 scales (one per 16
    /// elements), d. Each half of 128 elements uses 64 low bytes and 32 high bytes: element l + 32k
    /// takes nibble (k / 2) of low byte l + 32(k % 2) and bits 2k of high byte l. x = d·scale·(q−32).
    private static func q6_K(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let low = src.assumingMemoryBound(to: UInt8.self)
        let high = (src + 128).assumingMemoryBound(to: UInt8.self)
        let scales = (src + 192).assumingMemoryBound(to: Int8.self)
        let d = half(src + 208)
        for half in 0..<2 {
            let ql = low + 64 * half, qh = high + 32 * half
            let sc = scales + 8 * half
            let out = dst + 128 * half
            for k in 0..<4 {
                let lowBytes = ql + 32 * (k % 2)
                let nibbleShift = UInt8(4 * (k / 2)), highShift = UInt8(2 * k)
                let scaleA = d * Float(sc[2 * k]), scaleB = d * Float(sc[2 * k + 1])
                for l in 0..<32 {
                    let q = Int32((lowBytes[l] >> nibbleShift) & 0x0F) | Int32((qh[l] >> highShift) & 3) << 4
                    out[32 * k + l] = (l < 16 ? scaleA : scaleB) * Float(q - 32)
                }
            }
        }
    }
}
