import ArgumentParser
import Base
import Daemon
import Foundation
import Store

/// `--spool`, `--db` and `--config` for the commands that talk to a daemon's spool and history.
struct SpoolOptions: ParsableArguments {
    @Option(name: .long, help: "The spool folder (default: the config file's, else ./spool).") var spool: String?
    @Option(name: .long, help: "The database (default: the config file's db, else SPOOL/ptune.sqlite).")
    var db: String?
    @Option(name: .long, help: "The daemon's config file (default: /etc/ptune/ptune.toml when it exists).")
    var config: String?

    func settings() throws -> ServiceSettings { try ServiceSettings.load(path: config) }

    /// `--spool`, else the config file's spool (the file read only then), else ./spool.
    func spoolURL() throws -> URL { try spoolURL(spool == nil ? settings() : nil) }

    /// `--spool`, else the spool of `settings` (the config file as the caller read it), else ./spool.
    func spoolURL(_ settings: ServiceSettings?) -> URL {
        URL(fileURLWithPath: spool ?? settings?.spool ?? "spool").standardizedFileURL
    }

    /// `--db`; else the config file's `db`; else SPOOL/ptune.sqlite. A config file that names both its
    /// `db` and its `spool` ties the one to the other: with another spool (a foreground `ptune serve
    /// --spool ./spool` where the service is installed) this is an error until `--db` says which
    /// history to use, so that neither the service's history nor a spool's own is used by surprise.
    func databasePath() throws -> String {
        if let db { return db }
        return try databasePath(settings())
    }

    /// `databasePath()` with the config file's `settings` already read.
    func databasePath(_ settings: ServiceSettings) throws -> String {
        if let db { return db }
        let spool = spoolURL(settings)
        guard let configured = settings.db else { return spool.appendingPathComponent("ptune.sqlite").path }
        if let configuredSpool = settings.spool,
           spool.resolvingSymlinksInPath().path != URL(fileURLWithPath: configuredSpool).standardizedFileURL.resolvingSymlinksInPath().path {
            let file = config ?? ServiceSettings.defaultPath
            throw ActionableError("\(file) names the database \(configured) for the spool \(configuredSpool), not for \(spool.path)",
                                  hint: "pass --db \(spool.appendingPathComponent("ptune.sqlite").path) for a history of this spool's own "
                                      + "(or --config with a file of its own), or --db \(configured) to share that one")
        }
        return configured
    }

    /// The history, opened read-only unless `readOnly` is false (`ptune gc`): readers never block the daemon.
    func openStore(readOnly: Bool = true) throws -> JobStore {
        try openStore(at: databasePath(), readOnly: readOnly)
    }

    /// `openStore(readOnly:)` with the config file's `settings` already read.
    func openStore(readOnly: Bool = true, settings: ServiceSettings) throws -> JobStore {
        try openStore(at: databasePath(settings), readOnly: readOnly)
    }

    private func openStore(at path: String, readOnly: Bool) throws -> JobStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ActionableError("no ptune database at \(path)",
                           hint: "start the daemon once (`ptune serve --spool DIR`), or pass --spool / --db")
        }
        return try JobStore(path: path, readOnly: readOnly)
    }

    /// A job by id or unique prefix, or an error saying how to find it.
    func job(_ id: String, in store: JobStore) throws -> JobRecord {
        guard let job = try store.job(id: id) else {
            throw ActionableError("no job \(id)", hint: "`ptune history` lists the jobs")
        }
        return job
    }

    /// A succeeded job by id or unique prefix: only those have a trained prompt (`purpose` says what
    /// the caller wants of it, for the error).
    func succeededJob(_ id: String, in store: JobStore, for purpose: String) throws -> JobRecord {
        let record = try job(id, in: store)
        guard record.state == .succeeded else {
            throw ActionableError("job \(record.id) is \(record.state.rawValue); only a succeeded job has \(purpose)",
                                  hint: "`ptune history --state succeeded` lists those")
        }
        return record
    }
}
