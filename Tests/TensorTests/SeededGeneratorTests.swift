import Tensor
import Testing

struct SeededGeneratorTests {
    @Test func sameSeedSameStream() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
    }

    @Test func normalSamplesHaveUnitMoments() {
        var rng = SeededGenerator(seed: 9)
        let n = 100_000
        var sum = 0.0, sq = 0.0
        for _ in 0..<n {
            let v = Double(rng.normal())
            sum += v
            sq += v * v
        }
        #expect(abs(sum / Double(n)) < 0.02)
        #expect(abs(sq / Double(n) - 1) < 0.02)
    }
}
