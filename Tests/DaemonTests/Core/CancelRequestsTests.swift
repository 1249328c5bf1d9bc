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
        #expect(CancelRequests.verdict(for: job, layout: layout, adminGroup: nil) == .allowed)
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

    /// A request filed by another user counts when that user is in the admin group, not otherwise.
    @Test(.enabled(if: geteuid() == 0 && getpwnam("daemon") != nil, "needs root and the system user daemon"))
    func anotherUsersRequestCountsOnlyFromTheAdminGroup() throws {
        let spool = TestEnvironment.temporaryDirectory("ptune-cancel")
        try CancelRequests.request("abc123", spool: spool)
        let layout = SpoolLayout(root: spool)
        let user = try #require(getpwnam("daemon")).pointee
        #expect(chown(spool.appendingPathComponent("control/cancel/abc123").path, user.pw_uid, user.pw_gid) == 0)
        let job = JobRecord(id: "abc123", bundleSHA256: "abc123", name: "n", spoolName: "n", priority: 0, threads: 1,
                            memoryMB: 1, wallTimeSeconds: 1, submittedAt: Date(), ownerUID: 4242)
        #expect(CancelRequests.verdict(for: job, layout: layout, adminGroup: nil) == .refused(uid: Int(user.pw_uid)))
        #expect(CancelRequests.verdict(for: job, layout: layout, adminGroup: 65534) == .refused(uid: Int(user.pw_uid)))
        #expect(CancelRequests.verdict(for: job, layout: layout, adminGroup: user.pw_gid) == .allowed)
        #expect(GroupMembership.group(named: "nogroup") == 65534)
        #expect(GroupMembership.group(named: "no-such-group-here") == nil)
    }
}
