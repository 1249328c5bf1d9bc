import Foundation
import Testing

/// What must hold after any crash, once the daemon has recovered and finished the job: the bundle
/// in exactly one place, the database agreeing with it, every attempt closed, the report whole.
enum SpoolInvariants {
    static let reportFiles = ["report.json", "report.md", "loss.svg", "prompt.safetensors",
                              "adapter/adapter_config.json", "adapter/adapter_model.safetensors", "worker.log",
                              "bundle/task.toml"]

    /// The database commit comes before the move out of active/; a move that failed is finished by
    /// the next pass, so the spool is given a few seconds to agree.
    static func check(_ h: ServiceHarness, jobID id: String, context: String) throws {
        let place = "done/\(id)"
        try? h.wait(seconds: 10, "the bundle in \(place)") { h.contents("done") == [id] && h.contents("active") == ["claims"] }
        #expect(h.contents("done") == [id], "done/: \(h.contents("done")); \(context)")
        for folder in ["incoming", "failed", "rejected"] {
            #expect(h.contents(folder).isEmpty, "\(folder)/: \(h.contents(folder)); \(context)")
        }
        #expect(h.contents("active") == ["claims"], "active/: \(h.contents("active")); \(context)")
        #expect(h.contents("active/claims").isEmpty, "active/claims/: \(h.contents("active/claims")); \(context)")
        #expect(h.contents("tmp").isEmpty, "tmp/: \(h.contents("tmp")); \(context)")
        for file in reportFiles {
            let path = h.spool.appendingPathComponent(place).appendingPathComponent(file).path
            #expect(FileManager.default.fileExists(atPath: path), "\(place)/\(file) missing; \(context)")
        }
        let report = try? Data(contentsOf: h.spool.appendingPathComponent(place).appendingPathComponent("report.json"))
        #expect(report.flatMap { try? JSONSerialization.jsonObject(with: $0) } != nil, "report.json torn; \(context)")

        let history = try h.history()
        #expect(history.count == 1, "\(history.count) jobs in the history; \(context)")
        let show = try h.cli(["show", "--spool", h.spool.path, id, "--json"])
        let detail = try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any]
        let states = (detail?["attempts"] as? [[String: Any]])?.map { $0["state"] as? String ?? "?" } ?? []
        #expect(states.last == "succeeded" && states.filter { $0 == "succeeded" }.count == 1,
                "attempts \(states); \(context)")
        #expect(!states.contains("running"), "attempts \(states); \(context)")

        let out = h.root.appendingPathComponent("export-\(UUID().uuidString)")
        let export = try h.cli(["export", "--spool", h.spool.path, id, "--out", out.path])
        #expect(export.status == 0, "export: \(export.err); \(context)")
        let exported = try? Data(contentsOf: out.appendingPathComponent("prompt.safetensors"))
        let kept = try? Data(contentsOf: h.spool.appendingPathComponent(place).appendingPathComponent("prompt.safetensors"))
        #expect(exported != nil && exported == kept, "exported prompt differs from the report's; \(context)")
    }
}
