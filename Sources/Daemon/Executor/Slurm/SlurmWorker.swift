import Base
import Foundation
import Glibc
import Logging
import Store

/// A worker running as a Slurm batch job. Its JSON lines and error output arrive through files in
/// the job's folder (on the filesystem the nodes share), read from where the last read stopped; its
/// state comes from Slurm, asked at most every `pollSeconds`.
final class SlurmWorker: WorkerHandle {
    let startedAt: Date
    private(set) var node: String?
    private(set) var exitStatus: Int32?
    private(set) var terminatingSignal: Int32?
    private(set) var clusterVerdict: ClusterVerdict?
    private let id: String
    private let cluster: SlurmCluster
    private let logger: Logger
    private let output: TailedFile
    private let errorOutput: TailedFile
    private var lineBuffer = LineBuffer()
    private var lastQuery = Date.distantPast
    private var ended = false
    private var signalsSent = Set<Int32>()

    init(id: String, outputFile: URL, errorFile: URL, cluster: SlurmCluster, logger: Logger, startedAt: Date = Date()) {
        self.id = id
        self.cluster = cluster
        self.logger = logger
        self.output = TailedFile(url: outputFile)
        self.errorOutput = TailedFile(url: errorFile)
        self.startedAt = startedAt
    }

    var pid: pid_t? { nil }
    var clusterJobID: String? { id }
    var residentMegabytes: Double? { nil }

    func readLines() -> [Data] {
        lineBuffer.append(output.readNew())
    }

    func readErrorOutput() -> Data { errorOutput.readNew() }

    func poll() -> Bool {
        if ended { return true }
        guard Date().timeIntervalSince(lastQuery) >= cluster.settings.pollSeconds else { return false }
        lastQuery = Date()
        let info: SlurmJobInfo?
        do {
            info = try cluster.query(id)
        } catch {
            logger.warning("cannot ask Slurm about a job; asking again later", metadata: ["slurm_job": "\(id)", "error": "\(error)"])
            return false
        }
        guard let info else {
            clusterVerdict = .requeue(detail: "Slurm no longer knows job \(id) (its controller forgot it and keeps no accounting)")
            ended = true
            return true
        }
        if let place = info.node { node = place }
        switch info.outcome {
        case .live:
            return false
        case .exited(let status):
            exitStatus = status
        case .signalled(let signal):
            terminatingSignal = signal
            // Without task/cgroup, Slurm's memory accounting kills an over-limit job with SIGKILL
            // and the state is FAILED, not OUT_OF_MEMORY; slurmstepd says why in the error file.
            if signal == SIGKILL, Self.reportsMemoryKill(errorOutput.url) { clusterVerdict = .memoryExceeded }
        case .verdict(let verdict):
            clusterVerdict = verdict
        }
        ended = true
        return true
    }

    /// SIGTERM: Slurm's cancel (SIGTERM, then SIGKILL after its KillWait); SIGKILL: at once. Each
    /// is sent once.
    func send(_ signal: Int32) {
        guard !ended, signalsSent.insert(signal).inserted else { return }
        do {
            try cluster.cancel(id, signal: signal == SIGKILL ? "KILL" : nil)
        } catch {
            signalsSent.remove(signal)
            logger.warning("scancel failed; trying again", metadata: ["slurm_job": "\(id)", "error": "\(error)"])
        }
    }
}

extension SlurmWorker {
    func verdictNote(_ verdict: ClusterVerdict, job: JobRecord) -> String {
        switch verdict {
        case .timedOut: " (Slurm counts whole minutes: --time=\(SlurmSubmission.minutes(job.wallTimeSeconds)))"
        case .memoryExceeded: " (Slurm: OUT_OF_MEMORY)"
        case .cancelled, .requeue: ""
        }
    }

    /// What slurmstepd writes into a job's error file when its memory accounting kills the job.
    static let memoryKillMessage = "Exceeded job memory limit"

    /// True when the last 64 KiB of the job's error file hold slurmstepd's memory-kill message.
    static func reportsMemoryKill(_ errorFile: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: errorFile) else { return false }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
        let tail = (try? handle.readToEnd()) ?? Data()
        return String(decoding: tail, as: UTF8.self).contains(memoryKillMessage)
    }
}

/// A file another process appends to, read from where the last read stopped.
final class TailedFile {
    let url: URL
    private var offset: UInt64 = 0

    init(url: URL) { self.url = url }

    /// Bytes appended since the last call (none while the file does not exist yet).
    func readNew() -> Data {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return Data() }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: offset)
            let data = try handle.readToEnd() ?? Data()
            offset += UInt64(data.count)
            return data
        } catch {
            return Data()
        }
    }
}
