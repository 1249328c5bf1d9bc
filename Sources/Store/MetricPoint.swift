import GRDB

/// One value of one metric at one training step of one seed of one attempt.
///
/// A point is identified by (jobID, attempt, seed, step, name): writing it again replaces the value.
/// A value that is not a number (a diverged loss) is stored as NULL and reads back as `.nan`.
public struct MetricPoint: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "metric"
    public static let persistenceConflictPolicy = PersistenceConflictPolicy(insert: .replace, update: .replace)

    public var jobID: String
    public var attempt: Int
    public var seed: Int64
    public var step: Int
    /// "loss", "lr", "dev_accuracy", "dev_p_at_1", ...
    public var name: String
    public var value: Double

    public init(jobID: String, attempt: Int, seed: Int64, step: Int, name: String, value: Double) {
        self.jobID = jobID
        self.attempt = attempt
        self.seed = seed
        self.step = step
        self.name = name
        self.value = value
    }

    public init(row: Row) throws {
        jobID = try row.decode(forColumn: "jobID")
        attempt = try row.decode(forColumn: "attempt")
        seed = try row.decode(forColumn: "seed")
        step = try row.decode(forColumn: "step")
        name = try row.decode(forColumn: "name")
        value = try row.decode(Double?.self, forColumn: "value") ?? .nan
    }
}
