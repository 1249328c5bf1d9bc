import CBF16
import CInt8
import CVector

extension FrozenMatrix {
    /// c[m, n] = a[m, k] op(W) + beta c, with op(W) = Wᵀ (k = columns, n = rows) or W (k = rows, n = columns).
    /// A made operand is rounded from the rows as they are made where the product rounds its operand.
    func product(_ a: Operand, count m: Int, transposed: Bool, beta: Float,
                 into c: UnsafeMutablePointer<Float>, scratch: Scratch) {
        let (k, n) = transposed ? (columns, rows) : (rows, columns)
        let columns = columns
        switch storage {
        case .fp32(let weights):
            gemm(.none, transposed ? .transposed : .none, m: m, n: n, k: k, a: a.whole(count: m, inner: k),
                 b: weights.pointer, beta: beta, c: c)
        case .bf16(let weights, let panels) where roundsOperand && !Precision.bf16Widens:
            let layout = panels ? (transposed ? PTUNE_BF16_B_PANELS_TRANSPOSED : PTUNE_BF16_B_PANELS)
                                : (transposed ? PTUNE_BF16_B_TRANSPOSED : PTUNE_BF16_B_ROWS)
            bf16Product(a, weights, layout: Int32(layout), count: m, inner: k, outputs: n, beta: beta, into: c,
                        scratch: scratch)
        case .bf16(let weights, let panels):
            widenedProduct(a.whole(count: m, inner: k), count: m, transposed: transposed, beta: beta, into: c) {
                first, count, column, span, out in
                Self.widen(weights, panels: panels, columns: columns, first: first, count: count, column: column,
                           span: span, into: out)
            }
        case .int8(let values, let scales) where roundsOperand:
            int8Product(a, values, scales, count: m, inner: k, outputs: n, transposed: transposed, beta: beta, into: c,
                        scratch: scratch)
        case .int8(let values, let scales):
            widenedProduct(a.whole(count: m, inner: k), count: m, transposed: transposed, beta: beta, into: c) {
                first, count, column, span, out in
                ptune_i8_widen(values, scales, columns, first, count, column, span, out, span)
            }
        case .int8RowBlocks(let values, let scales, let offsets) where roundsOperand && transposed:
            rowBlockProduct(a, values, scales, offsets, count: m, beta: beta, into: c, scratch: scratch)
        case .int8RowBlocks(let values, let scales, let offsets) where roundsOperand && !Precision.bf16Widens:
            rowBlockBackward(a, count: m, beta: beta, into: c, scratch: scratch) { first, count, column, span, out in
                ptune_i8_widen_row_blocks(values, scales, Self.bits(offsets), columns, first, count, column, span, out,
                                          span)
            }
        case .int8RowBlocks(let values, let scales, nil) where !roundsOperand && m <= Self.fewRows:
            fewRowsProduct(a.whole(count: m, inner: k), values, scales, count: m, transposed: transposed, beta: beta,
                           into: c)
        case .int8RowBlocks(let values, let scales, let offsets):
            widenedProduct(a.whole(count: m, inner: k), count: m, transposed: transposed, beta: beta, into: c) {
                first, count, column, span, out in
                ptune_i8_widen_row_blocks(values, scales, Self.bits(offsets), columns, first, count, column, span, out,
                                          span)
            }
        }
    }

    /// The most rows `fewRowsProduct` takes: past them, widening the weights once for sgemm costs less
    /// than reading them again for every four or eight rows.
    static let fewRows = 16

