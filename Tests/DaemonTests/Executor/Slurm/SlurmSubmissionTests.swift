@testable import Daemon
import Foundation
import Store
import Testing

struct SlurmSubmissionTests {
    let job = JobRecord(id: "ab12cd", bundleSHA256: "ab12cd" + String(repeating: "0", count: 58), name: "sst2 it's",
                        spoolName: "sst2", state: .queued, priority: 5, threads: 3, memoryMB: 2048,
                        wallTimeSeconds: 3601, model: nil, kind: nil, submittedAt: Date())

    var submission: SlurmSubmission {
        let launch = WorkerLaunch(job: job, attempt: 2, directory: URL(fileURLWithPath: "/srv/spool/active/ab12cd"),
                                  spool: URL(fileURLWithPath: "/srv/spool"),
                                  executable: "/opt/ptune dir/ptune",
                                  arguments: ["worker", "--job-dir", "/srv/spool/active/ab12cd"],
                                  environment: ["PTUNE_MODELS": "/models/it's", "OPENBLAS_NUM_THREADS": "3"])
        return SlurmSubmission(launch: launch, settings: SlurmSettings(sbatchArguments: ["--partition=cpu"]))
    }

    @Test func theJobsLimitsBecomeSlurmsOwn() {
        let arguments = submission.arguments
        for expected in ["--cpus-per-task=3", "--mem=2048M", "--time=61", "--nice=15", "--no-requeue",
                         "--job-name=sst2 it's", "--comment=ptune job ab12cd attempt 2 spool /srv/spool",
                         "--output=/srv/spool/active/ab12cd/slurm-attempt-2.out",
                         "--error=/srv/spool/active/ab12cd/slurm-attempt-2.err", "--chdir=/srv/spool/active/ab12cd"] {
            #expect(arguments.contains(expected), "missing \(expected)")
        }
        #expect(arguments.first == "--parsable")
        #expect(arguments.last == "--partition=cpu")
    }

    @Test func wallTimeIsRoundedUpToWholeMinutes() {
        #expect(SlurmSubmission.minutes(1) == 1)
        #expect(SlurmSubmission.minutes(60) == 1)
        #expect(SlurmSubmission.minutes(61) == 2)
        #expect(SlurmSubmission.minutes(6 * 3600) == 360)
        #expect(SlurmSubmission.minutes(Int.max) == Int.max / 60 + 1, "no overflow")
    }

    @Test func theScriptExecsTheWorkerWithItsEnvironmentQuoted() throws {
        let text = submission.scriptText
        #expect(text.hasPrefix("#!/bin/sh\n"))
        #expect(text.contains("export PTUNE_MODELS='/models/it'\\''s'\n"))
        #expect(text.contains("exec '/opt/ptune dir/ptune' 'worker' '--job-dir' '/srv/spool/active/ab12cd'\n"))
        // The shell reads the quoting back as the original words.
        let echo = Process()
        echo.executableURL = URL(fileURLWithPath: "/bin/sh")
        echo.arguments = ["-c", "printf '%s|' " + SlurmSubmission.quoted("a 'b' $c \\d")]
        let out = Pipe()
        echo.standardOutput = out
        try echo.run()
        echo.waitUntilExit()
        #expect(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "a 'b' $c \\d|")
    }
}
