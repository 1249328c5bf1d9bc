@testable import Daemon
import Foundation
import Glibc
import Logging
import TestSupport
import Testing

/// SlurmWorker against stand-in Slurm commands and output files written by the test.
struct SlurmWorkerTests {
    let fake = FakeSlurm()
    let folder = TestEnvironment.temporaryDirectory("slurm-worker")

    func worker(state line: String) throws -> SlurmWorker {
        let cluster = try fake.cluster(["scontrol": "echo '\(line)'", "scancel": "echo \"$@\" >> '\(folder.path)/scancel.log'"])
        return SlurmWorker(id: "7", outputFile: folder.appendingPathComponent("out"), errorFile: folder.appendingPathComponent("err"),
                           cluster: cluster, logger: Logger(label: "test"))
    }

    func append(_ text: String, to name: String) throws {
        let url = folder.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: url)
        _ = try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func linesArriveAsTheWorkerAppendsThem() throws {
        let w = try worker(state: "JobId=7 JobState=RUNNING ExitCode=0:0 NodeList=n1")
        #expect(w.readLines().isEmpty)
        try append("{\"kind\":\"step\"}\n{\"kind\":", to: "out")
        #expect(w.readLines().map { String(decoding: $0, as: UTF8.self) } == ["{\"kind\":\"step\"}"])
        try append("\"finished\"}\n", to: "out")
        #expect(w.readLines().map { String(decoding: $0, as: UTF8.self) } == ["{\"kind\":\"finished\"}"])
        #expect(!w.poll())
        #expect(w.node == "n1")
    }

    @Test func aMemoryKillByAccountingIsMemoryExceeded() throws {
        try append("slurmstepd-n1: error: Exceeded job memory limit\n", to: "err")
        let w = try worker(state: "JobId=7 JobState=FAILED Reason=JobLaunchFailure ExitCode=0:9 NodeList=n1")
        #expect(w.poll())
        #expect(w.clusterVerdict == .memoryExceeded)
    }

    @Test func anotherSigkillIsACrash() throws {
        try append("some other error\n", to: "err")
        let w = try worker(state: "JobId=7 JobState=FAILED ExitCode=0:9 NodeList=n1")
        #expect(w.poll())
        #expect(w.clusterVerdict == nil)
        #expect(w.terminatingSignal == 9)
    }

    @Test func signalsBecomeOneScancelEach() throws {
        let w = try worker(state: "JobId=7 JobState=RUNNING ExitCode=0:0 NodeList=n1")
        w.send(SIGTERM)
        w.send(SIGTERM)
        w.send(SIGKILL)
        let log = try String(contentsOf: folder.appendingPathComponent("scancel.log"), encoding: .utf8)
        #expect(log == "7\n--signal=KILL --full 7\n")
    }
}
