@testable import Spool
import Testing

@Suite struct WallTimeTests {
    @Test(arguments: [("90m", 5400), ("2h", 7200), ("1h30m", 5400), ("45s", 45), ("1d12h", 129_600), ("0s", 0)])
    func parsesDurations(text: String, seconds: Int) {
        #expect(WallTime.seconds(text) == seconds)
    }

    @Test(arguments: ["", "90", "m", "30m1h", "1h1h", "1.5h", "2x", "1h 30m", "1sx"])
    func rejectsOtherText(text: String) {
        #expect(WallTime.seconds(text) == nil)
    }
}
