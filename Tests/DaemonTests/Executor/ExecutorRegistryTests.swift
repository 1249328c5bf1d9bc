import Base
@testable import Daemon
import Foundation
import Glibc
import Logging
import TestSupport
import Testing

/// Executors as registered kinds: the config file names one and gives it its own table, the kind
/// makes the executor, and the command line names workers through the registry.
@Suite struct ExecutorRegistryTests {
    private func config(_ text: String) throws -> String {
        let path = TestEnvironment.temporaryDirectory("ptune-config").appendingPathComponent("ptune.toml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func registry(_ clock: FakeClock) -> ExecutorRegistry {
        ExecutorRegistry(kinds: ExecutorRegistry.standard.kinds + [FakeExecutorKind(clock: clock)])
    }

    @Test func aRegisteredKindIsConfiguredFromItsOwnTableAndRunsTheJobs() throws {
        let path = try config("executor = \"fake\"\n\n[fake]\nexit_on_term = 3\n")
        var configured: FakeExecutor?
        let f = try SchedulerFixture { clock in
            let registry = self.registry(clock)
            let settings = try ServiceSettings.load(path: path, registry: registry)
            let name = try #require(settings.executor)
            let kind = try #require(registry.named(name))
            #expect(kind.defaultBudgets(cores: 2, memoryMB: 100) == ExecutorBudgets(cores: 3, memoryMB: 3000, maxJobs: 3))
            let made = try kind.makeExecutor(settings.table(for: kind), spool: URL(fileURLWithPath: "/"), logger: Logger(label: "test"))
            let executor = try #require(made as? FakeExecutor)
            configured = executor
            return executor
        }
        #expect(configured === f.executor)
        try f.submit("through-the-registry")
        try f.tick()
        try CancelRequests.request(try f.job("through-the-registry").id, spool: f.layout.root)
        try f.tick()
        #expect(f.executor.workers(of: "through-the-registry").map(\.exitStatus) == [3], "the [fake] table's exit status")
        #expect(try f.state("through-the-registry") == .cancelled)
    }

    @Test func anUnknownKeyInAnExecutorsTableNamesTheFileAndTheKey() throws {
        let path = try config("[fake]\nbogus = 1\n")
        do {
            _ = try ServiceSettings.load(path: path, registry: registry(FakeClock()))
            Issue.record("accepted fake.bogus")
        } catch let error as ActionableError {
            #expect(error.message == "\(path): unknown key fake.bogus")
            #expect(error.hint == "known keys: exit_on_term")
        }
    }

    @Test func anUnknownExecutorNameListsTheRegisteredOnes() throws {
        let path = try config("executor = \"k8s\"\n")
        do {
            _ = try ServiceSettings.load(path: path, registry: registry(FakeClock()))
            Issue.record("accepted executor k8s")
        } catch let error as ActionableError {
            #expect(error.message == "\(path): executor must be one of local, slurm, fake, got \"k8s\"")
        }
    }

    @Test func workersAreNamedByTheKindThatRunsThem() {
        let registry = ExecutorRegistry.standard
        #expect(registry.describeWorker(pid: 42, clusterJobID: nil, node: nil, live: true) == "pid 42")
        #expect(registry.describeWorker(pid: nil, clusterJobID: "77", node: nil, live: true) == "slurm 77 (pending)")
        #expect(registry.describeWorker(pid: nil, clusterJobID: "77", node: "n3", live: false) == "slurm 77@n3")
        #expect(registry.describeWorker(pid: nil, clusterJobID: nil, node: nil, live: false) == "-")
    }
}
