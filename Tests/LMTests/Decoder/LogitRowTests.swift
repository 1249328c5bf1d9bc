import Foundation
import LM
import Testing

struct LogitRowTests {
    @Test func topReturnsTheHighestInOrderWithLowerIdsFirstOnTies() {
        let row = LogitRow([0.5, 3, -1, 3, 2, 7])
        #expect(row.top(3).map(\.id) == [5, 1, 3])
        #expect(row.top(1).map(\.logit) == [7])
        #expect(row.top(10).count == 6)
    }

    @Test func logSumExpIsStableForLargeValues() {
        let row = LogitRow([1000, 1000])
        #expect(abs(row.logSumExp - Float(1000 + log(2.0))) < 1e-3)
    }
}
