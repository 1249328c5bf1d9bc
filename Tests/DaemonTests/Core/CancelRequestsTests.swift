import Base
@testable import Daemon
import Foundation
import Glibc
import Spool
import Store
import TestSupport
import Testing

@Suite struct CancelRequestsTests {
    @Test func aRequestIsAFileTheDaemonFindsAndClears() throws {
        let spool = TestEnvironment.temporaryDirectory("ptune-cancel")
        try CancelRequests.request("abc123", spool: spool)
        let layout = SpoolLayout(root: spool)
        #expect(CancelRequests.pending(layout: layout) == ["abc123"])
        let job = JobRecord(id: "abc123", bundleSHA256: "abc123", name: "n", spoolName: "n", priority: 0, threads: 1,
                            memoryMB: 1, wallTimeSeconds: 1, submittedAt: Date(), ownerUID: Int(getuid()))
        #expect(CancelRequests.verdict(for: job, layout: layout) == .allowed)
        CancelRequests.clear("abc123", layout: layout)
        #expect(CancelRequests.pending(layout: layout).isEmpty)
    }

    @Test func aRequestThatCannotBeFiledIsAnErrorSayingWhatToDo() throws {
        let spool = TestEnvironment.temporaryDirectory("ptune-cancel")
        // control/cancel taken by a file: the write fails even for root, as a read-only folder does for others.
        try FileManager.default.createDirectory(at: spool.appendingPathComponent("control"), withIntermediateDirectories: true)
        try Data().write(to: spool.appendingPathComponent("control/cancel"))
        do {
            try CancelRequests.request("abc123", spool: spool)
            Issue.record("filed a request where control/cancel is a file")
        } catch let error as ActionableError {
            #expect(error.message.hasPrefix("cannot file a cancel request in \(spool.path)/control/cancel: "))
            #expect(error.hint?.contains("service user") == true)
        }
    }
}
