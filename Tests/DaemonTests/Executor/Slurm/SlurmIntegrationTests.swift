import Base
import Foundation
import Glibc
import TestSupport
import Testing

/// The daemon with `executor = "slurm"` against a real one-node Slurm cluster (Debian's slurmctld,
/// slurmd and munge): success, `ptune cancel`, the time limit, a scancel behind the daemon's back, a
/// daemon restart that re-attaches instead of submitting again, a job lost with its node (requeued,
/// resumed from its checkpoint), and the same report as a local run.
@Suite(.serialized, .enabled(if: SlurmTestCluster.unavailable == nil,
                             Comment(rawValue: SlurmTestCluster.unavailable ?? "")))
struct SlurmIntegrationTests {
    static func start(_ h: ServiceHarness, on cluster: SlurmTestCluster) throws {
        try h.start(extra: ["--config", try h.configFile("executor = \"slurm\"\n\n[slurm]\npoll_seconds = 0.5\n"), "--max-jobs", "8", "--cores", "16", "--memory", "16384"],
                    environment: cluster.environment)
    }

    /// `ptune show JOB --json` as an object.
    static func show(_ h: ServiceHarness, _ id: String) throws -> [String: Any] {
        let r = try h.cli(["show", "--spool", h.spool.path, id, "--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
    }

    static func attempts(_ h: ServiceHarness, _ id: String) throws -> [[String: Any]] {
        (try show(h, id)["attempts"] as? [[String: Any]]) ?? []
    }

    /// Waits until the job's current attempt runs on a node; returns its Slurm job id.
    static func runningInSlurm(_ h: ServiceHarness, _ name: String) throws -> (id: String, slurmJob: String) {
        let id = try h.waitForJob(name, in: ["running"], seconds: 60)["id"] as! String
        var slurmJob: String?
        try h.wait(seconds: 60, "\(name) placed on a node") {
            let last = try attempts(h, id).last
            slurmJob = last?["cluster_job_id"] as? String
            return slurmJob != nil && last?["node"] != nil
        }
        return (id, try #require(slurmJob))
    }

    @Test(.timeLimit(.minutes(8)))
    func jobsRunThroughSlurmAndEndInTheirOwnStates() throws {
        let cluster = try SlurmTestCluster()
        let h = try ServiceHarness()
        try Self.start(h, on: cluster)
        try h.submit("quick", files: TestBundles.valid(name: "quick"))
        try h.submit("slow", files: TestBundles.valid(name: "slow", steps: 1_000_000, limits: "wall_time = 30"))
        try h.submit("cancel-me", files: TestBundles.valid(name: "cancel-me", steps: 1_000_000))
        try h.submit("scancel-me", files: TestBundles.valid(name: "scancel-me", steps: 1_000_000))

        // Success, with the Slurm job id and node recorded and shown.
        let quick = try h.waitForJob("quick", in: ["succeeded", "failed", "cancelled"], seconds: 120)
        #expect(quick["state"] as? String == "succeeded")
        let quickID = quick["id"] as! String
        let attempt = try #require(try Self.attempts(h, quickID).first)
        #expect(attempt["cluster_job_id"] is String)
        #expect(attempt["node"] as? String == ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init))
        #expect(attempt["pid"] == nil)
        let text = try h.cli(["show", "--spool", h.spool.path, quickID]).out
        #expect(text.contains("slurm \(attempt["cluster_job_id"] as? String ?? "?")@"))

        // `ptune cancel` runs scancel; the job ends cancelled and leaves Slurm.
        let (cancelID, cancelJob) = try Self.runningInSlurm(h, "cancel-me")
        // The daemon rewrites the status file every 2 s: wait for the one written after the placement.
        try h.wait(seconds: 10, "ptune status showing the Slurm job and node") {
            try h.cli(["status", "--spool", h.spool.path]).out.contains("slurm \(cancelJob)@")
        }
        #expect(try h.cli(["cancel", "--spool", h.spool.path, cancelID]).status == 0)
        let cancelled = try h.waitForJob("cancel-me", in: ["cancelled", "failed", "succeeded"], seconds: 60)
        #expect(cancelled["state"] as? String == "cancelled")
        #expect(cluster.command(["scontrol", "show", "job", "-o", cancelJob]).output.contains("JobState=CANCELLED"))

        // A scancel behind the daemon's back: cancelled, and the reason says so.
        let (_, scancelJob) = try Self.runningInSlurm(h, "scancel-me")
        #expect(cluster.command(["scancel", scancelJob]).status == 0)
        let outside = try h.waitForJob("scancel-me", in: ["cancelled", "failed", "succeeded", "queued"], seconds: 60)
        #expect(outside["state"] as? String == "cancelled")
        #expect((outside["reason"] as? String)?.contains("not through ptune") == true)

        // Slurm's time limit (30 s rounds up to --time=1): TIMEOUT becomes timed_out.
        let slow = try h.waitForJob("slow", in: ["timed_out", "failed", "succeeded", "cancelled"], seconds: 240)
        #expect(slow["state"] as? String == "timed_out")
        #expect((slow["reason"] as? String)?.contains("--time=1") == true)
        #expect(try h.stop() == 0)
    }

    /// A new cluster and daemon running one 3000-step job `name` on the node.
    static func oneRunningJob(_ name: String) throws
        -> (cluster: SlurmTestCluster, h: ServiceHarness, id: String, slurmJob: String) {
        let cluster = try SlurmTestCluster()
        let h = try ServiceHarness()
        try start(h, on: cluster)
        try h.submit(name, files: TestBundles.valid(name: name, steps: 3000))
        let (id, slurmJob) = try runningInSlurm(h, name)
        return (cluster, h, id, slurmJob)
    }

    @Test(.timeLimit(.minutes(5)))
    func aRestartedDaemonReattachesInsteadOfSubmittingAgain() throws {
        let (cluster, h, id, slurmJob) = try Self.oneRunningJob("long")
        #expect(try h.stop(SIGTERM) == 0)
        // SIGTERM left the job to Slurm and the database still says running.
        #expect(cluster.command(["squeue", "-h", "-j", slurmJob, "-o", "%T"]).output.contains("RUNNING"))
        #expect(try h.job(named: "long")?["state"] as? String == "running")
        try Self.start(h, on: cluster)
        #expect(try h.waitForJob("long", in: ["succeeded", "failed", "queued"], seconds: 240)["state"] as? String == "succeeded")
        let attempts = try Self.attempts(h, id)
        #expect(attempts.count == 1)
        #expect(attempts.first?["cluster_job_id"] as? String == slurmJob)
        #expect(try h.stop() == 0)
    }

    @Test(.timeLimit(.minutes(5)))
    func aJobLostWithItsNodeIsRequeuedAndResumesFromItsCheckpoint() throws {
        let (cluster, h, id, slurmJob) = try Self.oneRunningJob("lost")
        try h.waitForCheckpoint(jobID: id)
        let node = try #require(try Self.attempts(h, id).first?["node"] as? String)
        // The node goes down under the job: Slurm ends it with NODE_FAIL.
        #expect(cluster.command(["scontrol", "update", "nodename=\(node)", "state=down", "reason=ptune-test"]).status == 0)
        try h.wait(seconds: 60, "the lost attempt recorded") { try Self.attempts(h, id).first?["state"] as? String == "interrupted" }
        #expect(cluster.command(["scontrol", "show", "job", "-o", slurmJob]).output.contains("JobState=NODE_FAIL"))
        // Back in service (ReturnToService=2 may have done it already when slurmd re-registered).
        cluster.command(["scontrol", "update", "nodename=\(node)", "state=resume"])
        #expect(try h.waitForJob("lost", in: ["succeeded", "failed"], seconds: 240)["state"] as? String == "succeeded")
        let attempts = try Self.attempts(h, id)
        #expect(attempts.map { $0["state"] as? String } == ["interrupted", "succeeded"])
        #expect((attempts.first?["reason"] as? String)?.contains("NODE_FAIL") == true)
        // The second attempt's first message: training resumes at the checkpoint's step, not at 0.
        let second = try String(contentsOf: h.spool.appendingPathComponent("done/\(id)/slurm-attempt-2.out"), encoding: .utf8)
        let started = try #require(second.split(separator: "\n").first.flatMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(started["kind"] as? String == "started")
        #expect((started["step"] as? Int ?? 0) > 0, "attempt 2 started at step \(started["step"] ?? "?")")
        #expect(try h.stop() == 0)
    }

    @Test(.timeLimit(.minutes(5)))
    func theSameBundleGivesTheSameReportLocallyAndThroughSlurm() throws {
        let cluster = try SlurmTestCluster()
        var prompts: [Data] = []
        var summaries: [NSDictionary] = []
        for slurm in [false, true] {
            let h = try ServiceHarness()
            if slurm { try Self.start(h, on: cluster) } else { try h.start() }
            try h.submit("same", files: TestBundles.valid(name: "same", steps: 20))
            let row = try h.waitForJob("same", in: ["succeeded", "failed"], seconds: 120)
            #expect(row["state"] as? String == "succeeded")
            let done = h.spool.appendingPathComponent("done/\(row["id"] as! String)")
            prompts.append(try Data(contentsOf: done.appendingPathComponent("prompt.safetensors")))
            let report = try #require(try JSONSerialization.jsonObject(
                with: Data(contentsOf: done.appendingPathComponent("report.json"))) as? [String: Any])
            var kept: [String: Any] = [:]
            for key in ["summary", "task", "model", "encoder", "training", "job"] { kept[key] = report[key] }
            // Each harness has its own model folder; the model is the same file (its sha256 is compared).
            kept["model"] = (report["model"] as? [String: Any])?.filter { $0.key != "path" }
            kept["curves"] = (report["seeds"] as? [[String: Any]])?.map { [$0["loss_curve"], $0["dev_curve"], $0["test"]] }
            summaries.append(kept as NSDictionary)
            #expect(try h.stop() == 0)
        }
        #expect(prompts[0] == prompts[1], "the trained prompt differs between local and Slurm")
        for key in ["summary", "task", "model", "encoder", "training", "job", "curves"] {
            let local = summaries[0][key] as? NSObject, slurm = summaries[1][key] as? NSObject
            #expect(local != nil && local == slurm, "report \(key) differs:\nlocal \(local.map(String.init(describing:)) ?? "-")\nslurm \(slurm.map(String.init(describing:)) ?? "-")")
        }
    }
}
