import Foundation
import GRDB

extension JobStore {
    /// Starts the job's next attempt, in one transaction: inserts the attempt (`running`), moves the job to
    /// `running`, counts the attempt in `attempts`, clears its reason, and records the events.
    ///
    /// `clusterJobID`: the cluster's id when a cluster runs the attempt (then `pid` is nil).
    /// The job must be queued or interrupted (``StoreError/invalidTransition(jobID:from:to:)`` otherwise).
    public func startAttempt(jobID: String, pid: Int32?, clusterJobID: String? = nil, at: Date) throws -> AttemptRecord {
        try write { db in
            var job = try Self.fetchJob(db, id: jobID)
            guard job.state == .queued || job.state == .interrupted else {
                throw StoreError.invalidTransition(jobID: jobID, from: job.state, to: .running)
            }
            let number = job.attempts + 1
            try db.execute(
                sql: "INSERT INTO attempt (jobID, number, state, pid, startedAt, clusterJobID) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [jobID, number, JobState.running, pid, at, clusterJobID])
            let attempt = AttemptRecord(id: db.lastInsertedRowID, jobID: jobID, number: number, state: .running,
                                        pid: pid, startedAt: at, clusterJobID: clusterJobID)
            let from = job.state
            job.state = .running
            job.attempts = number
            job.reason = nil
            if job.startedAt == nil { job.startedAt = at }
            try job.update(db)
            try Self.insertEvent(db, jobID: jobID, attempt: number, kind: EventRecord.Kind.state,
                                 message: Self.transition(from: from, to: .running, reason: nil), at: at)
            try Self.insertEvent(db, jobID: jobID, attempt: number, kind: EventRecord.Kind.attempt,
                                 message: "attempt \(number) started" + (pid.map { " (pid \($0))" } ?? "")
                                     + (clusterJobID.map { " (cluster job \($0))" } ?? ""), at: at)
            return attempt
        }
    }

    /// Records the cluster node an attempt runs on, with an event the first time it is known.
    public func recordNode(attemptID: Int64, node: String, at: Date) throws {
        try write { db in
            guard let attempt = try AttemptRecord.fetchOne(db, key: attemptID), attempt.node != node else { return }
            try db.execute(sql: "UPDATE attempt SET node = ? WHERE id = ?", arguments: [node, attemptID])
            try Self.insertEvent(db, jobID: attempt.jobID, attempt: attempt.number, kind: EventRecord.Kind.attempt,
                                 message: "attempt \(attempt.number) runs on node \(node)", at: at)
        }
    }

    /// Records how an attempt ended, with an `attempt` event. The job's own state is changed separately,
    /// with ``updateState(jobID:to:reason:at:durable:)``, or in the same transaction with
    /// ``finishAttempt(id:state:exitStatus:reason:peakRSSMB:at:jobState:jobReason:warnings:durable:)``.
    ///
    /// `state` must be an end state (not queued or running); an attempt finishes once.
    public func finishAttempt(id: Int64, state: JobState, exitStatus: Int32?, reason: String?, peakRSSMB: Double?,
                              at: Date) throws {
        try write { db in
            _ = try Self.recordAttemptEnd(db, id: id, state: state, exitStatus: exitStatus, reason: reason,
                                          peakRSSMB: peakRSSMB, at: at)
        }
    }

    /// Records how an attempt ended and moves its job to `jobState`, in one transaction, so a crash
    /// never leaves an ended attempt under a job that still looks running. `warnings` (one per line)
    /// are kept on the job and each recorded as an event.
    public func finishAttempt(id: Int64, state: JobState, exitStatus: Int32?, reason: String?, peakRSSMB: Double?,
                              at: Date, jobState: JobState, jobReason: String?, warnings: [String] = [],
                              durable: Bool) throws {
        try write(durable: durable) { db in
            let jobID = try Self.recordAttemptEnd(db, id: id, state: state, exitStatus: exitStatus, reason: reason,
                                                  peakRSSMB: peakRSSMB, at: at)
            try Self.moveJob(db, id: jobID, to: jobState, reason: jobReason, at: at)
            guard !warnings.isEmpty else { return }
            try db.execute(sql: "UPDATE job SET warnings = ? WHERE id = ?",
                           arguments: [warnings.joined(separator: "\n"), jobID])
            for warning in warnings {
                try Self.insertEvent(db, jobID: jobID, attempt: nil, kind: EventRecord.Kind.warning, message: warning, at: at)
            }
        }
    }

    /// The attempt's end and its event; returns the attempt's job id.
    static func recordAttemptEnd(_ db: Database, id: Int64, state: JobState, exitStatus: Int32?, reason: String?,
                                 peakRSSMB: Double?, at: Date) throws -> String {
        guard let attempt = try AttemptRecord.fetchOne(db, key: id) else {
            throw StoreError.attemptNotFound(id: id)
        }
        guard attempt.finishedAt == nil else {
            throw StoreError.attemptAlreadyFinished(id: id, state: attempt.state)
        }
        guard state != .queued, state != .running else {
            throw StoreError.invalidTransition(jobID: attempt.jobID, from: attempt.state, to: state)
        }
        try db.execute(sql: """
            UPDATE attempt SET state = ?, finishedAt = ?, exitStatus = ?, reason = ?, peakRSSMB = ?
            WHERE id = ?
            """, arguments: [state, at, exitStatus, reason, peakRSSMB, id])
        let status = exitStatus.map { ", exit status \($0)" } ?? ""
        try Self.insertEvent(db, jobID: attempt.jobID, attempt: attempt.number, kind: EventRecord.Kind.attempt,
                             message: "attempt \(attempt.number) ended \(state.rawValue)\(status)"
                                 + (reason.map { ": \($0)" } ?? ""),
                             at: at)
        return attempt.jobID
    }

    /// Appends an event; `jobID` nil for the daemon's own events.
    public func appendEvent(jobID: String?, attempt: Int?, kind: String, message: String, at: Date) throws {
        try write { db in
            try Self.insertEvent(db, jobID: jobID, attempt: attempt, kind: kind, message: message, at: at)
        }
    }

    /// Inserts metric points in one transaction; a point already stored (same job, attempt, seed, step and
    /// name) is replaced.
    public func appendMetrics(_ points: [MetricPoint]) throws {
        guard !points.isEmpty else { return }
        try write { db in
            for point in points { try point.insert(db) }
        }
    }

    static func insertEvent(_ db: Database, jobID: String?, attempt: Int?, kind: String, message: String,
                            at: Date) throws {
        try db.execute(sql: "INSERT INTO event (jobID, attempt, at, kind, message) VALUES (?, ?, ?, ?, ?)",
                       arguments: [jobID, attempt, at, kind, message])
    }
}
