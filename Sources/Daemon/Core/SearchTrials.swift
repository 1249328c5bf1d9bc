import Base
import Foundation
import Spool
import Store

/// A search's trials as child jobs. The search's worker plans: it writes each trial it wants into a
/// folder of the search's (`trials/KEY/`), lists them in `search-request.json` and exits asking for
/// them; the daemon records them as queued jobs, which the scheduler runs like any other (in
/// parallel, under the bundle's limits, through the executor), and queues the search again behind
/// them. Once they have all ended its worker plans the next rung, or picks the winner.
struct SearchTrials {
    let context: DaemonContext

    /// The trials `running`'s worker asked for, recorded as child jobs; false when its request is
    /// unusable or asks again for a trial that has ended (the attempt then fails, and counts as a
    /// failure, so a search cannot ask for the same trials for ever).
    func spawn(for running: RunningJob) throws -> Bool {
        let folder = SearchFolder(root: running.directory)
        guard let data = try? Data(contentsOf: folder.request),
              let requests = try? JSONDecoder().decode([TrialRequest].self, from: data), !requests.isEmpty,
              requests.allSatisfy({ Self.isKey($0.key) && FileSystem.isDirectory((try? FileSystem.status(folder.trial($0.key).path)) ?? nil) })
        else { return false }
        let ended = Set(try context.store.children(of: running.job.id).filter(\.state.isTerminal).compactMap(\.trialKey))
        guard ended.isDisjoint(with: requests.map(\.key)) else { return false }
        let children = try context.store.spawnTrials(parentID: running.job.id, requests: requests,
                                                     attemptID: running.attempt.id, at: context.clock.now())
        context.logger.info("search asked for trials", metadata: ["job": "\(running.job.id)",
                                                                  "trials": "\(children.map(\.id).joined(separator: ","))"])
        return true
    }

    /// Cancels the trials of `search` that have not ended: queued ones end now, running ones are
    /// stopped through a cancel request of the daemon's own, interrupted ones end when queued again.
    /// True while some are still to end (the search then waits for them before it is cancelled).
    func cancelLive(of search: JobRecord) throws -> Bool {
        var left = false
        for trial in try context.store.children(of: search.id) where !trial.state.isTerminal {
            try context.store.requestCancel(jobID: trial.id, at: context.clock.now())
            if trial.state == .queued {
                try Completion(context: context).endUnstarted(trial, in: .cancelled, reason: "its search was cancelled")
                continue
            }
            if trial.state == .running { try CancelRequests.request(trial.id, spool: context.layout.root) }
            left = true
        }
        return left
    }

    /// "trial-12-0123456789ab": the only names a trial's folder may have.
    static func isKey(_ key: String) -> Bool {
        let parts = key.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "trial" && !parts[1].isEmpty && parts[1].allSatisfy(\.isASCII)
            && parts[1].allSatisfy(\.isNumber) && parts[2].count == 12
            && parts[2].allSatisfy { $0.isASCII && $0.isHexDigit && !$0.isUppercase }
    }
}
