import Foundation
import Glibc
import Logging
import PTuning
import Spool
import Store
import Tensor

/// The daemon's state machine, driven by `tick()` from one task: intake from the spool, admission,
/// worker supervision and limits, completion. Every job state change is one Store transaction; the
/// commits that allow a file move are durable (synchronous=FULL) and come before the move, so a
/// crash anywhere leaves a state `recover()` can finish.
public final class DaemonCore {
    public let config: DaemonConfig
    let store: JobStore
    let layout: SpoolLayout
    let logger: Logger
    private var running: [String: RunningJob] = [:]
    private var watcher: SpoolWatcher?
    private var lastRescan = Date.distantPast
    private var lastCancelPoll = Date.distantPast
    /// When an entry still being written in incoming/ will have settled: intake runs again then.
    private var settleCheck: Date?
    /// Set when `waitForWork` saw inotify activity; the next tick takes in the new entries.
    private var woken = false
    /// Entries inotify saw arrive complete (renamed in, or written and closed): no need to settle.
    private var arrivedWhole = Set<String>()
    /// Set when a pass failed midway (a full disk, an I/O error): the next pass first finishes
    /// what it left half-done, as a restart would.
    private var reconcileNeeded = false
    /// Set when SIGTERM arrived: no more claiming or admitting.
    public private(set) var stopping = false

    /// Where workers get a memory-capped cgroup of their own; nil: the RSS watchdog enforces limits.
    let cgroup: DelegatedCgroup?
    /// Where workers run.
    let executor: JobExecutor
    /// After a failed submission to a cluster that could not be reached: no new start before this.
    private var launchPausedUntil = Date.distantPast

    public init(config: DaemonConfig, store: JobStore, logger: Logger, cgroup: DelegatedCgroup? = nil) throws {
        self.config = config
        self.store = store
        self.layout = SpoolLayout(root: config.spool)
        self.logger = logger
        switch config.executor {
        case .local:
            self.executor = LocalExecutor()
            self.cgroup = cgroup
        case .slurm(let settings):
            self.executor = SlurmExecutor(settings: settings, spool: config.spool, logger: logger)
            self.cgroup = nil
        }
        try layout.create()
    }

    /// Jobs with a live worker.
    public var runningCount: Int { running.count }

    // MARK: start-up

    /// Before the daemon reports ready: watch incoming/ (before the first scan, so nothing dropped in
    /// between is missed), then reconcile the database with the spool.
    public func recover() throws {
        watcher = try SpoolWatcher(layout: layout)
        try Recovery(core: self).run()
        try intake()
    }

    // MARK: the loop

    /// One pass: intake when inotify hinted or a rescan is due, worker output and limits, completions,
    /// admission. Returns quickly; the caller sleeps between passes.
    public func tick() throws {
        if reconcileNeeded {
            try Recovery(core: self).reconcileSpool()
            reconcileNeeded = false
        }
        do {
            try pass()
        } catch {
            reconcileNeeded = true
            throw error
        }
    }

    private func pass() throws {
        let now = Date()
        if !stopping {
            let wake = try watcher?.wait(timeout: .zero) ?? .quiet
            let hinted = woken || note(wake)
            woken = false
            let settled = settleCheck.map { now >= $0 } ?? false
            if hinted || settled || now.timeIntervalSince(lastRescan) >= config.rescanSeconds { try intake() }
        }
        let pollCancels = now.timeIntervalSince(lastCancelPoll) >= 0.5
        if pollCancels { lastCancelPoll = now }
        for (id, job) in running {
            try supervise(job, now: now, pollCancel: pollCancels)
            if job.worker.poll() {
                collect(job)
                // Until its completion is recorded the job stays here; a failed one is tried again.
                try complete(job)
                running[id] = nil
            }
        }
        if !stopping {
            if pollCancels { try cancelQueued() }
            try admit()
        }
    }

