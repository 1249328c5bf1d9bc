import CBF16
import CInt8

/// Rows a forward pass keeps for its backward pass, [slots, rows, width]: in fp32, or encoded (bf16,
/// half the memory; int8 per block of 32 with a scale each, 1.125 bytes a value) beside a one-slot
/// fp32 working copy. The forward pass writes a slot's rows into `working(slot:)` and then calls
/// `keep`; the backward pass reads them from `kept(slot:_:)`, decoded into the working copy when
/// they are encoded (so the working copy of the slot read last is the only fp32 one).
public final class KeptRows {
    /// How kept rows are stored.
    public enum Encoding: Sendable {
        /// As written.
        case fp32
        /// Rounded to bf16, to nearest even (subnormals to zero).
        case bf16
        /// Each block of 32 values of a row scaled by 127 / its largest magnitude and rounded to int8,
        /// nearest even, as the int8 tiles' products quantize their operands.
        case int8
    }

    public let slots: Int
    public let rows: Int
    public let width: Int
    public let encoding: Encoding
    /// fp32: [slots, rows, width]; otherwise [rows, width], the working copy.
    private let values: FloatBuffer
    /// bf16: [slots, rows, width]; otherwise empty.
    private let rounded: UnsafeMutablePointer<UInt16>
    /// int8: [slots, rows, padded] and each block's scale [slots, rows, blocks]; otherwise empty.
    private let integers: UnsafeMutablePointer<Int8>
    private let scales: UnsafeMutablePointer<Float>
    /// Width rounded up to whole blocks of 32, and those blocks.
    private let padded: Int
    private let blocks: Int

    public init(slots: Int, rows: Int, width: Int, encoding: Encoding) {
        (self.slots, self.rows, self.width, self.encoding) = (slots, rows, width, encoding)
        let block = Int(PTUNE_I8_BLOCK)
        blocks = (width + block - 1) / block
        padded = blocks * block
        values = FloatBuffer(count: (encoding == .fp32 ? slots : 1) * rows * width)
        let (bf16, int8) = (encoding == .bf16 ? slots * rows : 0, encoding == .int8 ? slots * rows : 0)
        rounded = Self.zeros(bf16 * width)
        integers = Self.zeros(int8 * padded)
        scales = Self.zeros(int8 * blocks)
    }

    deinit {
        rounded.deallocate()
        integers.deallocate()
        scales.deallocate()
    }

    private static func zeros<T: Numeric>(_ count: Int) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
        return pointer
    }

    /// Bytes the rows take (the working copy included).
    public var byteCount: Int {
        switch encoding {
        case .fp32: 4 * values.count
        case .bf16: 4 * values.count + 2 * slots * rows * width
        case .int8: 4 * values.count + slots * rows * (padded + 4 * blocks)
        }
    }

    /// [rows, width] where the forward pass writes slot `s`'s rows before `keep`.
    public func working(slot s: Int) -> UnsafeMutablePointer<Float> {
        precondition(s >= 0 && s < slots, "slot \(s) outside 0..<\(slots)")
        return values.pointer + (encoding == .fp32 ? s * rows * width : 0)
    }

    /// Keeps rows `range` just written to `working(slot: s)`: encoded into the slot, or in fp32
    /// already the slot.
    public func keep(slot s: Int, rows range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) kept in a slot of \(rows)")
        let (first, source) = (range.lowerBound, working(slot: s) + range.lowerBound * width)
        switch encoding {
        case .fp32: break
        case .bf16:
            BF16Rows.round(source, rows: range.count, columns: width, ldi: width,
                           into: rounded + (s * rows + first) * width, ldo: width)
        case .int8:
            let (integers, scales) = int8(slot: s)
            let (width, padded, blocks) = (width, padded, blocks)
            parallelFor(range.count, minChunk: 16) { part in
                let row = first + part.lowerBound
                ptune_i8_quantize_rows(source + part.lowerBound * width, part.count, width, width,
                                       integers + row * padded, padded, scales + row * blocks)
            }
        }
    }

    /// Rows `range` of slot `s` as kept, [range.count, width] in fp32 (in the working copy, at the
    /// rows' own offset).
    public func kept(slot s: Int, _ range: Range<Int>) -> UnsafePointer<Float> {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) read from a slot of \(rows)")
        let out = working(slot: s) + range.lowerBound * width
        if encoding != .fp32 {
            let (width, first) = (width, range.lowerBound)
            parallelFor(range.count, minChunk: 16) { part in
                decode(slot: s, first + part.lowerBound..<first + part.upperBound, into: out + part.lowerBound * width)
            }
        }
        return UnsafePointer(out)
    }

    /// Rows `range` of slot `s` as kept, [range.count, width] in fp32, decoded on the calling thread
    /// alone into its own buffer when they are encoded (valid until the thread's next call): for a
    /// product's operand made a block of rows at a time inside a parallel region. The values of
    /// `kept(slot:_:)`, bit for bit.
    public func rows(slot s: Int, _ range: Range<Int>) -> UnsafePointer<Float> {
        precondition(s >= 0 && s < slots && range.lowerBound >= 0 && range.upperBound <= rows,
                     "rows \(range) of slot \(s) outside \(slots) slots of \(rows)")
        if encoding == .fp32 { return UnsafePointer(values.pointer + (s * rows + range.lowerBound) * width) }
        let out = ThreadBuffer.keptRows.floats(range.count * width)
        decode(slot: s, range, into: out)
        return UnsafePointer(out)
    }

    /// Encoded rows `range` of slot `s` widened to fp32 into out [range.count, width], on the calling
    /// thread.
    private func decode(slot s: Int, _ range: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        switch encoding {
        case .fp32:
            preconditionFailure("fp32 rows are kept as they are")
        case .bf16:
            ptune_bf16_widen_rows(rounded + (s * rows + range.lowerBound) * width, range.count, width, width, out, width)
        case .int8:
            let (integers, scales) = int8(slot: s)
            ptune_i8_widen_row_blocks(integers, scales, nil, padded, range.lowerBound, range.count, 0, width, out, width)
        }
    }

    /// int8: slot `s`'s integers [rows, padded] and scales [rows, blocks].
    private func int8(slot s: Int) -> (UnsafeMutablePointer<Int8>, UnsafeMutablePointer<Float>) {
        (integers + s * rows * padded, scales + s * rows * blocks)
    }
}
