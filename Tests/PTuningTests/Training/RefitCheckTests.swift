@testable import PTuning
import Testing

struct RefitCheckTests {
    func check(refit: Double, chosen: Double, records: Int) -> RefitCheck {
        RefitCheck(records: records, refit: Metrics(count: records, accuracy: refit), chosen: Metrics(count: records, accuracy: chosen))
    }

    @Test func itsSampleSpreadsOverEveryRecordTheLastOnesToo() {
        #expect(Trainer.evenSample(Array(0..<50)) == Array(0..<50))
        let sample = Trainer.evenSample(Array(0..<300))
        #expect(sample.count == 200 && sample.first == 0 && sample.last == 298 && Set(sample).count == 200)
        #expect(Trainer.evenSample([Int]()).isEmpty)
    }

    @Test func theToleranceIsTwoStandardErrorsAndOneRecord() {
        #expect(abs(check(refit: 0, chosen: 0.9, records: 200).tolerance - (2 * (0.09 / 200.0).squareRoot() + 0.005)) < 1e-12)
        #expect(abs(check(refit: 0, chosen: 1, records: 200).tolerance - 0.005) < 1e-12, "a perfect fit still allows one record")
        #expect(check(refit: 0, chosen: 0.5, records: 10).tolerance > check(refit: 0, chosen: 0.5, records: 200).tolerance)
    }

    @Test func aRefitFarBelowItsFirstRunFailsOneWithinTheNoiseHolds() {
        #expect(!check(refit: 0.56, chosen: 0.88, records: 200).holds, "the search's refit at lr 0.03")
        #expect(check(refit: 0.86, chosen: 0.88, records: 200).holds)
        #expect(check(refit: 0.95, chosen: 0.88, records: 200).holds)
        #expect(check(refit: 199.0 / 200, chosen: 1, records: 200).holds, "one record less")
        #expect(!check(refit: 198.0 / 200, chosen: 1, records: 200).holds, "two records less")
    }
}
