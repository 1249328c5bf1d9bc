import ArgumentParser
import Base
import Daemon
import Foundation
import Logging
import Spool
import Store

/// `ptune gc`: apply the retention policy now, or show what it would remove.
struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc", abstract: "Remove old results as the config file's [retention] says (the daemon does it on its own).",
        discussion: """
            Removes done/, failed/ and rejected/ folders past their age or beyond retention.max_gb \
            (the oldest folder of the user holding the most first), and drops old jobs' stored artifacts; the jobs stay in `ptune history`. \
            Run it as the service user (or root). With --dry-run nothing changes.
            """)

    @OptionGroup var spoolOptions: SpoolOptions
    @Flag(name: .long, help: "Only list what would be removed.") var dryRun = false

    func run() throws {
        let settings = try spoolOptions.settings()
        let policy = settings.retention
        let layout = SpoolLayout(root: spoolOptions.spoolURL(settings))
        let store = try spoolOptions.openStore(readOnly: dryRun, settings: settings)
        printForTerminal("retention: \(policy.summary)")
        let now = Date()
        let (plan, artifacts) = try RetentionSweep.preview(layout: layout, store: store, policy: policy, now: now)
        if !plan.removals.isEmpty {
            var table = TextTable(["FOLDER", "OWNER", "ENDED", "SIZE", "WHY"])
            for removal in plan.removals {
                let folder = removal.folder
                table.add([folder.folder, JobOwner.name(folder.ownerUID), JobFormatting.time(folder.endedAt),
                           ByteCount(folder.bytes).description, removal.why])
            }
            printForTerminal(table.rendered)
        }
        let verb = dryRun ? "would remove" : "removing"
        printForTerminal("\(verb) \(Self.count(plan.removals.count, "folder")) (\(ByteCount(plan.freedBytes))); "
                         + "\(ByteCount(plan.keptBytes)) kept; artifacts of \(Self.count(artifacts, "job")) \(dryRun ? "would be" : "are") dropped")
        guard !dryRun else { return }
        var logger = Logger(label: "ptune-gc")
        logger.logLevel = .warning
        let sweep = RetentionSweep(layout: layout, store: store, policy: policy, logger: logger)
        sweep.advance(now: now, until: .distantFuture)
        let totals = sweep.totals
        printForTerminal("removed \(Self.count(totals.foldersRemoved, "folder")) (\(ByteCount(totals.bytesFreed))); "
                         + "dropped the artifacts of \(Self.count(totals.jobsWithArtifactsDropped, "job"))")
        if totals.failures > 0 {
            throw ActionableError("\(Self.count(totals.failures, "folder")) could not be removed (see above)",
                                  hint: "run `ptune gc` as the service user or root")
        }
    }

    /// "1 folder", "3 folders".
    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
