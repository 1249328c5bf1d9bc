import Foundation
import Glibc
import TestSupport
import Testing

/// Crash-point enumeration for a prediction job (as `CrashPointTests` for a training job): the daemon
/// is killed before each selected durable step of the job's life, from its intake (the prompt of
/// `pj@latest` resolved and copied into the job's folder) to its end, and the job must still answer
/// every record exactly once.
@Suite(.serialized)
struct PredictionCrashPointTests {
    static let records = 12
    static let bundle = ["task.toml": PredictionJobTests.manifest(name: "scores", prompt: "job = \"pj@latest\""),
                         "input.jsonl": TestBundles.data(records)]

    /// A harness whose history holds the succeeded training job `pj`, with `scores` in incoming/.
    static func trained() throws -> ServiceHarness {
        let h = try ServiceHarness()
        try h.start()
        try h.submit("pj", files: TestBundles.valid(name: "pj", steps: 2))
        try h.waitForJob("pj", in: ["succeeded"])
        #expect(try h.stop() == 0)
        try h.submit("scores", files: bundle)
        return h
    }

    @Test func aCrashBeforeAnyDurableStepOfAPredictionJobLosesNoRecord() throws {
        let counting = try Self.trained()
        let log = counting.root.appendingPathComponent("steps.log").path
        try counting.start(extra: ["--fault-plan", "count", "--fault-log", log])
        try counting.waitForJob("scores", in: ["succeeded", "failed"])
        #expect(try counting.stop() == 0)
        let steps = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(steps.count > 5, "only \(steps.count) steps counted")
        for n in CrashPointTests.selected(steps.count) {
            let h = try Self.trained()
            let crashed = try h.crashAndRecover(at: n, waitingFor: "scores")
            let context = "crash before step \(n) of \(steps.count) (\(steps[n - 1])); crashed: \(crashed)"
            let states = try SpoolInvariants.check(h, names: ["pj", "scores"], context: context)
            #expect(states["scores"]?.state == "succeeded", "\(context)")
            let lines = (try? String(contentsOf: h.spool.appendingPathComponent("done/\(states["scores"]?.id ?? "")/predictions.jsonl"),
                                     encoding: .utf8)) ?? ""
            let sources = lines.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["source"] as? String
            }
            #expect(sources == (1...Self.records).map { "input.jsonl:\($0)" }, "\(context)")
            #expect(try h.stop() == 0, "\(context)")
        }
    }
}
