import Foundation
import GRDB

/// What the store knows of one artifact, without its bytes.
public struct ArtifactInfo: Codable, Sendable, Equatable, FetchableRecord, TableRecord {
    public static let databaseTableName = "artifact"
    /// Every column but the compressed bytes.
    public static var databaseSelection: [any SQLSelectable] {
        [Column("jobID"), Column("name"), Column("rawSize"), Column("compressedSize"), Column("sha256"),
         Column("createdAt")]
    }

    public var jobID: String
    /// The artifact's file name, e.g. "prompt.safetensors".
    public var name: String
    /// Size of the artifact itself, in bytes.
    public var rawSize: Int
    /// Size of its zstd frame as stored, in bytes.
    public var compressedSize: Int
    /// sha256 of the raw bytes, lowercase hex.
    public var sha256: String
    public var createdAt: Date

    public init(jobID: String, name: String, rawSize: Int, compressedSize: Int, sha256: String, createdAt: Date) {
        self.jobID = jobID
        self.name = name
        self.rawSize = rawSize
        self.compressedSize = compressedSize
        self.sha256 = sha256
        self.createdAt = createdAt
    }
}
