import Foundation
import Glibc
import TestSupport
import Testing

/// `ptune logs`: a job's worker output and progress lines from the database, followed live across
/// attempts until the job ends.
@Suite(.serialized)
struct LogsCommandTests {
    @Test func followingShowsNewLinesWithinASecondAcrossAttemptsUntilTheEnd() throws {
        let h = try ServiceHarness()
        try h.start()
        let (id, firstWorker) = try ServiceTests.runningWorker(h, "long", files: TestBundles.valid(name: "long", steps: 1_000_000))
        let follower = try LogFollower(h, job: id)
        try h.wait(seconds: 30, "three step lines") { follower.lines.filter { $0.text.contains(" step ") }.count >= 3 }

        // A killed worker: the job's second attempt goes on in the same stream.
        kill(firstWorker, SIGKILL)
        try h.wait(seconds: 60, "the second attempt's step lines") {
            follower.lines.contains { $0.attempt == 2 && $0.text.contains(" step ") }
        }
        #expect(try h.cli(["cancel", "--spool", h.spool.path, id]).status == 0)
        let end = follower.waitForEnd(seconds: 60)
        #expect(end.status == 0)
        #expect(end.trailing.last?.contains("ended: cancelled") == true, "\(end.trailing)")

        let lines = follower.lines
        #expect(lines.contains { $0.attempt == 1 && $0.text.hasPrefix("== attempt 1,") })
        #expect(lines.contains { $0.attempt == 2 && $0.text.hasPrefix("== attempt 2,") })
        #expect(lines.contains { $0.text.contains("loss ") && $0.text.contains("tok/s") })
        #expect(zip(lines, lines.dropFirst()).allSatisfy { $0.id < $1.id }, "lines in order, none twice")
        let delays = follower.delays
        #expect(delays.count == lines.count)
        #expect((delays.max() ?? 99) < 1.0, "slowest line printed \(delays.max() ?? -1) s after it was recorded")

        // The whole log again, its tail, and the same lines as the job's worker.log.
        let all = try h.cli(["logs", "--spool", h.spool.path, id]).out.split(separator: "\n").map(String.init)
        #expect(all.count >= lines.count)
        #expect(Array(all.prefix(lines.count)) == lines.map(\.text))
        let tail = try h.cli(["logs", "--spool", h.spool.path, id, "--tail", "3"]).out.split(separator: "\n").map(String.init)
        #expect(tail == Array(all.suffix(3)))
        let file = try String(contentsOf: h.spool.appendingPathComponent("failed/\(id)/worker.log"), encoding: .utf8)
        #expect(file.split(separator: "\n").map(String.init) == all)
        #expect(try h.stop() == 0)
    }

    @Test func aQueuedJobHasNoLinesAndAnUnknownJobIsAnError() throws {
        let h = try ServiceHarness()
        try h.start()
        let toml = TestBundles.manifest(name: "big").replacingOccurrences(of: "threads = 1", with: "threads = 2")
        try h.submit("hog", files: TestBundles.valid(name: "hog", steps: 1_000_000))
        try h.waitForJob("hog", in: ["running"])
        try h.submit("big", files: TestBundles.valid(name: "big").merging(["task.toml": toml]) { $1 })
        let id = try h.waitForJob("big", in: ["queued"])["id"] as! String
        let r = try h.cli(["logs", "--spool", h.spool.path, id])
        #expect(r.status == 0 && r.out.contains("it has not started"))
        #expect(try h.cli(["logs", "--spool", h.spool.path, "ffffffff"]).status != 0)
        #expect(try h.stop() == 0)
    }
}
