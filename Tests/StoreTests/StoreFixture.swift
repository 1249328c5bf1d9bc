import Foundation
@testable import Store
import TestSupport

/// A fresh temporary folder for a database, removed when the fixture is released.
final class StoreFixture {
    let folder: URL
    var path: String { folder.appendingPathComponent("history.sqlite").path }

    init() throws {
        folder = TestEnvironment.temporaryDirectory("store-test")
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// A writer store on the fixture's database.
    func writer() throws -> JobStore { try JobStore(path: path) }

    /// A read-only store on the fixture's database.
    func reader() throws -> JobStore { try JobStore(path: path, readOnly: true) }
}

/// A fixed instant with whole seconds, so it survives the store's millisecond precision.
let t0 = Date(timeIntervalSince1970: 1_700_000_000)

/// A bundle sha256 starting with `prefix` (hex), padded with zeros.
func sha(_ prefix: String) -> String {
    prefix + String(repeating: "0", count: 64 - prefix.count)
}

/// A queued job for the bundle whose sha256 starts with `prefix`.
func makeJob(_ prefix: String, name: String = "sentiment", priority: Int = 0, submittedAt: Date = t0,
             state: JobState = .queued) -> JobRecord {
    let bundle = sha(prefix)
    return JobRecord(id: JobRecord.id(bundleSHA256: bundle), bundleSHA256: bundle, name: name,
                     spoolName: name + ".tar", state: state, priority: priority, threads: 2, memoryMB: 1024,
                     wallTimeSeconds: 3600, model: "smollm2", kind: "classify", submittedAt: submittedAt)
}
