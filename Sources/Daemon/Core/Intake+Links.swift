import Base
import Foundation
import Spool
import Store

/// A bundle's `JobLinks` as the daemon accepted them: the jobs it waits for, resolved to ids, and
/// its own notification channels, checked against what the config allows.
struct ResolvedLinks {
    var dependencies: [DependencyRecord] = []
    /// The jobs of `dependencies`, in the same order.
    var jobs: [JobRecord] = []
    var notify: JobNotifyRecord?
}

/// What resolving a bundle's links came to.
enum LinkResolution {
    case resolved(ResolvedLinks)
    /// A job it names is not there; a later round of the same batch may bring it.
    case deferred
    case problems([TaskProblem])
}

/// Which of the submitter's jobs a reference names.
enum JobLookup {
    case found(JobRecord)
    case ambiguous([String])
    case unknown
}

extension Intake {
    /// Resolves `links` against the submitter's own jobs and the config's notification allowances.
    /// A name refers to the newest of the submitter's jobs of that name (not a rejected one); a
    /// reference no name matches is an id or a unique id prefix.
    func resolve(_ links: JobLinks, jobID: String) throws -> LinkResolution {
        var problems: [TaskProblem] = []
        var resolved = ResolvedLinks()
        if !links.references.isEmpty {
            guard let owner else {
                return .problems([TaskProblem(file: "task.toml", field: "after",
                                              message: "the owner of this bundle is unknown, so it can wait for no job",
                                              hint: "drop the bundle as yourself (ptune submit)")])
            }
            let mine = try context.store.jobs(ownerUID: owner).filter { $0.id != jobID }
            let requested = links.after.map { ($0, DependencyRecord.Kind.ok, "after") }
                + links.afterAny.map { ($0, DependencyRecord.Kind.any, "after_any") }
            for (reference, kind, key) in requested {
                if pendingNames.contains(reference) {
                    guard round == .last else { return .deferred }
                    problems.append(TaskProblem(file: "task.toml", field: key,
                                                message: "\"\(reference)\", dropped with this bundle, was not taken in before "
                                                    + "it: it was rejected, or it waits for this one (a cycle) or for a job that is not there",
                                                hint: "see its own rejection; a job can wait only for jobs submitted before it"))
                    continue
                }
                switch Self.lookUp(reference, among: mine) {
                case .found(let job) where resolved.jobs.contains { $0.id == job.id }:
                    problems.append(TaskProblem(file: "task.toml", field: key, message: "\"\(reference)\" is job \(job.id) again",
                                                hint: "list each job once"))
                case .found(let job):
                    resolved.dependencies.append(DependencyRecord(jobID: jobID, dependsOn: job.id, reference: reference, kind: kind))
                    resolved.jobs.append(job)
                case .ambiguous(let ids):
                    problems.append(TaskProblem(file: "task.toml", field: key,
                                                message: "\"\(reference)\" matches \(ids.count) of your jobs",
                                                hint: "give more of the id: " + ids.joined(separator: ", ")))
                case .unknown:
                    guard round == .last else { return .deferred }
                    problems.append(TaskProblem(file: "task.toml", field: key,
                                                message: "no job of yours is named \"\(reference)\" or has that id",
                                                hint: "`ptune history` lists your jobs; a bundle it names must be taken in "
                                                    + "before it, or dropped together with it"))
                }
            }
        }
        if let notify = links.notify {
            switch bundleNotify(notify, jobID: jobID) {
            case .success(let record): resolved.notify = record
            case .failure(let problem): problems.append(problem)
            }
        }
        return problems.isEmpty ? .resolved(resolved) : .problems(problems)
    }

    /// The job of `mine` (the submitter's, newest first) `reference` names: the newest not rejected
    /// of that name, else the one whose id starts with it.
    static func lookUp(_ reference: String, among mine: [JobRecord]) -> JobLookup {
        if let named = mine.first(where: { $0.name == reference && $0.state != .rejected }) { return .found(named) }
        let key = reference.lowercased()
        guard key.count >= JobStore.minimumPrefixLength else { return .unknown }
        // A rejected job never ran and may yet be taken over by the same bundle dropped again.
        let matches = mine.filter { $0.id.hasPrefix(key) && $0.state != .rejected }
        switch matches.count {
        case 0: return .unknown
        case 1: return .found(matches[0])
        default: return .ambiguous(matches.map(\.id))
        }
    }

    /// A bundle's `[notify]`, when the config allows each of its channels.
    private func bundleNotify(_ notify: BundleNotify, jobID: String) -> Result<JobNotifyRecord, TaskProblem> {
        guard let settings = context.config.notify else {
            return .failure(TaskProblem(file: "task.toml", field: "notify", message: "this daemon sends no notifications",
                                        hint: "remove [notify]; its administrator can enable them in [notify] of the config"))
        }
        if let command = notify.command, settings.bundleCommands[command] == nil {
            let allowed = settings.bundleCommands.keys.sorted()
            return .failure(TaskProblem(file: "task.toml", field: "notify.command",
                                        message: "no command named \"\(command)\" is allowed here",
                                        hint: allowed.isEmpty ? "this daemon allows bundles no command; use url, or remove it"
                                                              : "one of: " + allowed.joined(separator: ", ")))
        }
        if let url = notify.url, !settings.allowsBundleURL(url) {
            return .failure(TaskProblem(file: "task.toml", field: "notify.url", message: "\"\(url)\" is not a URL allowed here",
                                        hint: settings.bundleURLPrefixes.isEmpty
                                            ? "this daemon allows bundles no URL; remove it"
                                            : "a URL under " + settings.bundleURLPrefixes.joined(separator: " or ")))
        }
        let states = notify.states?.compactMap { JobState(rawValue: $0) } ?? settings.states
        return .success(JobNotifyRecord(jobID: jobID, command: notify.command, url: notify.url, states: states))
    }
}
