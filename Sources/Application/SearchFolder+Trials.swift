import Base
import Foundation
import PTuning
import Spool

extension SearchFolder {
    /// The trials that have ended, by key: each folder's `trial-result.json`. With `failedWithoutResult`
    /// (the daemon's search job, which plans only once its trials have all ended), a folder without
    /// one that holds the daemon's failure report is a trial that failed; otherwise it is a trial
    /// still to run (or to resume).
    func endedTrials(failedWithoutResult: Bool) throws -> [String: EndedTrial] {
        var ended: [String: EndedTrial] = [:]
        guard FileManager.default.fileExists(atPath: trials.path) else { return ended }
        for key in try FileSystem.entries(of: trials.path) where !key.hasPrefix(".") {
            let folder = trial(key)
            if let recorded = try recordedEnd(in: folder) {
                ended[key] = recorded
            } else if failedWithoutResult, let plan = try? plannedTrial(in: folder),
                      let failure = try? Data(contentsOf: folder.appendingPathComponent(RunOutputs.reportJSON)) {
                let reason = (try? JSONSerialization.jsonObject(with: failure) as? [String: Any])?["reason"] as? String
                ended[key] = EndedTrial(trial: plan, outcome: .failed, reason: reason ?? "its job failed")
            }
        }
        return ended
    }

    /// How the trial in `folder` ended, as it recorded; nil when it has not.
    func recordedEnd(in folder: URL) throws -> EndedTrial? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(EndedTrial.fileName)) else { return nil }
        return try JSONDecoder().decode(EndedTrial.self, from: data)
    }

    /// When the search began: the date recorded at its first start, recorded now if there is none.
    func began() throws -> Date {
        if let text = try? String(contentsOf: started, encoding: .utf8),
           let date = ISO8601DateFormatter().date(from: text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            return date
        }
        let now = Date()
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try AtomicFile.write(Data((ISO8601DateFormatter().string(from: now) + "\n").utf8), to: started.path)
        return now
    }

    /// What the trial in `folder` was asked to run.
    func plannedTrial(in folder: URL) throws -> PlannedTrial {
        try JSONDecoder().decode(PlannedTrial.self, from: Data(contentsOf: folder.appendingPathComponent(EndedTrial.planFileName)))
    }

    /// Records a trial's end in its folder, last of what it writes.
    func record(_ ended: EndedTrial) throws {
        try Self.writeJSON(ended, to: trial(ended.trial.key).appendingPathComponent(EndedTrial.fileName))
    }

    /// Makes the trial's folder with what it is to run (`trial-plan.json`). A search begun by an
    /// earlier ptune, which kept each trial's checkpoints under `checkpoints/KEY` (the same keys), has
    /// them moved to `trials/KEY/checkpoints`, so the trial resumes instead of training again.
    func prepare(_ planned: PlannedTrial) throws {
        let folder = trial(planned.key)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let earlier = root.appendingPathComponent("checkpoints").appendingPathComponent(planned.key).path
        if FileSystem.isDirectory(try FileSystem.status(earlier)) {
            _ = try FileSystem.renameNoReplace(earlier, folder.appendingPathComponent("checkpoints").path)
        }
        try Self.writeJSON(planned, to: folder.appendingPathComponent(EndedTrial.planFileName))
    }

    /// Makes each trial's folder, then lists them in `search-request.json` for the daemon.
    func request(_ trials: [PlannedTrial]) throws {
        for planned in trials { try prepare(planned) }
        try Self.writeJSON(trials, to: request)
    }

    static func writeJSON<Value: Encodable>(_ value: Value, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(try encoder.encode(value), to: url.path)
    }
}
