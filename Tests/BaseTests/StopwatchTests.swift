import Base
import Glibc
import Testing

@Suite struct StopwatchTests {
    @Test func timedAddsTheBodysTimeAndReturnsItsResult() {
        var seconds = 1.0
        let result = timed(&seconds) { () -> Int in
            usleep(20_000)
            return 7
        }
        #expect(result == 7)
        #expect(seconds >= 1.02 && seconds < 11)
    }

    @Test func timedAddsTheTimeOfABodyThatThrows() {
        struct Failure: Error {}
        var seconds = 0.0
        #expect(throws: Failure.self) {
            try timed(&seconds) { usleep(10_000); throw Failure() }
        }
        #expect(seconds >= 0.01)
    }

    @Test func aStopwatchCountsUpFromWhenItWasMade() {
        let stopwatch = Stopwatch()
        let first = stopwatch.seconds
        usleep(10_000)
        #expect(first >= 0 && stopwatch.seconds >= first + 0.01)
    }
}
