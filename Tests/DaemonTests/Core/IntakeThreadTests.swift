@testable import Daemon
import Testing

/// How soon intake scans again after a failed scan (`IntakeThread.retryDelay`).
@Suite struct IntakeThreadTests {
    @Test func aFailureIsRetriedAfterASecondThenLessOftenUpToTheRescanInterval() {
        let delays = (1...8).map { IntakeThread.retryDelay(afterFailures: $0, rescanSeconds: 30) }
        #expect(delays == [1, 2, 4, 8, 16, 30, 30, 30])
        #expect(IntakeThread.retryDelay(afterFailures: 1_000, rescanSeconds: 30) == 30)
    }

    @Test func aRescanIntervalUnderASecondStillWaitsASecond() {
        #expect(IntakeThread.retryDelay(afterFailures: 1, rescanSeconds: 0) == 1)
        #expect(IntakeThread.retryDelay(afterFailures: 5, rescanSeconds: 0.5) == 1)
    }
}
