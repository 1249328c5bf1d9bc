import PTuning
import Testing

struct LearningRateScheduleTests {
    @Test func constant() {
        let schedule = LearningRateSchedule(kind: .constant, baseRate: 1e-3)
        #expect(schedule.rate(step: 0, epoch: 0, totalSteps: 10) == 1e-3)
        #expect(schedule.rate(step: 9, epoch: 4, totalSteps: 10) == 1e-3)
    }

    @Test func linearWarmupThenDecayToZero() {
        let schedule = LearningRateSchedule(kind: .linear, baseRate: 1, warmupSteps: 4)
        let rates = (0...12).map { schedule.rate(step: $0, epoch: 0, totalSteps: 12) }
        let expected: [Float] = [0, 0.25, 0.5, 0.75, 1, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0]
        #expect(rates == expected)
        #expect(schedule.rate(step: 20, epoch: 0, totalSteps: 12) == 0)
    }

    @Test func linearWithoutWarmupStartsAtTheBaseRate() {
        let schedule = LearningRateSchedule(kind: .linear, baseRate: 2)
        #expect(schedule.rate(step: 0, epoch: 0, totalSteps: 4) == 2)
        #expect(schedule.rate(step: 3, epoch: 0, totalSteps: 4) == 0.5)
    }

    @Test func epochDecay() {
        var settings = TrainingSettings()
        settings.schedule = .epochDecay
        settings.learningRate = 1e-5
        settings.epochDecay = 0.98
        let schedule = LearningRateSchedule(settings: settings)
        #expect(schedule.rate(step: 0, epoch: 0, totalSteps: 100) == 1e-5)
        #expect(schedule.rate(step: 50, epoch: 0, totalSteps: 100) == 1e-5)
        #expect(abs(schedule.rate(step: 0, epoch: 3, totalSteps: 100) - 1e-5 * 0.941192) < 1e-12)
    }
}