    /// The product of a few rows (the output head at the loss positions) with weights in row blocks
    /// without offsets, each weight widened in registers (`ptune_row_blocks_forward`, `_backward`)
    /// instead of written out in fp32 for sgemm. Forward: the threads take ranges of W's rows. Backward:
    /// ranges of c's columns, 32 at a time, each summing over all of W's rows in order. Each value's sum
    /// is then the same on any number of threads.
    private func fewRowsProduct(_ a: UnsafePointer<Float>, _ values: UnsafePointer<Int8>, _ scales: UnsafePointer<Float>,
                                count m: Int, transposed: Bool, beta: Float, into c: UnsafeMutablePointer<Float>) {
        guard m > 0, rows > 0, columns > 0 else { return }
        let (rows, columns) = (rows, columns)
        if transposed {
            parallelFor(rows, minChunk: 256) { range in
                ptune_row_blocks_forward(values, scales, columns, range.lowerBound, range.count, a, m, columns, beta,
                                         c, rows)
            }
        } else {
            let block = Int(PTUNE_I8_BLOCK)
            parallelFor((columns + block - 1) / block) { range in
                let column = range.lowerBound * block
                ptune_row_blocks_backward(values, scales, rows, columns, a, m, rows, column,
                                          min(range.upperBound * block, columns) - column, beta, c, columns)
            }
        }
    }

    /// The product with the weights widened to fp32 a block at a time into each thread's own buffer,
    /// multiplied by single-threaded sgemm. Forward: blocks of W's rows, each a block of c's columns.
    /// Backward: each thread a range of c's columns, summing over blocks of W's rows. `widen(first,
    /// count, column, span, out)` writes W's rows [first, first + count) and columns [column, column +
    /// span) into out [count, span].
    private func widenedProduct(_ a: UnsafePointer<Float>, count m: Int, transposed: Bool, beta: Float,
                                into c: UnsafeMutablePointer<Float>,
                                widen: (Int, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        guard m > 0, rows > 0, columns > 0 else { return }
        let (rows, columns) = (rows, columns)
        if transposed {
            // At most 256 rows a block, the rows cut into a multiple of the threads' count of parts, so
            // that the threads widen and multiply about the same share (a [192, 576] matrix is two blocks
            // of 96 on two threads; a short last block where the rows do not divide evenly).
            let rounds = (rows + Self.widenedRows * Threads.count - 1) / (Self.widenedRows * Threads.count)
            let blockRows = (rows + rounds * Threads.count - 1) / (rounds * Threads.count)
            parallelFor((rows + blockRows - 1) / blockRows) { range in
                let widened = UnsafeMutablePointer<Float>.allocate(capacity: blockRows * columns)
                defer { widened.deallocate() }
                for block in range {
                    let first = block * blockRows, count = min(blockRows, rows - first)
                    widen(first, count, 0, columns, widened)
                    singleThreadGEMM(.none, .transposed, m: m, n: count, k: columns, a: a, lda: columns,
                                     b: widened, ldb: columns, beta: beta, c: c + first, ldc: rows)
                }
            }
        } else {
            byColumns(bytesPerWeight: 4) { buffer, first, count, column, span in
                let widened = buffer.bindMemory(to: Float.self, capacity: count * span)
                widen(first, count, column, span, widened)
                singleThreadGEMM(.none, .none, m: m, n: span, k: count, a: a + first, lda: rows, b: widened, ldb: span,
                                 beta: first == 0 ? beta : 1, c: c + column, ldc: columns)
            }
        }
    }

    /// W's rows widened at a time by the products that widen W.
    private static let widenedRows = 256

    /// The loop of the backward products that widen W: each thread takes whole blocks of 32 of the
    /// output's columns (the int8 scales' blocks) and walks W's rows 256 at a time, with a buffer of
    /// `bytesPerWeight` bytes for each weight of such a block; `multiply(buffer, first, count, column,
    /// span)` adds rows [first, first + count) of W, columns [column, column + span), to the output.
    private func byColumns(bytesPerWeight: Int,
                           multiply: (UnsafeMutableRawPointer, Int, Int, Int, Int) -> Void) {
        let (rows, columns) = (rows, columns)
        let blockRows = Self.widenedRows
        let width = ((columns + Threads.count - 1) / Threads.count + 31) & ~31
        parallelFor((columns + width - 1) / width) { range in
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: blockRows * width * bytesPerWeight, alignment: 64)
            defer { buffer.deallocate() }
            for part in range {
                let column = part * width, span = min(width, columns - column)
                for first in stride(from: 0, to: rows, by: blockRows) {
                    multiply(buffer, first, min(blockRows, rows - first), column, span)
                }
            }
        }
    }

