import Base
@testable import Daemon
import Foundation
import Logging
import Spool
import Store
import TestSupport
import Testing

/// A sweep over a real spool and database: what it removes, what it records, and that it works in slices.
@Suite struct RetentionSweepTests {
    let root = TestEnvironment.temporaryDirectory("retention")
    let layout: SpoolLayout
    let store: JobStore
    let now = Date().addingTimeInterval(100 * 86_400)
    let logger = Logger(label: "retention-test") { _ in SwiftLogNoOpLogHandler() }

    init() throws {
        layout = SpoolLayout(root: root.appendingPathComponent("spool"))
        try layout.create()
        store = try JobStore(path: root.appendingPathComponent("ptune.sqlite").path)
    }

    /// A finished job `id` with a folder of `bytes` in done/ or failed/, recorded or not, and an artifact.
    @discardableResult
    func finishedJob(_ id: String, in place: String, daysAgo: Double, bytes: Int = 10_000, recorded: Bool = true) throws -> String {
        let ended = now.addingTimeInterval(-daysAgo * 86_400)
        try store.insertJob(JobRecord(id: id, bundleSHA256: id + String(repeating: "0", count: 64 - id.count), name: "job-\(id)",
                                      spoolName: "job-\(id)", state: place == "done" ? .succeeded : .failed, priority: 0,
                                      threads: 1, memoryMB: 100, wallTimeSeconds: 60, submittedAt: ended, finishedAt: ended,
                                      ownerUID: 1000), durable: false)
        try store.putArtifact(jobID: id, name: "prompt.safetensors", data: Data(count: 100), at: ended)
        let folder = "\(place)/\(id)"
        try FileManager.default.createDirectory(at: layout.root.appendingPathComponent(folder), withIntermediateDirectories: true)
        try Data(count: bytes).write(to: layout.root.appendingPathComponent(folder + "/report.md"))
        if recorded {
            try store.recordResultFolder(ResultFolder(folder: folder, jobID: id, ownerUID: 1000, endedAt: ended,
                                                      bytes: try DirectoryTree.allocatedBytes(under: layout.root.path + "/" + folder)))
        }
        return folder
    }

    func exists(_ folder: String) -> Bool { FileManager.default.fileExists(atPath: layout.root.path + "/" + folder) }

    @Test func removesOldFoldersKeepsTheirJobsAndSaysSoInTheirHistory() throws {
        var policy = RetentionPolicy()
        policy.doneDays = 30
        policy.failedDays = 10
        policy.artifactDays = 50
        let old = try finishedJob("aaaa000000000001", in: "done", daysAgo: 60)
        let young = try finishedJob("aaaa000000000002", in: "done", daysAgo: 20)
        let failed = try finishedJob("aaaa000000000003", in: "failed", daysAgo: 11, recorded: false)
        let sweep = RetentionSweep(layout: layout, store: store, policy: policy, logger: logger)
        sweep.advance(now: now, until: .distantFuture)

        #expect(!exists(old) && exists(young) && !exists(failed))
        #expect(!sweep.isBusy)
        #expect(sweep.totals.foldersRemoved == 2 && sweep.totals.failures == 0)
        #expect(sweep.totals.jobsWithArtifactsDropped == 1)
        #expect(try store.jobs().count == 3)
        #expect(try store.resultFolders().map(\.folder) == [young])
        #expect(try store.resultFolders(includingRemoved: true).count == 3)
        let events = try store.events(jobID: "aaaa000000000001").filter { $0.kind == EventRecord.Kind.retention }.map(\.message)
        #expect(events.contains { $0.hasPrefix("done/aaaa000000000001 removed: ended more than 30 days ago") })
        #expect(events.contains { $0.hasPrefix("artifacts dropped") })
        #expect(try store.artifacts(jobID: "aaaa000000000001").isEmpty)
        #expect(try store.artifacts(jobID: "aaaa000000000002").count == 1)
    }

    @Test func theSizeCapPrunesOldestFirstToTheConfiguredSize() throws {
        var policy = RetentionPolicy()
        let folders = try (0..<20).map { try finishedJob(String(format: "bbbb%012d", $0), in: "done", daysAgo: Double(40 - $0)) }
        let each = try store.resultFolders()[0].bytes
        policy.maxBytes = each * 5
        let sweep = RetentionSweep(layout: layout, store: store, policy: policy, logger: logger)
        sweep.advance(now: now, until: .distantFuture)
        #expect(folders.filter(exists) == Array(folders.suffix(5)))
        #expect(try DirectoryTree.allocatedBytes(under: layout.done.path) <= policy.maxBytes! + 4096)
    }

    @Test func aSliceDoesAtLeastOneStepAndTheSweepEndsAfterEnoughSlices() throws {
        var policy = RetentionPolicy()
        policy.doneDays = 1
        for i in 0..<10 { try finishedJob(String(format: "cccc%012d", i), in: "done", daysAgo: 5) }
        let sweep = RetentionSweep(layout: layout, store: store, policy: policy, logger: logger)
        var slices = 0
        repeat {
            sweep.advance(now: now, until: .distantPast)
            slices += 1
        } while sweep.isBusy && slices < 100
        #expect(slices >= 10)
        #expect(!sweep.isBusy)
        #expect(try FileSystem.entries(of: layout.done.path).isEmpty)
        sweep.advance(now: now.addingTimeInterval(1), until: .distantFuture)
        #expect(!sweep.isBusy, "the next sweep waits sweep_minutes")
    }

    @Test func aFolderRemovedByHandIsMarkedAndAnUnreadableOneIsLeftWithTheFailureCounted() throws {
        var policy = RetentionPolicy()
        policy.doneDays = 1
        let gone = try finishedJob("dddd000000000001", in: "done", daysAgo: 5)
        FileSystem.removeTree(layout.root.path + "/" + gone)
        let sweep = RetentionSweep(layout: layout, store: store, policy: policy, logger: logger)
        sweep.advance(now: now, until: .distantFuture)
        #expect(try store.resultFolders().isEmpty)
        let message = try store.events(jobID: "dddd000000000001").last { $0.kind == EventRecord.Kind.retention }?.message
        #expect(message == "\(gone) removed: no longer in the spool")
    }

    @Test func previewChangesNothing() throws {
        var policy = RetentionPolicy()
        policy.doneDays = 1
        policy.artifactDays = 1
        let old = try finishedJob("eeee000000000001", in: "done", daysAgo: 5, recorded: false)
        let (plan, artifacts) = try RetentionSweep.preview(layout: layout, store: store, policy: policy, now: now)
        #expect(plan.removals.map(\.folder.folder) == [old])
        #expect(artifacts == 1)
        #expect(exists(old))
        #expect(try store.resultFolders(includingRemoved: true).isEmpty)
        #expect(try store.artifacts(jobID: "eeee000000000001").count == 1)
    }
}
