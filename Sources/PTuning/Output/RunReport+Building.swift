import Foundation

extension RunReport {
    /// The report of `outcome`, listing `outputs` as the files written.
    public init(outcome: TrainingOutcome, context: RunContext, outputs: [String]) {
        let spec = context.spec
        let config = context.model.config
        schemaVersion = Self.currentSchemaVersion
        job = Job(id: context.jobID, bundleName: context.bundle.name, bundleSHA256: context.bundle.sha256)
        model = Model(name: context.model.name, path: context.model.path, sha256: context.model.sha256,
                      architecture: config.architecture.name, hiddenSize: config.hiddenSize,
                      layers: config.layerCount, attentionHeads: config.headCount, vocabSize: config.vocabSize)
        task = Task(context: context)
        encoder = Encoder(kind: spec.encoder.kind.rawValue, hiddenSize: spec.encoder.hiddenSize,
                          effectiveHiddenSize: context.effectiveEncoderHiddenSize, initText: spec.encoder.initText,
                          initTokenIDs: spec.encoder.initTokenIDs)
        training = Training(outcome.settings)
        data = outcome.data
        baselines = outcome.baselines
        seeds = outcome.seeds
        refit = outcome.refit
        crossValidation = outcome.crossValidation
        summary = Summary(seedCount: outcome.seeds.count, bestSeed: outcome.bestSeed, exported: outcome.exported,
                          dev: MetricSummary(outcome.seeds.compactMap(\.dev)),
                          test: MetricSummary(outcome.seeds.compactMap(\.test)), warnings: outcome.warnings)
        let runs = outcome.seeds + (outcome.refit.map { [$0.result] } ?? [])
        let tokensPerSecond = runs.map(\.trainTokensPerSecond)
        timing = Timing(startedAt: Self.timestamp(context.startedAt), finishedAt: Self.timestamp(context.finishedAt),
                        wallSeconds: context.finishedAt.timeIntervalSince(context.startedAt),
                        trainSeconds: runs.map(\.trainSeconds).reduce(0, +),
                        evalSeconds: runs.map(\.evalSeconds).reduce(0, +),
                        trainTokensPerSecondMean: tokensPerSecond.reduce(0, +) / Double(max(tokensPerSecond.count, 1)))
        resources = Resources(threads: context.threads, peakRSSMB: context.peakRSSMegabytes,
                              prefixCache: context.prefixCache)
        self.outputs = outputs
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// ISO-8601 in UTC to the second.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

extension RunReport.Task {
    init(context: RunContext) {
        let spec = context.spec
        name = spec.name
        kind = spec.kind.name
        template = spec.template.source
        pseudoTokens = spec.template.pseudoTokenCount
        prefixOnly = spec.template.isPrefixOnly
        bos = spec.bos == true
        labelField = spec.labelField
        targetPrefix = context.targetPrefix
        spec.kind.describe(&self, answerTokens: context.answerTokens)
    }
}

extension RunReport.Training {
    init(_ settings: TrainingSettings) {
        epochs = settings.epochs
        maxSteps = settings.maxSteps
        batchSize = settings.batchSize
        evalBatchSize = settings.evalBatchSize
        learningRate = Double(shortest: settings.learningRate)
        weightDecay = Double(shortest: settings.weightDecay)
        optimizer = settings.optimizer.rawValue
        schedule = settings.schedule.rawValue
        warmupSteps = settings.warmupSteps
        epochDecay = Double(shortest: settings.epochDecay)
        clipNorm = settings.clipNorm.map { Double(shortest: $0) }
        seeds = settings.seeds
        evalEvery = settings.evalEvery
        patience = settings.patience
        checkpointEvery = settings.checkpointEvery
        maxLength = settings.maxLength
        precision = settings.precision.rawValue
        kernel = settings.precision.kernel
        recompute = settings.recompute
        refit = settings.refit
        tailAverage = settings.tailAverage
        manualFallback = settings.manualFallback
        automatic = settings.automatic.map(\.rawValue).sorted()
    }
}

public extension Double {
    /// The double nearest to `value`'s shortest decimal spelling, so 1e-4 as a Float reads 0.0001, not 9.99999974737875e-05.
    init(shortest value: Float) {
        self = Double(value.description) ?? Double(value)
    }
}
