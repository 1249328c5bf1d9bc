import Foundation

/// The Slurm commands the daemon uses, each run with a time limit.
struct SlurmCluster {
    let settings: SlurmSettings
    let runner: CommandRunner

    /// The comment every ptune submission carries: "ptune job JOB attempt N spool PATH" (the spool
    /// tells two daemons sharing a cluster account apart).
    static func comment(jobID: String, attempt: Int, spool: URL) -> String {
        "ptune job \(jobID) attempt \(attempt) spool \(spool.path)"
    }

    /// Submits `script` with `arguments`; returns the Slurm job id.
    func submit(script: URL, arguments: [String]) throws -> String {
        let result: CommandRunner.Result
        do {
            result = try run("sbatch", arguments + [script.path])
        } catch {
            throw WorkerLaunchError(message: "cannot submit to Slurm: \(error)", permanent: false)
        }
        let id = result.output.split(whereSeparator: \.isNewline).last.map { $0.split(separator: ";")[0] } ?? ""
        guard result.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            let message = result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            throw WorkerLaunchError(message: "sbatch refused the job: \(message.isEmpty ? "exit status \(result.status)" : message)",
                                    permanent: !Self.isUnreachable(message))
        }
        return String(id)
    }

    /// What Slurm knows of job `id`: `scontrol show job` while the controller remembers it, then
    /// `sacct` where accounting is kept; nil when neither knows it. Throws when Slurm cannot be asked.
    func query(_ id: String) throws -> SlurmJobInfo? {
        let shown = try run("scontrol", ["show", "job", "-o", id])
        if shown.status == 0, let line = shown.output.split(whereSeparator: \.isNewline).first,
           let info = SlurmJobInfo.parseScontrol(String(line)) {
            return info
        }
        if Self.isUnreachable(shown.errorOutput) {
            throw CommandError(command: "scontrol", message: shown.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard let accounted = try? run("sacct", ["-n", "-P", "-X", "-j", id, "-o", "State,ExitCode,NodeList"]),
              accounted.status == 0 else { return nil }
        return accounted.output.split(whereSeparator: \.isNewline).lazy.compactMap { SlurmJobInfo.parseSacct(String($0)) }.first
    }

    /// Sends `signal` (TERM: Slurm's own cancel, SIGTERM then SIGKILL after KillWait).
    func cancel(_ id: String, signal: String?) throws {
        let arguments = (signal.map { ["--signal=\($0)", "--full"] } ?? []) + [id]
        let result = try run("scancel", arguments)
        if result.status != 0 {
            throw CommandError(command: "scancel", message: result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// This user's pending and running jobs submitted by the daemon of `spool`: (Slurm id, comment).
    func ptuneJobs(spool: URL) throws -> [(id: String, comment: String)] {
        let result = try run("squeue", ["-h", "--me", "--states=PENDING,RUNNING,CONFIGURING,SUSPENDED", "-o", "%i|%k"])
        guard result.status == 0 else {
            throw CommandError(command: "squeue", message: result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.output.split(whereSeparator: \.isNewline).compactMap { line in
            let parts = line.split(separator: "|", maxSplits: 1)
            guard parts.count == 2, parts[1].hasPrefix("ptune job "), parts[1].hasSuffix(" spool \(spool.path)") else { return nil }
            return (String(parts[0]), String(parts[1]))
        }
    }

    private func run(_ program: String, _ arguments: [String]) throws -> CommandRunner.Result {
        try runner.run(settings.binDirectory.map { "\($0)/\(program)" } ?? program, arguments)
    }

    /// Messages of a controller that cannot be reached (as opposed to a refusal).
    static func isUnreachable(_ message: String) -> Bool {
        ["Unable to contact slurm controller", "Socket timed out", "Connection refused", "Zero Bytes were transmitted"]
            .contains { message.contains($0) }
    }
}
