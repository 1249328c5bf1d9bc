import Base
import Foundation
import GRDB

extension JobStore {
    /// The largest artifact kept, in bytes (uncompressed).
    public static let maxArtifactBytes = Zstd.defaultMaxDecompressedSize

    /// The zstd level artifacts are compressed with.
    public static let artifactCompressionLevel: Int32 = 3

    /// Stores `data` as the job's artifact `name`, zstd-compressed, with the sha256 of the raw bytes;
    /// replaces an artifact of the same name. Compression runs before the write lock is taken.
    public func putArtifact(jobID: String, name: String, data: Data, at: Date) throws {
        guard data.count <= Self.maxArtifactBytes else {
            throw StoreError.artifactTooLarge(jobID: jobID, name: name, size: data.count, limit: Self.maxArtifactBytes)
        }
        let compressed = try Zstd.compress(data, level: Self.artifactCompressionLevel)
        let sha256 = ContentHash.sha256Hex(data)
        try write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO artifact (jobID, name, rawSize, compressedSize, sha256, createdAt, data)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [jobID, name, data.count, compressed.count, sha256, at, compressed])
        }
    }

    /// The job's artifacts, by name, without their bytes.
    public func artifacts(jobID: String) throws -> [ArtifactInfo] {
        try read { db in
            try ArtifactInfo.filter(Column("jobID") == jobID).order(Column("name")).fetchAll(db)
        }
    }

    /// The bytes of the job's artifact `name`, decompressed and checked against their stored sha256.
    ///
    /// Throws ``StoreError/artifactNotFound(jobID:name:)``, or, for a damaged blob,
    /// ``StoreError/artifactUnreadable(jobID:name:detail:)`` or
    /// ``StoreError/artifactChecksumMismatch(jobID:name:expected:actual:)``.
    public func artifact(jobID: String, name: String) throws -> Data {
        let row = try read { db in
            try Row.fetchOne(db, sql: "SELECT rawSize, sha256, data FROM artifact WHERE jobID = ? AND name = ?",
                             arguments: [jobID, name])
        }
        guard let row else { throw StoreError.artifactNotFound(jobID: jobID, name: name) }
        let (rawSize, expected, blob): (Int, String, Data) = try Self.mappingErrors(path: path) {
            (try row.decode(forColumn: "rawSize"), try row.decode(forColumn: "sha256"),
             try row.decode(forColumn: "data"))
        }
        let raw: Data
        do {
            raw = try Zstd.decompress(blob, maxSize: min(rawSize, Zstd.defaultMaxDecompressedSize))
        } catch StoreError.zstd(let detail) {
            throw StoreError.artifactUnreadable(jobID: jobID, name: name, detail: detail)
        }
        let actual = ContentHash.sha256Hex(raw)
        guard actual == expected else {
            throw StoreError.artifactChecksumMismatch(jobID: jobID, name: name, expected: expected, actual: actual)
        }
        return raw
    }
}
