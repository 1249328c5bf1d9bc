import Foundation
import TestSupport
import Testing

/// A search through the Slurm executor on the one-node test cluster: its trials are Slurm jobs of
/// their own, and the search ends with the same trials table and winner as with local workers.
@Suite(.serialized, .enabled(if: SlurmTestCluster.unavailable == nil,
                             Comment(rawValue: SlurmTestCluster.unavailable ?? "")))
struct SlurmSearchTests {
    /// search.json of the search `name`, run to its end by `h`.
    static func searchTable(_ h: ServiceHarness, _ name: String) throws -> (id: String, table: [String: Any]) {
        let row = try h.waitForJob(name, in: ["succeeded", "failed", "cancelled"], seconds: 240)
        #expect(row["state"] as? String == "succeeded", "\(row)")
        let id = try #require(row["id"] as? String)
        let data = try Data(contentsOf: h.spool.appendingPathComponent("done/\(id)/search.json"))
        return (id, try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }

    @Test(.timeLimit(.minutes(8)))
    func aSearchThroughSlurmEndsAsItDoesLocally() throws {
        let bundle = SearchJobTests.bundle("slurm-search", search: SearchJobTests.grid)
        let local = try ServiceHarness()
        try local.start()
        try local.submit("slurm-search", files: bundle)
        let (_, expected) = try Self.searchTable(local, "slurm-search")
        #expect(try local.stop() == 0)

        let cluster = try SlurmTestCluster()
        let h = try ServiceHarness()
        try SlurmIntegrationTests.start(h, on: cluster)
        try h.submit("slurm-search", files: bundle)
        let (id, table) = try Self.searchTable(h, "slurm-search")
        #expect(NSDictionary(dictionary: table) == NSDictionary(dictionary: expected), "Slurm \(table)\nlocal \(expected)")
        let trials = try SpoolInvariants.checkTrials(h, search: id, context: "slurm")
        for trial in trials {
            let attempts = try SlurmIntegrationTests.attempts(h, try #require(trial["id"] as? String))
            #expect(attempts.count == 1 && attempts[0]["cluster_job_id"] is String, "\(trial["trial_key"] ?? "?") ran as a Slurm job")
        }
        #expect(try h.stop() == 0)
    }
}
