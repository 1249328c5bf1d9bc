@testable import Daemon
import Foundation
import Glibc
import TestSupport
import Testing

/// Against a directory tree laid out like a cgroup v2 mount (the kernel's control files written in
/// advance where the kernel would make them), since the test machine's own cgroups may be v1.
struct DelegatedCgroupTests {
    /// A fake mount holding `system.slice/ptune.service` with the given controllers.
    struct FakeMount {
        let mount: String
        let group: String
        let membership: String

        init(controllers: String = "cpu memory pids", in: String = "/system.slice/ptune.service") throws {
            mount = TestEnvironment.temporaryDirectory("cgroup").path
            group = mount + `in`
            membership = mount + "/self-cgroup"
            try Self.write(mount + "/cgroup.controllers", "cpu memory pids io\n")
            try Self.write(group + "/cgroup.controllers", controllers + "\n")
            try Self.write(group + "/cgroup.procs", "")
            try Self.write(group + "/cgroup.subtree_control", "")
            try Self.write(membership, "0::\(`in`)\n")
        }

        /// A group as the kernel makes it on mkdir: with its control files.
        func kernelGroup(_ name: String, swap: Bool = true) throws {
            var files = ["cgroup.procs", "memory.max", "memory.oom.group", "memory.events"]
            if swap { files.append("memory.swap.max") }
            for file in files { try Self.write(group + "/" + name + "/" + file, "") }
        }

        static func write(_ path: String, _ text: String) throws {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        }

        func read(_ relative: String) -> String? { try? String(contentsOfFile: group + "/" + relative, encoding: .utf8) }
    }

    @Test func findsTheDelegatedGroupOfTheProcess() throws {
        let fake = try FakeMount()
        let found = try DelegatedCgroup.detect(mount: fake.mount, membership: fake.membership).get()
        #expect(found.path == fake.group)
        try FakeMount.write(fake.membership, "0::/system.slice/ptune.service/daemon\n")
        #expect(try DelegatedCgroup.detect(mount: fake.mount, membership: fake.membership).get().path == fake.group)
    }

    @Test func explainsWhyThereIsNone() throws {
        func reason(_ fake: FakeMount) -> String? {
            if case .failure(let why) = DelegatedCgroup.detect(mount: fake.mount, membership: fake.membership) {
                return why.description
            }
            return nil
        }
        let v1 = try FakeMount()
        try FileManager.default.removeItem(atPath: v1.mount + "/cgroup.controllers")
        #expect(reason(v1) == "\(v1.mount) is not a cgroup v2 hierarchy")
        let noMemory = try FakeMount(controllers: "cpu pids")
        #expect(reason(noMemory) == "the memory controller is not available in \(noMemory.group)")
        let notDelegated = try FakeMount()
        try FileManager.default.removeItem(atPath: notDelegated.group + "/cgroup.subtree_control")
        #expect(reason(notDelegated)?.hasSuffix("is not writable (not delegated: Delegate= in the unit)") == true)
        let hybrid = try FakeMount()
        try FakeMount.write(hybrid.membership, "4:memory:/user.slice\n1:name=systemd:/\n")
        #expect(reason(hybrid) == "the process is in no cgroup v2 group")
    }

    @Test func prepareMovesTheDaemonIntoALeafAndEnablesControllers() throws {
        let fake = try FakeMount(controllers: "memory pids")
        try fake.kernelGroup("daemon")
        try FileManager.default.createDirectory(atPath: fake.group + "/job-stale-1", withIntermediateDirectories: true)
        try fake.kernelGroup("job-busy-2")
        let cgroup = try DelegatedCgroup.detect(mount: fake.mount, membership: fake.membership).get()
        try cgroup.prepare(pid: 4242)
        #expect(fake.read("daemon/cgroup.procs") == "4242")
        #expect(fake.read("cgroup.subtree_control") == "+memory +pids")
        #expect(!FileManager.default.fileExists(atPath: fake.group + "/job-stale-1"))
        #expect(FileManager.default.fileExists(atPath: fake.group + "/job-busy-2"))
    }

    @Test func aJobGroupCapsMemoryAndSwapAndReportsTheKernelsVerdict() throws {
        let fake = try FakeMount()
        try fake.kernelGroup("job-abc-1")
        let cgroup = try DelegatedCgroup.detect(mount: fake.mount, membership: fake.membership).get()
        let group = try cgroup.makeJobGroup(jobID: "abc", attempt: 1, memoryMB: 512)
        #expect(group.path == fake.group + "/job-abc-1")
        #expect(fake.read("job-abc-1/memory.max") == String(512 * 1_048_576))
        #expect(fake.read("job-abc-1/memory.swap.max") == "0")
        #expect(fake.read("job-abc-1/memory.oom.group") == "1")
        try group.add(pid: 99)
        #expect(fake.read("job-abc-1/cgroup.procs") == "99")

        try FakeMount.write(group.path + "/memory.events", "low 0\nhigh 0\nmax 3\noom 0\noom_kill 0\n")
        #expect(!group.oomKilled)
        try FakeMount.write(group.path + "/memory.events", "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n")
        #expect(group.oomKilled)
        #expect(group.peakMB == nil)
        try FakeMount.write(group.path + "/memory.peak", "314572800\n")
        #expect(group.peakMB == 300)
    }

    @Test func withoutSwapAccountingTheSwapCapIsSkipped() throws {
        let fake = try FakeMount()
        try fake.kernelGroup("job-x-2", swap: false)
        let cgroup = try DelegatedCgroup.detect(mount: fake.mount, membership: fake.membership).get()
        _ = try cgroup.makeJobGroup(jobID: "x", attempt: 2, memoryMB: 64)
        #expect(fake.read("job-x-2/memory.max") == String(64 << 20))
        #expect(!FileManager.default.fileExists(atPath: fake.group + "/job-x-2/memory.swap.max"))
    }

    @Test func aControlFileThatCannotBeWrittenIsAnError() throws {
        let fake = try FakeMount()
        let cgroup = try DelegatedCgroup.detect(mount: fake.mount, membership: fake.membership).get()
        try FileManager.default.createDirectory(atPath: fake.group + "/job-y-1", withIntermediateDirectories: true)
        #expect {
            _ = try cgroup.makeJobGroup(jobID: "y", attempt: 1, memoryMB: 64)
        } throws: { error in
            (error as? CgroupError)?.description == "cannot open \(fake.group)/job-y-1/memory.max: No such file or directory"
        }
    }
}
