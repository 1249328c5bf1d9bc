import Foundation
import Glibc

/// How the daemon uses a Slurm cluster (`executor = "slurm"`).
public struct SlurmSettings: Sendable, Equatable {
    /// Extra `sbatch` arguments for every job, e.g. ["--partition=cpu", "--account=ml"].
    public var sbatchArguments: [String] = []
    /// Seconds between two state queries of one job.
    public var pollSeconds: Double = 5
    /// The `ptune` binary as the nodes see it (default: the daemon's own, which must then be on the
    /// shared filesystem or installed at the same path on every node).
    public var workerExecutable: String?
    /// Where sbatch, scontrol, sacct, squeue and scancel are (default: PATH).
    public var binDirectory: String?

    public init(sbatchArguments: [String] = [], pollSeconds: Double = 5, workerExecutable: String? = nil,
                binDirectory: String? = nil) {
        self.sbatchArguments = sbatchArguments
        self.pollSeconds = pollSeconds
        self.workerExecutable = workerExecutable
        self.binDirectory = binDirectory
    }
}

extension SlurmSettings {
    /// The Slurm commands the daemon needs.
    public static let commands = ["sbatch", "scontrol", "scancel", "squeue"]

    /// Those of `commands` that cannot be found (in `binDirectory`, or else in PATH).
    public func missingCommands() -> [String] {
        Self.commands.filter { name in
            (try? CommandRunner.locate(binDirectory.map { "\($0)/\(name)" } ?? name))
                .map { access($0, X_OK) != 0 } ?? true
        }
    }
}
