import Foundation
import GRDB
@testable import Store
import Testing

@Suite struct OpeningTests {
    @Test func migratesOnceAndReopensWithoutChange() throws {
        let fixture = try StoreFixture()
        do {
            let store = try fixture.writer()
            try store.insertJob(makeJob("aaaa"), durable: false)
        }
        let store = try fixture.writer()
        let applied = try store.pool.read { db in try Schema.migrator.appliedMigrations(db) }
        #expect(applied == Schema.migrator.migrations)
        #expect(try store.pool.read { db in try db.tableExists("job") && db.tableExists("artifact") })
        #expect(try store.jobs().map(\.id) == ["aaaa000000000000"])
    }

    @Test func writerUsesWALAndABusyTimeout() throws {
        let fixture = try StoreFixture()
        let store = try fixture.writer()
        let mode = try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        let timeout = try store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA busy_timeout") }
        #expect(timeout == 5000)
        let readerTimeout = try fixture.reader().pool.read { db in try Int.fetchOne(db, sql: "PRAGMA busy_timeout") }
        #expect((readerTimeout ?? 0) > 0)
    }

    @Test func readOnlyOpenOfAMissingFileSaysSo() throws {
        let fixture = try StoreFixture()
        #expect(throws: StoreError.databaseMissing(path: fixture.path)) { try fixture.reader() }
        #expect(!FileManager.default.fileExists(atPath: fixture.path))
        #expect(StoreError.databaseMissing(path: "/x").description
            == "no ptune database at /x: the daemon (ptune serve) creates it on its first start; check the path")
    }

    @Test func aFolderThatDoesNotExistIsNamed() throws {
        let path = try StoreFixture().folder.appendingPathComponent("missing/history.sqlite").path
        #expect {
            try JobStore(path: path)
        } throws: { error in
            guard case .cannotOpen(let failed, _) = error as? StoreError else { return false }
            return failed == path
        }
    }

    @Test func readOnlyOpenOfAnUnmigratedDatabaseAsksForTheDaemon() throws {
        let fixture = try StoreFixture()
        try DatabaseQueue(path: fixture.path).write { db in try db.execute(sql: "PRAGMA user_version = 0") }
        #expect(throws: StoreError.databaseNotMigrated(path: fixture.path)) { try fixture.reader() }
    }

    @Test func readerOpensAfterTheWriterClosed() throws {
        let fixture = try StoreFixture()
        try fixture.writer().insertJob(makeJob("aaaa"), durable: true)
        #expect(try fixture.reader().jobs().count == 1)
    }

    @Test func refusesAFileThatIsNotSQLite() throws {
        let fixture = try StoreFixture()
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: fixture.path))
        for readOnly in [false, true] {
            #expect {
                try JobStore(path: fixture.path, readOnly: readOnly)
            } throws: { error in
                guard case .notAPtuneDatabase(let path, _) = error as? StoreError else { return false }
                return path == fixture.path
            }
        }
    }

    @Test func refusesAnotherApplicationsDatabase() throws {
        let fixture = try StoreFixture()
        try DatabaseQueue(path: fixture.path).write { db in try db.execute(sql: "CREATE TABLE invoice (id INTEGER)") }
        #expect(throws: StoreError.notAPtuneDatabase(path: fixture.path,
                                                     detail: "it holds tables invoice and no ptune schema")) {
            try fixture.writer()
        }
    }

    @Test func refusesADatabaseFromANewerVersion() throws {
        let fixture = try StoreFixture()
        try fixture.writer().pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')")
        }
        for readOnly in [false, true] {
            #expect(throws: StoreError.databaseFromNewerVersion(path: fixture.path, unknownMigrations: ["v99"])) {
                try JobStore(path: fixture.path, readOnly: readOnly)
            }
        }
        #expect(StoreError.databaseFromNewerVersion(path: "/x", unknownMigrations: ["v99"]).description
            == "database /x is from a newer version of ptune (migrations v99): upgrade ptune to use it")
    }

    @Test func readOnlyStoreRefusesWrites() throws {
        let fixture = try StoreFixture()
        _ = try fixture.writer()
        #expect(throws: StoreError.readOnly(path: fixture.path)) {
            try fixture.reader().insertJob(makeJob("aaaa"), durable: false)
        }
    }

    @Test func durableCommitsRestoreNormalSynchronous() throws {
        let fixture = try StoreFixture()
        let store = try fixture.writer()
        try store.insertJob(makeJob("aaaa"), durable: true)
        let synchronous = try store.pool.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA synchronous")
        }
        #expect(synchronous == 1)
    }
}
