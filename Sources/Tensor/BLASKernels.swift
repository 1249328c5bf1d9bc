import CBLAS
import Foundation

/// Which of OpenBLAS's kernels run. OpenBLAS chooses them from the CPU's model number as it loads; a
/// virtual machine that hides the model ("Intel(R) Xeon(R) Processor") gets its oldest x86-64 kernels
/// (Prescott: SSE3), a third of the speed of the AVX-512 ones on such a machine. ptune reads the CPU's
/// feature flags instead and, when OpenBLAS chose a core without AVX2 on a CPU that has it, runs itself
/// again with `OPENBLAS_CORETYPE` set, the only way to choose (OpenBLAS reads it once, as it loads).
public enum BLASKernels {
    /// The core whose kernels OpenBLAS runs ("SkylakeX", "Haswell", "Prescott", ...).
    public static var core: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// The core whose kernels this CPU's feature flags support: "SkylakeX" (AVX-512), "Haswell" (AVX2
    /// and FMA), or nil.
    public static var supportedCore: String? { ptune_blas_core_for_cpu().map { String(cString: $0) } }

    /// Cores whose kernels predate AVX2 (OpenBLAS's names, lowercased).
    static let preAVX2Cores: Set<String> = [
        "prescott", "core2", "penryn", "dunnington", "nehalem", "sandybridge", "atom", "katmai", "coppermine",
        "northwood", "banias", "opteron", "opteron_sse3", "barcelona", "bobcat", "bulldozer", "piledriver",
        "steamroller", "unknown",
    ]

    /// The `OPENBLAS_CORETYPE` to run with: what this CPU's features support, when OpenBLAS chose a
    /// core without AVX2 and the environment names none; nil when OpenBLAS's choice stands.
    public static func betterCore(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, preAVX2Cores.contains(core.lowercased()) else { return nil }
        return supportedCore
    }

    /// Runs this program again with `OPENBLAS_CORETYPE` set when `betterCore` names one; returns only
    /// when it does not (or the exec fails, and the process goes on with OpenBLAS's choice).
    public static func reexecWithKernelsForThisCPU() {
        guard let core = betterCore() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
