import Base
import Foundation
import LM
@testable import PTuning
import Tensor
import TestSupport
import Testing

/// A kind defined here and nowhere in ptune: yes/no answers scored by two fixed words. Training,
/// evaluation and the outputs reach it through `TaskKind` alone.
private struct YesNoKind: TaskKind {
    static let name = "yes_no"
    static let manifestTable = "yes_no"
    static let manifestKeys: [String]? = []
    static let primaryMetric = MetricName.accuracy
    static let words = ["great", "bad"]

    static func read(_ manifest: some KindManifest) -> YesNoKind? { YesNoKind() }

    func answerProblem(_ value: String, field: String) -> AnswerProblem? {
        ["1", "0"].contains(value) ? nil : AnswerProblem(field: field, "not 1 or 0")
    }

    func answerTokens(_ encoding: AnswerEncoding) -> (tokens: [Int]?, problems: [TaskProblem]) {
        (Self.words.map { encoding.tokens($0)[0] }, [])
    }

    func encodeAnswer(_ value: String?, of example: Example, encoding: AnswerEncoding) throws(AnswerProblem) -> EncodedAnswer {
        guard let value else { return EncodedAnswer(answer: nil) }
        if let problem = answerProblem(value, field: encoding.labelField) { throw problem }
        return EncodedAnswer(answer: value == "1" ? 0 : 1)
    }

    func loss(gold: Int, scoring: AnswerScoring, gradient: FloatBuffer, scale: Double) -> Double {
        scoring.crossEntropy(over: scoring.answerTokens, gold: gold, gradient: gradient, scale: scale)
    }

    func prediction(for example: EncodedExample, scoring: AnswerScoring) -> Prediction {
        let row = scoring.rowValues
        let yes = row[scoring.answerTokens![0]] >= row[scoring.answerTokens![1]]
        return Prediction(source: example.source, predicted: yes ? "1" : "0", gold: example.answer.map { $0 == 0 ? "1" : "0" },
                          top: [], goldInTop10: nil)
    }

    func answerText(_ answer: Int, encoding: AnswerEncoding) -> String { answer == 0 ? "1" : "0" }
    func uniformLoss(vocabularySize: Int, answerTokens: [Int]?) -> Double { log(2) }

    func metrics(of labelled: [Prediction]) -> Metrics {
        Metrics(count: labelled.count, values: [.accuracy: Metrics.correctFraction(labelled)], primary: .accuracy)
    }

    static let absentPromptMetadata: [String: String] = [:]
    func promptMetadata() throws -> [String: String] { [:] }
    static func read(promptMetadata: PromptMetadataReader) throws -> YesNoKind { YesNoKind() }
    func describe(_ task: inout RunReport.Task, answerTokens: [Int]?) {}
}

struct TaskKindProtocolTests {
    @Test func aKindDefinedOutsidePTuningTrainsEvaluatesAndReports() throws {
        var spec = TinyTask.classifySpec(encoder: .none, steps: 8)
        spec.kind = YesNoKind()
        let model = try TinyTask.model()
        let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
        let outcome = try Trainer(model: model, encoder: encoder, data: try TinyTask.data(encoder), checkpoints: nil) { _ in }.run()
        let seed = try #require(outcome.seeds.first)
        #expect(seed.dev?.count == 6 && seed.dev?.accuracy != nil)
        #expect(outcome.baselines.majority.dev?.primaryName == .accuracy)

        let folder = try OutputFixtures.folder()
        let identity = ModelIdentity(name: "tiny", path: TinyTask.modelPath, sha256: String(repeating: "0", count: 64),
                                     config: model.transformer.config)
        let context = RunContext(encoder: encoder, model: identity, bundle: BundleIdentity(name: "yes-no"), startedAt: Date(),
                                 finishedAt: Date(), threads: 1, peakRSSMegabytes: 1)
        _ = try RunOutputs.write(outcome: outcome, context: context, to: folder)
        let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: folder.appendingPathComponent("report.json")))
        #expect(report.task.kind == "yes_no")
        #expect(report.summary.dev.accuracy?.n == 1)
        #expect(throws: ModelFileError.self) { try PromptFile.load(path: folder.appendingPathComponent("prompt.safetensors").path) }
    }

    @Test func theRegisteredKindsHaveDistinctNamesTablesAndPrimaryMetrics() {
        #expect(Set(TaskKinds.names).count == TaskKinds.all.count)
        #expect(Set(TaskKinds.all.map { $0.manifestTable }).count == TaskKinds.all.count)
        #expect(TaskKinds.namesInWords == "classify, fill or choice")
        #expect(TaskKinds.named("fill") == FillKind.self)
        #expect(TaskKinds.named("regress") == nil)
    }

    @Test func metricsWriteOneKeyPerMetricAndReadBackTheirPrimary() throws {
        let fill = Metrics(count: 4, values: [.pAt1: 0.5, .pAt10: 0.75], primary: .pAt1)
        let json = String(decoding: try JSONEncoder().encode(fill), as: UTF8.self)
        #expect(json.contains("\"p_at_1\":0.5") && json.contains("\"p_at_10\":0.75") && json.contains("\"count\":4"))
        let back = try JSONDecoder().decode(Metrics.self, from: Data(json.utf8))
        #expect(back == fill && back.primary == 0.5)
    }
}
