import Base
import Foundation
import Spool
import Store

/// Turns one claimed spool entry into a queued job, or rejects it with every reason.
struct Intake {
    let context: DaemonContext
    /// The user who dropped the entry (`ClaimedEntry.owner`).
    let owner: Int?

    /// An archive is unpacked beside itself in active/claims/, under its name plus this suffix.
    static let extractedSuffix = ".unpacked"

    func process(claimed: URL, spoolName: String) throws {
        defer {
            // What is left of an unpacked archive once its bundle was adopted or rejected.
            try? FileManager.default.removeItem(atPath: claimed.path + Self.extractedSuffix)
        }
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: claimed.path, isDirectory: &isFolder)
        var bundleDirectory = claimed
        if exists && !isFolder.boolValue {
            let target = URL(fileURLWithPath: claimed.path + Self.extractedSuffix)
            try? FileManager.default.removeItem(at: target)
            do {
                bundleDirectory = try SpoolIntake.extractArchive(file: claimed, into: target)
            } catch {
                try reject(claimed, spoolName: spoolName, problems: error.problems, cause: .unreadable)
                return
            }
            try FileManager.default.removeItem(at: claimed)
        }
        let sha = try BundleDigest.sha256(of: bundleDirectory)
        let earlier = try context.store.job(bundleSHA256: sha)
        if let earlier, earlier.state != .rejected {
            // Only the reason is kept: the bundle is the earlier job's, in its folder.
            FileSystem.removeContents(of: bundleDirectory.path)
            try reject(bundleDirectory, spoolName: spoolName, problems: [TaskProblem(
                file: spoolName, message: "the same bundle was already submitted as job \(earlier.id) (\(earlier.state.rawValue))",
                hint: "see `ptune show \(earlier.id)`; change the bundle to train it again")], cause: .duplicate)
            try context.store.appendEvent(jobID: earlier.id, attempt: nil, kind: "duplicate",
                                       message: "dropped again as \(spoolName); rejected as a duplicate", at: context.clock.now())
            return
        }
        if BundleLoader.isPrediction(directory: bundleDirectory) {
            try processPrediction(bundleDirectory, sha: sha, spoolName: spoolName, firstSeen: earlier == nil)
            return
        }
        let bundle: TaskBundle
        do {
            bundle = try BundleLoader.load(directory: bundleDirectory)
        } catch {
            try reject(bundleDirectory, spoolName: spoolName, problems: error.problems, cause: .invalid,
                       sha: earlier == nil ? sha : nil)
            return
        }
        if let problem = unrunnable(model: bundle.manifest.model, limits: bundle.manifest.limits) {
            try reject(bundleDirectory, spoolName: spoolName, problems: [problem], cause: .notRunnable,
                       sha: earlier == nil ? sha : nil)
            return
        }
        let id = String(sha.prefix(16))
        _ = try SpoolIntake.adopt(claimed: bundleDirectory, jobID: id, layout: context.layout)
        try context.store.insertJob(Self.record(id: id, sha: sha, bundle: bundle, spoolName: spoolName, owner: owner,
                                                at: context.clock.now()),
                                    durable: true)
        context.logger.info("queued job", metadata: ["job": "\(id)", "name": "\(bundle.manifest.name)"])
    }

    /// The queued job row for an accepted bundle.
    static func record(id: String, sha: String, bundle: TaskBundle, spoolName: String, owner: Int?,
                       at now: Date) -> JobRecord {
        let m = bundle.manifest
        return JobRecord(id: id, bundleSHA256: sha, name: m.name, spoolName: spoolName, state: .queued,
                         priority: m.limits.priority, threads: m.limits.threads, memoryMB: m.limits.memoryMB,
                         wallTimeSeconds: m.limits.wallTimeSeconds, model: m.model, kind: m.spec.kind.name,
                         submittedAt: now, ownerUID: owner)
    }

    /// Why a bundle that reads well still cannot run here: a model outside the model directory, or
    /// limits no budget of this daemon can grant.
    func unrunnable(model: String, limits: JobLimits) -> TaskProblem? {
        if let problem = ModelPolicy.problem(with: model, directory: context.config.models) { return problem }
        return Admission.impossible(threads: limits.threads, memoryMB: limits.memoryMB, config: context.config).map {
            TaskProblem(file: "task.toml", field: "limits", message: $0)
        }
    }

    /// Moves the entry to rejected/ with its reasons and counts it under `cause`; records a rejected
    /// job when `sha` is given (the first time this content is seen).
    func reject(_ entry: URL, spoolName: String, problems: [TaskProblem], cause: RejectionCause,
                sha: String? = nil) throws {
        let place = try SpoolIntake.reject(claimed: entry, problems: problems, layout: context.layout)
        context.counters.countRejected(cause)
        context.deliver(place, to: owner, jobID: sha.map { String($0.prefix(16)) })
        let summary = problems.prefix(3).map(\.description).joined(separator: "; ")
            + (problems.count > 3 ? "; and \(problems.count - 3) more in \(place.lastPathComponent)/reason.txt" : "")
        if let sha {
            let now = context.clock.now()
            try context.store.insertJob(JobRecord(id: String(sha.prefix(16)), bundleSHA256: sha, name: spoolName,
                                               spoolName: spoolName, state: .rejected, priority: 0, threads: 0,
                                               memoryMB: 0, wallTimeSeconds: 0, model: nil, kind: nil,
                                               submittedAt: now, finishedAt: now, reason: summary, ownerUID: owner),
                                     durable: false)
        }
        context.logger.notice("rejected bundle", metadata: ["entry": "\(spoolName)", "reason": "\(summary)"])
    }
}
