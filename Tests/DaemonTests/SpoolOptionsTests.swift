import Foundation
import Testing

/// Which database the spool commands open: the config file's `db` belongs to the config file's spool,
/// so a spool of one's own (a foreground daemon, `make demo`) keeps its own history even where the
/// service's config file is installed.
@Suite struct SpoolOptionsTests {
    /// `ptune history` with the given spool and config; its error names the database it looked for.
    private func missingDatabase(_ h: ServiceHarness, spool: String, config: String) throws -> String {
        let run = try h.cli(["history", "--spool", spool, "--config", config])
        #expect(run.status != 0)
        return run.err
    }

    @Test func aSpoolOfItsOwnKeepsItsOwnDatabase() throws {
        let h = try ServiceHarness()
        let serviceSpool = h.root.appendingPathComponent("service-spool").path
        let serviceDB = h.root.appendingPathComponent("service.sqlite").path
        let config = try h.configFile("spool = \"\(serviceSpool)\"\ndb = \"\(serviceDB)\"\n")

        let own = try missingDatabase(h, spool: h.spool.path, config: config)
        #expect(own.contains(h.spool.appendingPathComponent("ptune.sqlite").path) && !own.contains(serviceDB), "\(own)")

        let service = try missingDatabase(h, spool: serviceSpool, config: config)
        #expect(service.contains(serviceDB), "the config file's spool keeps the config file's db: \(service)")

        let spelledOtherwise = try missingDatabase(h, spool: serviceSpool + "/./", config: config)
        #expect(spelledOtherwise.contains(serviceDB), "\(spelledOtherwise)")
    }
}
