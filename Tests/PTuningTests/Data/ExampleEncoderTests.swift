import Base
import LM
import PTuning
import Testing

struct ExampleEncoderTests {
    let model = try! TinyTask.model()

    func spec(_ template: String, kind: any TaskKind, maxLength: Int = 256) -> TaskSpec {
        var training = TrainingSettings()
        training.maxLength = maxLength
        return TaskSpec(name: "t", kind: kind, template: try! Template.parse(template), labelField: "label",
                        training: training)
    }

    static let sentiment = ClassifyKind(labels: [LabelWord(label: "1", word: "great"), LabelWord(label: "0", word: "bad")])

    @Test func pseudoTokensBecomeTableRowsInTemplateOrder() throws {
        let encoder = try ExampleEncoder(spec: spec("[P*2] {text} [P] It was {target}", kind: Self.sentiment),
                                         tokenizer: model.tokenizer)
        let e = try encoder.encode(Example(fields: ["text": "fun", "label": "1"], source: "train.jsonl:1"))
        let text = model.tokenizer.encode(" fun ", parseSpecial: false).map(DecoderInput.token)
        let anchor = model.tokenizer.encode(" It was", parseSpecial: false).map(DecoderInput.token)
        #expect(e.inputs == [.embedding(0), .embedding(1)] + text + [.embedding(2)] + anchor)
        #expect(e.answer == 0 && e.continuations.isEmpty)
    }

    /// The BOS comes where the model's own encoding of the text puts it, after the pseudo tokens the
    /// template begins with (where PEFT's virtual tokens end), in the manual template too.
    @Test func theModelsBOSBeginsTheTextWhenItsFileAsksForIt() throws {
        let model = try TinyTask.bosModel()
        let bos = DecoderInput.token(try #require(model.tokenizer.bosID))
        let record = Example(fields: ["text": "fun", "label": "1"], source: "train.jsonl:1")
        func words(_ text: String) -> [DecoderInput] { model.tokenizer.encode(text, parseSpecial: false).map(DecoderInput.token) }

        let headFirst = try ExampleEncoder(spec: spec("[P*2] {text} [P] It was {target}", kind: Self.sentiment),
                                           tokenizer: model.tokenizer)
        #expect(headFirst.spec.bos == true)
        #expect(try headFirst.encode(record).inputs
                == [.embedding(0), .embedding(1), bos] + words(" fun ") + [.embedding(2)] + words(" It was"))
        let textFirst = try ExampleEncoder(spec: spec("{text} [P] It was {target}", kind: Self.sentiment), tokenizer: model.tokenizer)
        #expect(try textFirst.encode(record).inputs == [bos] + words("fun ") + [.embedding(0)] + words(" It was"))
        let manual = try ExampleEncoder(spec: headFirst.spec.manualOnly, tokenizer: model.tokenizer)
        #expect(try manual.encode(record).inputs == [bos] + words("fun It was"))
        let onlyPseudo = try ExampleEncoder(spec: spec("[P*2]{target}", kind: Self.sentiment), tokenizer: model.tokenizer)
        #expect(try onlyPseudo.encode(record).inputs == [.embedding(0), .embedding(1), bos])

        var without = spec("[P*2] {text} [P] It was {target}", kind: Self.sentiment)
        without.bos = false
        let plain = try ExampleEncoder(spec: without, tokenizer: model.tokenizer)
        #expect(plain.spec.bos == false)
        #expect(try !plain.encode(record).inputs.contains(bos))
    }

