import Foundation
import Glibc
import Logging
import Spool
import Store

/// The daemon's scheduler, driven by `tick()` from one task. Each pass takes bundles in
/// (`IntakeScanner`; under the service, on a thread of its own: `IntakeThread`), supervises the
/// live workers (`Supervisor`), records how ended ones ended (`Completion`) and starts what the
/// budgets allow (`Launcher`). Every job state change is one
/// Store transaction; the commits that allow a file move are durable (synchronous=FULL) and come
/// before the move, so a crash anywhere leaves a state `recover()` can finish.
public final class DaemonCore {
    public let config: DaemonConfig
    private let context: DaemonContext
    private let running = RunningJobs()
    private let intake: IntakeScanner
    private let launcher: Launcher
    private let supervisor: Supervisor
    private let retention: RetentionSweep
    /// Tells `[notify]`'s channels when jobs end; nil without the table.
    private let notifier: Notifier?
    /// Intake on its own thread, once `startIntakeThread()` ran; until then each pass takes bundles in.
    private var intakeThread: IntakeThread?
    private var lastCancelPoll = Date.distantPast
    /// Set when a pass failed midway (a full disk, an I/O error): the next pass first finishes
    /// what it left half-done, as a restart would.
    private var reconcileNeeded = false
    /// Set when SIGTERM arrived: no more claiming or admitting.
    public private(set) var stopping = false
    /// What the daemon counted since it started, for the metrics.
    public let counters: ServiceCounters
    /// The status last written, for readers on other threads (the metrics exporter).
    public let published = PublishedStatus()
    /// Where the metrics endpoint listens, once the exporter bound it; shown in the status.
    public var metricsAddress: String?

    /// A daemon on `config`'s spool whose workers `executor` runs (`ExecutorKind.makeExecutor`);
    /// `cgroup`, when given, caps each local worker's memory; `clock` is the system's but in tests.
    public init(config: DaemonConfig, store: JobStore, logger: Logger, executor: any JobExecutor,
                cgroup: DelegatedCgroup?, clock: DaemonClock = SystemClock()) throws {
        self.config = config
        let counters = ServiceCounters()
        self.counters = counters
        context = DaemonContext(config: config, layout: SpoolLayout(root: config.spool), store: store, logger: logger,
                                clock: clock, counters: counters)
        intake = IntakeScanner(context: context)
        launcher = Launcher(context: context, executor: executor, cgroup: cgroup, running: running)
        supervisor = Supervisor(context: context, limitsEnforcedByExecutor: executor.enforcesLimits)
        retention = RetentionSweep(layout: context.layout, store: store, policy: config.retention, logger: logger)
        try context.layout.create()
        let context = self.context
        notifier = try config.notify.map { try Notifier(context: context, settings: $0) }
    }

    /// Jobs with a live worker.
    public var runningCount: Int { running.count }

    private var executor: JobExecutor { launcher.executor }

    private var recovery: Recovery {
        Recovery(context: context, executor: executor, launcher: launcher, intake: intake)
    }

    /// Before the daemon reports ready: watch incoming/ (before the first scan, so nothing dropped in
    /// between is missed), then reconcile the database with the spool.
    public func recover() throws {
        try intake.startWatching()
        try recovery.run()
        try intake.scan()
    }

