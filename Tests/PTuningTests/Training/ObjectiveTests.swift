import LM
@testable import PTuning
import Tensor
import TestSupport
import Testing

/// The task losses' gradients with respect to the logits, by finite differences.
struct ObjectiveTests {
    let model = try! TinyTask.model()

    func check(_ spec: TaskSpec, _ records: [Example]) throws {
        let encoder = try ExampleEncoder(spec: spec, tokenizer: model.tokenizer)
        let examples = try encoder.encode(records)
        let objective = Objective(encoder: encoder, vocabularySize: model.transformer.config.vocabSize)
        let plan = objective.plan(examples, table: FloatBuffer(count: spec.template.pseudoTokenCount * model.transformer.config.hiddenSize))
        var rng = SeededGenerator(seed: 4)
        let logits = rng.normalBuffer(count: plan.positions.count * model.transformer.config.vocabSize, std: 2)
        let analytic = objective.loss(examples, plan: plan, logits: logits).gradient.array
        let error = GradientCheck.relativeError(input: logits, analytic: analytic, step: 1e-2, sample: 400) {
            objective.loss(examples, plan: plan, logits: logits).loss
        }
        #expect(error < 1e-2, "relative error \(error)")
    }

    @Test func classifyGradient() throws {
        try check(TinyTask.classifySpec(), TinyTask.examples(3, file: "t"))
    }

    @Test func fillGradientOverTheVocabularyAndOverCandidates() throws {
        for candidates in [nil, ["great", "bad", "the"]] as [[String]?] {
            let spec = TaskSpec(name: "f", kind: FillKind(candidates: candidates), template: try Template.parse("[P] {x} [P] {target}"),
                                labelField: "y")
            try check(spec, [Example(fields: ["x": "it", "y": "great"], source: "t:1"),
                             Example(fields: ["x": "no", "y": "bad"], source: "t:2")])
        }
    }

    @Test func choiceHingeGradient() throws {
        let spec = TaskSpec(name: "c", kind: ChoiceKind(fields: ["a", "b"], margin: 50), template: try Template.parse("{p} [P] {target}"),
                            labelField: "label")
        try check(spec, [Example(fields: ["p": "x", "a": "the great", "b": "bad", "label": "1"], source: "t:1")])
    }
}
