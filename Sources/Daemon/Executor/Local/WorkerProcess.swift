import Base
import Foundation
import Glibc

/// A child process with its stdout and stderr on non-blocking pipes, polled by the daemon's loop:
/// no threads per child, no blocking reads. Spawned with posix_spawn in a process group of its own,
/// so a signal reaches it and anything it starts.
public final class WorkerProcess: WorkerHandle {
    /// The process id (also its process group's).
    public let processID: pid_t
    private let stdoutFD: Int32
    private let stderrFD: Int32
    private var stdoutBuffer = LineBuffer()
    private(set) public var exitStatus: Int32?
    /// The signal that killed it, when one did.
    private(set) public var terminatingSignal: Int32?
    public let startedAt: Date

    /// Starts `executable` with `arguments`, the daemon's environment plus `environment`.
    public init(executable: String, arguments: [String], environment: [String: String]) throws {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw WorkerSpawnError(executable: executable, code: errno)
        }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)

        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        var rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        // A program still open for writing somewhere (just installed, or its writer's descriptor
        // inherited by a process forked meanwhile) cannot run for a moment (ETXTBSY): try again briefly.
        for _ in 0..<20 where rc == ETXTBSY {
            usleep(50_000)
            rc = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        }
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw WorkerSpawnError(executable: executable, code: rc)
        }
        processID = child
        stdoutFD = outPipe[0]
        stderrFD = errPipe[0]
        _ = fcntl(stdoutFD, F_SETFL, fcntl(stdoutFD, F_GETFL) | O_NONBLOCK)
        _ = fcntl(stderrFD, F_SETFL, fcntl(stderrFD, F_GETFL) | O_NONBLOCK)
        startedAt = Date()
    }

    deinit {
        close(stdoutFD)
        close(stderrFD)
    }

    public var pid: pid_t? { processID }
    public var clusterJobID: String? { nil }
    public var node: String? { nil }
    public var clusterVerdict: ClusterVerdict? { nil }

    /// Complete lines written to stdout since the last call.
    public func readLines() -> [Data] {
        stdoutBuffer.append(Self.drain(stdoutFD))
    }

    /// Bytes written to stdout since the last call, lines or not.
    public func readOutput() -> Data {
        stdoutBuffer.takeRest() + Self.drain(stdoutFD)
    }

    /// Bytes written to stderr since the last call.
    public func readErrorOutput() -> Data { Self.drain(stderrFD) }

    private static func drain(_ fd: Int32) -> Data {
        var out = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { out.append(contentsOf: buffer[0..<n]) } else { break }
        }
        return out
    }

    /// Reaps the child if it exited; true once it has.
    public func poll() -> Bool {
        if exitStatus != nil || terminatingSignal != nil { return true }
        var status: Int32 = 0
        guard waitpid(processID, &status, WNOHANG) == processID else { return false }
        if status & 0x7F == 0 {
            exitStatus = (status >> 8) & 0xFF
        } else {
            terminatingSignal = status & 0x7F
        }
        return true
    }

    /// Sends `signal` to the worker's process group.
    public func send(_ signal: Int32) {
        kill(-processID, signal)
    }

    /// Resident set size in MB from /proc (nil once the process is gone).
    public var residentMegabytes: Double? { ResourceUsage.residentMegabytes(pid: processID) }
}

public struct WorkerSpawnError: Error, CustomStringConvertible {
    public let executable: String
    public let code: Int32
    public var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
}
