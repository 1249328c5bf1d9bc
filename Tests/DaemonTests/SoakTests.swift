import Foundation
import Glibc
import Tensor
import TestSupport
import Testing

/// kill -9 soak: bundles arrive while the daemon and its workers are killed at seeded random
/// moments; once the kills stop, every bundle must end as exactly one job, nothing lost, nothing
/// run twice to completion (``SpoolInvariants``).
///
/// `PTUNE_SOAK_CYCLES` (default 12; `make soak` runs 200) and `PTUNE_SOAK_SEED` (default: random,
/// printed, so a failure can be replayed).
@Suite(.serialized)
struct SoakTests {
    /// What one cycle does after a random pause.
    enum Kill: CaseIterable { case daemon, worker, none }

    @Test func seededKillsOfTheDaemonAndItsWorkersLoseNothing() throws {
        let environment = ProcessInfo.processInfo.environment
        let cycles = environment["PTUNE_SOAK_CYCLES"].flatMap(Int.init) ?? 12
        let seed = environment["PTUNE_SOAK_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("soak: \(cycles) cycles, seed \(seed) (PTUNE_SOAK_SEED=\(seed) replays it)")
        var rng = SeededGenerator(seed: seed)
        let h = try ServiceHarness()
        try h.start()
        var names: [String] = []
        var kills: [Kill: Int] = [:]
        let started = Date()
        for cycle in 0..<cycles {
            for k in 0..<Int(rng.next() % 3) {
                let name = "soak-\(cycle)-\(k)"
                try h.submit(name, files: TestBundles.valid(name: name, steps: 4 + Int(rng.next() % 40)))
                names.append(name)
            }
            usleep(UInt32(rng.next() % 1_500_000))
            let kill = Kill.allCases[Int(rng.next() % 3)]
            switch kill {
            case .daemon:
                try h.stop(SIGKILL)
                try h.start()
            case .worker:
                let pids = try h.workers().map(\.pid)
                if !pids.isEmpty { Glibc.kill(Int32(pids[Int(rng.next() % UInt64(pids.count))]), SIGKILL) }
            case .none:
                break
            }
            kills[kill, default: 0] += 1
        }
        try h.wait(seconds: 600, "every soak job ended") {
            let states = try h.history().compactMap { $0["state"] as? String }
            return states.count == names.count && states.allSatisfy { ["succeeded", "failed", "rejected"].contains($0) }
        }
        let context = "soak seed \(seed), \(cycles) cycles"
        let outcome = try SpoolInvariants.check(h, names: names, context: context)
        #expect(try h.stop() == 0, "\(context)")
        let succeeded = outcome.values.filter { $0.state == "succeeded" }.count
        print("soak: \(names.count) bundles, \(succeeded) succeeded, \(names.count - succeeded) failed after repeated worker kills; "
              + "kills: daemon \(kills[.daemon] ?? 0), worker \(kills[.worker] ?? 0), none \(kills[.none] ?? 0); "
              + String(format: "%.0f s", Date().timeIntervalSince(started)))
    }
}
