import Foundation
import Glibc

/// Runs a short command (sbatch, scontrol, scancel, ...) to completion and captures its output. The
/// daemon's loop waits for it, so every run has a time limit, after which the command and anything
/// it started (its process group) are killed.
struct CommandRunner: Sendable {
    struct Result: Sendable {
        let status: Int32
        let output: String
        let errorOutput: String
    }

    /// Seconds a command may take.
    var timeout: Double = 20

    /// Runs `program` (looked up in PATH unless it holds a slash) with `arguments`.
    func run(_ program: String, _ arguments: [String]) throws -> Result {
        let process: WorkerProcess
        do {
            process = try WorkerProcess(executable: try Self.locate(program), arguments: arguments, environment: [:])
        } catch let error as WorkerSpawnError {
            throw CommandError(command: program, message: error.description)
        }
        let deadline = Date().addingTimeInterval(timeout)
        var output = Data(), errorOutput = Data()
        while !process.poll() {
            output.append(process.readOutput())
            errorOutput.append(process.readErrorOutput())
            if Date() >= deadline {
                process.send(SIGKILL)
                while !process.poll() { usleep(1_000) }
                throw CommandError(command: program, message: "no answer within \(timeout) s")
            }
            usleep(2_000)
        }
        output.append(process.readOutput())
        errorOutput.append(process.readErrorOutput())
        return Result(status: process.exitStatus ?? 128 + (process.terminatingSignal ?? 0),
                      output: String(decoding: output, as: UTF8.self),
                      errorOutput: String(decoding: errorOutput, as: UTF8.self))
    }

    /// The path of `program` in PATH.
    static func locate(_ program: String) throws -> String {
        if program.contains("/") { return program }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw CommandError(command: program, message: "not found in PATH (\(path))")
    }
}

/// A command that could not run or answer.
struct CommandError: Error, CustomStringConvertible {
    let command: String
    let message: String
    var description: String { "\(command): \(message)" }
}
