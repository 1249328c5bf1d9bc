@testable import Daemon
import Foundation
import Glibc
import GRDB
import Store
import TestSupport
import Testing

@Suite struct LauncherTests {
    /// The database is locked by another writer while a worker starts (as a full disk would fail the
    /// commit): the attempt cannot be recorded, so the worker is killed, not left running unsupervised
    /// while the next pass starts another.
    @Test func aWorkerWhoseAttemptCannotBeRecordedIsKilled() throws {
        let f = try SchedulerFixture()
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let blocker = try DatabaseQueue(path: f.store.path, configuration: configuration)
        f.executor.configure = { _ in
            try? blocker.writeWithoutTransaction { try $0.execute(sql: "BEGIN EXCLUSIVE") }
        }
        try f.submit("one")
        #expect(throws: StoreError.self) { try f.tick() }
        try blocker.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        f.executor.configure = { _ in }
        let first = try #require(f.executor.workers(of: "one").first)
        #expect(first.signals == [SIGKILL] && first.ended)
        #expect(try f.state("one") == .queued)

        try f.tick()
        #expect(try f.state("one") == .running)
        #expect(f.executor.workers(of: "one").filter { !$0.ended }.count == 1)
    }
}
