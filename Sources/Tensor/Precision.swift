import CBF16
import CInt8

/// How frozen weights are stored and multiplied.
public enum Precision: String, Sendable, CaseIterable {
    /// fp32 weights, OpenBLAS sgemm.
    case fp32
    /// bf16 weights (2 bytes each); products with fp32 accumulation. With AVX-512 BF16 the fp32
    /// operand is rounded to bf16 on the way in (`bf16Kernels`); elsewhere the weights are widened to
    /// fp32 a block at a time and multiplied by sgemm with the operand as it is (`bf16Widens`).
    /// Activations and gradients stay fp32 between products; of what a forward pass keeps for
    /// backward, the MLP's gate and up projections and the residual after attention are kept in bf16
    /// (`KeptRows`) where the products widen, in fp32 where they round their operands.
    case bf16
    /// int8 weights: a model file's Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 matrices in their own blocks
    /// (integers with a scale, and for Q4_1 and Q5_1 an offset, per row and block of 32: 1.125 or 1.19
    /// bytes per weight), any other matrix re-quantized with a scale per tile of 32 x 32. Forward
    /// products quantize their fp32 operand per row and block of 32, to int16 for the file's blocks and
    /// to int8 for tiles, and sum each block's integer products exactly (`int8Kernels`); the file's
    /// blocks' backward products run in bf16 where bf16 products do not widen (`bf16Widens` false: AVX-512
    /// BF16, or a bf16 kernel asked for by name), else in fp32 with sgemm; tiles' run in int8.
    /// Activations and gradients stay fp32 between products; of what is kept for backward, the gate
    /// and up projections are kept in int8 per block of 32 (as the tiles' products quantize operands)
    /// and the residual after attention in bf16 (`KeptRows`).
    case int8

    /// The bf16 kernels: AMX BF16 tiles, else AVX-512 BF16, else AVX2 with FMA, else portable C
    /// (`PTUNE_BF16_KERNEL`: portable, avx2, avx512 or amx asks for a slower one, and on a CPU without
    /// AVX-512 BF16 for a register kernel instead of `bf16Widens`; widened asks for `bf16Widens` on
    /// any CPU). AMX's sums round in another order
    /// than the others', which give the same bits (and may differ between AMX models).
    public static let bf16Kernels = KernelFamily(names: ["portable", "avx2", "avx512-bf16", "amx-bf16"],
                                                 current: { ptune_bf16_kernel() }, best: { ptune_bf16_best_kernel() },
                                                 choose: { ptune_bf16_use_kernel($0) })

    /// The int8 kernels: AVX-512 VNNI, else AVX2 with FMA, else portable C (`PTUNE_INT8_KERNEL`:
    /// portable, avx2 or avx512 asks for a slower one).
    public static let int8Kernels = KernelFamily(names: ["portable", "avx2", "avx512-vnni"],
                                                 current: { ptune_i8_kernel() }, best: { ptune_i8_best_kernel() },
                                                 choose: { ptune_i8_use_kernel($0) })

    /// What multiplies the weight matrices: OpenBLAS's sgemm with the core whose kernels it runs
    /// ("openblas-sgemm SkylakeX") for fp32, for bf16 the bf16 kernel or the widening
    /// ("widened, openblas-sgemm Zen"), and for int8 the int8 kernel with what its backward products
    /// use ("avx512-vnni, avx512-bf16"; "avx2, openblas-sgemm Haswell").
    public var kernel: String {
        switch self {
        case .fp32: "openblas-sgemm " + BLASKernels.core
        case .bf16: Precision.bf16Widens ? "widened, " + Precision.fp32.kernel : Precision.bf16Kernels.inUse
        case .int8: Precision.int8Kernels.inUse + ", " + (Precision.bf16Widens ? Precision.fp32.kernel
                                                                               : Precision.bf16Kernels.inUse)
        }
    }

    /// Whether bf16 products, and int8's backward products with a model file's blocks, widen the weights
    /// to fp32 a block at a time and multiply them by sgemm, the operand unrounded: on a CPU without
    /// AVX-512 BF16, unless `PTUNE_BF16_KERNEL` asked for a kernel by name, and on any CPU with
    /// `PTUNE_BF16_KERNEL=widened` (what a CPU without it runs, to run or measure that path anywhere).
    /// The register kernels (AVX2, portable) are slower there than sgemm but give the AVX-512 BF16
    /// kernel's bits, for a run that must match one on such a CPU exactly; widening gives results
    /// within bf16's rounding of them (closer to fp32's). Fixed for the process: a kernel chosen with
    /// `use` changes which register kernel runs, not whether one does.
    public static let bf16Widens = ptune_bf16_widening_asked() != 0
        || (!hasBF16DotProducts && ptune_bf16_kernel_asked() == 0)

    /// Whether this CPU has instructions for bf16 dot products (AVX-512 BF16, and AMX BF16 with it).
    public static let hasBF16DotProducts = bf16Kernels.available.contains("avx512-bf16")
}

/// One of ptune's own families of product kernels (bf16, int8), chosen once per process.
public struct KernelFamily: Sendable {
    /// The kernels, slowest first, by the names reports give them.
    public let names: [String]
    private let current: @Sendable () -> Int32
    private let best: @Sendable () -> Int32
    private let choose: @Sendable (Int32) -> Int32

    init(names: [String], current: @escaping @Sendable () -> Int32, best: @escaping @Sendable () -> Int32,
         choose: @escaping @Sendable (Int32) -> Int32) {
        self.names = names
        self.current = current
        self.best = best
        self.choose = choose
    }

    /// The kernel this process uses: the fastest this CPU runs, unless the environment or `use` asked
    /// for a slower one.
    public var inUse: String { names[Int(current())] }

    /// The kernels this CPU can run.
    public var available: [String] { Array(names[...Int(best())]) }

    /// Uses the kernel `name` from now on (the tests run each one); false when this CPU cannot run it.
    @discardableResult
    public func use(_ name: String) -> Bool {
        guard let index = names.firstIndex(of: name) else { return false }
        return choose(Int32(index)) != 0
    }
}
