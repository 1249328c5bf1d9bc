import Base
import Foundation
import Spool
import Store

/// Which pass over a batch of claimed entries takes this one in: bundles that name other jobs wait
/// for the rest of the batch, so a job they name by name is there when they are read.
enum IntakeRound {
    /// Bundles naming other jobs are deferred.
    case first
    /// A bundle naming a job that is not there (yet) is deferred.
    case later
    /// Nothing is deferred: a job still not there is unknown, or, when it is the name of a bundle
    /// still waiting in the batch, part of a cycle.
    case last
}

/// What taking an entry in came to.
enum IntakeResult {
    /// A queued job.
    case taken
    /// In rejected/, with its reasons.
    case rejected
    /// Left claimed for a later round of the same batch.
    case deferred
}

/// What reading a claimed bundle came to, before anything was moved or recorded.
enum IntakePreparation<Ready> {
    case ready(Ready)
    /// Left claimed for a later round of the same batch.
    case deferred
    case rejected([TaskProblem], RejectionCause)

    func map<Other>(_ transform: (Ready) -> Other) -> IntakePreparation<Other> {
        switch self {
        case .ready(let ready): .ready(transform(ready))
        case .deferred: .deferred
        case .rejected(let problems, let cause): .rejected(problems, cause)
        }
    }
}

/// Turns one claimed spool entry into a queued job, or rejects it with every reason.
struct Intake {
    let context: DaemonContext
    /// The user who dropped the entry (`ClaimedEntry.owner`).
    let owner: Int?
    var round = IntakeRound.last
    /// The names of the owner's other bundles still waiting in the batch: a reference to one waits
    /// for it (`IntakeRounds`).
    var pendingNames: Set<String> = []

    /// An archive is unpacked beside itself in active/claims/, under its name plus this suffix.
    static let extractedSuffix = SpoolIntake.unpackedSuffix

    func process(claimed: URL, spoolName: String) throws -> IntakeResult {
        let unpacked = claimed.path + Self.extractedSuffix
        var isFolder: ObjCBool = false
        let isArchive = FileManager.default.fileExists(atPath: claimed.path, isDirectory: &isFolder) && !isFolder.boolValue
        var bundleDirectory = claimed
        // The archive stays the claim until its unpacked bundle moved out (adopted or rejected), so a
        // failure before that leaves it to be unpacked again; the unpacked copy is always dropped.
        defer { if isArchive { try? FileManager.default.removeItem(atPath: unpacked) } }
        if isArchive {
            try? FileManager.default.removeItem(atPath: unpacked)
            do {
                bundleDirectory = try SpoolIntake.extractArchive(file: claimed, into: URL(fileURLWithPath: unpacked))
            } catch {
                try reject(claimed, spoolName: spoolName, problems: error.problems, cause: .unreadable)
                return .rejected
            }
        }
        if round == .first, !BundleLoader.peek(directory: bundleDirectory).references.isEmpty { return .deferred }
        let dropArchive = { if isArchive { try? FileManager.default.removeItem(at: claimed) } }
        let sha = try BundleDigest.sha256(of: bundleDirectory)
        let earlier = try context.store.job(bundleSHA256: sha)
        if let earlier, earlier.state != .rejected {
            // Only the reason is kept: the bundle is the earlier job's, in its folder.
            FileSystem.removeContents(of: bundleDirectory.path)
            try reject(bundleDirectory, spoolName: spoolName, problems: [TaskProblem(
                file: spoolName, message: "the same bundle was already submitted as job \(earlier.id) (\(earlier.state.rawValue))",
                hint: "see `ptune show \(earlier.id)`; change the bundle to train it again")], cause: .duplicate)
            dropArchive()
            try context.store.appendEvent(jobID: earlier.id, attempt: nil, kind: "duplicate",
                                       message: "dropped again as \(spoolName); rejected as a duplicate", at: context.clock.now())
            return .rejected
        }
        let id = String(sha.prefix(16))
        switch try prepare(bundleDirectory, id: id, sha: sha, spoolName: spoolName) {
        case .deferred:
            return .deferred
        case .rejected(let problems, let cause):
            try reject(bundleDirectory, spoolName: spoolName, problems: problems, cause: cause, sha: earlier == nil ? sha : nil)
            dropArchive()
            return .rejected
        case .ready(let record):
            _ = try SpoolIntake.adopt(claimed: bundleDirectory, jobID: id, layout: context.layout)
            dropArchive()
            try record()
        }
        return .taken
    }

    /// Reads and checks a bundle of either kind; when ready, what records it as job `id`.
    private func prepare(_ bundleDirectory: URL, id: String, sha: String,
                         spoolName: String) throws -> IntakePreparation<() throws -> Void> {
        if BundleLoader.isPrediction(directory: bundleDirectory) {
            return try preparePrediction(bundleDirectory, id: id).map { ready in { try self.record(ready, id: id, sha: sha, spoolName: spoolName) } }
        }
        return try prepareTraining(bundleDirectory, id: id).map { ready in { try self.record(ready, id: id, sha: sha, spoolName: spoolName) } }
    }

    /// Records the queued job of an accepted bundle of either kind, with the jobs it waits for and
    /// its own notification channels; returns when it was submitted.
    @discardableResult
    func insertQueued(id: String, sha: String, name: String, spoolName: String, limits: JobLimits, model: String,
                      kind: String, links: ResolvedLinks) throws -> Date {
        let now = context.clock.now()
        try context.store.insertJob(JobRecord(id: id, bundleSHA256: sha, name: name, spoolName: spoolName, state: .queued,
                                              priority: limits.priority, threads: limits.threads, memoryMB: limits.memoryMB,
                                              wallTimeSeconds: limits.wallTimeSeconds, model: model, kind: kind,
                                              submittedAt: now, ownerUID: owner),
                                    dependencies: links.dependencies, notify: links.notify, durable: true)
        context.logger.info("queued job", metadata: ["job": "\(id)", "name": "\(name)", "kind": "\(kind)"])
        return now
    }

    /// A bundle the daemon adopted into `folder` (active/JOB) but died before recording: recorded as
    /// at intake, or left there, logged, when it cannot be now (its model directory not mounted yet,
    /// say): a later reconciliation tries again.
    func recordAdopted(folder: URL, id: String, sha: String) throws {
        let bundle = folder.appendingPathComponent("bundle")
        let name = BundleLoader.peek(directory: bundle).name ?? id
        switch try prepare(bundle, id: id, sha: sha, spoolName: name) {
        case .ready(let record):
            try record()
        case .rejected(let problems, _):
            context.logger.warning("an adopted bundle cannot be recorded now; it stays in active/", metadata: [
                "job": "\(id)", "reason": "\(problems.first?.description ?? "")"])
        case .deferred:
            break
        }
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
