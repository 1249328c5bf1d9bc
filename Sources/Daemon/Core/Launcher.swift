import Base
import Foundation
import Logging
import Spool
import Store

/// Starts the workers of the jobs admission picks, through the executor, each in a memory-capped
/// cgroup of its own where one is delegated, and puts them under supervision.
final class Launcher {
    private let context: DaemonContext
    let executor: JobExecutor
    /// Where workers get a memory-capped cgroup of their own; nil: the RSS watchdog enforces limits.
    private let cgroup: DelegatedCgroup?
    private let running: RunningJobs
    /// After a failed submission to a cluster that could not be reached: no new start before this.
    private var pausedUntil = Date.distantPast

    init(context: DaemonContext, executor: JobExecutor, cgroup: DelegatedCgroup?, running: RunningJobs) {
        self.context = context
        self.executor = executor
        self.cgroup = cgroup
        self.running = running
    }

    /// Starts the queued jobs that fit the budgets beside the running ones (`Admission`).
    func admit() throws {
        let usage = running.usage
        guard context.clock.now() >= pausedUntil else { return }
        // A search being cancelled waits for its trials to end, and never starts again.
        let free = try DependencyGate(context: context).screen(try context.store.queuedJobs().filter { !$0.cancelRequested })
        for job in Admission.select(queued: free, running: usage, config: context.config) {
            try start(job)
        }
    }

    private func start(_ job: JobRecord) throws {
        let directory = context.directory(of: job)
        let bundle = context.bundle(of: job)
        guard FileManager.default.fileExists(atPath: bundle.path) else {
            try context.store.updateState(jobID: job.id, to: .failed, reason: "the bundle disappeared from \(bundle.deletingLastPathComponent().path)",
                                          at: context.clock.now(), durable: true)
            return
        }
        guard try handOverPrompt(to: job, in: directory) else { return }
        let worker: WorkerHandle
        do {
            worker = try executor.launch(launch(of: job, in: directory))
        } catch let error as WorkerLaunchError where error.permanent {
            try Completion(context: context).endUnstarted(job, in: .failed, reason: "the job cannot be started: \(error.message)")
            context.logger.error("job cannot be started", metadata: ["job": "\(job.id)", "error": "\(error)"])
            return
        } catch let error as WorkerLaunchError {
            pausedUntil = context.clock.now().addingTimeInterval(30)
            context.logger.error("cannot start workers; trying again in 30 s",
                                 metadata: ["executor": "\(executor.name)", "error": "\(error)"])
            return
        }
        let attempt: AttemptRecord
        do {
            attempt = try context.store.startAttempt(jobID: job.id, pid: worker.pid, clusterJobID: worker.clusterJobID,
                                                     at: context.clock.now())
        } catch {
            stopUnrecorded(worker, job: job)
            throw error
        }
        var record = job
        record.state = .running
        let started = adopt(record, attempt: attempt, worker: worker)
        if let cgroup, let pid = worker.pid {
            do {
                let group = try cgroup.makeJobGroup(jobID: job.id, attempt: attempt.number, memoryMB: job.memoryMB)
                try group.add(pid: pid)
                started.cgroup = group
            } catch {
                context.logger.warning("no cgroup for the job; its memory is watched by resident size",
                                       metadata: ["job": "\(job.id)", "error": "\(error)"])
            }
        }
        context.logger.info("started job", metadata: ["job": "\(job.id)", "name": "\(job.name)",
                                                       "attempt": "\(attempt.number)", "worker": "\(executor.describe(worker))"])
    }

    /// A prediction job whose prompt comes from a job it waited for: that job's prompt, copied into
    /// the job's folder for its worker (once; later attempts find it there). False when the prompt
    /// is gone (retention dropped it): the job then fails with why.
    private func handOverPrompt(to job: JobRecord, in directory: URL) throws -> Bool {
        let target = directory.appendingPathComponent(PredictionBundle.promptFileName)
        guard job.kind == BundleLoader.predictionKind, !FileManager.default.fileExists(atPath: target.path),
              let source = try context.store.dependencies(of: job.id).first(where: \.providesPrompt) else { return true }
        let prompt: Data
        do {
            prompt = try context.store.artifact(jobID: source.dependsOn, name: Completion.promptArtifact)
        } catch StoreError.artifactNotFound {
            try Completion(context: context).endUnstarted(job, in: .failed,
                                                          reason: "job \(source.dependsOn) no longer has its prompt in the database")
            return false
        }
        try AtomicFile.write(prompt, to: target.path)
        try context.store.appendEvent(jobID: job.id, attempt: nil, kind: "prompt",
                                      message: "the prompt of job \(source.dependsOn) (\(source.reference))", at: context.clock.now())
        return true
    }

    /// Kills a worker whose attempt the database could not record (a full disk): the job is still
    /// queued, so the next pass starts it again, and nothing would ever supervise or reap this one.
    private func stopUnrecorded(_ worker: WorkerHandle, job: JobRecord) {
        worker.send(SIGKILL)
        for _ in 0..<50 where !worker.poll() { Thread.sleep(forTimeInterval: 0.02) }
        context.logger.error("the attempt could not be recorded; its worker was killed and the job stays queued",
                             metadata: ["job": "\(job.id)", "worker": "\(executor.describe(worker))"])
    }

    /// What the worker of `job`'s next attempt runs: `ptune worker` on the job's folder (`--trial`:
    /// a search's trial, in its search's folder).
    private func launch(of job: JobRecord, in directory: URL) -> WorkerLaunch {
        WorkerLaunch(
            job: job, attempt: job.attempts + 1, directory: directory, spool: context.layout.root,
            executable: context.config.workerExecutable,
            arguments: ["worker", "--job-dir", directory.path, "--job-id", job.id, "--threads", String(job.threads)]
                + (job.trialKey == nil ? [] : ["--trial"])
                + (job.attempts == 0 ? context.config.firstAttemptArguments : []),
            environment: ["PTUNE_MODELS": context.config.models, "OPENBLAS_NUM_THREADS": String(job.threads)])
    }

    /// Supervises `worker`, which runs `attempt` of `job` (just started, or found at start-up).
    @discardableResult
    func adopt(_ job: JobRecord, attempt: AttemptRecord, worker: WorkerHandle) -> RunningJob {
        let directory = context.directory(of: job)
        let log = JobLog(path: directory.appendingPathComponent("worker.log").path, limit: context.config.workerLogBytes)
        let started = ISO8601DateFormatter().string(from: context.clock.now())
        log.note("== attempt \(attempt.number), \(executor.describe(worker)), \(started)")
        let adopted = RunningJob(job: job, attempt: attempt, worker: worker, directory: directory, log: log)
        running[job.id] = adopted
        return adopted
    }
}
