import Foundation
import Glibc

/// The cgroup v2 subtree the daemon may manage, when systemd delegated one to it (`Delegate=` in the
/// unit): each worker then runs in a child group of its own whose `memory.max` is the job's memory
/// limit, enforced by the kernel. Without one (cgroup v1, no delegation, no write access) the daemon
/// falls back to watching each worker's resident size.
///
/// Layout under the daemon's group `G`: the daemon moves itself into `G/daemon` (cgroup v2 lets a
/// group with controllers enabled for its children hold no processes itself), enables the memory
/// controller (and pids, cpu when offered) in `G/cgroup.subtree_control`, and makes `G/job-ID-N`
/// for attempt N of a job.
public struct DelegatedCgroup: Sendable {
    /// The daemon's own group, e.g. /sys/fs/cgroup/system.slice/ptune.service.
    public let path: String

    /// The delegated group the process runs in, or nil with the reason there is none.
    ///
    /// - Parameters:
    ///   - mount: where the cgroup v2 hierarchy is mounted.
    ///   - membership: the process's /proc/PID/cgroup.
    public static func detect(mount: String = "/sys/fs/cgroup", membership: String = "/proc/self/cgroup")
        -> Result<DelegatedCgroup, Unavailable> {
        guard let lines = try? String(contentsOfFile: membership, encoding: .utf8) else {
            return .failure(Unavailable("\(membership) is unreadable"))
        }
        guard let entry = lines.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else {
            return .failure(Unavailable("the process is in no cgroup v2 group"))
        }
        let relative = String(entry.dropFirst(3))
        var path = mount + (relative == "/" ? "" : relative)
        // A group the daemon already moved itself out of, on an earlier start in the same unit.
        if path.hasSuffix("/" + daemonLeaf) { path = String(path.dropLast(daemonLeaf.count + 1)) }
        guard access(mount + "/cgroup.controllers", R_OK) == 0 else {
            return .failure(Unavailable("\(mount) is not a cgroup v2 hierarchy"))
        }
        guard let offered = try? String(contentsOfFile: path + "/cgroup.controllers", encoding: .utf8),
              offered.split(whereSeparator: \.isWhitespace).contains("memory") else {
            return .failure(Unavailable("the memory controller is not available in \(path)"))
        }
        for file in ["", "/cgroup.procs", "/cgroup.subtree_control"] where access(path + file, W_OK) != 0 {
            return .failure(Unavailable("\(path + file) is not writable (not delegated: Delegate= in the unit)"))
        }
        return .success(DelegatedCgroup(path: path))
    }

    /// Why no delegated group is available.
    public struct Unavailable: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    static let daemonLeaf = "daemon"

    /// Moves the daemon into its leaf group, enables the controllers for the job groups, and removes
    /// job groups an earlier run left behind empty.
    public func prepare(pid: pid_t = getpid()) throws {
        let leaf = path + "/" + Self.daemonLeaf
        if access(leaf, F_OK) != 0 { try Self.makeGroup(leaf) }
        try Self.write("\(pid)", to: leaf + "/cgroup.procs")
        let offered = (try? String(contentsOfFile: path + "/cgroup.controllers", encoding: .utf8)) ?? ""
        let wanted = ["memory", "pids", "cpu"].filter { offered.split(whereSeparator: \.isWhitespace).contains(Substring($0)) }
        try Self.write(wanted.map { "+" + $0 }.joined(separator: " "), to: path + "/cgroup.subtree_control")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] where name.hasPrefix(JobCgroup.prefix) {
            rmdir(path + "/" + name)
        }
    }

    /// A fresh group for attempt `attempt` of job `jobID`, its memory capped at `memoryMB`
    /// (swap included: none beyond it).
    public func makeJobGroup(jobID: String, attempt: Int, memoryMB: Int) throws -> JobCgroup {
        let group = path + "/" + JobCgroup.prefix + "\(jobID)-\(attempt)"
        if access(group, F_OK) != 0 { try Self.makeGroup(group) }
        try Self.write(String(memoryMB << 20), to: group + "/memory.max")
        if access(group + "/memory.swap.max", F_OK) == 0 { try Self.write("0", to: group + "/memory.swap.max") }
        if access(group + "/memory.oom.group", F_OK) == 0 { try Self.write("1", to: group + "/memory.oom.group") }
        return JobCgroup(path: group)
    }

    static func makeGroup(_ path: String) throws {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw CgroupError(path: path, operation: "create") }
    }

    /// Writes `value` into a cgroup control file (one write, as the kernel expects).
    static func write(_ value: String, to file: String) throws {
        let fd = open(file, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CgroupError(path: file, operation: "open") }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw CgroupError(path: file, operation: "write \"\(value)\" to")
        }
    }
}

/// One worker's group: the process is moved in right after it starts; after it ended, whether the
/// kernel killed it for memory, and removal.
public struct JobCgroup: Sendable {
    static let prefix = "job-"
    public let path: String

    /// Moves process `pid` into the group.
    public func add(pid: pid_t) throws {
        try DelegatedCgroup.write("\(pid)", to: path + "/cgroup.procs")
    }

    /// The kernel OOM-killed a process of the group (memory.events: oom_kill above 0).
    public var oomKilled: Bool {
        guard let events = try? String(contentsOfFile: path + "/memory.events", encoding: .utf8) else { return false }
        return events.split(separator: "\n").contains { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 && parts[0] == "oom_kill" && (Int(parts[1]) ?? 0) > 0
        }
    }

    /// The group's peak memory in MB (memory.peak, Linux 5.19 and later), if known.
    public var peakMB: Double? {
        guard let text = try? String(contentsOfFile: path + "/memory.peak", encoding: .utf8),
              let bytes = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return bytes / 1_048_576
    }

    /// Removes the group once its processes are gone (best effort).
    public func remove() {
        rmdir(path)
    }
}

/// A cgroup file or folder that could not be made, opened or written.
public struct CgroupError: Error, CustomStringConvertible {
    public let path: String
    public let operation: String
    /// errno of the failed call.
    public let code: Int32

    init(path: String, operation: String) {
        self.path = path
        self.operation = operation
        code = errno
    }

    public var description: String { "cannot \(operation) \(path): \(String(cString: strerror(code)))" }
}
