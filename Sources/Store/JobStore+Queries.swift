import Foundation
import GRDB

extension JobStore {
    /// The job with this id, or with this unique id prefix (at least ``minimumPrefixLength`` hex digits,
    /// any case); nil when none matches.
    ///
    /// Throws ``StoreError/jobIDTooShort(_:)`` for a shorter prefix and
    /// ``StoreError/ambiguousJobID(prefix:matches:)`` when several jobs share the prefix.
    public func job(id: String) throws -> JobRecord? {
        let key = id.lowercased()
        guard key.count >= Self.minimumPrefixLength else { throw StoreError.jobIDTooShort(id) }
        return try read { db in
            if let job = try JobRecord.fetchOne(db, key: key) { return job }
            guard Self.isLowercaseHex(key) else { return nil }
            let matches = try JobRecord.filter(sql: "id GLOB ?", arguments: [key + "*"])
                .order(Column("id")).fetchAll(db)
            guard matches.count <= 1 else {
                throw StoreError.ambiguousJobID(prefix: id, matches: matches.map(\.id))
            }
            return matches.first
        }
    }

    /// The job of the bundle with this sha256, if it was ever submitted.
    public func job(bundleSHA256: String) throws -> JobRecord? {
        try read { db in
            try JobRecord.filter(Column("bundleSHA256") == bundleSHA256.lowercased()).fetchOne(db)
        }
    }

    /// Jobs, newest first, optionally only in `state`, whose name matches the GLOB pattern `nameGlob`
    /// (`*`, `?`, `[...]`; case-sensitive), submitted at or after `since`, owned by `ownerUID`, and at
    /// most `limit` of them.
    public func jobs(state: JobState? = nil, nameGlob: String? = nil, since: Date? = nil, ownerUID: Int? = nil,
                     limit: Int? = nil) throws -> [JobRecord] {
        var request = JobRecord.all()
        if let ownerUID { request = request.filter(Column("ownerUID") == ownerUID) }
        if let state { request = request.filter(Column("state") == state) }
        if let nameGlob { request = request.filter(sql: "name GLOB ?", arguments: [nameGlob]) }
        if let since { request = request.filter(Column("submittedAt") >= since) }
        request = request.order(Column("submittedAt").desc, Column("id").desc)
        if let limit { request = request.limit(max(limit, 0)) }
        return try read { db in try request.fetchAll(db) }
    }

    /// The queue in the order jobs should start: priority (highest first), then submission time, then id.
    public func queuedJobs() throws -> [JobRecord] {
        try read { db in
            try JobRecord.filter(Column("state") == JobState.queued)
                .order(Column("priority").desc, Column("submittedAt"), Column("id"))
                .fetchAll(db)
        }
    }

    /// Jobs in any of `states`, oldest first (for recovery at start).
    public func jobs(inStates states: [JobState]) throws -> [JobRecord] {
        try read { db in
            try JobRecord.filter(states.contains(Column("state")))
                .order(Column("submittedAt"), Column("id"))
                .fetchAll(db)
        }
    }

    /// The job's attempts, first to last.
    public func attempts(jobID: String) throws -> [AttemptRecord] {
        try read { db in
            try AttemptRecord.filter(Column("jobID") == jobID).order(Column("number")).fetchAll(db)
        }
    }

    /// The job's events, in the order they were recorded.
    public func events(jobID: String) throws -> [EventRecord] {
        try read { db in
            try EventRecord.filter(Column("jobID") == jobID).order(Column("id")).fetchAll(db)
        }
    }

    /// The job's metric points, ordered by attempt, seed, step, then name.
    public func metrics(jobID: String) throws -> [MetricPoint] {
        try read { db in
            try MetricPoint.filter(Column("jobID") == jobID)
                .order(Column("attempt"), Column("seed"), Column("step"), Column("name"))
                .fetchAll(db)
        }
    }

    /// How many jobs are in each state; every state is present, with 0 when no job is in it.
    public func stateCounts() throws -> [JobState: Int] {
        try read { db in
            var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM job GROUP BY state") {
                counts[try row.decode(JobState.self, forColumn: "state")] = try row.decode(forColumn: "n")
            }
            return counts
        }
    }
}
