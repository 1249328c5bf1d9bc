import Foundation
import Glibc
import TestSupport
import Testing

/// Crash-point enumeration: the daemon (or a worker) numbers the durable steps (file writes,
/// fsyncs, renames, SQLite commits) of one job's life; then, for each step N, the process is killed
/// (SIGKILL) just before step N or the step fails, and the job must still end correctly with the
/// spool and the database in agreement.
///
/// `PTUNE_CRASH_POINTS` picks the steps: `all`, or `every:K` (the default, `every:3`, in `make
/// test`; `make faults` runs all).
@Suite(.serialized)
struct CrashPointTests {
    static let bundle = TestBundles.valid(name: "life", steps: 4)

    /// The steps of one undisturbed life: the bundle is in incoming/ before the daemon starts,
    /// submitted (the startup scan claims it) or `copiedInPlace` just now (the startup scan leaves it
    /// to settle, and the running daemon's intake claims it a moment later).
    static func countSteps(name: String = "life", files: [String: String] = bundle,
                           copiedInPlace: Bool = false) throws -> [String] {
        let h = try ServiceHarness()
        let log = h.root.appendingPathComponent("steps.log").path
        try place(name, files: files, in: h, copiedInPlace: copiedInPlace)
        try h.start(extra: ["--fault-plan", "count", "--fault-log", log])
        _ = try h.waitForJob(name, in: ["succeeded", "failed"])
        #expect(try h.stop() == 0)
        return try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// Puts the bundle `name` into incoming/ (see `countSteps`).
    static func place(_ name: String, files: [String: String], in h: ServiceHarness, copiedInPlace: Bool) throws {
        try h.makeSpool()
        if copiedInPlace {
            try h.write(files, to: h.spool.appendingPathComponent("incoming/\(name)"))
        } else {
            try h.submit(name, files: files)
        }
    }

    /// `every`: the stride when `PTUNE_CRASH_POINTS` is not set.
    static func selected(_ count: Int, every: Int = 3) -> [Int] {
        let spec = ProcessInfo.processInfo.environment["PTUNE_CRASH_POINTS"] ?? "every:\(every)"
        let stride = spec.hasPrefix("every:") ? max(1, Int(spec.dropFirst(6)) ?? 1) : 1
        return Array(Swift.stride(from: 1, through: count, by: stride))
    }

    @Test func aCrashBeforeAnyDurableStepLosesNothing() throws {
        let steps = try Self.countSteps()
        print("daemon crash: \(steps.count) durable steps, crashes before \(Self.selected(steps.count).count) of them")
        #expect(steps.count > 10, "only \(steps.count) steps counted")
        for n in Self.selected(steps.count) {
            let h = try ServiceHarness()
            try h.makeSpool()
            try h.submit("life", files: Self.bundle)
            let crashed = try h.crashAndRecover(at: n, waitingFor: "life")
            let context = "crash before step \(n) of \(steps.count) (\(steps[n - 1])); crashed: \(crashed)"
            try SpoolInvariants.checkSucceeded(h, name: "life", context: context)
            #expect(try h.stop() == 0, "\(context)")
        }
    }

    /// A write, fsync, rename or commit that fails once (a full disk, an I/O error) costs at most a
    /// retry: the daemon keeps serving and the job still ends correctly. A failure while the daemon
    /// sets up its spool ends it with the reason (systemd restarts it), and the next start finishes.
    /// The bundle is copied in place, so the running daemon's intake claims it once it settles; a
    /// claim that fails there is tried again within seconds, since the full rescans are an hour
    /// apart here and a bundle left for the next one would time the test out.
    @Test(arguments: ["enospc", "eio"])
    func aFailedDurableStepIsRetried(_ error: String) throws {
        let steps = try Self.countSteps(copiedInPlace: true)
        print("daemon \(error): \(steps.count) durable steps, faults at \(Self.selected(steps.count).count) of them")
        for n in Self.selected(steps.count) {
            let h = try ServiceHarness()
            try Self.place("life", files: Self.bundle, in: h, copiedInPlace: true)
            let config = try h.configFile("rescan_seconds = 3600\n")
            try h.start(extra: ["--config", config, "--fault-plan", "\(error)@\(n)"], mayDie: true)
            let context = "\(error) at step \(n) of \(steps.count) (\(steps[n - 1]))"
            if h.waitForDaemonExit(seconds: 0) {
                let log = try String(contentsOfFile: h.logPath, encoding: .utf8)
                let message = error == "enospc" ? "No space left on device" : "Input/output error"
                #expect(log.contains(message), "the daemon's last words do not give the reason; \(context)")
                try h.start(extra: ["--config", config])
            }
            do {
                try h.waitForJob("life", in: ["succeeded", "failed", "rejected"], seconds: 120)
            } catch {
                throw HarnessError("\(context): \(error)")
            }
            try SpoolInvariants.checkSucceeded(h, name: "life", context: context)
            #expect(try h.stop() == 0, "\(context)")
        }
    }

    /// The worker's durable steps (checkpoints every 5 of 12 training steps, then the outputs),
    /// numbered by a first worker that only counts.
    static func countWorkerSteps() throws -> [String] {
        let h = try ServiceHarness()
        let log = h.root.appendingPathComponent("worker-steps.log").path
        try h.start(extra: ["--worker-fault-plan", "count", "--worker-fault-log", log])
        try h.submit("work", files: TestBundles.valid(name: "work", steps: 12))
        _ = try h.waitForJob("work", in: ["succeeded", "failed"])
        #expect(try h.stop() == 0)
        return try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// A first worker killed before, or failing at, any of its durable steps costs one attempt: the
    /// second resumes from the last whole checkpoint and the job ends correctly.
    @Test(arguments: ["crash", "enospc"])
    func aWorkerFaultAtAnyStepCostsOneAttempt(_ action: String) throws {
        let steps = try Self.countWorkerSteps()
        print("worker \(action): \(steps.count) durable steps, faults at \(Self.selected(steps.count).count) of them")
        #expect(steps.contains { $0.contains("checkpoint") }, "no checkpoint among the worker's steps: \(steps)")
        for n in Self.selected(steps.count) {
            let h = try ServiceHarness()
            try h.start(extra: ["--worker-fault-plan", "\(action)@\(n)"])
            try h.submit("work", files: TestBundles.valid(name: "work", steps: 12))
            try h.waitForJob("work", in: ["succeeded", "failed", "rejected"], seconds: 120)
            let context = "worker \(action) at step \(n) of \(steps.count) (\(steps[n - 1]))"
            try SpoolInvariants.checkSucceeded(h, name: "work", context: context)
            #expect(try h.stop() == 0, "\(context)")
        }
    }
}
