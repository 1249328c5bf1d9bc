import Foundation
import Store

/// Holds back queued jobs that wait for others (`after`, `after_any`): a job whose dependencies are
/// all met may start; one still waiting says for what in its reason (shown by `ptune status`); one
/// whose `after` job ended other than succeeded can never start, and ends as cancelled with why.
struct DependencyGate {
    let context: DaemonContext

    /// The jobs of `queued` free to start, in the same order.
    func screen(_ queued: [JobRecord]) throws -> [JobRecord] {
        let waiting = try context.store.queuedDependencies()
        guard !waiting.isEmpty else { return queued }
        var free: [JobRecord] = []
        for job in queued {
            guard let dependencies = waiting[job.id] else {
                free.append(job)
                continue
            }
            if let broken = dependencies.first(where: { $0.dependency.isMet(by: $0.state) == false }) {
                // The other job's own reason, cut short: down a chain each would hold all before it.
                let why = broken.reason.map { ": " + ($0.count > 160 ? $0.prefix(160) + "…" : $0) } ?? ""
                try Completion(context: context).endUnstarted(job, in: .cancelled, reason:
                    "job \(broken.dependency.dependsOn) (\(broken.name)), which it waits for, ended \(broken.state.rawValue)\(why)")
                context.logger.notice("cancelled a job whose dependency failed",
                                      metadata: ["job": "\(job.id)", "dependency": "\(broken.dependency.dependsOn)"])
                continue
            }
            let open = dependencies.filter { $0.dependency.isMet(by: $0.state) == nil }
            if let first = open.first {
                let until = first.dependency.kind == .ok ? "succeed" : "end"
                let more = open.count > 1 ? " (and \(open.count - 1) more)" : ""
                let trials = try context.store.children(of: job.id)
                let reason = trials.isEmpty
                    ? "\(Self.waitingPrefix) job \(first.dependency.dependsOn) (\(first.name)) to \(until)\(more)"
                    : JobStore.waitingReason(for: trials)
                if job.reason != reason { try context.store.setQueuedReason(jobID: job.id, reason: reason) }
            } else {
                if job.reason?.hasPrefix(Self.waitingPrefix) == true { try context.store.setQueuedReason(jobID: job.id, reason: nil) }
                free.append(job)
            }
        }
        return free
    }

    /// How a waiting job's reason starts.
    static let waitingPrefix = "waiting for"
}
