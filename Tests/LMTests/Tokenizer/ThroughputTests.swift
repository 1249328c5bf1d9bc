import Foundation
import Testing
@testable import LM

/// Encodes the SST-2 training set line by line, checks every line round-trips and prints the
/// encode throughput (meaningful in a release build).
@Suite(.enabled(if: TokenizerFixtures.hasSmolLM2 && FileManager.default.fileExists(atPath: TokenizerFixtures.sst2Train),
                "needs shared/reference/smollm2-hf and shared/data/sst2 beside the package"))
struct ThroughputTests {
    @Test func sst2Train() throws {
        let tokenizer = try TokenizerFixtures.smolLM2Tokenizer()
        let text = try String(contentsOfFile: TokenizerFixtures.sst2Train, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let clock = ContinuousClock()
        var encoded: [[Int]] = []
        encoded.reserveCapacity(lines.count)
        let elapsed = clock.measure {
            for line in lines { encoded.append(tokenizer.encode(line)) }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let megabytes = Double(text.utf8.count) / 1_000_000
        let tokens = encoded.reduce(0) { $0 + $1.count }
        print(String(format: "SST-2 train: %.2f MB, %d lines, %d tokens, encoded in %.3f s: %.1f MB/s",
                     megabytes, lines.count, tokens, seconds, megabytes / seconds))
        for (line, ids) in zip(lines, encoded) {
            #expect(sameScalars(tokenizer.decode(ids), line))
        }
    }
}
