import Base
import Foundation
import Logging
import Store

/// Workers as Slurm batch jobs (`sbatch`), on nodes that share the spool and model directories. The
/// daemon stays the only writer of SQLite: the worker's progress reaches it through files in the
/// job's folder, and its end through Slurm's job state.
final class SlurmExecutor: JobExecutor {
    let name = "slurm"
    let workersOutliveDaemon = true
    let enforcesLimits = true
    let cluster: SlurmCluster
    let spool: URL
    let logger: Logger

    init(settings: SlurmSettings, spool: URL, logger: Logger, runner: CommandRunner = CommandRunner()) {
        self.cluster = SlurmCluster(settings: settings, runner: runner)
        self.spool = spool
        self.logger = logger
    }

    func describe(_ worker: WorkerHandle) -> String {
        "Slurm job \(worker.clusterJobID ?? "?")" + (worker.node.map { " on \($0)" } ?? "")
    }

    func launch(_ launch: WorkerLaunch) throws -> WorkerHandle {
        var resolved = launch
        resolved.executable = cluster.settings.workerExecutable ?? launch.executable
        let submission = SlurmSubmission(launch: resolved, settings: cluster.settings)
        try AtomicFile.write(Data(submission.scriptText.utf8), to: submission.script.path, mode: 0o755)
        let id = try cluster.submit(script: submission.script, arguments: submission.arguments)
        return SlurmWorker(id: id, outputFile: submission.output, errorFile: submission.errorOutput,
                           cluster: cluster, logger: logger)
    }

    func reattach(_ attempt: AttemptRecord, directory: URL) -> WorkerHandle? {
        guard let id = attempt.clusterJobID else { return nil }
        do {
            guard try cluster.query(id) != nil else { return nil }
        } catch {
            // Slurm cannot be asked now: keep the attempt and ask again from the loop rather than
            // submit the job a second time.
            logger.warning("cannot ask Slurm about a job at start-up", metadata: ["slurm_job": "\(id)", "error": "\(error)"])
        }
        return SlurmWorker(id: id,
                           outputFile: SlurmSubmission.file(directory: directory, attempt: attempt.number, ext: "out"),
                           errorFile: SlurmSubmission.file(directory: directory, attempt: attempt.number, ext: "err"),
                           cluster: cluster, logger: logger, startedAt: attempt.startedAt)
    }

    func cancelUnrecorded(known: Set<String>) -> [String] {
        let jobs: [(id: String, comment: String)]
        do {
            jobs = try cluster.ptuneJobs(spool: spool)
        } catch {
            logger.warning("cannot list this user's Slurm jobs", metadata: ["error": "\(error)"])
            return []
        }
        var cancelled: [String] = []
        for job in jobs where !known.contains(job.id) {
            do {
                try cluster.cancel(job.id, signal: nil)
                cancelled.append("\(job.id) (\(job.comment))")
            } catch {
                logger.warning("cannot cancel an unrecorded Slurm job", metadata: ["slurm_job": "\(job.id)", "error": "\(error)"])
            }
        }
        return cancelled
    }
}
