import Base
import Foundation
import Glibc
@testable import Spool
import TestSupport
import Testing

@Suite struct BundleDigestTests {
    func bundle(_ files: [String: String]) throws -> URL {
        let root = TestEnvironment.temporaryDirectory("digest")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return root
    }

    @Test func theSameFilesHashAlikeAndAnyChangeShows() throws {
        let files = ["task.toml": "name = \"x\"", "data/train.jsonl": "{}\n"]
        let a = try BundleDigest.sha256(of: bundle(files))
        #expect(try BundleDigest.sha256(of: bundle(files)) == a)
        #expect(try BundleDigest.sha256(of: bundle(files.merging(["data/train.jsonl": "{ }\n"]) { $1 })) != a)
        #expect(try BundleDigest.sha256(of: bundle(files.merging(["extra": ""]) { $1 })) != a)
    }

    @Test func linksFIFOsAndDevicesNeitherCountNorHang() throws {
        let files = ["task.toml": "name = \"x\""]
        let plain = try BundleDigest.sha256(of: bundle(files))
        let hostile = try bundle(files)
        #expect(symlink("/dev/zero", hostile.appendingPathComponent("zero").path) == 0)
        #expect(symlink("/etc", hostile.appendingPathComponent("etc").path) == 0)
        #expect(mkfifo(hostile.appendingPathComponent("pipe").path, 0o644) == 0)
        #expect(try BundleDigest.sha256(of: hostile) == plain)
    }
}
