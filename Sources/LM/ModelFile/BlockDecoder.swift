import Tensor

/// Reads GGUF blocks of 32 weights as small integers with a scale and an offset (value = q × scale +
/// offset), the file's own values exactly: Q8_0, Q4_0 and Q5_0 (q × d, no offset), Q4_1 and Q5_1 (q × d
/// + m). The layouts are `Dequantizer`'s; other types have no such form (K-quants scale sub-blocks
/// of 16 or carry 6-bit scales per sub-block) and are converted instead.
enum BlockDecoder {
    /// Whether `type`'s blocks can be read this way.
    static func reads(_ type: GGMLType) -> Bool {
        [.q8_0, .q4_0, .q4_1, .q5_0, .q5_1].contains(type)
    }

    /// Whether `type`'s blocks carry an offset.
    static func hasOffsets(_ type: GGMLType) -> Bool {
        type == .q4_1 || type == .q5_1
    }

    /// Decodes the block at `source` into values [32]; returns its scale and offset (f16, as stored).
    static func decode(_ type: GGMLType, _ source: UnsafeRawPointer,
                       into values: UnsafeMutablePointer<Int8>) -> (scale: Float, offset: Float16) {
        let d = Dequantizer.half(source)
        switch type {
        case .q8_0:
            values.update(from: (source + 2).assumingMemoryBound(to: Int8.self), count: 32)
            return (d, 0)
        case .q4_0:
            nibbles(source + 2, high: 0, bias: 8, into: values)
            return (d, 0)
        case .q4_1:
            nibbles(source + 4, high: 0, bias: 0, into: values)
            return (d, half(source + 2))
        case .q5_0:
            nibbles(source + 6, high: UInt32(littleEndian: (source + 2).loadUnaligned(as: UInt32.self)), bias: 16,
                    into: values)
            return (d, 0)
        case .q5_1:
            nibbles(source + 8, high: UInt32(littleEndian: (source + 4).loadUnaligned(as: UInt32.self)), bias: 0,
                    into: values)
            return (d, half(source + 2))
        default:
            preconditionFailure("\(type.name) blocks are not read as integers")
        }
    }

    /// The little-endian f16 at `p`.
    private static func half(_ p: UnsafeRawPointer) -> Float16 {
        Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
    }

    /// 16 bytes of nibbles (low nibbles elements 0..15, high 16..31), bit j of `high` the fifth bit of
    /// element j, less `bias`.
    private static func nibbles(_ bytes: UnsafeRawPointer, high: UInt32, bias: Int32,
                                into values: UnsafeMutablePointer<Int8>) {
        let q = bytes.assumingMemoryBound(to: UInt8.self)
        for i in 0..<16 {
            let low = Int32(q[i] & 0x0F) | Int32((high >> UInt32(i)) & 1) << 4
            let upper = Int32(q[i] >> 4) | Int32((high >> UInt32(i + 16)) & 1) << 4
            values[i] = Int8(low - bias)
            values[i + 16] = Int8(upper - bias)
        }
    }
}
