import Base
import Foundation
import Spool
import Store

/// Training bundles at intake: loaded and checked whole and their links resolved, to be adopted and
/// recorded as a queued job.
extension Intake {
    /// A training bundle read and checked whole, ready to become a job.
    struct ReadyTraining {
        var bundle: TaskBundle
        var links: ResolvedLinks
    }

    func prepareTraining(_ directory: URL, id: String) throws -> IntakePreparation<ReadyTraining> {
        let bundle: TaskBundle
        do {
            bundle = try BundleLoader.load(directory: directory)
        } catch {
            return .rejected(error.problems, .invalid)
        }
        if let problem = unrunnable(model: bundle.manifest.model, limits: bundle.manifest.limits) {
            return .rejected([problem], .notRunnable)
        }
        switch try resolve(bundle.manifest.links, jobID: id) {
        case .resolved(let links): return .ready(ReadyTraining(bundle: bundle, links: links))
        case .deferred: return .deferred
        case .problems(let problems): return .rejected(problems, .invalid)
        }
    }

    /// Records the queued job, with the jobs it waits for.
    func record(_ ready: ReadyTraining, id: String, sha: String, spoolName: String) throws {
        let m = ready.bundle.manifest
        try insertQueued(id: id, sha: sha, name: m.name, spoolName: spoolName, limits: m.limits, model: m.model,
                         kind: m.spec.kind.name, links: ready.links)
    }
}
