import Foundation

/// What Slurm says of one job, from `scontrol show job -o` or `sacct`.
struct SlurmJobInfo: Equatable, Sendable {
    /// The job state's name: PENDING, RUNNING, COMPLETED, TIMEOUT, ...
    var state: String
    /// The batch script's exit code and the signal that ended it (ExitCode=code:signal).
    var exitCode: Int32?
    var signal: Int32?
    /// The node running it; nil while pending.
    var node: String?

    /// How the job stands, for the daemon.
    enum Outcome: Equatable {
        /// Pending or running (or in a state the daemon waits out).
        case live
        /// The worker exited with this status.
        case exited(Int32)
        /// The worker was killed by this signal.
        case signalled(Int32)
        /// Slurm ended it on its own account.
        case verdict(ClusterVerdict)
    }

    /// The mapping of Slurm's job states onto the daemon's outcomes.
    var outcome: Outcome {
        switch state {
        case "COMPLETED":
            return .exited(exitCode ?? 0)
        case "FAILED":
            if let signal, signal != 0 { return .signalled(signal) }
            return .exited(exitCode ?? 1)
        case "TIMEOUT", "DEADLINE":
            return .verdict(.timedOut)
        case "OUT_OF_MEMORY":
            return .verdict(.memoryExceeded)
        case "CANCELLED":
            return .verdict(.cancelled(detail: "cancelled in Slurm, not through ptune (scancel or an administrator)"))
        case "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "REVOKED":
            return .verdict(.requeue(detail: "Slurm ended the job with \(state)\(node.map { " on node \($0)" } ?? "")"))
        default:
            // PENDING, CONFIGURING, RUNNING, COMPLETING, SUSPENDED, REQUEUED, RESIZING, SIGNALING,
            // STAGE_OUT, STOPPED and any state Slurm adds later: wait for a final one.
            return .live
        }
    }

    /// Reads one line of `scontrol show job -o ID` (space-separated Key=Value fields).
    static func parseScontrol(_ line: String) -> SlurmJobInfo? {
        var fields: [Substring: Substring] = [:]
        for field in line.split(separator: " ") {
            guard let equals = field.firstIndex(of: "=") else { continue }
            let key = field[..<equals]
            if fields[key] == nil { fields[key] = field[field.index(after: equals)...] }
        }
        guard let state = fields["JobState"], !state.isEmpty else { return nil }
        let (code, signal) = parseExitCode(fields["ExitCode"])
        return SlurmJobInfo(state: String(state), exitCode: code, signal: signal, node: nodeName(fields["NodeList"]))
    }

    /// Reads one line of `sacct -n -P -X -o State,ExitCode,NodeList` ("CANCELLED by 0|0:15|node1").
    static func parseSacct(_ line: String) -> SlurmJobInfo? {
        let columns = line.split(separator: "|", omittingEmptySubsequences: false)
        guard columns.count >= 3, let state = columns[0].split(separator: " ").first else { return nil }
        let (code, signal) = parseExitCode(columns[1])
        return SlurmJobInfo(state: String(state), exitCode: code, signal: signal, node: nodeName(columns[2]))
    }

    private static func parseExitCode(_ text: Substring?) -> (Int32?, Int32?) {
        guard let parts = text?.split(separator: ":"), parts.count == 2 else { return (nil, nil) }
        return (Int32(parts[0]), Int32(parts[1]))
    }

    private static func nodeName(_ text: Substring?) -> String? {
        guard let text, !text.isEmpty, text != "(null)", text != "None assigned" else { return nil }
        return String(text)
    }
}
