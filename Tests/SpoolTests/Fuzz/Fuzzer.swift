import Foundation
import Tensor
import Testing

/// A seeded mutation fuzzer for one target: it mutates valid seed inputs (and inputs the target
/// accepted earlier in the run), hands each to `execute`, and records a test issue for every input
/// that breaks the property `execute` checks or takes longer than `timeLimit`.
///
/// A run is fixed by the seed and the number of executions: running again with the seed printed
/// at the start repeats it input for input.
struct Fuzzer {
    /// The target's name, in messages and mixed into the seed.
    let target: String
    /// Valid inputs to start from.
    let seeds: [[UInt8]]
    let mutator: ByteMutator
    var timeLimit: Duration = .seconds(2)
    /// Inputs kept in the pool of accepted ones, to mutate further.
    var poolSize = 256
    /// Mutants are cut to this length, so that inputs kept and mutated again do not grow without end.
    var maxInputBytes = 4_096
    /// Failures reported before the run stops.
    var maxFailures = 5

    /// What one execution found.
    enum Verdict {
        case accepted
        case rejected
        /// The property does not hold: why.
        case failed(String)
    }

    /// Runs `FuzzSettings.iterations(default:)` executions and prints the seed, executions and time.
    func run(defaultIterations: Int, _ execute: ([UInt8]) throws -> Verdict) rethrows {
        let iterations = FuzzSettings.iterations(default: defaultIterations)
        var random = SeededGenerator(seed: FuzzSettings.seed ^ Self.stableHash(target.utf8))
        print("fuzz \(target): seed \(FuzzSettings.seed) (PTUNE_FUZZ_SEED=\(FuzzSettings.seed) repeats it), \(iterations) executions")
        var pool = seeds
        var counts = (accepted: 0, rejected: 0, failed: 0)
        let clock = ContinuousClock()
        let start = clock.now
        for iteration in 0..<iterations where counts.failed < maxFailures {
            let base = pool.randomElement(using: &random)!
            let input = Array(mutator.mutate(base, others: pool, using: &random).prefix(maxInputBytes))
            if let file = FuzzSettings.lastInputFile { try? Data(input).write(to: file.appendingPathExtension(target)) }
            let began = clock.now
            var verdict = try execute(input)
            let elapsed = clock.now - began
            if elapsed > timeLimit { verdict = .failed("took \(elapsed), over \(timeLimit)") }
            switch verdict {
            case .accepted:
                counts.accepted += 1
                if pool.count < seeds.count + poolSize {
                    pool.append(input)
                } else {
                    pool[seeds.count + Int.random(in: 0..<poolSize, using: &random)] = input
                }
            case .rejected:
                counts.rejected += 1
            case .failed(let reason):
                counts.failed += 1
                Issue.record("""
                    fuzz \(target), seed \(FuzzSettings.seed), execution \(iteration + 1): \(reason)
                    input (base64): \(Data(input).base64EncodedString())
                    """)
            }
        }
        let seconds = (clock.now - start) / .seconds(1)
        let executions = counts.accepted + counts.rejected + counts.failed
        print("fuzz \(target): \(executions) executions in \(String(format: "%.1f", seconds)) s "
              + "(\(Int(Double(executions) / max(seconds, 1e-9)))/s): \(counts.accepted) accepted, "
              + "\(counts.rejected) rejected, \(counts.failed) failed")
    }

    /// FNV-1a of `bytes`: a hash that, unlike `hashValue`, is the same in every process.
    static func stableHash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        bytes.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}
