@testable import PTuning
import Testing

struct DevSplitTests {
    @Test func theSizeIsAFifthWithinItsFloorAndCap() {
        #expect(DevSplit.size(of: 1000, fraction: 0.2) == 200)
        #expect(DevSplit.size(of: 5000, fraction: 0.2) == DevSplit.maximumSize)
        #expect(DevSplit.size(of: 200, fraction: 0.2) == 40)
        #expect(DevSplit.size(of: 30, fraction: 0.2) == DevSplit.minimumSize)
        #expect(DevSplit.size(of: 23, fraction: 0.2) == 0, "8 dev would leave 15 to train, below the 16 needed")
        #expect(DevSplit.size(of: 24, fraction: 0.2) == 8)
        #expect(DevSplit.size(of: 1000, fraction: 0) == 0)
    }

    @Test func everyRecordLandsInExactlyOnePartInItsOriginalOrder() {
        let records = Array(0..<100)
        let (train, dev) = DevSplit.carve(records, fraction: 0.2)
        #expect(dev.count == 20)
        #expect(train.count == 80)
        #expect(Set(train).isDisjoint(with: dev))
        #expect((train + dev).sorted() == records)
        #expect(train == train.sorted() && dev == dev.sorted())
    }

    @Test func theChoiceIsTheSameEveryTime() {
        let records = Array(0..<500)
        #expect(DevSplit.carve(records, fraction: 0.2).dev == DevSplit.carve(records, fraction: 0.2).dev)
        #expect(DevSplit.carve(records, fraction: 0.2).dev != Array(records.prefix(100)), "a shuffle, not the head")
    }

    @Test func eachLabelKeepsItsShare() {
        // 90 "a", 30 "b", 10 "c": a dev split of 26 takes 18, 6 and 2 of them.
        let records = (0..<130).map { i in (id: i, label: i < 90 ? "a" : i < 120 ? "b" : "c") }
        let (train, dev) = DevSplit.carve(records, fraction: 0.2, label: { $0.label })
        #expect(dev.count == 26)
        #expect(dev.filter { $0.label == "a" }.count == 18)
        #expect(dev.filter { $0.label == "b" }.count == 6)
        #expect(dev.filter { $0.label == "c" }.count == 2)
        #expect(train.count + dev.count == records.count)
    }

    @Test func remaindersGoToTheLargestFractions() {
        #expect(DevSplit.quotas([5, 5, 5], total: 4) == [2, 1, 1])
        #expect(DevSplit.quotas([2, 8], total: 5) == [1, 4])
        #expect(DevSplit.quotas([1, 9], total: 5) == [0, 5], "a label's only record stays in train")
        #expect(DevSplit.quotas([1, 1], total: 2) == [0, 0])
        #expect(DevSplit.quotas([10, 0], total: 3) == [3, 0])
    }

    @Test func aSetTooSmallIsLeftWhole() {
        let (train, dev) = DevSplit.carve(Array(0..<20), fraction: 0.2, label: { String($0 % 2) })
        #expect(dev.isEmpty)
        #expect(train == Array(0..<20))
    }

    @Test func setsTooSmallForACarvedSplitToChooseByAreDealtIntoOneFoldPerSeed() {
        #expect(DevSplit.foldCount(of: 32, fraction: 0.2, seeds: 3) == 3, "8 carved records: cross-validated")
        #expect(DevSplit.foldCount(of: 195, fraction: 0.2, seeds: 3) == 3, "39 carved records")
        #expect(DevSplit.foldCount(of: 200, fraction: 0.2, seeds: 3) == 1, "40 carved records are enough")
        #expect(DevSplit.foldCount(of: 32, fraction: 0.2, seeds: 1) == 1, "one seed: one carved split")
        #expect(DevSplit.foldCount(of: 23, fraction: 0.2, seeds: 3) == 1, "too small to carve at all")
        #expect(DevSplit.foldCount(of: 32, fraction: 0, seeds: 3) == 1, "no dev split asked for")
        #expect(DevSplit.foldCount(of: 24, fraction: 0.2, seeds: 3) == 3, "folds of 8, 16 to train")
        #expect(DevSplit.foldCount(of: 30, fraction: 0.2, seeds: 2) == 1, "folds of 15 would leave 15 to train")
        #expect(DevSplit.foldCount(of: 60, fraction: 0.2, seeds: 10) == 1, "folds of 6 are below the 8 a carved split has")
    }

    @Test func recordsDealIntoFoldsOfEightWithSixteenLeftToTrainOn() {
        #expect(DevSplit.canDeal(24, into: 3) && DevSplit.canDeal(200, into: 3) && DevSplit.canDeal(200, into: 20))
        #expect(!DevSplit.canDeal(200, into: 1), "one fold leaves nothing to train on")
        #expect(!DevSplit.canDeal(23, into: 3), "folds of 8, 8 and 7")
        #expect(!DevSplit.canDeal(30, into: 2), "15 left to train on")
        #expect(!DevSplit.canDeal(159, into: 20), "folds of 7 and 8")
    }

    @Test func foldsCoverEveryRecordOnceInSizesOneApartWithEachLabelsShare() {
        // 20 "a", 10 "b", 2 "c" in 3 folds: 11, 11 and 10 records; "a" 7, 7, 6; "b" 4, 3, 3 or so.
        let records = (0..<32).map { i in (id: i, label: i < 20 ? "a" : i < 30 ? "b" : "c") }
        let folds = DevSplit.folds(records, count: 3, label: { $0.label })
        #expect(folds.flatMap { $0 }.sorted() == Array(0..<32))
        #expect(folds.map(\.count).sorted() == [10, 11, 11])
        #expect(folds.allSatisfy { $0 == $0.sorted() })
        for label in ["a", "b"] {
            let counts = folds.map { fold in fold.filter { records[$0].label == label }.count }
            #expect(counts.max()! - counts.min()! <= 1, "\(label): \(counts)")
        }
        #expect(folds == DevSplit.folds(records, count: 3, label: { $0.label }), "the same deal every time")
        #expect(folds[0] != [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30], "a shuffle, not a stride")
    }
}