    /// Queued jobs with a cancel request end as cancelled without running.
    private func cancelQueued() throws {
        for id in CancelRequests.pending(layout: layout) where running[id] == nil {
            guard let job = try store.job(id: id), job.id == id else {
                CancelRequests.clear(id, layout: layout)
                continue
            }
            if job.state == .queued {
                try store.requestCancel(jobID: id, at: Date())
                try endUnstarted(job, in: .cancelled, reason: "cancelled with `ptune cancel` before it ran")
            }
            if job.state != .running { CancelRequests.clear(id, layout: layout) }
        }
    }

    /// Sleeps up to `milliseconds` between ticks, waking early when something arrives in incoming/.
    public func waitForWork(milliseconds: Int) throws {
        guard let watcher, !stopping else {
            usleep(UInt32(milliseconds * 1000))
            return
        }
        if note(try watcher.wait(timeout: .milliseconds(milliseconds))) { woken = true }
    }

    /// Records what inotify said about incoming/; true when there is something to take in.
    private func note(_ wake: SpoolWatcher.Wake) -> Bool {
        switch wake {
        case .changed(let names, let whole):
            arrivedWhole.subtract(names)
            arrivedWhole.formUnion(whole)
            return true
        case .overflowed:
            return true
        case .quiet, .cancelled:
            return false
        }
    }

    /// SIGTERM: stop claiming and admitting, ask every worker to checkpoint and stop, SIGKILL what is
    /// left at the deadline, and record every stopped job as interrupted. Workers a cluster runs are
    /// left running: the next start re-attaches to them.
    public func drain(deadline: Date) throws {
        stopping = true
        if executor.workersOutliveDaemon {
            for job in running.values { collect(job) }
            if !running.isEmpty {
                logger.notice("leaving jobs running in the cluster; the next start re-attaches to them",
                              metadata: ["jobs": "\(running.count)", "executor": "\(executor.name)"])
            }
            running.removeAll()
            return
        }
        for job in running.values {
            job.stopReason = .shutdown
            job.terminatedAt = Date()
            job.worker.send(SIGTERM)
        }
        while !running.isEmpty {
            if Date() >= deadline {
                for job in running.values { job.worker.send(SIGKILL) }
            }
            try tick()
            usleep(100_000)
        }
    }

    // MARK: intake

    func intake() throws {
        lastRescan = Date()
        let names = try SpoolIntake.scanIncoming(layout)
        let (ready, nextCheck) = SpoolIntake.settled(names, whole: arrivedWhole, layout: layout,
                                                     quietFor: config.settleSeconds, now: lastRescan)
        settleCheck = nextCheck
        arrivedWhole.formIntersection(names)
        arrivedWhole.subtract(ready)
        for name in ready {
            guard let claimed = try SpoolIntake.claim(name, layout: layout) else { continue }
            try takeIn(claimed: claimed, spoolName: name)
        }
    }

    /// Takes a claimed entry in as a job or rejects it. An I/O or database failure is rethrown (the
    /// entry stays claimed and a later pass retries it); any other failure (an unreadable or vanished
    /// entry) rejects it with the reason, so it neither blocks the entries behind it nor is lost.
    func takeIn(claimed: URL, spoolName name: String) throws {
        let marker = IntakeMarker(layout: layout)
        try marker.begin(claimed.lastPathComponent)
        defer { marker.end() }
        do {
            try Intake(core: self).process(claimed: claimed, spoolName: name)
        } catch where Self.isTransient(error) {
            throw error
        } catch {
            logger.error("cannot take in a bundle", metadata: ["entry": "\(name)", "error": "\(error)"])
            if FileManager.default.fileExists(atPath: claimed.path) {
                _ = try SpoolIntake.reject(claimed: claimed, problems: [TaskProblem(
                    file: name, message: "the daemon could not take it in: \(error)",
                    hint: "check the bundle's files are readable, then submit it again")], layout: layout)
            }
        }
    }

