import Base
import Foundation
import Glibc
import Spool
import Store

/// Start-up reconciliation of the database with the spool, before the daemon reports ready. The
/// directory is the truth for where a bundle is; the database for what happened to it.
struct Recovery {
    let context: DaemonContext
    let executor: JobExecutor
    let launcher: Launcher
    let intake: IntakeScanner

    /// At start-up: jobs the last daemon left running in a cluster are supervised again; the others
    /// it left running or interrupted are queued again; then the spool is reconciled.
    func run() throws {
        let now = context.clock.now()
        let store = context.store
        var clusterJobs = Set<String>()
        // Jobs the last daemon left running: their workers died with it, or must be stopped now,
        // unless a cluster still runs them.
        for job in try store.jobs(inStates: [.running]) {
            let reason = "requeued after a daemon restart; resumes from its checkpoint"
            let open = try store.attempts(jobID: job.id).filter { $0.finishedAt == nil }
            if open.count == 1, let attempt = open.first, let clusterJob = attempt.clusterJobID,
               let worker = executor.reattach(attempt, directory: context.directory(of: job)) {
                launcher.adopt(job, attempt: attempt, worker: worker)
                clusterJobs.insert(clusterJob)
                context.logger.info("re-attached to a job still in the cluster",
                                 metadata: ["job": "\(job.id)", "worker": "\(executor.describe(worker))"])
                continue
            }
            for attempt in open {
                if let pid = attempt.pid { Self.stopOrphan(pid: pid, jobID: job.id) }
                try store.finishAttempt(id: attempt.id, state: .interrupted, exitStatus: nil,
                                        reason: attempt.clusterJobID == nil
                                            ? "the daemon stopped without recording this attempt's end"
                                            : "the cluster no longer knows this attempt",
                                        peakRSSMB: nil, at: now, jobState: .queued, jobReason: reason, durable: true)
            }
            if open.isEmpty { try store.updateState(jobID: job.id, to: .queued, reason: reason, at: now, durable: true) }
        }
        for job in try store.jobs(inStates: [.interrupted]) {
            try store.updateState(jobID: job.id, to: .queued, reason: "resumes from its checkpoint", at: now, durable: true)
        }
        // Submitted by a daemon that died before recording the attempt: would run beside the next one.
        for cancelled in executor.cancelUnrecorded(known: clusterJobs) {
            context.logger.notice("cancelled a cluster job no attempt records", metadata: ["cluster_job": "\(cancelled)"])
        }
        try rejectIfItKilledTheDaemon()
        try finishInterruptedRejections()
        for name in try SpoolIntake.removeAbandonedSubmissions(context.layout, olderThan: 86_400) {
            context.logger.notice("removed a submission abandoned half-copied", metadata: ["entry": "\(name)"])
        }
        try reconcileSpool()
    }

    /// Finishes what a crash or a failed pass left half-done between the database and the spool:
    /// bundles adopted but not recorded, completions committed but not moved, queued jobs whose
    /// bundle is gone, and claims neither adopted nor rejected. Safe while workers run; repeating
    /// it changes nothing.
    func reconcileSpool() throws {
        let now = context.clock.now()
        let store = context.store
        let fm = FileManager.default
        let active = (try? fm.contentsOfDirectory(atPath: context.layout.active.path)) ?? []
        for name in active where name != "claims" && !name.hasPrefix(".") {
            guard let job = try store.job(id: name), job.id == name else {
                try adoptOrphan(directory: context.layout.active.appendingPathComponent(name), jobID: name)
                continue
            }
            // A completion committed to the database whose move did not happen.
            switch job.state {
            case .succeeded:
                try context.finish(job, to: .done)
            case .failed, .timedOut, .memoryExceeded, .cancelled, .rejected:
                try context.finish(job, to: .failed)
            case .queued, .running, .interrupted:
                break
            }
        }
        for job in try store.queuedJobs() where !fm.fileExists(atPath: context.bundle(of: job).path) {
            try store.updateState(jobID: job.id, to: .failed, reason: "its bundle is no longer in the spool's active/ folder",
                                  at: now, durable: true)
        }
        try reconcileClaims()
    }

