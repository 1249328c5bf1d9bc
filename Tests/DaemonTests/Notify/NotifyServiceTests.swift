import Foundation
import Glibc
import TestSupport
import Testing

/// `[notify]` through the real binary: every job that ends is told once on each channel, however
/// often the daemon is killed meanwhile. `PTUNE_NOTIFY_JOBS` sets the run's size (default 40).
@Suite(.serialized)
struct NotifyServiceTests {
    static var jobs: Int { Int(ProcessInfo.processInfo.environment["PTUNE_NOTIFY_JOBS"] ?? "") ?? 40 }

    @Test(.timeLimit(.minutes(20)))
    func everyEndedJobIsToldOnceOnEachChannelThroughKillNines() throws {
        let h = try ServiceHarness()
        let receivers = try NotifyReceivers(root: h.root)
        let config = try h.configFile(receivers.config)
        try h.makeSpool()
        let n = Self.jobs
        for i in 0..<n { try h.submit("n\(i)", files: TestBundles.valid(name: "n\(i)")) }
        try h.start(extra: ["--config", config])
        var kills = 0
        let deadline = Date().addingTimeInterval(Double(n) * 3 + 120)
        while Date() < deadline {
            let got = receivers.received()
            if Set(got.command).count >= n && Set(got.http).count >= n { break }
            // Kill the daemon every one to three seconds until every job has been told.
            usleep(UInt32.random(in: 1_000_000...3_000_000))
            let told = receivers.received()
            if Set(told.command).count < n || Set(told.http).count < n {
                try h.stop(SIGKILL)
                kills += 1
                try h.start(extra: ["--config", config])
            }
        }
        // Time for a second telling, if one were coming.
        sleep(3)
        let got = receivers.received()
        let ended = try h.history().filter { ($0["state"] as? String).map { ["succeeded", "failed"].contains($0) } ?? false }
        let expected = Set(ended.map { "\($0["id"] as? String ?? "?") \($0["state"] as? String ?? "?")" })
        #expect(ended.count == n)
        if n >= 20 { #expect(kills >= 2, "the daemon was killed \(kills) times") }
        for (name, lines) in [("command", got.command), ("http", got.http)] {
            #expect(Set(lines) == expected, "\(name): \(Set(lines).symmetricDifference(expected).prefix(5))")
            let twice = Dictionary(grouping: lines, by: { $0 }).filter { $0.value.count > 1 }.keys
            #expect(twice.isEmpty, "\(name) told twice: \(twice.prefix(5))")
        }
        print("notify: \(n) jobs, \(kills) kill -9s, \(got.command.count) commands, \(got.http.count) POSTs")
        #expect(try h.stop() == 0)
        receivers.stop()
    }
}
