import PTuning
import TOMLKit

/// Reads `[search]` and its `[search.space]`, reporting every problem with the key it is about: an
/// empty space, an empty list, a range whose ends are the wrong way round, a budget that does not
/// cover one trial, unknown keys.
struct SearchReader {
    let table: ManifestTable
    /// The bundle's own training settings, for the steps of a trial whose steps the space leaves alone.
    let training: TrainingSettings
    /// The bundle's encoder settings, whose `hidden_size` an encoder the space lists must accept.
    let encoder: EncoderSettings
    /// The bundle's template, whose fields the data are checked for: a variant may name no others.
    let template: Template?

    func read() -> SearchSettings? {
        let problemsBefore = table.diagnostics.count
        let space = readSpace()
        var settings = SearchSettings(space: space ?? SearchSpace())
        if let strategy = table.oneOf("strategy", SearchStrategy.self) { settings.strategy = strategy }
        settings.trials = table.int("trials", in: 1...SearchSettings.maximumTrials)
        settings.budgetSteps = table.int("budget_steps", in: 1...1_000_000_000)
        if let text = table.nonEmptyString("budget_time") {
            if let seconds = WallTime.seconds(text), seconds > 0 {
                settings.budgetSeconds = seconds
            } else {
                table.problem("budget_time", "\"\(text)\" is not a duration", hint: "write it like \"45m\", \"2h\" or \"1h30m\"")
            }
        }
        if let reduction = table.int("reduction", in: 2...16) { settings.reduction = reduction }
        settings.minimumSteps = table.int("min_steps", in: 1...1_000_000_000)
        if let seed = table.int("seed", in: 0...Int.max) { settings.seed = UInt64(seed) }
        let unknownKeys = table.table.keys.contains { !ManifestKeys.search.contains($0) }
        guard space != nil, table.diagnostics.count == problemsBefore, !unknownKeys else { return nil }
        return checked(settings)
    }

    /// `settings` when its strategy can run on its space and its budget covers a trial; nil with the
    /// problems reported otherwise.
    private func checked(_ settings: SearchSettings) -> SearchSettings? {
        if settings.strategy == .random, settings.trials == nil {
            table.problem("trials", "is required with strategy = \"random\"",
                          hint: "the number of configurations to draw, 1 to \(SearchSettings.maximumTrials)")
            return nil
        }
        if settings.runsGrid, case .range(_, _, nil)? = settings.space.learningRate {
            table.problem("space.learning_rate", "a range needs points = N for strategy = \"\(settings.strategy.rawValue)\""
                              + (settings.strategy == .halving ? " without trials" : ""),
                          hint: "add points (values spaced evenly on a log scale), or draw configurations with trials = N")
            return nil
        }
        let gridSize = SearchPlan.gridSize(settings.space)
        if settings.runsGrid, settings.trials == nil, gridSize > SearchSettings.maximumTrials {
            let size = gridSize == Int.max ? "over \(Int.max)" : "\(gridSize)"
            table.problem("space", "holds \(size) configurations, more than \(SearchSettings.maximumTrials)",
                          hint: "list fewer values, or set trials = N to run the first N")
            return nil
        }
        let trials = SearchPlan.configurations(settings)
        if let budget = settings.budgetSteps {
            let cheapest = settings.strategy == .halving
                ? SearchPlan.rungs(trials: trials.count, fullSteps: trials.map(stepsOf).max() ?? 0,
                                   reduction: settings.reduction, minimumSteps: settings.minimumSteps)[0].steps
                : trials.map(stepsOf).min() ?? 0
            if budget < cheapest {
                table.problem("budget_steps", "\(budget) steps do not cover one trial (\(cheapest) steps)",
                              hint: "raise budget_steps to \(cheapest) or more, or search fewer steps")
                return nil
            }
        }
        return settings
    }

    /// The steps `trial` trains: its own, the bundle's `max_steps`, or at least ptune's minimum when
    /// ptune chooses them from the data.
    private func stepsOf(_ trial: SearchTrial) -> Int {
        trial.steps ?? training.maxSteps ?? TrainingDefaults.minimumSteps
    }

