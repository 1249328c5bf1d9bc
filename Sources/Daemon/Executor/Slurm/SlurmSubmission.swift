import Foundation

/// The batch script and sbatch arguments for one attempt of a job. The job's limits become Slurm's:
/// threads -> --cpus-per-task, memory -> --mem, wall time -> --time (whole minutes, rounded up),
/// priority (-20 .. 20, higher first) -> --nice (0 .. 40, lower first: never negative, which
/// would need an operator's rights).
struct SlurmSubmission {
    let launch: WorkerLaunch
    let settings: SlurmSettings

    /// slurm-attempt-N.sh, .out (the worker's JSON lines) and .err in the job's folder.
    var script: URL { file("sh") }
    var output: URL { file("out") }
    var errorOutput: URL { file("err") }

    private func file(_ ext: String) -> URL {
        Self.file(directory: launch.directory, attempt: launch.attempt, ext: ext)
    }

    static func file(directory: URL, attempt: Int, ext: String) -> URL {
        directory.appendingPathComponent("slurm-attempt-\(attempt).\(ext)")
    }

    /// A POSIX shell script that sets the worker's environment and execs it (so Slurm's signals
    /// reach the worker itself).
    var scriptText: String {
        var lines = ["#!/bin/sh", "# ptune job \(launch.job.id) (\(launch.job.name)), attempt \(launch.attempt); written by ptune serve"]
        for (key, value) in launch.environment.sorted(by: { $0.key < $1.key }) {
            lines.append("export \(key)=\(Self.quoted(value))")
        }
        lines.append("exec " + ([launch.executable] + launch.arguments).map(Self.quoted).joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }

    var arguments: [String] {
        let job = launch.job
        return ["--parsable",
                "--job-name=\(job.name)",
                "--comment=\(SlurmCluster.comment(jobID: job.id, attempt: launch.attempt, spool: launch.spool))",
                "--cpus-per-task=\(job.threads)",
                "--mem=\(job.memoryMB)M",
                "--time=\(Self.minutes(job.wallTimeSeconds))",
                "--nice=\(20 - job.priority)",
                "--no-requeue",
                "--chdir=\(launch.directory.path)",
                "--output=\(output.path)",
                "--error=\(errorOutput.path)"] + settings.sbatchArguments
    }

    /// Seconds as Slurm's --time in whole minutes, rounded up (at least 1).
    static func minutes(_ seconds: Int) -> Int { max(1, seconds / 60 + (seconds % 60 > 0 ? 1 : 0)) }

    /// `value` in single quotes for sh.
    static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
