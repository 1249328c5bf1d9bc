import Foundation
@testable import LM
import Testing

/// Encodes the SST-2 training set line by line, checks every line round-trips and prints the
/// encode throughput, the best of three passes (meaningful in a release build). Time is the
/// thread's CPU time, so that other work on the machine does not count against it.
@Suite(.enabled(if: TokenizerFixtures.hasSmolLM2 && FileManager.default.fileExists(atPath: TokenizerFixtures.sst2Train),
                "needs shared/reference/smollm2-hf and shared/data/sst2 beside the package"))
struct ThroughputTests {
    @Test func sst2Train() throws {
        let tokenizer = try TokenizerFixtures.smolLM2Tokenizer()
        let text = try String(contentsOfFile: TokenizerFixtures.sst2Train, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var encoded: [[Int]] = []
        var seconds = Double.infinity
        for _ in 0..<3 {
            encoded.removeAll(keepingCapacity: true)
            let start = threadCPUSeconds()
            for line in lines { encoded.append(tokenizer.encode(line)) }
            seconds = min(seconds, threadCPUSeconds() - start)
        }
        let megabytes = Double(text.utf8.count) / 1_000_000
        let tokens = encoded.reduce(0) { $0 + $1.count }
        print(String(format: "SST-2 train: %.2f MB, %d lines, %d tokens, encoded in %.3f s of CPU: %.1f MB/s",
                     megabytes, lines.count, tokens, seconds, megabytes / seconds))
        for (line, ids) in zip(lines, encoded) {
            #expect(sameScalars(tokenizer.decode(ids), line))
        }
    }
}

private func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}
