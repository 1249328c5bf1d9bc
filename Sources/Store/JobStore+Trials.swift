import Base
import Foundation
import GRDB

/// A trial a search's worker asked for: the folder it runs in under the search's, and its settings
/// in words.
public struct TrialRequest: Codable, Sendable, Equatable {
    public var key: String
    public var settings: String

    public init(key: String, settings: String) {
        self.key = key
        self.settings = settings
    }
}

extension JobStore {
    /// Records the trials a search's worker asked for, in one durable transaction: each becomes a
    /// queued child job of `parentID` (with the parent's owner, model, kind and limits) that the
    /// parent waits for, the attempt that asked ends succeeded, and the parent is queued again. A trial
    /// already recorded (the same key under the same parent) is not recorded twice. Returns the
    /// trials' jobs, in the order asked.
    public func spawnTrials(parentID: String, requests: [TrialRequest], attemptID: Int64, at: Date) throws -> [JobRecord] {
        try write(durable: true) { db in
            let parent = try Self.fetchJob(db, id: parentID)
            var children: [JobRecord] = []
            for request in requests {
                let sha = ContentHash.sha256Hex(Data("\(parent.bundleSHA256)/\(request.key)".utf8))
                if let existing = try JobRecord.filter(Column("bundleSHA256") == sha).fetchOne(db) {
                    children.append(existing)
                    continue
                }
                let child = JobRecord(id: JobRecord.id(bundleSHA256: sha), bundleSHA256: sha, name: "\(parent.name)/\(request.key)",
                                      spoolName: parent.spoolName, priority: parent.priority, threads: parent.threads,
                                      memoryMB: parent.memoryMB, wallTimeSeconds: parent.wallTimeSeconds, model: parent.model,
                                      kind: parent.kind, submittedAt: at, ownerUID: parent.ownerUID, parentID: parent.id,
                                      trialKey: request.key)
                try child.insert(db)
                try Self.insertEvent(db, jobID: child.id, attempt: nil, kind: EventRecord.Kind.state,
                                     message: "a trial of job \(parent.id) (\(request.settings)), queued", at: at)
                try DependencyRecord(jobID: parent.id, dependsOn: child.id, reference: request.key, kind: .any)
                    .insert(db, onConflict: .ignore)
                children.append(child)
            }
            let reason = "asked for \(requests.count) trial\(requests.count == 1 ? "" : "s")"
            _ = try Self.recordAttemptEnd(db, id: attemptID, state: .succeeded, exitStatus: nil, reason: reason,
                                          peakRSSMB: nil, at: at)
            let trials = try JobRecord.filter(Column("parentID") == parentID).fetchAll(db)
            try Self.moveJob(db, id: parentID, to: .queued, reason: Self.waitingReason(for: trials), at: at)
            return children
        }
    }

    /// What a search waiting for `trials` says it waits for.
    public static func waitingReason(for trials: [JobRecord]) -> String {
        "waiting for its trials: \(trials.filter(\.state.isTerminal).count) of \(trials.count) ended"
    }

    /// How far the trials of each search in `parentIDs` have come, by search (searches with no trial
    /// yet are absent): one query for a whole table of jobs.
    public func trialProgress(of parentIDs: [String]) throws -> [String: TrialProgress] {
        guard !parentIDs.isEmpty else { return [:] }
        return try read { db in
            // In slices, under SQLite's limit on bound values, for a history of any length.
            var trials: [JobRecord] = []
            for start in stride(from: 0, to: parentIDs.count, by: 500) {
                let slice = Array(parentIDs[start..<min(parentIDs.count, start + 500)])
                trials += try JobRecord.filter(slice.contains(Column("parentID"))).fetchAll(db)
            }
            return Dictionary(grouping: trials, by: { $0.parentID ?? "" }).mapValues(TrialProgress.init)
        }
    }

    /// The trials of a search's job, in the order they were asked for.
    public func children(of parentID: String) throws -> [JobRecord] {
        try read { db in
            try JobRecord.filter(Column("parentID") == parentID).order(sql: "submittedAt, rowid").fetchAll(db)
        }
    }
}
