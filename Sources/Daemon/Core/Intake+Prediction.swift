import Base
import Foundation
import Spool
import Store

/// Prediction bundles (`kind = "predict"`) at intake: the prompt a `job` reference names is looked up
/// in the history (only the submitter's own succeeded training jobs), the records are checked against
/// its task, and its prompt file goes into the job's folder for the worker. A reference to a training
/// job that has not ended yet (one the bundle waits for in `after`, or else the only one it can
/// mean) makes the job wait for it: its prompt is copied in, and the records checked by the
/// worker, when the job starts.
extension Intake {
    /// A prediction bundle read and checked, ready to become a job.
    struct ReadyPrediction {
        var manifest: PredictionManifest
        var model: String
        var links: ResolvedLinks
        /// The prompt read from the history at intake; nil when the bundle names a file, or a job it
        /// waits for.
        var source: (job: JobRecord, prompt: Data)?
    }

    func preparePrediction(_ directory: URL, id: String) throws -> IntakePreparation<ReadyPrediction> {
        let manifest: PredictionManifest
        do {
            manifest = try PredictionBundleLoader.loadManifest(directory: directory)
        } catch {
            return .rejected(error.problems, .invalid)
        }
        var links: ResolvedLinks
        switch try resolve(manifest.links, jobID: id) {
        case .resolved(let resolved): links = resolved
        case .deferred: return .deferred
        case .problems(let problems): return .rejected(problems, .invalid)
        }
        if case .job(let reference) = manifest.prompt {
            switch try awaitedPrompt(reference, links: &links, jobID: id) {
            case .now:
                break
            case .deferred:
                return .deferred
            case .problem(let problem):
                return .rejected([problem], .invalid)
            case .from(let trainer):
                let model = manifest.model ?? trainer.model ?? ""
                if let why = unrunnable(model: model, limits: manifest.limits) { return .rejected([why], .notRunnable) }
                return .ready(ReadyPrediction(manifest: manifest, model: model, links: links))
            }
        }
        let resolved = ResolvedPrompt()
        let bundle: PredictionBundle
        switch try load(directory, resolved: resolved) {
        case .success(let loaded): bundle = loaded
        case .failure(let problems): return .rejected(problems.problems, .invalid)
        }
        if let why = unrunnable(model: bundle.model, limits: bundle.manifest.limits) { return .rejected([why], .notRunnable) }
        return .ready(ReadyPrediction(manifest: manifest, model: bundle.model, links: links, source: resolved.source))
    }

    /// Puts a prompt read from the history into the job's folder (before the job exists, so its
    /// worker always finds it), then records the queued job, the jobs it waits for, and where its
    /// prompt came from.
    func record(_ ready: ReadyPrediction, id: String, sha: String, spoolName: String) throws {
        if let source = ready.source {
            try AtomicFile.write(source.prompt,
                                 to: context.directory(of: id).appendingPathComponent(PredictionBundle.promptFileName).path)
        }
        let m = ready.manifest
        let now = try insertQueued(id: id, sha: sha, name: m.name, spoolName: spoolName, limits: m.limits, model: ready.model,
                                   kind: BundleLoader.predictionKind, links: ready.links)
        if let source = ready.source {
            try context.store.appendEvent(jobID: id, attempt: nil, kind: "prompt",
                                          message: "the prompt of job \(source.job.id) (\(source.job.name))", at: now)
        }
    }

    /// Where the prompt of a `job` reference comes from.
    private enum PromptWait {
        /// A succeeded job's, read now (or the reference's problem, told by reading it).
        case now
        /// The job's, which the bundle waits for: read when the bundle's job starts.
        case from(JobRecord)
        /// No job matches yet; a later round of the batch may bring it.
        case deferred
        case problem(TaskProblem)
    }

    /// A reference to a job the bundle waits for is that job's prompt, once it succeeds; else one
    /// to a succeeded job is read now, and one whose only match is a training job not ended yet
    /// makes the bundle wait for it (`after`, added here).
    private func awaitedPrompt(_ reference: String, links: inout ResolvedLinks, jobID: String) throws -> PromptWait {
        let name = PromptSource.latestName(reference)
        let key = reference.lowercased()
        let matches = { (job: JobRecord) in name.map { job.name == $0 } ?? job.id.hasPrefix(key) }
        if let name, pendingNames.contains(name), !links.jobs.contains(where: matches) {
            guard round == .last else { return .deferred }
            return .problem(TaskProblem(file: "task.toml", field: "prompt.job",
                                        message: "\"\(name)\", dropped with this bundle, was not taken in before it",
                                        hint: "see its own rejection, or name a job submitted before this bundle"))
        }
        if let index = links.jobs.firstIndex(where: matches) {
            let job = links.jobs[index]
            guard job.kind != BundleLoader.predictionKind else {
                return .problem(TaskProblem(file: "task.toml", field: "prompt.job",
                                            message: "job \(job.id) (\(job.name)) is a prediction job; it trains no prompt",
                                            hint: "name a training job"))
            }
            guard links.dependencies[index].kind == .ok else {
                return .problem(TaskProblem(file: "task.toml", field: "after_any",
                                            message: "job \(job.id) (\(job.name)) gives the prompt, so it must succeed",
                                            hint: "list it in after instead"))
            }
            if job.state == .succeeded { return .now }
            links.dependencies[index].providesPrompt = true
            return .from(job)
        }
        guard let owner, name != nil || key.count >= JobStore.minimumPrefixLength else { return .now }
        let candidates = try context.store.jobs(ownerUID: owner)
            .filter { $0.id != jobID && $0.kind != BundleLoader.predictionKind && matches($0) }
        guard name != nil || candidates.count == 1 else { return candidates.isEmpty && round != .last ? .deferred : .now }
        if candidates.contains(where: { $0.state == .succeeded }) { return .now }
        if let pending = candidates.first(where: { !$0.state.isTerminal }) {
            links.dependencies.append(DependencyRecord(jobID: jobID, dependsOn: pending.id, reference: reference, kind: .ok,
                                                       providesPrompt: true))
            links.jobs.append(pending)
            return .from(pending)
        }
        return candidates.isEmpty && round != .last ? .deferred : .now
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
