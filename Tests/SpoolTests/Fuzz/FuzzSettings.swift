import Foundation

/// How much to fuzz and from where, read from the environment:
///
/// - `PTUNE_FUZZ_ITERATIONS`: executions per fuzz target (each target has its own small default,
///   so that a plain test run stays quick).
/// - `PTUNE_FUZZ_SEED`: the seed, decimal or `0x` hex; without it a random one, printed so that a
///   failing run can be repeated exactly.
/// - `PTUNE_FUZZ_LAST_INPUT`: a file each input is written to before it runs, so that the input
///   that crashed the process is left there.
enum FuzzSettings {
    /// The seed of this test process, the same for every target.
    static let seed: UInt64 = {
        if let text = ProcessInfo.processInfo.environment["PTUNE_FUZZ_SEED"], let seed = parse(text) { return seed }
        return UInt64.random(in: .min ... .max)
    }()

    /// The file to keep the input being run in, when one is asked for.
    static let lastInputFile: URL? = ProcessInfo.processInfo.environment["PTUNE_FUZZ_LAST_INPUT"]
        .map { URL(fileURLWithPath: $0) }

    /// The executions for one target: `PTUNE_FUZZ_ITERATIONS`, or `defaultIterations`.
    static func iterations(default defaultIterations: Int) -> Int {
        guard let text = ProcessInfo.processInfo.environment["PTUNE_FUZZ_ITERATIONS"], let count = Int(text), count >= 0 else {
            return defaultIterations
        }
        return count
    }

    private static func parse(_ text: String) -> UInt64? {
        text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
    }
}