    /// Rounds the fp32 operand [m, inner] to bf16 in the kernel's layout, then multiplies.
    private func bf16Product(_ a: Operand, _ weights: UnsafePointer<UInt16>, layout: Int32, count m: Int, inner k: Int,
                             outputs n: Int, beta: Float, into c: UnsafeMutablePointer<Float>, scratch: Scratch) {
        let kernel = ptune_bf16_kernel()
        let rounded = scratch.buffer(of: UInt16.self, count: ptune_bf16_operand_elements(kernel, m, k))
        roundedProduct(count: m, outputs: n, beta: beta) { rows in
            a.rows(rows, inner: k) { block, first, count in
                ptune_bf16_round_operand(kernel, block, m, k, first, count, rounded)
            }
        } multiply: { begin, end in
            Self.multiply(kernel, m: m, n: n, k: k, rounded, columns: k, from: 0, weights, layout: layout,
                          beta: beta, into: c, ldc: n, begin, end)
        }
    }

    /// ptune_bf16_gemm_operand, which cannot fail here: the kernel is the process's, k_first is 0 or a
    /// block of 256 rows, and K runs to the operand's end or is that block.
    private static func multiply(_ kernel: Int32, m: Int, n: Int, k: Int, _ operand: UnsafePointer<UInt16>,
                                 columns: Int, from first: Int, _ weights: UnsafePointer<UInt16>, layout: Int32,
                                 beta: Float, into c: UnsafeMutablePointer<Float>, ldc: Int, _ begin: Int32,
                                 _ end: Int32) {
        let done = ptune_bf16_gemm_operand(kernel, Int32(m), Int32(n), Int32(k), operand, Int32(columns), Int32(first),
                                           weights, layout, beta, c, Int32(ldc), begin, end)
        precondition(done == 1, "bf16 product of \(m) x \(k) from column \(first) of \(columns) refused")
    }

    /// Quantizes the fp32 operand [m, inner] to int8 per row and block of 32 (rows padded to whole
    /// blocks), then multiplies.
    private func int8Product(_ a: Operand, _ values: UnsafePointer<Int8>, _ scales: UnsafePointer<Float>,
                             count m: Int, inner k: Int, outputs n: Int, transposed: Bool, beta: Float,
                             into c: UnsafeMutablePointer<Float>, scratch: Scratch) {
        let block = Int(PTUNE_I8_BLOCK)
        let lda = (k + block - 1) / block * block, blocks = lda / block
        let memory = UnsafeMutableRawPointer(scratch.buffer(of: UInt8.self, count: m * lda + m * blocks * 4))
        let quantized = memory.bindMemory(to: Int8.self, capacity: m * lda)
        let operandScales = (memory + m * lda).bindMemory(to: Float.self, capacity: m * blocks)
        roundedProduct(count: m, outputs: n, beta: beta) { rows in
            a.rows(rows, inner: k) { made, first, count in
                ptune_i8_quantize_rows(made, count, k, k, quantized + first * lda, lda, operandScales + first * blocks)
            }
        } multiply: { begin, end in
            ptune_i8_gemm(Int32(m), Int32(n), Int32(k), quantized, operandScales, Int32(lda), values, scales,
                          Int32(PTUNE_I8_TILES), transposed ? 1 : 0, beta, c, Int32(n), begin, end)
        }
    }

