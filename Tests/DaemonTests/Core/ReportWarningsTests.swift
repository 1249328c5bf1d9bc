@testable import Daemon
import Foundation
import TestSupport
import Testing

struct ReportWarningsTests {
    func write(_ json: String) throws -> URL {
        let url = TestEnvironment.temporaryDirectory("ptune-report").appendingPathComponent("report.json")
        try Data(json.utf8).write(to: url)
        return url
    }

    @Test func theExportedSeedsWarningsAreRead() throws {
        let url = try write("""
            {"schema_version": 1, "summary": {"best_seed": 13, "warnings": [
              {"kind": "one_answer", "message": "every dev prediction is \\"1\\""},
              {"kind": "loss_above_uniform", "message": "the training loss ends at 0.9"}]}}
            """)
        #expect(ReportWarnings.read(from: url) == ["one_answer: every dev prediction is \"1\"",
                                                  "loss_above_uniform: the training loss ends at 0.9"])
    }

    @Test func aSoundOrUnreadableReportHasNone() throws {
        #expect(ReportWarnings.read(from: try write(#"{"summary": {"warnings": []}}"#)).isEmpty)
        #expect(ReportWarnings.read(from: try write(#"{"summary": {}}"#)).isEmpty)
        #expect(ReportWarnings.read(from: try write("not json")).isEmpty)
        #expect(ReportWarnings.read(from: URL(fileURLWithPath: "/nonexistent/report.json")).isEmpty)
    }
}
