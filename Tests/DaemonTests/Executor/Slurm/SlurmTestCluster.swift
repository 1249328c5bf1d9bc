import Foundation
import Glibc
import TestSupport

/// A one-node Slurm cluster for the integration tests, started by scripts/slurm-cluster.sh in a
/// folder of its own and stopped at the end.
final class SlurmTestCluster {
    static let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/slurm-cluster.sh").path

    /// Why no cluster can run here (Slurm or munge not installed, not root), or nil.
    static let unavailable: String? = {
        let check = run([script, "check"], environment: [:])
        return check.status == 0 ? nil : "Slurm integration tests skipped: " + check.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }()

    let directory: URL
    /// SLURM_CONF for every Slurm command and for the daemon.
    let environment: [String: String]

    init() throws {
        directory = TestEnvironment.temporaryDirectory("slurm")
        let port = 20_000 + Int.random(in: 0..<20_000)
        let started = Self.run([Self.script, "start", directory.path], environment: ["SLURM_TEST_PORT": String(port), "SLURM_TEST_CPUS": "8"])
        guard started.status == 0 else {
            Self.run([Self.script, "stop", directory.path], environment: [:])
            throw HarnessError("cannot start the Slurm test cluster: \(started.output)")
        }
        environment = ["SLURM_CONF": directory.appendingPathComponent("slurm.conf").path]
    }

    deinit {
        Self.run([Self.script, "stop", directory.path], environment: [:])
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs a Slurm command (scancel, scontrol, squeue) against this cluster.
    @discardableResult
    func command(_ arguments: [String]) -> (status: Int32, output: String) {
        Self.run(arguments, environment: environment)
    }

    /// Runs `arguments` (a program and its arguments) with `environment` added; output and errors together.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do {
            try p.run()
        } catch {
            return (127, "\(error)")
        }
        let output = out.fileHandleForReading.readDataToEndOfFile() + err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