    /// Failures of the machine rather than of the bundle: a full disk, an I/O error, the database.
    static func isTransient(_ error: Error) -> Bool {
        let transient: Set<Int32> = [ENOSPC, EDQUOT, EIO, EROFS, ENOMEM, EMFILE, ENFILE]
        switch error {
        case let error as SpoolError: return error.code.map(transient.contains) ?? false
        case let error as FileWriteError: return transient.contains(error.code)
        case is StoreError: return true
        default: return false
        }
    }

    private func admit() throws {
        var usage = Admission.Usage()
        for job in running.values {
            usage.jobs += 1
            usage.threads += job.job.threads
            usage.memoryMB += job.job.memoryMB
        }
        guard Date() >= launchPausedUntil else { return }
        for job in Admission.select(queued: try store.queuedJobs(), running: usage, config: config) {
            try start(job)
        }
    }

    private func start(_ job: JobRecord) throws {
        let directory = layout.active.appendingPathComponent(job.id)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("bundle").path) else {
            try store.updateState(jobID: job.id, to: .failed, reason: "the bundle disappeared from \(directory.path)",
                                  at: Date(), durable: true)
            return
        }
        let launch = WorkerLaunch(
            job: job, attempt: job.attempts + 1, directory: directory, executable: config.workerExecutable,
            arguments: ["worker", "--job-dir", directory.path, "--job-id", job.id, "--threads", String(job.threads)]
                + (job.attempts == 0 ? config.firstAttemptArguments : []),
            environment: ["PTUNE_MODELS": config.models, "OPENBLAS_NUM_THREADS": String(job.threads)])
        let worker: WorkerHandle
        do {
            worker = try executor.launch(launch)
        } catch let error as WorkerLaunchError where error.permanent {
            try endUnstarted(job, in: .failed, reason: "the job cannot be started: \(error.message)")
            logger.error("job cannot be started", metadata: ["job": "\(job.id)", "error": "\(error)"])
            return
        } catch let error as WorkerLaunchError {
            launchPausedUntil = Date().addingTimeInterval(30)
            logger.error("cannot start workers; trying again in 30 s", metadata: ["executor": "\(executor.name)", "error": "\(error)"])
            return
        }
        let attempt = try store.startAttempt(jobID: job.id, pid: worker.pid, clusterJobID: worker.clusterJobID, at: Date())
        var record = job
        record.state = .running
        let started = adopt(record, attempt: attempt, worker: worker)
        if let cgroup, let pid = worker.pid {
            do {
                let group = try cgroup.makeJobGroup(jobID: job.id, attempt: attempt.number, memoryMB: job.memoryMB)
                try group.add(pid: pid)
                started.cgroup = group
            } catch {
                logger.warning("no cgroup for the job; its memory is watched by resident size",
                               metadata: ["job": "\(job.id)", "error": "\(error)"])
            }
        }
        logger.info("started job", metadata: ["job": "\(job.id)", "name": "\(job.name)", "attempt": "\(attempt.number)",
                                               "worker": "\(Self.describe(worker))"])
    }

    /// Ends a job no worker ran for: its failure report, the state in a durable commit, then the
    /// move to failed/.
    private func endUnstarted(_ job: JobRecord, in state: JobState, reason: String) throws {
        try FailureReport(job: job, state: state, reason: reason, problems: nil)
            .write(into: layout.active.appendingPathComponent(job.id))
        try store.updateState(jobID: job.id, to: state, reason: reason, at: Date(), durable: true)
        _ = try SpoolIntake.finish(job.id, to: .failed, layout: layout)
    }

    /// Supervises `worker`, which runs `attempt` of `job` (just started, or found at start-up).
    @discardableResult
    func adopt(_ job: JobRecord, attempt: AttemptRecord, worker: WorkerHandle) -> RunningJob {
        let directory = layout.active.appendingPathComponent(job.id)
        let log = CappedLog(path: directory.appendingPathComponent("worker.log").path, limit: config.workerLogBytes)
        log.append(Data("== attempt \(attempt.number), \(Self.describe(worker)), \(ISO8601DateFormatter().string(from: Date()))\n".utf8))
        let adopted = RunningJob(job: job, attempt: attempt, worker: worker, directory: directory, log: log)
        running[job.id] = adopted
        return adopted
    }

    static func describe(_ worker: WorkerHandle) -> String {
        if let pid = worker.pid { return "pid \(pid)" }
        return "Slurm job \(worker.clusterJobID ?? "?")" + (worker.node.map { " on \($0)" } ?? "")
    }

    // MARK: supervision

    private func supervise(_ job: RunningJob, now: Date, pollCancel: Bool) throws {
        collect(job)
        if let rss = job.worker.residentMegabytes {
            job.peakRSSMB = max(job.peakRSSMB, rss)
            // With a cgroup the kernel enforces memory.max; `complete` reads its verdict.
            if job.cgroup == nil, rss > Double(job.job.memoryMB), job.stopReason == nil || job.stopReason == .timedOut {
                job.stopReason = .memoryExceeded
                job.worker.send(SIGKILL)
                logger.warning("job over its memory limit", metadata: ["job": "\(job.job.id)", "rss_mb": "\(Int(rss))"])
            }
        }
        try recordNode(job, at: now)
        if !executor.enforcesLimits, job.stopReason == nil,
           now.timeIntervalSince(job.worker.startedAt) > Double(job.job.wallTimeSeconds) {
            stop(job, reason: .timedOut, now: now)
        }
        if pollCancel, job.stopReason == nil, CancelRequests.isRequested(job.job.id, layout: layout) {
            try store.requestCancel(jobID: job.job.id, at: now)
            stop(job, reason: .cancelled, now: now)
        }
        if let at = job.terminatedAt, now.timeIntervalSince(at) > config.killGraceSeconds, job.stopReason != .shutdown {
            job.worker.send(SIGKILL)
        }
    }

    /// Records the cluster node the worker runs on, once the cluster has placed it.
    private func recordNode(_ job: RunningJob, at now: Date) throws {
        guard let node = job.worker.node, node != job.node else { return }
        job.node = node
        try store.recordNode(attemptID: job.attempt.id, node: node, at: now)
    }

    private func stop(_ job: RunningJob, reason: RunningJob.StopReason, now: Date) {
        job.stopReason = reason
        job.terminatedAt = now
        job.worker.send(SIGTERM)
        logger.info("stopping job", metadata: ["job": "\(job.job.id)", "reason": "\(reason)"])
    }

    /// Reads the worker's stdout messages and stderr into the store and worker.log.
    private func collect(_ job: RunningJob) {
        job.log.append(job.worker.readErrorOutput())
        let decoder = JSONDecoder()
        for line in job.worker.readLines() {
            guard let message = try? decoder.decode(WorkerMessage.self, from: line) else {
                job.log.append(line + Data("\n".utf8))
                continue
            }
            handle(message, from: job)
        }
        flushProgress(job, force: false)
    }

    private func handle(_ message: WorkerMessage, from job: RunningJob) {
        let seed = message.seed ?? 0
        let step = message.step ?? 0
        switch message.kind {
        case .step:
            let seedIndex = message.seedIndex ?? 0
            job.job.progressStep = seedIndex * (message.total ?? 0) + step
            job.job.progressTotal = message.total.map { $0 * max(message.seedCount ?? 1, seedIndex + 1) }
            job.job.lastLoss = message.loss
            if let loss = message.loss {
                job.pendingMetrics.append(MetricPoint(jobID: job.job.id, attempt: job.attempt.number, seed: seed,
                                                      step: step, name: "loss", value: loss))
            }
            if let rate = message.learningRate {
                job.pendingMetrics.append(MetricPoint(jobID: job.job.id, attempt: job.attempt.number, seed: seed,
                                                      step: step, name: "lr", value: rate))
            }
        case .evaluated, .seedFinished:
            for (name, value) in message.metrics ?? [:] {
                job.pendingMetrics.append(MetricPoint(jobID: job.job.id, attempt: job.attempt.number, seed: seed,
                                                      step: step, name: name, value: value))
            }
            if message.kind == .evaluated {
                job.job.lastDevMetric = message.metrics?["dev_accuracy"] ?? message.metrics?["dev_p_at_1"]
            }
            flushProgress(job, force: true)
        case .failed:
            job.failure = message
        case .started, .checkpointed, .finished:
            break
        }
    }

    /// Writes progress and metrics at most once a second (and on demand), in one transaction each.
    private func flushProgress(_ job: RunningJob, force: Bool) {
        guard force || Date().timeIntervalSince(job.lastProgressWrite) >= 1 else { return }
        job.lastProgressWrite = Date()
        do {
            if let step = job.job.progressStep, let total = job.job.progressTotal {
                try store.recordProgress(jobID: job.job.id, step: step, total: total, loss: job.job.lastLoss,
                                         devMetric: job.job.lastDevMetric)
            }
            if !job.pendingMetrics.isEmpty {
                try store.appendMetrics(job.pendingMetrics)
                job.pendingMetrics = []
            }
        } catch {
            logger.error("cannot record progress", metadata: ["job": "\(job.job.id)", "error": "\(error)"])
        }
    }

    // MARK: completion

    private func complete(_ job: RunningJob) throws {
        flushProgress(job, force: true)
        // A short job can end before a poll saw it running on its node.
        try recordNode(job, at: Date())
        if let group = job.cgroup {
            job.peakRSSMB = max(job.peakRSSMB, group.peakMB ?? 0)
            if group.oomKilled, job.stopReason == nil || job.stopReason == .timedOut {
                job.stopReason = .memoryExceeded
                logger.warning("job over its memory limit (cgroup memory.max)", metadata: ["job": "\(job.job.id)"])
            }
            group.remove()
        }
        let completion = Completion(core: self)
        try completion.finish(job)
    }

    /// Publishes budgets and live workers for `ptune status`.
    public func writeStatus() {
        let workers = running.values.map { r in
            DaemonStatus.Worker(jobID: r.job.id, name: r.job.name, pid: r.worker.pid, attempt: r.attempt.number,
                                startedAt: r.worker.startedAt, threads: r.job.threads, memoryMB: r.job.memoryMB,
                                residentMB: r.peakRSSMB > 0 ? r.worker.residentMegabytes : nil,
                                step: r.job.progressStep, total: r.job.progressTotal,
                                clusterJobID: r.worker.clusterJobID, node: r.worker.node)
        }
        let status = DaemonStatus(pid: getpid(), updatedAt: Date(), executor: executor.name, cores: config.cores,
                                  memoryMB: config.memoryMB, maxJobs: config.maxJobs, stopping: stopping, workers: workers)
        do {
            try status.write(layout)
        } catch {
            logger.error("cannot write the status file", metadata: ["error": "\(error)"])
        }
    }

    /// The daemon's figures for sd_notify STATUS and `ptune status`.
    public func statusLine() -> String {
        let counts = (try? store.stateCounts()) ?? [:]
        let threads = running.values.reduce(0) { $0 + $1.job.threads }
        let load = executor.workersOutliveDaemon ? "in \(executor.name), \(threads) cores requested" : "\(threads)/\(config.cores) cores"
        return "\(running.count) running (\(load)), \(counts[.queued] ?? 0) queued, "
            + "\(counts[.succeeded] ?? 0) succeeded, \(counts[.failed] ?? 0) failed, \(counts[.rejected] ?? 0) rejected"
    }
}