    @Test func aModelWithoutBOSGivesNoneUnlessTheBundleAsksForOne() throws {
        let byModel = try ExampleEncoder(spec: spec("[P] {text} {target}", kind: Self.sentiment), tokenizer: model.tokenizer)
        #expect(byModel.spec.bos == false && byModel.bosID == nil)
        var asked = spec("[P] {text} {target}", kind: Self.sentiment)
        asked.bos = true
        #expect {
            _ = try ExampleEncoder(spec: asked, tokenizer: model.tokenizer)
        } throws: { error in
            (error as? TaskProblems)?.problems.map(\.description)
                == ["task.toml: bos: the model names no BOS token (remove bos, or set it to false)"]
        }
    }

    @Test func theSpaceBeforeTheTargetMovesIntoTheLabelWord() throws {
        let encoder = try ExampleEncoder(spec: spec("[P] {text} It was {target}", kind: Self.sentiment), tokenizer: model.tokenizer)
        #expect(encoder.targetPrefix == " ")
        #expect(encoder.answerTokens == [model.tokenizer.encode(" great")[0], model.tokenizer.encode(" bad")[0]])
        let tight = try ExampleEncoder(spec: spec("[P] {text} Answer:{target}", kind: Self.sentiment), tokenizer: model.tokenizer)
        #expect(tight.targetPrefix == "")
        #expect(tight.answerTokens == [model.tokenizer.encode("great")[0], model.tokenizer.encode("bad")[0]])
    }

    @Test func overLongInputsAreCutFromTheLongestField() throws {
        let encoder = try ExampleEncoder(spec: spec("[P] {short} / {long} [P]{target}", kind: Self.sentiment, maxLength: 24),
                                         tokenizer: model.tokenizer)
        let long = String(repeating: "abcdefg ", count: 20)
        let e = try encoder.encode(Example(fields: ["short": "hi", "long": long, "label": "0"], source: "x:1"))
        #expect(e.inputs.count <= 23)
        #expect(e.inputs.prefix(4).contains(.token(model.tokenizer.encode(" hi")[0])))
    }

    @Test func recordProblemsNameFileLineAndField() throws {
        let encoder = try ExampleEncoder(spec: spec("[P] {text} {target}", kind: Self.sentiment), tokenizer: model.tokenizer)
        do {
            _ = try encoder.encode([Example(fields: ["text": "a", "label": "7"], source: "dev.jsonl:4"),
                                    Example(fields: ["label": "1"], source: "dev.jsonl:9")])
            Issue.record("expected problems")
        } catch {
            #expect(error.problems.count == 2)
            #expect(error.problems[0].line == 4 && error.problems[0].field == "label")
            #expect(error.problems[0].message.contains("no label word"))
            #expect(error.problems[1].line == 9 && error.problems[1].field == "text")
        }
    }

    @Test func aRecordWithNoInputTokensIsAProblemNotACrash() throws {
        var manual = spec("[P] {text} {target}", kind: Self.sentiment)
        manual.template = try Template.parse("{text} {target}", manual: true)
        let encoder = try ExampleEncoder(spec: manual, tokenizer: model.tokenizer)
        #expect(try encoder.encode(Example(fields: ["text": "fun", "label": "1"], source: "dev.jsonl:1")).inputs.count > 0)
        #expect(throws: TaskProblem.self) {
            try encoder.encode(Example(fields: ["text": "", "label": "1"], source: "dev.jsonl:2"))
        }
    }

    @Test func labelWordsSharingTheirFirstTokenAreRejected() {
        let kind = ClassifyKind(labels: [LabelWord(label: "a", word: "great"), LabelWord(label: "b", word: "greatest")])
        #expect(throws: TaskProblems.self) {
            _ = try ExampleEncoder(spec: spec("[P] {text} {target}", kind: kind), tokenizer: model.tokenizer)
        }
    }

    @Test func startingTokenIDsOutsideTheVocabularyAreRejected() throws {
        var task = spec("[P] {text} {target}", kind: ClassifyKind(labels: [LabelWord(label: "a", word: "great")]))
        task.encoder = EncoderSettings(kind: .none, initTokenIDs: [1, model.tokenizer.vocabularySize])
        #expect {
            _ = try ExampleEncoder(spec: task, tokenizer: model.tokenizer)
        } throws: { error in
            (error as? TaskProblems)?.problems.map(\.description)
                == ["task.toml: encoder.init_ids: token id \(model.tokenizer.vocabularySize) is not in the vocabulary (ids run from 0 to \(model.tokenizer.vocabularySize - 1))"]
        }
        task.encoder.initTokenIDs = [1, model.tokenizer.vocabularySize - 1]
        #expect(try ExampleEncoder(spec: task, tokenizer: model.tokenizer).answerTokens?.count == 1)
    }

    @Test func choiceOptionsAreTokenizedAfterTheInputs() throws {
        let encoder = try ExampleEncoder(spec: spec("{premise} [P*2] so {target}", kind: ChoiceKind(fields: ["c1", "c2"], margin: 1)),
                                         tokenizer: model.tokenizer)
        let e = try encoder.encode(Example(fields: ["premise": "rain", "c1": "the grass got wet", "c2": "bad", "label": "0"],
                                           source: "train.jsonl:1"))
        #expect(e.answer == 0)
        #expect(e.continuations == [model.tokenizer.encode(" the grass got wet"), model.tokenizer.encode(" bad")])
    }
}