    /// c[m, rows] = a[m, columns] Wᵀ + beta c with W in the file's blocks (columns a multiple of 32): a
    /// is quantized to int16 per row and block of 32 (about 16 bits of each value), each block's products
    /// with the weights' integers summed exactly (`ptune_i8_gemm16`); blocks with offsets add sum(a's
    /// block) × offset, from the fp32 block sums, in the same kernel.
    private func rowBlockProduct(_ a: Operand, _ values: UnsafePointer<Int8>, _ scales: UnsafePointer<Float>,
                                 _ offsets: UnsafePointer<Float16>?, count m: Int, beta: Float,
                                 into c: UnsafeMutablePointer<Float>, scratch: Scratch) {
        let (k, n) = (columns, rows)
        let blocks = k / Int(PTUNE_I8_BLOCK)
        precondition(blocks * Int(PTUNE_I8_BLOCK) == k, "row blocks need whole blocks of 32 columns")
        // Per operand row: k int16 values, then blocks scales and blocks sums.
        let memory = UnsafeMutableRawPointer(scratch.buffer(of: Float.self, count: m * (k / 2 + 2 * blocks)))
        let quantized = memory.bindMemory(to: Int16.self, capacity: m * k)
        let floats = (memory + 2 * m * k).bindMemory(to: Float.self, capacity: 2 * m * blocks)
        let (operandScales, sums) = (floats, floats + m * blocks)
        let offsetBits = Self.bits(offsets)
        roundedProduct(count: m, outputs: n, beta: beta) { rows in
            a.rows(rows, inner: k) { block, at, count in
                ptune_i8_quantize_rows16(block, count, k, k, quantized + at * k, k, operandScales + at * blocks,
                                         offsets != nil ? sums + at * blocks : nil)
            }
        } multiply: { begin, end in
            ptune_i8_gemm16(Int32(m), Int32(n), Int32(k), quantized, operandScales, sums, Int32(k), values, scales,
                            offsetBits, Int32(PTUNE_I8_ROW_BLOCKS), 1, beta, c, Int32(n), begin, end)
        }
    }

    /// c[m, columns] = dy[m, rows] W + beta c with W in the file's blocks, in bf16 (where bf16 products
    /// do not widen, `Precision.bf16Widens`; else as `widenedProduct`, in fp32): dy rounded once, W's
    /// blocks of 256 rows widened (`widen`, as in `widenedProduct`) and rounded as they are needed, each
    /// thread a range of c's columns. A block's integer product would need W's blocks along its rows, a
    /// second copy of the weights; bf16 needs none, and keeps the prompt's gradient as close to fp32's.
    private func rowBlockBackward(_ dy: Operand, count m: Int, beta: Float,
                                  into c: UnsafeMutablePointer<Float>, scratch: Scratch,
                                  widen: (Int, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        guard m > 0, rows > 0, columns > 0 else { return }
        let (rows, columns) = (rows, columns)
        let kernel = ptune_bf16_kernel()
        let rounded = scratch.buffer(of: UInt16.self, count: ptune_bf16_operand_elements(kernel, m, rows))
        parallelFor(m, minChunk: 16) { range in
            dy.rows(range, inner: rows) { block, first, count in
                ptune_bf16_round_operand(kernel, block, m, rows, first, count, rounded)
            }
        }
        byColumns(bytesPerWeight: 6) { buffer, first, count, column, span in
            let widened = buffer.bindMemory(to: Float.self, capacity: count * span)
            let narrowed = (buffer + 4 * count * span).bindMemory(to: UInt16.self, capacity: count * span)
            widen(first, count, column, span, widened)
            ptune_bf16_round_rows(widened, count, span, narrowed, span)
            Self.multiply(kernel, m: m, n: span, k: count, rounded, columns: rows, from: first, narrowed,
                          layout: Int32(PTUNE_BF16_B_ROWS), beta: first == 0 ? beta : 1, into: c + column, ldc: columns, 0,
                          Int32(span))
        }
    }

    /// What the bf16 and int8 products share: the operand's rows rounded in parallel (`round(rows)`),
    /// then the n output columns split, 32 at a time, across the threads (`multiply(begin, end)`).
    private func roundedProduct(count m: Int, outputs n: Int, beta: Float, round: (Range<Int>) -> Void,
                                multiply: (Int32, Int32) -> Void) {
        precondition(beta == 0 || beta == 1, "the \(precision) product takes beta 0 or 1")
        guard m > 0, n > 0 else { return }
        parallelFor(m, minChunk: 16, round)
        parallelFor((n + 31) / 32, chunksPerThread: 4) { range in
            multiply(Int32(range.lowerBound * 32), Int32(min(n, range.upperBound * 32)))
        }
    }
}
