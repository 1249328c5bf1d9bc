import Foundation
import Glibc
import Testing
import TestSupport

/// Crash-point enumeration: the daemon numbers the durable steps (file writes, fsyncs, renames,
/// SQLite commits) of one job's life; then, for each step N, a daemon is killed (SIGKILL) just
/// before step N, restarted, and the job must still end correctly with the spool and the database
/// in agreement.
///
/// `PTUNE_CRASH_POINTS` picks the steps: `all`, or `every:K` (the default, `every:3`, in `make
/// test`; `make faults` runs all).
@Suite(.serialized)
struct CrashPointTests {
    static let bundle = TestBundles.valid(name: "life", steps: 4)

    /// The steps of one undisturbed life: the bundle is in incoming/ before the daemon starts.
    static func countSteps() throws -> [String] {
        let h = try ServiceHarness()
        let log = h.root.appendingPathComponent("steps.log").path
        try h.makeSpool()
        try h.submit("life", files: bundle)
        try h.start(extra: ["--fault-plan", "count", "--fault-log", log])
        _ = try h.waitForJob("life", in: ["succeeded", "failed"])
        #expect(try h.stop() == 0)
        return try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func selected(_ count: Int) -> [Int] {
        let spec = ProcessInfo.processInfo.environment["PTUNE_CRASH_POINTS"] ?? "every:3"
        let stride = spec.hasPrefix("every:") ? max(1, Int(spec.dropFirst(6)) ?? 1) : 1
        return Array(Swift.stride(from: 1, through: count, by: stride))
    }

    @Test func aCrashBeforeAnyDurableStepLosesNothing() throws {
        let steps = try Self.countSteps()
        #expect(steps.count > 10, "only \(steps.count) steps counted")
        for n in Self.selected(steps.count) {
            let h = try ServiceHarness()
            try h.makeSpool()
            try h.submit("life", files: Self.bundle)
            try h.start(extra: ["--fault-plan", "crash@\(n)"], mayDie: true)
            let crashed = h.waitForDaemonExit(seconds: 60)
            if !crashed { try h.stop() }
            try h.start()
            try h.waitForJob("life", in: ["succeeded", "failed", "rejected"], seconds: 120)
            let context = "crash before step \(n) of \(steps.count) (\(steps[n - 1])); crashed: \(crashed)"
            try SpoolInvariants.checkSucceeded(h, name: "life", context: context)
            #expect(try h.stop() == 0, "\(context)")
        }
    }

    /// A write, fsync, rename or commit that fails once (a full disk, an I/O error) costs at most a
    /// retry: the daemon keeps serving and the job still ends correctly. A failure while the daemon
    /// sets up its spool ends it with the reason (systemd restarts it), and the next start finishes.
    @Test(arguments: ["enospc", "eio"])
    func aFailedDurableStepIsRetried(_ error: String) throws {
        let steps = try Self.countSteps()
        for n in Self.selected(steps.count) {
            let h = try ServiceHarness()
            try h.makeSpool()
            try h.submit("life", files: Self.bundle)
            try h.start(extra: ["--fault-plan", "\(error)@\(n)"], mayDie: true)
            let context = "\(error) at step \(n) of \(steps.count) (\(steps[n - 1]))"
            if h.waitForDaemonExit(seconds: 0) {
                let log = try String(contentsOfFile: h.logPath, encoding: .utf8)
                let message = error == "enospc" ? "No space left on device" : "Input/output error"
                #expect(log.contains(message), "the daemon's last words do not give the reason; \(context)")
                try h.start()
            }
            try h.waitForJob("life", in: ["succeeded", "failed", "rejected"], seconds: 120)
            try SpoolInvariants.checkSucceeded(h, name: "life", context: context)
            #expect(try h.stop() == 0, "\(context)")
        }
    }
}