    /// One pass: intake when inotify hinted or a rescan is due, worker output and limits, completions,
    /// admission, and a slice of a retention sweep when one is due. Returns quickly; the caller
    /// sleeps between passes.
    public func tick() throws {
        if intakeThread?.takeReconcileRequest() == true { reconcileNeeded = true }
        if reconcileNeeded {
            if let intakeThread {
                try intakeThread.lock.withLock { try recovery.reconcileSpool() }
            } else {
                try recovery.reconcileSpool()
            }
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
        let now = context.clock.now()
        if !stopping && intakeThread == nil { try intake.scanIfDue(now: now) }
        let pollCancels = now.timeIntervalSince(lastCancelPoll) >= 0.5
        if pollCancels { lastCancelPoll = now }
        for job in running.all {
            try supervisor.supervise(job, now: now, pollCancel: pollCancels)
            if job.worker.poll() {
                supervisor.progress.collect(job)
                // Until its completion is recorded the job stays here; a failed one is tried again.
                try complete(job)
                running[job.job.id] = nil
            }
        }
        notifier?.advance(now: now)
        if !stopping {
            if pollCancels { try cancelQueued() }
            try launcher.admit()
            retention.advance(now: now, until: Date().addingTimeInterval(config.retentionSliceSeconds))
        }
    }

    private func complete(_ job: RunningJob) throws {
        supervisor.progress.flush(job, force: true)
        supervisor.progress.writeLog(job, ended: true)
        // A short job can end before a poll saw it running on its node.
        try supervisor.recordNode(job, at: context.clock.now())
        supervisor.settleCgroup(job)
        try Completion(context: context).finish(job)
    }

    /// Queued jobs with a cancel request (a request file allowed now, or one accepted earlier) end as
    /// cancelled without running; a search once its trials, cancelled first, have ended.
    private func cancelQueued() throws {
        let accepted = try context.store.queuedJobs().filter(\.cancelRequested).map(\.id)
        for id in Set(CancelRequests.pending(layout: context.layout) + accepted).sorted() where running[id] == nil {
            guard let job = try context.store.job(id: id), job.id == id else {
                CancelRequests.clear(id, layout: context.layout)
                continue
            }
            guard try job.cancelRequested || CancelRequests.allowedRequest(for: job, context: context) else { continue }
            if job.state == .queued {
                try context.store.requestCancel(jobID: id, at: context.clock.now())
                if try SearchTrials(context: context).cancelLive(of: job) { continue }
                try Completion(context: context).endUnstarted(job, in: .cancelled, reason: job.attempts == 0
                    ? "cancelled with `ptune cancel` before it ran" : "cancelled with `ptune cancel`")
            }
            if job.state != .running { CancelRequests.clear(id, layout: context.layout) }
        }
    }

    /// Takes bundles in on a thread of its own from now on (the service does, once recovered), so a
    /// large one being read never holds up a pass.
    public func startIntakeThread() {
        guard intakeThread == nil else { return }
        let thread = IntakeThread(scanner: intake, context: context)
        intakeThread = thread
        thread.start()
    }

    /// True while intake on its own thread keeps failing (the service then stops feeding the watchdog).
    public var intakeFailing: Bool { intakeThread?.isFailing ?? false }

    /// Sleeps up to `milliseconds` between ticks (a few while a retention sweep is under way), waking
    /// early when something arrives in incoming/ (or, with the intake thread, when it took some in).
    public func waitForWork(milliseconds: Int) throws {
        let wait = retention.isBusy ? min(milliseconds, 5) : milliseconds
        if let intakeThread {
            _ = intakeThread.scanned.wait(timeout: .now() + .milliseconds(wait))
        } else {
            try intake.waitForWork(milliseconds: wait, stopping: stopping)
        }
    }

    /// What retention has removed and dropped since the daemon started.
    public var retentionTotals: RetentionSweep.Totals { retention.totals }

    /// SIGTERM: stop claiming and admitting, ask every worker to checkpoint and stop, SIGKILL what is
    /// left at the deadline, and record every stopped job as interrupted. Workers a cluster runs are
    /// left running: the next start re-attaches to them.
    public func drain(deadline: Date) throws {
        stopping = true
        // Stop claiming now; the entry being taken in is waited for below, after the workers.
        intakeThread?.stop(deadline: .distantPast)
        defer { intakeThread?.stop(deadline: deadline) }
        if executor.workersOutliveDaemon {
            for job in running.all { supervisor.progress.collect(job) }
            if !running.isEmpty {
                context.logger.notice("leaving jobs running in the cluster; the next start re-attaches to them",
                                      metadata: ["jobs": "\(running.count)", "executor": "\(executor.name)"])
            }
            running.removeAll()
            return
        }
        // A job already being stopped (cancelled, out of time) keeps its reason, so it ends as such
        // rather than as interrupted and run again at the next start.
        for job in running.all where job.stopReason == nil {
            job.stopReason = .shutdown
            job.terminatedAt = context.clock.now()
            job.worker.send(SIGTERM)
        }
        while !running.isEmpty {
            if context.clock.now() >= deadline {
                for job in running.all { job.worker.send(SIGKILL) }
            }
            try tick()
            usleep(100_000)
        }
    }

    /// Publishes budgets and live workers for `ptune status`.
    public func writeStatus() {
        publisher.write(stopping: stopping)
    }

    /// The daemon's figures for sd_notify STATUS and `ptune status`.
    public func statusLine() -> String {
        publisher.line()
    }

    private var publisher: StatusPublisher {
        StatusPublisher(context: context, executor: executor, running: running, intake: intake, published: published,
                        metricsAddress: metricsAddress)
    }
}
