import Tensor

/// A dev split carved from the training records when a bundle gives none, so that every run can
/// choose its kept step and seed on records it did not train on.
///
/// The dev split takes `fraction` of the records, at least `minimumSize` and at most `maximumSize`,
/// and only when at least `minimumTrainingRecords` stay for training. The choice is seeded by a
/// constant, not by the run's seeds: every seed of a run is judged on the same records. With a
/// label field (classify, choice) each label keeps its share of the records in both parts.
///
/// Where one carved split would be too small to choose by (fewer than `crossValidationBelow`
/// records), the records are dealt into one fold per seed instead (`folds`), or into as many as
/// the bundle asks for at any size (`canDeal` bounds it): each seed trains on all folds but its
/// own and is judged on that one, so every record is dev once.
public enum DevSplit {
    public static let defaultFraction = 0.2
    public static let minimumSize = 8
    public static let maximumSize = 200
    public static let minimumTrainingRecords = 16
    static let seed: UInt64 = 0xDE5F_11C7_0A2B_9E31
    /// A carved split of fewer records than this decides by the noise of a few records: below it
    /// the records are cross-validated instead.
    public static let crossValidationBelow = 40
    /// The most folds a bundle may ask for (`folds`).
    public static let maximumFolds = 20

    /// How many records a dev split carved from `count` takes; 0 when the set is too small for one.
    public static func size(of count: Int, fraction: Double) -> Int {
        guard fraction > 0 else { return 0 }
        let wanted = min(maximumSize, max(minimumSize, Int((fraction * Double(count)).rounded())))
        return count - wanted >= minimumTrainingRecords ? wanted : 0
    }

    /// How many folds `count` records are dealt into for a run of `seeds` seeds: one per seed where one
    /// carved split would hold fewer than `crossValidationBelow` records, each fold at least
    /// `minimumSize` records and `minimumTrainingRecords` left to train on; else 1 (one carved split,
    /// or none where `size` carves none).
    public static func foldCount(of count: Int, fraction: Double, seeds: Int) -> Int {
        let carved = size(of: count, fraction: fraction)
        guard carved > 0, carved < crossValidationBelow, canDeal(count, into: seeds) else { return 1 }
        return seeds
    }

    /// Whether `count` records can be dealt into `folds` folds: two at least, each of `minimumSize`
    /// records or more, with `minimumTrainingRecords` left to train on beside the largest.
    public static func canDeal(_ count: Int, into folds: Int) -> Bool {
        folds > 1 && count / folds >= minimumSize && trainingRecords(of: count, folds: folds) >= minimumTrainingRecords
    }

    /// The records a seed trains on when `count` records are dealt into `folds` folds: all but the
    /// largest fold.
    public static func trainingRecords(of count: Int, folds: Int) -> Int {
        count - (count + folds - 1) / folds
    }

    /// The indices of `records` dealt into `count` folds of sizes differing by at most one, each
    /// in the records' order. With `label`, each label's records are dealt in turn, so each fold
    /// holds its share of every label.
    public static func folds<Record>(_ records: [Record], count: Int, label: ((Record) -> String?)? = nil) -> [[Int]] {
        var folds = [[Int]](repeating: [], count: max(1, count))
        for (position, index) in shuffledStrata(records, label: label).joined().enumerated() {
            folds[position % folds.count].append(index)
        }
        return folds.map { $0.sorted() }
    }

    /// `records` split into what trains and what becomes dev, both in their original order. `label`
    /// gives a record's stratum (nil: one stratum).
    public static func carve<Record>(_ records: [Record], fraction: Double,
                                     label: ((Record) -> String?)? = nil) -> (train: [Record], dev: [Record]) {
        let total = size(of: records.count, fraction: fraction)
        guard total > 0 else { return (records, []) }
        let strata = shuffledStrata(records, label: label)
        var chosen = Set<Int>()
        for (members, quota) in zip(strata, quotas(strata.map(\.count), total: total)) {
            chosen.formUnion(members.prefix(quota))
        }
        var train: [Record] = []
        var dev: [Record] = []
        for index in records.indices {
            if chosen.contains(index) { dev.append(records[index]) } else { train.append(records[index]) }
        }
        return (train, dev)
    }

    /// The indices of `records` grouped by stratum, in order of each stratum's first record, each
    /// group shuffled by one generator seeded with `seed`.
    static func shuffledStrata<Record>(_ records: [Record], label: ((Record) -> String?)?) -> [[Int]] {
        var strata: [String: [Int]] = [:]
        var order: [String] = []
        for index in records.indices {
            let key = label?(records[index]) ?? ""
            if strata[key] == nil { order.append(key) }
            strata[key, default: []].append(index)
        }
        var rng = SeededGenerator(seed: seed)
        return order.map { key in
            var members = strata[key]!
            members.shuffle(using: &rng)
            return members
        }
    }

    /// `total` shared out in proportion to `counts` by largest remainders (ties to the earlier
    /// stratum), leaving at least one record of every stratum to train on.
    static func quotas(_ counts: [Int], total: Int) -> [Int] {
        let all = counts.reduce(0, +)
        guard all > 0 else { return counts.map { _ in 0 } }
        let exact = counts.map { Double($0) * Double(total) / Double(all) }
        let room = counts.map { max(0, $0 - 1) }
        var quotas = zip(exact, room).map { min(Int($0), $1) }
        while quotas.reduce(0, +) < total {
            let open = quotas.indices.filter { quotas[$0] < room[$0] }
            guard let next = open.max(by: { (exact[$0] - Double(quotas[$0]), $1) < (exact[$1] - Double(quotas[$1]), $0) })
            else { break }
            quotas[next] += 1
        }
        return quotas
    }
}
