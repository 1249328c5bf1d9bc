import Base
@testable import Daemon
import Foundation
import TestSupport
import Testing

/// Stand-in sbatch, scontrol, sacct and squeue scripts that answer as Slurm does, in a folder of their own.
final class FakeSlurm {
    let bin = TestEnvironment.temporaryDirectory("fake-slurm")

    deinit { try? FileManager.default.removeItem(at: bin) }

    /// A cluster whose commands are these shell script bodies (name -> body).
    func cluster(_ scripts: [String: String], timeout: Double = 5) throws -> SlurmCluster {
        for (name, body) in scripts {
            // Written close-on-exec, so a process another test starts meanwhile does not hold it open
            // for writing (exec would then fail with ETXTBSY).
            try AtomicFile.write(Data(("#!/bin/sh\n" + body + "\n").utf8), to: bin.appendingPathComponent(name).path, mode: 0o755)
        }
        return SlurmCluster(settings: SlurmSettings(pollSeconds: 0, binDirectory: bin.path), runner: CommandRunner(timeout: timeout))
    }
}

/// SlurmCluster against stand-in Slurm commands.
struct SlurmClusterTests {
    let fake = FakeSlurm()

    func cluster(_ scripts: [String: String]) throws -> SlurmCluster { try fake.cluster(scripts) }

    @Test func submissionReturnsTheJobIdOfParsableOutput() throws {
        let slurm = try cluster(["sbatch": "echo '4242;cluster'"])
        #expect(try slurm.submit(script: URL(fileURLWithPath: "/x.sh"), arguments: []) == "4242")
    }

    @Test func aRefusalIsPermanentButAnUnreachableControllerIsNot() throws {
        let refusing = try cluster(["sbatch": "echo 'sbatch: error: Batch job submission failed: Memory required by task is not available' >&2; exit 1"])
        let refusal = #expect(throws: WorkerLaunchError.self) { try refusing.submit(script: URL(fileURLWithPath: "/x.sh"), arguments: []) }
        #expect(refusal?.permanent == true)
        #expect(refusal?.message.contains("Memory required") == true)
        let down = try cluster(["sbatch": "echo 'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)' >&2; exit 1"])
        let failure = #expect(throws: WorkerLaunchError.self) { try down.submit(script: URL(fileURLWithPath: "/x.sh"), arguments: []) }
        #expect(failure?.permanent == false)
    }

    @Test func aJobTheControllerForgotIsAskedOfAccounting() throws {
        let slurm = try cluster(["scontrol": "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1",
                                 "sacct": "echo 'TIMEOUT|0:0|node9'"])
        #expect(try slurm.query("17") == SlurmJobInfo(state: "TIMEOUT", exitCode: 0, signal: 0, node: "node9"))
    }

    @Test func aJobNobodyKnowsIsNil() throws {
        let slurm = try cluster(["scontrol": "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1",
                                 "sacct": "echo 'sacct: error: Slurm accounting storage is disabled' >&2; exit 1"])
        #expect(try slurm.query("17") == nil)
    }

    @Test func anUnreachableControllerIsAnErrorNotAnAnswer() throws {
        let slurm = try cluster(["scontrol": "echo 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' >&2; exit 1"])
        #expect(throws: CommandError.self) { try slurm.query("17") }
    }

    @Test func onlyThisSpoolsJobsAreListed() throws {
        let slurm = try cluster(["squeue": """
            echo '5|ptune job aa attempt 1 spool /srv/spool'
            echo '6|ptune job bb attempt 1 spool /srv/other'
            echo '7|someone else'
            """])
        let listed = try slurm.ptuneJobs(spool: URL(fileURLWithPath: "/srv/spool"))
        #expect(listed.map(\.id) == ["5"])
    }

    @Test func aHungCommandIsStoppedAtItsTimeLimit() throws {
        let slurm = try fake.cluster(["scontrol": "sleep 30"], timeout: 0.5)
        let started = Date()
        #expect(throws: CommandError.self) { try slurm.query("1") }
        #expect(Date().timeIntervalSince(started) < 10)
    }
}
