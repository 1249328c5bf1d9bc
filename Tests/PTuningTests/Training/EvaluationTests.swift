import Foundation
import LM
@testable import PTuning
import Tensor
import Testing

struct EvaluationTests {
    let kind = ClassifyKind(labels: [LabelWord(label: "1", word: "great"), LabelWord(label: "0", word: "bad")])

    func prediction(gold: String?, predicted: String, goldProbability: Double?) -> Prediction {
        Prediction(source: "dev.jsonl:1", predicted: predicted, gold: gold, top: [], goldInTop10: nil,
                   goldProbability: goldProbability)
    }

    @Test func theLogLossIsTheMeanNegativeLogProbabilityOfTheGoldAnswer() throws {
        let predictions = [prediction(gold: "1", predicted: "1", goldProbability: 0.8),
                           prediction(gold: "0", predicted: "1", goldProbability: 0.25),
                           prediction(gold: nil, predicted: "1", goldProbability: nil)]
        let metrics = Metrics.of(predictions, kind: kind)
        #expect(metrics.primary == 0.5 && metrics.primaryName == .accuracy)
        let logLoss = try #require(metrics.values[.logLoss])
        #expect(abs(logLoss - (-log(0.8) - log(0.25)) / 2) < 1e-12)
        let certainMiss = Metrics.of([prediction(gold: "0", predicted: "1", goldProbability: 0)], kind: kind)
        #expect(certainMiss.values[.logLoss] == -log(Metrics.smallestProbability), "one hopeless record stays finite")
        let unmeasured = Metrics.of([predictions[0], prediction(gold: "0", predicted: "0", goldProbability: nil)], kind: kind)
        #expect(unmeasured.values[.logLoss] == nil && unmeasured.score.logLoss == nil)
    }

    @Test func devScoresRankByThePrimaryMetricThenTheLowerLogLoss() {
        #expect(DevScore(primary: 0.6, logLoss: 9) > DevScore(primary: 0.5, logLoss: 0.1))
        #expect(DevScore(primary: 0.5, logLoss: 0.7) > DevScore(primary: 0.5, logLoss: 0.9))
        #expect(DevScore(primary: 0.5, logLoss: 0.9) > DevScore(primary: 0.5, logLoss: nil), "no log-loss loses a tie")
        #expect(!(DevScore(primary: 0.5, logLoss: 0.9) < DevScore(primary: 0.5, logLoss: 0.9)))
    }

    @Test func aLeadIsMeasuredInStandardErrorsOfTheDifferenceOfTwoProportions() {
        let prompt = Metrics(count: 32, accuracy: 19.0 / 32), manual = Metrics(count: 32, accuracy: 17.0 / 32)
        #expect(abs(prompt.standardErrors(above: manual) - 0.5050) < 1e-3, "0.0625 over a standard error of 0.1238")
        #expect(abs(manual.standardErrors(above: prompt) + prompt.standardErrors(above: manual)) < 1e-12)
        #expect(prompt.standardErrors(above: prompt) == 0)
        #expect(Metrics(count: 10, accuracy: 1).standardErrors(above: Metrics(count: 10, accuracy: 0)) == .infinity,
                "neither figure varies")
        let fill = Metrics(count: 200, pAt1: 0.3), fillManual = Metrics(count: 200, pAt1: 0.1)
        #expect(fill.standardErrors(above: fillManual) > 5, "P@1 is a proportion too")
    }

    @Test func aChoiceCarriesItsGoldOptionsProbability() throws {
        let model = try TinyTask.model()
        let spec = TaskSpec(name: "c", kind: ChoiceKind(fields: ["a", "b"], margin: 1), template: try Template.parse("{p} [P] {target}"),
                            labelField: "label")
        let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
        let records = try encoder.encode([Example(fields: ["p": "x", "a": "the great", "b": "bad", "label": "1"], source: "t:1"),
                                          Example(fields: ["p": "y", "a": "fun", "b": "the plot", "label": "0"], source: "t:2")])
        let table = FloatBuffer(count: model.transformer.config.hiddenSize)
        for prediction in Evaluator(model: model, encoder: encoder).predict(records, table: table, batchSize: 2) {
            let gold = try #require(prediction.gold)
            #expect(prediction.goldProbability == prediction.top.first { $0.answer == gold }?.probability)
        }
    }

    @Test func theModelsPredictionsCarryTheGoldAnswersProbability() throws {
        let model = try TinyTask.model()
        let classify = TinyTask.classifySpec(encoder: .none)
        var fill = classify
        fill.kind = FillKind(candidates: ["great", "bad"])
        fill.labelField = "word"
        for spec in [classify, fill] {
            let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
            let examples = TinyTask.examples(6, file: "dev.jsonl").map { example in
                var example = example
                example.fields["word"] = example.fields["label"] == "1" ? "great" : "bad"
                return example
            }
            let encoded = try encoder.encode(examples)
            let table = FloatBuffer(count: spec.template.pseudoTokenCount * model.transformer.config.hiddenSize)
            let predictions = Evaluator(model: model, encoder: encoder).predict(encoded, table: table, batchSize: 4)
            for prediction in predictions {
                let gold = try #require(prediction.gold)
                let listed = try #require(prediction.top.first { $0.answer == gold }, "\(spec.kind) lists \(gold) among its best")
                #expect(prediction.goldProbability == listed.probability)
            }
            let expected = predictions.map { -log($0.goldProbability!) }.reduce(0, +) / Double(predictions.count)
            #expect(abs(try #require(Metrics.of(predictions, kind: spec.kind).values[.logLoss]) - expected) < 1e-12)
        }
    }
}
