import Base
import Foundation
import Glibc
import TestSupport

/// Runs the real `ptune` binary against a temporary spool, with a tiny random model, for tests.
final class ServiceHarness: @unchecked Sendable {
    let root: URL
    let spool: URL
    let models: URL
    private(set) var daemon: Process?
    private var daemonLog: FileHandle?
    /// `setpriv` options that run the daemon as another user (the multi-user tests); empty: as this one.
    var runAs: [String] = []
    /// The binary the daemon runs (a copy other users can run, in the multi-user tests).
    var executable = ServiceHarness.binary

    /// The ptune binary the tests run (`TestEnvironment.ptuneBinary`).
    static let binary = TestEnvironment.ptuneBinary

    init(hiddenSize: Int = 16, layers: Int = 2) throws {
        root = TestEnvironment.temporaryDirectory("ptune-service")
        spool = root.appendingPathComponent("spool")
        models = root.appendingPathComponent("models")
        try TinyModelFolder.write(to: models.appendingPathComponent("tiny"), hiddenSize: hiddenSize, layers: layers)
    }

    deinit {
        if let daemon, daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: root)
    }

    var logPath: String { root.appendingPathComponent("daemon.log").path }

    /// Starts `ptune serve` and waits until it wrote its first status (it has recovered and is ready).
    /// With `mayDie`, a daemon that exits before that (a planned crash) is no error.
    /// `environment`: variables added to the daemon's (and so its workers').
    func start(extra: [String] = [], environment: [String: String] = [:], mayDie: Bool = false) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: runAs.isEmpty ? executable : "/usr/bin/setpriv")
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        p.arguments = (runAs.isEmpty ? [] : runAs + ["--", executable])
            + ["serve", "--spool", spool.path, "--models", models.path, "--cores", "2", "--memory", "4096",
               "--max-jobs", "2", "--stop-timeout", "20"] + extra
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        daemon = p
        daemonLog = log
        let status = spool.appendingPathComponent("control/status.json")
        try? FileManager.default.removeItem(at: status)
        try wait(seconds: 30, "daemon ready") { FileManager.default.fileExists(atPath: status.path) || !p.isRunning }
        if !p.isRunning, !mayDie { throw HarnessError("the daemon exited at start (status \(p.terminationStatus))") }
    }

    /// Writes `toml` as the daemon's config file (`--config`) under the test's folder; returns its path.
    func configFile(_ toml: String) throws -> String {
        let path = root.appendingPathComponent("ptune.toml").path
        try AtomicFile.write(Data(toml.utf8), to: path)
        return path
    }

    /// The spool's incoming/, so bundles can be submitted before the daemon first starts.
    func makeSpool() throws {
        try FileManager.default.createDirectory(at: spool.appendingPathComponent("incoming"), withIntermediateDirectories: true)
    }

    /// Waits for a daemon that is to die by itself (a planned crash); returns false if it still runs
    /// after `seconds`.
    func waitForDaemonExit(seconds: Double) -> Bool {
        guard let daemon else { return true }
        let deadline = Date().addingTimeInterval(seconds)
        while daemon.isRunning, Date() < deadline { usleep(20_000) }
        if daemon.isRunning { return false }
        self.daemon = nil
        return true
    }

    /// Sends `signal` to the daemon and, for SIGTERM/SIGKILL, waits for it to exit; returns its status.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM, timeout: Double = 40) throws -> Int32 {
        guard let daemon else { return -1 }
        kill(daemon.processIdentifier, signal)
        try wait(seconds: timeout, "daemon exit") { !daemon.isRunning }
        self.daemon = nil
        return daemon.terminationStatus
    }

    /// Runs `ptune ARGS` to completion; returns (status, stdout, stderr).
    @discardableResult
    func cli(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// `ptune submit` of a bundle folder written from `files` (name -> contents).
    @discardableResult
    func submit(_ name: String, files: [String: String]) throws -> String {
        let dir = try write(files, to: root.appendingPathComponent("src").appendingPathComponent(name))
        try madeEarlier(dir)
        let r = try cli(["submit", "--spool", spool.path, dir.path])
        guard r.status == 0 else { throw HarnessError("submit failed: \(r.err)") }
        return name
    }

    /// Dates `dir` and everything in it a minute back, as a bundle made before it is submitted is:
    /// `ptune submit` keeps the times, so the daemon takes it in at once even when it finds it by a
    /// scan (a bundle submitted before the daemon starts) instead of waiting for it to settle.
    private func madeEarlier(_ dir: URL) throws {
        let earlier: [FileAttributeKey: Any] = [.modificationDate: Date().addingTimeInterval(-60)]
        let inside = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? []
        for url in inside.reversed() + [dir] { try FileManager.default.setAttributes(earlier, ofItemAtPath: url.path) }
    }

    /// A bundle folder at `dir` holding `files` (name -> contents).
    @discardableResult
    func write(_ files: [String: String], to dir: URL) throws -> URL {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (file, text) in files {
            let url = dir.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.write(Data(text.utf8), to: url.path)
        }
        return dir
    }

    /// The running workers, from `ptune status --json`.
    func workers() throws -> [(jobID: String, pid: Int)] {
        let s = try cli(["status", "--spool", spool.path, "--json"])
        let daemon = (try? JSONSerialization.jsonObject(with: Data(s.out.utf8)) as? [String: Any])?["daemon"] as? [String: Any]
        return (daemon?["workers"] as? [[String: Any]])?.compactMap { worker in
            guard let id = worker["job_id"] as? String, let pid = worker["pid"] as? Int else { return nil }
            return (id, pid)
        } ?? []
    }

    /// The history as JSON objects.
    func history() throws -> [[String: Any]] {
        let r = try cli(["history", "--spool", spool.path, "--json"])
        guard r.status == 0 else { throw HarnessError("history failed: \(r.err)") }
        return (try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]]) ?? []
    }

    func job(named name: String) throws -> [String: Any]? {
        try history().first { $0["name"] as? String == name }
    }

    /// Waits until the job named `name` is in one of `states`; returns its row.
    @discardableResult
    func waitForJob(_ name: String, in states: Set<String>, seconds: Double = 120) throws -> [String: Any] {
        var row: [String: Any]?
        try wait(seconds: seconds, "job \(name) in \(states)") {
            row = try? job(named: name)
            return (row?["state"] as? String).map(states.contains) ?? false
        }
        return row!
    }

    func wait(seconds: Double, _ what: String, until condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            usleep(100_000)
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw HarnessError("timed out waiting for \(what); daemon log tail:\n\(log.suffix(3000))")
    }

    /// Starts the daemon planned to crash (SIGKILL itself) just before its durable step `n`, stops it
    /// if it did not, starts it again and waits until the job `name` has ended; whether it crashed.
    func crashAndRecover(at n: Int, waitingFor name: String) throws -> Bool {
        try start(extra: ["--fault-plan", "crash@\(n)"], mayDie: true)
        let crashed = waitForDaemonExit(seconds: 60)
        if !crashed { try stop() }
        try start()
        try waitForJob(name, in: ["succeeded", "failed", "rejected"], seconds: 120)
        return crashed
    }

    /// Waits until the running job has written a checkpoint.
    func waitForCheckpoint(jobID id: String) throws {
        try wait(seconds: 60, "a checkpoint") {
            let dir = spool.appendingPathComponent("active/\(id)/checkpoints")
            return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).contains { $0.hasPrefix("checkpoint-") }
        }
    }

    func contents(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool.appendingPathComponent(folder).path)) ?? []).sorted()
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
