import Base
import Foundation
import Testing

/// `ptune --version` prints the release that report.json records (`ProductVersion`).
@Suite struct ProductVersionTests {
    @Test func theCommandPrintsTheReleaseItsReportsRecord() throws {
        let h = try ServiceHarness()
        let result = try h.cli(["--version"])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.trimmingCharacters(in: .whitespacesAndNewlines) == ProductVersion.current)
    }
}
