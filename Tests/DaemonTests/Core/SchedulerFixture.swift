@testable import Daemon
import Foundation
import Logging
import Spool
import Store
import TestSupport

/// A daemon core run in-process on a temporary spool, with a fake executor and a fake clock: each
/// `tick()` is one pass of the scheduler, and the test decides when workers end and time passes.
final class SchedulerFixture {
    let root: URL
    let layout: SpoolLayout
    let clock = FakeClock()
    let executor: FakeExecutor
    let store: JobStore
    private(set) var config: DaemonConfig
    private(set) var core: DaemonCore

    /// `executor`: one made by `FakeExecutorKind` (on this fixture's `clock`); a new one by default.
    init(cores: Int = 2, memoryMB: Int = 4096, maxJobs: Int = 2, maxAttempts: Int = 3,
         retention: RetentionPolicy = RetentionPolicy(), executor: ((FakeClock) throws -> FakeExecutor)? = nil) throws {
        root = TestEnvironment.temporaryDirectory("ptune-scheduler")
        let models = root.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        try Data().write(to: models.appendingPathComponent("tiny"))
        var config = DaemonConfig(spool: root.appendingPathComponent("spool"), models: models.path, cores: cores,
                                  memoryMB: memoryMB, maxJobs: maxJobs, workerExecutable: "/nonexistent/ptune")
        config.rescanSeconds = 0
        config.settleSeconds = 0
        config.maxAttempts = maxAttempts
        config.retention = retention
        self.config = config
        layout = SpoolLayout(root: config.spool)
        self.executor = try executor?(clock) ?? FakeExecutor(clock: clock)
        try layout.create()
        store = try JobStore(path: config.database)
        core = try Self.makeCore(config: config, store: store, executor: self.executor, clock: clock)
        try core.recover()
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    private static func makeCore(config: DaemonConfig, store: JobStore, executor: FakeExecutor,
                                 clock: FakeClock) throws -> DaemonCore {
        let logger = Logger(label: "scheduler-test") { _ in SwiftLogNoOpLogHandler() }
        return try DaemonCore(config: config, store: store, logger: logger, executor: executor, cgroup: nil, clock: clock)
    }

    /// A new daemon on the same spool and database, as after a restart (the old one is dropped
    /// without draining, as after a crash, unless the test drained it).
    func restart() throws {
        core = try Self.makeCore(config: config, store: store, executor: executor, clock: clock)
        try core.recover()
    }

    /// Drops a valid bundle into incoming/ (written in tmp/, then renamed in, as `ptune submit` does).
    func submit(_ name: String, threads: Int = 1, memoryMB: Int = 512, wallTime: String = "1h", priority: Int = 0,
                files: [String: String]? = nil) throws {
        let limits = "memory_mb = \(memoryMB)\nwall_time = \"\(wallTime)\"\npriority = \(priority)"
        let contents = files ?? TestBundles.valid(name: name, limits: limits)
            .merging(["task.toml": TestBundles.manifest(name: name, limits: limits)
                        .replacingOccurrences(of: "threads = 1", with: "threads = \(threads)")]) { $1 }
        let staging = layout.tmp.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        for (file, text) in contents { try Data(text.utf8).write(to: staging.appendingPathComponent(file)) }
        try FileManager.default.moveItem(at: staging, to: layout.incoming.appendingPathComponent(name))
    }

    /// One pass of the scheduler, after `seconds` of fake time.
    func tick(after seconds: Double = 1) throws {
        clock.advance(seconds)
        try core.tick()
    }

    /// The job row of the bundle named `name`.
    func job(_ name: String) throws -> JobRecord {
        guard let job = try store.jobs().first(where: { $0.name == name }) else { throw HarnessError("no job named \(name)") }
        return job
    }

    func state(_ name: String) throws -> JobState { try job(name).state }

    /// The names of the jobs whose worker is live, sorted.
    func runningNames() throws -> [String] {
        try store.jobs(inStates: [.running]).map(\.name).sorted()
    }

    /// The one live worker of `name`.
    func worker(_ name: String) throws -> FakeWorker {
        guard let worker = executor.workers(of: name).last, !worker.ended else { throw HarnessError("\(name) has no live worker") }
        return worker
    }

    /// Entries of the spool folder `folder` (done, failed, rejected, ...).
    func entries(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }
}
