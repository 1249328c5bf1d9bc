import Foundation
import TestSupport
import Testing

/// `ptune logs --follow` on a job a Slurm cluster runs: its lines arrive as the local ones do.
@Suite(.serialized, .enabled(if: SlurmTestCluster.unavailable == nil,
                             Comment(rawValue: SlurmTestCluster.unavailable ?? "")))
struct SlurmLogsTests {
    @Test(.timeLimit(.minutes(5)))
    func followingAJobInSlurmShowsItsLinesWithinASecond() throws {
        let cluster = try SlurmTestCluster()
        let h = try ServiceHarness()
        try SlurmIntegrationTests.start(h, on: cluster)
        try h.submit("long", files: TestBundles.valid(name: "long", steps: 1_000_000))
        let (id, _) = try SlurmIntegrationTests.runningInSlurm(h, "long")
        let follower = try LogFollower(h, job: id)
        try h.wait(seconds: 60, "three step lines") { follower.lines.filter { $0.text.contains(" step ") }.count >= 3 }
        #expect(try h.cli(["cancel", "--spool", h.spool.path, id]).status == 0)
        let end = follower.waitForEnd(seconds: 60)
        #expect(end.status == 0 && end.trailing.last?.contains("ended: cancelled") == true, "\(end.trailing)")
        #expect(follower.lines.first?.text.hasPrefix("== attempt 1, Slurm job ") == true, "\(follower.lines.first?.text ?? "-")")
        #expect((follower.delays.max() ?? 99) < 1.0, "slowest line printed \(follower.delays.max() ?? -1) s after it was recorded")
        #expect(try h.stop() == 0)
    }
}
