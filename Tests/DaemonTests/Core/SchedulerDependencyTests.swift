@testable import Daemon
import Foundation
import Spool
import Store
import TestSupport
import Testing

/// Jobs that wait for others (`after`, `after_any`), through `DaemonCore.tick()` with a fake executor.
@Suite struct SchedulerDependencyTests {
    /// Drops a valid bundle whose task.toml waits for `after` (and `afterAny`).
    static func submit(_ f: SchedulerFixture, _ name: String, after: [String] = [], afterAny: [String] = []) throws {
        func list(_ names: [String]) -> String { "[" + names.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        var links = after.isEmpty ? "" : "after = \(list(after))\n"
        if !afterAny.isEmpty { links += "after_any = \(list(afterAny))\n" }
        try f.submit(name, files: TestBundles.valid(name: name).merging(
            ["task.toml": links + TestBundles.manifest(name: name, limits: "memory_mb = 512")]) { $1 })
    }

    static func reason(_ f: SchedulerFixture, rejected name: String) throws -> String {
        try String(contentsOf: f.layout.rejected.appendingPathComponent("\(name)/reason.txt"), encoding: .utf8)
    }

    @Test func bundlesDroppedTogetherWaitForTheJobsTheyNameWhateverTheirOrder() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        // Taken in by name order, a-eval would be read before the job it names exists.
        try Self.submit(f, "a-eval", after: ["m-refit"])
        try Self.submit(f, "m-refit", after: ["z-train"])
        try Self.submit(f, "z-train")
        try f.tick()
        #expect(try f.runningNames() == ["z-train"])
        let train = try f.job("z-train")
        let refit = try f.job("m-refit")
        #expect(refit.state == .queued)
        #expect(refit.reason == "waiting for job \(train.id) (z-train) to succeed")
        #expect(try f.job("a-eval").reason == "waiting for job \(refit.id) (m-refit) to succeed")
        #expect(try f.store.dependencies(of: refit.id).map(\.dependsOn) == [train.id])

        try f.worker("z-train").succeed()
        try f.tick()
        #expect(try f.runningNames() == ["m-refit"])
        #expect(try f.state("a-eval") == .queued)
        try f.worker("m-refit").succeed()
        try f.tick()
        #expect(try f.runningNames() == ["a-eval"])
        #expect(try f.job("a-eval").reason == nil)
    }

