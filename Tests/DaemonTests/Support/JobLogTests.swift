@testable import Daemon
import Foundation
import TestSupport
import Testing

/// A job's log: the file gets the bytes as they come; the database whole lines, capped like the file.
struct JobLogTests {
    private func texts(_ log: JobLog) -> [String] { log.takePending(jobID: "j", attempt: 1, at: Date()).map(\.text) }

    @Test func outputIsRecordedAWholeLineAtATime() throws {
        let path = TestEnvironment.temporaryDirectory("joblog").appendingPathExtension("log").path
        let log = JobLog(path: path, limit: 1 << 20)
        log.append(Data("first li".utf8))
        #expect(texts(log).isEmpty)
        log.append(Data("ne\nsecond\nthi".utf8))
        #expect(texts(log) == ["first line", "second"])
        log.note("seed 13 step 1/10")
        #expect(texts(log) == ["thi", "seed 13 step 1/10"])
        log.append(Data("unfinished".utf8))
        log.endPartialLine()
        #expect(texts(log) == ["unfinished"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first line\nsecond\nthi\nseed 13 step 1/10\nunfinished\n")
    }

    @Test func theRecordedLinesStopAtTheLimitWithANote() throws {
        let path = TestEnvironment.temporaryDirectory("joblog").appendingPathExtension("log").path
        let log = JobLog(path: path, limit: 64)
        for i in 0..<20 { log.append(Data("line \(i) of output\n".utf8)) }
        let lines = texts(log)
        #expect(lines.count == 4)  // three lines of 18 bytes fit in 64; the fourth would not
        #expect(lines.last?.hasPrefix("[log cut at 64 bytes") == true)
        #expect(lines.dropLast().joined(separator: "\n").utf8.count <= 64)
        log.append(Data(String(repeating: "x", count: 200).utf8))
        #expect(texts(log).isEmpty)
    }

    @Test func outputWithoutNewlinesIsNotHeldForever() throws {
        let path = TestEnvironment.temporaryDirectory("joblog").appendingPathExtension("log").path
        let log = JobLog(path: path, limit: 1000)
        log.append(Data(String(repeating: "y", count: 600).utf8))
        #expect(texts(log).isEmpty)
        log.append(Data(String(repeating: "y", count: 600).utf8))
        #expect(texts(log).map { $0.hasPrefix("[log cut at 1000 bytes") } == [true])
    }
}
