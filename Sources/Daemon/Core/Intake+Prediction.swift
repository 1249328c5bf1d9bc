import Base
import Foundation
import Spool
import Store

/// Prediction bundles (`kind = "predict"`) at intake: the prompt a `job` reference names is looked up
/// in the history (only the submitter's own succeeded training jobs), the records are checked against
/// its task, and its prompt file goes into the job's folder for the worker.
extension Intake {
    func processPrediction(_ bundleDirectory: URL, sha: String, spoolName: String, firstSeen: Bool) throws {
        let resolved = ResolvedPrompt()
        let bundle: PredictionBundle
        switch try load(bundleDirectory, resolved: resolved) {
        case .success(let loaded):
            bundle = loaded
        case .failure(let problems):
            try reject(bundleDirectory, spoolName: spoolName, problems: problems.problems, cause: .invalid,
                       sha: firstSeen ? sha : nil)
            return
        }
        if let why = unrunnable(model: bundle.model, limits: bundle.manifest.limits) {
            try reject(bundleDirectory, spoolName: spoolName, problems: [why], cause: .notRunnable,
                       sha: firstSeen ? sha : nil)
            return
        }
        let id = String(sha.prefix(16))
        let folder = try SpoolIntake.adopt(claimed: bundleDirectory, jobID: id, layout: context.layout)
        try record(bundle, resolved: resolved.source, folder: folder, id: id, sha: sha, spoolName: spoolName)
    }

    /// A prediction bundle the daemon adopted into `folder` but died before recording: loaded and
    /// recorded as at intake, or left alone when it no longer loads.
    func recordAdoptedPrediction(folder: URL, id: String, sha: String) throws {
        let resolved = ResolvedPrompt()
        guard case .success(let bundle) = try load(folder.appendingPathComponent("bundle"), resolved: resolved) else { return }
        try record(bundle, resolved: resolved.source, folder: folder, id: id, sha: sha, spoolName: bundle.manifest.name)
    }

    /// Puts the resolved prompt into the job's folder (before the job exists, so its worker always
    /// finds it), then records the queued job and where its prompt came from.
    private func record(_ bundle: PredictionBundle, resolved source: (job: JobRecord, prompt: Data)?, folder: URL,
                        id: String, sha: String, spoolName: String) throws {
        if let source {
            try AtomicFile.write(source.prompt, to: folder.appendingPathComponent(PredictionBundle.promptFileName).path)
        }
        let m = bundle.manifest
        let now = context.clock.now()
        try context.store.insertJob(JobRecord(id: id, bundleSHA256: sha, name: m.name, spoolName: spoolName, state: .queued,
                                              priority: m.limits.priority, threads: m.limits.threads,
                                              memoryMB: m.limits.memoryMB, wallTimeSeconds: m.limits.wallTimeSeconds,
                                              model: bundle.model, kind: BundleLoader.predictionKind, submittedAt: now,
                                              ownerUID: owner),
                                    durable: true)
        if let source {
            try context.store.appendEvent(jobID: id, attempt: nil, kind: "prompt",
                                          message: "the prompt of job \(source.job.id) (\(source.job.name))", at: now)
        }
        context.logger.info("queued prediction job", metadata: ["job": "\(id)", "name": "\(m.name)"])
    }

    /// The bundle, with the prompt of a `job` reference read from the history (kept in `resolved`).
    /// A database that fails (busy, I/O) is thrown, not a problem of the bundle: intake tries again.
    private func load(_ directory: URL, resolved: ResolvedPrompt) throws -> Result<PredictionBundle, TaskProblems> {
        let resolve = { (reference: String) throws -> Data in
            do {
                let job = try self.promptJob(reference)
                let prompt = try self.storedPrompt(of: job)
                resolved.source = (job, prompt)
                return prompt
            } catch let error as ActionableError {
                throw error
            } catch {
                resolved.failure = error
                throw error
            }
        }
        do {
            return .success(try PredictionBundleLoader.load(directory: directory, jobPrompt: resolve))
        } catch {
            if let failure = resolved.failure { throw failure }
            return .failure(error)
        }
    }

    private func storedPrompt(of job: JobRecord) throws -> Data {
        do {
            return try context.store.artifact(jobID: job.id, name: Completion.promptArtifact)
        } catch StoreError.artifactNotFound {
            throw ActionableError("job \(job.id) (\(job.name)) no longer has its prompt in the database",
                                  hint: "the retention policy dropped it; train the task again or name another job")
        }
    }

    /// The succeeded training job `reference` names, among the submitter's own jobs: an id, a unique
    /// id prefix, or `NAME@latest` (the newest of that name).
    private func promptJob(_ reference: String) throws -> JobRecord {
        guard let owner else {
            throw ActionableError("the owner of this bundle is unknown, so it can name no job",
                                  hint: "name the prompt with file = \"prompt.safetensors\" instead")
        }
        let isTraining = { (job: JobRecord) in job.kind != BundleLoader.predictionKind }
        let mine = try context.store.jobs(ownerUID: owner)
        if let name = PromptSource.latestName(reference) {
            guard let job = mine.first(where: { $0.name == name && $0.state == .succeeded && isTraining($0) }) else {
                throw ActionableError("no succeeded training job named \"\(name)\" of yours",
                                      hint: "`ptune history --state succeeded` lists them; train one first")
            }
            return job
        }
        let key = reference.lowercased()
        guard key.count >= JobStore.minimumPrefixLength else {
            throw ActionableError("job id \"\(reference)\" is too short",
                                  hint: "give at least \(JobStore.minimumPrefixLength) characters, or NAME@latest")
        }
        let matches = mine.filter { $0.id.hasPrefix(key) }
        guard matches.count <= 1 else {
            throw ActionableError("job id \"\(reference)\" matches \(matches.count) of your jobs",
                                  hint: "give more of it: " + matches.map(\.id).joined(separator: ", "))
        }
        guard let job = matches.first else {
            throw ActionableError("no job \(reference) of yours", hint: "`ptune history` lists your jobs")
        }
        guard job.state == .succeeded, isTraining(job) else {
            throw ActionableError("job \(job.id) is a \(isTraining(job) ? job.state.rawValue : "prediction") job, "
                                  + "not a succeeded training job", hint: "name a job whose training succeeded")
        }
        return job
    }
}

/// The job a `job` reference resolved to and its prompt file, kept from the loader's callback.
private final class ResolvedPrompt {
    var source: (job: JobRecord, prompt: Data)?
    /// A database failure while resolving, which is no problem of the bundle.
    var failure: (any Error)?
}
