import Foundation
import Testing

/// Which database the spool commands open. A config file that names both its `db` and its `spool`
/// ties them: another spool is refused until `--db` says which history to use, so a foreground daemon
/// of one's own never writes the service's history, nor a service its spool's history by surprise.
@Suite struct SpoolOptionsTests {
    /// What `ptune history` says with these arguments: its error names the database it looked for.
    private func history(_ h: ServiceHarness, _ arguments: [String]) throws -> (status: Int32, err: String) {
        let run = try h.cli(["history"] + arguments)
        return (run.status, run.err)
    }

    @Test func theConfigFilesDatabaseServesItsOwnSpoolOnly() throws {
        let h = try ServiceHarness()
        let serviceSpool = h.root.appendingPathComponent("service-spool")
        try FileManager.default.createDirectory(at: serviceSpool, withIntermediateDirectories: true)
        let serviceDB = h.root.appendingPathComponent("service.sqlite").path
        let config = try h.configFile("spool = \"\(serviceSpool.path)\"\ndb = \"\(serviceDB)\"\n")

        let service = try history(h, ["--spool", serviceSpool.path, "--config", config])
        #expect(service.status != 0 && service.err.contains("no ptune database at \(serviceDB)"), "\(service.err)")
        let linked = h.root.appendingPathComponent("spool-link")
        try FileManager.default.createSymbolicLink(at: linked, withDestinationURL: serviceSpool)
        for spelling in [serviceSpool.path + "/./", linked.path] {
            let other = try history(h, ["--spool", spelling, "--config", config])
            #expect(other.err.contains("no ptune database at \(serviceDB)"), "\(spelling): \(other.err)")
        }

        let own = try history(h, ["--spool", h.spool.path, "--config", config])
        #expect(own.status != 0 && own.err.contains("names the database \(serviceDB) for the spool \(serviceSpool.path)")
                && own.err.contains("--db \(h.spool.appendingPathComponent("ptune.sqlite").path)"), "\(own.err)")
        let chosen = try history(h, ["--spool", h.spool.path, "--config", config, "--db", h.root.appendingPathComponent("mine.sqlite").path])
        #expect(chosen.err.contains("no ptune database at \(h.root.appendingPathComponent("mine.sqlite").path)"), "\(chosen.err)")
    }

    /// With `--spool` (and `--db`) given, a command that needs nothing else of the config file does
    /// not read it: a broken /etc/ptune/ptune.toml does not stop `ptune submit` or `ptune status`.
    @Test func commandsGivenTheirSpoolDoNotReadTheConfigFile() throws {
        let h = try ServiceHarness()
        try h.makeSpool()
        let broken = try h.configFile("spool = [\n")
        let bundle = try h.write(["task.toml": "name = \"x\"\n"], to: h.root.appendingPathComponent("src/x"))
        let submit = try h.cli(["submit", "--spool", h.spool.path, "--config", broken, bundle.path])
        #expect(submit.status == 0, "\(submit.err)")
        let db = h.root.appendingPathComponent("none.sqlite").path
        let status = try h.cli(["status", "--spool", h.spool.path, "--db", db, "--config", broken])
        #expect(status.status != 0 && status.err.contains("no ptune database at \(db)"), "\(status.err)")
    }

    @Test func aConfigFileWithoutASpoolGivesItsDatabaseToAnySpool() throws {
        let h = try ServiceHarness()
        let serviceDB = h.root.appendingPathComponent("service.sqlite").path
        let config = try h.configFile("db = \"\(serviceDB)\"\n")
        let run = try history(h, ["--spool", h.spool.path, "--config", config])
        #expect(run.status != 0 && run.err.contains("no ptune database at \(serviceDB)"), "\(run.err)")
    }
}
