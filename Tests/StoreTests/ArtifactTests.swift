import Foundation
@testable import Store
import Testing

@Suite struct ArtifactTests {
    let fixture: StoreFixture
    let store: JobStore
    let job = makeJob("abcd")

    init() throws {
        fixture = try StoreFixture()
        store = try fixture.writer()
        try store.insertJob(job, durable: false)
    }

    private func randomBytes(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    @Test func roundTripsCompressedWithTheSHA256OfTheRawBytes() throws {
        let data = Data(String(repeating: "the capital of France is Paris. ", count: 4000).utf8)
        try store.putArtifact(jobID: job.id, name: "report.md", data: data, at: t0)
        try store.putArtifact(jobID: job.id, name: "empty", data: Data(), at: t0)

        #expect(try store.artifact(jobID: job.id, name: "report.md") == data)
        #expect(try store.artifact(jobID: job.id, name: "empty") == Data())
        let infos = try store.artifacts(jobID: job.id)
        #expect(infos.map(\.name) == ["empty", "report.md"])
        let info = try #require(infos.last)
        #expect(info.rawSize == data.count)
        #expect(info.compressedSize < data.count / 20)
        #expect(info.createdAt == t0)
        #expect(infos.first?.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func putReplacesAnArtifactOfTheSameName() throws {
        try store.putArtifact(jobID: job.id, name: "prompt.safetensors", data: Data([1, 2, 3]), at: t0)
        try store.putArtifact(jobID: job.id, name: "prompt.safetensors", data: Data([4, 5]), at: t0 + 1)
        #expect(try store.artifact(jobID: job.id, name: "prompt.safetensors") == Data([4, 5]))
        #expect(try store.artifacts(jobID: job.id).map(\.rawSize) == [2])
    }

    @Test func aCorruptedBlobFailsTheSHA256Check() throws {
        try store.putArtifact(jobID: job.id, name: "prompt.safetensors", data: randomBytes(4096), at: t0)
        let expected = try #require(try store.artifacts(jobID: job.id).first?.sha256)
        try store.pool.write { db in
            var blob = try #require(try Data.fetchOne(db, sql: "SELECT data FROM artifact"))
            blob[blob.count - 1] ^= 0xFF
            try db.execute(sql: "UPDATE artifact SET data = ?", arguments: [blob])
        }
        #expect {
            try store.artifact(jobID: job.id, name: "prompt.safetensors")
        } throws: { error in
            guard case .artifactChecksumMismatch(let jobID, let name, let stored, let actual) = error as? StoreError
            else { return false }
            return jobID == job.id && name == "prompt.safetensors" && stored == expected && actual != expected
        }
    }

    @Test func aBlobThatIsNotZstdIsUnreadable() throws {
        try store.putArtifact(jobID: job.id, name: "loss.svg", data: Data("<svg/>".utf8), at: t0)
        try store.pool.write { db in
            try db.execute(sql: "UPDATE artifact SET data = ?", arguments: [Data([0, 1, 2, 3, 4, 5, 6, 7])])
        }
        #expect(throws: StoreError.artifactUnreadable(jobID: job.id, name: "loss.svg",
                                                      detail: "not a zstd frame (8 bytes)")) {
            try store.artifact(jobID: job.id, name: "loss.svg")
        }
        #expect(throws: StoreError.artifactNotFound(jobID: job.id, name: "missing")) {
            try store.artifact(jobID: job.id, name: "missing")
        }
    }

    @Test func zstdRefusesFramesOverTheSizeCap() throws {
        let frame = try Zstd.compress(Data(count: 10_000))
        #expect(try Zstd.contentSize(of: frame) == 10_000)
        #expect(try Zstd.decompress(frame) == Data(count: 10_000))
        #expect(throws: StoreError.zstd("the frame holds 10000 bytes, more than the limit of 9999")) {
            try Zstd.decompress(frame, maxSize: 9999)
        }
    }
}
