import Foundation
import GRDB

extension JobStore {
    /// Inserts a new job and a `state` event; `durable` when the caller then moves the bundle.
    ///
    /// Throws ``StoreError/duplicateBundle(sha256:existingJobID:existingState:)`` when a job with the same
    /// `bundleSHA256` exists (unless that job was rejected and this one is not: then this one takes the
    /// rejected job's row over, keeping its events), and ``StoreError/invalidJob(id:detail:)`` unless
    /// `bundleSHA256` is 64 lowercase hex digits and `id` its first 16.
    ///
    /// `dependencies` (the jobs it waits for) and `notify` (its bundle's own channels) are recorded
    /// in the same transaction, each dependency with a `dependency` event.
    public func insertJob(_ job: JobRecord, dependencies: [DependencyRecord] = [], notify: JobNotifyRecord? = nil,
                          durable: Bool) throws {
        guard job.bundleSHA256.count == 64, Self.isLowercaseHex(job.bundleSHA256) else {
            throw StoreError.invalidJob(id: job.id, detail: "bundleSHA256 must be 64 lowercase hex digits")
        }
        guard job.id == JobRecord.id(bundleSHA256: job.bundleSHA256) else {
            throw StoreError.invalidJob(id: job.id, detail: "the id must be the first 16 hex digits of bundleSHA256")
        }
        try write(durable: durable) { db in
            if let existing = try JobRecord.filter(Column("bundleSHA256") == job.bundleSHA256).fetchOne(db) {
                // The same bundle rejected before (its model not installed yet, say) and accepted
                // now takes the rejected row over; its events stay.
                guard existing.state == .rejected, job.state != .rejected else {
                    throw StoreError.duplicateBundle(sha256: job.bundleSHA256, existingJobID: existing.id,
                                                     existingState: existing.state)
                }
                try job.update(db)
            } else {
                try job.insert(db)
            }
            let reason = job.reason.map { ": \($0)" } ?? ""
            try Self.insertEvent(db, jobID: job.id, attempt: nil, kind: EventRecord.Kind.state,
                                 message: "submitted as \(job.spoolName), \(job.state.rawValue)\(reason)",
                                 at: job.submittedAt)
            try Self.insertLinks(db, job: job, dependencies: dependencies, notify: notify)
        }
    }

    /// Moves a job to `state` and records a `state` event, in one transaction.
    ///
    /// `reason` replaces the job's reason (nil clears it). Entering `running` sets `startedAt` if unset;
    /// entering a terminal state sets `finishedAt`. A job in a terminal state never changes again
    /// (``StoreError/invalidTransition(jobID:from:to:)``).
    public func updateState(jobID: String, to state: JobState, reason: String?, at: Date, durable: Bool) throws {
        try write(durable: durable) { db in
            try Self.moveJob(db, id: jobID, to: state, reason: reason, at: at)
        }
    }

    /// The state change of ``updateState(jobID:to:reason:at:durable:)`` inside a caller's transaction.
    static func moveJob(_ db: Database, id jobID: String, to state: JobState, reason: String?, at: Date) throws {
        var job = try Self.fetchJob(db, id: jobID)
        guard !job.state.isTerminal else {
            throw StoreError.invalidTransition(jobID: jobID, from: job.state, to: state)
        }
        let from = job.state
        job.state = state
        job.reason = reason
        if state == .running, job.startedAt == nil { job.startedAt = at }
        if state.isTerminal { job.finishedAt = at }
        try job.update(db)
        try Self.insertEvent(db, jobID: jobID, attempt: job.attempts > 0 ? job.attempts : nil,
                             kind: EventRecord.Kind.state,
                             message: Self.transition(from: from, to: state, reason: reason), at: at)
    }

    /// Asks the daemon to cancel a job (`jobID` is a full id); the daemon polls `cancelRequested`.
    ///
    /// This is the one write a read-only store makes: it opens a short-lived writable connection for it,
    /// applies no migration, and takes the write lock for one small transaction. Asking twice is harmless;
    /// asking for a job that already ended throws ``StoreError/invalidTransition(jobID:from:to:)``.
    public func requestCancel(jobID: String, at: Date = Date()) throws {
        let body: (Database) throws -> Void = { db in
            let job = try Self.fetchJob(db, id: jobID)
            guard !job.state.isTerminal else {
                throw StoreError.invalidTransition(jobID: jobID, from: job.state, to: .cancelled)
            }
            guard !job.cancelRequested else { return }
            try db.execute(sql: "UPDATE job SET cancelRequested = 1 WHERE id = ?", arguments: [jobID])
            try Self.insertEvent(db, jobID: jobID, attempt: job.attempts > 0 ? job.attempts : nil,
                                 kind: EventRecord.Kind.cancel, message: "cancel requested", at: at)
        }
        if isReadOnly {
            try Self.mappingErrors(path: path) {
                let queue = try DatabaseQueue(path: path, configuration: Self.configuration(readOnly: false))
                try queue.inTransaction(.immediate) { db in
                    try body(db)
                    return .commit
                }
            }
        } else {
            try write(body)
        }
    }

    /// Stores a job's latest progress. A nil `loss` or `devMetric` keeps the previous value (dev metrics come
    /// only at evaluation steps); a value that is not a number is stored as nil.
    public func recordProgress(jobID: String, step: Int, total: Int, loss: Double?, devMetric: Double?) throws {
        try write { db in
            var job = try Self.fetchJob(db, id: jobID)
            job.progressStep = step
            job.progressTotal = total
            if let loss { job.lastLoss = loss.isNaN ? nil : loss }
            if let devMetric { job.lastDevMetric = devMetric.isNaN ? nil : devMetric }
            try job.update(db)
        }
    }

    static func fetchJob(_ db: Database, id: String) throws -> JobRecord {
        guard let job = try JobRecord.fetchOne(db, key: id) else { throw StoreError.jobNotFound(id: id) }
        return job
    }

    static func transition(from: JobState, to: JobState, reason: String?) -> String {
        "\(from.rawValue) → \(to.rawValue)" + (reason.map { ": \($0)" } ?? "")
    }

    static func isLowercaseHex(_ text: String) -> Bool {
        text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }
}
