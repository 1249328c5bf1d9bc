import Foundation
import Testing

/// What must hold once the daemon has recovered from whatever was done to it and every job has
/// ended: each submitted bundle is one job, in exactly one place that matches its state, with a
/// whole report; every attempt is closed and none succeeded twice; nothing is left half-way.
enum SpoolInvariants {
    static let reportFiles = ["report.json", "report.md", "loss.svg", "prompt.safetensors",
                              "adapter/adapter_config.json", "adapter/adapter_model.safetensors", "worker.log",
                              "bundle/task.toml"]
    /// What a succeeded prediction job (`kind = "predict"`) leaves; its prompt is the one it resolved.
    static let predictionFiles = ["report.json", "report.md", "predictions.jsonl", "source-prompt.safetensors", "worker.log",
                                  "bundle/task.toml"]

    /// One job, `name`, which must have succeeded; returns its id.
    @discardableResult
    static func checkSucceeded(_ h: ServiceHarness, name: String, context: String) throws -> String {
        let states = try check(h, names: [name], context: context)
        #expect(states[name]?.state == "succeeded", "\(name) ended \(states[name]?.state ?? "nowhere"); \(context)")
        return states[name]?.id ?? ""
    }

    /// Every job of `names` (and no other) has ended; returns each one's id and state.
    @discardableResult
    static func check(_ h: ServiceHarness, names: [String], context: String) throws -> [String: (id: String, state: String)] {
        // The database commit comes before the move out of active/; a move that failed is finished
        // by the next pass, so the spool is given a few seconds to agree.
        try? h.wait(seconds: 10, "active/ emptied") { h.contents("active") == ["claims"] }
        let everything = try h.history()
        // A search's trials are jobs of their own, checked by `checkTrials`.
        let history = everything.filter { $0["parent_id"] == nil }
        #expect(history.count == names.count, "\(history.count) jobs for \(names.count) bundles; \(context)")
        var found: [String: (id: String, state: String)] = [:]
        var predictions: Set<String> = []
        for row in history {
            guard let name = row["name"] as? String, let id = row["id"] as? String, let state = row["state"] as? String else { continue }
            #expect(found[name] == nil, "\(name) is two jobs; \(context)")
            found[name] = (id, state)
            if row["kind"] as? String == "predict" { predictions.insert(name) }
        }
        #expect(Set(found.keys) == Set(names), "jobs \(found.keys.sorted()) for bundles \(names.sorted()); \(context)")

        let succeeded = found.values.filter { $0.state == "succeeded" }.map(\.id)
        let failed = found.values.filter { $0.state != "succeeded" }.map(\.id)
        #expect(h.contents("done") == succeeded.sorted(), "done/: \(h.contents("done")); \(context)")
        #expect(h.contents("failed") == failed.sorted(), "failed/: \(h.contents("failed")); \(context)")
        for folder in ["incoming", "rejected", "tmp", "active/claims"] {
            #expect(h.contents(folder).isEmpty, "\(folder)/: \(h.contents(folder)); \(context)")
        }
        #expect(h.contents("active") == ["claims"], "active/: \(h.contents("active")); \(context)")

        for (name, job) in found {
            #expect(["succeeded", "failed"].contains(job.state), "\(name) ended \(job.state); \(context)")
            let place = (job.state == "succeeded" ? "done/" : "failed/") + job.id
            let report = try? Data(contentsOf: h.spool.appendingPathComponent(place).appendingPathComponent("report.json"))
            let summary = (report.flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any])?["summary"]
            // A run that exported its manual template has no prompt rows, so no PEFT adapter.
            let manual = (summary as? [String: Any])?["exported"] as? String == "manual_template"
            let succeeded = predictions.contains(name) ? predictionFiles
                : reportFiles.filter { !manual || !$0.hasPrefix("adapter/") }
            let files = job.state == "succeeded" ? succeeded : ["report.json", "report.md", "worker.log"]
            for file in files {
                let path = h.spool.appendingPathComponent(place).appendingPathComponent(file).path
                #expect(FileManager.default.fileExists(atPath: path), "\(place)/\(file) missing; \(context)")
            }
            #expect(report.flatMap { try? JSONSerialization.jsonObject(with: $0) } != nil, "\(place)/report.json torn; \(context)")

            let show = try h.cli(["show", "--spool", h.spool.path, job.id, "--json"])
            let detail = try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any]
            let attempts = (detail?["attempts"] as? [[String: Any]])?.map { $0["state"] as? String ?? "?" } ?? []
            #expect(!attempts.contains("running"), "\(name) attempts \(attempts); \(context)")
            // A search's attempts that asked for trials end succeeded too.
            let planned = (detail?["attempts"] as? [[String: Any]])?.filter { ($0["reason"] as? String)?.hasPrefix("asked for") == true }.count ?? 0
            #expect(attempts.filter { $0 == "succeeded" }.count - planned == (job.state == "succeeded" ? 1 : 0),
                    "\(name) attempts \(attempts); \(context)")
            if job.state == "succeeded" && !predictions.contains(name) {
                let out = h.root.appendingPathComponent("export-\(UUID().uuidString)")
                let export = try h.cli(["export", "--spool", h.spool.path, job.id, "--out", out.path])
                #expect(export.status == 0, "export \(name): \(export.err); \(context)")
                let exported = try? Data(contentsOf: out.appendingPathComponent("prompt.safetensors"))
                let kept = try? Data(contentsOf: h.spool.appendingPathComponent(place).appendingPathComponent("prompt.safetensors"))
                #expect(exported != nil && exported == kept, "exported prompt of \(name) differs from the report's; \(context)")
            }
        }
        return found
    }

    /// The trials of the succeeded search `id`: each a job that ended once, its folder (with how it
    /// ended, and no checkpoints) under the search's in done/, each trial of search.json run by
    /// exactly one of them; returns the trials' jobs from the history.
    @discardableResult
    static func checkTrials(_ h: ServiceHarness, search id: String, context: String) throws -> [[String: Any]] {
        let trials = try h.history().filter { $0["parent_id"] as? String == id }
        let keys = trials.compactMap { $0["trial_key"] as? String }
        #expect(keys.count == trials.count && Set(keys).count == keys.count, "trial keys \(keys); \(context)")
        let done = h.spool.appendingPathComponent("done/\(id)")
        #expect(Set(h.contents("done/\(id)/trials")) == Set(keys), "trials/ \(h.contents("done/\(id)/trials")) for \(keys); \(context)")
        for trial in trials {
            let key = trial["trial_key"] as? String ?? "?"
            #expect(["succeeded", "cancelled", "failed"].contains(trial["state"] as? String ?? ""), "\(key) \(trial); \(context)")
            let folder = done.appendingPathComponent("trials/\(key)")
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.json").path), "\(key); \(context)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoints").path), "\(key); \(context)")
            let show = try h.cli(["show", "--spool", h.spool.path, trial["id"] as? String ?? "", "--json"])
            let detail = try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any]
            let attempts = (detail?["attempts"] as? [[String: Any]])?.map { $0["state"] as? String ?? "?" } ?? []
            #expect(!attempts.contains("running") && attempts.filter { $0 == "succeeded" }.count <= 1, "\(key) \(attempts); \(context)")
        }
        let search = try JSONSerialization.jsonObject(with: Data(contentsOf: done.appendingPathComponent("search.json"))) as? [String: Any]
        let rows = (search?["trials"] as? [[String: Any]]) ?? []
        let ran = Set(rows.compactMap { ($0["folder"] as? String)?.split(separator: "/").last.map(String.init) })
        let succeeded = Set(trials.filter { $0["state"] as? String == "succeeded" }.compactMap { $0["trial_key"] as? String })
        #expect(ran == succeeded, "search.json's trials \(ran.sorted()), succeeded trial jobs \(succeeded.sorted()); \(context)")
        return trials
    }
}
