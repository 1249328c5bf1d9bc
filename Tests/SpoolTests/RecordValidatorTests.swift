import PTuning
@testable import Spool
import Testing

@Suite struct RecordValidatorTests {
    private let labels = ClassifyKind(labels: [LabelWord(label: "1", word: "great"), LabelWord(label: "0", word: "terrible")])

    private func validate(_ records: [DataRecord], kind: (any TaskKind)?) throws -> ([Example], [String]) {
        let validator = RecordValidator(template: try Template.parse("[P] {sentence}{target}"), labelField: "label", kind: kind)
        var problems = ProblemCollector()
        var data = DataRecords()
        data.records = records
        let examples = validator.validate(data, file: "train.jsonl", problems: &problems)
        return (examples, problems.problems.map(\.description))
    }

    private func record(_ line: Int, _ fields: [String: DataRecord.Value]) -> DataRecord {
        DataRecord(line: line, fields: fields)
    }

    @Test func keepsValidRecordsWithTheirTextFields() throws {
        let (examples, problems) = try validate([record(3, ["sentence": .text("ok"), "label": .text("1"), "meta": .unusable("an object")])],
                                                kind: labels)
        #expect(problems.isEmpty)
        #expect(examples == [Example(fields: ["sentence": "ok", "label": "1"], source: "train.jsonl:3")])
    }

    @Test func reportsAMissingTemplateFieldOnItsLine() throws {
        let (examples, problems) = try validate([record(7, ["label": .text("1")])], kind: labels)
        #expect(examples.isEmpty)
        #expect(problems == ["train.jsonl:7: sentence: missing (this record has: label)"])
    }

    @Test func reportsAUsedFieldThatIsNotText() throws {
        let (_, problems) = try validate([record(2, ["sentence": .unusable("an array"), "label": .text("1")])], kind: labels)
        #expect(problems == ["train.jsonl:2: sentence: is an array; expected text, a number or a boolean"])
    }

    @Test func reportsALabelWithoutALabelWord() throws {
        let (_, problems) = try validate([record(4, ["sentence": .text("x"), "label": .text("neutral")])], kind: labels)
        #expect(problems == ["train.jsonl:4: label: label \"neutral\" has no label word (known labels: 1, 0; add it to [labels])"])
    }

    @Test func checksOnlyFieldsWithoutAKind() throws {
        let (examples, problems) = try validate([record(1, ["sentence": .text("x"), "label": .text("anything")])], kind: nil)
        #expect(problems.isEmpty)
        #expect(examples.count == 1)
    }

    @Test func fillTargetsMustNotBeEmpty() throws {
        let (_, problems) = try validate([record(1, ["sentence": .text("x"), "label": .text("")])], kind: FillKind(candidates: nil))
        #expect(problems == ["train.jsonl:1: label: the target is empty (a fill record's label field holds the word to predict)"])
    }
}
