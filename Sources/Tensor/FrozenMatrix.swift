import CBF16
import CInt8

/// A frozen weight matrix W [rows, columns] (PyTorch's `Linear.weight` shape), in the precision it was
/// built with: row-major, or bf16 weights in the kernels' panels (`Storage.bf16`). Used in both
/// directions: the forward y = x Wᵀ and the backward to the input dx = dy W.
public final class FrozenMatrix: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    public let precision: Precision
    /// With bf16 or int8 weights: true when products round the fp32 operand to the weights' type (the
    /// bf16 or int8 kernel; bf16 only where `Precision.bf16Widens` is false); false when they widen the
    /// weights to fp32 a block at a time and multiply in fp32, for a product whose operand must keep its
    /// precision (the output head, whose results are the logits).
    public let roundsOperand: Bool
    enum Storage {
        case fp32(FloatBuffer)
        /// [rows, columns] row-major, or in the kernels' panels (`ptune_bf16_to_panels`).
        case bf16(UnsafeMutablePointer<UInt16>, panels: Bool)
        /// values [rows, columns]; scales [ceil(rows / 32), ceil(columns / 32)], one per tile.
        case int8(values: UnsafeMutablePointer<Int8>, scales: UnsafeMutablePointer<Float>)
        /// values [rows, columns]; scales (fp32) and offsets (f16, as files store them) [rows,
        /// ceil(columns / 32)], one per row and block of 32 columns (value = q × scale + offset; no
        /// offsets: 0).
        case int8RowBlocks(values: UnsafeMutablePointer<Int8>, scales: UnsafeMutablePointer<Float>,
                           offsets: UnsafeMutablePointer<Float16>?)
    }
    let storage: Storage

    /// `weights` [rows, columns]; with `.bf16` or `.int8` it is rounded once and the fp32 copy is not kept.
    public convenience init(_ weights: FloatBuffer, rows: Int, columns: Int, precision: Precision,
                            roundsOperand: Bool = true) {
        precondition(weights.count == rows * columns, "a [\(rows), \(columns)] matrix needs \(rows * columns) values")
        switch precision {
        case .fp32:
            self.init(rows: rows, columns: columns, precision: precision, roundsOperand: roundsOperand,
                      storage: .fp32(weights))
        case .bf16, .int8:
            self.init(MatrixRows(weights, columns: columns), precision: precision, roundsOperand: roundsOperand)
        }
    }

    /// Whether bf16 weights whose products round the operand are kept in the kernels' panels: where the
    /// kernel in use has bf16 dot products (AVX-512 BF16 or AMX; their CPUs have the AVX-512 BW that
    /// re-packs them for the backward product). A forward product then reads them in place, in order,
    /// instead of gathering each panel from rows a row's length apart (one Xeon core, AMX, the model's
    /// shapes: forward 10-20% faster, backward 5-10%). Elsewhere, where PTUNE_BF16_KERNEL asks for a
    /// slower kernel, and where the products widen (`Precision.bf16Widens`), they stay row-major.
    public static var bf16InPanels: Bool { ptune_bf16_kernel() >= PTUNE_BF16_AVX512 && !Precision.bf16Widens }

    /// W as `source` writes it: with `.bf16` or `.int8` a block of rows at a time, each rounded as it
    /// comes, so the whole matrix never exists in fp32; bf16 in panels as `bf16InPanels` says.
    public convenience init(_ source: MatrixRows, precision: Precision, roundsOperand: Bool = true) {
        let (rows, columns) = (source.rows, source.columns)
        switch precision {
        case .fp32:
            self.init(rows: rows, columns: columns, precision: precision, roundsOperand: roundsOperand,
                      storage: .fp32(source.floats()))
        case .bf16:
            let panels = roundsOperand && Self.bf16InPanels
            let count = panels ? ptune_bf16_panels_elements(rows, columns) : rows * columns
            let values = UnsafeMutablePointer<UInt16>.allocate(capacity: max(1, count))
            if panels { values.initialize(repeating: 0, count: max(1, count)) }
            // Whole panels of 32 rows at a time.
            let blockRows = max(32, (1 << 20) / max(1, columns) / 32 * 32)
            let block = FloatBuffer(count: min(rows, blockRows) * columns)
            for first in stride(from: 0, to: rows, by: blockRows) {
                let count = min(blockRows, rows - first)
                source.read(first..<first + count, block.pointer)
                if panels {
                    ptune_bf16_to_panels(block.pointer, columns, first, count, values)
                } else {
                    ptune_bf16_from_f32(block.pointer, values + first * columns, count * columns)
                }
            }
            self.init(rows: rows, columns: columns, precision: precision, roundsOperand: roundsOperand,
                      storage: .bf16(values, panels: panels))
        case .int8:
            let storage = source.rowBlocks.map { Self.kept($0, rows: rows, columns: columns) } ?? Self.quantized(source)
            self.init(rows: rows, columns: columns, precision: precision, roundsOperand: roundsOperand, storage: storage)
        }
    }

    /// W [rows, columns] as int8 values with one scale per row and block of 32 columns (value = q ×
    /// scale), which `fill(values, scales)` writes ([rows, columns] and [rows, ceil(columns / 32)]): the
    /// layout of a GGUF Q8_0 tensor, kept as the file has it, exactly and at 1.125 bytes per weight
    /// whatever `precision` the model runs in. Its products widen the weights to fp32 a block at a time
    /// (`roundsOperand` is false): it serves an output head or embedding table.
    public convenience init(rows: Int, columns: Int, precision: Precision,
                            int8RowBlocks fill: (UnsafeMutablePointer<Int8>, UnsafeMutablePointer<Float>) -> Void) {
        let blocks = (columns + Int(PTUNE_I8_BLOCK) - 1) / Int(PTUNE_I8_BLOCK)
        let values = UnsafeMutablePointer<Int8>.allocate(capacity: max(1, rows * columns))
        let scales = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rows * blocks))
        fill(values, scales)
        self.init(rows: rows, columns: columns, precision: precision, roundsOperand: false,
                  storage: .int8RowBlocks(values: values, scales: scales, offsets: nil))
    }

    /// `blocks` as the file has them, read 256 rows at a time.
    private static func kept(_ blocks: RowBlocks, rows: Int, columns: Int) -> Storage {
        let perRow = (columns + Int(PTUNE_I8_BLOCK) - 1) / Int(PTUNE_I8_BLOCK)
        let values = UnsafeMutablePointer<Int8>.allocate(capacity: max(1, rows * columns))
        let scales = UnsafeMutablePointer<Float>.allocate(capacity: max(1, rows * perRow))
        let offsets = blocks.hasOffsets ? UnsafeMutablePointer<Float16>.allocate(capacity: max(1, rows * perRow)) : nil
        for first in stride(from: 0, to: rows, by: 256) {
            blocks.read(first..<min(rows, first + 256), values + first * columns, scales + first * perRow,
                        offsets.map { $0 + first * perRow })
        }
        return .int8RowBlocks(values: values, scales: scales, offsets: offsets)
    }

    /// `source` in int8 tiles of 32 x 32, read a band of 32 rows at a time.
    private static func quantized(_ source: MatrixRows) -> Storage {
        let (rows, columns) = (source.rows, source.columns)
        let band = Int(PTUNE_I8_BLOCK), tiles = (columns + band - 1) / band
        let values = UnsafeMutablePointer<Int8>.allocate(capacity: max(1, rows * columns))
        let scales = UnsafeMutablePointer<Float>.allocate(capacity: max(1, int8Tiles(rows: rows, columns: columns)))
        let block = FloatBuffer(count: min(rows, band) * columns)
        for first in stride(from: 0, to: rows, by: band) {
            let count = min(band, rows - first)
            source.read(first..<first + count, block.pointer)
            ptune_i8_quantize_band(block.pointer, count, columns, values + first * columns, scales + first / band * tiles)
        }
        return .int8(values: values, scales: scales)
    }

    private init(rows: Int, columns: Int, precision: Precision, roundsOperand: Bool, storage: Storage) {
        self.rows = rows
        self.columns = columns
        self.precision = precision
        self.roundsOperand = roundsOperand
        self.storage = storage
    }

    deinit {
        switch storage {
        case .fp32: break
        case .bf16(let values, _): values.deallocate()
        case .int8(let values, let scales):
            values.deallocate()
            scales.deallocate()
        case .int8RowBlocks(let values, let scales, let offsets):
            values.deallocate()
            scales.deallocate()
            offsets?.deallocate()
        }
    }

    /// Row r of W [columns] in fp32 (bf16 values widened, which is exact; int8 values times their scale).
    public func row(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(r >= 0 && r < rows, "row \(r) outside [0, \(rows))")
        switch storage {
        case .fp32(let weights):
            out.update(from: weights.pointer + r * columns, count: columns)
        case .bf16(let values, let panels):
            Self.widen(values, panels: panels, columns: columns, first: r, count: 1, column: 0, span: columns, into: out)
        case .int8(let values, let scales):
            ptune_i8_widen(values, scales, columns, r, 1, 0, columns, out, columns)
        case .int8RowBlocks(let values, let scales, let offsets):
            ptune_i8_widen_row_blocks(values, scales, Self.bits(offsets), columns, r, 1, 0, columns, out, columns)
        }
    }

    /// Bytes the weights take (with int8, their scales and offsets too).
    public var byteCount: Int {
        switch storage {
        case .fp32: rows * columns * 4
        case .bf16(_, let panels): 2 * (panels ? ptune_bf16_panels_elements(rows, columns) : rows * columns)
        case .int8: rows * columns + Self.int8Tiles(rows: rows, columns: columns) * 4
        case .int8RowBlocks(_, _, let offsets):
            rows * columns + rows * ((columns + Int(PTUNE_I8_BLOCK) - 1) / Int(PTUNE_I8_BLOCK)) * (offsets == nil ? 4 : 6)
        }
    }

    /// W[first ..< first + count][column ..< column + span] of bf16 weights widened to fp32 into out
    /// [count, span].
    static func widen(_ values: UnsafePointer<UInt16>, panels: Bool, columns: Int, first: Int, count: Int, column: Int,
                      span: Int, into out: UnsafeMutablePointer<Float>) {
        if panels {
            ptune_bf16_widen_panels(values, columns, first, count, column, span, out, span)
        } else {
            ptune_bf16_widen_rows(values + first * columns + column, count, span, columns, out, span)
        }
    }

    /// f16 offsets as the C kernels take them: their bits.
    static func bits(_ offsets: UnsafePointer<Float16>?) -> UnsafePointer<UInt16>? {
        offsets.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt16.self) }
    }

    /// The tiles of 32 x 32 (a part tile counts whole) an int8 matrix [rows, columns] has a scale for.
    private static func int8Tiles(rows: Int, columns: Int) -> Int {
        let side = Int(PTUNE_I8_BLOCK)
        return (rows + side - 1) / side * ((columns + side - 1) / side)
    }

    /// c[m, rows] = x[m, columns] Wᵀ + beta c (beta 0 or 1). `scratch` holds the bf16 or int8 product's
    /// rounded operand between calls (a caller that passes none pays an allocation per call).
    public func forward(_ x: UnsafePointer<Float>, count m: Int, beta: Float = 0, into c: UnsafeMutablePointer<Float>,
                        scratch: Scratch = Scratch()) {
        forward(.rows(x), count: m, beta: beta, into: c, scratch: scratch)
    }

    /// c[m, columns] = dy[m, rows] W + beta c (beta 0 or 1); `scratch` as in `forward`.
    public func backward(_ dy: UnsafePointer<Float>, count m: Int, beta: Float = 0, into c: UnsafeMutablePointer<Float>,
                         scratch: Scratch = Scratch()) {
        backward(.rows(dy), count: m, beta: beta, into: c, scratch: scratch)
    }
}
