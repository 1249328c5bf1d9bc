import Base
import Tensor

/// One kind of prediction a task trains. Each kind is one type that owns everything that differs
/// between kinds: its manifest table and the checks on it, the checks on a record's answer, how an
/// answer is encoded and scored, the loss, how a prediction is read off the logits, the metrics and
/// which of them is primary, and what the prompt file and the report keep of it.
///
/// `TaskKinds.all` lists the kinds; everything else in ptune reaches a kind through this protocol.
public protocol TaskKind: Sendable, Equatable {
    /// The manifest's `kind` value, also in report.json and the prompt file (e.g. "classify").
    static var name: String { get }
    /// The manifest table holding the kind's settings (e.g. "labels").
    static var manifestTable: String { get }
    /// The keys that table accepts; nil when its keys are the kind's own data (classify's label values).
    static var manifestKeys: [String]? { get }
    /// The metric that chooses the kept step and the exported seed, and that baselines are compared by.
    static var primaryMetric: MetricName { get }

    /// Reads the kind's settings from its manifest table; nil after reporting why they cannot be used.
    static func read(_ manifest: some KindManifest) -> Self?

    /// Fields every record needs besides the template's and the label field.
    var recordFields: [String] { get }
    /// Whether a dev split carved from train keeps the answers' proportions (no for open answers).
    var stratifiesDevSplit: Bool { get }
    /// What is wrong with a record's answer, the value of its label field `field`; nil when it is usable.
    func answerProblem(_ value: String, field: String) -> AnswerProblem?

    /// The tokens answers are scored among (nil when the kind scores continuations or the whole
    /// vocabulary), with a problem for each answer the vocabulary cannot express.
    func answerTokens(_ encoding: AnswerEncoding) -> (tokens: [Int]?, problems: [TaskProblem])
    /// A record's answer as the model scores it; `value` is nil for an unlabelled record.
    func encodeAnswer(_ value: String?, of example: Example, encoding: AnswerEncoding) throws(AnswerProblem) -> EncodedAnswer

    /// The loss of one labelled example, adding `scale` times its gradient into `gradient` [P, V].
    func loss(gold: Int, scoring: AnswerScoring, gradient: FloatBuffer, scale: Double) -> Double
    /// The model's answer for one example.
    func prediction(for example: EncodedExample, scoring: AnswerScoring) -> Prediction
    /// An answer as predictions name it.
    func answerText(_ answer: Int, encoding: AnswerEncoding) -> String
    /// The loss of a prediction that scores every answer alike.
    func uniformLoss(vocabularySize: Int, answerTokens: [Int]?) -> Double
    /// The metrics of a split's labelled predictions.
    func metrics(of labelled: [Prediction]) -> Metrics

    /// The prompt-file metadata that rebuilds the kind.
    func promptMetadata() throws -> [String: String]
    /// Rebuilds the kind from a prompt file's metadata.
    static func read(promptMetadata: PromptMetadataReader) throws -> Self
    /// Metadata keys every prompt file carries, with the value a prompt of another kind writes.
    static var absentPromptMetadata: [String: String] { get }

    /// Fills in the kind's part of the report's task description.
    func describe(_ task: inout RunReport.Task, answerTokens: [Int]?)
}

extension TaskKind {
    public var name: String { Self.name }
    public var primaryMetric: MetricName { Self.primaryMetric }
    public var recordFields: [String] { [] }
    public var stratifiesDevSplit: Bool { true }

    /// Whether `other` is this same kind with the same settings.
    public func isSame(as other: any TaskKind) -> Bool { (other as? Self) == self }
}

/// The task kinds ptune knows, in the order error messages list them.
public enum TaskKinds {
    public static let all: [any TaskKind.Type] = [ClassifyKind.self, FillKind.self, ChoiceKind.self]

    public static var names: [String] { all.map { $0.name } }

    /// The kind called `name`, nil when there is none.
    public static func named(_ name: String) -> (any TaskKind.Type)? { all.first { $0.name == name } }

    /// "classify, fill or choice"
    public static var namesInWords: String {
        let names = names
        return names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
