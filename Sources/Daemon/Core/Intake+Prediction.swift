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
        switch load(bundleDirectory, resolved: resolved) {
        case .success(let loaded):
            bundle = loaded
        case .failure(let problems):
            try reject(bundleDirectory, spoolName: spoolName, problems: problems.problems, sha: firstSeen ? sha : nil)
            return
        }
        let limits = bundle.manifest.limits
        let why = ModelPolicy.problem(with: bundle.model, directory: context.config.models)
            ?? Admission.impossible(threads: limits.threads, memoryMB: limits.memoryMB, config: context.config).map {
                TaskProblem(file: "task.toml", field: "limits", message: $0)
            }
        if let why {
            try reject(bundleDirectory, spoolName: spoolName, problems: [why], sha: firstSeen ? sha : nil)
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
        guard case .success(let bundle) = load(folder.appendingPathComponent("bundle"), resolved: resolved) else { return }
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
    private func load(_ directory: URL, resolved: ResolvedPrompt) -> Result<PredictionBundle, TaskProblems> {
        let store = context.store
        let resolve = { (reference: String) throws -> Data in
            let job = try self.promptJob(reference)
            let prompt = try store.artifact(jobID: job.id, name: PredictionBundle.promptFileName)
            resolved.source = (job, prompt)
            return prompt
        }
        do {
            return .success(try PredictionBundleLoader.load(directory: directory, jobPrompt: resolve))
        } catch {
            return .failure(error)
        }
    }

    /// The succeeded training job `reference` names: an id, a unique id prefix, or `NAME@latest` (the
    /// newest of that name). Only the submitter's own jobs, unless the submitter is root.
    private func promptJob(_ reference: String) throws -> JobRecord {
        let mine = { (job: JobRecord) in owner == nil || owner == 0 || job.ownerUID == owner }
        let isTraining = { (job: JobRecord) in job.kind != BundleLoader.predictionKind }
        if let name = PromptSource.latestName(reference) {
            let candidates = try context.store.jobs(state: .succeeded, ownerUID: owner == 0 ? nil : owner)
            guard let job = candidates.first(where: { $0.name == name && isTraining($0) }) else {
                throw ActionableError("no succeeded training job named \"\(name)\" of yours",
                                      hint: "`ptune history --state succeeded` lists them; train one first")
            }
            return job
        }
        guard let job = try context.store.job(id: reference), mine(job) else {
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
}
