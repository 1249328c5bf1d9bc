@testable import Daemon
import Testing

/// The trials a search's worker may ask for: only folder names of the form a trial's key has.
struct SearchTrialsTests {
    @Test func onlyATrialsKeyNamesAFolder() {
        #expect(SearchTrials.isKey("trial-12-0123456789ab"))
        for bad in ["trial-1-0123456789AB", "trial--0123456789ab", "trial-1-0123456789a", "trial-1-0123456789abc",
                    "../trial-1-0123456789ab", "trial-1-0123456789ab/..", "trial-١-0123456789ab", "Trial-1-0123456789ab", ""] {
            #expect(!SearchTrials.isKey(bad), "\(bad)")
        }
    }
}