    private func readSpace() -> SearchSpace? {
        let problemsBefore = table.diagnostics.count
        guard let space = table.subtable("space", validKeys: ManifestKeys.searchSpace) else {
            table.problem("space", "is missing: nothing to search",
                          hint: "add [search.space] with a list of values for at least one of "
                              + ManifestKeys.searchSpace.joined(separator: ", "))
            return nil
        }
        var result = SearchSpace()
        result.learningRate = readLearningRates(space)
        result.encoder = strings(space, "encoder")?.compactMap { name in
            guard let kind = EncoderKind(rawValue: name) else {
                space.problem("encoder", "\"\(name)\" is not an encoder",
                              hint: "one of: " + EncoderKind.allCases.map(\.rawValue).joined(separator: ", "))
                return nil
            }
            return kind
        }
        if result.encoder?.contains(.lstm) == true, !encoder.lstmCanSplitHiddenSize {
            space.problem("encoder", "lists lstm, which splits [encoder] hidden_size (\(encoder.hiddenSize), odd) between its two directions",
                          hint: "make [encoder] hidden_size even, or 0 for the model width")
        }
        if let sources = strings(space, "template") {
            var templates: [Template] = []
            for source in sources {
                do {
                    let variant = try Template.parse(source)
                    if let template, let other = variant.fieldNames.first(where: { !template.fieldNames.contains($0) }) {
                        space.problem("template", "\"\(source)\" names {\(other)}, which the bundle's template does not",
                                      hint: "the records are checked for the fields of `template`; a variant may use only those")
                    }
                    templates.append(variant)
                } catch {
                    space.problem("template", error.description, hint: "template: \(source)")
                }
            }
            result.template = templates
        }
        result.batchSize = distinct(space, "batch_size", space.intArray("batch_size", elementsIn: 1...65_536))
        result.steps = distinct(space, "steps", space.intArray("steps", elementsIn: 1...1_000_000_000))
        result.seeds = distinct(space, "seeds", space.intArray("seeds", elementsIn: TrainingReader.seedRange))?.map { UInt64($0) }
        if result.isEmpty && table.diagnostics.count == problemsBefore {
            space.tableProblem("is empty: nothing to search",
                          hint: "give a list of values for at least one of " + ManifestKeys.searchSpace.joined(separator: ", "))
        }
        return result
    }

    /// A non-empty array of strings, each listed once.
    private func strings(_ space: ManifestTable, _ key: String) -> [String]? {
        guard let values = space.stringArray(key) else { return nil }
        guard !values.isEmpty else { space.problem(key, "must not be empty"); return nil }
        return distinct(space, key, values)
    }

    /// `values` when none is listed twice (a repeated value would only repeat trials).
    private func distinct<Value: Hashable>(_ space: ManifestTable, _ key: String, _ values: [Value]?) -> [Value]? {
        guard let values else { return nil }
        guard Set(values).count == values.count else {
            space.problem(key, "a value is listed twice", hint: "each value is tried once; list it once")
            return nil
        }
        return values
    }

    /// `learning_rate = [1e-3, 3e-3]` or `learning_rate = { min = 1e-4, max = 1e-2, points = 5 }`.
    private func readLearningRates(_ space: ManifestTable) -> LearningRates? {
        guard let value = space.value("learning_rate") else { return nil }
        if let array = value.array {
            let numbers = array.compactMap { $0.double ?? $0.int.map(Double.init) }
            guard numbers.count == array.count, !numbers.isEmpty, numbers.allSatisfy({ $0 > 0 }) else {
                space.problem("learning_rate", "must be a non-empty list of numbers greater than 0",
                              hint: "e.g. learning_rate = [1e-3, 3e-3, 1e-2]")
                return nil
            }
            if let beyond = numbers.first(where: { !ManifestTable.fitsFloat($0) }) {
                space.problem("learning_rate", "\(beyond) does not fit a 32-bit float",
                              hint: "training holds sizes from 1.2e-38 to 3.4e38")
                return nil
            }
            return distinct(space, "learning_rate", numbers.map { Float($0) }).map { .values($0) }
        }
        guard let range = space.subtable("learning_rate", validKeys: ["min", "max", "points"]) else { return nil }
        let low = range.number("min", allowed: "greater than 0", { $0 > 0 })
        let high = range.number("max", allowed: "greater than 0", { $0 > 0 })
        let points = range.int("points", in: 2...64)
        guard let low, let high else {
            if !range.contains("min") || !range.contains("max") {
                range.tableProblem("a range needs both min and max", hint: "e.g. { min = 1e-4, max = 1e-2 }")
            }
            return nil
        }
        guard low < high else {
            range.tableProblem("the range runs the wrong way round: min \(low) is not below max \(high)",
                          hint: "write the smaller learning rate as min")
            return nil
        }
        guard Float(low) < Float(high) else {
            range.tableProblem("min \(low) and max \(high) are the same 32-bit float", hint: "widen the range")
            return nil
        }
        return .range(min: Float(low), max: Float(high), points: points)
    }
}