    @Test func aFailedAfterJobCancelsItsDependentsDownTheChainWithTheReason() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        try Self.submit(f, "train")
        try Self.submit(f, "eval", after: ["train"])
        try Self.submit(f, "report", after: ["eval"])
        try f.tick()
        let train = try f.job("train")
        let worker = try f.worker("train")
        worker.say(WorkerMessage(kind: .failed, message: "no record fits the model's context"))
        worker.exit(WorkerExit.badInput)
        try f.tick()
        try f.tick()
        let eval = try f.job("eval")
        #expect(eval.state == .cancelled)
        #expect(eval.reason == "job \(train.id) (train), which it waits for, ended failed: no record fits the model's context")
        let report = try f.job("report")
        #expect(report.state == .cancelled)
        #expect(report.reason?.hasPrefix("job \(eval.id) (eval), which it waits for, ended cancelled") == true)
        #expect(f.executor.workers.count == 1, "no dependent ran")
        #expect(f.entries(f.layout.failed) == [train.id, eval.id, report.id].sorted())
    }

    @Test func afterAnyStartsOnceTheOtherJobEndsHoweverItEnded() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        try Self.submit(f, "flaky")
        try Self.submit(f, "cleanup", afterAny: ["flaky"])
        try f.tick()
        #expect(try f.job("cleanup").reason?.hasSuffix("(flaky) to end") == true)
        let worker = try f.worker("flaky")
        worker.say(WorkerMessage(kind: .failed, message: "bad input"))
        worker.exit(WorkerExit.badInput)
        try f.tick()
        #expect(try f.state("flaky") == .failed)
        #expect(try f.runningNames() == ["cleanup"])
    }

    @Test func aWaitingJobHoldsBackNoJobBehindIt() throws {
        let f = try SchedulerFixture(cores: 2, maxJobs: 2)
        try Self.submit(f, "long")
        try f.tick()
        try Self.submit(f, "after-long", after: ["long"])
        try f.tick()
        try Self.submit(f, "independent")
        try f.tick()
        #expect(try f.runningNames() == ["independent", "long"])
        #expect(try f.state("after-long") == .queued)
    }

    @Test func aJobThatAlreadySucceededIsNoWaitAndIdsAndPrefixesNameJobsToo() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        try Self.submit(f, "base")
        try f.tick()
        try f.worker("base").succeed()
        try f.tick()
        let base = try f.job("base")
        try Self.submit(f, "by-id", after: [base.id])
        try Self.submit(f, "by-prefix", afterAny: [String(base.id.prefix(8)).uppercased()])
        try f.tick()
        #expect(try f.runningNames() == ["by-id", "by-prefix"])
    }

    @Test func unknownJobsAndCyclesAreRejectedAtIntakeWithTheirReason() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        try Self.submit(f, "lonely", after: ["no-such-job"])
        try Self.submit(f, "ping", after: ["pong"])
        try Self.submit(f, "pong", after: ["ping"])
        try f.tick()
        #expect(f.entries(f.layout.rejected).isEmpty, "held for the jobs they name, a few seconds")
        try f.tick(after: IntakeRounds.nameGraceSeconds)
        #expect(f.entries(f.layout.rejected) == ["lonely", "ping", "pong"])
        let lonely = try Self.reason(f, rejected: "lonely")
        #expect(lonely.contains("task.toml") && lonely.contains("after")
                && lonely.contains("no job of yours is named \"no-such-job\""), "\(lonely)")
        #expect(try Self.reason(f, rejected: "ping").contains("\"pong\", dropped with this bundle, was not taken in before it"))
        #expect(try Self.reason(f, rejected: "pong").contains("\"ping\", dropped with this bundle, was not taken in before it: it was rejected"))
        #expect(f.executor.workers.isEmpty)
    }

    @Test func aBundleDroppedJustBeforeTheOneItNamesIsHeldForIt() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        try Self.submit(f, "eager", after: ["late"])
        try f.tick()
        try f.tick(after: IntakeRounds.nameGraceSeconds / 2)
        try Self.submit(f, "late")
        try f.tick()
        #expect(f.entries(f.layout.rejected).isEmpty)
        #expect(try f.runningNames() == ["late"])
        #expect(try f.job("eager").reason?.hasSuffix("(late) to succeed") == true)
    }

    @Test func atMostSoManyBundlesAreHeldPerOwnerAndTheRestAreRejectedAtOnce() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        let count = IntakeRounds.maxHeldPerOwner + 3
        for i in 0..<count { try Self.submit(f, "w\(i)", after: ["missing"]) }
        try f.tick()
        #expect(f.entries(f.layout.rejected).count == 3)
        try f.tick(after: IntakeRounds.nameGraceSeconds)
        #expect(f.entries(f.layout.rejected).count == count)
    }

    @Test func malformedReferencesAreRejectedNamingTheKey() throws {
        let f = try SchedulerFixture()
        try f.submit("twice", files: TestBundles.valid(name: "twice").merging(
            ["task.toml": "after = [\"x\", \"x\"]\n" + TestBundles.manifest(name: "twice")]) { $1 })
        try f.submit("both", files: TestBundles.valid(name: "both").merging(
            ["task.toml": "after = [\"x\"]\nafter_any = [\"x\"]\n" + TestBundles.manifest(name: "both")]) { $1 })
        try f.submit("slash", files: TestBundles.valid(name: "slash").merging(
            ["task.toml": "after = [\"../x\"]\n" + TestBundles.manifest(name: "slash")]) { $1 })
        try f.tick()
        #expect(try Self.reason(f, rejected: "twice").contains("task.toml:1: after: names a job twice"))
        #expect(try Self.reason(f, rejected: "both").contains("\"x\" is also in after"))
        #expect(try Self.reason(f, rejected: "slash").contains("\"../x\" is neither a job id nor a task name"))
    }

    @Test func aNameMeansTheNewestJobOfThatName() throws {
        let f = try SchedulerFixture(maxJobs: 1)
        try Self.submit(f, "nightly")
        try f.tick()
        try f.worker("nightly").succeed()
        try f.tick()
        // A second bundle named nightly (other steps, so other content), still running.
        try f.submit("nightly-2", files: TestBundles.valid(name: "nightly", steps: 7))
        try f.tick()
        let newest = try #require(try f.store.jobs().first { $0.name == "nightly" && $0.state == .running })
        try Self.submit(f, "digest", after: ["nightly"])
        try f.tick()
        #expect(try f.job("digest").reason == "waiting for job \(newest.id) (nightly) to succeed")
    }

    /// Drops a prediction bundle whose prompt is `job = "<prompt>"`, with `links` at the top.
    static func submitPrediction(_ f: SchedulerFixture, _ name: String, prompt: String, links: String = "") throws {
        try f.submit(name, files: ["task.toml": """
            name = "\(name)"
            kind = "predict"
            \(links)

            [prompt]
            job = "\(prompt)"

            [limits]
            threads = 1
            memory_mb = 512
            """, "input.jsonl": TestBundles.data(4)])
    }

    @Test func aPredictionNamingATrainingJobNotEndedYetWaitsForItAndGetsItsPrompt() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        try Self.submitPrediction(f, "answers", prompt: "trainer@latest")
        try Self.submit(f, "trainer")
        try f.tick()
        let trainer = try f.job("trainer")
        let answers = try f.job("answers")
        #expect(try f.runningNames() == ["trainer"])
        #expect(answers.model == "tiny", "the model of the job it waits for")
        #expect(try f.store.dependencies(of: answers.id) == [DependencyRecord(
            jobID: answers.id, dependsOn: trainer.id, reference: "trainer@latest", kind: .ok, providesPrompt: true)])
        try f.worker("trainer").succeed()
        try f.tick()
        #expect(try f.runningNames() == ["answers"])
        let handedOver = try f.worker("answers").launch.directory.appendingPathComponent("source-prompt.safetensors")
        #expect(try Data(contentsOf: handedOver) == Data("prompt bytes".utf8))
    }

    @Test func theJobGivingThePromptMustSucceedAndBeATrainingJob() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        try Self.submit(f, "trainer")
        try f.tick()
        try Self.submitPrediction(f, "lenient", prompt: "trainer@latest", links: "after_any = [\"trainer\"]")
        try f.tick()
        let reason = try Self.reason(f, rejected: "lenient")
        #expect(reason.contains("after_any: job \(try f.job("trainer").id) (trainer) gives the prompt, so it must succeed"), "\(reason)")
        #expect(reason.contains("list it in after instead"))
    }

    @Test func aBundlesOwnNotifyNeedsADaemonThatAllowsIt() throws {
        let f = try SchedulerFixture()
        try f.submit("chatty", files: TestBundles.valid(name: "chatty").merging(
            ["task.toml": TestBundles.manifest(name: "chatty") + "\n[notify]\nurl = \"http://127.0.0.1:9/x\"\n"]) { $1 })
        try f.tick()
        #expect(try Self.reason(f, rejected: "chatty").contains("notify: this daemon sends no notifications"))
    }

    @Test func aNameOfABundleRejectedInTheSameBatchIsNotAnOlderJobOfThatName() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        try Self.submit(f, "model")
        try f.tick()
        try f.worker("model").succeed()
        try f.tick()
        try Self.submit(f, "report", after: ["model"])
        try f.submit("model-2", files: TestBundles.valid(name: "model", steps: 7).merging(
            ["task.toml": "after = [\"ghost\"]\n" + TestBundles.manifest(name: "model", steps: 7)]) { $1 })
        try f.tick(after: IntakeRounds.nameGraceSeconds)
        try f.tick(after: IntakeRounds.nameGraceSeconds)
        #expect(try Self.reason(f, rejected: "report").contains("\"model\", dropped with this bundle, was not taken in before it"))
        #expect(f.executor.workers.count == 1, "report did not run after the old model")
    }

    @Test func aNameMeansTheBundleDroppedWithItRatherThanAnOlderJob() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        for name in ["prep", "model"] { try Self.submit(f, name) }
        try f.tick()
        for name in ["prep", "model"] { try f.worker(name).succeed() }
        try f.tick()
        // The dependent first; the new "model" (other steps, so other content) itself waits for prep.
        try Self.submit(f, "report", after: ["model"])
        try f.submit("model-2", files: TestBundles.valid(name: "model", steps: 7).merging(
            ["task.toml": "after = [\"prep\"]\n" + TestBundles.manifest(name: "model", steps: 7, limits: "memory_mb = 512")]) { $1 })
        try f.tick()
        let newest = try #require(try f.store.jobs().first { $0.name == "model" && $0.state == .running })
        #expect(try f.job("report").reason == "waiting for job \(newest.id) (model) to succeed")
    }

    @Test func anArchiveNamingAnotherJobIsUnpackedAgainInItsLaterRound() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        try Self.submit(f, "base")
        let source = f.root.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
        let files = TestBundles.valid(name: "packed").merging(
            ["task.toml": "after = [\"base\"]\n" + TestBundles.manifest(name: "packed", limits: "memory_mb = 512")]) { $1 }
        for (name, text) in files { try Data(text.utf8).write(to: source.appendingPathComponent(name)) }
        let archive = f.layout.tmp.appendingPathComponent("packed.tar")
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        tar.arguments = ["-cf", archive.path, "-C", source.path] + files.keys.sorted()
        try tar.run()
        tar.waitUntilExit()
        try FileManager.default.moveItem(at: archive, to: f.layout.incoming.appendingPathComponent("packed.tar"))
        try f.tick()
        #expect(try f.job("packed").reason?.hasSuffix("(base) to succeed") == true)
        #expect(f.entries(f.layout.claims).isEmpty, "neither the archive nor its unpacked copy is left behind")
    }

    @Test func anAdoptedBundleThatCannotBeRecordedNowStaysForALaterReconciliation() throws {
        let f = try SchedulerFixture()
        let staging = f.root.appendingPathComponent("orphan")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        let files = TestBundles.valid(name: "orphan").merging(
            ["task.toml": "after = [\"ghost\"]\n" + TestBundles.manifest(name: "orphan")]) { $1 }
        for (name, text) in files { try Data(text.utf8).write(to: staging.appendingPathComponent(name)) }
        let id = String(try BundleDigest.sha256(of: staging).prefix(16))
        let folder = f.layout.active.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: staging, to: folder.appendingPathComponent("bundle"))
        try f.restart()
        // Its owner is unknown (no claim record), so it can name no job: it stays, rejected by nobody.
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("bundle/task.toml").path))
        #expect(try f.store.job(id: id) == nil)
        #expect(f.entries(f.layout.rejected).isEmpty)
    }

    @Test func waitingSurvivesARestart() throws {
        let f = try SchedulerFixture(maxJobs: 4)
        try Self.submit(f, "first")
        try Self.submit(f, "second", after: ["first"])
        try f.tick()
        try f.restart()
        try f.tick()
        #expect(try f.state("second") == .queued)
        try f.executor.workers(of: "first").last?.succeed()
        try f.tick()
        #expect(try f.runningNames().contains("second"))
    }
}
