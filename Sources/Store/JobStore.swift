import Base
import Foundation
import GRDB

/// The SQLite history of jobs, attempts, events, metrics and artifacts.
///
/// The daemon opens it read-write and is its single writer: every state change is one transaction,
/// run with `synchronous=NORMAL`, or `FULL` when the caller passes `durable: true` (a commit that allows a
/// file move). The CLI opens it read-only; in WAL mode its reads never block the daemon, and the daemon's
/// writes never block them. The writer waits up to ``busyTimeout`` for a lock; GRDB gives pool readers a
/// timeout of their own for the rare cases a WAL read waits (another connection recovering the WAL).
public final class JobStore: Sendable {
    /// The fewest leading hex digits `job(id:)` accepts as a job id prefix.
    public static let minimumPrefixLength = 4
    /// How long a connection waits for a lock held by another one, in seconds.
    public static let busyTimeout: TimeInterval = 5

    /// The database file.
    public let path: String
    /// Whether this store was opened for reading (see ``init(path:readOnly:)``).
    public let isReadOnly: Bool
    let pool: DatabasePool

    /// Opens the database at `path`.
    ///
    /// Read-write (the daemon) creates the file if needed and applies pending migrations.
    /// Read-only (the CLI) applies none: it fails with a ``StoreError`` when the file is missing or not
    /// migrated by this version. Either way a file that is not ptune's, or is from a newer ptune, is refused.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        isReadOnly = readOnly
        if readOnly, !FileManager.default.fileExists(atPath: path) {
            throw StoreError.databaseMissing(path: path)
        }
        let migrator = Schema.migrator
        pool = try Self.mappingErrors(path: path) {
            try DatabasePool(path: path, configuration: Self.configuration(readOnly: readOnly))
        }
        try Self.mappingErrors(path: path) {
            try pool.read { db in try Self.checkSchema(db, migrator: migrator, path: path, readOnly: readOnly) }
            if !readOnly { try migrator.migrate(pool) }
        }
    }

    static func configuration(readOnly: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.label = "ptune.store"
        configuration.readonly = readOnly
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        return configuration
    }

    /// Refuses files that hold other tables, migrations from a newer version, or (read-only) too few migrations.
    private static func checkSchema(_ db: Database, migrator: DatabaseMigrator, path: String, readOnly: Bool) throws {
        let applied = try migrator.appliedIdentifiers(db)
        let known = migrator.migrations
        if applied.isDisjoint(with: known) {
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master
                WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'grdb_migrations'
                ORDER BY name
                """)
            if !tables.isEmpty {
                throw StoreError.notAPtuneDatabase(
                    path: path, detail: "it holds tables \(tables.joined(separator: ", ")) and no ptune schema")
            }
        }
        let unknown = applied.subtracting(known).sorted()
        if !unknown.isEmpty { throw StoreError.databaseFromNewerVersion(path: path, unknownMigrations: unknown) }
        if readOnly, try !migrator.hasCompletedMigrations(db) { throw StoreError.databaseNotMigrated(path: path) }
    }

    /// Runs `body` on a reader connection.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try Self.mappingErrors(path: path) { try pool.read(body) }
    }

    /// Runs `body` in one immediate transaction on the writer connection, with `synchronous=FULL` if `durable`.
    func write<T>(durable: Bool = false, _ body: (Database) throws -> T) throws -> T {
        if isReadOnly { throw StoreError.readOnly(path: path) }
        if let code = FaultInjection.step("commit \(path)") {
            throw StoreError.sqlite(path: path, detail: String(cString: strerror(code)))
        }
        return try Self.mappingErrors(path: path) {
            try pool.writeWithoutTransaction { db in
                if durable { try db.execute(sql: "PRAGMA synchronous = FULL") }
                // Restoring NORMAL cannot fail in practice; if it did, later commits would only be slower.
                defer { if durable { try? db.execute(sql: "PRAGMA synchronous = NORMAL") } }
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        }
    }

    /// Runs `body`, turning GRDB and SQLite errors into ``StoreError``s about `path`.
    static func mappingErrors<T>(path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            let detail = error.message ?? "\(error.resultCode)"
            switch error.resultCode {
            case .SQLITE_NOTADB: throw StoreError.notAPtuneDatabase(path: path, detail: "SQLite says: \(detail)")
            case .SQLITE_CANTOPEN: throw StoreError.cannotOpen(path: path, detail: detail)
            case .SQLITE_BUSY, .SQLITE_LOCKED: throw StoreError.busy(path: path, detail: detail)
            default: throw StoreError.sqlite(path: path, detail: detail)
            }
        } catch {
            throw StoreError.sqlite(path: path, detail: "\(error)")
        }
    }
}
