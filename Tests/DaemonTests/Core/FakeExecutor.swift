@testable import Daemon
import Foundation
import Glibc
import Logging
import Store

/// A clock the test moves by hand.
final class FakeClock: DaemonClock, @unchecked Sendable {
    /// A little ahead of the wall clock, so files written by the test count as settled.
    var current = Date().addingTimeInterval(5)

    func now() -> Date { current }

    func advance(_ seconds: Double) { current = current.addingTimeInterval(seconds) }
}

/// A worker the test drives: it ends when told, says what it is told, and answers signals like a
/// real worker (SIGTERM: checkpoint and exit 75, unless told to ignore it; SIGKILL: killed).
final class FakeWorker: WorkerHandle {
    let launch: WorkerLaunch
    let startedAt: Date
    var pid: pid_t? { nil }
    var clusterJobID: String? { nil }
    var node: String? { nil }
    var clusterVerdict: ClusterVerdict? { nil }
    private(set) var exitStatus: Int32?
    private(set) var terminatingSignal: Int32?
    private(set) var signals: [Int32] = []
    var residentMegabytes: Double?
    /// Exit status on SIGTERM; nil: SIGTERM is ignored.
    var exitOnTerm: Int32? = WorkerExit.interrupted
    private var lines: [Data] = []

    init(launch: WorkerLaunch, startedAt: Date) {
        self.launch = launch
        self.startedAt = startedAt
    }

    var ended: Bool { exitStatus != nil || terminatingSignal != nil }

    /// Writes one message line on the worker's stdout.
    func say(_ message: WorkerMessage) {
        lines.append(message.line().dropLast())
    }

    /// Writes the outputs a finished run leaves and exits 0.
    func succeed() throws {
        try Data("{\"summary\": {\"warnings\": []}}".utf8).write(to: launch.directory.appendingPathComponent("report.json"))
        try Data("prompt bytes".utf8).write(to: launch.directory.appendingPathComponent("prompt.safetensors"))
        exitStatus = WorkerExit.success
    }

    func exit(_ status: Int32) { exitStatus = status }

    func readLines() -> [Data] {
        defer { lines = [] }
        return lines
    }

    func readErrorOutput() -> Data { Data() }

    func poll() -> Bool { ended }

    func send(_ signal: Int32) {
        signals.append(signal)
        guard !ended else { return }
        if signal == SIGKILL { terminatingSignal = SIGKILL }
        if signal == SIGTERM, let status = exitOnTerm { exitStatus = status }
    }
}

/// An executor whose workers are `FakeWorker`s, registered in the daemon as the real ones are.
final class FakeExecutor: JobExecutor {
    let name = "fake"
    let workersOutliveDaemon = false
    let enforcesLimits = false
    let clock: FakeClock
    private(set) var workers: [FakeWorker] = []
    /// The errors the next launches throw, in order.
    var launchErrors: [WorkerLaunchError] = []
    /// Called on each new worker before the daemon sees it.
    var configure: (FakeWorker) -> Void = { _ in }

    init(clock: FakeClock) {
        self.clock = clock
    }

    func launch(_ launch: WorkerLaunch) throws -> WorkerHandle {
        if !launchErrors.isEmpty { throw launchErrors.removeFirst() }
        let worker = FakeWorker(launch: launch, startedAt: clock.now())
        configure(worker)
        workers.append(worker)
        return worker
    }

    func reattach(_ attempt: AttemptRecord, directory: URL) -> WorkerHandle? { nil }

    func cancelUnrecorded(known: Set<String>) -> [String] { [] }

    /// The workers started for the job named `name`, oldest first.
    func workers(of name: String) -> [FakeWorker] { workers.filter { $0.launch.job.name == name } }
}

/// The fake executor as a kind, registered the way the shipped ones are: `executor = "fake"`, with a
/// `[fake]` table whose `exit_on_term` sets what its workers exit with on SIGTERM.
struct FakeExecutorKind: ExecutorKind {
    let name = "fake"
    let settingKeys = ["exit_on_term"]
    let runsLocally = false
    let clock: FakeClock

    func defaultBudgets(cores: Int, memoryMB: Int) -> ExecutorBudgets {
        ExecutorBudgets(cores: 3, memoryMB: 3000, maxJobs: 3)
    }

    func makeExecutor(_ table: ConfigReader?, spool: URL, logger: Logger) throws -> any JobExecutor {
        let executor = FakeExecutor(clock: clock)
        if let status = try table?.int("exit_on_term") { executor.configure = { $0.exitOnTerm = Int32(status) } }
        return executor
    }

    func describeWorker(pid: Int32?, clusterJobID: String?, node: String?, live: Bool) -> String? { nil }

    func statusLine(_ status: DaemonStatus) -> String { "executor fake" }
}
