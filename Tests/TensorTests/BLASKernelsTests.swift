import Foundation
@testable import Tensor
import TestSupport
import Testing

/// OpenBLAS's kernels match the CPU's feature flags, whatever model number the CPU shows.
struct BLASKernelsTests {
    @Test func aCoreTheEnvironmentNamesIsKept() {
        #expect(BLASKernels.betterCore(environment: ["OPENBLAS_CORETYPE": "Prescott"]) == nil)
    }

    /// This process was not run by ptune's `main`, so OpenBLAS's own choice stands here; a better core
    /// is named exactly when that choice predates AVX2 and the CPU has AVX2.
    @Test func aBetterCoreIsNamedOnlyForAnOldChoiceOnANewerCPU() {
        let old = BLASKernels.preAVX2Cores.contains(BLASKernels.core.lowercased())
        let cpu = BLASKernels.supportedCore
        #expect(BLASKernels.betterCore(environment: [:]) == (old ? cpu : nil))
    }

    /// The ptune binary runs with kernels at least as new as the CPU's features allow: with AVX2, never
    /// a core that predates it (OPENBLAS_VERBOSE=2 makes OpenBLAS print the core it loads).
    @Test func theBinaryRunsKernelsTheCPUSupports() throws {
        guard BLASKernels.supportedCore != nil else { return }
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_VERBOSE"] = "2"
        environment["OPENBLAS_CORETYPE"] = nil
        let text = try TestEnvironment.capture(TestEnvironment.ptuneBinary, ["--help"], environment: environment).output
        let cores = text.split(separator: "\n").filter { $0.hasPrefix("Core: ") }.map { $0.dropFirst(6).lowercased() }
        let last = try #require(cores.last, "OpenBLAS printed no core: \(text.prefix(200))")
        #expect(!BLASKernels.preAVX2Cores.contains(last), "ptune ran OpenBLAS's \(last) kernels")
    }
}