    /// Claims left half-processed: first finished (the copy made), then taken in. An unpacked
    /// archive whose archive is still there is unpacked again; one whose archive is gone is the
    /// bundle itself.
    func reconcileClaims() throws {
        let fm = FileManager.default
        try intake.resumeClaims()
        var batch: [(claimed: ClaimedEntry, spoolName: String)] = []
        for claimed in try SpoolIntake.pendingClaims(context.layout) {
            let name = claimed.url.lastPathComponent
            if name.hasSuffix(Intake.extractedSuffix) {
                let archive = String(name.dropLast(Intake.extractedSuffix.count))
                if fm.fileExists(atPath: claimed.url.deletingLastPathComponent().appendingPathComponent(archive).path) { continue }
                batch.append((claimed, archive))
            } else {
                batch.append((claimed, name))
            }
        }
        try intake.takeIn(batch)
    }

    /// A claimed entry the daemon died reading, twice, is rejected instead of read a third time.
    private func rejectIfItKilledTheDaemon() throws {
        let marker = IntakeMarker(layout: context.layout)
        guard let last = try marker.afterDeath() else { return }
        let claimed = context.layout.claims.appendingPathComponent(last.name)
        guard FileManager.default.fileExists(atPath: claimed.path) else {
            marker.end()
            return
        }
        context.logger.warning("the daemon died while reading a bundle", metadata: ["entry": "\(last.name)", "deaths": "\(last.deaths)"])
        guard last.deaths >= IntakeMarker.deathsAllowed else { return }
        let owner = try SpoolIntake.pendingClaims(context.layout).first { $0.url == claimed }?.owner
        let place = try SpoolIntake.reject(claimed: claimed, problems: [TaskProblem(
            file: last.name, message: "reading this bundle stopped the daemon \(last.deaths) times; it is kept here as it arrived",
            hint: "please report it as a bug with this folder; check its task.toml for unusual syntax")], layout: context.layout)
        context.counters.countRejected(.recovery)
        context.deliver(place, to: owner.map(Int.init), jobID: nil)
        marker.end()
    }

    /// What a rejection writes beside the bundle (and `AtomicFile`'s names for them while writing).
    static let rejectionFiles: Set = ["reason.json", "reason.txt", "reason.json.tmp", "reason.txt.tmp"]

    /// An archive a crash left in `tmp/.rejecting-*`, between its claim and `rejected/`, is rejected
    /// again; its first reasons were lost with the daemon, and the new one says so.
    private func finishInterruptedRejections() throws {
        for folder in try FileSystem.entries(of: context.layout.tmp.path) where folder.hasPrefix(".rejecting-") {
            let path = context.layout.tmp.path + "/" + folder
            for entry in try FileSystem.entries(of: path) where !Self.rejectionFiles.contains(entry) {
                let place = try SpoolIntake.reject(claimed: URL(fileURLWithPath: path + "/" + entry), problems: [TaskProblem(
                    file: entry, message: "the daemon stopped while rejecting this bundle, and the reasons were lost",
                    hint: "submit it again to see them")], layout: context.layout)
                context.counters.countRejected(.recovery)
                context.deliver(place, to: nil, jobID: nil)
            }
            FileSystem.removeTree(path)
        }
    }

    /// active/JOB with no database row: the daemon died between adopting the bundle and recording it.
    private func adoptOrphan(directory: URL, jobID: String) throws {
        let bundleDirectory = directory.appendingPathComponent("bundle")
        let owner = SpoolIntake.ownerOfAdoptedClaim(context.layout).map(Int.init)
        guard let sha = try? BundleDigest.sha256(of: bundleDirectory), sha.hasPrefix(jobID) else { return }
        try Intake(context: context, owner: owner).recordAdopted(folder: directory, id: jobID, sha: sha)
    }

    /// Stops a worker left behind by a daemon that was killed, if `pid` is still that worker.
    static func stopOrphan(pid: Int32, jobID: String) {
        guard let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")),
              let text = String(data: cmdline, encoding: .utf8)?.replacingOccurrences(of: "\0", with: " "),
              text.contains(" worker "), text.contains(jobID) else { return }
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        for _ in 0..<50 where kill(pid, 0) == 0 { usleep(100_000) }
    }
}
