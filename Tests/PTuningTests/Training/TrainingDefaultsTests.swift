import PTuning
import Testing

struct TrainingDefaultsTests {
    @Test func stepsAreTwoEpochsWithinTheirFloorAndCap() {
        let settings = TrainingSettings()
        #expect(settings.stepsPerEpoch(trainingExamples: 41) == 6)
        #expect(TrainingDefaults.steps(stepsPerEpoch: settings.stepsPerEpoch(trainingExamples: 40)) == TrainingDefaults.minimumSteps)
        #expect(TrainingDefaults.steps(stepsPerEpoch: settings.stepsPerEpoch(trainingExamples: 800)) == 200)
        #expect(TrainingDefaults.steps(stepsPerEpoch: settings.stepsPerEpoch(trainingExamples: 60_000)) == TrainingDefaults.maximumSteps)
    }

    @Test func seedsRunWhileTheirStepsFitTheBudget() {
        #expect(TrainingDefaults.seeds(stepsPerSeed: 100) == [13, 21, 42])
        #expect(TrainingDefaults.seeds(stepsPerSeed: 450) == [13, 21])
        #expect(TrainingDefaults.seeds(stepsPerSeed: 5000) == [13])
    }

    @Test func aBundleWithoutSettingsGetsEveryDefault() {
        let resolved = TrainingSettings().resolved(encoder: .none, trainingExamples: 800, hasDev: true)
        #expect(resolved.automatic == Set(AutomaticSetting.allCases))
        #expect(resolved.maxSteps == 200)
        #expect(resolved.learningRate == TrainingDefaults.learningRate(for: .none))
        #expect(resolved.seeds == TrainingDefaults.seeds(stepsPerSeed: 200))
        #expect(resolved.evalEvery == 200 / TrainingDefaults.evaluationsPerSeed)
    }

    @Test func whatTheBundleSetsIsKept() {
        var settings = TrainingSettings()
        settings.epochs = 5
        settings.learningRate = 1e-5
        settings.seeds = [7]
        settings.evalEvery = 3
        #expect(settings.automatic.isEmpty)
        let resolved = settings.resolved(encoder: .lstm, trainingExamples: 800, hasDev: true)
        #expect(resolved.maxSteps == nil && resolved.epochs == 5)
        #expect(resolved.learningRate == 1e-5)
        #expect(resolved.seeds == [7])
        #expect(resolved.evalEvery == 3)
    }

    @Test func theEncodersGetTheirOwnLearningRate() {
        let none = TrainingSettings().resolved(encoder: .none, trainingExamples: 100, hasDev: true)
        let lstm = TrainingSettings().resolved(encoder: .lstm, trainingExamples: 100, hasDev: true)
        #expect(none.learningRate > lstm.learningRate)
    }

    @Test func withoutDevOneSeedRunsAndTheLastStepIsKept() {
        let resolved = TrainingSettings().resolved(encoder: .none, trainingExamples: 20, hasDev: false)
        #expect(resolved.seeds.count == 1)
        #expect(resolved.evalEvery == 0)
        #expect(!resolved.automatic.contains(.evalEvery), "nothing was chosen for it")
    }
}
