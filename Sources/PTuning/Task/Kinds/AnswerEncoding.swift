import LM

/// What a task kind encodes answers with: the tokenizer, and the whitespace the template moves into
/// each target (see `ExampleEncoder`).
public struct AnswerEncoding: Sendable {
    public let tokenizer: BPETokenizer
    public let targetPrefix: String
    public let labelField: String

    public init(tokenizer: BPETokenizer, targetPrefix: String, labelField: String) {
        self.tokenizer = tokenizer
        self.targetPrefix = targetPrefix
        self.labelField = labelField
    }

    /// The tokens of an answer text as it follows the template: the target prefix, then the text.
    public func tokens(_ text: String) -> [Int] {
        tokenizer.encode(targetPrefix + text, parseSpecial: false)
    }

    /// A token's text without the target prefix.
    public func text(ofToken id: Int) -> String {
        let text = tokenizer.decode([id])
        return text.hasPrefix(targetPrefix) ? String(text.dropFirst(targetPrefix.count)) : text
    }
}

/// A record's answer as the model scores it.
public struct EncodedAnswer: Sendable, Equatable {
    /// The gold answer: an index among the kind's answers (label, token id, option); nil when unlabelled.
    public var answer: Int?
    /// Token sequences scored after the inputs, one per option; empty when the answer is read at the
    /// position after the inputs.
    public var continuations: [[Int]]

    public init(answer: Int?, continuations: [[Int]] = []) {
        self.answer = answer
        self.continuations = continuations
    }
}

/// Why a record's answer cannot be used, and which field holds it.
public struct AnswerProblem: Error, Sendable, Equatable {
    public var field: String
    public var message: String
    public var hint: String?

    public init(field: String, _ message: String, hint: String? = nil) {
        self.field = field
        self.message = message
        self.hint = hint
    }
}
